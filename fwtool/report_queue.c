// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#ifdef CONFIG_REPORT_HTTP
#include <curl/curl.h>
#include <dlfcn.h>
#endif

#include "atomicfile.h"
#include "board.h"
#include "fdio.h"
#include "kconfig.h"
#include "report_queue.h"

/* Who sends it: a fleet's server must tell its hosts apart. */
static json_object *host_json(const struct config *cfg)
{
	json_object *h = json_object_new_object(), *a = json_object_new_array();
	char name[256] = "", *id = NULL;
	struct fw_err e = {0};
	struct board b;

	if (cfg->hostname[0])
		snprintf(name, sizeof(name), "%s", cfg->hostname);
	else if (gethostname(name, sizeof(name) - 1))
		name[0] = '\0';
	json_object_object_add(h, "hostname", json_object_new_string(name));
	if (fd_read_file(cfg->machine_id, 256, &id, NULL, &e))
		fw_err_clear(&e);
	json_object_object_add(
		h, "machine_id",
		json_object_new_string_len(id ? id : "", id ? (int)strcspn(id, "\n") : 0));
	free(id);
	board_init(&b);
	if (!board_detect(&b, cfg->compatible, cfg->dtb, cfg->dmi, &e))
		for (unsigned i = 0; i < b.n; i++)
			json_object_array_add(a, json_object_new_string(b.strings[i]));
	json_object_object_add(h, "compatible", a);
	return h;
}

/*
 * A sink that stays down must not fill the state disk: before a report is
 * queued, the oldest ones go until FW_OUTBOX_MAX - 1 remain. They stay in
 * history (fwtool history --since), which is the record; the queue is only
 * what is still to be sent.
 */
static void trim(const char *dir)
{
	char path[FW_PATH_LEN + 300];

	for (;;) {
		char oldest[256] = "";
		time_t when = 0;
		unsigned n = 0;
		struct dirent *de;
		DIR *d = opendir(dir);

		while (d && (de = readdir(d))) {
			size_t len = strlen(de->d_name);
			struct stat st;

			if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st))
				continue;
			n++;
			if (!oldest[0] || st.st_mtime < when) {
				when = st.st_mtime;
				snprintf(oldest, sizeof(oldest), "%s", de->d_name);
			}
		}
		if (d)
			closedir(d);
		if (n < FW_OUTBOX_MAX || !oldest[0])
			return;
		snprintf(path, sizeof(path), "%s/%s.retry", dir, oldest);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", dir, oldest);
		if (unlink(path))
			return;
	}
}

int report_queue_put(const struct config *cfg, const struct txn *t, struct fw_err *err)
{
	char dir[FW_PATH_LEN], path[FW_PATH_LEN + 48], *json;
	json_object *o;
	int ret;

	if (!cfg->report_url[0] && !cfg->report_cmd[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s/outbox", cfg->statedir);
	mkdir(cfg->statedir, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.json", dir, t->id);
	if (access(path, F_OK))
		trim(dir);
	json = state_txn_json(t);
	o = json ? json_tokener_parse(json) : NULL;
	free(json);
	if (!o)
		return fw_error(err, FW_ENOMEM, "out of memory");
	json_object_object_add(o, "host", host_json(cfg));
	json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!json)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = atomicfile_write(path, json, strlen(json), err);
	free(json);
	if (ret)
		fw_error_prefix(err, "report queue");
	return ret;
}

/*
 * report_cmd: the report on the command's stdin, exit 0 is delivered. Its
 * output goes to stderr (stdout may carry fwtool's --json). At most
 * @timeout seconds, then its process group is killed.
 */
static int run_cmd(const char *cmd, const char *body, unsigned timeout)
{
	struct timespec tick = {0, 20 * 1000 * 1000};
	int p[2], status = 0;
	unsigned waited = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(p[0], STDIN_FILENO);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* a command that does not read all is its failure */
	(void)!fd_write_all(p[1], body, strlen(body));
	close(p[1]);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (waited++ >= timeout * 50) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
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

static int post(const char *url, const char *body, unsigned timeout)
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
	curl.setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	curl.setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl.perform(c) == CURLE_OK)
		curl.getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl.cleanup(c);
	curl.free_all(h);
	return code >= 200 && code < 300 ? 0 : -1;
}
#else
static int post(const char *url, const char *body, unsigned timeout)
{
	(void)url;
	(void)body;
	(void)timeout;
	return -1;
}
#endif

/* One report, through the command if there is one, else over HTTP. */
static int deliver(const struct config *cfg, const char *body)
{
	if (cfg->report_cmd[0])
		return run_cmd(cfg->report_cmd, body, cfg->report_timeout);
	return post(cfg->report_url, body, cfg->report_timeout);
}

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

void report_queue_sink(const struct config *cfg, char *out, size_t size)
{
	const char *url = cfg->report_url, *host = strstr(url, "://"), *at;

	if (cfg->report_cmd[0]) {
		snprintf(out, size, "report_cmd");
		return;
	}
	host = host ? host + 3 : url;
	at = memchr(host, '@', strcspn(host, "/?#"));
	if (at)
		snprintf(out, size, "%.*s***%s", (int)(host - url), url, at);
	else
		snprintf(out, size, "%s", url);
}

int report_queue_flush(const struct config *cfg, struct report_queue_result *res,
		       struct fw_err *err)
{
	char dir[FW_PATH_LEN];
	struct dirent *de;
	DIR *d;

	memset(res, 0, sizeof(*res));
	if (!cfg->report_url[0] && !cfg->report_cmd[0])
		return 0;
	if (!cfg->report_cmd[0] && !IS_ENABLED(CONFIG_REPORT_HTTP))
		return fw_error(err, FW_ENOTSUP,
				"report_url: built without CONFIG_REPORT_HTTP (use report_cmd, "
				"e.g. a curl or wget command line)");
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
		/* a sink that failed once in this flush is down: the rest wait
		 * for the next one (the timer's), so a confirm never pays one
		 * report_timeout per queued report */
		if (res->failed || !due(retry, &attempts)) {
			res->waiting++;
			continue;
		}
		if (fd_read_file(path, FW_STATE_MAX, &body, NULL, err)) {
			fw_err_clear(err);
			continue;
		}
		if (!deliver(cfg, body)) {
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
