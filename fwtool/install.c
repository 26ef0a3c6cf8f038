// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boot.h"
#include "install.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "slot.h"
#include "slotio.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* No SA_RESTART: a read from a pipe returns EINTR and the install stops. */
static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct job {
	const struct config *cfg;
	struct txn *txn;
	struct progress *prog;
	struct slotio io;
	double last_save;
	const char *recover_into; /* recovery: the bootname written, not "not booted" */
};

static int sink_write(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct job *j = ctx;

	if (interrupted)
		return fw_error(err, FW_EIO, "interrupted by signal %d", (int)interrupted);
	return slotio_write(&j->io, buf, len, err);
}

/* Progress for people (bar/events) and for 'fwtool status' (the state). */
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct job *j = ctx;
	struct fw_err e = {0};
	struct timespec ts;
	double now;

	progress_pipeline_cb(j->prog, done, total);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	j->txn->done = done;
	j->txn->total = total;
	if (now - j->last_save >= 2.0) {
		j->last_save = now;
		(void)!state_txn_save(j->cfg->statedir, j->txn, &e);
	}
}

static int phase(struct job *j, const char *fmt, const char *arg, struct fw_err *err)
{
	snprintf(j->txn->phase, sizeof(j->txn->phase), fmt, arg);
	return state_txn_save(j->cfg->statedir, j->txn, err);
}

/* Is @slot already holding @img, as recorded and as re-read? */
static int already_there(struct job *j, const struct config_slot *slot,
			 const struct manifest_image *img)
{
	struct slot_record rec;
	struct fw_err e = {0};
	uint8_t digest[HASH_LEN];

	if (state_slot_get(j->cfg->statedir, slot->name, &rec, &e) || strcmp(rec.status, "ok") ||
	    rec.size != img->installed_size || memcmp(rec.sha256, img->sha256, HASH_LEN))
		return 0;
	return !slotio_hash(slot, img->installed_size, digest, &e) &&
	       !memcmp(digest, img->sha256, HASH_LEN);
}

static int record(struct job *j, const struct config_slot *slot, const struct manifest *m,
		  const struct manifest_image *img, const char *status, struct fw_err *err)
{
	struct slot_record rec = {.size = img->installed_size, .time = time(NULL)};

	snprintf(rec.version, sizeof(rec.version), "%s", m->version);
	snprintf(rec.txn, sizeof(rec.txn), "%s", j->txn->id);
	snprintf(rec.status, sizeof(rec.status), "%s", status);
	memcpy(rec.sha256, img->sha256, HASH_LEN);
	return state_slot_put(j->cfg->statedir, slot->name, &rec, err);
}

static int write_image(struct job *j, struct bundle_reader *r, const struct manifest *m,
		       const struct manifest_image *img, const struct config_slot *slot,
		       struct pipeline_progress *pp, int skip, struct fw_err *err)
{
	struct pipeline_sink sink = {sink_write, j, j->cfg->verify_writes};
	struct pipeline_sink none = {0};
	uint8_t digest[HASH_LEN];
	int ret;

	ret = bundle_next_image(r, img, err);
	if (ret)
		return ret;
	if (skip) /* still read and check every chunk of the stream */
		return pipeline_image(r, img, &none, pp, err);
	ret = record(j, slot, m, img, "writing", err);
	if (!ret)
		ret = slotio_open(&j->io, slot, err);
	if (!ret)
		ret = pipeline_image(r, img, &sink, pp, err);
	if (!ret)
		ret = slotio_finish(&j->io, err);
	slotio_close(&j->io);
	/* with verify_writes the read-back is the final content check (a
	 * writer that verifies itself has done it in finish) */
	if (!ret && j->cfg->verify_writes && !slotio_verifies_itself(slot)) {
		ret = slotio_hash(slot, img->installed_size, digest, err);
		if (!ret && memcmp(digest, img->sha256, HASH_LEN))
			ret = fw_error(
				err, FW_EVERIFY,
				"slot %s: content read back does not match the manifest's sha256",
				slot->name);
	}
	if (!ret)
		ret = record(j, slot, m, img, "ok", err);
	return ret;
}

static int refuse_on_trial(const struct config *cfg, const char *booted, struct fw_err *err)
{
	struct txn t;
	struct fw_err e = {0};

	if (state_txn_load(cfg->statedir, &t, &e) || t.state != TXN_ACTIVATED ||
	    strcmp(t.target, booted))
		return 0;
	return fw_error(
		err, FW_EBUSY,
		"slot %s is on trial (transaction %s); run 'fwtool confirm' or roll back first",
		booted, t.id);
}

/* Supersede an activated transaction that never got its reboot. */
static void supersede(const struct config *cfg, const struct txn *next)
{
	struct fw_err e = {0};
	char detail[128];
	struct txn t;

	if (state_txn_load(cfg->statedir, &t, &e) ||
	    (t.state != TXN_ACTIVATED && t.state != TXN_INSTALLED && t.state != TXN_INSTALLING))
		return;
	snprintf(detail, sizeof(detail), "replaced by transaction %s before it was confirmed",
		 next->id);
	(void)!state_txn_end(cfg->statedir, &t, TXN_FAILED, "superseded", detail, &e);
}

