// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_queue.h"
#include "slot.h"
#include "txn.h"
#include "watchdog.h"

/* Marks the content of @t's target confirmed, raises the floor (both only
 * for a confirm), queues the report, appends history: history last, so a
 * record not yet in history is one whose end is not finished. */
static int finish(struct txn_ctx *x, const struct txn *t, struct fw_err *err)
{
	const char *dir = x->cfg->statedir, *slots[FW_SLOTS_MAX];
	unsigned n = 0;
	int ret = 0;

	if (t->state == TXN_CONFIRMED) {
		for (unsigned i = 0; i < x->cfg->nslots; i++)
			if (!strcmp(slot_bootname(x->cfg, &x->cfg->slots[i]), t->target))
				slots[n++] = x->cfg->slots[i].name;
		ret = state_slots_confirm(dir, slots, n, err);
		if (!ret)
			ret = state_secver_raise(dir, t->security_version, err);
	}
	if (!ret)
		ret = report_queue_put(x->cfg, t, err);
	if (!ret)
		ret = state_history_append(dir, t, err);
	if (ret)
		fw_error_prefix(err, "transaction %.8s ended %s; the next run completes its record",
				t->id, txn_state_name(t->state));
	return ret;
}

static int load_current(struct txn_ctx *x, struct fw_err *err)
{
	int ret = state_txn_load(x->cfg->statedir, &x->cur, err);

	if (ret == FW_ENOTXN) {
		fw_err_clear(err);
		memset(&x->cur, 0, sizeof(x->cur));
		return 0;
	}
	if (!ret && txn_ended(x->cur.state)) {
		char last[40];

		ret = state_history_last_id(x->cfg->statedir, last, sizeof(last), err);
		if (!ret && strcmp(last, x->cur.id))
			ret = finish(x, &x->cur, err);
	}
	return ret;
}

int txn_open(struct txn_ctx *x, const struct config *cfg, const char *cmdline, int need_booted,
	     struct fw_err *err)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	ret = boot_open(&x->boot, cfg, err);
	if (!ret) {
		ret = slot_booted(cfg, cmdline, x->booted, err);
		if (ret == FW_ENOTFOUND && !need_booted) {
			fw_err_clear(err);
			x->booted[0] = '\0';
			ret = 0;
		}
	}
	if (!ret)
		ret = load_current(x, err);
	return ret;
}

int txn_peek(struct txn_ctx *x, const struct config *cfg, const char *cmdline, struct fw_err *err)
{
	struct fw_err e = {0};
	int ret;

	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	ret = boot_open(&x->boot, cfg, err);
	if (ret)
		return ret;
	if (slot_booted(cfg, cmdline, x->booted, &e))
		x->booted[0] = '\0';
	ret = state_txn_load(cfg->statedir, &x->cur, err);
	if (ret == FW_ENOTXN) {
		fw_err_clear(err);
		ret = 0;
	}
	if (ret)
		memset(&x->cur, 0, sizeof(x->cur));
	return ret;
}

void txn_close(struct txn_ctx *x)
{
	boot_close(&x->boot);
}

struct txn *txn_pending(struct txn_ctx *x)
{
	return x->cur.state != TXN_NONE && !txn_ended(x->cur.state) ? &x->cur : NULL;
}

void txn_begin(struct txn_ctx *x, struct txn *t, const char *kind, const char *target)
{
	state_txn_new(t);
	snprintf(t->kind, sizeof(t->kind), "%s", kind);
	snprintf(t->target, sizeof(t->target), "%s", target);
	snprintf(t->previous, sizeof(t->previous), "%s", x->booted);
}

static int other_pending(struct txn_ctx *x, const struct txn *t, struct fw_err *err)
{
	const struct txn *p = txn_pending(x);

	if (p && strcmp(p->id, t->id))
		return fw_error(err, FW_EUSAGE, "transaction %s is still %s: it ends first", p->id,
				txn_state_name(p->state));
	return 0;
}

int txn_save(struct txn_ctx *x, struct txn *t, struct fw_err *err)
{
	int ret = other_pending(x, t, err);

	if (!ret)
		ret = state_txn_save(x->cfg->statedir, t, err);
	if (!ret && t != &x->cur)
		x->cur = *t;
	return ret;
}

