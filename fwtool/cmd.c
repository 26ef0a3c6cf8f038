// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "state.h"

/* -v and -q: in force from here on, and over system.conf's log_level */
static int set_level(struct cmd *c, enum log_level level)
{
	c->log_level = (int)level;
	log_set_level(level);
	return 1;
}

int cmd_opt(struct cmd *c, struct cmd_policy *pol, int opt, const char *arg, struct fw_err *err)
{
	switch (opt) {
	case OPT_JSON: c->json = 1; return 1;
	case 'c': c->conf = arg; return 1;
	case 'v': return set_level(c, LOG_DEBUG);
	case 'q': return set_level(c, LOG_ERROR);
	case OPT_EVENTS: c->events = 1; return 1;
	case OPT_PROGRESS: c->progress = 1; return 1;
	case OPT_NO_PROGRESS: c->progress = 0; return 1;
	}
	if (!pol)
		return 0;
	switch (opt) {
	case OPT_KEYRING: pol->keyring = arg; return 1;
	case OPT_FIT_KEYS: pol->fit_keys = arg; return 1;
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

/* "+:" (stop at the first argument, ':' for a missing value) and the
 * table's letters: an option whose val is a letter has that short form */
static void short_opts(const struct option *opts, char *buf, size_t size)
{
	size_t n = 0;

	buf[n++] = '+';
	buf[n++] = ':';
	for (const struct option *o = opts; o->name && n + 3 < size; o++) {
		if (o->val <= 0 || o->val > 127 || !isalpha(o->val))
			continue;
		buf[n++] = (char)o->val;
		if (o->has_arg == required_argument)
			buf[n++] = ':';
	}
	buf[n] = '\0';
}

/* Where an option a verb does not take is taken by another, say which. */
static const char *opt_hint(const char *name)
{
	if (!strcmp(name, "--compatible") || !strcmp(name, "--dtb"))
		return "--compatible and --dtb are for verify and board; install and recover "
		       "take the board's identity from the board (--ignore-compatible skips the "
		       "check where system.conf has allow_ignore_compatible = true)";
	if (!strcmp(name, "--events") || !strcmp(name, "--progress") ||
	    !strcmp(name, "--no-progress"))
		return "progress is for install, recover and verify";
	return NULL;
}

/* The one-line usage error for what getopt_long() refused at @bad. */
static int opt_error(const struct cmd *c, int o, const char *bad, struct fw_err *err)
{
	char name[64];
	const char *hint;

	if (bad[0] == '-' && bad[1] == '-')
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(bad, "="), bad);
	else if (optopt > 0 && optopt < 128)
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%s", bad);
	if (o == ':')
		return fw_error(err, FW_EUSAGE,
				"%s: option '%s' needs a value (see 'fwtool %s --help')", c->name,
				name, c->name);
	if (optopt && strchr(bad, '='))
		return fw_error(err, FW_EUSAGE, "%s: option '%s' takes no value", c->name, name);
	hint = opt_hint(name);
	if (hint)
		return fw_error(err, FW_EUSAGE, "%s: unknown option '%s': %s", c->name, name, hint);
	return fw_error(err, FW_EUSAGE, "%s: unknown option '%s' (see 'fwtool %s --help')", c->name,
			name, c->name);
}

int cmd_next_opt(struct cmd *c, const struct option *opts, struct cmd_policy *pol,
		 struct fw_err *err)
{
	char shorts[64];
	int o, ret;

	short_opts(opts, shorts, sizeof(shorts));
	opterr = 0;
	while ((o = getopt_long(c->argc, c->argv, shorts, opts, NULL)) != -1) {
		ret = cmd_opt(c, pol, o, optarg, err);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (o == 'h')
			return cmd_help(c);
		if (o == '?' || o == ':')
			return opt_error(c, o, c->argv[optind - 1], err);
		return o;
	}
	return 0;
}

int cmd_action(struct cmd *c, const char *action, struct fw_err *err)
{
	const char *verb = c->argv[0], *a = c->argc > 1 ? c->argv[1] : "";

	if (!strcmp(a, action)) {
		snprintf(c->name, sizeof(c->name), "%s %s", verb, action);
		c->argc--;
		c->argv++;
		return 0;
	}
	if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		return cmd_help(c);
	if (a[0] && a[0] != '-')
		return fw_error(err, FW_EUSAGE, "%s: unknown action '%s' (the action is %s)", verb,
				a, action);
	return fw_error(err, FW_EUSAGE,
			"%s: needs an action: fwtool %s %s (see 'fwtool %s --help')", verb, verb,
			action, verb);
}

int cmd_bad_opt(struct cmd *c, struct fw_err *err)
{
	/* the option, not its value: "--since X" leaves optind after X */
	const char *bad = c->argv[optind - 1];

	if (bad[0] != '-' && optind > 1)
		bad = c->argv[optind - 2];
	return fw_error(err, FW_EUSAGE, "%s: unknown option '%.*s' (see 'fwtool %s --help')",
			c->name, (int)strcspn(bad, "="), bad, c->name);
}

/* what every verb's --help ends with */
static const char common_help[] =
	"\nEvery verb also takes:\n"
	"  -c, --conf FILE  system.conf to use (default $FWTOOL_CONF, then\n"
	"                   " CONFIG_DEFAULT_PATH ")\n"
	"  --json           machine-readable output (docs/json.md)\n"
	"  -v, --verbose    debug messages too\n"
	"  -q, --quiet      errors only\n"
	"  -h, --help       this text\n";

int cmd_help(const struct cmd *c)
{
	printf("%s%s", c->usage, common_help);
	return CMD_HELP;
}

int cmd_config(const struct cmd *c, struct config *cfg, int required, struct fw_err *err)
{
	const char *path = c->conf;
	int ret, level;

	if (!path)
		path = getenv("FWTOOL_CONF");
	if (!path) {
		path = CONFIG_DEFAULT_PATH;
		if (!required && access(path, F_OK)) {
			config_defaults(cfg);
			log_debug("no %s: built-in defaults", path);
			return 0;
		}
	}
	ret = config_load(cfg, path, err);
	if (ret)
		return ret;
	level = log_level_parse(cfg->log_level);
	if (c->log_level < 0 && level >= 0)
		log_set_level((enum log_level)level);
	log_debug("configuration %s: bootloader %s, %u slot(s), statedir %s", cfg->path,
		  cfg->bootloader, cfg->nslots, cfg->statedir);
	return 0;
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
	vp->fit_keys = pol->fit_keys ? pol->fit_keys : cfg->fit_keys;
	vp->check_time = cfg->check_time;
	vp->net = (struct download_opts){
		.ca = cfg->dl_ca,
		.client_cert = cfg->dl_client_cert,
		.client_key = cfg->dl_client_key,
		.token = cfg->dl_token,
		.username = cfg->dl_username,
		.password = cfg->dl_password,
		.stall_timeout = cfg->dl_stall_timeout,
		.retries = cfg->dl_retries,
	};
	if (check == CMD_CHECK_NONE)
		return 0;
	if (check == CMD_CHECK_DEVICE) {
		ret = device_board(cfg, pol, err);
		if (ret)
			return ret;
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
