// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwtool: verify signed bundles, stage them into the inactive A/B slots,
 * switch through the bootloader, confirm under a watchdog, report.
 * This file only dispatches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#include "cmd_verbs.h"
#include "log.h"
#include "output.h"

#ifndef FWTOOL_VERSION
#error "FWTOOL_VERSION comes from the file VERSION (the Makefile passes it)"
#endif

static const struct cmd_verb *const verbs[] = {
#ifdef CONFIG_BUNDLE_CREATE
	&cmd_bundle_verb,
#endif
	&cmd_info_verb,		&cmd_verify_verb,   &cmd_board_verb,
	&cmd_check_config_verb, &cmd_install_verb,  &cmd_recover_verb,
#ifdef CONFIG_USB
	&cmd_usb_verb,
#endif
	&cmd_status_verb,	&cmd_history_verb,  &cmd_wait_verb,
	&cmd_mark_good_verb,	&cmd_mark_bad_verb, &cmd_mark_active_verb,
	&cmd_confirm_verb,	&cmd_rollback_verb, &cmd_report_verb,
#ifdef CONFIG_BOOT_SIM
	&cmd_sim_boot_verb,
#endif
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fwtool [-c FILE] [--json] [-v|-q] VERB [OPTIONS]\n"
		   "       fwtool --version | --help\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		fprintf(f, "  %-13s %s\n", verbs[i]->name, verbs[i]->what);
	fprintf(f,
		"\noptions (before the verb, or after it):\n"
		"  -c, --conf FILE  system.conf (default $FWTOOL_CONF, then " CONFIG_DEFAULT_PATH
		")\n"
		"  --json           machine-readable output\n"
		"  -v, --verbose    debug messages too\n"
		"  -q, --quiet      errors only\n"
		"  --version        print the version\n"
		"  -h, --help       this text\n"
		"\n'fwtool VERB --help' describes each verb; man fwtool, man fwtool-system.conf.\n"
		"Exit codes: 0 done, 1 failed, 2 usage or configuration, 3 verification\n"
		"failed, 4 not compatible, 5 busy, 6 rolled back, 7 timed out, 8 not\n"
		"activated, 9 local state corrupt, 10 no such transaction.\n");
}

/* The options before the verb: the same as every verb's common ones. */
static int global_opts(int argc, char **argv, struct cmd *c)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"conf", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:c:vqh", opts, NULL)) != -1) {
		switch (o) {
		case 'j': c->json = 1; break;
		case 'c': c->conf = optarg; break;
		case 'v': c->log_level = LOG_DEBUG; break;
		case 'q': c->log_level = LOG_ERROR; break;
		case 'V': printf("fwtool %s\n", FWTOOL_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "fwtool: option '%s' needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "fwtool: unknown option '%s' (see 'fwtool --help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cmd c = {.progress = -1, .log_level = -1};
	struct fw_err err = {0};
	int i, ret;

	ret = global_opts(argc, argv, &c);
	if (ret >= 0)
		return ret;
	i = optind;
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(*verbs); v++) {
		if (strcmp(verbs[v]->name, argv[i]))
			continue;
		snprintf(c.name, sizeof(c.name), "%s", verbs[v]->name);
		c.argc = argc - i;
		c.argv = argv + i;
		c.usage = verbs[v]->usage;
		optind = 0; /* the verb's getopt_long() starts afresh after its name */
		if (c.log_level >= 0)
			log_set_level((enum log_level)c.log_level);
		ret = verbs[v]->fn(&c, &err);
		if (ret == CMD_HELP)
			return 0;
		if (ret) {
			output_set_compact(c.events);
			if (!c.reported) /* else the verb printed its failure */
				output_error(c.json, &err, c.txn_id);
			return fw_exit_status(ret);
		}
		return 0;
	}
	fprintf(stderr, "fwtool: unknown verb '%s' (see 'fwtool --help')\n", argv[i]);
	return 2;
}
