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
 * verb takes (--json, -c/--conf, -v/--verbose, -q/--quiet, -h/--help)
 */
struct cmd {
	char name[32]; /* the verb as the user wrote it: "install", "bundle create" */
	int argc;
	char **argv;
	const char *usage;
	const char *conf;
	int json;
	int events;
	int progress; /* -1: on when stderr is a terminal */
	int log_level; /* enum log_level from -v/-q; -1: system.conf's, else info */
	char txn_id[40]; /* set by a verb that has one: in its error document too */
	int reported; /* the verb printed its failure itself: main.c prints no error */
};

/**
 * struct cmd_verb - one verb: its name, its handler, a line for fwtool
 * --help and its own --help text
 * @fn: 0, CMD_HELP after --help, or a negative FW_E* code with @err set
 */
struct cmd_verb {
	const char *name;
	int (*fn)(struct cmd *c, struct fw_err *err);
	const char *what;
	const char *usage;
};

/* A verb handler: 0 or a negative FW_E* code; CMD_HELP after --help. */
#define CMD_HELP 1

enum {
	OPT_JSON = 1000,
	OPT_EVENTS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_KEYRING,
	OPT_FIT_KEYS,
	OPT_COMPATIBLE,
	OPT_DTB,
	OPT_ALLOW_DOWNGRADE,
	OPT_CMDLINE,
	OPT_IGNORE_COMPATIBLE,
	OPT_FIRST_VERB_OPT,
};

/*
 * Option tables. A verb's table lists exactly the options its --help and
 * fwtool(8) describe: tests/integ/test_cli.py checks both ways. An option
 * whose val is a letter also has that short form.
 */
#define CMD_COMMON_OPTS                                                                            \
	{"json", no_argument, NULL, OPT_JSON}, {"conf", required_argument, NULL, 'c'},             \
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},            \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* the verbs that stream a bundle: install, recover, verify */
#define CMD_PROGRESS_OPTS                                                                          \
	{"events", no_argument, NULL, OPT_EVENTS}, {"progress", no_argument, NULL, OPT_PROGRESS},  \
	{                                                                                          \
		"no-progress", no_argument, NULL, OPT_NO_PROGRESS                                  \
	}

#define CMD_KEYRING_OPT                                                                            \
	{                                                                                          \
		"keyring", required_argument, NULL, OPT_KEYRING                                    \
	}
#define CMD_DOWNGRADE_OPT                                                                          \
	{                                                                                          \
		"allow-downgrade", no_argument, NULL, OPT_ALLOW_DOWNGRADE                          \
	}
#define CMD_IGNORE_COMPAT_OPT                                                                      \
	{                                                                                          \
		"ignore-compatible", no_argument, NULL, OPT_IGNORE_COMPATIBLE                      \
	}
/* the board given by hand: verify and board, never install or recover */
#define CMD_BOARD_OPTS                                                                             \
	{"compatible", required_argument, NULL, OPT_COMPATIBLE},                                   \
	{                                                                                          \
		"dtb", required_argument, NULL, OPT_DTB                                            \
	}
#define CMD_CMDLINE_OPT                                                                            \
	{                                                                                          \
		"cmdline", required_argument, NULL, OPT_CMDLINE                                    \
	}

/**
 * struct cmd_policy - the options that stand in for the board and keyring
 */
struct cmd_policy {
	const char *keyring;
	const char *fit_keys;
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

/** cmd_bad_opt() - the usage error for an option the verb does not take */
int cmd_bad_opt(struct cmd *c, struct fw_err *err);

/**
 * cmd_action() - take a verb's action word ("bundle create", "usb list")
 * off the arguments; a verb with actions always needs one
 * Return: 0; CMD_HELP after --help; FW_EUSAGE for none or another
 */
int cmd_action(struct cmd *c, const char *action, struct fw_err *err);

/** cmd_help() - print the verb's usage; Return: CMD_HELP */
int cmd_help(const struct cmd *c);

/**
 * cmd_config() - load --conf, $FWTOOL_CONF or /etc/fwtool/system.conf;
 * when @required is 0 and no file was named and the default is absent,
 * the built-in defaults are used. Sets the log level from [system]
 * log_level unless -v or -q gave one.
 * Return: 0; FW_EUSAGE for a file that is missing or invalid (exit 2).
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
