/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CONFIRM_H
#define FW_CONFIRM_H

#include "config.h"
#include "err.h"
#include "state.h"

/**
 * struct confirm_opts - how 'fwtool confirm' runs
 * @cmdline:  kernel command line file (booted slot)
 * @reboot:   run the reboot command after a rollback
 */
struct confirm_opts {
	const char *cmdline;
	int reboot;
};

/**
 * enum confirm_outcome - what confirm did
 */
enum confirm_outcome {
	CONFIRM_NOTHING, /* no slot on trial: refreshed the booted slot */
	CONFIRM_CONFIRMED, /* checks passed */
	CONFIRM_ROLLED_BACK, /* a check failed, or we came back from the trial */
	CONFIRM_KEPT, /* a check failed and nothing else can boot: kept, ended failed */
	CONFIRM_SETTLED, /* nothing on trial; a cut install was ended failed */
};

/**
 * confirm_run() - at boot: decide whether the slot on trial stays
 *
 * What is on trial is txn_at_boot()'s decision: the pending transaction's
 * target when it is the booted slot, or booted content that never passed
 * a confirm. Then: open the watchdog, run the health checks while petting
 * it, commit, or roll back (mark bad, reboot into the other slot) or, with
 * nothing to fall back to, keep it and end the transaction failed. A trial
 * the bootloader abandoned ends rolled back with the reason (watchdog-reset
 * when the watchdog says it reset the machine, else tries-exhausted).
 * Nothing on trial: the booted slot keeps its full tries (RAUC's scripts
 * decrement on every boot).
 * @t: the current transaction afterwards
 */
int confirm_run(const struct config *cfg, const struct confirm_opts *o, struct txn *t,
		enum confirm_outcome *outcome, struct fw_err *err) FW_MUST;

#endif
