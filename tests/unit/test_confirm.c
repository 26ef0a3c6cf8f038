// SPDX-License-Identifier: GPL-2.0-only
/*
 * confirm_run() below the CLI: a sim board in a temporary directory that
 * booted the target of an activated install, its health checks real shell
 * commands, its watchdog the sim board's log file. What confirm commits
 * or rolls back, what it leaves in the bootloader, the slot records, the
 * security floor, history, and what the watchdog saw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "boot.h"
#include "confirm.h"
#include "fdio.h"
#include "state.h"

struct fx {
	char *dir;
	struct config cfg;
	struct txn t;
	struct fw_err err;
	enum confirm_outcome out;
};

static void put(struct fx *f, const char *name, const char *text)
{
	free(testutil_write(f->dir, name, text, strlen(text)));
}

static char *get(struct fx *f, const char *name)
{
	char path[4200], *buf = NULL;
	struct fw_err err = {0};

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	if (fd_read_file(path, 1 << 20, &buf, NULL, &err))
		buf = strdup("");
	return buf;
}

static void slot(struct fx *f, const char *name, int confirmed)
{
	struct slot_record r = {.size = 1, .confirmed = confirmed, .security_version = 4};
	struct fw_err err = {0};

	snprintf(r.status, sizeof(r.status), "ok");
	snprintf(r.version, sizeof(r.version), confirmed ? "1.0.0" : "1.1.0");
	snprintf(r.txn, sizeof(r.txn), "t-1");
	assert_int_equal(state_slot_put(f->cfg.statedir, name, &r, &err), 0);
}

/*
 * Booted into B, the target of an activated install (B first with one try
 * used), A confirmed; @checks are [check.*] sections.
 */
static void trial(struct fx *f, const char *checks)
{
	char conf[4096];
	struct fw_err err = {0};

	snprintf(conf, sizeof(conf),
		 "[system]\ncompatible = fwtool,sim\nbootloader = sim\n"
		 "statedir = state\ncmdline = cmdline\nmax_tries = 3\n"
		 "[sim]\nenv = bootenv\n[watchdog]\ndevice = wd.log\ntimeout = 30\n"
		 "[confirm]\nhealth_dir = health.d\nreboot_cmd = false\ncheck_timeout = 2\n"
		 "[slot.rootfs.0]\ndevice = a.img\ntype = file\nbootname = A\n"
		 "[slot.rootfs.1]\ndevice = b.img\ntype = file\nbootname = B\n%s",
		 checks);
	put(f, "system.conf", conf);
	put(f, "bootenv", "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=2\n");
	put(f, "cmdline", "console=ttyS0 fwtool.slot=B\n");
	put(f, "wd.log", "");
	assert_int_equal(mkdir("health.d", 0755), 0);
	assert_int_equal(config_load_string(&f->cfg, conf, "system.conf", &err), 0);
	slot(f, "rootfs.0", 1);
	slot(f, "rootfs.1", 0);
	state_txn_new(&f->t);
	f->t.state = TXN_ACTIVATED;
	f->t.security_version = 4;
	snprintf(f->t.kind, sizeof(f->t.kind), "install");
	snprintf(f->t.target, sizeof(f->t.target), "B");
	snprintf(f->t.previous, sizeof(f->t.previous), "A");
	snprintf(f->t.version, sizeof(f->t.version), "1.1.0");
	assert_int_equal(state_txn_save(f->cfg.statedir, &f->t, &err), 0);
}

static int run(struct fx *f)
{
	struct confirm_opts o = {.cmdline = f->cfg.cmdline, .reboot = 0};

	return confirm_run(&f->cfg, &o, &f->t, &f->out, &f->err);
}

