// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "testutil.h"

#include "board.h"

static void test_board_reads_dtb_compatible_in_order(void **state)
{
	char fdt[1024];
	struct fw_err err = {0};
	struct board b;

	(void)state;
	assert_int_equal(fdt_create(fdt, sizeof(fdt)), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property(fdt, "compatible", "acme,router-x1\0mediatek,mt7622", 31), 0);
	assert_int_equal(fdt_property_string(fdt, "model", "Acme X1"), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	board_init(&b);
	assert_int_equal(board_from_dtb_buf(&b, fdt, fdt_totalsize(fdt), &err), 0);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.strings[0], "acme,router-x1");
	assert_string_equal(b.strings[1], "mediatek,mt7622");
	assert_string_equal(b.model, "Acme X1");
	board_init(&b);
	assert_int_equal(board_from_dtb_buf(&b, fdt, 40, &err), FW_EFORMAT);
}

static void test_board_dmi_skips_placeholders(void **state)
{
	char *dir = testutil_tmpdir(), *p[4];
	struct fw_err err = {0};
	struct board b;

	(void)state;
	p[0] = testutil_write(dir, "sys_vendor", "To be filled by O.E.M.\n", 23);
	p[1] = testutil_write(dir, "board_vendor", "PC Engines\n", 11);
	p[2] = testutil_write(dir, "product_name", "APU2\n", 5);
	p[3] = testutil_write(dir, "board_name", "apu2\n", 5);
	board_init(&b);
	assert_int_equal(board_from_dmi(&b, dir, &err), 0);
	assert_string_equal(b.strings[0], "pc-engines,apu2");
	assert_string_equal(b.strings[1], "pc-engines-apu2");
	for (int i = 0; i < 4; i++)
		free(p[i]);
	testutil_rmrf(dir);
}

static void test_board_match_globs_and_names_both_sides(void **state)
{
	struct fw_err err = {0};
	const char want[2][FW_COMPAT_LEN + 1] = {"acme,other", "acme,router-*"};
	struct board b;

	(void)state;
	board_init(&b);
	assert_int_equal(board_add(&b, "acme,router-x1", &err), 0);
	assert_int_equal(board_match(&b, want, 2, &err), 0);
	board_init(&b);
	assert_int_equal(board_add(&b, "acme,switch-x1", &err), 0);
	assert_int_equal(board_match(&b, want, 2, &err), FW_EINCOMPAT);
	assert_non_null(strstr(err.msg, "acme,router-*"));
	assert_non_null(strstr(err.msg, "acme,switch-x1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_board_reads_dtb_compatible_in_order, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_board_dmi_skips_placeholders, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_board_match_globs_and_names_both_sides, NULL,
						NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
