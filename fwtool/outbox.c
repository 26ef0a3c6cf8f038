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
#endif

#include "atomicfile.h"
#include "kconfig.h"
#include "outbox.h"

void outbox_put(const struct config *cfg, const struct txn *t)
{
	char dir[FW_PATH_LEN], path[FW_PATH_LEN + 48], *json;
	struct fw_err e = { 0 };

	if (!cfg->report_url[0])
		return;
	snprintf(dir, sizeof(dir), "%s/outbox", cfg->statedir);
	mkdir(cfg->statedir, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.json", dir, t->id);
	json = state_txn_json(t);
	if (json)
		(void)!atomicfile_write(path, json, strlen(json), &e);
	free(json);
}

#ifdef CONFIG_REPORT_HTTP
static size_t discard(void *p, size_t n, size_t m, void *ctx)
{
	(void)p;
	(void)ctx;
	return n * m;
}

static int post(const char *url, const char *body)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *c = curl_easy_init();
	long code = 0;
	CURLcode rc;

	if (!c) {
		curl_slist_free_all(h);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
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
	struct fw_err e = { 0 };
	char text[64];

	if (delay > 3600)
		delay = 3600;
	snprintf(text, sizeof(text), "%u %llu\n", attempts + 1,
		 (unsigned long long)time(NULL) + delay);
	(void)!atomicfile_write(retry, text, strlen(text), &e);
}

int outbox_flush(const struct config *cfg, struct outbox_result *res,
		 struct fw_err *err)
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
