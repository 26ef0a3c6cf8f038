// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "install.h"
#include "lock.h"
#include "output.h"
#include "slot.h"

enum {
	OPT_NO_ACTIVATE = OPT_FIRST_VERB_OPT,
	OPT_SKIP_IF_RUNNING,
	OPT_ID,
	OPT_FORCE,
	OPT_BUNDLE,
	OPT_ALL_SLOTS,
	OPT_TARGET_ROOT,
};

int cmd_install(struct cmd *c, struct fw_err *err)
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
	res = calloc(1, sizeof(*res));
	if (!res)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = lock_take(cfg.lockfile, &lockfd, err);
	if (!ret) {
		cmd_progress(c, &prog);
		ret = install_run(&cfg, &vp, &io, &prog, res, err);
		lock_release(&lockfd);
		snprintf(c->txn_id, sizeof(c->txn_id), "%s", res->txn.id);
	}
	if (!ret)
		output_install(c->json, "fwtool.install/1", res);
	free(res);
	return ret;
}

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

int cmd_recover(struct cmd *c, struct fw_err *err)
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
	struct install_result *res;
	const char *where = NULL, *device = NULL;
	struct verify_policy vp;
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
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_DEVICE, &b, &vp, err);
	if (!ret)
		ret = recover_bootname(&cfg, device, &io.recover_into, err);
	if (ret)
		return ret;
	io.ignore_compatible = pol.ignore_compatible;
	io.bundle = where;
	res = calloc(1, sizeof(*res));
	if (!res)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = lock_take(cfg.lockfile, &lockfd, err);
	if (!ret) {
		cmd_progress(c, &prog);
		ret = install_recover(&cfg, &vp, &io, &prog, res, err);
		lock_release(&lockfd);
		snprintf(c->txn_id, sizeof(c->txn_id), "%s", res->txn.id);
	}
	if (!ret)
		output_install(c->json, "fwtool.recover/1", res);
	free(res);
	return ret;
}
