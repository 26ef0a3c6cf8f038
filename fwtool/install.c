// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot.h"
#include "hash.h"
#include "install.h"
#include "install_job.h"
#include "txn.h"
#include "log.h"
#include "report_queue.h"
#include "pipeline.h"
#include "slot.h"
#include "slotio.h"

volatile sig_atomic_t job_interrupted;

static void on_signal(int sig)
{
	job_interrupted = sig;
}

/* No SA_RESTART: a read from a pipe returns EINTR and the install stops. */
void job_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int sink_write(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct job *j = ctx;

	if (job_interrupted)
		return fw_error(err, FW_EIO, "interrupted by signal %d", (int)job_interrupted);
	return slotio_write(&j->io, buf, len, err);
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Progress for people (bar/events) and for 'fwtool status' (the state),
 * saved every 2 s from the start of the install: an install that takes
 * less saves no progress at all (each save is two fsyncs and a rename).
 */
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct job *j = ctx;
	struct fw_err e = {0};
	double now = monotonic_now();

	progress_pipeline_cb(j->prog, done, total);
	j->txn->done = done;
	j->txn->total = total;
	if (now - j->last_save >= 2.0) {
		j->last_save = now;
		(void)!txn_save(j->x, j->txn, &e);
	}
}

/* What the install does now, for 'fwtool status': saved with the next save. */
static void set_phase(struct job *j, const char *fmt, const char *arg)
{
	snprintf(j->txn->phase, sizeof(j->txn->phase), fmt, arg);
}

int job_phase(struct job *j, const char *fmt, const char *arg, struct fw_err *err)
{
	set_phase(j, fmt, arg);
	return txn_save(j->x, j->txn, err);
}

static int hash_piece(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	(void)err;
	hash_update(ctx, buf, len);
	return 0;
}

int job_slot_sha256(const struct config_slot *slot, uint64_t len, uint8_t digest[HASH_LEN],
		    struct fw_err *err)
{
	struct hash h;
	int ret;

	hash_init(&h);
	ret = slotio_read(slot, len, hash_piece, &h, err);
	if (!ret)
		hash_final(&h, digest);
	return ret;
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
	return !job_slot_sha256(slot, img->installed_size, digest, &e) &&
	       !memcmp(digest, img->sha256, HASH_LEN);
}

static int record(struct job *j, const struct config_slot *slot, const struct manifest *m,
		  const struct manifest_image *img, const char *status, struct fw_err *err)
{
	struct slot_record rec = {.size = img->installed_size, .time = time(NULL)};

	snprintf(rec.version, sizeof(rec.version), "%s", m->version);
	rec.security_version = m->security_version;
	snprintf(rec.txn, sizeof(rec.txn), "%s", j->txn->id);
	snprintf(rec.status, sizeof(rec.status), "%s", status);
	memcpy(rec.sha256, img->sha256, HASH_LEN);
	return state_slot_put(j->cfg->statedir, slot->name, &rec, err);
}

static int sink_check(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct job *j = ctx;

	return slotio_check(&j->io, buf, len, err);
}

/* Read the whole slot back and compare it with the manifest's sha256. */
static int read_back(const struct config_slot *slot, const struct manifest_image *img,
		     struct fw_err *err)
{
	uint8_t digest[HASH_LEN];
	int ret = job_slot_sha256(slot, img->installed_size, digest, err);

	if (!ret && memcmp(digest, img->sha256, HASH_LEN))
		ret = fw_error(err, FW_EVERIFY,
			       "slot %s: content read back does not match the manifest's sha256",
			       slot->name);
	return ret;
}

/*
 * A FIT image is held whole and checked as the router's U-Boot will check
 * it (verify_fit_image) before its first byte reaches the slot, then
 * written and, with verify_writes, read back whole and compared with the
 * manifest's sha256 (what was checked is what the sha256 describes).
 */
static int write_fit(struct job *j, struct bundle_reader *r, const struct manifest *m,
		     const struct manifest_image *img, const struct config_slot *slot,
		     struct pipeline_progress *pp, struct fw_err *err)
{
	struct fit_result res;
	uint8_t *buf = j->fit_first;
	int ret = 0;

	j->fit_first = NULL;
	if (!buf)
		ret = verify_fit_image(r, img, j->vp, pp, &buf, &res, err);

