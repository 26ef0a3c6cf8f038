// SPDX-License-Identifier: GPL-2.0-only
/* err.c: messages that do not fit keep their start and their end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static const char *ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && !strcmp(s + n - m, end) ? s : NULL;
}

static void long_path(char *buf, size_t len)
{
	memcpy(buf, "/var/lib/fwtool/", 16);
	for (size_t i = 16; i < len; i++)
		buf[i] = (char)('a' + i % 26);
	buf[len] = '\0';
}

static void test_short_messages_whole(void **state)
{
	struct fw_err err = {0};

	(void)state;
	assert_int_equal(fw_error(&err, FW_EIO, "write %s: %s", "/x", "Disk full"), FW_EIO);
	assert_string_equal(err.msg, "write /x: Disk full");
	assert_int_equal(fw_error_prefix(&err, "slot %s", "A"), FW_EIO);
	assert_string_equal(err.msg, "slot A: write /x: Disk full");
	assert_int_equal(err.code, FW_EIO);
}

static void test_long_message_keeps_its_end(void **state)
{
	struct fw_err err = {0};
	char path[600];

	(void)state;
	long_path(path, 500);
	fw_error(&err, FW_ENOSPC, "write %s: %s", path, "No space left on device");
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_non_null(ends_with(err.msg, ": No space left on device"));
	assert_memory_equal(err.msg, "write /var/lib/fwtool/", 22);
	assert_non_null(strstr(err.msg, "..."));
}

static void test_prefix_on_a_full_message_keeps_both_ends(void **state)
{
	struct fw_err err = {0};
	char path[600];

	(void)state;
	long_path(path, 300);
	fw_error(&err, FW_EIO, "fsync %s: %s", path, "Input/output error");
	fw_error_prefix(&err, "slot %s", "rootfs.0");
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_memory_equal(err.msg, "slot rootfs.0: fsync /var", 25);
	assert_non_null(ends_with(err.msg, ": Input/output error"));
}

static void test_long_prefix_is_cut_not_the_message(void **state)
{
	struct fw_err err = {0};
	char big[300];

	(void)state;
	long_path(big, 250);
	fw_error(&err, FW_EVERIFY, "signature does not verify");
	fw_error_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.msg), 127 + strlen(": signature does not verify"));
	assert_memory_equal(err.msg, big, 127);
	assert_non_null(ends_with(err.msg, ": signature does not verify"));
}

static void test_exit_statuses_are_the_documented_table(void **state)
{
	static const int table[][2] = {
		{FW_OK, 0},	   {FW_EIO, 1},	       {FW_EUSAGE, 2},	    {FW_EVERIFY, 3},
		{FW_EINCOMPAT, 4}, {FW_EBUSY, 5},      {FW_EROLLEDBACK, 6}, {FW_ENOMEM, 1},
		{FW_ENOSPC, 1},	   {FW_EFORMAT, 3},    {FW_ENOTSUP, 1},	    {FW_ENOTFOUND, 1},
		{FW_ETIMEDOUT, 7}, {FW_ENOTACTIVE, 8}, {FW_ECORRUPT, 9},    {FW_ENOTXN, 10},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		assert_int_equal(fw_exit_status(table[i][0]), table[i][1]);
	assert_int_equal(fw_exit_status(-99), 1);
	assert_string_equal(fw_errcode_name(FW_EVERIFY), "verify");
	assert_string_equal(fw_errcode_name(-99), "io");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_messages_whole),
		cmocka_unit_test(test_long_message_keeps_its_end),
		cmocka_unit_test(test_prefix_on_a_full_message_keeps_both_ends),
		cmocka_unit_test(test_long_prefix_is_cut_not_the_message),
		cmocka_unit_test(test_exit_statuses_are_the_documented_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
