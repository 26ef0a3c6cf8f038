// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "tarpos.h"

/* A ustar header block for @name of @size bytes, of @type. */
static void header(uint8_t *h, const char *name, unsigned long long size, char type)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 124, 12, "%011llo", size);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar\00000", 8);
	memset(h + 148, ' ', 8);
	for (unsigned i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void feed(struct tarpos *t, const uint8_t *p, size_t len)
{
	for (size_t off = 0; off < len;) {
		size_t n = len - off;

		if (n > tarpos_room(t))
			n = (size_t)tarpos_room(t);
		if (n > 100)
			n = 100; /* pieces that do not line up with blocks */
		tarpos_passed(t, p + off, n);
		off += n;
	}
}

/*
 * manifest.json (700 bytes) at 0, a pax header with the records @rec at
 * 512 * 3, then rootfs.img at 512 * 5 with size 0 in its own header (the
 * pax "size" wins); its data begins at 512 * 6.
 */
static void two_members(uint8_t *tar, const char *rec)
{
	header(tar, "manifest.json", 700, '0');
	header(tar + 512 * 3, "PaxHeader", strlen(rec), 'x');
	memcpy(tar + 512 * 4, rec, strlen(rec));
	header(tar + 512 * 5, "rootfs.img", 0, '0');
}

static void test_tarpos_follows_ustar_and_pax(void **state)
{
	static uint8_t tar[512 * 8];
	static struct tarpos t;

	(void)state;
	two_members(tar, "16 size=1000000\n");
	tarpos_init(&t);
	feed(&t, tar, 512 + 10);
	assert_int_equal(t.members, 1);
	assert_int_equal(t.data_at, 512);
	assert_int_equal(t.data_end, 512 + 700);
	assert_int_equal(t.hdr_at, 512 * 3);
	feed(&t, tar + 512 + 10, 512 * 6 - 512 - 10);
	assert_false(t.lost);
	assert_int_equal(t.members, 2);
	assert_int_equal(t.data_at, 512 * 6);
	assert_int_equal(t.data_end, 512 * 6 + 1000000);
	assert_int_equal(t.hdr_at, 512 * 6 + ((1000000 + 511) & ~511));
	/* the end blocks: lost, as it must be past the end */
	tarpos_init(&t);
	feed(&t, tar + 512 * 7, 512);
	assert_true(t.lost);
}

/*
 * A member's data skipped unseen (bundle.c reads it with pread()): still
 * following at the next header; a header or pax records skipped: lost.
 */
static void test_tarpos_skips_data_not_headers(void **state)
{
	static uint8_t tar[512 * 8];
	static struct tarpos t;

	(void)state;
	two_members(tar, "12 size=600\n");
	tarpos_init(&t);
	feed(&t, tar, 512);
	tarpos_skipped(&t, 300);
	tarpos_skipped(&t, 1024 - 300); /* the data and its padding */
	assert_false(t.lost);
	feed(&t, tar + 512 * 3, 512 * 3);
	assert_false(t.lost);
	assert_int_equal(t.members, 2);
	assert_int_equal(t.data_at, 512 * 6);
	assert_int_equal(t.data_end, 512 * 6 + 600);
	tarpos_skipped(&t, 1025); /* past its padding: into the next header */
	assert_true(t.lost);

	tarpos_init(&t);
	tarpos_skipped(&t, 10); /* a header */
	assert_true(t.lost);
	tarpos_init(&t);
	feed(&t, tar, 512 * 4);
	tarpos_skipped(&t, 16); /* the pax records */
	assert_true(t.lost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tarpos_follows_ustar_and_pax),
		cmocka_unit_test(test_tarpos_skips_data_not_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
