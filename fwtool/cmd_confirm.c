// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "cmd.h"
#include "cmd_verbs.h"
#include "confirm.h"
#include "txn.h"
#include "lock.h"
#include "report_queue.h"
#include "output.h"

enum { OPT_NO_REBOOT = OPT_FIRST_VERB_OPT };

static int parse(struct cmd *c, const char **cmdline, int *no_reboot, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{"cmdline", required_argument, NULL, OPT_CMDLINE},
		{"no-reboot", no_argument, NULL, OPT_NO_REBOOT},
		{NULL, 0, NULL, 0},
	};
	int o;

	/* a verb passes NULL for what it does not take */
	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP) {
		if (o == OPT_CMDLINE && cmdline)
			*cmdline = optarg;
		else if (o == OPT_NO_REBOOT && no_reboot)
			*no_reboot = 1;
		else
			return cmd_bad_opt(c, err);
	}
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "%s takes no arguments", c->name);
	return 0;
}

/* Deliver queued reports; a failure is logged, never a reason to fail. */
static void flush_reports(const struct config *cfg)
{
	struct report_queue_result r;
	struct fw_err e = {0};
	char sink[CONFIG_STR];

	if (!cfg->report_url[0] && !cfg->report_cmd[0])
		return;
	report_queue_sink(cfg, sink, sizeof(sink));
	if (report_queue_flush(cfg, &r, &e))
		log_warn("%s", e.msg);
	else if (r.failed)
		log_warn("%u report(s) not delivered (%s); retried later", r.failed, sink);
}

static int cmd_confirm(struct cmd *c, struct fw_err *err)
{
	const char *cmdline = NULL;
	enum confirm_outcome out;
	struct confirm_opts co;
	struct config cfg;
	struct txn *t = calloc(1, sizeof(*t));
	int ret, no_reboot = 0, lockfd = -1;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = parse(c, &cmdline, &no_reboot, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (!ret)
		ret = lock_take(cfg.lockfile, &lockfd, err);
	if (ret)
		goto out;
	co.cmdline = cmdline ? cmdline : cfg.cmdline;
	co.reboot = !no_reboot;
	ret = confirm_run(&cfg, &co, t, &out, err);
	lock_release(&lockfd);
	flush_reports(&cfg);
	if (ret)
		goto out;
	if (out == CONFIRM_NOTHING) {
		if (c->json)
			printf("{\"schema\": \"fwtool.confirm/1\", \"result\": "
			       "\"nothing-pending\"}\n");
		goto out;
	}
	output_txn(c->json, t);
	/* the document above said it all: exit status only */
	if (out == CONFIRM_ROLLED_BACK)
		ret = fw_error(err, FW_EROLLEDBACK, "confirm: %s rolled back", t->id);
	else if (out == CONFIRM_KEPT)
		ret = fw_error(err, FW_EIO,
			       "confirm: %s failed its checks, with no slot to fall back to",
			       t->id);
	c->reported = ret != 0;
out:
	free(t);
	return ret;
}

static int cmd_rollback(struct cmd *c, struct fw_err *err)
{
	const char *cmdline = NULL;
	struct txn_ctx *x = calloc(1, sizeof(*x));
	struct txn *t = calloc(1, sizeof(*t));
	struct config cfg;
	int ret, no_reboot = 0, reboot = 0, lockfd = -1;

	ret = !x || !t ? fw_error(err, FW_ENOMEM, "out of memory") : 0;
	if (!ret)
		ret = parse(c, &cmdline, &no_reboot, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (!ret)
		ret = lock_take(cfg.lockfile, &lockfd, err);
	if (!ret)
		ret = txn_open(x, &cfg, cmdline ? cmdline : cfg.cmdline, 1, err);
	if (!ret)
		ret = txn_rollback(x, t, &reboot, err);
	if (x)
		txn_close(x);
	lock_release(&lockfd);
	if (!ret) {
		flush_reports(&cfg);
		output_txn(c->json, t);
		if (reboot && !no_reboot && cfg.reboot_cmd[0] && system(cfg.reboot_cmd) != 0)
			ret = fw_error(err, FW_EIO, "'%s' failed", cfg.reboot_cmd);
	}
	free(x);
	free(t);
	return ret;
}

const struct cmd_verb cmd_confirm_verb = {
	"confirm",
	cmd_confirm,
	"at boot: health checks under the watchdog, keep or roll back",
	"usage: fwtool confirm [--no-reboot] [--cmdline FILE]\n"
	"At boot: if this slot is on trial, run the health checks under the\n"
	"watchdog and mark it good, or bad and reboot (exit 6). After a fallback,\n"
	"record why. Otherwise a quiet no-op. Safe to run at every boot.\n"
	"  --no-reboot     after marking the slot bad, do not run reboot_cmd\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};

const struct cmd_verb cmd_rollback_verb = {
	"rollback",
	cmd_rollback,
	"leave the trial, or go back to the other good slot",
	"usage: fwtool rollback [--no-reboot] [--cmdline FILE]\n"
	"Leave a trial (the trial slot marked bad), or with nothing on trial\n"
	"switch to the other slot with confirmed content; recorded as manual.\n"
	"Then reboot.\n"
	"  --no-reboot     switch, but do not run reboot_cmd\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};
