/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_LOCK_H
#define FW_LOCK_H

#include "err.h"

/**
 * lock_take() - take the exclusive lock file (flock, so it dies with the
 * process: no stale locks after a crash or power cut)
 * @fdp: receives the descriptor to pass to lock_release()
 * Return: 0, FW_EBUSY naming the holder's pid, FW_EIO.
 */
int lock_take(const char *path, int *fdp, struct fw_err *err) FW_MUST;

/** lock_release() - idempotent; -1 is ignored */
void lock_release(int *fdp);

#endif
