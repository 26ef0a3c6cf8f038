// SPDX-License-Identifier: GPL-2.0-only
/*
 * mark-good, mark-bad, mark-active and rollback: what an operator may do by
 * hand, under the same rule as everything else. Nothing becomes good
 * without a confirm: a mark-good that skips the checks is one, recorded
 * with its reason; content that never passed one goes on trial when it is
 * activated; a pending activation that is replaced or rolled back ends,
 * rolled back, in the same bootloader store that takes its target out.
 */
#include <stdio.h>
#include <string.h>

#include "slot.h"
#include "txn.h"

static int refuse(const char *verb, const char *bootname, const char *why, struct fw_err *err)
{
	return fw_error(err, FW_EUSAGE, "%s %s: %s", verb, bootname, why);
}

/* Pending, for another bootname, and able to boot: an activation to cancel. */
static struct txn *activation_elsewhere(struct txn_ctx *x, const char *bootname)
{
	struct txn *p = txn_pending(x);

	return p && strcmp(p->target, bootname) && txn_trial_target(x, p->target) ? p : NULL;
}

static int mark_good(struct txn_ctx *x, const char *bn, enum txn_content c, const char *why,
		     struct txn *t, struct fw_err *err)
{
	static const char skip[] = "marked good by hand (mark-good): health checks skipped";
	struct txn *p = txn_pending(x);

	if (c == TXN_CONTENT_BROKEN || c == TXN_CONTENT_EMPTY)
		return refuse("mark-good", bn, why, err);
	if (p && !strcmp(p->target, bn)) {
		*t = *p;
		return txn_commit(x, t, "marked-good", skip, err);
	}
	if (c == TXN_CONTENT_CONFIRMED)
		return boot_mark(&x->boot, bn, BOOT_MARK_GOOD, err);
	if (p)
		return fw_error(err, FW_EUSAGE,
				"mark-good %s: transaction %s is %s for %s: settle it first", bn,
				p->id, txn_state_name(p->state), p->target);
	txn_begin_for(x, t, "mark-good", bn);
	return txn_commit(x, t, "marked-good", skip, err);
}

/* A slot's records, for what the board came with: kept known good
 * after it leaves the order (then it has no other evidence). */
static int remember_factory(struct txn_ctx *x, const char *bn, struct fw_err *err)
{
	const char *slots[FW_SLOTS_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < x->cfg->nslots; i++)
		if (!strcmp(slot_bootname(x->cfg, &x->cfg->slots[i]), bn))
			slots[n++] = x->cfg->slots[i].name;
	return state_slots_confirm(x->cfg->statedir, slots, n, err);
}

static int mark_bad(struct txn_ctx *x, const char *bn, enum txn_content c, struct txn *t,
		    struct fw_err *err)
{
	char other[FW_BOOTNAME_LEN + 1];
	struct txn *p = txn_pending(x);
	int ret;

	if (p && !strcmp(p->target, bn)) {
		*t = *p;
		ret = boot_mark(&x->boot, bn, BOOT_MARK_BAD, err);
		if (!ret)
			ret = txn_end(x, t, TXN_ROLLED_BACK, "marked-bad",
				      "marked bad by hand (mark-bad)", err);
		return ret;
	}
	ret = txn_fallback(x, bn, other, err);
	if (!ret && !other[0])
		ret = refuse("mark-bad", bn, "no other slot would boot", err);
	if (!ret && c == TXN_CONTENT_CONFIRMED)
		ret = remember_factory(x, bn, err);
	if (!ret)
		ret = boot_mark(&x->boot, bn, BOOT_MARK_BAD, err);
	return ret;
}

static int mark_active(struct txn_ctx *x, const char *bn, enum txn_content c, const char *why,
		       struct txn *t, struct fw_err *err)
{
	struct txn *p = txn_pending(x), *cancel = activation_elsewhere(x, bn);
	int mine = p && !strcmp(p->target, bn);
	struct boot_env env;
	char detail[128];
	int ret;

