/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CMD_H
#define FW_CMD_H

#include <getopt.h>

#include "board.h"
#include "config.h"
#include "err.h"
#include "progress.h"
#include "verify.h"

/**
 * struct cmd - one invocation: the verb's arguments and the options every
 * verb takes (--json, --conf, --events, --progress/--no-progress, --help)
 */
struct cmd {
	int argc;
	char **argv;
	const char *usage;
	const char *conf;
	int json;
	int events;
	int progress; /* -1: on when stderr is a terminal */
	char txn_id[40]; /* set by a verb that has one: in its error document too */
};

/* A verb handler: 0 or a negative FW_E* code; CMD_HELP after --help. */
#define CMD_HELP 1

enum {
	OPT_JSON = 1000,
	OPT_CONF,
	OPT_EVENTS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_KEYRING,
	OPT_COMPATIBLE,
	OPT_DTB,
	OPT_ALLOW_DOWNGRADE,
	OPT_CMDLINE,
	OPT_IGNORE_COMPATIBLE,
	OPT_FIRST_VERB_OPT,
};

#define CMD_COMMON_OPTS                                                                            \
	{"json", no_argument, NULL, OPT_JSON}, {"conf", required_argument, NULL, OPT_CONF},        \
		{"events", no_argument, NULL, OPT_EVENTS},                                         \
		{"progress", no_argument, NULL, OPT_PROGRESS},                                     \
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},                               \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

#define CMD_POLICY_OPTS                                                                            \
	{"keyring", required_argument, NULL, OPT_KEYRING},                                         \
		{"compatible", required_argument, NULL, OPT_COMPATIBLE},                           \
		{"dtb", required_argument, NULL, OPT_DTB},                                         \
		{"ignore-compatible", no_argument, NULL, OPT_IGNORE_COMPATIBLE},                   \
	{                                                                                          \
		"allow-downgrade", no_argument, NULL, OPT_ALLOW_DOWNGRADE                          \
	}

/**
 * struct cmd_policy - the options that stand in for the board and keyring
 */
struct cmd_policy {
	const char *keyring;
	const char *compat[FW_BOARD_STRINGS_MAX];
	unsigned ncompat;
	const char *dtb;
	int allow_downgrade;
	int ignore_compatible;
};

/**
 * cmd_opt() - handle a common or policy option
 * Return: 1 handled, 0 not ours, CMD_HELP-style negative on error
 */
int cmd_opt(struct cmd *c, struct cmd_policy *pol, int opt, const char *arg, struct fw_err *err);

/**
 * cmd_next_opt() - the next option that is the verb's own
 *
 * Handles the common options, the policy options (when @pol is not NULL)
 * and --help itself. Use as:
 *	while ((o = cmd_next_opt(c, opts, &pol, err)) > CMD_HELP)
 *		switch (o) { ... }
 *	if (o) return o;
 * Return: the option (> CMD_HELP); 0 at the end; CMD_HELP after printing
 * the usage; a negative FW_E* code for an unknown option.
 */
int cmd_next_opt(struct cmd *c, const struct option *opts, struct cmd_policy *pol,
		 struct fw_err *err);

/** cmd_bad_opt() - the usage error for an unknown option or missing arg */
int cmd_bad_opt(struct cmd *c, struct fw_err *err);

/** cmd_help() - print the verb's usage; Return: CMD_HELP */
int cmd_help(const struct cmd *c);

/**
 * cmd_config() - load --conf, $FWTOOL_CONF or /etc/fwtool/system.conf;
 * when @required is 0 and no file was named and the default is absent,
 * the built-in defaults are used
 */
int cmd_config(const struct cmd *c, struct config *cfg, int required, struct fw_err *err) FW_MUST;

/**
 * enum cmd_check - how much of the policy a verb applies
 * @CMD_CHECK_NONE:   info: no board or version checks
 * @CMD_CHECK_VERIFY: verify: the board may be given (--compatible, --dtb),
 *                    as on a build server
 * @CMD_CHECK_DEVICE: install, recover: the board is the board; only
 *                    --ignore-compatible, where system.conf allows it,
 *                    skips the check
 */
enum cmd_check { CMD_CHECK_NONE, CMD_CHECK_VERIFY, CMD_CHECK_DEVICE };

/**
 * cmd_policy() - board identity, keyring and anti-rollback floor from
 * @cfg and the options
 * Return: 0; FW_EUSAGE (a board given on a device, --ignore-compatible
 * not allowed); what board detection and the floor return.
 */
int cmd_policy(const struct config *cfg, const struct cmd_policy *pol, enum cmd_check check,
	       struct board *b, struct verify_policy *vp, struct fw_err *err) FW_MUST;

/** cmd_progress() - set up progress per --progress/--events/terminal */
void cmd_progress(const struct cmd *c, struct progress *p);

#endif