	if (!ret)
		ret = record(j, slot, m, img, "writing", err);
	if (!ret)
		ret = slotio_open(&j->io, slot, img->installed_size, err);
	for (uint64_t off = 0; !ret && off < img->installed_size; off += FW_IO_BUF) {
		uint64_t n = img->installed_size - off;

		ret = sink_write(j, buf + off, n < FW_IO_BUF ? (size_t)n : FW_IO_BUF, err);
	}
	if (!ret)
		ret = slotio_finish(&j->io, err);
	slotio_close(&j->io);
	free(buf);
	if (!ret && j->cfg->verify_writes && !slotio_verifies_itself(slot))
		ret = read_back(slot, img, err);
	if (!ret)
		ret = record(j, slot, m, img, "ok", err);
	return ret;
}

/*
 * With verify_writes, what is on the medium must be what was authenticated.
 * A slot that reads its writes back as they land compares them with the
 * authenticated buffers, beside the writing; any other slot is read back
 * whole after the flush and hashed (a writer that verifies itself does
 * that in finish).
 */
static int write_image(struct job *j, struct bundle_reader *r, const struct manifest *m,
		       const struct manifest_image *img, const struct config_slot *slot,
		       struct pipeline_progress *pp, int skip, struct fw_err *err)
{
	struct pipeline_sink sink = {.write = sink_write, .ctx = j};
	struct pipeline_sink none = {0};
	int readback = j->cfg->verify_writes && !slotio_verifies_itself(slot);
	int ret;

	if (img->fit && j->fit_first) { /* read and checked already */
		if (!skip)
			return write_fit(j, r, m, img, slot, pp, err);
		free(j->fit_first);
		j->fit_first = NULL;
		return 0;
	}
	ret = bundle_next_image(r, img, err);
	if (ret)
		return ret;
	if (skip) /* still read and check every chunk of the stream */
		return pipeline_image(r, img, &none, pp, err);
	if (img->fit)
		return write_fit(j, r, m, img, slot, pp, err);
	ret = record(j, slot, m, img, "writing", err);
	if (!ret)
		ret = slotio_open(&j->io, slot, img->installed_size, err);
	if (!ret) {
		if (readback && slotio_checks_writes(&j->io))
			sink.check = sink_check;
		else
			sink.checks_content = readback;
		ret = pipeline_image(r, img, &sink, pp, err);
	}
	if (!ret)
		ret = slotio_finish(&j->io, err);
	readback = readback && (!sink.check || j->io.unchecked);
	slotio_close(&j->io);
	if (!ret && readback)
		ret = read_back(slot, img, err);
	if (!ret)
		ret = record(j, slot, m, img, "ok", err);
	return ret;
}

/* The booted slot on trial is settled by confirm (or rollback) first. */
static int refuse_on_trial(struct txn_ctx *x, struct fw_err *err)
{
	const struct txn *p = txn_pending(x);

	if (!p || strcmp(p->target, x->booted) || p->state == TXN_INSTALLED)
		return 0;
	return fw_error(
		err, FW_EBUSY,
		"slot %s is on trial (transaction %s); run 'fwtool confirm' or roll back first",
		x->booted, p->id);
}

/*
 * The running slot is what a cut or a failed write falls back to. Out of
 * the boot order (marked bad by hand), taking the target out too would
 * leave nothing to boot.
 */
static int refuse_without_fallback(struct txn_ctx *x, struct fw_err *err)
{
	struct boot_slot_state st;
	int ret;

	if (!x->booted[0])
		return 0;
	ret = boot_get_state(&x->boot, x->booted, &st, err);
	if (!ret && !st.good)
		ret = fw_error(err, FW_EUSAGE,
			       "slot %s runs, but is out of the boot order: writing the other "
			       "would leave nothing to boot; 'fwtool mark-good booted' first",
			       x->booted);
	return ret;
}

/* Do the slots of @bootname hold every image of @m, as written and verified? */
static int holds(struct txn_ctx *x, const char *bootname, const struct manifest *m, int confirmed)
{
	for (unsigned i = 0; i < m->nimages; i++) {
		const struct config_slot *s =
			slot_of_bootname(x->cfg, m->images[i].class, bootname);
		struct slot_record rec;
		struct fw_err e = {0};

		if (!s || state_slot_get(x->cfg->statedir, s->name, &rec, &e) ||
		    strcmp(rec.status, "ok") || (confirmed && !rec.confirmed) ||
		    memcmp(rec.sha256, m->images[i].sha256, HASH_LEN))
			return 0;
	}
	return m->nimages > 0;
}

