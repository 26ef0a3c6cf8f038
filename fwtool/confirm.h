/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CONFIRM_H
#define FW_CONFIRM_H

#include "boot.h"
#include "config.h"
#include "err.h"
#include "state.h"

/**
 * confirm_commit() - the trial slot stays: mark it good (one store), raise
 * the security floor to the bundle's, end the transaction 'confirmed'
 */
int confirm_commit(const struct config *cfg, struct boot *b, struct txn *t, const char *detail,
		   struct fw_err *err) FW_MUST;

/**
 * confirm_rollback() - the trial slot goes: mark it bad (one store; the
 * previous slot is primary again), end the transaction 'rolled-back'
 */
int confirm_rollback(const struct config *cfg, struct boot *b, struct txn *t, const char *reason,
		     const char *detail, struct fw_err *err) FW_MUST;

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
};

/**
 * confirm_run() - at boot: decide whether the slot on trial stays
 *
 * Booted into the trial slot: open the watchdog, run the health checks
 * while petting it, commit or roll back. Booted elsewhere while a trial is
 * pending: the bootloader fell back; end it rolled-back with the reason
 * (watchdog-reset when the watchdog says it reset the machine, else
 * tries-exhausted). Nothing pending: make sure the booted good slot keeps
 * its full tries (RAUC's scripts decrement on every boot).
 */
int confirm_run(const struct config *cfg, const struct confirm_opts *o, struct txn *t,
		enum confirm_outcome *outcome, struct fw_err *err) FW_MUST;

#endif
