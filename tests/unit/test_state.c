// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "fdio.h"
#include "state.h"

struct seen {
	unsigned n;
	char last[40];
};

static void counter(void *ctx, const struct txn *t)
{
	struct seen *s = ctx;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", t->id);
}

static char *file_of(const char *dir, const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

static void append_raw(const char *dir, const char *text)
{
	char *path = file_of(dir, "history.jsonl");
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void ended(struct txn *t, enum txn_state s)
{
	state_txn_new(t);
	t->state = s;
	strcpy(t->kind, "install");
}

static void test_state_txn_roundtrip(void **state)
{
	char *dir = testutil_tmpdir();
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t)), *back = calloc(1, sizeof(*back));

	(void)state;
	state_txn_new(t);
	assert_int_equal(strlen(t->id), 36);
	assert_int_equal(t->id[14], '4'); /* UUID v4 */
	assert_int_equal(state_txn_load(dir, back, &err), FW_ENOTXN);
	t->state = TXN_RECOVERED;
	strcpy(t->kind, "recover");
	strcpy(t->target, "B");
	t->ignored_compatible = 1;
	t->nchecks = 1;
	strcpy(t->checks[0].name, "ping");
	strcpy(t->checks[0].tail, "line \"quoted\"\n");
	assert_int_equal(state_txn_save(dir, t, &err), 0);
	assert_int_equal(state_txn_load(dir, back, &err), 0);
	assert_string_equal(back->id, t->id);
	assert_string_equal(back->kind, "recover");
	assert_int_equal(back->state, TXN_RECOVERED);
	assert_false(txn_ended(back->state)); /* recovered is a trial, not an end */
	assert_int_equal(back->ignored_compatible, 1);
	assert_string_equal(back->checks[0].tail, "line \"quoted\"\n");
	free(t);
	free(back);
	testutil_rmrf(dir);
}

static void test_state_corrupt_transaction_is_named(void **state)
{
	char *dir = testutil_tmpdir(), *path;
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t));

	(void)state;
	path = testutil_write(dir, "transaction.json", "{\"id\": \"x\", \"state\": ", 21);
	assert_int_equal(state_txn_load(dir, t, &err), FW_ECORRUPT);
	assert_non_null(strstr(err.msg, "transaction.json"));
	assert_non_null(strstr(err.msg, "move it aside"));
	free(path);
	free(t);
	testutil_rmrf(dir);
}

