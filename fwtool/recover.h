/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_RECOVER_H
#define FW_RECOVER_H

#include <stddef.h>

#include "err.h"
#include "verify.h"

/**
 * recover_find() - the bundle a recovery uses
 * @path: a bundle (or - for stdin: taken as it is), a folder of *.fwb, or
 *        NULL: the root and fwtool/ folder of every mounted removable medium
 *
 * Every candidate's header is verified with @vp; the highest version that
 * passes wins; each one passed over is logged with the reason.
 * Return: 0 with the path in @out; FW_ENOTFOUND; FW_EIO.
 */
int recover_find(const char *path, const struct verify_policy *vp, char *out, size_t outlen,
		 struct fw_err *err) FW_MUST;

#endif