/*
 * --skip-if-running: the bundle is what the board runs, confirmed, or what
 * the pending activation will try. Decided by the images' hashes, not the
 * version string, and only after the bundle verified.
 */
static int nothing_to_do(struct txn_ctx *x, const struct manifest *m, struct install_result *res)
{
	struct txn *p = txn_pending(x);

	if (holds(x, x->booted, m, 1) && !txn_trial_target(x, x->booted)) {
		snprintf(res->nothing, sizeof(res->nothing), "running");
		memset(&res->txn, 0, sizeof(res->txn));
		snprintf(res->txn.version, sizeof(res->txn.version), "%s", m->version);
		snprintf(res->txn.target, sizeof(res->txn.target), "%s", x->booted);
		return 1;
	}
	if (p && txn_trial_target(x, p->target) && holds(x, p->target, m, 0)) {
		snprintf(res->nothing, sizeof(res->nothing), "pending");
		res->txn = *p;
		return 1;
	}
	return 0;
}

/* A caller's id: a name for this transaction that no other one has. */
static int take_id(struct txn_ctx *x, const char *id, struct txn *t, struct fw_err *err)
{
	size_t n = strlen(id);
	int ret;

	if (!n || n >= sizeof(t->id) || strspn(id, "0123456789abcdefABCDEF-") != n)
		return fw_error(err, FW_EUSAGE, "--id %s: not a transaction id (hex digits and -)",
				id);
	if (!strcmp(x->cur.id, id))
		return fw_error(err, FW_EUSAGE, "--id %s: that transaction exists already", id);
	ret = state_history_find(x->cfg->statedir, id, &x->scratch, err);
	if (!ret)
		return fw_error(err, FW_EUSAGE, "--id %s: that transaction exists already", id);
	if (ret != FW_ENOTXN)
		return ret;
	fw_err_clear(err);
	snprintf(t->id, sizeof(t->id), "%s", id);
	return 0;
}

/*
 * A group boots together: every slot of the target bootname must hold
 * content of this bundle or confirmed content of an earlier one. Checked
 * before anything is written.
 */
static int check_group(struct txn_ctx *x, const struct manifest *m, const char *target,
		       struct fw_err *err)
{
	const struct config *cfg = x->cfg;

	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];
		struct slot_record rec;
		unsigned k;
		int ret;

		if (strcmp(slot_bootname(cfg, s), target))
			continue;
		for (k = 0; k < m->nimages; k++)
			if (!strcmp(m->images[k].class, s->class))
				break;
		if (k < m->nimages)
			continue;
		ret = state_slot_get(cfg->statedir, s->name, &rec, err);
		if (ret && ret != FW_ENOTFOUND)
			return ret;
		if (ret || strcmp(rec.status, "ok") || !rec.confirmed)
			return fw_error(err, FW_EINCOMPAT,
					"the bundle has no %s image, and slot %s (boots with %s) "
					"holds no confirmed content to keep: a bundle for this "
					"board must carry it",
					s->class, s->name, target);
	}
	return 0;
}

/*
 * The first durable step of an install, after the bundle verified: one
 * store takes the target out of the boot order (a pending activation of
 * it goes with it), then the transaction that was pending ends, then this
 * one begins. Saved only now, a transaction that says "installing" never
 * names a target that something else activated.
 */
int job_begin(struct job *j, struct fw_err *err)
{
	struct txn_ctx *x = j->x;
	struct txn *p = txn_pending(x);
	char detail[128];
	int ret = boot_mark(&x->boot, j->txn->target, BOOT_MARK_BAD, err);

	if (!ret && p) {
		snprintf(detail, sizeof(detail),
			 "replaced by transaction %s before it was confirmed", j->txn->id);
		ret = txn_end(x, p, TXN_FAILED,
			      p->state == TXN_INSTALLING ? "interrupted" : "superseded", detail,
			      err);
	}
	j->txn->state = TXN_INSTALLING;
	/* durable before the first byte: a cut from here on is reported as
	 * an interrupted install of this target, never lost */
	if (!ret)
		ret = job_phase(j, "write %s", j->txn->slots[0], err);
	j->last_save = monotonic_now();
	return ret;
}

int job_targets(struct job *j, const struct manifest *m, const char *booted,
		const struct config_slot **targets, struct install_result *res, struct fw_err *err)
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

