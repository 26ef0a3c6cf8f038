// SPDX-License-Identifier: GPL-2.0-only
#include "testutil.h"

#include "semver.h"

static int cmp(const char *a, const char *b)
{
	struct semver x, y;

	assert_int_equal(semver_parse(a, &x), 0);
	assert_int_equal(semver_parse(b, &y), 0);
	return semver_cmp(&x, &y);
}

static void test_semver_orders_by_precedence(void **state)
{
	(void)state;
	assert_true(cmp("1.0.0", "2.0.0") < 0);
	assert_true(cmp("1.10.0", "1.9.0") > 0);
	assert_true(cmp("1.0.0-alpha", "1.0.0") < 0);
	assert_true(cmp("1.0.0-alpha", "1.0.0-alpha.1") < 0);
	assert_true(cmp("1.0.0-alpha.beta", "1.0.0-beta") < 0);
	assert_true(cmp("1.0.0-beta.2", "1.0.0-beta.11") < 0);
	assert_true(cmp("1.0.0-rc.1", "1.0.0") < 0);
	assert_int_equal(cmp("1.0.0+build.1", "1.0.0+build.2"), 0);
	/* leading zeros: fine in build metadata and inside a non-numeric id */
	assert_int_equal(cmp("1.0.0+007", "1.0.0"), 0);
	assert_true(cmp("1.0.0-0a", "1.0.0-0") > 0);
}

static void test_semver_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"1",
		"1.0",
		"v1.0.0",
		"01.0.0",
		"1.0.0-",
		"1.0.0+",
		"1.0.0-a..b",
		"1.0.0 ",
		"",
		"1.0.0-é",
		"1.2.3-01",
		"1.2.3-rc.007",
		"99999999999999999999.0.0",
	};
	struct semver v;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(semver_parse(bad[i], &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_semver_orders_by_precedence, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_semver_rejects_malformed, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
