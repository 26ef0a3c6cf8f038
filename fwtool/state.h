/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_STATE_H
#define FW_STATE_H

#include <stdint.h>

#include "err.h"

/**
 * state_secver_get() - the device's anti-rollback floor, 0 when none is
 * recorded yet
 * Return: 0, FW_EIO, FW_EFORMAT (the file is corrupt).
 */
int state_secver_get(const char *statedir, uint64_t *secverp,
		     struct fw_err *err) FW_MUST;

/**
 * state_secver_raise() - raise the floor to @secver (never lowers it);
 * called on confirm only, so a rolled-back slot never locks the device out
 */
int state_secver_raise(const char *statedir, uint64_t secver,
		       struct fw_err *err) FW_MUST;

#endif
