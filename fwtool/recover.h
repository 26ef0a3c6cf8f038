/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_RECOVER_H
#define FW_RECOVER_H

#include <stddef.h>

#include "err.h"
#include "fwlimits.h"
#include "install.h"
#include "verify.h"

#define RECOVER_CANDIDATES_MAX 16

/**
 * struct recover_candidates - bundles whose header verified, newest first
 */
struct recover_candidates {
	char path[RECOVER_CANDIDATES_MAX][FW_PATH_LEN];
	unsigned n;
};

/**
 * recover_find() - the bundles a recovery may use
 * @path: a bundle (or - for stdin: taken as it is), a folder of *.fwb, or
 *        NULL: the root and fwtool/ folder of every mounted removable medium
 *
 * Every candidate's header is verified with @vp; those that pass are
 * listed newest first (recover_run() falls back along the list when
 * one fails midway); each one passed over is logged with the reason.
 * Return: 0 with at least one candidate; FW_ENOTFOUND; FW_EIO.
 */
int recover_find(const char *path, const struct verify_policy *vp, struct recover_candidates *c,
		 struct fw_err *err) FW_MUST;

/**
 * recover_run() - write a bundle from recovery media, as install_run() writes
 *
 * @o->bundle is where to look (recover_find(): a bundle, a folder, or NULL
 * for the mounted removable media); the candidates, chosen once the state
 * is settled (under the lock, with the floor as it is now), are tried newest first, each verified exactly as
 * install_run() verifies (a recovery is no back door); one that fails
 * midway is passed over for the next. The bundle is read once per
 * bootname written: @o->recover_into, then with @o->all_slots every other
 * one but the booted (so not from stdin). Each is out of the boot order
 * before its first byte. Afterwards one store leaves bootable what was
 * written (@o->recover_into first), any other bootname whose recorded
 * content still reads back right, and the running one; the transaction is
 * 'recovered': a trial, confirmed (and the floor raised) only by the
 * checks at its boot. Never writes the booted bootname.
 *
 * Return: as install_run().
 */
int recover_run(const struct config *cfg, const struct verify_policy *vp,
		const struct install_opts *o, struct progress *prog, struct install_result *res,
		struct fw_err *err) FW_MUST;

#endif
