/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CMD_INSTALL_H
#define FW_CMD_INSTALL_H

#include "cmd.h"
#include "install.h"

/**
 * cmd_install_locked() - what install and recover share once their
 * options, configuration and policy are settled: take the lock, run
 * install_run() (or recover_run() with @recover), keep the
 * transaction's id for the error document, print the outcome
 * Return: what the run returned
 */
int cmd_install_locked(struct cmd *c, const struct config *cfg, const struct verify_policy *vp,
		       const struct install_opts *io, int recover, struct fw_err *err) FW_MUST;

#endif
