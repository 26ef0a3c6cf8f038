// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confirm.h"
#include "txn.h"
#include "health.h"
#include "watchdog.h"

static void pet(void *ctx)
{
	watchdog_ping(ctx);
}

/* The one-line reason: the first failed required check and its last line. */
static void failed_detail(const struct txn *t, char *out, size_t size)
{
	for (unsigned i = 0; i < t->nchecks; i++) {
		const struct txn_check *c = &t->checks[i];
		const char *last;
		size_t n;

		if (!c->required || c->passed)
			continue;
		n = strlen(c->tail);
		while (n && c->tail[n - 1] == '\n')
			n--;
		last = c->tail + n;
		while (last > c->tail && last[-1] != '\n')
			last--;
		snprintf(out, size, "check %s failed: %.*s", c->name, (int)(c->tail + n - last),
			 last);
		return;
	}
	snprintf(out, size, "a required check failed");
}

static int reject(struct txn_ctx *x, const struct confirm_opts *o, struct txn *t,
		  const char *reason, const char *detail, enum confirm_outcome *outcome,
		  int *reboot, struct fw_err *err)
{
	int ret = txn_reject(x, t, reason, detail, reboot, err);

	*outcome = x->cur.state == TXN_FAILED ? CONFIRM_KEPT : CONFIRM_ROLLED_BACK;
	if (!ret && *reboot && o->reboot && x->cfg->reboot_cmd[0] &&
	    system(x->cfg->reboot_cmd) != 0)
		ret = fw_error(err, FW_EIO, "rolled back, but '%s' failed", x->cfg->reboot_cmd);
	return ret;
}

static int trial(struct txn_ctx *x, const struct confirm_opts *o, struct txn *t,
		 enum confirm_outcome *outcome, struct fw_err *err)
{
	const struct config *cfg = x->cfg;
	char detail[256];
	struct watchdog wd;
	int ret, ok, reboot = 0;

	ret = watchdog_open(&wd, cfg->wd_device, cfg->wd_timeout, err);
	if (ret)
		return ret;
	/* not saved: a cut during the checks finds the trial as the install
	 * left it, and settles it the same way (two fsyncs saved per boot) */
	snprintf(t->phase, sizeof(t->phase), "health checks");
	ok = health_run(cfg, t->id, t->target, t->checks, FW_CHECKS_MAX, &t->nchecks, pet, &wd);
	if (!ret && ok) {
		ret = txn_commit(x, t, "", "", err);
		*outcome = CONFIRM_CONFIRMED;
		/* handed over: magic close where the driver allows it */
		watchdog_close(&wd, !ret);
		return ret;
	}
	failed_detail(t, detail, sizeof(detail));
	if (!ret)
		ret = reject(x, o, t, "health-check-failed", detail, outcome, &reboot, err);
	/* armed through a reboot, so a hanging reboot still resets the board;
	 * handed over when the slot is kept because nothing else can boot */
	watchdog_close(&wd, !ret && !reboot);
	return ret;
}

int confirm_run(const struct config *cfg, const struct confirm_opts *o, struct txn *out,
		enum confirm_outcome *outcome, struct fw_err *err)
{
	struct txn_ctx *x = malloc(sizeof(*x));
	struct txn *scratch = malloc(sizeof(*scratch)), *t = NULL;
	const char *refuse = NULL;
	int ret, settled = 0, reboot = 0;

	*outcome = CONFIRM_NOTHING;
	if (!x || !scratch) {
		free(x);
		free(scratch);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	ret = txn_open(x, cfg, o->cmdline, 1, err);
	if (!ret)
		ret = txn_at_boot(x, scratch, &t, &refuse, &settled, err);
	if (!ret && t && refuse)
		ret = reject(x, o, t, refuse, t->detail, outcome, &reboot, err);
	else if (!ret && t)
		ret = trial(x, o, t, outcome, err);
	else if (!ret && settled)
		*outcome = x->cur.state == TXN_ROLLED_BACK ? CONFIRM_ROLLED_BACK : CONFIRM_SETTLED;
	*out = x->cur;
	txn_close(x);
	free(x);
	free(scratch);
	return ret;
}