static int resolve_targets(struct job *j, const struct manifest *m, const char *booted,
			   const struct config_slot **targets, struct install_result *res,
			   struct fw_err *err)
{
	unsigned first = res->nimages;

	if (first + m->nimages > FW_IMAGES_MAX)
		return fw_error(err, FW_EUSAGE, "more than %u slots to write", FW_IMAGES_MAX);
	for (unsigned i = 0; i < m->nimages; i++) {
		const char *bn;

		if (j->recover_into) {
			targets[i] = slot_of_bootname(j->cfg, m->images[i].class, j->recover_into);
			if (!targets[i])
				return fw_error(err, FW_ENOTFOUND,
						"the bundle has an image for class %s, which has "
						"no slot booting %s in %s",
						m->images[i].class, j->recover_into, j->cfg->path);
		} else {
			targets[i] = slot_target(j->cfg, m->images[i].class, booted, err);
			if (!targets[i])
				return err->code;
		}
		bn = slot_bootname(j->cfg, targets[i]);
		if (!j->recover_into && i && strcmp(bn, j->txn->target))
			return fw_error(err, FW_EUSAGE,
					"images target different bootnames (%s, %s)",
					j->txn->target, bn);
		if (!j->recover_into)
			snprintf(j->txn->target, sizeof(j->txn->target), "%s", bn);
		snprintf(j->txn->slots[first + i], sizeof(j->txn->slots[0]), "%s",
			 targets[i]->name);
		snprintf(res->slot[first + i], sizeof(res->slot[0]), "%s", targets[i]->name);
	}
	j->txn->nslots = res->nimages = first + m->nimages;
	return 0;
}

static int stream_images(struct job *j, struct bundle_reader *r, struct boot *b,
			 const struct verified *v, const struct install_opts *o,
			 struct install_result *res, struct fw_err *err)
{
	const struct config_slot *targets[FW_IMAGES_MAX];
	struct pipeline_progress pp = {on_progress, j, 0, v->stored_total};
	unsigned first = res->nimages;
	const char *into;
	int ret = resolve_targets(j, &v->m, j->txn->previous, targets, res, err);

	/* the target can never boot half-written: out of the order first */
	into = j->recover_into ? j->recover_into : j->txn->target;
	if (!ret)
		ret = phase(j, "mark %s bad", into, err);
	if (!ret)
		ret = boot_mark(b, into, BOOT_MARK_BAD, err);
	progress_phase(j->prog, j->recover_into ? "recover" : "install", into, v->stored_total);
	for (unsigned i = 0; !ret && i < v->m.nimages; i++) {
		const struct manifest_image *img = &v->m.images[i];
		int *skipped = &res->skipped[first + i];

		*skipped = !o->force && already_there(j, targets[i], img);
		ret = phase(j, "write %s", targets[i]->name, err);
		if (!ret)
			ret = write_image(j, r, &v->m, img, targets[i], &pp, *skipped, err);
		if (ret && !*skipped) {
			struct fw_err e = {0};

			(void)!record(j, targets[i], &v->m, img, "failed", &e);
		}
		pp.base += img->size;
	}
	progress_end(j->prog);
	if (!ret)
		ret = bundle_end(r, err);
	return ret;
}

static const char *reason_of(int code)
{
	if (interrupted)
		return "interrupted";
	if (code == FW_EVERIFY || code == FW_EFORMAT)
		return "verification-failed";
	if (code == FW_EINCOMPAT)
		return "incompatible";
	return "install-error";
}

