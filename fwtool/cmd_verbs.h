/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CMD_VERBS_H
#define FW_CMD_VERBS_H

#include "cmd.h"

/* Each verb: 0, CMD_HELP, or a negative FW_E* code with @err set. */
int cmd_bundle(struct cmd *c, struct fw_err *err);
int cmd_info(struct cmd *c, struct fw_err *err);
int cmd_verify(struct cmd *c, struct fw_err *err);
int cmd_board(struct cmd *c, struct fw_err *err);
int cmd_check_config(struct cmd *c, struct fw_err *err);
int cmd_install(struct cmd *c, struct fw_err *err);
int cmd_recover(struct cmd *c, struct fw_err *err);
int cmd_usb(struct cmd *c, struct fw_err *err);
int cmd_status(struct cmd *c, struct fw_err *err);
int cmd_history(struct cmd *c, struct fw_err *err);
int cmd_wait(struct cmd *c, struct fw_err *err);
int cmd_mark(struct cmd *c, struct fw_err *err);
int cmd_confirm(struct cmd *c, struct fw_err *err);
int cmd_rollback(struct cmd *c, struct fw_err *err);
int cmd_sim_boot(struct cmd *c, struct fw_err *err);
int cmd_report(struct cmd *c, struct fw_err *err);

#endif
