/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CMD_VERBS_H
#define FW_CMD_VERBS_H

#include "cmd.h"

/*
 * The verbs, each defined beside its handler in the cmd_*.c named after
 * it (cmd_state.c: status, history, wait; cmd_mark.c: mark-*; cmd_confirm.c:
 * confirm, rollback). main.c lists them in the order --help shows.
 */
extern const struct cmd_verb cmd_bundle_verb;
extern const struct cmd_verb cmd_info_verb;
extern const struct cmd_verb cmd_verify_verb;
extern const struct cmd_verb cmd_board_verb;
extern const struct cmd_verb cmd_check_config_verb;
extern const struct cmd_verb cmd_install_verb;
extern const struct cmd_verb cmd_recover_verb;
extern const struct cmd_verb cmd_usb_verb;
extern const struct cmd_verb cmd_status_verb;
extern const struct cmd_verb cmd_history_verb;
extern const struct cmd_verb cmd_wait_verb;
extern const struct cmd_verb cmd_mark_good_verb;
extern const struct cmd_verb cmd_mark_bad_verb;
extern const struct cmd_verb cmd_mark_active_verb;
extern const struct cmd_verb cmd_confirm_verb;
extern const struct cmd_verb cmd_rollback_verb;
extern const struct cmd_verb cmd_report_verb;
extern const struct cmd_verb cmd_sim_boot_verb;

#endif