static void assert_primary(struct fx *f, const char *want)
{
	struct boot b;
	char got[FW_BOOTNAME_LEN + 1];
	struct fw_err err = {0};

	assert_int_equal(boot_open(&b, &f->cfg, &err), 0);
	assert_int_equal(boot_get_primary(&b, got, &err), 0);
	boot_close(&b);
	assert_string_equal(got, want);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = testutil_tmpdir();
	assert_int_equal(chdir(f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

static void test_checks_pass_commit_and_raise_the_floor(void **state)
{
	struct fx *f = *state;
	struct slot_record r;
	uint64_t floor = 0;
	char *wd, *hist;

	trial(f, "[check.ok]\ncommand = test \"$FWTOOL_SLOT\" = B\n"
		 "[check.two]\ncommand = true\n");
	assert_int_equal(run(f), 0);
	assert_int_equal(f->out, CONFIRM_CONFIRMED);
	assert_int_equal(f->t.state, TXN_CONFIRMED);
	assert_int_equal(f->t.nchecks, 2);
	assert_true(f->t.checks[0].passed && f->t.checks[1].passed);
	assert_primary(f, "B");
	assert_int_equal(state_slot_get(f->cfg.statedir, "rootfs.1", &r, &f->err), 0);
	assert_true(r.confirmed);
	assert_int_equal(state_secver_get(f->cfg.statedir, &floor, &f->err), 0);
	assert_int_equal(floor, 4);
	hist = get(f, "state/history.jsonl");
	assert_non_null(strstr(hist, f->t.id));
	assert_non_null(strstr(hist, "\"confirmed\""));
	free(hist);
	wd = get(f, "wd.log"); /* armed for the checks, closed with the magic 'V' */
	assert_non_null(strstr(wd, "open"));
	assert_non_null(strstr(wd, "close magic"));
	free(wd);
}

static void test_failed_required_check_rolls_back_with_its_name(void **state)
{
	struct fx *f = *state;
	struct slot_record r;
	uint64_t floor = 0;
	char *wd;

	trial(f, "[check.db]\ncommand = echo db is down; exit 1\n");
	assert_int_equal(run(f), 0);
	assert_int_equal(f->out, CONFIRM_ROLLED_BACK);
	assert_int_equal(f->t.state, TXN_ROLLED_BACK);
	assert_string_equal(f->t.reason, "health-check-failed");
	assert_non_null(strstr(f->t.detail, "db"));
	assert_non_null(strstr(f->t.checks[0].tail, "db is down"));
	assert_primary(f, "A");
	assert_int_equal(state_slot_get(f->cfg.statedir, "rootfs.1", &r, &f->err), 0);
	assert_false(r.confirmed);
	assert_int_equal(state_secver_get(f->cfg.statedir, &floor, &f->err), 0);
	assert_int_equal(floor, 0); /* never raised for content that failed */
	wd = get(f, "wd.log"); /* a rollback leaves it armed through the reboot */
	assert_non_null(strstr(wd, "close armed"));
	free(wd);
}

static void test_wanted_check_failing_changes_nothing(void **state)
{
	struct fx *f = *state;

	trial(f, "[check.metrics]\ncommand = false\nrequired = false\n");
	assert_int_equal(run(f), 0);
	assert_int_equal(f->out, CONFIRM_CONFIRMED);
	assert_false(f->t.checks[0].passed);
	assert_false(f->t.checks[0].required);
	assert_primary(f, "B");
}

static void test_hanging_check_times_out_and_fails(void **state)
{
	struct fx *f = *state;
	char *wd;

	trial(f, "[check.hang]\ncommand = sleep 30\ntimeout = 1\n");
	assert_int_equal(run(f), 0);
	assert_int_equal(f->out, CONFIRM_ROLLED_BACK);
	assert_false(f->t.checks[0].passed);
	assert_true(f->t.checks[0].duration_ms < 10000);
	wd = get(f, "wd.log"); /* petted while it waited */
	assert_non_null(strstr(wd, "ping"));
	free(wd);
}

static void test_nothing_on_trial_writes_no_outcome(void **state)
{
	struct fx *f = *state;

	trial(f, "[check.ok]\ncommand = true\n");
	assert_int_equal(run(f), 0); /* confirmed once */
	assert_int_equal(f->out, CONFIRM_CONFIRMED);
	assert_int_equal(run(f), 0); /* and at the next boot: nothing on trial */
	assert_int_equal(f->out, CONFIRM_NOTHING);
	assert_int_equal(f->t.state, TXN_CONFIRMED); /* the same transaction, unchanged */
	assert_primary(f, "B");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_checks_pass_commit_and_raise_the_floor),
		T(test_failed_required_check_rolls_back_with_its_name),
		T(test_wanted_check_failing_changes_nothing),
		T(test_hanging_check_times_out_and_fails),
		T(test_nothing_on_trial_writes_no_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
