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

int cmd_report(struct cmd *c, struct fw_err *err)
{
	struct report_queue_result r;
	struct config cfg;
	int ret;

	ret = parse(c, NULL, NULL, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (!ret && !cfg.report_url[0] && !cfg.report_cmd[0])
		ret = fw_error(err, FW_EUSAGE, "no report_url or report_cmd in %s", cfg.path);
	if (!ret)
		ret = report_queue_flush(&cfg, &r, err);
	if (!ret && c->json)
		printf("{\"schema\": \"fwtool.report/1\", \"sent\": %u, \"failed\": %u, "
		       "\"waiting\": %u}\n",
		       r.sent, r.failed, r.waiting);
	else if (!ret)
		printf("reports: %u sent, %u failed (retried later), %u waiting\n", r.sent,
		       r.failed, r.waiting);
	/* a timer runs this until the queue is empty: say so while it is not */
	if (!ret && (r.failed || r.waiting))
		ret = fw_error(err, FW_EIO,
			       "%u report(s) still queued (%u failed now, %u waiting "
			       "for their next try)",
			       r.failed + r.waiting, r.failed, r.waiting);
	if (ret && c->json && r.sent + r.failed + r.waiting)
		err->msg[0] = '\0'; /* the document above says it; the exit status stays */
	return ret;
}

int cmd_confirm(struct cmd *c, struct fw_err *err)
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
		ret = fw_error(err, FW_EROLLEDBACK, "%s", "");
	else if (out == CONFIRM_KEPT)
		ret = fw_error(err, FW_EIO, "%s", "");
out:
	free(t);
	return ret;
}

int cmd_rollback(struct cmd *c, struct fw_err *err)
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