int install_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err)
{
	struct job j = {.cfg = cfg, .txn = &res->txn, .prog = prog};
	struct bundle_reader *r = NULL;
	struct boot b = {0};
	struct verified v;
	int ret;

	catch_signals();
	verified_init(&v);
	state_txn_new(&res->txn);
	snprintf(res->txn.bundle, sizeof(res->txn.bundle), "%s", o->bundle);
	ret = state_history_sync(cfg->statedir, err);
	if (!ret)
		ret = boot_open(&b, cfg, err);
	if (!ret && b.single_copy)
		log_warn("%s has one environment copy: a power cut while it is stored loses "
			 "BOOT_ORDER (U-Boot then boots its default)",
			 cfg->fw_env_config);
	if (!ret)
		ret = slot_booted(cfg, o->cmdline, res->txn.previous, err);
	if (!ret)
		ret = refuse_on_trial(cfg, res->txn.previous, err);
	if (ret)
		goto out; /* nothing started: no transaction to record */
	supersede(cfg, &res->txn);
	res->txn.state = TXN_INSTALLING;
	ret = phase(&j, "verify %s", o->bundle, err);
	if (!ret)
		ret = bundle_open(&r, o->bundle, err);
	if (!ret) {
		bundle_set_cancel(r, &interrupted);
		ret = verify_header(r, vp, &v, err);
	}
	if (!ret) {
		snprintf(res->txn.version, sizeof(res->txn.version), "%s", v.m.version);
		res->txn.security_version = v.m.security_version;
		ret = stream_images(&j, r, &b, &v, o, res, err);
	}
	if (!ret && !o->no_activate) {
		ret = phase(&j, "activate %s", res->txn.target, err);
		if (!ret)
			ret = boot_set_primary(&b, res->txn.target, cfg->max_tries, err);
	}
	if (!ret) {
		res->txn.state = o->no_activate ? TXN_INSTALLED : TXN_ACTIVATED;
		ret = phase(&j, o->no_activate ? "installed, not activated" : "reboot to try %s",
			    res->txn.target, err);
	} else {
		struct fw_err e = {0};

		if (!state_txn_end(cfg->statedir, &res->txn, TXN_FAILED, reason_of(ret), err->msg,
				   &e))
			outbox_put(cfg, &res->txn);
	}
out:
	bundle_close(r);
	boot_close(&b);
	verified_free(&v);
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
		    slotio_hash(s, rec.size, digest, &e) || memcmp(digest, rec.sha256, HASH_LEN))
			return 0;
	}
	return nslots > 0;
}

static int recover_into(struct job *j, struct boot *b, const struct verify_policy *vp,
			const struct install_opts *o, struct install_result *res,
			struct fw_err *err)
{
	struct bundle_reader *r = NULL;
	struct verified v;
	int ret;

	verified_init(&v);
	ret = phase(j, "verify %s", o->bundle, err);
	if (!ret)
		ret = bundle_open(&r, o->bundle, err);
	if (!ret) {
		bundle_set_cancel(r, &interrupted);
		ret = verify_header(r, vp, &v, err);
	}
	if (!ret) {
		snprintf(res->txn.version, sizeof(res->txn.version), "%s", v.m.version);
		res->txn.security_version = v.m.security_version;
		ret = stream_images(j, r, b, &v, o, res, err);
	}
	bundle_close(r);
	verified_free(&v);
	return ret;
}

int install_recover(const struct config *cfg, const struct verify_policy *vp,
		    const struct install_opts *o, struct progress *prog, struct install_result *res,
		    struct fw_err *err)
{
	struct job j = {.cfg = cfg, .txn = &res->txn, .prog = prog};
	const char *good[BOOT_MAX];
	unsigned ngood = 0;
	char detail[256];
	struct boot b = {0};
	int ret;

	catch_signals();
	state_txn_new(&res->txn);
	snprintf(res->txn.bundle, sizeof(res->txn.bundle), "%s", o->bundle);
	snprintf(res->txn.target, sizeof(res->txn.target), "%s", o->recover_into);
	if (o->all_slots && !strcmp(o->bundle, "-"))
		return fw_error(err, FW_EUSAGE,
				"recover --all-slots reads the bundle once per "
				"slot: give a file, not stdin");
	ret = state_history_sync(cfg->statedir, err);
	if (!ret)
		ret = boot_open(&b, cfg, err);
	if (ret)
		goto out;
	supersede(cfg, &res->txn);
	res->txn.state = TXN_INSTALLING;
	good[ngood++] = o->recover_into;
	j.recover_into = o->recover_into;
	ret = recover_into(&j, &b, vp, o, res, err);
	for (unsigned i = 0; !ret && i < b.nnames; i++) {
		if (!strcmp(b.names[i], o->recover_into))
			continue;
		if (o->all_slots) {
			j.recover_into = b.names[i];
			ret = recover_into(&j, &b, vp, o, res, err);
			good[ngood++] = b.names[i];
		} else if (still_good(cfg, b.names[i])) {
			good[ngood++] = b.names[i];
		}
	}
	if (!ret)
		ret = phase(&j, "make %s primary", o->recover_into, err);
	if (!ret)
		ret = boot_reset(&b, good, ngood, cfg->max_tries, err);
	if (!ret)
		ret = state_secver_raise(cfg->statedir, res->txn.security_version, err);
	if (!ret) {
		snprintf(detail, sizeof(detail), "%s written from recovery media; bootable: %s%s%s",
			 o->recover_into, good[0], ngood > 1 ? " " : "", ngood > 1 ? good[1] : "");
		ret = state_txn_end(cfg->statedir, &res->txn, TXN_RECOVERED, "recovered", detail,
				    err);
		if (!ret)
			outbox_put(cfg, &res->txn);
	} else {
		struct fw_err e = {0};

		if (!state_txn_end(cfg->statedir, &res->txn, TXN_FAILED, reason_of(ret), err->msg,
				   &e))
			outbox_put(cfg, &res->txn);
	}
out:
	boot_close(&b);
	return ret;
}
