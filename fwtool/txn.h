/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_TXN_H
#define FW_TXN_H

#include "boot.h"
#include "config.h"
#include "err.h"
#include "state.h"

/*
 * The transaction lifecycle, its one owner. Every verb that changes what
 * boots (install, recover, confirm, mark-*, rollback) opens a txn_ctx under
 * the lock and goes through here; state.c only persists.
 *
 * The rule everywhere: a bootname is good in the bootloader only with
 * content that passed a confirm (its checks, or an explicit, recorded
 * mark-good), or what the board came with. Anything else that can boot is
 * on trial: the pending transaction's target, or content that was written
 * and verified but never confirmed, whose next boot runs the checks.
 *
 * An end is one call, txn_end(): the ended record is saved (the commit
 * point), then txn_finish() marks the content confirmed and raises the
 * floor (confirmed only), queues the report and appends history, history
 * last. A cut or a full disk between those steps is finished by the next
 * txn_open(), since history does not hold the record yet.
 */

/**
 * enum txn_content - what a bootname's slots hold, from slots.json
 * @TXN_CONTENT_EMPTY:     no record, and the bootloader does not boot it
 * @TXN_CONTENT_BROKEN:    a slot is being written, failed, or holds
 *                         nothing fwtool wrote while the others do
 * @TXN_CONTENT_VERIFIED:  written and verified, not confirmed
 * @TXN_CONTENT_CONFIRMED: confirmed, or what the board came with
 */
enum txn_content {
	TXN_CONTENT_EMPTY,
	TXN_CONTENT_BROKEN,
	TXN_CONTENT_VERIFIED,
	TXN_CONTENT_CONFIRMED,
};

/**
 * struct txn_ctx - one locked session
 * @booted: the running bootname; "" on recovery media (nothing booted)
 * @cur:    transaction.json; state TXN_NONE when there is none
 * @scratch: a second record, for lookups (history), owned by no one
 */
struct txn_ctx {
	const struct config *cfg;
	struct boot boot;
	char booted[FW_BOOTNAME_LEN + 1];
	struct txn cur;
	struct txn scratch; /* room for a lookup */
};

/**
 * txn_open() - open the bootloader, find the booted slot, load the current
 * transaction and finish an end that a cut left half done
 * @need_booted: 0 for recovery, where no slot of the target runs
 * Return: 0; FW_ECORRUPT (a state file or the bootloader environment);
 * FW_EUSAGE, FW_ENOTFOUND (no booted slot), FW_EIO, FW_ENOSPC.
 */
int txn_open(struct txn_ctx *x, const struct config *cfg, const char *cmdline, int need_booted,
	     struct fw_err *err) FW_MUST;
void txn_close(struct txn_ctx *x);

/**
 * txn_peek() - as txn_open(), read only and without the lock (status):
 * nothing is finished, an unknown booted slot is "", and a corrupt
 * transaction.json is returned as FW_ECORRUPT with @x usable (no current
 * transaction); only a bootloader that cannot be opened leaves it unusable
 * (txn_close() is safe either way)
 */
int txn_peek(struct txn_ctx *x, const struct config *cfg, const char *cmdline,
	     struct fw_err *err) FW_MUST;

/** txn_pending() - the current transaction when it has not ended, else NULL */
struct txn *txn_pending(struct txn_ctx *x);

/**
 * txn_content() - what @bootname's slots hold
 * @why: when not confirmed, which slot and why (may be NULL)
 * Return: 0, FW_ECORRUPT, FW_EIO.
 */
int txn_content(struct txn_ctx *x, const char *bootname, enum txn_content *c, char *why,
		size_t whysize, struct fw_err *err) FW_MUST;

/**
 * struct txn_running - what the booted slot runs, for status and fleets
 * @version:   "" when fwtool never wrote it (what the board came with)
 * @confirmed: its content passed a confirm (or came with the board) and
 *             it is not on trial
 */
struct txn_running {
	char bootname[FW_BOOTNAME_LEN + 1];
	char version[FW_VERSION_LEN + 1];
	uint64_t security_version;
	int confirmed, on_trial;
};

/** txn_running() - the booted slot's version and whether it is confirmed */
int txn_running(struct txn_ctx *x, struct txn_running *r, struct fw_err *err) FW_MUST;

/** txn_begin() - a new transaction in memory: id, kind, target, the booted one as previous */
void txn_begin(struct txn_ctx *x, struct txn *t, const char *kind, const char *target);

/**
 * txn_save() - @t becomes (or stays) the current transaction, saved.
 * Refused while another transaction is pending: end that one first.
 */
