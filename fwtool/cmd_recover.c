// SPDX-License-Identifier: GPL-2.0-only
/* fwtool recover: from recovery media, write a slot from the newest bundle */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_install.h"
#include "cmd_verbs.h"
#include "recover.h"
#include "slot.h"

enum {
	OPT_BUNDLE = OPT_FIRST_VERB_OPT,
	OPT_ALL_SLOTS,
	OPT_TARGET_ROOT,
	OPT_FORCE,
};

/*
 * --target-root DEVICE: the bootname of the slot on DEVICE; else the first
 * that is not running (on recovery media none is: the kernel command line
 * names no slot).
 */
static int recover_bootname(const struct config *cfg, const char *device, const char **out,
			    struct fw_err *err)
{
	const struct config_slot *s;
	const char *names[FW_SLOTS_MAX];
	char booted[FW_BOOTNAME_LEN + 1] = "";
	struct fw_err e = {0};
	unsigned n;

	if (!device) {
		n = slot_bootnames(cfg, names, FW_SLOTS_MAX);
		if (slot_booted(cfg, cfg->cmdline, booted, &e))
			booted[0] = '\0';
		for (unsigned i = 0; i < n; i++)
			if (strcmp(names[i], booted)) {
				*out = names[i];
				return 0;
			}
		return fw_error(err, FW_EUSAGE, "%s has no bootable slot that is not running",
				cfg->path);
	}
	s = slot_by_device(cfg, device);
	if (!s)
		return fw_error(err, FW_EUSAGE, "recover: no slot in %s has device %s", cfg->path,
				device);
	*out = slot_bootname(cfg, s);
	return 0;
}

static int cmd_recover(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		CMD_PROGRESS_OPTS,
		CMD_KEYRING_OPT,
		CMD_IGNORE_COMPAT_OPT,
		CMD_DOWNGRADE_OPT,
		{"bundle", required_argument, NULL, OPT_BUNDLE},
		{"all-slots", no_argument, NULL, OPT_ALL_SLOTS},
		{"target-root", required_argument, NULL, OPT_TARGET_ROOT},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	struct install_opts io = {0};
	struct cmd_policy pol = {0};
	const char *where = NULL, *device = NULL;
	struct verify_policy vp;
	struct config cfg;
	struct board b;
	int o, ret;

	while ((o = cmd_next_opt(c, opts, &pol, err)) > CMD_HELP) {
		switch (o) {
		case OPT_BUNDLE: where = optarg; break;
		case OPT_ALL_SLOTS: io.all_slots = 1; break;
		case OPT_TARGET_ROOT: device = optarg; break;
		case OPT_FORCE: io.force = 1; break;
		default: return cmd_bad_opt(c, err);
		}
	}
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "recover: unexpected argument %s (--bundle PATH)",
				c->argv[optind]);
	ret = cmd_config(c, &cfg, 1, err);
	if (!ret)
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_DEVICE, &b, &vp, err);
	if (!ret)
		ret = recover_bootname(&cfg, device, &io.recover_into, err);
	if (ret)
		return ret;
	io.ignore_compatible = pol.ignore_compatible;
	io.bundle = where;
	return cmd_install_locked(c, &cfg, &vp, &io, 1, err);
}

const struct cmd_verb cmd_recover_verb = {
	"recover",
	cmd_recover,
	"from recovery media: write a slot from a bundle on the stick",
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
	"  --no-progress        no progress bar\n",
};
