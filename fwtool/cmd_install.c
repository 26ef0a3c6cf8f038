// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_install.h"
#include "cmd_verbs.h"
#include "install.h"
#include "recover.h"
#include "lock.h"
#include "output.h"
#include "slot.h"

enum {
	OPT_NO_ACTIVATE = OPT_FIRST_VERB_OPT,
	OPT_SKIP_IF_RUNNING,
	OPT_ID,
	OPT_FORCE,
};

int cmd_install_locked(struct cmd *c, const struct config *cfg, const struct verify_policy *vp,
		       const struct install_opts *io, int recover, struct fw_err *err)
{
	struct install_result *res = calloc(1, sizeof(*res));
	struct progress prog;
	int ret, lockfd = -1;

	if (!res)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = lock_take(cfg->lockfile, &lockfd, err);
	if (!ret) {
		cmd_progress(c, &prog);
		ret = recover ? recover_run(cfg, vp, io, &prog, res, err)
			      : install_run(cfg, vp, io, &prog, res, err);
		lock_release(&lockfd);
		snprintf(c->txn_id, sizeof(c->txn_id), "%s", res->txn.id);
	}
	if (!ret)
		output_install(c->json, recover ? "fwtool.recover/1" : "fwtool.install/1", res);
	free(res);
	return ret;
}

static int cmd_install(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		CMD_PROGRESS_OPTS,
		CMD_KEYRING_OPT,
		CMD_IGNORE_COMPAT_OPT,
		CMD_DOWNGRADE_OPT,
		CMD_CMDLINE_OPT,
		{"no-activate", no_argument, NULL, OPT_NO_ACTIVATE},
		{"skip-if-running", no_argument, NULL, OPT_SKIP_IF_RUNNING},
		{"id", required_argument, NULL, OPT_ID},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	struct install_opts io = {0};
	struct cmd_policy pol = {0};
	struct verify_policy vp;
	struct config cfg;
	struct board b;
	int o, ret;

	while ((o = cmd_next_opt(c, opts, &pol, err)) > CMD_HELP) {
		switch (o) {
		case OPT_CMDLINE: io.cmdline = optarg; break;
		case OPT_NO_ACTIVATE: io.no_activate = 1; break;
		case OPT_SKIP_IF_RUNNING: io.skip_if_running = 1; break;
		case OPT_ID: io.id = optarg; break;
		case OPT_FORCE: io.force = 1; break;
		default: return cmd_bad_opt(c, err);
		}
	}
	if (o)
		return o;
	if (optind + 1 != c->argc)
		return fw_error(err, FW_EUSAGE,
				"install: needs exactly one BUNDLE (or - for stdin)");
	io.bundle = c->argv[optind];
	ret = cmd_config(c, &cfg, 1, err);
	if (!ret)
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_DEVICE, &b, &vp, err);
	if (ret)
		return ret;
	if (!io.cmdline)
		io.cmdline = cfg.cmdline;
	io.ignore_compatible = pol.ignore_compatible;
	return cmd_install_locked(c, &cfg, &vp, &io, 0, err);
}

const struct cmd_verb cmd_install_verb = {
	"install",
	cmd_install,
	"verify a bundle and stream it into the slots not running",
	"usage: fwtool install [--no-activate] [--force] [--skip-if-running] [--id ID]\n"
	"         [--keyring PATH] [--ignore-compatible] [--allow-downgrade]\n"
	"         [--cmdline FILE] [--events] [--progress|--no-progress] BUNDLE|URL|-\n"
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
	"  --no-progress        no progress bar\n",
};