int job_stream_images(struct job *j, struct bundle_reader *r,
		      const struct config_slot *const *targets, const struct verified *v,
		      const struct install_opts *o, unsigned first, struct install_result *res,
		      struct fw_err *err)
{
	struct pipeline_progress pp = {on_progress, j, 0, v->stored_total};
	const char *into = j->recover_into ? j->recover_into : j->txn->target;
	int ret = 0;

	progress_phase(j->prog, j->recover_into ? "recover" : "install", into, v->stored_total);
	for (unsigned i = 0; !ret && i < v->m.nimages; i++) {
		const struct manifest_image *img = &v->m.images[i];
		int *skipped = &res->skipped[first + i];

		*skipped = !o->force && already_there(j, targets[i], img);
		set_phase(j, "write %s", targets[i]->name);
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
	if (job_interrupted)
		return "interrupted";
	if (code == FW_EVERIFY || code == FW_EFORMAT)
		return "verification-failed";
	if (code == FW_EINCOMPAT)
		return "incompatible";
	return "install-error";
}

/*
 * The floor as it is now: txn_open() may just have finished a confirm
 * that a cut left half done, and raised it since the caller read it.
 */
static int current_policy(struct txn_ctx *x, const struct verify_policy *vp,
			  struct verify_policy *now, struct fw_err *err)
{
	*now = *vp;
	return state_secver_get(x->cfg->statedir, &now->secver_floor, err);
}

int job_preflight(struct txn_ctx *x, const struct verify_policy *vp, struct verify_policy *now,
		  struct fw_err *err)
{
	int ret = refuse_on_trial(x, err);

	if (!ret)
		ret = refuse_without_fallback(x, err);
	if (!ret)
		ret = current_policy(x, vp, now, err);
	return ret;
}

/* A slot whose content can be read where it is: a file or a block device. */
static const char *readable(const struct config_slot *s)
{
	return s && (!strcmp(s->type, "file") || !strcmp(s->type, "block")) ? s->device : NULL;
}

void job_adapt(struct job *j, struct bundle_reader *r, const struct manifest *m, const char *booted,
	       const struct config_slot *const *targets)
{
	for (unsigned i = 0; i < m->nimages; i++) {
		const struct config_slot *run =
			booted ? slot_of_bootname(j->cfg, m->images[i].class, booted) : NULL;

		if (bundle_adapt(r, m, i, readable(run), readable(targets[i])))
			log_debug("%s: chunks the slots %s%s%s hold are read there, not fetched",
				  m->images[i].file, run ? run->name : "", run ? " and " : "",
				  targets[i]->name);
	}
}

/* A download resumed: counted in the transaction, told as an event. */
static void job_on_retry(void *ctx, unsigned attempt, uint64_t offset, const char *why)
{
	struct job *j = ctx;

	j->txn->retries = attempt;
	if (j->prog)
		progress_retry(j->prog, attempt, offset, why);
}

/* Open and verify a bundle: nothing is written before this passes. */
int job_open_verified(struct job *j, const char *path, const struct verify_policy *vp,
		      struct bundle_reader **rp, struct verified *v, struct fw_err *err)
{
	struct download_opts net = vp->net;
	int ret;

	net.on_retry = job_on_retry;
	net.ctx = j;
	ret = bundle_open(rp, path, &net, &job_interrupted, err);

	j->vp = vp;
	if (!ret)
		ret = verify_header(*rp, vp, v, err);
	if (!ret) {
		snprintf(j->txn->version, sizeof(j->txn->version), "%s", v->m.version);
		j->txn->security_version = v->m.security_version;
		snprintf(j->txn->bundle, sizeof(j->txn->bundle), "%s", path);
	}
	return ret;
}

/* Ends a transaction that began (it is saved) as failed, with the reason. */
void job_fail(struct job *j, int code, const struct fw_err *why)
{
	struct fw_err e = {0};

	if (j->txn->state == TXN_INSTALLING)
		(void)!txn_end(j->x, j->txn, TXN_FAILED, reason_of(code), why->msg, &e);
}

/*
 * A router bundle is mostly one FIT: read it and check it as U-Boot will
 * before the install begins, so that a FIT U-Boot would refuse leaves no
 * transaction and no bootloader store behind, only the error.
 */
static int check_first_fit(struct job *j, struct bundle_reader *r, const struct verified *v,
			   struct fw_err *err)
{
	struct fit_result res;
	int ret = bundle_next_image(r, &v->m.images[0], err);

