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

static const struct verb {
	const char *name;
	int (*fn)(struct cmd *c, struct fw_err *err);
	const char *what; /* one line in fwtool --help */
	const char *usage;
} verbs[] = {
#ifdef CONFIG_BUNDLE_CREATE
	{"bundle", cmd_bundle, "create and sign a bundle (a build host's verb)",
	 "usage: fwtool bundle create -o OUT.fwb (--key KEY.pem | --sign-cmd CMD)\n"
	 "         --cert CERT.pem [--chain CHAIN.pem] --version SEMVER\n"
	 "         [--security-version N] --compatible PATTERN [--compatible ...]\n"
	 "         --image CLASS=FILE[:none|gzip|xz|zstd] [--image ...]\n"
	 "         [--chunk-size BYTES] [--description TEXT]\n"
	 "Write a signed bundle.\n"
	 "  -o, --output OUT      the bundle; - writes it to standard output\n"
	 "  --key KEY.pem         the signer's private key\n"
	 "  --sign-cmd CMD        sign with CMD instead: it gets the manifest on\n"
	 "                        stdin and prints a DER signature\n"
	 "                        ('openssl dgst -sha256 -sign key.pem', a PKCS#11 tool)\n"
	 "  --cert CERT.pem       the signer's certificate\n"
	 "  --chain CHAIN.pem     intermediate certificates up to the keyring's CA\n"
	 "  --version SEMVER      the bundle's version (strict SemVer 2.0.0)\n"
	 "  --security-version N  anti-rollback counter (0..; default 0)\n"
	 "  --compatible PATTERN  a board glob this bundle is for (repeatable)\n"
	 "  --image CLASS=FILE[:COMP]  an image for the slots of CLASS, stored\n"
	 "                        compressed with COMP (default none; repeatable)\n"
	 "  --chunk-size BYTES    authenticated chunk size, a power of two in\n"
	 "                        4096..4194304 (default 1048576)\n"
	 "  --description TEXT    free text shown by info\n"},
#endif
	{"info", cmd_info, "show a bundle's manifest after checking its signature",
	 "usage: fwtool info [--keyring PATH] [--no-verify] BUNDLE|-\n"
	 "Show a bundle's manifest after checking its signature and chain.\n"
	 "  --keyring PATH  CA certificates (and CRLs) to trust: a PEM file or a\n"
	 "                  folder of them (default: system.conf's keyring)\n"
	 "  --no-verify     show the manifest without checking the signature\n"},
	{"verify", cmd_verify, "check a bundle completely, writing nothing",
	 "usage: fwtool verify [--keyring PATH] [--compatible S]... [--dtb FILE]\n"
	 "         [--allow-downgrade] [--events] [--progress|--no-progress] BUNDLE|-\n"
	 "Check the signature and chain, every chunk and image hash, the board's\n"
	 "compatibility and the version policy. Exit 0 ok, 3 verification\n"
	 "failed, 4 not for this board.\n"
	 "  --keyring PATH     CA certificates (and CRLs) to trust\n"
	 "  --compatible S     check against board string S instead of this board's\n"
	 "                     (repeatable), as on a build server\n"
	 "  --dtb FILE         take the board's strings from FILE's root compatible\n"
	 "  --allow-downgrade  accept an older version where system.conf allows it\n"
	 "  --events           progress as JSON lines on stderr\n"
	 "  --progress         a progress bar even when stderr is not a terminal\n"
	 "  --no-progress      no progress bar\n"},
	{"board", cmd_board, "print this board's compatible strings",
	 "usage: fwtool board [--compatible S]... [--dtb FILE]\n"
	 "Print this board's compatible strings (device tree, DMI, system.conf)\n"
	 "and where they came from.\n"
	 "  --compatible S  use S instead (repeatable)\n"
	 "  --dtb FILE      read them from FILE's root compatible\n"},
	{"check-config", cmd_check_config, "load system.conf and say what it resolved to",
	 "usage: fwtool check-config\n"
	 "Load system.conf as every verb does (exit 2 and the file:line of what\n"
	 "is wrong) and print what it found: each slot's device and what it is\n"
	 "(a device number, a file's inode), the checks and the timeouts.\n"},
	{"install", cmd_install, "verify a bundle and stream it into the slots not running",
	 "usage: fwtool install [--no-activate] [--force] [--skip-if-running] [--id ID]\n"
	 "         [--keyring PATH] [--ignore-compatible] [--allow-downgrade]\n"
	 "         [--cmdline FILE] [--events] [--progress|--no-progress] BUNDLE|-\n"
	 "Verify, then stream every image into the slot that is not running (marked\n"
	 "bad first), read it back, and make it primary with max_tries tries.\n"
	 "  --no-activate        write and record, but leave the boot order alone\n"
	 "  --force              rewrite images already in their slot (never skips\n"
	 "                       a verification)\n"
	 "  --skip-if-running    nothing to do (exit 0, \"skipped\") when the bundle\n"
	 "                       runs confirmed or is the pending trial\n"
	 "  --id ID              the transaction's id, chosen by the caller (hex\n"
	 "                       digits and dashes, a UUID)\n"
	 "  --keyring PATH       CA certificates (and CRLs) to trust\n"
	 "  --ignore-compatible  skip the board check where system.conf has\n"
	 "                       allow_ignore_compatible = true (recorded)\n"
	 "  --allow-downgrade    accept an older version where system.conf allows it\n"
	 "  --cmdline FILE       read the booted slot from FILE, not /proc/cmdline\n"
	 "  --events             progress as JSON lines on stderr\n"
	 "  --progress           a progress bar even when stderr is not a terminal\n"
	 "  --no-progress        no progress bar\n"},
	{"recover", cmd_recover, "from recovery media: write a slot from a bundle on the stick",
	 "usage: fwtool recover [--bundle PATH] [--all-slots] [--target-root DEVICE]\n"
	 "         [--force] [--keyring PATH] [--ignore-compatible] [--allow-downgrade]\n"
	 "         [--events] [--progress|--no-progress]\n"
	 "From a recovery system: take the newest acceptable bundle, verify it as\n"
	 "install does, write the slot on DEVICE, or every slot, and leave bootable\n"
	 "only what is known good, the written slot first. The transaction ends\n"
	 "'recovered'.\n"
	 "  --bundle PATH        a bundle, or a folder of *.fwb (default: the\n"
	 "                       mounted removable media)\n"
	 "  --all-slots          write every slot of the group, not one\n"
	 "  --target-root DEVICE the slot to write, by device (default: the\n"
	 "                       first bootname)\n"
	 "  --force              rewrite images already in their slot\n"
	 "  --keyring PATH       CA certificates (and CRLs) to trust\n"
	 "  --ignore-compatible  skip the board check where system.conf allows it\n"
	 "  --allow-downgrade    accept an older version where system.conf allows it\n"
	 "  --events             progress as JSON lines on stderr\n"
	 "  --progress           a progress bar even when stderr is not a terminal\n"
	 "  --no-progress        no progress bar\n"},
#ifdef CONFIG_USB
	{"usb", cmd_usb, "list USB devices, mass storage and DFU interfaces",
	 "usage: fwtool usb list\n"
	 "USB devices: VID:PID, bus-port path, product, serial, which are mass\n"
	 "storage, and every DFU interface with its alt settings and names.\n"},
#endif
	{"status", cmd_status, "slots, boot state and the current transaction",
	 "usage: fwtool status [--cmdline FILE]\n"
	 "Booted and primary slot, every slot's boot state and content, and the\n"
	 "current or last transaction with its phase.\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"history", cmd_history, "every ended transaction",
	 "usage: fwtool history [--since ID]\n"
	 "Every ended transaction, oldest first.\n"
	 "  --since ID  only those after transaction ID\n"},
	{"wait", cmd_wait, "block until the transaction ends; its outcome is the exit code",
	 "usage: fwtool wait [--timeout SECONDS] [--id ID]\n"
	 "Block until the transaction (the current one, or ID) ends. Exit 0\n"
	 "confirmed, 1 failed, 6 rolled back, 7 timed out, 8 installed but not\n"
	 "activated, 10 no such transaction.\n"
	 "  --timeout SECONDS  give up after SECONDS (0: look once; default: wait)\n"
	 "  --id ID            the transaction to wait for\n"},
	{"mark-good", cmd_mark, "give a slot full tries; ends its trial as confirmed",
	 "usage: fwtool mark-good [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	 "Full tries for the slot (default: booted); ends a trial of it as\n"
	 "confirmed, recorded with the reason marked-good.\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"mark-bad", cmd_mark, "take a slot out of the boot order",
	 "usage: fwtool mark-bad [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	 "Take the slot (default: booted) out of the boot order; ends a trial of\n"
	 "it as rolled back. Never the last slot that would boot.\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"mark-active", cmd_mark, "make a slot primary with max_tries tries",
	 "usage: fwtool mark-active [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	 "Make the slot (default: booted) primary with max_tries tries; content\n"
	 "that was never confirmed goes on trial.\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"confirm", cmd_confirm, "at boot: health checks under the watchdog, keep or roll back",
	 "usage: fwtool confirm [--no-reboot] [--cmdline FILE]\n"
	 "At boot: if this slot is on trial, run the health checks under the\n"
	 "watchdog and mark it good, or bad and reboot (exit 6). After a fallback,\n"
	 "record why. Otherwise a quiet no-op. Safe to run at every boot.\n"
	 "  --no-reboot     after marking the slot bad, do not run reboot_cmd\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"rollback", cmd_rollback, "leave the trial, or go back to the other good slot",
	 "usage: fwtool rollback [--no-reboot] [--cmdline FILE]\n"
	 "Leave a trial (the trial slot marked bad), or with nothing on trial\n"
	 "switch to the other slot with confirmed content; recorded as manual.\n"
	 "Then reboot.\n"
	 "  --no-reboot     switch, but do not run reboot_cmd\n"
	 "  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n"},
	{"report", cmd_report, "deliver queued final reports to report_url or report_cmd",
	 "usage: fwtool report\n"
	 "Deliver queued final reports to [confirm] report_url or report_cmd\n"
	 "(confirm does this at every boot; fwtool-report.timer runs it until the\n"
	 "queue is empty). Exit 1 while some are still queued.\n"},
#ifdef CONFIG_BOOT_SIM
	{"sim-boot", cmd_sim_boot, "the simulated board's bootloader (sim builds only)",
	 "usage: fwtool sim-boot [--watchdog-reset]\n"
	 "The simulated board's bootloader: pick a slot as boot.cmd does.\n"
	 "  --watchdog-reset  this boot follows a watchdog reset\n"},
#endif
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fwtool [-c FILE] [--json] [-v|-q] VERB [OPTIONS]\n"
		   "       fwtool --version | --help\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		fprintf(f, "  %-13s %s\n", verbs[i].name, verbs[i].what);
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
		if (strcmp(verbs[v].name, argv[i]))
			continue;
		snprintf(c.name, sizeof(c.name), "%s", verbs[v].name);
		c.argc = argc - i;
		c.argv = argv + i;
		c.usage = verbs[v].usage;
		optind = 0; /* the verb's getopt_long() starts afresh after its name */
		if (c.log_level >= 0)
			log_set_level((enum log_level)c.log_level);
		ret = verbs[v].fn(&c, &err);
		if (ret == CMD_HELP)
			return 0;
		if (ret) {
			output_set_compact(c.events);
			if (err.msg[0]) /* empty: the verb reported already */
				output_error(c.json, &err, c.txn_id);
			return fw_exit_status(ret);
		}
		return 0;
	}
	fprintf(stderr, "fwtool: unknown verb '%s' (see 'fwtool --help')\n", argv[i]);
	return 2;
}
