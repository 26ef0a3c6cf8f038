// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "install.h"
#include "lock.h"
#include "recover.h"
#include "report.h"
#include "slot.h"

enum {
	OPT_NO_ACTIVATE = OPT_FIRST_VERB_OPT,
	OPT_FORCE,
	OPT_BUNDLE,
	OPT_ALL_SLOTS,
	OPT_TARGET_ROOT,
};

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
		report_install(c->json, "fwtool.install/1", res);
	free(res);
	return ret;
}

/* --target-root DEVICE: the bootname of the slot on DEVICE; else the first */
static int recover_bootname(const struct config *cfg, const char *device, const char **out,
			    struct fw_err *err)
{
	const struct config_slot *s;
	const char *names[FW_SLOTS_MAX];

	if (!device) {
		if (!slot_bootnames(cfg, names, FW_SLOTS_MAX))
			return fw_error(err, FW_EUSAGE, "%s has no bootable slot", cfg->path);
		*out = names[0];
		return 0;
	}
	s = slot_by_device(cfg, device);
	if (!s)
		return fw_error(err, FW_EUSAGE, "recover: no slot in %s has device %s", cfg->path,
				device);
	*out = slot_bootname(cfg, s);
	return 0;
}

int cmd_recover(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		CMD_POLICY_OPTS,
		{"bundle", required_argument, NULL, OPT_BUNDLE},
		{"all-slots", no_argument, NULL, OPT_ALL_SLOTS},
		{"target-root", required_argument, NULL, OPT_TARGET_ROOT},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	struct install_opts io = {0};
	struct cmd_policy pol = {0};
	struct install_result *res;
	const char *where = NULL, *device = NULL;
	struct verify_policy vp;
	char bundle[4096];
	struct progress prog;
	struct config cfg;
	struct board b;
	int o, ret, lockfd = -1;

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
		ret = cmd_policy(&cfg, &pol, 1, &b, &vp, err);
	if (!ret)
		ret = recover_bootname(&cfg, device, &io.recover_into, err);
	if (!ret)
		ret = recover_find(where, &vp, bundle, sizeof(bundle), err);
	if (ret)
		return ret;
	io.bundle = bundle;
	res = calloc(1, sizeof(*res));
	if (!res)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = lock_take(cfg.lockfile, &lockfd, err);
	if (!ret) {
		cmd_progress(c, &prog);
		ret = install_recover(&cfg, &vp, &io, &prog, res, err);
		lock_release(&lockfd);
	}
	if (!ret)
		report_install(c->json, "fwtool.recover/1", res);
	free(res);
	return ret;
}
