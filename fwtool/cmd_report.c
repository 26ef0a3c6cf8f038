// SPDX-License-Identifier: GPL-2.0-only
/* fwtool report: deliver the queued final reports */
#include <stdio.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "report_queue.h"

static int parse(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {CMD_COMMON_OPTS, {NULL, 0, NULL, 0}};
	int o = cmd_next_opt(c, opts, NULL, err);

	if (o > CMD_HELP)
		return cmd_bad_opt(c, err);
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "report takes no arguments");
	return 0;
}

static int cmd_report(struct cmd *c, struct fw_err *err)
{
	struct report_queue_result r;
	struct config cfg;
	int ret;

	ret = parse(c, err);
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
		c->reported = 1; /* the document above says it; the exit status stays */
	return ret;
}

const struct cmd_verb cmd_report_verb = {
	"report",
	cmd_report,
	"deliver queued final reports to report_url or report_cmd",
	"usage: fwtool report\n"
	"Deliver queued final reports to [confirm] report_url or report_cmd\n"
	"(confirm does this at every boot; fwtool-report.timer runs it until the\n"
	"queue is empty). Exit 1 while some are still queued.\n",
};
