// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "compress.h"
#include "decomp.h"

#define N (3u << 20)

/* compress @in with @type into a new buffer */
static uint8_t *encode(enum comp type, const uint8_t *in, size_t len, size_t *outlen)
{
	struct fw_err err = {0};
	struct compress c;
	size_t cap = len + (1u << 20), o = 0;
	uint8_t *out = malloc(cap);
	int done = 0;

	assert_int_equal(compress_init(&c, type, &err), 0);
	while (!done) {
		size_t n = cap - o;

		assert_int_equal(compress_step(&c, &in, &len, out + o, &n, 1, &done, &err), 0);
		o += n;
	}
	compress_free(&c);
	*outlen = o;
	return out;
}

/* decode all of @in; returns the error code, output size in *@outlen */
static int decode(enum comp type, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		  size_t *outlen, struct decomp *d, struct fw_err *err)
{
	size_t o = 0;
	int ret = decomp_init(d, type, err);

	while (!ret && (len || !d->finished)) {
		size_t n = cap - o > 65536 ? 65536 : cap - o;

		ret = decomp_step(d, &in, &len, out + o, &n, err);
		o += n;
		if (!n && !len)
			break;
	}
	*outlen = o;
	return ret;
}

static void roundtrip(enum comp type)
{
	uint8_t *in = malloc(N), *out = malloc(N + 100), *enc;
	struct fw_err err = {0};
	struct decomp d;
	size_t elen, olen;

	for (size_t i = 0; i < N; i++)
		in[i] = (uint8_t)(i < N / 2 ? rand() : 0);
	enc = encode(type, in, N, &elen);
	assert_int_equal(decode(type, enc, elen, out, N + 100, &olen, &d, &err), 0);
	assert_true(d.finished);
	assert_int_equal(olen, N);
	assert_memory_equal(in, out, N);
	decomp_free(&d);
	/* the same stream cut short never reports finished */
	assert_int_equal(decode(type, enc, elen / 2, out, N + 100, &olen, &d, &err), 0);
	assert_false(d.finished);
	decomp_free(&d);
	free(in);
	free(out);
	free(enc);
}

static void test_decomp_roundtrips_gzip(void **s)
{
	(void)s;
	roundtrip(COMP_GZIP);
}
static void test_decomp_roundtrips_xz(void **s)
{
	(void)s;
	roundtrip(COMP_XZ);
}
static void test_decomp_roundtrips_zstd(void **s)
{
	(void)s;
	roundtrip(COMP_ZSTD);
}

static void test_decomp_rejects_trailing_data(void **state)
{
	static const enum comp types[] = {COMP_GZIP, COMP_XZ, COMP_ZSTD};
	uint8_t in[1000] = {1}, out[4096];

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct fw_err err = {0};
		struct decomp d;
		size_t elen, olen;
		uint8_t *enc = encode(types[i], in, sizeof(in), &elen), *ext;

		/* long enough for every decoder to see it is no stream header (xz
		 * waits for its 12 bytes; short junk is an unfinished stream) */
		ext = malloc(elen + 16);
		memcpy(ext, enc, elen);
		memcpy(ext + elen, "JUNK!JUNK!JUNK!!", 16);
		assert_int_equal(
			decode(types[i], ext, elen + 16, out, sizeof(out), &olen, &d, &err),
			FW_EFORMAT);
		assert_non_null(strstr(err.msg, "after the end"));
		decomp_free(&d);
		free(enc);
		free(ext);
	}
}

/*
 * Valid streams that build tools write: two gzip members ('cat a.gz b.gz',
 * pigz), two xz streams with stream padding between and after them, two
 * zstd frames with a skippable frame before them. Each decodes whole.
 */
static void test_decomp_reads_concatenated_streams(void **state)
{
	static const enum comp types[] = {COMP_GZIP, COMP_XZ, COMP_ZSTD};
	static const uint8_t skippable[] = {0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
	uint8_t a[5000], b[7000], out[20000];

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 7);
	memset(b, 'b', sizeof(b));
	for (unsigned i = 0; i < 3; i++) {
		struct fw_err err = {0};
		struct decomp d;
		size_t la, lb, olen, n = 0;
		uint8_t *ea = encode(types[i], a, sizeof(a), &la);
		uint8_t *eb = encode(types[i], b, sizeof(b), &lb);
		uint8_t *all = calloc(1, la + lb + 64);

		if (types[i] == COMP_ZSTD) {
			memcpy(all, skippable, sizeof(skippable));
			n = sizeof(skippable);
		}
		memcpy(all + n, ea, la);
		n += la + (types[i] == COMP_XZ ? 8 : 0); /* padding: null bytes, 4k */
		memcpy(all + n, eb, lb);
		n += lb + (types[i] == COMP_XZ ? 4 : 0);
		assert_int_equal(decode(types[i], all, n, out, sizeof(out), &olen, &d, &err), 0);
		assert_true(d.finished);
		assert_int_equal(olen, sizeof(a) + sizeof(b));
		assert_memory_equal(out, a, sizeof(a));
		assert_memory_equal(out + sizeof(a), b, sizeof(b));
		decomp_free(&d);
		/* cut inside the second stream: never finished */
		assert_int_equal(
			decode(types[i], all, n - lb / 2, out, sizeof(out), &olen, &d, &err), 0);
		assert_false(d.finished);
		decomp_free(&d);
		if (types[i] == COMP_XZ) { /* padding that is not a multiple of 4 */
			decode(types[i], all, n - 1, out, sizeof(out), &olen, &d, &err);
			assert_false(d.finished);
			decomp_free(&d);
		}
		free(ea);
		free(eb);
		free(all);
	}
}

static void test_decomp_rejects_garbage(void **state)
{
	static const enum comp types[] = {COMP_GZIP, COMP_XZ, COMP_ZSTD};
	uint8_t junk[256], out[4096];

	(void)state;
	memset(junk, 0x5a, sizeof(junk));
	for (unsigned i = 0; i < 3; i++) {
		struct fw_err err = {0};
		struct decomp d;
		size_t olen;

		assert_int_equal(
			decode(types[i], junk, sizeof(junk), out, sizeof(out), &olen, &d, &err),
			FW_EFORMAT);
		decomp_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decomp_roundtrips_gzip, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_roundtrips_xz, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_roundtrips_zstd, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_reads_concatenated_streams, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_rejects_trailing_data, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_rejects_garbage, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
