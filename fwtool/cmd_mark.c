// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "cmd.h"
#include "cmd_verbs.h"
#include "txn.h"
#include "lock.h"
#include "output.h"
#include "slot.h"
#include "state.h"

/* booted | other | SLOT | BOOTNAME -> bootname */
static int resolve(const struct config *cfg, const char *cmdline, const char *what, char *out,
		   struct fw_err *err)
{
	const char *names[BOOT_MAX];
	unsigned n = slot_bootnames(cfg, names, BOOT_MAX);
	char booted[FW_BOOTNAME_LEN + 1];
	const struct config_slot *s;
	int ret;

	if (!strcmp(what, "booted") || !strcmp(what, "other")) {
		ret = slot_booted(cfg, cmdline, booted, err);
		if (ret)
			return ret;
		if (!strcmp(what, "booted")) {
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", booted);
			return 0;
		}
		if (n != 2)
			return fw_error(err, FW_EUSAGE, "'other' needs exactly two bootnames");
		snprintf(out, FW_BOOTNAME_LEN + 1, "%s",
			 strcmp(names[0], booted) ? names[0] : names[1]);
		return 0;
	}
	s = config_slot_by_name(cfg, what);
	if (s) {
		snprintf(out, FW_BOOTNAME_LEN + 1, "%s", slot_bootname(cfg, s));
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], what)) {
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", what);
			return 0;
		}
	return fw_error(err, FW_EUSAGE, "no slot or bootname '%s'", what);
}

static int cmd_mark(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{"cmdline", required_argument, NULL, OPT_CMDLINE},
		{NULL, 0, NULL, 0},
	};
	static const struct {
		const char *verb;
		enum boot_mark m;
	} verbs[] = {{"mark-good", BOOT_MARK_GOOD},
		     {"mark-bad", BOOT_MARK_BAD},
		     {"mark-active", BOOT_MARK_ACTIVE}};
	char bn[FW_BOOTNAME_LEN + 1];
	const char *cmdline = NULL, *what = "booted";
	struct txn_ctx *x;
	struct txn *t;
	struct config cfg;
	enum boot_mark m = BOOT_MARK_GOOD;
	int o, ret, lockfd = -1;

	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(c->argv[0], verbs[i].verb))
			m = verbs[i].m;
	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP) {
		if (o != OPT_CMDLINE)
			return cmd_bad_opt(c, err);
		cmdline = optarg;
	}
	if (o)
		return o;
	if (optind < c->argc)
		what = c->argv[optind++];
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "%s: one slot at most", c->argv[0]);
	ret = cmd_config(c, &cfg, 1, err);
	if (!cmdline)
		cmdline = cfg.cmdline;
	if (!ret)
		ret = resolve(&cfg, cmdline, what, bn, err);
	if (!ret)
		ret = lock_take(cfg.lockfile, &lockfd, err);
	if (ret)
		return ret;
	x = calloc(1, sizeof(*x));
	t = calloc(1, sizeof(*t));
	ret = !x || !t ? fw_error(err, FW_ENOMEM, "out of memory") : 0;
	if (!ret)
		ret = txn_open(x, &cfg, cmdline, 0, err);
	if (!ret)
		ret = txn_mark(x, bn, m, t, err);
	if (x)
		txn_close(x);
	lock_release(&lockfd);
	if (!ret)
		output_mark(c->json, c->argv[0], what, bn, t->state ? t : NULL);
	free(x);
	free(t);
	return ret;
}

const struct cmd_verb cmd_mark_good_verb = {
	"mark-good",
	cmd_mark,
	"give a slot full tries; ends its trial as confirmed",
	"usage: fwtool mark-good [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	"Full tries for the slot (default: booted); ends a trial of it as\n"
	"confirmed, recorded with the reason marked-good.\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};

const struct cmd_verb cmd_mark_bad_verb = {
	"mark-bad",
	cmd_mark,
	"take a slot out of the boot order",
	"usage: fwtool mark-bad [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	"Take the slot (default: booted) out of the boot order; ends a trial of\n"
	"it as rolled back. Never the last slot that would boot.\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};

const struct cmd_verb cmd_mark_active_verb = {
	"mark-active",
	cmd_mark,
	"make a slot primary with max_tries tries",
	"usage: fwtool mark-active [--cmdline FILE] [booted|other|SLOT|BOOTNAME]\n"
	"Make the slot (default: booted) primary with max_tries tries; content\n"
	"that was never confirmed goes on trial.\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};
