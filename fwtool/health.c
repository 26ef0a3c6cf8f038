// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Keep the last FW_CHECK_TAIL-1 bytes of output. */
static void tail_add(struct txn_check *c, size_t *len, const char *buf, size_t n)
{
	size_t cap = sizeof(c->tail) - 1;

	if (n >= cap) {
		memcpy(c->tail, buf + n - cap, cap);
		*len = cap;
	} else {
		if (*len + n > cap) {
			memmove(c->tail, c->tail + (*len + n - cap), cap - n);
			*len = cap - n;
		}
		memcpy(c->tail + *len, buf, n);
		*len += n;
	}
	c->tail[*len] = '\0';
}

/*
 * The tail as a report can carry it: a NUL, or a byte that is not part of
 * valid UTF-8, becomes '?' (a tail may also start mid-character). Control
 * characters stay: the JSON writer escapes them.
 */
static void tail_clean(struct txn_check *c, size_t len)
{
	unsigned char *t = (unsigned char *)c->tail;

	for (size_t i = 0; i < len;) {
		unsigned char b = t[i];
		size_t n = b < 0x80		    ? 1
			   : b >= 0xc2 && b <= 0xdf ? 2
			   : b >= 0xe0 && b <= 0xef ? 3
			   : b >= 0xf0 && b <= 0xf4 ? 4
						    : 0;
		/* RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF */
		unsigned char lo = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
		size_t k = 1;

		if (n > 1 && i + n <= len && t[i + 1] >= lo && t[i + 1] <= hi)
			for (k = 2; k < n && (t[i + k] & 0xc0) == 0x80; k++)
				;
		if (n == 0 || k < n) {
			t[i++] = '?';
			continue;
		}
		if (b == 0)
			t[i] = '?';
		i += n;
	}
}

/*
 * A check's processes end with it: its process group, and whatever it left
 * in another session (setsid), which comes to us as its subreaper once its
 * parent is gone. Nothing of a check may hold its output pipe, or the CPU,
 * after confirm has judged it.
 */
static void end_leftovers(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	for (int round = 0; round < 100; round++) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		int found = 0;
		DIR *d;
		struct dirent *de;

		if (pid > 0)
			continue;
		/* no child at all, so nothing to find among them: the scan of
		 * /proc costs 10-15 ms here, after every check */
		if (pid < 0 && errno == ECHILD)
			return;
		d = opendir("/proc");
		while (d && (de = readdir(d))) {
			char path[64], line[512], *p;
			FILE *f;
			int ppid = 0;

			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			/* pid (comm) state ppid: comm may hold spaces and ')' */
			if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
				sscanf(p + 1, " %*c %d", &ppid);
			fclose(f);
			if (ppid == getpid()) {
				kill(atoi(de->d_name), SIGKILL);
				found = 1;
			}
		}
		if (d)
			closedir(d);
		if (!found && pid <= 0)
			return;
		usleep(1000);
	}
}

/*
 * Like sshd with authorized_keys: a check run as root must be writable by
 * its owner only, owned by root or by us, and so must its folder.
 */
static int loose(const char *path, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st))
		return 0; /* it fails, saying why, where it runs */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, len, "refused: %s is writable by group or others", path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		snprintf(why, len, "refused: %s is owned by uid %u", path, (unsigned)st.st_uid);
	else
		return 0;
	return 1;
}

