// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confirm.h"
#include "health.h"
#include "outbox.h"
#include "slot.h"
#include "watchdog.h"

int confirm_commit(const struct config *cfg, struct boot *b, struct txn *t, const char *detail,
		   struct fw_err *err)
{
	int ret = boot_mark(b, t->target, BOOT_MARK_GOOD, err);

	/* the floor rises only now: a rolled-back slot never locks us out */
	if (!ret)
		ret = state_secver_raise(cfg->statedir, t->security_version, err);
	if (!ret)
		ret = state_txn_end(cfg->statedir, t, TXN_CONFIRMED, "", detail, err);
	if (!ret)
		outbox_put(cfg, t);
	return ret;
}

int confirm_rollback(const struct config *cfg, struct boot *b, struct txn *t, const char *reason,
		     const char *detail, struct fw_err *err)
{
	int ret = boot_mark(b, t->target, BOOT_MARK_BAD, err);

	if (!ret)
		ret = state_txn_end(cfg->statedir, t, TXN_ROLLED_BACK, reason, detail, err);
	if (!ret)
		outbox_put(cfg, t);
	return ret;
}

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

static int trial(const struct config *cfg, const struct confirm_opts *o, struct boot *b,
		 struct txn *t, enum confirm_outcome *outcome, struct fw_err *err)
{
	char detail[256];
	struct watchdog wd;
	int ret, ok;

	ret = watchdog_open(&wd, cfg->wd_device, cfg->wd_timeout, err);
	if (ret)
		return ret;
	snprintf(t->phase, sizeof(t->phase), "health checks");
	ret = state_txn_save(cfg->statedir, t, err);
	ok = health_run(cfg, t, pet, &wd);
	if (!ret && ok) {
		ret = confirm_commit(cfg, b, t, "", err);
		*outcome = CONFIRM_CONFIRMED;
		/* handed over: magic close where the driver allows it */
		watchdog_close(&wd, !ret);
		return ret;
	}
	failed_detail(t, detail, sizeof(detail));
	if (!ret)
		ret = confirm_rollback(cfg, b, t, "health-check-failed", detail, err);
	*outcome = CONFIRM_ROLLED_BACK;
	/* stays armed: if the reboot hangs, the watchdog resets the board */
	watchdog_close(&wd, 0);
	if (!ret && o->reboot && cfg->reboot_cmd[0] && system(cfg->reboot_cmd) != 0)
		ret = fw_error(err, FW_EIO, "rolled back, but '%s' failed", cfg->reboot_cmd);
	return ret;
}

/* The slot we run keeps full tries: RAUC-style scripts count every boot. */
static int refresh(const struct config *cfg, struct boot *b, const char *booted, struct fw_err *err)
{
	struct boot_slot_state st;
	int ret = boot_get_state(b, booted, &st, err);

	if (!ret && st.good && st.left < cfg->max_tries)
		ret = boot_mark(b, booted, BOOT_MARK_GOOD, err);
	return ret;
}

int confirm_run(const struct config *cfg, const struct confirm_opts *o, struct txn *t,
		enum confirm_outcome *outcome, struct fw_err *err)
{
	char booted[FW_BOOTNAME_LEN + 1];
	struct boot_slot_state st;
	struct fw_err e = {0};
	struct boot b = {0};
	int ret;

	*outcome = CONFIRM_NOTHING;
	ret = state_history_sync(cfg->statedir, err);
	if (!ret)
		ret = boot_open(&b, cfg, err);
	if (!ret)
		ret = slot_booted(cfg, o->cmdline, booted, err);
	if (ret)
		goto out;
	if (state_txn_load(cfg->statedir, t, &e)) {
		ret = refresh(cfg, &b, booted, err);
		goto out;
	}
	if (t->state == TXN_INSTALLING) {
		/*
		 * The install was cut short (power loss, crash). The target
		 * was out of the boot order from before its first byte until
		 * the activation store, so running it means that store
		 * happened and only the save after it was lost: a trial.
		 */
		if (strcmp(booted, t->target)) {
			ret = state_txn_end(cfg->statedir, t, TXN_FAILED, "interrupted",
					    "the install was cut short (power loss or crash)", err);
			if (!ret)
				outbox_put(cfg, t);
			if (!ret)
				ret = refresh(cfg, &b, booted, err);
			goto out;
		}
		t->state = TXN_ACTIVATED;
	}
	if (t->state != TXN_ACTIVATED) {
		ret = refresh(cfg, &b, booted, err);
		goto out;
	}
	if (!strcmp(booted, t->target)) {
		ret = trial(cfg, o, &b, t, outcome, err);
		goto out;
	}
	ret = boot_get_state(&b, t->target, &st, err);
	if (ret || (st.good && st.left >= cfg->max_tries && !st.tried))
		goto out; /* activated, but the reboot has not happened yet */
	/* we run the previous slot and the trial slot was tried: fallen back */
	if (watchdog_caused_reset(cfg->wd_device))
		ret = confirm_rollback(cfg, &b, t, "watchdog-reset",
				       "the watchdog reset the board during the trial", err);
	else
		ret = confirm_rollback(cfg, &b, t, "tries-exhausted",
				       "the bootloader ran out of tries and fell back", err);
	*outcome = CONFIRM_ROLLED_BACK;
	if (!ret)
		ret = refresh(cfg, &b, booted, err);
out:
	boot_close(&b);
	return ret;
}
