// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "testutil.h"

#include "grubenv.h"

static void test_grubenv_set_get_unset_keeps_padding(void **state)
{
	struct fw_err err = {0};
	struct grubenv e, e2;
	char v[64];

	(void)state;
	grubenv_create(&e);
	assert_int_equal(grubenv_set(&e, "ORDER", "A B", &err), 0);
	assert_int_equal(grubenv_set(&e, "A_LEFT", "3", &err), 0);
	assert_int_equal(grubenv_set(&e, "ORDER", "B", &err), 0); /* shrinks in place */
	assert_int_equal(grubenv_set(&e, "A_LEFT", "10", &err), 0); /* grows in place */
	assert_true(grubenv_get(&e, "ORDER", v, sizeof(v)));
	assert_string_equal(v, "B");
	assert_true(strstr(e.buf, "ORDER=B\nA_LEFT=10\n") != NULL);
	grubenv_unset(&e, "ORDER");
	assert_false(grubenv_get(&e, "ORDER", v, sizeof(v)));
	assert_int_equal(e.size, 1024);
	assert_int_equal(e.buf[1023], '#');
	assert_int_equal(grubenv_parse(&e2, e.buf, e.size, &err), 0);
}

static void test_grubenv_escapes_backslash_and_newline(void **state)
{
	struct fw_err err = {0};
	struct grubenv e;
	char v[64];

	(void)state;
	grubenv_create(&e);
	assert_int_equal(grubenv_set(&e, "X", "a\\b\nc", &err), 0);
	assert_non_null(strstr(e.buf, "X=a\\\\b\\\nc\n"));
	assert_true(grubenv_get(&e, "X", v, sizeof(v)));
	assert_string_equal(v, "a\\b\nc");
}

static void test_grubenv_full_block_refuses(void **state)
{
	struct fw_err err = {0};
	struct grubenv e;
	char big[1100];

	(void)state;
	grubenv_create(&e);
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(grubenv_set(&e, "BIG", big, &err), FW_ENOSPC);
	assert_non_null(strstr(err.msg, "too small"));
}

static void test_grubenv_rejects_bad_blocks(void **state)
{
	struct fw_err err = {0};
	struct grubenv e;
	char b[1024];

	(void)state;
	memset(b, '#', sizeof(b));
	assert_int_equal(grubenv_parse(&e, b, sizeof(b), &err), FW_ECORRUPT);
	grubenv_create(&e);
	memcpy(b, e.buf, sizeof(b));
	memcpy(b + 200, "X=1", 3); /* no newline before the padding */
	assert_int_equal(grubenv_parse(&e, b, sizeof(b), &err), FW_ECORRUPT);
	/* the last newline is escaped: a line appended after it would join it */
	memcpy(b + 200, "#x\\\n", 4);
	assert_int_equal(grubenv_parse(&e, b, sizeof(b), &err), FW_ECORRUPT);
	assert_non_null(strstr(err.msg, "not terminated"));
	/* an escaped backslash before the newline is a terminated line */
	b[199] = '\n';
	memcpy(b + 200, "X=\\\\\n", 5);
	assert_int_equal(grubenv_parse(&e, b, sizeof(b), &err), 0);
	assert_true(grubenv_get(&e, "X", b, sizeof(b)));
	assert_string_equal(b, "\\");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grubenv_set_get_unset_keeps_padding, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_grubenv_escapes_backslash_and_newline, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_grubenv_full_block_refuses, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_grubenv_rejects_bad_blocks, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
