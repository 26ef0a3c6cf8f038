// SPDX-License-Identifier: GPL-2.0-only
#include "cmd.h"
#include "cmd_verbs.h"
#include "output.h"

static int cmd_board(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		CMD_BOARD_OPTS,
		{NULL, 0, NULL, 0},
	};
	struct cmd_policy pol = {0};
	struct verify_policy vp;
	struct config cfg;
	struct board b;
	int o, ret;

	o = cmd_next_opt(c, opts, &pol, err);
	if (o > CMD_HELP)
		return cmd_bad_opt(c, err);
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "board: takes no arguments");
	ret = cmd_config(c, &cfg, 0, err);
	if (!ret)
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_VERIFY, &b, &vp, err);
	if (!ret)
		output_board(c->json, &b);
	return ret;
}

const struct cmd_verb cmd_board_verb = {
	"board",
	cmd_board,
	"print this board's compatible strings",
	"usage: fwtool board [--compatible S]... [--dtb FILE]\n"
	"Print this board's compatible strings (device tree, DMI, system.conf)\n"
	"and where they came from.\n"
	"  --compatible S  use S instead (repeatable)\n"
	"  --dtb FILE      read them from FILE's root compatible\n",
};
