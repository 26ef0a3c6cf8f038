/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_RECOVER_H
#define FW_RECOVER_H

#include <stddef.h>

#include "err.h"
#include "fwlimits.h"
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
 * listed newest first (install_recover() falls back along the list when
 * one fails midway); each one passed over is logged with the reason.
 * Return: 0 with at least one candidate; FW_ENOTFOUND; FW_EIO.
 */
int recover_find(const char *path, const struct verify_policy *vp, struct recover_candidates *c,
		 struct fw_err *err) FW_MUST;

#endif
