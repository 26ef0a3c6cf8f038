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

#include "boot.h"
#include "bundle.h"
#include "install_job.h"
#include "log.h"
#include "recover.h"
#include "semver.h"
#include "slot.h"

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
	ret = bundle_open(&r, path, &b->vp->net, NULL, &e);
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
		log_debug("recover: looking on %s (removable, %u:%u)", mnt, maj, min);
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
		log_warn("recover: passing over %s (%s) for the newer %s; it is the fallback "
			 "if that fails",
			 c->path[i], b->version[i], c->path[i - 1]);
	free(b);
	return ret;
}

/* A bootname not written now is bootable only if each of its slots holds
 * what slots.json says fwtool wrote there, read back now. */
static int still_good(const struct config *cfg, const char *bootname)
{
	unsigned nslots = 0;

	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];
		struct slot_record rec;
		uint8_t digest[HASH_LEN];
		struct fw_err e = {0};

		if (strcmp(slot_bootname(cfg, s), bootname))
			continue;
		nslots++;
		if (state_slot_get(cfg->statedir, s->name, &rec, &e) || strcmp(rec.status, "ok") ||
		    rec.factory || job_slot_sha256(s, rec.size, digest, &e) ||
		    memcmp(digest, rec.sha256, HASH_LEN))
			return 0;
	}
	return nslots > 0;
}

/* One bootname from one bundle: verified again (the file is read once per
 * bootname), out of the order before its first byte, streamed. */
static int recover_bootname(struct job *j, const char *path, const char *bootname,
			    const struct verify_policy *vp, const struct install_opts *o,
			    struct install_result *res, struct fw_err *err)
{
	const struct config_slot *targets[FW_IMAGES_MAX];
	struct bundle_reader *r = NULL;
	unsigned first = res->nimages;
	struct verified v;
	int ret;

	verified_init(&v);
	j->recover_into = bootname;
	ret = job_open_verified(j, path, vp, &r, &v, err);
	if (!ret)
		ret = job_targets(j, &v.m, NULL, targets, res, err);
	if (!ret && j->txn->state == TXN_NONE) {
		ret = job_begin(j, err);
	} else if (!ret) {
		ret = job_phase(j, "mark %s bad", bootname, err);
		if (!ret)
			ret = boot_mark(&j->x->boot, bootname, BOOT_MARK_BAD, err);
	}
	if (!ret)
		ret = job_stream_images(j, r, targets, &v, o, first, res, err);
	bundle_close(r);
	verified_free(&v);
	return ret;
}

/*
 * A recovery is not in a hurry, and the slot it overwrites may be the only
 * one left: a bundle in a file is read through once, every chunk and
 * image checked, before its first byte is written. (From stdin it cannot
 * be; then, as for an I/O error midway, the next candidate is the fallback.)
 */
static int read_whole(const char *path, const struct verify_policy *vp, struct fw_err *err)
{
	struct verified v;
	int ret;

	if (!strcmp(path, "-"))
		return 0;
	verified_init(&v);
	ret = verify_bundle(path, vp, &v, NULL, err);
	verified_free(&v);
	return ret;
}

/* Every bootname the recovery writes: the chosen one, or all but the booted. */
static unsigned recover_list(struct txn_ctx *x, const struct install_opts *o, const char **list)
{
	unsigned n = 0;

	list[n++] = o->recover_into;
	for (unsigned i = 0; o->all_slots && i < x->boot.nnames; i++)
		if (strcmp(x->boot.names[i], o->recover_into) &&
		    strcmp(x->boot.names[i], x->booted))
			list[n++] = x->boot.names[i];
	return n;
}

/* One candidate bundle into every bootname of the list. */
static int recover_from(struct job *j, const char *path, const char *const *list, unsigned n,
			const struct verify_policy *vp, const struct install_opts *o,
			struct install_result *res, struct fw_err *err)
{
	int ret = 0;

	res->nimages = 0;
	j->txn->nslots = 0;
	for (unsigned i = 0; !ret && i < n; i++)
		ret = recover_bootname(j, path, list[i], vp, o, res, err);
	return ret;
}

