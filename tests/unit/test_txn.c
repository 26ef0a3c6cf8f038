// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transaction lifecycle's decisions, below the CLI: a sim board in a
 * temporary directory (system.conf, the sim bootloader's file, the kernel
 * command line, slots.json written by hand), and txn.c called directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "fdio.h"
#include "config.h"
#include "state.h"
#include "txn.h"

struct fx {
	char *dir;
	struct config cfg;
	struct txn_ctx x;
	struct txn t;
};

static void put(struct fx *f, const char *name, const char *text)
{
	free(testutil_write(f->dir, name, text, strlen(text)));
}

static char *get(struct fx *f, const char *name)
{
	char *path, *buf = NULL;
	struct fw_err err = {0};

	assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
	if (fd_read_file(path, 1 << 20, &buf, NULL, &err))
		buf = strdup("");
	free(path);
	return buf;
}

/* A board booted into @booted, with @env as the sim bootloader's file. */
static void board(struct fx *f, const char *booted, const char *env)
{
	static const char conf[] =
		"[system]\ncompatible = fwtool,sim\nbootloader = sim\n"
		"statedir = state\ncmdline = cmdline\nmax_tries = 3\n"
		"[sim]\nenv = bootenv\n[confirm]\nreport_url = http://127.0.0.1:9/r\n"
		"[slot.rootfs.0]\ndevice = a.img\ntype = file\nbootname = A\n"
		"[slot.rootfs.1]\ndevice = b.img\ntype = file\nbootname = B\n";
	char cmdline[64], *path;
	struct fw_err err = {0};

	put(f, "system.conf", conf);
	put(f, "bootenv", env);
	snprintf(cmdline, sizeof(cmdline), "fwtool.slot=%s\n", booted);
	put(f, "cmdline", cmdline);
	assert_true(asprintf(&path, "%s/system.conf", f->dir) > 0);
	assert_int_equal(config_load(&f->cfg, path, &err), 0);
	free(path);
}

static void record(struct fx *f, const char *slot, const char *status, int confirmed)
{
	struct slot_record r = {.size = 1, .confirmed = confirmed, .security_version = 4};
	struct fw_err err = {0};

	snprintf(r.status, sizeof(r.status), "%s", status);
	snprintf(r.version, sizeof(r.version), "1.1.0");
	snprintf(r.txn, sizeof(r.txn), "w-1");
	assert_int_equal(state_slot_put(f->cfg.statedir, slot, &r, &err), 0);
}

static void pending(struct fx *f, enum txn_state st, const char *target)
{
	struct fw_err err = {0};

	state_txn_new(&f->t);
	f->t.state = st;
	f->t.security_version = 4;
	snprintf(f->t.kind, sizeof(f->t.kind), "install");
	snprintf(f->t.target, sizeof(f->t.target), "%s", target);
	assert_int_equal(state_txn_save(f->cfg.statedir, &f->t, &err), 0);
}

