// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "state.h"

static int count;

static void counter(void *ctx, const struct txn *t)
{
	(void)ctx;
	(void)t;
	count++;
}

static void test_state_txn_roundtrip_and_history(void **state)
{
	char *dir = testutil_tmpdir();
	struct fw_err err = {0};
	struct txn t, back;

	(void)state;
	state_txn_new(&t);
	assert_int_equal(strlen(t.id), 36);
	assert_int_equal(t.id[14], '4'); /* UUID v4 */
	t.state = TXN_ACTIVATED;
	strcpy(t.target, "B");
	t.nchecks = 1;
	strcpy(t.checks[0].name, "ping");
	strcpy(t.checks[0].tail, "line \"quoted\"\n");
	assert_int_equal(state_txn_save(dir, &t, &err), 0);
	assert_int_equal(state_txn_load(dir, &back, &err), 0);
	assert_string_equal(back.id, t.id);
	assert_int_equal(back.state, TXN_ACTIVATED);
	assert_string_equal(back.checks[0].tail, "line \"quoted\"\n");
	assert_int_equal(state_txn_end(dir, &t, TXN_CONFIRMED, "", "ok", &err), 0);
	/* a second sync must not append the same transaction again */
	assert_int_equal(state_history_sync(dir, &err), 0);
	count = 0;
	assert_int_equal(state_history_each(dir, counter, NULL, &err), 0);
	assert_int_equal(count, 1);
	testutil_rmrf(dir);
}

static void test_state_torn_history_line_is_skipped(void **state)
{
	char *dir = testutil_tmpdir(), *path;
	struct fw_err err = {0};
	struct txn t;
	FILE *f;

	(void)state;
	state_txn_new(&t);
	assert_int_equal(state_txn_end(dir, &t, TXN_FAILED, "x", "y", &err), 0);
	assert_true(asprintf(&path, "%s/history.jsonl", dir) > 0);
	f = fopen(path, "a");
	fputs("{\"id\":\"torn\",\"state\":\"confir", f); /* power cut mid-append */
	fclose(f);
	count = 0;
	assert_int_equal(state_history_each(dir, counter, NULL, &err), 0);
	assert_int_equal(count, 1);
	free(path);
	testutil_rmrf(dir);
}

static void test_state_secver_only_rises(void **state)
{
	char *dir = testutil_tmpdir();
	struct fw_err err = {0};
	uint64_t v;

	(void)state;
	assert_int_equal(state_secver_get(dir, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(state_secver_raise(dir, 5, &err), 0);
	assert_int_equal(state_secver_raise(dir, 3, &err), 0);
	assert_int_equal(state_secver_get(dir, &v, &err), 0);
	assert_int_equal(v, 5);
	testutil_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_txn_roundtrip_and_history, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_torn_history_line_is_skipped, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_state_secver_only_rises, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
