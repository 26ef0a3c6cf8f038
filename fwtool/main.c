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

#ifndef FWTOOL_VERSION
#error "FWTOOL_VERSION comes from the file VERSION (the Makefile passes it)"
#endif

static const struct verb {
	const char *name;
	int (*fn)(struct cmd *c, struct fw_err *err);
	const char *usage;
} verbs[] = {
#ifdef CONFIG_BUNDLE_CREATE
	{"bundle", cmd_bundle,
	 "usage: fwtool bundle create -o OUT.fwb (--key KEY.pem | --sign-cmd CMD)\n"
	 "         --cert CERT.pem [--chain CHAIN.pem] --version SEMVER\n"
	 "         [--security-version N] --compatible PATTERN [--compatible ...]\n"
	 "         --image CLASS=FILE[:none|gzip|xz|zstd] [...]\n"
	 "         [--chunk-size BYTES] [--description TEXT] [--json]\n"
	 "Write a signed bundle. -o - writes it to standard output.\n"
	 "--sign-cmd runs CMD with the manifest on stdin; it prints a DER\n"
	 "signature, e.g. 'openssl dgst -sha256 -sign key.pem'.\n"},
#endif
	{"info", cmd_info,
	 "usage: fwtool info [--json] [--keyring PATH] [--no-verify] BUNDLE|-\n"
	 "Show a bundle's manifest after checking its signature.\n"},
	{"verify", cmd_verify,
	 "usage: fwtool verify [--json] [--keyring PATH] [--compatible S]...\n"
	 "         [--dtb FILE] [--allow-downgrade] [--progress] BUNDLE|-\n"
	 "Check the signature and chain, every chunk and image hash, the board's\n"
	 "compatibility and the version policy. Exit 0 ok, 3 verification\n"
	 "failed, 4 not for this board.\n"},
	{"board", cmd_board,
	 "usage: fwtool board [--json] [--dtb FILE] [--compatible S]...\n"
	 "Print this board's compatible strings (device tree, DMI, system.conf).\n"},
	{"check-config", cmd_check_config,
	 "usage: fwtool check-config [--json] [--conf FILE]\n"
	 "Load system.conf as every verb does (exit 2 and the file:line of what\n"
	 "is wrong) and print what it found: each slot's device and what it is\n"
	 "(a device number, a file's inode), the checks and the timeouts.\n"},
	{"install", cmd_install,
	 "usage: fwtool install [--json] [--events] [--progress] [--no-activate]\n"
	 "         [--force] [--skip-if-running] [--id ID] [--keyring PATH]\n"
	 "         [--ignore-compatible] [--allow-downgrade] [--cmdline FILE] BUNDLE|-\n"
	 "Verify, then stream every image into the slot that is not running (marked\n"
	 "bad first), read it back, and make it primary with max_tries tries.\n"
	 "An image already in its slot (recorded and re-hashed) is not rewritten\n"
	 "unless --force; --force never skips a verification. --skip-if-running:\n"
	 "nothing to do (exit 0, \"skipped\") when the bundle runs confirmed or is\n"
	 "the pending trial. --id: the transaction's id, chosen by the caller.\n"},
	{"recover", cmd_recover,
	 "usage: fwtool recover [--json] [--bundle PATH] [--all-slots]\n"
	 "         [--target-root DEVICE] [--force] [--keyring PATH] [--compatible S]...\n"
	 "         [--allow-downgrade]\n"
	 "From a recovery system: take the newest acceptable bundle (PATH: a bundle\n"
	 "or a folder of *.fwb; default: the mounted removable media), verify it as\n"
	 "install does, write the slot on DEVICE (default: the first bootname), or\n"
	 "every slot with --all-slots, and leave bootable only what is known good,\n"
	 "the written slot first. The transaction ends 'recovered'.\n"},
#ifdef CONFIG_USB
	{"usb", cmd_usb,
	 "usage: fwtool usb list [--json]\n"
	 "USB devices: VID:PID, bus-port path, product, serial, which are mass\n"
	 "storage, and every DFU interface with its alt settings and names.\n"},
#endif
	{"status", cmd_status,
	 "usage: fwtool status [--json] [--cmdline FILE]\n"
	 "Booted and primary slot, every slot's boot state and content, and the\n"
	 "current or last transaction with its phase.\n"},
	{"history", cmd_history,
	 "usage: fwtool history [--json] [--since ID]\n"
	 "Every ended transaction, oldest first.\n"},
	{"wait", cmd_wait,
	 "usage: fwtool wait [--json] [--timeout SECONDS] [--id ID]\n"
	 "Block until the transaction (the current one, or ID) ends, at most\n"
	 "SECONDS (0: look once). Exit 0 confirmed, 1 failed, 6 rolled back,\n"
	 "7 timed out, 8 installed but not activated, 10 no such transaction.\n"},
	{"mark-good", cmd_mark,
	 "usage: fwtool mark-good [booted|other|SLOT|BOOTNAME]\n"
	 "Full tries for the slot; ends a trial of it as confirmed.\n"},
	{"mark-bad", cmd_mark,
	 "usage: fwtool mark-bad [booted|other|SLOT|BOOTNAME]\n"
	 "Take the slot out of the boot order; ends a trial of it as rolled back.\n"},
	{"mark-active", cmd_mark,
	 "usage: fwtool mark-active [booted|other|SLOT|BOOTNAME]\n"
	 "Make the slot primary with max_tries tries.\n"},
	{"confirm", cmd_confirm,
	 "usage: fwtool confirm [--json] [--no-reboot] [--cmdline FILE]\n"
	 "At boot: if this slot is on trial, run the health checks under the\n"
	 "watchdog and mark it good, or bad and reboot (exit 6). After a fallback,\n"
	 "record why. Otherwise a quiet no-op. Safe to run at every boot.\n"},
	{"rollback", cmd_rollback,
	 "usage: fwtool rollback [--json] [--no-reboot]\n"
	 "Switch to the other good slot and reboot (recorded as manual).\n"},
	{"report", cmd_report,
	 "usage: fwtool report [--json]\n"
	 "Deliver queued final reports to [confirm] report_url (confirm does this\n"
	 "at every boot; run it from a timer for more). Exit 1 if some failed.\n"},
#ifdef CONFIG_BOOT_SIM
	{"sim-boot", cmd_sim_boot,
	 "usage: fwtool sim-boot [--watchdog-reset]\n"
	 "The simulated board's bootloader: pick a slot as boot.cmd does.\n"},
#endif
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
	struct cmd c = {.progress = -1};
	struct fw_err err = {0};
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
			if (err.msg[0]) /* empty: the verb reported already */
				report_error(c.json, &err, c.txn_id);
			return fw_exit_status(ret);
		}
		return 0;
	}
	fprintf(stderr, "fwtool: unknown verb '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