static void open_ctx(struct fx *f)
{
	struct fw_err err = {0};

	assert_int_equal(txn_open(&f->x, &f->cfg, f->cfg.cmdline, 1, &err), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = testutil_tmpdir();
	assert_int_equal(chdir(f->dir), 0); /* system.conf's relative paths */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	txn_close(&f->x);
	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

static void test_txn_end_cut_short_is_finished_by_the_next_open(void **state)
{
	struct fx *f = *state;
	char *hist, *floor, *slots;

	board(f, "B", "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n");
	record(f, "rootfs.1", "ok", 0);
	pending(f, TXN_CONFIRMED, "B"); /* saved ended, then the power went */
	open_ctx(f);
	hist = get(f, "state/history.jsonl");
	floor = get(f, "state/security-version");
	slots = get(f, "state/slots.json");
	assert_non_null(strstr(hist, f->t.id));
	assert_string_equal(floor, "4\n");
	assert_non_null(strstr(slots, "\"confirmed\":true"));
	free(hist);
	txn_close(&f->x);
	open_ctx(f); /* and only once */
	hist = get(f, "state/history.jsonl");
	assert_non_null(strstr(hist, f->t.id));
	assert_null(strstr(strstr(hist, f->t.id) + 1, f->t.id));
	free(hist);
	free(floor);
	free(slots);
}

static void test_txn_booted_content_never_confirmed_is_a_trial(void **state)
{
	struct fx *f = *state;
	struct txn scratch, *trial;
	struct fw_err err = {0};
	const char *refuse;
	int settled;

	board(f, "B", "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=2\n");
	record(f, "rootfs.1", "ok", 0); /* no transaction says so: fw_setenv by hand */
	open_ctx(f);
	assert_int_equal(txn_at_boot(&f->x, &scratch, &trial, &refuse, &settled, &err), 0);
	assert_ptr_equal(trial, &scratch);
	assert_null(refuse);
	assert_string_equal(trial->kind, "boot");
	assert_string_equal(trial->target, "B");
	assert_int_equal(trial->security_version, 4);
}

static void test_txn_half_written_booted_slot_is_refused_unchecked(void **state)
{
	struct fx *f = *state;
	struct txn scratch, *trial;
	struct fw_err err = {0};
	const char *refuse;
	int settled, reboot;

	board(f, "B", "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=2\n");
	record(f, "rootfs.1", "writing", 0);
	open_ctx(f);
	assert_int_equal(txn_at_boot(&f->x, &scratch, &trial, &refuse, &settled, &err), 0);
	assert_non_null(refuse);
	assert_int_equal(txn_reject(&f->x, trial, refuse, trial->detail, &reboot, &err), 0);
	assert_true(reboot); /* A came with the board: something to fall back to */
	assert_int_equal(f->x.cur.state, TXN_ROLLED_BACK);
}

static void test_txn_fallen_back_trial_ends_rolled_back(void **state)
{
	struct fx *f = *state;
	struct txn scratch, *trial;
	struct fw_err err = {0};
	const char *refuse;
	int settled;
	char *env;

	board(f, "A", "BOOT_ORDER=B A\nBOOT_A_LEFT=2\nBOOT_B_LEFT=0\n");
	record(f, "rootfs.1", "ok", 0);
	pending(f, TXN_ACTIVATED, "B");
	open_ctx(f);
	assert_int_equal(txn_at_boot(&f->x, &scratch, &trial, &refuse, &settled, &err), 0);
	assert_null(trial);
	assert_true(settled);
	assert_int_equal(f->x.cur.state, TXN_ROLLED_BACK);
	assert_string_equal(f->x.cur.reason, "tries-exhausted");
	env = get(f, "bootenv");
	assert_non_null(strstr(env, "BOOT_ORDER=A\n"));
	assert_non_null(strstr(env, "BOOT_A_LEFT=3\n")); /* the running slot refreshed */
	free(env);
}

static void test_txn_mark_active_refuses_half_written(void **state)
{
	struct fx *f = *state;
	struct fw_err err = {0};

	board(f, "A", "BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n");
	record(f, "rootfs.1", "failed", 0);
	open_ctx(f);
	assert_int_equal(txn_mark(&f->x, "B", BOOT_MARK_ACTIVE, &f->t, &err), FW_EUSAGE);
	assert_non_null(strstr(err.msg, "half-written"));
}

static void test_txn_mark_active_of_unconfirmed_content_begins_a_trial(void **state)
{
	struct fx *f = *state;
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t));

	board(f, "A", "BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n");
	record(f, "rootfs.1", "ok", 0);
	open_ctx(f);
	assert_int_equal(txn_mark(&f->x, "B", BOOT_MARK_ACTIVE, t, &err), 0);
	assert_int_equal(t->state, TXN_ACTIVATED);
	assert_string_equal(t->kind, "mark-active");
	assert_true(txn_trial_target(&f->x, "B"));
	free(t);
}

static void test_txn_rollback_before_the_reboot_cancels(void **state)
{
	struct fx *f = *state;
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t));
	int reboot;
	char *env;

	board(f, "A", "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n");
	record(f, "rootfs.1", "ok", 0);
	pending(f, TXN_ACTIVATED, "B");
	open_ctx(f);
	assert_int_equal(txn_rollback(&f->x, t, &reboot, &err), 0);
	assert_false(reboot);
	assert_int_equal(t->state, TXN_ROLLED_BACK);
	assert_string_equal(t->reason, "manual");
	env = get(f, "bootenv");
	assert_non_null(strstr(env, "BOOT_ORDER=A\n"));
	free(env);
	free(t);
}

static void test_txn_a_pending_transaction_ends_before_another_begins(void **state)
{
	struct fx *f = *state;
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t));

	board(f, "A", "BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n");
	pending(f, TXN_INSTALLED, "B");
	open_ctx(f);
	txn_begin(&f->x, t, "install", "B");
	t->state = TXN_INSTALLING;
	assert_int_equal(txn_save(&f->x, t, &err), FW_EUSAGE);
	assert_int_equal(txn_end(&f->x, t, TXN_FAILED, "x", "y", &err), FW_EUSAGE);
	assert_string_equal(f->x.cur.id, f->t.id); /* untouched */
	free(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_txn_end_cut_short_is_finished_by_the_next_open),
		T(test_txn_booted_content_never_confirmed_is_a_trial),
		T(test_txn_half_written_booted_slot_is_refused_unchecked),
		T(test_txn_fallen_back_trial_ends_rolled_back),
		T(test_txn_mark_active_refuses_half_written),
		T(test_txn_mark_active_of_unconfirmed_content_begins_a_trial),
		T(test_txn_rollback_before_the_reboot_cancels),
		T(test_txn_a_pending_transaction_ends_before_another_begins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