	if (c == TXN_CONTENT_BROKEN || c == TXN_CONTENT_EMPTY)
		return refuse("mark-active", bn, why, err);
	if (p && !mine && !cancel && c != TXN_CONTENT_CONFIRMED)
		return fw_error(err, FW_EUSAGE,
				"mark-active %s: transaction %s is %s for %s: settle it first", bn,
				p->id, txn_state_name(p->state), p->target);
	/* one store: this one primary, a replaced activation out of the order */
	ret = boot_load(&x->boot, &env, err);
	if (ret)
		return ret;
	boot_env_set_primary(&env, bn, x->cfg->max_tries);
	if (cancel)
		boot_env_mark_bad(&env, cancel->target);
	ret = boot_store(&x->boot, &env, err);
	if (!ret && cancel) {
		*t = *cancel;
		snprintf(detail, sizeof(detail), "cancelled by hand: mark-active %s", bn);
		ret = txn_end(x, t, TXN_ROLLED_BACK, "manual", detail, err);
	}
	if (ret || (!mine && c == TXN_CONTENT_CONFIRMED))
		return ret;
	/* its transaction, or content that never passed a confirm: a trial */
	if (mine)
		*t = *p;
	else
		txn_begin_for(x, t, "mark-active", bn);
	if (t->state != TXN_RECOVERED)
		t->state = TXN_ACTIVATED;
	snprintf(t->phase, sizeof(t->phase), "reboot to try %s", bn);
	return txn_save(x, t, err);
}

int txn_mark(struct txn_ctx *x, const char *bootname, enum boot_mark m, struct txn *t,
	     struct fw_err *err)
{
	enum txn_content c;
	char why[160];
	int ret = txn_content(x, bootname, &c, why, sizeof(why), err);

	t->state = TXN_NONE;
	if (ret)
		return ret;
	if (m == BOOT_MARK_GOOD)
		return mark_good(x, bootname, c, why, t, err);
	if (m == BOOT_MARK_BAD)
		return mark_bad(x, bootname, c, t, err);
	return mark_active(x, bootname, c, why, t, err);
}

/* The other bootname, good in the bootloader, with confirmed content. */
static int confirmed_other(struct txn_ctx *x, char *out, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(&x->boot, &env, err);

	out[0] = '\0';
	for (unsigned i = 0; !ret && i < env.nslots && !out[0]; i++) {
		const char *bn = env.slots[i].name;
		struct boot_slot_state st;
		enum txn_content c;

		boot_env_state(&env, bn, &st);
		if (!strcmp(bn, x->booted) || !st.good)
			continue;
		ret = txn_content(x, bn, &c, NULL, 0, err);
		if (!ret && c == TXN_CONTENT_CONFIRMED)
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", bn);
	}
	return ret;
}

int txn_rollback(struct txn_ctx *x, struct txn *t, int *reboot, struct fw_err *err)
{
	char other[FW_BOOTNAME_LEN + 1];
	struct txn *p = txn_pending(x);
	int ret;

	*reboot = 0;
	t->state = TXN_NONE;
	if (p && !strcmp(p->target, x->booted) && txn_trial_target(x, x->booted)) {
		/* leaving the trial we run */
		ret = txn_fallback(x, x->booted, other, err);
		if (!ret && !other[0])
			ret = fw_error(err, FW_EUSAGE, "rollback: no other slot to roll back to");
		*t = *p;
		if (!ret)
			ret = boot_mark(&x->boot, x->booted, BOOT_MARK_BAD, err);
		if (!ret)
			ret = txn_end(x, t, TXN_ROLLED_BACK, "manual", "rolled back by hand", err);
		*reboot = !ret;
		return ret;
	}
	if (p) {
		/* before its reboot: cancelled, its target out of the order */
		*t = *p;
		ret = boot_mark(&x->boot, p->target, BOOT_MARK_BAD, err);
		if (!ret)
			ret = txn_end(x, t, TXN_ROLLED_BACK, "manual",
				      "cancelled by hand (rollback) before it was tried", err);
		return ret;
	}
	ret = confirmed_other(x, other, err);
	if (!ret && !other[0])
		ret = fw_error(err, FW_EUSAGE,
			       "rollback: no other slot holds confirmed content to roll back to");
	if (ret)
		return ret;
	txn_begin_for(x, t, "rollback", other);
	ret = boot_set_primary(&x->boot, other, x->cfg->max_tries, err);
	if (!ret)
		ret = txn_end(x, t, TXN_ROLLED_BACK, "manual", "switched back by hand", err);
	*reboot = !ret;
	return ret;
}
