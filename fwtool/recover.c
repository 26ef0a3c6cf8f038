// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which bundle a recovery uses. Candidates are the *.fwb files of a folder,
 * or of the root and fwtool/ folder of every mounted removable medium: a
 * block device whose disk says removable in sysfs, or that hangs off a USB
 * bus (USB sticks often claim not to be removable). Each candidate's header
 * is verified with the install policy; the highest version that passes
 * wins, and why every other one lost is logged.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bundle.h"
#include "log.h"
#include "recover.h"
#include "semver.h"

struct best {
	const struct verify_policy *vp;
	struct recover_candidates *c;
	struct semver ver[RECOVER_CANDIDATES_MAX];
	char version[RECOVER_CANDIDATES_MAX][FW_VERSION_LEN + 1];
	unsigned seen;
};

/* Insert by version, newest first; the oldest falls off a full list. */
static void keep(struct best *b, const char *path, const struct semver *sv, const char *version)
{
	struct recover_candidates *c = b->c;
	unsigned at = 0;

	while (at < c->n && semver_cmp(&b->ver[at], sv) >= 0)
		at++;
	if (at == RECOVER_CANDIDATES_MAX) {
		log_warn("recover: passing over %s: more than %d newer bundles", path,
			 RECOVER_CANDIDATES_MAX);
		return;
	}
	if (c->n == RECOVER_CANDIDATES_MAX)
		log_warn("recover: passing over %s: more than %d newer bundles", c->path[--c->n],
			 RECOVER_CANDIDATES_MAX);
	memmove(c->path[at + 1], c->path[at], sizeof(c->path[0]) * (c->n - at));
	memmove(&b->ver[at + 1], &b->ver[at], sizeof(b->ver[0]) * (c->n - at));
	memmove(b->version[at + 1], b->version[at], sizeof(b->version[0]) * (c->n - at));
	snprintf(c->path[at], sizeof(c->path[at]), "%s", path);
	snprintf(b->version[at], sizeof(b->version[at]), "%s", version);
	b->ver[at] = *sv;
	c->n++;
}

static void consider(struct best *b, const char *path)
{
	struct bundle_reader *r = NULL;
	struct fw_err e = {0};
	struct verified v;
	struct semver sv;
	int ret;

	b->seen++;
	verified_init(&v);
	ret = bundle_open(&r, path, NULL, &e);
	if (!ret)
		ret = verify_header(r, b->vp, &v, &e);
	if (ret)
		log_warn("recover: passing over %s: %s", path, e.msg);
	else if (semver_parse(v.m.version, &sv))
		log_warn("recover: passing over %s: version %s", path, v.m.version);
	else
		keep(b, path, &sv, v.m.version);
	bundle_close(r);
	verified_free(&v);
}

static void scan_dir(struct best *b, const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		size_t n = strlen(d->d_name);
		char path[PATH_MAX];
		struct stat st;

		if (n < 5 || strcmp(d->d_name + n - 4, ".fwb") || d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path) ||
		    stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		consider(b, path);
	}
	closedir(dp);
}

/* Is the block device maj:min (a partition or a whole disk) removable? */
static int removable(unsigned maj, unsigned min)
{
	char link[PATH_MAX + 16], real[PATH_MAX], flag[8] = "";
	FILE *f;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", maj, min);
	if (!realpath(link, real))
		return 0;
	if (strstr(real, "/usb"))
		return 1;
	/* a partition's removable flag is its disk's, one folder up */
	snprintf(link, sizeof(link), "%s/partition", real);
	if (!access(link, F_OK))
		*strrchr(real, '/') = '\0';
	strncat(real, "/removable", sizeof(real) - strlen(real) - 1);
	f = fopen(real, "r");
	if (f) {
		if (!fgets(flag, sizeof(flag), f))
			flag[0] = '\0';
		fclose(f);
	}
	return flag[0] == '1';
}

static void scan_media(struct best *b)
{
	char line[4096], mnt[1024], sub[PATH_MAX];
	unsigned maj, min;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return;
	/* id parent maj:min root mountpoint ... */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, mnt) != 3 || !maj ||
		    !removable(maj, min))
			continue;
		log_info("recover: looking on %s (removable, %u:%u)", mnt, maj, min);
		scan_dir(b, mnt);
		snprintf(sub, sizeof(sub), "%s/fwtool", mnt);
		scan_dir(b, sub);
	}
	fclose(f);
}

int recover_find(const char *path, const struct verify_policy *vp, struct recover_candidates *c,
		 struct fw_err *err)
{
	struct best *b = calloc(1, sizeof(*b));
	struct stat st;
	int ret = 0;

	c->n = 0;
	if (!b)
		return fw_error(err, FW_ENOMEM, "out of memory");
	b->vp = vp;
	b->c = c;
	if (path && strcmp(path, "-") && stat(path, &st)) {
		free(b);
		return fw_error(err, FW_EUSAGE, "recover: %s: %s", path, strerror(errno));
	}
	if (path && (!strcmp(path, "-") || !S_ISDIR(st.st_mode))) {
		snprintf(c->path[0], sizeof(c->path[0]), "%s", path); /* verified when read */
		c->n = 1;
		free(b);
		return 0;
	}
	if (path)
		scan_dir(b, path);
	else
		scan_media(b);
	if (!c->n)
		ret = fw_error(err, FW_ENOTFOUND, "recover: %s bundle (*.fwb) found in %s",
			       b->seen ? "no acceptable" : "no",
			       path ? path : "the mounted removable media");
	for (unsigned i = 1; i < c->n; i++)
		log_info("recover: %s (%s) is the fallback if %s fails", c->path[i], b->version[i],
			 c->path[i - 1]);
	free(b);
	return ret;
}