/* Afterwards bootable: what was written (the target first, on trial),
 * what still reads back as recorded, and the running slot if there is one. */
static int recover_reset(struct job *j, const char *const *list, unsigned n, struct fw_err *err)
{
	struct txn_ctx *x = j->x;
	const char *good[BOOT_MAX];
	unsigned ngood = 0;
	enum txn_content c;
	int ret = 0;

	for (unsigned i = 0; i < n && ngood < BOOT_MAX; i++)
		good[ngood++] = list[i];
	for (unsigned i = 0; !ret && i < x->boot.nnames && ngood < BOOT_MAX; i++) {
		const char *bn = x->boot.names[i];
		unsigned k;

		for (k = 0; k < ngood && strcmp(good[k], bn); k++)
			;
		if (k < ngood)
			continue;
		if (!strcmp(bn, x->booted)) {
			ret = txn_content(x, bn, &c, NULL, 0, err);
			if (!ret && (c == TXN_CONTENT_CONFIRMED || c == TXN_CONTENT_VERIFIED))
				good[ngood++] = bn;
		} else if (still_good(j->cfg, bn)) {
			good[ngood++] = bn;
		}
	}
	if (!ret)
		ret = job_phase(j, "make %s primary", list[0], err);
	if (!ret)
		ret = boot_reset(&x->boot, good, ngood, j->cfg->max_tries, err);
	return ret;
}

int recover_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err)
{
	struct recover_candidates *cands = malloc(sizeof(*cands));
	struct txn_ctx *x = malloc(sizeof(*x));
	struct job j = {.cfg = cfg, .x = x, .txn = &res->txn, .prog = prog};
	struct verify_policy now;
	char passed[256] = "";
	const char *list[BOOT_MAX];
	unsigned n = 0;
	int ret;

	if (!x || !cands) {
		free(x);
		free(cands);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	job_catch_signals();
	ret = txn_open(x, cfg, cfg->cmdline, 0, err);
	if (!ret && x->booted[0] && !strcmp(o->recover_into, x->booted))
		ret = fw_error(err, FW_EUSAGE,
			       "recover: slot %s is the one booted (fwtool.slot on the kernel "
			       "command line): recovery never writes it",
			       o->recover_into);
	if (!ret)
		ret = job_preflight(x, vp, &now, err);
	if (!ret)
		ret = recover_find(o->bundle, &now, cands, err);
	if (!ret && o->all_slots && !strcmp(cands->path[0], "-"))
		ret = fw_error(err, FW_EUSAGE,
			       "recover --all-slots reads the bundle once per "
			       "slot: give a file, not stdin");
	if (ret)
		goto out;
	txn_begin(x, &res->txn, "recover", o->recover_into);
	res->txn.state = TXN_NONE; /* begun only when the first store is made */
	progress_transaction(prog, res->txn.id);
	n = recover_list(x, o, list);
	ret = FW_ENOTFOUND;
	for (unsigned i = 0; ret && i < cands->n; i++) {
		ret = read_whole(cands->path[i], &now, err);
		if (!ret)
			ret = recover_from(&j, cands->path[i], list, n, &now, o, res, err);
		if (!ret || job_interrupted || ret == FW_EUSAGE || ret == FW_ENOMEM ||
		    i + 1 == cands->n)
			break;
		log_warn("recover: passing over %s: %s", cands->path[i], err->msg);
		snprintf(passed + strlen(passed), sizeof(passed) - strlen(passed), "%s%s",
			 passed[0] ? ", " : "; passed over ", cands->path[i]);
	}
	if (!ret)
		ret = recover_reset(&j, list, n, err);
	if (!ret) {
		res->txn.state = TXN_RECOVERED;
		snprintf(res->txn.detail, sizeof(res->txn.detail),
			 "written from recovery media; its checks run at its next boot%.180s",
			 passed);
		ret = job_phase(&j, "reboot to try %s", o->recover_into, err);
	} else if (res->txn.state == TXN_INSTALLING) {
		job_fail(&j, ret, err);
	}
out:
	txn_close(x);
	free(x);
	free(cands);
	return ret;
}
