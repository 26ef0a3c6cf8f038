// SPDX-License-Identifier: GPL-2.0-only
/* The A/B rules of boot.c, one case per rule, on the model alone. */
#include <string.h>

#include "testutil.h"

#include "boot.h"

static const char *const ab[] = {"A", "B"};

static char *order(const struct boot_env *env)
{
	static char buf[64];

	boot_env_format_order(env, buf, sizeof(buf));
	return buf;
}

static void test_boot_parse_order_drops_repeats_and_strangers(void **state)
{
	struct boot_env env;

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_parse_order(&env, "A A A A");
	assert_string_equal(order(&env), "A");
	boot_env_parse_order(&env, "  C B\tA B A ");
	assert_string_equal(order(&env), "B A");
	assert_int_equal(env.norder, 2);
	boot_env_parse_order(&env, "");
	assert_int_equal(env.norder, 0);
	assert_true(boot_env_well_formed(&env));
}

static void test_boot_set_primary_moves_to_front_with_full_tries(void **state)
{
	struct boot_env env;

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_parse_order(&env, "A A A A");
	env.slots[1].tried = 1;
	for (int i = 0; i < 5; i++) /* never grows past the bootnames */
		assert_int_equal(boot_env_set_primary(&env, "B", 3), 0);
	assert_string_equal(order(&env), "B A");
	assert_int_equal(env.slots[1].left, 3);
	assert_int_equal(env.slots[1].ok, 1);
	assert_int_equal(env.slots[1].tried, 0);
	assert_int_equal(boot_env_set_primary(&env, "C", 3), -1);
	assert_string_equal(order(&env), "B A");
	assert_true(boot_env_well_formed(&env));
}

static void test_boot_mark_good_keeps_the_place_in_the_order(void **state)
{
	struct boot_env env;
	char p[FW_BOOTNAME_LEN + 1];

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_parse_order(&env, "B A");
	env.slots[0].left = 0;
	assert_int_equal(boot_env_mark_good(&env, "A", 3), 0);
	assert_string_equal(order(&env), "B A");
	assert_int_equal(env.slots[0].left, 3);
	/* a good slot outside the order comes last */
	boot_env_parse_order(&env, "B");
	assert_int_equal(boot_env_mark_good(&env, "A", 3), 0);
	assert_string_equal(order(&env), "B A");
	env.slots[1].ok = 1;
	env.slots[1].left = 1;
	assert_true(boot_env_primary(&env, p));
	assert_string_equal(p, "B");
}

static void test_boot_mark_bad_leaves_the_order(void **state)
{
	struct boot_env env;
	struct boot_slot_state st;
	char p[FW_BOOTNAME_LEN + 1];

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_set_primary(&env, "A", 3);
	boot_env_set_primary(&env, "B", 3);
	assert_int_equal(boot_env_mark_bad(&env, "B"), 0);
	assert_string_equal(order(&env), "A");
	boot_env_state(&env, "B", &st);
	assert_false(st.good);
	assert_false(st.in_order);
	assert_int_equal(st.left, 0);
	assert_true(boot_env_primary(&env, p));
	assert_string_equal(p, "A");
}

static void test_boot_reset_leaves_exactly_the_good_ones(void **state)
{
	static const char *const good[] = {"B"};
	struct boot_env env;
	struct boot_slot_state st;

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_parse_order(&env, "A B");
	env.slots[0].left = 2;
	env.slots[0].tried = 1;
	assert_int_equal(boot_env_reset(&env, good, 1, 3), 0);
	assert_string_equal(order(&env), "B");
	boot_env_state(&env, "A", &st);
	assert_false(st.good);
	assert_int_equal(st.tried, 0);
	boot_env_state(&env, "B", &st);
	assert_true(st.good);
	assert_int_equal(st.left, 3);
	static const char *const stranger[] = {"C"};
	assert_int_equal(boot_env_reset(&env, stranger, 1, 3), -1);
	assert_string_equal(order(&env), "B"); /* unchanged */
}

static void test_boot_primary_skips_what_may_not_boot(void **state)
{
	struct boot_env env;
	char p[FW_BOOTNAME_LEN + 1];

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_parse_order(&env, "A B");
	env.slots[0].ok = 1; /* A has no tries left */
	env.slots[1].ok = 0; /* B is not allowed (GRUB B_OK=0) */
	env.slots[1].left = 3;
	assert_false(boot_env_primary(&env, p));
	assert_string_equal(p, "");
	env.slots[1].ok = 1;
	assert_true(boot_env_primary(&env, p));
	assert_string_equal(p, "B");
}

static void test_boot_sim_pick_counts_down_then_resets(void **state)
{
	struct boot_env env;
	char p[FW_BOOTNAME_LEN + 1];

	(void)state;
	boot_env_init(&env, ab, 2);
	boot_env_set_primary(&env, "A", 3);
	boot_env_set_primary(&env, "B", 2);
	assert_int_equal(boot_sim_pick(&env, 3, p), 0);
	assert_string_equal(p, "B");
	assert_int_equal(boot_sim_pick(&env, 3, p), 0);
	assert_string_equal(p, "B");
	assert_int_equal(env.slots[1].tried, 1);
	assert_int_equal(boot_sim_pick(&env, 3, p), 0); /* B ran out: falls to A */
	assert_string_equal(p, "A");
	boot_env_parse_order(&env, "");
	assert_int_equal(boot_sim_pick(&env, 3, p), 1); /* nothing: the first bootname */
	assert_string_equal(p, "A");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_parse_order_drops_repeats_and_strangers,
						NULL, NULL),
		cmocka_unit_test_setup_teardown(
			test_boot_set_primary_moves_to_front_with_full_tries, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_boot_mark_good_keeps_the_place_in_the_order,
						NULL, NULL),
		cmocka_unit_test_setup_teardown(test_boot_mark_bad_leaves_the_order, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_boot_reset_leaves_exactly_the_good_ones, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_boot_primary_skips_what_may_not_boot, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_boot_sim_pick_counts_down_then_resets, NULL,
						NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
