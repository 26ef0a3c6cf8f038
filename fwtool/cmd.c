// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "state.h"

int cmd_opt(struct cmd *c, struct cmd_policy *pol, int opt, const char *arg, struct fw_err *err)
{
	switch (opt) {
	case OPT_JSON: c->json = 1; return 1;
	case OPT_CONF: c->conf = arg; return 1;
	case OPT_EVENTS: c->events = 1; return 1;
	case OPT_PROGRESS: c->progress = 1; return 1;
	case OPT_NO_PROGRESS: c->progress = 0; return 1;
	}
	if (!pol)
		return 0;
	switch (opt) {
	case OPT_KEYRING: pol->keyring = arg; return 1;
	case OPT_DTB: pol->dtb = arg; return 1;
	case OPT_ALLOW_DOWNGRADE: pol->allow_downgrade = 1; return 1;
	case OPT_IGNORE_COMPATIBLE: pol->ignore_compatible = 1; return 1;
	case OPT_COMPATIBLE:
		if (pol->ncompat == FW_BOARD_STRINGS_MAX)
			return fw_error(err, FW_EUSAGE, "too many --compatible");
		pol->compat[pol->ncompat++] = arg;
		return 1;
	}
	return 0;
}

int cmd_next_opt(struct cmd *c, const struct option *opts, struct cmd_policy *pol,
		 struct fw_err *err)
{
	int o, ret;

	while ((o = getopt_long(c->argc, c->argv, "+ho:", opts, NULL)) != -1) {
		ret = cmd_opt(c, pol, o, optarg, err);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (o == 'h')
			return cmd_help(c);
		if (o == '?' || o == ':')
			return cmd_bad_opt(c, err);
		return o;
	}
	return 0;
}

int cmd_bad_opt(struct cmd *c, struct fw_err *err)
{
	return fw_error(err, FW_EUSAGE, "%s: bad option (see 'fwtool %s --help')", c->argv[0],
			c->argv[0]);
}

int cmd_help(const struct cmd *c)
{
	printf("%s", c->usage);
	return CMD_HELP;
}

int cmd_config(const struct cmd *c, struct config *cfg, int required, struct fw_err *err)
{
	const char *path = c->conf;

	if (!path)
		path = getenv("FWTOOL_CONF");
	if (!path) {
		path = CONFIG_DEFAULT_PATH;
		if (!required && access(path, F_OK)) {
			config_defaults(cfg);
			return 0;
		}
	}
	return config_load(cfg, path, err);
}

static int policy_board(const struct config *cfg, const struct cmd_policy *pol, struct board *b,
			struct fw_err *err)
{
	int ret;

	board_init(b);
	if (pol->ncompat) {
		for (unsigned i = 0; i < pol->ncompat; i++) {
			ret = board_add(b, pol->compat[i], err);
			if (ret)
				return ret;
		}
		b->source = "command line";
		return 0;
	}
	if (pol->dtb)
		return board_from_dtb(b, pol->dtb, err);
	return board_detect(b, cfg->compatible, cfg->dtb, cfg->dmi, err);
}

/* On a device the board's identity comes from the board. */
static int device_board(const struct config *cfg, const struct cmd_policy *pol, struct fw_err *err)
{
	if (pol->ncompat || pol->dtb)
		return fw_error(err, FW_EUSAGE,
				"--compatible and --dtb are for verify; install and recover take "
				"the board's identity from the board (--ignore-compatible skips "
				"the check where system.conf has allow_ignore_compatible = true)");
	if (pol->ignore_compatible && !cfg->allow_ignore_compatible)
		return fw_error(err, FW_EUSAGE,
				"--ignore-compatible: %s does not allow it "
				"(allow_ignore_compatible = true in [system])",
				cfg->path);
	return 0;
}

int cmd_policy(const struct config *cfg, const struct cmd_policy *pol, enum cmd_check check,
	       struct board *b, struct verify_policy *vp, struct fw_err *err)
{
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->keyring = pol->keyring ? pol->keyring : cfg->keyring;
	vp->check_time = cfg->check_time;
	if (check == CMD_CHECK_NONE)
		return 0;
	if (check == CMD_CHECK_DEVICE) {
		ret = device_board(cfg, pol, err);
		if (ret)
			return ret;
	} else if (pol->ignore_compatible) {
		return fw_error(err, FW_EUSAGE, "--ignore-compatible is for install and recover");
	}
	if (!pol->ignore_compatible) {
		ret = policy_board(cfg, pol, b, err);
		if (ret)
			return ret;
		vp->board = b;
	}
	ret = state_secver_get(cfg->statedir, &vp->secver_floor, err);
	if (ret)
		return ret;
	/* both must agree: the operator asks, the system's policy permits */
	vp->allow_downgrade = pol->allow_downgrade && cfg->allow_downgrade;
	vp->min_version = cfg->min_version;
	return 0;
}

void cmd_progress(const struct cmd *c, struct progress *p)
{
	int bar = c->progress < 0 ? isatty(STDERR_FILENO) : c->progress;

	progress_init(p, bar && !c->json, c->events);
}