	if (!ret)
		ret = verify_fit_image(r, &v->m.images[0], j->vp, NULL, &j->fit_first, &res, err);
	return ret;
}

/*
 * The durable writes of an install, in order, and why each one is needed
 * (a fresh install of one image: 6 commits and the slot's fsync):
 *  1. bootloader store: the target out of the order before its first
 *     byte, so that no cut boots a half-written slot;
 *  2. transaction "installing": from here a cut is reported as an
 *     interrupted install of this target, never lost;
 *  3. slot record "writing": the record stops vouching for the slot's
 *     old content before that content changes (mark-active and
 *     --skip-if-running trust the record);
 *  4. the slot's fsync, then 5. its record "ok": what may be activated
 *     is on the medium and verified;
 *  6. bootloader store: the one that activates;
 *  7. transaction "activated": the outcome. A cut between 6 and 7 is
 *     settled by txn_trial_target() from the bootloader's state.
 * Replacing a pending transaction adds its end (state, history line)
 * between 1 and 2. The phase text and progress go out with these, or
 * with a progress save every 2 s of a long install.
 */
int install_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err)
{
	const struct config_slot *targets[FW_IMAGES_MAX];
	struct txn_ctx *x = malloc(sizeof(*x));
	struct job j = {.cfg = cfg, .x = x, .txn = &res->txn, .prog = prog};
	struct bundle_reader *r = NULL;
	struct verify_policy now;
	struct verified v;
	int ret;

	if (!x)
		return fw_error(err, FW_ENOMEM, "out of memory");
	job_catch_signals();
	verified_init(&v);
	ret = txn_open(x, cfg, o->cmdline, 1, err);
	if (!ret && x->boot.single_copy)
		log_warn("%s has one environment copy: a power cut while it is stored loses "
			 "BOOT_ORDER (U-Boot then boots its default)",
			 cfg->fw_env_config);
	if (!ret)
		ret = job_preflight(x, vp, &now, err);
	txn_begin(x, &res->txn, "install", "");
	res->txn.ignored_compatible = o->ignore_compatible;
	if (!ret && o->id)
		ret = take_id(x, o->id, &res->txn, err);
	progress_transaction(prog, res->txn.id);
	if (!ret)
		ret = job_open_verified(&j, o->bundle, &now, &r, &v, err);
	if (!ret && o->skip_if_running && nothing_to_do(x, &v.m, res))
		goto out; /* done already: nothing written, no transaction */
	if (!ret)
		ret = job_targets(&j, &v.m, x->booted, targets, res, err);
	if (!ret)
		ret = check_group(x, &v.m, res->txn.target, err);
	if (!ret && cfg->dl_adaptive)
		job_adapt(&j, r, &v.m, x->booted, targets);
	if (!ret && v.m.nimages && v.m.images[0].fit)
		ret = check_first_fit(&j, r, &v, err);
	if (ret)
		goto out; /* refused: nothing written, no transaction begun */
	if (o->ignore_compatible)
		log_warn("board compatibility ignored (--ignore-compatible): the bundle is for "
			 "[%s%s]; recorded in transaction %s",
			 v.m.compatible[0], v.m.ncompatible > 1 ? ", ..." : "", res->txn.id);
	ret = job_begin(&j, err);
	if (!ret)
		ret = job_stream_images(&j, r, targets, &v, o, 0, res, err);
	bundle_transfer(r, &res->txn.fetched, &res->txn.copied);
	if (res->txn.fetched) /* a URL: a file or a pipe fetches nothing */
		progress_transfer(prog, res->txn.fetched, res->txn.copied);
	/* the store that activates needs nothing saved before it: until the
	 * next save, a cut leaves an installing transaction whichever side of
	 * the store it falls, and txn_open() settles both the same way */
	if (!ret && !o->no_activate) {
		set_phase(&j, "activate %s", res->txn.target);
		ret = boot_set_primary(&x->boot, res->txn.target, cfg->max_tries, err);
	}
	if (!ret) {
		res->txn.state = o->no_activate ? TXN_INSTALLED : TXN_ACTIVATED;
		ret = job_phase(&j,
				o->no_activate ? "installed, not activated" : "reboot to try %s",
				res->txn.target, err);
	} else {
		job_fail(&j, ret, err);
	}
out:
	free(j.fit_first);
	bundle_close(r);
	txn_close(x);
	free(x);
	verified_free(&v);
	return ret;
}
