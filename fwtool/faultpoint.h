/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_FAULTPOINT_H
#define FW_FAULTPOINT_H

/*
 * Power-cut injection for tests (STYLE habit 5). Every durable write step
 * (a data write to a slot, an fsync, a rename, an environment store) calls
 * faultpoint(). When FWTOOL_CUT_AFTER=N is set in the environment, the Nth
 * call ends the process at once with status FAULTPOINT_STATUS and no
 * cleanup: exactly what a power cut leaves, since everything before it was
 * fsynced and nothing after it happened. FWTOOL_CUT_LOG=FILE appends the
 * name of each point, so a sweep knows how many there are.
 * Built only with CONFIG_FAULT_INJECT; otherwise faultpoint() is empty.
 */
#define FAULTPOINT_STATUS 99

#include <stddef.h>
#include <stdint.h>

void faultpoint(const char *what);

/*
 * A medium that returns other bytes than were written, for the read-back
 * tests (the kernel here has no dm-flakey): with FWTOOL_CORRUPT_READ=OFF,
 * a read-back of @len bytes at device offset @off into @buf that covers
 * OFF gets that byte flipped. Only with CONFIG_FAULT_INJECT.
 */
void faultpoint_corrupt_read(uint64_t off, void *buf, size_t len);

#endif