static pid_t spawn(const char *cmd, int is_shell, int *outfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* so a timeout kills the whole check */
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		if (is_shell)
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		else
			execl(cmd, cmd, (char *)NULL);
		/* into the check's output, where the report shows it */
		dprintf(STDERR_FILENO, "fwtool: cannot run %s: %s\n", cmd, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	*outfd = p[0];
	return pid;
}

static void run_one(struct txn_check *c, const char *cmd, int is_shell, unsigned timeout,
		    void (*tick)(void *), void *ctx)
{
	double start = now();
	size_t tlen = 0;
	int fd = -1, exited, status = 0, done = 0, timed_out = 0;
	pid_t pid = spawn(cmd, is_shell, &fd);
	char buf[4096];

	if (pid < 0) {
		snprintf(c->tail, sizeof(c->tail), "cannot start: %s", strerror(errno));
		return;
	}
	/* the output and the exit are both waited for in poll(): a check that
	 * closed its output is reaped the moment it exits, not a sleep later
	 * (without pidfds, before Linux 5.3, a 5 ms poll timeout stands in) */
	exited = (int)syscall(SYS_pidfd_open, pid, 0);
	while (!done) {
		struct pollfd pfd[2] = {{fd, POLLIN, 0}, {exited, POLLIN, 0}};

		tick(ctx);
		if (poll(pfd, 2, fd < 0 && exited < 0 ? 5 : 250) > 0 && pfd[0].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n > 0) {
				tail_add(c, &tlen, buf, (size_t)n);
			} else {
				close(fd);
				fd = -1;
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
		else if (timeout && now() - start > timeout) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			timed_out = done = 1;
		}
	}
	if (exited >= 0)
		close(exited);
	end_leftovers(pid);
	/* what the check printed just before it exited; never wait for more */
	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	while (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		tail_add(c, &tlen, buf, (size_t)n);
	}
	if (fd >= 0)
		close(fd);
	c->duration_ms = (unsigned)((now() - start) * 1000);
	c->passed = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (timed_out)
		tail_add(c, &tlen, "\n[fwtool: timed out]", 20);
	tail_clean(c, tlen);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The checks of a health.d folder, sorted: every file but dot-files. A
 * file that is not executable is listed too and fails where it runs (fail
 * closed: a required check that lost its mode bits must not pass by being
 * skipped). *why says what keeps the folder from being read whole: it
 * cannot be opened (other than missing), or holds more than @max checks.
 */
static unsigned list_dir(const char *dir, char **out, unsigned max, char *why, size_t whylen)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	*why = '\0';
	if (!d && errno != ENOENT)
		snprintf(why, whylen, "cannot read %s: %s", dir, strerror(errno));
	while (d && (de = readdir(d))) {
		char path[FW_PATH_LEN + 256];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* a dangling link is kept: it fails, saying so, where it runs */
		if (de->d_name[0] == '.' || (!stat(path, &st) && S_ISDIR(st.st_mode)))
			continue;
		if (n == max) {
			snprintf(why, whylen, "%s holds more than %u checks", dir, max);
			break;
		}
		out[n++] = strdup(path);
	}
	if (d)
		closedir(d);
	qsort(out, n, sizeof(*out), cmp_str);
	return n;
}

int health_run(const struct config *cfg, const char *id, const char *bootname,
	       struct txn_check *checks, unsigned max, unsigned *nchecks, void (*tick)(void *ctx),
	       void *ctx)
{
	double start = now();
	int ok = 1;

	/* what a check may want to know */
	setenv("FWTOOL_CONF", cfg->path, 1);
	setenv("FWTOOL_TRANSACTION", id, 1);
	setenv("FWTOOL_SLOT", bootname, 1);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	*nchecks = 0;
	for (unsigned pass = 0; pass < 3; pass++) {
		char *files[FW_CHECKS_MAX], dir[FW_PATH_LEN], why[FW_PATH_LEN + 64] = "";
		unsigned n = 0;

		if (pass) {
			snprintf(dir, sizeof(dir), "%s/%s", cfg->health_dir,
				 pass == 1 ? "required" : "wanted");
			n = list_dir(dir, files, FW_CHECKS_MAX, why, sizeof(why));
			if (n && !*why)
				loose(dir, why, sizeof(why));
		} else {
			n = cfg->nchecks;
		}
		/* a folder not read whole fails as a check of its own */
		if (*why && pass == 1)
			ok = 0;
		if (*why && *nchecks < max) {
			struct txn_check *c = &checks[(*nchecks)++];

			memset(c, 0, sizeof(*c));
			snprintf(c->name, sizeof(c->name), "%s", pass == 1 ? "required" : "wanted");
			snprintf(c->tail, sizeof(c->tail), "%.*s", (int)sizeof(c->tail) - 1, why);
			c->required = pass == 1;
		}
		unsigned i;

		for (i = 0; i < n && *nchecks < max; i++) {
			struct txn_check *c = &checks[(*nchecks)++];
			const char *base;

			memset(c, 0, sizeof(*c));
			if (!pass) {
				snprintf(c->name, sizeof(c->name), "%s", cfg->checks[i].name);
				c->required = cfg->checks[i].required;
			} else {
				base = strrchr(files[i], '/');
				snprintf(c->name, sizeof(c->name), "%s",
					 base ? base + 1 : files[i]);
				c->required = pass == 1;
			}
			if (cfg->deadline && now() - start > cfg->deadline)
				snprintf(c->tail, sizeof(c->tail), "deadline of %u s passed",
					 cfg->deadline);
			else if (!pass)
				run_one(c, cfg->checks[i].command, 1,
					cfg->checks[i].timeout ? cfg->checks[i].timeout
							       : cfg->check_timeout,
					tick, ctx);
			else if (!loose(files[i], c->tail, sizeof(c->tail)))
				run_one(c, files[i], 0, cfg->check_timeout, tick, ctx);
			if (c->required && !c->passed)
				ok = 0;
		}
		/* no room left to record them: required checks not run fail */
		if (i < n && pass == 1)
			ok = 0;
		for (unsigned j = 0; pass && j < n; j++)
			free(files[j]);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	return ok;
}
