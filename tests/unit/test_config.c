// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "config.h"

static const char good[] = "# a comment\n"
			   "[system]\n"
			   "compatible = acme,router-x1\n"
			   "bootloader = uboot\n"
			   "statedir = state\n"
			   "max_tries = 5\n"
			   "check_time = false\n"
			   "[slot.rootfs.0]\n"
			   "device = /dev/vda2\n"
			   "type = block\n"
			   "bootname = A\n"
			   "[slot.rootfs.1]\n"
			   "device = /dev/vda3\n"
			   "type = block\n"
			   "bootname = B\n"
			   "[slot.appfs.1]\n"
			   "device = b.img\n"
			   "type = file\n"
			   "parent = rootfs.1\n"
			   "[check.ping]\n"
			   "command = ping -c1 gw\n"
			   "required = false\n";

static void test_config_parses_sections_and_slots(void **state)
{
	struct fw_err err = {0};
	struct config c;
	char *dir = testutil_tmpdir(),
	     *path = testutil_write(dir, "system.conf", good, strlen(good));
	char want[600];

	(void)state;
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_string_equal(c.compatible, "acme,router-x1");
	assert_int_equal(c.max_tries, 5);
	assert_int_equal(c.check_time, 0);
	assert_int_equal(c.nslots, 3);
	assert_string_equal(config_slot_by_name(&c, "rootfs.1")->bootname, "B");
	/* relative paths resolve against the file's directory */
	snprintf(want, sizeof(want), "%s/b.img", dir);
	assert_string_equal(config_slot_by_name(&c, "appfs.1")->device, want);
	snprintf(want, sizeof(want), "%s/state/lock", dir);
	assert_string_equal(c.lockfile, want);
	assert_int_equal(c.nchecks, 1);
	assert_int_equal(c.checks[0].required, 0);
	free(path);
	testutil_rmrf(dir);
}

/* ubiN:NAME names a UBI volume, not a file: it is not made a path */
static void test_config_ubi_volume_by_name_is_not_a_path(void **state)
{
	static const char text[] =
		"[system]\nbootloader = grub\n"
		"[slot.rootfs.0]\ndevice = ubi0:root-a\ntype = ubivol\n"
		"bootname = A\n"
		"[slot.rootfs.1]\ndevice = ubi0_1\ntype = ubivol\nbootname = B\n";
	struct fw_err err = {0};
	struct config c;
	char *dir = testutil_tmpdir(),
	     *path = testutil_write(dir, "system.conf", text, strlen(text));
	char want[600];

	(void)state;
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_string_equal(config_slot_by_name(&c, "rootfs.0")->device, "ubi0:root-a");
	assert_string_equal(config_slot_by_name(&c, "rootfs.0")->type, "ubivol");
	snprintf(want, sizeof(want), "%s/ubi0_1", dir); /* a relative node is a path */
	assert_string_equal(config_slot_by_name(&c, "rootfs.1")->device, want);
	free(path);
	testutil_rmrf(dir);
}

static void expect_error(const char *text, const char *needle)
{
	struct fw_err err = {0};
	struct config c;

	assert_int_equal(config_load_string(&c, text, "t.conf", &err), FW_EUSAGE);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' lacks '%s'", err.msg, needle);
}

static void test_config_names_line_of_unknown_key(void **state)
{
	(void)state;
	expect_error("[system]\nbootloader = sim\n\ncolour = blue\n",
		     "t.conf:4: [system] unknown key 'colour'");
	expect_error("[sytem]\nbootloader = sim\n", "t.conf:2: unknown section [sytem]");
}

static void test_config_rejects_bad_values(void **state)
{
	(void)state;
	expect_error("[system]\nbootloader = sim\nmax_tries = 10\n", "max_tries");
	expect_error("[system]\nbootloader = sim\nmax_tries = -1\n", "max_tries");
	expect_error("[system]\nbootloader = sim\ncheck_time = maybe\n", "check_time");
	expect_error("[system]\nstatedir = /x\n", "bootloader is required");
	expect_error("[system]\nbootloader = sim\n[slot.rootfs]\ndevice = x\n", "[slot.CLASS.N]");
	expect_error("[system]\nbootloader = sim\n[slot.rootfs.0]\ndevice = x\ntype = file\n",
		     "exactly one of bootname and parent");
	expect_error(
		"[system]\nbootloader = sim\n[slot.a.0]\ndevice = x\ntype = file\nparent = b.0\n",
		"parent 'b.0' is not a slot");
	expect_error("[system]\nbootloader = sim\n[check.x]\ntimeout = 3\n", "needs a command");
	expect_error("garbage line\n", "syntax error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_parses_sections_and_slots, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_config_ubi_volume_by_name_is_not_a_path, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_config_names_line_of_unknown_key, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_config_rejects_bad_values, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
