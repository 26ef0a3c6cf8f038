// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef CONFIG_REPORT_HTTP
#include <curl/curl.h>
#include <dlfcn.h>
#endif

#include "atomicfile.h"
#include "kconfig.h"
#include "outbox.h"

int outbox_put(const struct config *cfg, const struct txn *t, struct fw_err *err)
{
	char dir[FW_PATH_LEN], path[FW_PATH_LEN + 48], *json;
	int ret;

	if (!cfg->report_url[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s/outbox", cfg->statedir);
	mkdir(cfg->statedir, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.json", dir, t->id);
	json = state_txn_json(t);
	if (!json)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = atomicfile_write(path, json, strlen(json), err);
	free(json);
	if (ret)
		fw_error_prefix(err, "report queue");
	return ret;
}

#ifdef CONFIG_REPORT_HTTP
/*
 * libcurl is loaded only when a report is sent: linked in, it and its TLS
 * stack would be mapped into every fwtool run and add about 5 MiB to the
 * install's resident memory, for a feature most runs do not use.
 */
static struct {
	void *so;
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	struct curl_slist *(*append)(struct curl_slist *, const char *);
	void (*free_all)(struct curl_slist *);
} curl;

static int load_curl(void)
{
	if (curl.so)
		return 0;
	curl.so = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!curl.so)
		return -1;
	*(void **)&curl.init = dlsym(curl.so, "curl_easy_init");
	*(void **)&curl.setopt = dlsym(curl.so, "curl_easy_setopt");
	*(void **)&curl.perform = dlsym(curl.so, "curl_easy_perform");
	*(void **)&curl.getinfo = dlsym(curl.so, "curl_easy_getinfo");
	*(void **)&curl.cleanup = dlsym(curl.so, "curl_easy_cleanup");
	*(void **)&curl.append = dlsym(curl.so, "curl_slist_append");
	*(void **)&curl.free_all = dlsym(curl.so, "curl_slist_free_all");
	if (!curl.init || !curl.setopt || !curl.perform || !curl.getinfo || !curl.cleanup ||
	    !curl.append || !curl.free_all) {
		dlclose(curl.so);
		curl.so = NULL;
		return -1;
	}
	return 0;
}

static size_t discard(void *p, size_t n, size_t m, void *ctx)
{
	(void)p;
	(void)ctx;
	return n * m;
}

static int post(const char *url, const char *body)
{
	struct curl_slist *h;
	long code = 0;
	CURL *c;

	if (load_curl())
		return -1;
	c = curl.init();
	if (!c)
		return -1;
	h = curl.append(NULL, "Content-Type: application/json");
	curl.setopt(c, CURLOPT_URL, url);
	curl.setopt(c, CURLOPT_HTTPHEADER, h);
	curl.setopt(c, CURLOPT_POSTFIELDS, body);
	curl.setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl.setopt(c, CURLOPT_TIMEOUT, 5L);
	curl.setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl.perform(c) == CURLE_OK)
		curl.getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl.cleanup(c);
	curl.free_all(h);
	return code >= 200 && code < 300 ? 0 : -1;
}
#else
static int post(const char *url, const char *body)
{
	(void)url;
	(void)body;
	return -1;
}
#endif

/* ID.json.retry holds "attempts next-epoch" */
static int due(const char *retry, unsigned *attempts)
{
	unsigned long long next = 0;
	FILE *f = fopen(retry, "r");

	*attempts = 0;
	if (!f)
		return 1;
	if (fscanf(f, "%u %llu", attempts, &next) != 2)
		*attempts = 0, next = 0;
	fclose(f);
	return (unsigned long long)time(NULL) >= next;
}

static void backoff(const char *retry, unsigned attempts)
{
	unsigned long delay = 30ul << (attempts < 7 ? attempts : 7);
	struct fw_err e = {0};
	char text[64];

	if (delay > 3600)
		delay = 3600;
	snprintf(text, sizeof(text), "%u %llu\n", attempts + 1,
		 (unsigned long long)time(NULL) + delay);
	(void)!atomicfile_write(retry, text, strlen(text), &e);
}

int outbox_flush(const struct config *cfg, struct outbox_result *res, struct fw_err *err)
{
	char dir[FW_PATH_LEN];
	struct dirent *de;
	DIR *d;

	memset(res, 0, sizeof(*res));
	if (!IS_ENABLED(CONFIG_REPORT_HTTP))
		return fw_error(err, FW_ENOTSUP, "report_url: built without CONFIG_REPORT_HTTP");
	if (!cfg->report_url[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s/outbox", cfg->statedir);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char path[FW_PATH_LEN + 300], retry[FW_PATH_LEN + 310], *body = NULL;
		size_t n = strlen(de->d_name);
		unsigned attempts;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(retry, sizeof(retry), "%s.retry", path);
		if (!due(retry, &attempts)) {
			res->waiting++;
			continue;
		}
		if (atomicfile_read(path, FW_STATE_MAX, &body, NULL, err)) {
			fw_err_clear(err);
			continue;
		}
		if (!post(cfg->report_url, body)) {
			unlink(path);
			unlink(retry);
			res->sent++;
		} else {
			backoff(retry, attempts);
			res->failed++;
		}
		free(body);
	}
	if (d)
		closedir(d);
	return 0;
}