int txn_end(struct txn_ctx *x, struct txn *t, enum txn_state end, const char *reason,
	    const char *detail, struct fw_err *err)
{
	int ret = other_pending(x, t, err);

	if (ret)
		return ret;
	t->state = end;
	t->ended = time(NULL);
	snprintf(t->reason, sizeof(t->reason), "%s", reason ? reason : "");
	snprintf(t->detail, sizeof(t->detail), "%s", detail ? detail : "");
	ret = state_txn_save(x->cfg->statedir, t, err);
	if (ret)
		return ret;
	if (t != &x->cur)
		x->cur = *t;
	return finish(x, t, err);
}

/* ---- what the slots hold --------------------------------------------------- */

int txn_content(struct txn_ctx *x, const char *bootname, enum txn_content *c, char *why,
		size_t whysize, struct fw_err *err)
{
	const struct config *cfg = x->cfg;
	unsigned n = 0, missing = 0, unconfirmed = 0;
	char scratch[160];
	struct boot_slot_state st;
	int ret;

	if (!why) {
		why = scratch;
		whysize = sizeof(scratch);
	}
	why[0] = '\0';
	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];
		struct slot_record rec;

		if (strcmp(slot_bootname(cfg, s), bootname))
			continue;
		n++;
		ret = state_slot_get(cfg->statedir, s->name, &rec, err);
		if (ret == FW_ENOTFOUND) {
			fw_err_clear(err);
			if (!missing++)
				snprintf(why, whysize, "slot %s holds nothing fwtool wrote",
					 s->name);
			continue;
		}
		if (ret)
			return ret;
		if (strcmp(rec.status, "ok")) {
			snprintf(why, whysize, "slot %s is half-written (%s)", s->name, rec.status);
			*c = TXN_CONTENT_BROKEN;
			return 0;
		}
		if (!rec.confirmed && !unconfirmed++ && !missing)
			snprintf(why, whysize, "slot %s holds %s, never confirmed", s->name,
				 rec.version);
	}
	if (n && missing == n) {
		/* what the board came with: trusted while the bootloader boots it */
		ret = boot_get_state(&x->boot, bootname, &st, err);
		if (ret)
			return ret;
		*c = st.good ? TXN_CONTENT_CONFIRMED : TXN_CONTENT_EMPTY;
		if (st.good)
			why[0] = '\0';
	} else if (missing) {
		*c = TXN_CONTENT_BROKEN;
	} else {
		*c = unconfirmed ? TXN_CONTENT_VERIFIED : TXN_CONTENT_CONFIRMED;
	}
	return 0;
}

int txn_running(struct txn_ctx *x, struct txn_running *r, struct fw_err *err)
{
	const struct config_slot *own = NULL;
	struct slot_record rec;
	enum txn_content c;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!x->booted[0])
		return 0;
	snprintf(r->bootname, sizeof(r->bootname), "%s", x->booted);
	for (unsigned i = 0; i < x->cfg->nslots && !own; i++)
		if (!strcmp(x->cfg->slots[i].bootname, x->booted))
			own = &x->cfg->slots[i];
	ret = own ? state_slot_get(x->cfg->statedir, own->name, &rec, err) : FW_ENOTFOUND;
	if (ret == FW_ENOTFOUND)
		fw_err_clear(err);
	else if (ret)
		return ret;
	else if (!rec.factory) {
		snprintf(r->version, sizeof(r->version), "%s", rec.version);
		r->security_version = rec.security_version;
	}
	ret = txn_content(x, x->booted, &c, NULL, 0, err);
	r->on_trial = txn_trial_target(x, x->booted);
	r->confirmed = !ret && c == TXN_CONTENT_CONFIRMED && !r->on_trial;
	return ret;
}

/* Did @t write every slot of @bootname (its activation store then follows)? */
static int written_by(struct txn_ctx *x, const char *bootname, const struct txn *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < x->cfg->nslots; i++) {
		const struct config_slot *s = &x->cfg->slots[i];
		struct slot_record rec;
		struct fw_err e = {0};

		if (strcmp(slot_bootname(x->cfg, s), bootname))
			continue;
		if (state_slot_get(x->cfg->statedir, s->name, &rec, &e) ||
		    strcmp(rec.status, "ok") || strcmp(rec.txn, t->id))
			return 0;
		n++;
	}
	return n > 0;
}

