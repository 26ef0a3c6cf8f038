/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_INSTALL_H
#define FW_INSTALL_H

#include "config.h"
#include "err.h"
#include "progress.h"
#include "state.h"
#include "verify.h"

struct install_opts {
	const char *bundle; /* path or "-" */
	const char *cmdline; /* kernel command line file */
	int no_activate;
	int force;
	/* install_recover(): write into this bootname (and, with all_slots,
	 * then into every other one); it boots first afterwards */
	const char *recover_into;
	int all_slots;
};

/**
 * struct install_result - what happened, for the report
 * @skipped: image i was already in its slot (verified by re-hashing)
 */
struct install_result {
	struct txn txn;
	char slot[FW_IMAGES_MAX][FW_CLASS_LEN + 12];
	int skipped[FW_IMAGES_MAX];
	unsigned nimages;
};

/**
 * install_run() - the whole install, under a lock the caller holds
 *
 * Opens a transaction, verifies the bundle's header (nothing is written
 * before that passes), picks the target slot of each image (never one of
 * the booted bootname), marks the target bad in the bootloader, streams
 * every image (chunk check, decompress, write), fsyncs and reads it back,
 * records it, and activates the target with one bootloader store unless
 * @o->no_activate. On any failure the target stays marked bad, the running
 * slot stays primary and the transaction ends 'failed' with the reason.
 *
 * Return: 0; FW_EVERIFY, FW_EFORMAT, FW_EINCOMPAT, FW_EIO, FW_ENOSPC,
 * FW_EBUSY, FW_EUSAGE with @err set.
 */
int install_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err) FW_MUST;

/**
 * install_recover() - write a bundle from recovery media, with nothing of
 * the target running
 *
 * Verified exactly as install_run() does (a recovery is no back door). The
 * bundle is read once per bootname written: @o->recover_into, then with
 * @o->all_slots every other one (so not from stdin). Each is marked bad
 * before its first byte. Afterwards one bootloader store leaves bootable
 * only what is known good: the written bootnames, first @o->recover_into,
 * and any other whose recorded content still reads back right; each with
 * max_tries and nothing on trial. The security floor rises to the bundle's
 * and the transaction ends 'recovered' (or 'failed' with the reason).
 *
 * Return: as install_run().
 */
int install_recover(const struct config *cfg, const struct verify_policy *vp,
		    const struct install_opts *o, struct progress *prog, struct install_result *res,
		    struct fw_err *err) FW_MUST;

#endif
