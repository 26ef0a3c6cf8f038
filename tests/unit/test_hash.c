// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256: the FIPS 180-4 examples, then our SHA-NI block runs against
 * nettle alone (hash_set_accel(0)) over lengths and splits that cross
 * every block boundary case, and hash_buf2's two streams of unequal length.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "hash.h"
#include "hex.h"

static void digest_hex(const void *buf, size_t len, char *out)
{
	uint8_t d[HASH_LEN];

	hash_buf(buf, len, d);
	hex_encode(d, HASH_LEN, out);
}

static void test_hash_known_answers(void **state)
{
	static const struct {
		const char *msg;
		const char *want;
	} kat[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[HASH_HEX_LEN + 1];
	uint8_t *a = malloc(1000000);

	(void)state;
	for (int accel = 0; accel < 2; accel++) {
		hash_set_accel(accel);
		for (unsigned i = 0; i < sizeof(kat) / sizeof(*kat); i++) {
			digest_hex(kat[i].msg, strlen(kat[i].msg), hex);
			assert_string_equal(hex, kat[i].want);
		}
		memset(a, 'a', 1000000);
		digest_hex(a, 1000000, hex);
		assert_string_equal(
			hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
	hash_set_accel(1);
	free(a);
}

/* @len bytes at @p fed in pieces of @step (the last one shorter) */
static void digest_split(const uint8_t *p, size_t len, size_t step, uint8_t out[HASH_LEN])
{
	struct hash h;

	hash_init(&h);
	for (size_t at = 0; at < len; at += step)
		hash_update(&h, p + at, len - at < step ? len - at : step);
	hash_final(&h, out);
}

static void test_hash_runs_match_nettle(void **state)
{
	static const size_t steps[] = {1, 3, 63, 64, 65, 127, 128, 1000, 4096, 1 << 20};
	enum { MAX = 3 << 16 };
	uint8_t *buf = malloc(MAX + 1), ref[HASH_LEN], got[HASH_LEN];

	(void)state;
	srand(12);
	for (size_t i = 0; i < MAX + 1; i++)
		buf[i] = (uint8_t)rand();
	for (int round = 0; round < 400; round++) {
		size_t len = round < 200 ? (size_t)round : (size_t)rand() % MAX;
		size_t off = (size_t)rand() % 2; /* an unaligned start too */
		size_t step = steps[rand() % (sizeof(steps) / sizeof(*steps))];

		hash_set_accel(0);
		hash_buf(buf + off, len, ref);
		hash_set_accel(1);
		digest_split(buf + off, len, step, got);
		assert_memory_equal(got, ref, HASH_LEN);
		hash_buf(buf + off, len, got);
		assert_memory_equal(got, ref, HASH_LEN);
	}
	free(buf);
}

static void test_hash_two_streams(void **state)
{
	enum { MAX = 1 << 17 };
	uint8_t *a = malloc(MAX), *b = malloc(MAX);
	uint8_t ra[HASH_LEN], rb[HASH_LEN], ga[HASH_LEN], gb[HASH_LEN];

	(void)state;
	srand(34);
	for (size_t i = 0; i < MAX; i++) {
		a[i] = (uint8_t)rand();
		b[i] = (uint8_t)rand();
	}
	for (int round = 0; round < 300; round++) {
		size_t alen = (size_t)rand() % MAX, blen = (size_t)rand() % MAX;

		if (round % 3 == 0)
			blen = alen; /* chunks of one image: the usual case */
		if (round < 20)
			alen = (size_t)round * 31, blen = (size_t)round * 64;
		hash_set_accel(0);
		hash_buf(a, alen, ra);
		hash_buf(b + 1, blen - (blen > 0), rb);
		hash_set_accel(1);
		hash_buf2(a, alen, ga, b + 1, blen - (blen > 0), gb);
		assert_memory_equal(ga, ra, HASH_LEN);
		assert_memory_equal(gb, rb, HASH_LEN);
	}
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_answers),
		cmocka_unit_test(test_hash_runs_match_nettle),
		cmocka_unit_test(test_hash_two_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
