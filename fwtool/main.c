// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwtool: verify signed bundles, stage them into the inactive A/B slots,
 * switch through the bootloader, confirm under a watchdog, report.
 * This file only dispatches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_verbs.h"
#include "log.h"
#include "report.h"

#define FWTOOL_VERSION "0.1.0"

static const struct verb {
	const char *name;
	int (*fn)(struct cmd *c, struct fw_err *err);
	const char *usage;
} verbs[] = {
	{ "bundle", cmd_bundle,
	  "usage: fwtool bundle create -o OUT.fwb (--key KEY.pem | --sign-cmd CMD)\n"
	  "         --cert CERT.pem [--chain CHAIN.pem] --version SEMVER\n"
	  "         [--security-version N] --compatible PATTERN [--compatible ...]\n"
	  "         --image CLASS=FILE[:none|gzip|xz|zstd] [...]\n"
	  "         [--chunk-size BYTES] [--description TEXT] [--json]\n"
	  "Write a signed bundle. -o - writes it to standard output.\n"
	  "--sign-cmd runs CMD with the manifest on stdin; it prints a DER\n"
	  "signature, e.g. 'openssl dgst -sha256 -sign key.pem'.\n" },
	{ "info", cmd_info,
	  "usage: fwtool info [--json] [--keyring PATH] [--no-verify] BUNDLE|-\n"
	  "Show a bundle's manifest after checking its signature.\n" },
	{ "verify", cmd_verify,
	  "usage: fwtool verify [--json] [--keyring PATH] [--compatible S]...\n"
	  "         [--dtb FILE] [--allow-downgrade] [--progress] BUNDLE|-\n"
	  "Check the signature and chain, every chunk and image hash, the board's\n"
	  "compatibility and the version policy. Exit 0 ok, 3 verification\n"
	  "failed, 4 not for this board.\n" },
	{ "board", cmd_board,
	  "usage: fwtool board [--json] [--dtb FILE] [--compatible S]...\n"
	  "Print this board's compatible strings (device tree, DMI, system.conf).\n" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fwtool [--conf FILE] [--json] VERB [OPTIONS]\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		fprintf(f, "  %s\n", verbs[i].name);
	fprintf(f, "\n'fwtool VERB --help' describes each. Exit codes: 0 done, 1 failed,\n"
		   "2 usage, 3 verification failed, 4 not compatible, 5 busy,\n"
		   "6 rolled back.\n");
}

int main(int argc, char **argv)
{
	struct cmd c = { .progress = -1 };
	struct fw_err err = { 0 };
	int i, ret;

	/* global options before the verb */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			c.json = 1;
		} else if (!strcmp(argv[i], "--conf") && i + 1 < argc) {
			c.conf = argv[++i];
		} else if (!strcmp(argv[i], "--version")) {
			printf("fwtool %s\n", FWTOOL_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "fwtool: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(*verbs); v++) {
		if (strcmp(verbs[v].name, argv[i]))
			continue;
		c.argc = argc - i;
		c.argv = argv + i;
		c.usage = verbs[v].usage;
		ret = verbs[v].fn(&c, &err);
		if (ret == CMD_HELP)
			return 0;
		if (ret) {
			report_set_compact(c.events);
			report_error(c.json, &err);
			return fw_exit_status(ret);
		}
		return 0;
	}
	fprintf(stderr, "fwtool: unknown verb '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