int txn_save(struct txn_ctx *x, struct txn *t, struct fw_err *err) FW_MUST;

/**
 * txn_end() - end @t, exactly once: save, then txn_finish()
 * @end: TXN_CONFIRMED, TXN_ROLLED_BACK or TXN_FAILED
 * Return: 0; FW_EIO, FW_ENOSPC when a step could not be written (the next
 * txn_open() finishes it); FW_EUSAGE when another transaction is pending.
 */
int txn_end(struct txn_ctx *x, struct txn *t, enum txn_state end, const char *reason,
	    const char *detail, struct fw_err *err) FW_MUST;

/**
 * txn_trial_target() - is @bootname on trial: the target of a pending
 * transaction that is activated, recovered, or whose install was cut
 * after its activation store
 */
int txn_trial_target(struct txn_ctx *x, const char *bootname);

/**
 * txn_slot_label() - status's word for @bootname: "bad" (the bootloader
 * will not boot it), "pending" (on trial: its next boot runs the checks),
 * or "good"
 */
const char *txn_slot_label(struct txn_ctx *x, const struct boot_env *env, const char *bootname);

/*
 * At boot (confirm.c runs the checks between these).
 */

/**
 * txn_at_boot() - settle what the last boot left and say what is on trial
 *
 * A pending transaction whose install was cut before its activation ends
 * failed (interrupted); one whose target the bootloader left (tries ran
 * out, a watchdog reset) or that was taken out of the order ends rolled
 * back. The booted slot is on trial when it is the pending transaction's
 * target, or when it holds content that was never confirmed: then a new
 * transaction of kind "boot" is begun in @scratch (not saved yet).
 * Otherwise the booted slot gets its full tries again (and, the first
 * time, records of what the board came with).
 * @trialp:  the transaction to check, NULL when nothing is on trial
 * @refusep: set when the booted content is not even verified (half
 *           written, or nothing fwtool wrote): reject it without checks
 * @settled: a transaction was ended here (its record is in @x->cur)
 */
int txn_at_boot(struct txn_ctx *x, struct txn *scratch, struct txn **trialp, const char **refusep,
		int *settled, struct fw_err *err) FW_MUST;

/** txn_commit() - the checks passed: the booted slot good, @t confirmed */
int txn_commit(struct txn_ctx *x, struct txn *t, const char *reason, const char *detail,
	       struct fw_err *err) FW_MUST;

/**
 * txn_reject() - the checks failed: with another slot to fall back to, the
 * booted one leaves the order and @t ends rolled back (@reboot set); with
 * none, it keeps booting and @t ends failed, saying so
 */
int txn_reject(struct txn_ctx *x, struct txn *t, const char *reason, const char *detail,
	       int *reboot, struct fw_err *err) FW_MUST;

/**
 * txn_fallback() - another bootname the bootloader would boot, whose
 * content is verified or confirmed; "" when there is none
 */
int txn_fallback(struct txn_ctx *x, const char *except, char *out, struct fw_err *err) FW_MUST;

/**
 * txn_begin_for() - a new transaction of @kind for what @bootname holds
 * now (version and security version from its records), not saved
 */
void txn_begin_for(struct txn_ctx *x, struct txn *t, const char *kind, const char *bootname);

/*
 * By hand (txn_manual.c).
 */

/**
 * txn_mark() - mark-good, mark-bad, mark-active of @bootname
 *
 * good: on trial, the operator's explicit "skip the checks", recorded as a
 *       confirm with reason marked-good; content never confirmed is the
 *       same, as a transaction of its own; broken content is refused.
 * bad:  on trial, ends it rolled back (marked-bad); never the last
 *       bootname the bootloader would boot.
 * active: content never confirmed goes on trial (the installed
 *       transaction is activated, or one of kind mark-active begun);
 *       broken or empty content is refused; a pending activation of
 *       another bootname is cancelled in the same store.
 * @t: receives the transaction changed, if any (state TXN_NONE if none)
 */
int txn_mark(struct txn_ctx *x, const char *bootname, enum boot_mark m, struct txn *t,
	     struct fw_err *err) FW_MUST;

/**
 * txn_rollback() - leave a trial by hand: the booted trial slot leaves the
 * order (@reboot set); an activation not yet booted is cancelled, its
 * target out of the order; with nothing pending, a switch to the other
 * bootname with confirmed content, recorded (@reboot set)
 * @t: receives the transaction ended
 */
int txn_rollback(struct txn_ctx *x, struct txn *t, int *reboot, struct fw_err *err) FW_MUST;

#endif