int txn_trial_target(struct txn_ctx *x, const char *bootname)
{
	const struct txn *p = txn_pending(x);
	struct boot_slot_state st;
	struct fw_err e = {0};

	if (!p || strcmp(p->target, bootname) || p->state == TXN_INSTALLED)
		return 0;
	if (p->state != TXN_INSTALLING)
		return 1;
	/* cut after the activation store, before the state said so */
	return !boot_get_state(&x->boot, bootname, &st, &e) && st.good &&
	       written_by(x, bootname, p);
}

const char *txn_slot_label(struct txn_ctx *x, const struct boot_env *env, const char *bootname)
{
	struct boot_slot_state st;
	enum txn_content c;
	struct fw_err e = {0};

	boot_env_state(env, bootname, &st);
	if (!st.good)
		return "bad";
	if (txn_trial_target(x, bootname))
		return "pending";
	if (txn_content(x, bootname, &c, NULL, 0, &e))
		return "?";
	return c == TXN_CONTENT_CONFIRMED ? "good" : "pending";
}

int txn_fallback(struct txn_ctx *x, const char *except, char *out, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(&x->boot, &env, err);

	out[0] = '\0';
	for (unsigned i = 0; !ret && i < env.nslots && !out[0]; i++) {
		const char *bn = env.slots[i].name;
		struct boot_slot_state st;
		enum txn_content c;

		boot_env_state(&env, bn, &st);
		if (!strcmp(bn, except) || !st.good)
			continue;
		ret = txn_content(x, bn, &c, NULL, 0, err);
		if (!ret && (c == TXN_CONTENT_VERIFIED || c == TXN_CONTENT_CONFIRMED))
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", bn);
	}
	return ret;
}

/* ---- at boot ------------------------------------------------------------------ */

int txn_commit(struct txn_ctx *x, struct txn *t, const char *reason, const char *detail,
	       struct fw_err *err)
{
	int ret = boot_mark(&x->boot, t->target, BOOT_MARK_GOOD, err);

	if (!ret)
		ret = txn_end(x, t, TXN_CONFIRMED, reason, detail, err);
	return ret;
}

int txn_reject(struct txn_ctx *x, struct txn *t, const char *reason, const char *detail,
	       int *reboot, struct fw_err *err)
{
	char other[FW_BOOTNAME_LEN + 1], kept[256];
	int ret = txn_fallback(x, t->target, other, err);

	*reboot = 0;
	if (ret)
		return ret;
	if (other[0]) {
		ret = boot_mark(&x->boot, t->target, BOOT_MARK_BAD, err);
		if (!ret)
			ret = txn_end(x, t, TXN_ROLLED_BACK, reason, detail, err);
		*reboot = !ret && !strcmp(t->target, x->booted);
		return ret;
	}
	/* nowhere to go: keep booting it, and say so, never a silent confirm */
	snprintf(kept, sizeof(kept), "%.150s; no other slot to fall back to: %s keeps booting",
		 detail, t->target);
	ret = boot_mark(&x->boot, t->target, BOOT_MARK_GOOD, err);
	if (!ret)
		ret = txn_end(x, t, TXN_FAILED, reason, kept, err);
	return ret;
}

void txn_begin_for(struct txn_ctx *x, struct txn *t, const char *kind, const char *bootname)
{
	const struct config_slot *s = NULL;
	struct slot_record rec;
	struct fw_err e = {0};

	txn_begin(x, t, kind, bootname);
	for (unsigned i = 0; i < x->cfg->nslots && !s; i++)
		if (!strcmp(x->cfg->slots[i].bootname, bootname))
			s = &x->cfg->slots[i];
	if (s && !state_slot_get(x->cfg->statedir, s->name, &rec, &e)) {
		snprintf(t->version, sizeof(t->version), "%s", rec.version);
		t->security_version = rec.security_version;
		snprintf(t->bundle, sizeof(t->bundle), "(in slot %s, transaction %s)", s->name,
			 rec.txn);
	}
	for (unsigned i = 0; i < x->cfg->nslots && t->nslots < FW_IMAGES_MAX; i++)
		if (!strcmp(slot_bootname(x->cfg, &x->cfg->slots[i]), bootname))
			snprintf(t->slots[t->nslots++], sizeof(t->slots[0]), "%s",
				 x->cfg->slots[i].name);
}

