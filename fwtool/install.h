/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_INSTALL_H
#define FW_INSTALL_H

#include "config.h"
#include "err.h"
#include "progress.h"
#include "state.h"
#include "verify.h"

struct install_opts {
	const char *bundle; /* path or "-"; recover: where to look, NULL for the media */
	const char *cmdline; /* kernel command line file */
	int no_activate;
	int force;
	/* recover_run(): write into this bootname (and, with all_slots,
	 * then into every other one); it boots first afterwards */
	const char *recover_into;
	int all_slots;
	int ignore_compatible; /* recorded in the transaction */
	int skip_if_running; /* nothing to do when the bundle runs or is on trial */
	const char *id; /* the transaction's id, chosen by the caller; NULL: a new UUID */
};

/**
 * struct install_result - what happened, for the report
 * @skipped: image i was already in its slot (verified by re-hashing)
 * @nothing: with skip_if_running, why nothing was done: "running" (the
 *           booted slot holds this bundle, confirmed), "pending" (its trial
 *           is the pending transaction, in @txn); "" otherwise
 */
struct install_result {
	char nothing[16];
	struct txn txn;
	char slot[FW_IMAGES_MAX][FW_CLASS_LEN + 12];
	int skipped[FW_IMAGES_MAX];
	unsigned nimages;
};

/**
 * install_run() - the whole install, under a lock the caller holds
 *
 * Verifies the bundle's header and picks the target slot of each image
 * (never one of the booted bootname); a group whose other slots hold no
 * confirmed content is refused. Until here nothing is written and no
 * transaction begins. Then one bootloader store takes the target out of
 * the boot order (a pending activation of it with it), a pending
 * transaction ends (failed: superseded), this one is saved, every image is
 * streamed (chunk check, decompress, write), fsynced, read back and
 * recorded, and unless @o->no_activate one store makes the target primary
 * with max_tries: a trial, confirmed at its boot. On a failure after the
 * transaction began it ends 'failed' with the reason.
 *
 * Return: 0; FW_EUSAGE (the bundle cannot be opened); FW_EVERIFY,
 * FW_EFORMAT, FW_EINCOMPAT; FW_EBUSY (the booted slot is on trial);
 * FW_ECORRUPT; FW_EIO, FW_ENOSPC.
 */
int install_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err) FW_MUST;

#endif