static void test_state_history_from_the_end(void **state)
{
	char *dir = testutil_tmpdir();
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t)), *found = calloc(1, sizeof(*found));
	char ids[3][40], last[40];
	struct seen s = {0};

	(void)state;
	assert_int_equal(state_history_last_id(dir, last, sizeof(last), &err), 0);
	assert_string_equal(last, "");
	for (int i = 0; i < 3; i++) {
		ended(t, TXN_CONFIRMED);
		snprintf(t->version, sizeof(t->version), "1.%d.0", i);
		strcpy(ids[i], t->id);
		assert_int_equal(state_history_append(dir, t, &err), 0);
	}
	assert_int_equal(state_history_last_id(dir, last, sizeof(last), &err), 0);
	assert_string_equal(last, ids[2]);
	assert_int_equal(state_history_find(dir, ids[0], found, &err), 0);
	assert_string_equal(found->version, "1.0.0");
	assert_int_equal(state_history_find(dir, "nope", found, &err), FW_ENOTXN);
	assert_int_equal(state_history_each(dir, ids[0], counter, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.last, ids[2]);
	s.n = 0;
	assert_int_equal(state_history_each(dir, ids[2], counter, &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(state_history_each(dir, "nope", counter, &s, &err), FW_ENOTXN);
	free(t);
	free(found);
	testutil_rmrf(dir);
}

static void test_state_torn_history_line_is_skipped_then_cut(void **state)
{
	char *dir = testutil_tmpdir(), *path, *text = NULL;
	struct fw_err err = {0};
	struct txn *t = calloc(1, sizeof(*t));
	struct seen s = {0};
	char last[40], first[40];
	size_t len;

	(void)state;
	ended(t, TXN_FAILED);
	strcpy(first, t->id);
	assert_int_equal(state_history_append(dir, t, &err), 0);
	append_raw(dir, "{\"id\":\"torn\",\"state\":\"confir"); /* power cut mid-append */
	assert_int_equal(state_history_each(dir, NULL, counter, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(state_history_last_id(dir, last, sizeof(last), &err), 0);
	assert_string_equal(last, first);
	/* the next record starts its own line: the torn one is cut off */
	ended(t, TXN_CONFIRMED);
	assert_int_equal(state_history_append(dir, t, &err), 0);
	path = file_of(dir, "history.jsonl");
	assert_int_equal(fd_read_file(path, 1 << 20, &text, &len, &err), 0);
	assert_null(strstr(text, "torn"));
	assert_int_equal(text[len - 1], '\n');
	s.n = 0;
	assert_int_equal(state_history_each(dir, NULL, counter, &s, &err), 0);
	assert_int_equal(s.n, 2);
	free(text);
	free(path);
	free(t);
	testutil_rmrf(dir);
}

static void test_state_record_is_bounded(void **state)
{
	struct txn *t = calloc(1, sizeof(*t)), *back = calloc(1, sizeof(*back));
	struct fw_err err = {0};
	char *json;

	(void)state;
	ended(t, TXN_CONFIRMED);
	t->nchecks = FW_CHECKS_MAX;
	for (unsigned i = 0; i < t->nchecks; i++) {
		snprintf(t->checks[i].name, sizeof(t->checks[i].name), "noisy-%u", i);
		memset(t->checks[i].tail, 1, FW_CHECK_TAIL - 2); /* \u0001: 6 bytes each */
		t->checks[i].tail[FW_CHECK_TAIL - 2] = 'Z';
	}
	json = state_txn_json(t);
	assert_non_null(json);
	assert_true(strlen(json) <= FW_TXN_JSON_MAX);
	assert_int_equal(state_txn_parse(back, json, strlen(json), &err), 0);
	assert_int_equal(back->nchecks, FW_CHECKS_MAX);
	/* the end of each output is what is kept */
	assert_int_equal(back->checks[0].tail[strlen(back->checks[0].tail) - 1], 'Z');
	free(json);
	free(t);
	free(back);
}

static void test_state_slots_confirm_and_factory(void **state)
{
	static const char *const slots[] = {"rootfs.1", "fw.1"};
	char *dir = testutil_tmpdir(), *path;
	struct fw_err err = {0};
	struct slot_record r = {.size = 10, .security_version = 4};

	(void)state;
	strcpy(r.status, "ok");
	strcpy(r.version, "1.1.0");
	assert_int_equal(state_slot_put(dir, "rootfs.1", &r, &err), 0);
	assert_int_equal(state_slots_confirm(dir, slots, 2, &err), 0);
	assert_int_equal(state_slot_get(dir, "rootfs.1", &r, &err), 0);
	assert_true(r.confirmed);
	assert_false(r.factory);
	assert_int_equal(r.security_version, 4);
	assert_int_equal(state_slot_get(dir, "fw.1", &r, &err), 0);
	assert_true(r.confirmed);
	assert_true(r.factory);
	path = testutil_write(dir, "slots.json", "[1,", 3);
	assert_int_equal(state_slot_get(dir, "fw.1", &r, &err), FW_ECORRUPT);
	assert_non_null(strstr(err.msg, "slots.json"));
	free(path);
	testutil_rmrf(dir);
}

static void test_state_secver_only_rises(void **state)
{
	char *dir = testutil_tmpdir(), *path;
	struct fw_err err = {0};
	uint64_t v;

	(void)state;
	assert_int_equal(state_secver_get(dir, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(state_secver_raise(dir, 5, &err), 0);
	assert_int_equal(state_secver_raise(dir, 3, &err), 0);
	assert_int_equal(state_secver_get(dir, &v, &err), 0);
	assert_int_equal(v, 5);
	path = testutil_write(dir, "security-version", "five\n", 5);
	assert_int_equal(state_secver_get(dir, &v, &err), FW_ECORRUPT);
	free(path);
	testutil_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_txn_roundtrip, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_corrupt_transaction_is_named, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_state_history_from_the_end, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_torn_history_line_is_skipped_then_cut,
						NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_record_is_bounded, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_slots_confirm_and_factory, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_state_secver_only_rises, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
