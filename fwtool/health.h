/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_HEALTH_H
#define FW_HEALTH_H

#include "config.h"
#include "err.h"
#include "state.h"

/**
 * health_run() - run every health check, greenboot-style: the [check.NAME]
 * commands of system.conf in file order, then the executables in
 * HEALTH_DIR/required/ and HEALTH_DIR/wanted/ in name order. Each has its
 * own timeout and sees FWTOOL_CONF, FWTOOL_TRANSACTION and FWTOOL_SLOT (the
 * bootname on trial) in its environment; every check runs (not only up to the first failure); a
 * failing wanted check is reported and changes nothing. @tick is called at
 * least every 250 ms (the watchdog is petted there). Checks that would
 * start after @deadline seconds fail with "deadline passed".
 * @id, @bootname: the transaction and the bootname on trial, for the checks
 * @checks: room for @max results; *@nchecks receives how many were
 *          filled, each with its result, duration and output tail. Checks
 *          that find no room are not run (and if required, fail).
 * Return: 1 if every required check passed, else 0.
 */
int health_run(const struct config *cfg, const char *id, const char *bootname,
	       struct txn_check *checks, unsigned max, unsigned *nchecks, void (*tick)(void *ctx),
	       void *ctx);

#endif
