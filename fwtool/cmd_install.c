// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "install.h"
#include "lock.h"
#include "report.h"

enum { OPT_NO_ACTIVATE = OPT_FIRST_VERB_OPT, OPT_FORCE };

int cmd_install(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		CMD_POLICY_OPTS,
		{"cmdline", required_argument, NULL, OPT_CMDLINE},
		{"no-activate", no_argument, NULL, OPT_NO_ACTIVATE},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	struct install_opts io = {0};
	struct cmd_policy pol = {0};
	struct install_result *res;
	struct verify_policy vp;
	struct progress prog;
	struct config cfg;
	struct board b;
	int o, ret, lockfd = -1;

	while ((o = cmd_next_opt(c, opts, &pol, err)) > CMD_HELP) {
		switch (o) {
		case OPT_CMDLINE: io.cmdline = optarg; break;
		case OPT_NO_ACTIVATE: io.no_activate = 1; break;
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
		ret = cmd_policy(&cfg, &pol, 1, &b, &vp, err);
	if (ret)
		return ret;
	if (!io.cmdline)
		io.cmdline = cfg.cmdline;
	res = calloc(1, sizeof(*res));
	if (!res)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = lock_take(cfg.lockfile, &lockfd, err);
	if (!ret) {
		cmd_progress(c, &prog);
		ret = install_run(&cfg, &vp, &io, &prog, res, err);
		lock_release(&lockfd);
	}
	if (!ret)
		report_install(c->json, res);
	free(res);
	return ret;
}