/* The trial's target is not running. Has the bootloader given up on it? */
static int settle_elsewhere(struct txn_ctx *x, struct txn *p, int *settled, struct fw_err *err)
{
	struct boot_slot_state st;
	int ret;

	if (p->state == TXN_INSTALLED)
		return 0;
	if (p->state == TXN_INSTALLING && !txn_trial_target(x, p->target)) {
		*settled = 1;
		return txn_end(x, p, TXN_FAILED, "interrupted",
			       "the install was cut short (power loss or crash)", err);
	}
	ret = boot_get_state(&x->boot, p->target, &st, err);
	if (ret || (st.good && !st.tried && st.left >= x->cfg->max_tries))
		return ret; /* activated, the reboot has not happened yet */
	*settled = 1;
	if (!st.in_order)
		return txn_end(x, p, TXN_ROLLED_BACK, "cancelled",
			       "the target left the boot order before its trial ended", err);
	ret = boot_mark(&x->boot, p->target, BOOT_MARK_BAD, err);
	if (ret)
		return ret;
	if (watchdog_caused_reset(x->cfg->wd_device))
		return txn_end(x, p, TXN_ROLLED_BACK, "watchdog-reset",
			       "the watchdog reset the board during the trial", err);
	return txn_end(x, p, TXN_ROLLED_BACK, "tries-exhausted",
		       "the bootloader ran out of tries and fell back", err);
}

/* The slot we run keeps full tries: RAUC-style scripts count every boot. */
static int refresh(struct txn_ctx *x, struct fw_err *err)
{
	const char *slots[FW_SLOTS_MAX];
	struct boot_slot_state st;
	unsigned n = 0;
	int ret = boot_get_state(&x->boot, x->booted, &st, err);

	if (!ret && st.good && st.left < x->cfg->max_tries)
		ret = boot_mark(&x->boot, x->booted, BOOT_MARK_GOOD, err);
	/* what the board came with is trusted from its first boot on */
	for (unsigned i = 0; !ret && i < x->cfg->nslots; i++)
		if (!strcmp(slot_bootname(x->cfg, &x->cfg->slots[i]), x->booted))
			slots[n++] = x->cfg->slots[i].name;
	if (!ret)
		ret = state_slots_confirm(x->cfg->statedir, slots, n, err);
	return ret;
}

int txn_at_boot(struct txn_ctx *x, struct txn *scratch, struct txn **trialp, const char **refusep,
		int *settled, struct fw_err *err)
{
	struct txn *p = txn_pending(x);
	enum txn_content c;
	char why[160];
	int ret = 0;

	*trialp = NULL;
	*refusep = NULL;
	*settled = 0;
	if (p && !strcmp(p->target, x->booted)) {
		if (p->state != TXN_INSTALLING || txn_trial_target(x, x->booted)) {
			p->state = p->state == TXN_RECOVERED ? p->state : TXN_ACTIVATED;
			*trialp = p;
			return 0;
		}
		*settled = 1;
		ret = txn_end(x, p, TXN_FAILED, "interrupted",
			      "the install was cut short (power loss or crash)", err);
	} else if (p) {
		ret = settle_elsewhere(x, p, settled, err);
	}
	if (!ret)
		ret = txn_content(x, x->booted, &c, why, sizeof(why), err);
	if (ret || c == TXN_CONTENT_CONFIRMED)
		return ret ? ret : refresh(x, err);
	/* running content that never passed a confirm: a trial of its own */
	p = txn_pending(x);
	if (p) {
		*settled = 1;
		ret = txn_end(
			x, p, TXN_FAILED, "superseded",
			"the board runs content that was never confirmed: that is checked first",
			err);
	}
	if (ret)
		return ret;
	txn_begin_for(x, scratch, "boot", x->booted);
	scratch->previous[0] = '\0'; /* whatever ran before is not known */
	scratch->state = TXN_ACTIVATED;
	snprintf(scratch->detail, sizeof(scratch->detail), "booted %s: %s", x->booted, why);
	*trialp = scratch;
	if (c != TXN_CONTENT_VERIFIED)
		*refusep = "unverified-content";
	return 0;
}
