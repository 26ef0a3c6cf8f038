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

		ext = malloc(elen + 5);
		memcpy(ext, enc, elen);
		memcpy(ext + elen, "JUNK!", 5);
		assert_int_equal(decode(types[i], ext, elen + 5, out, sizeof(out), &olen, &d, &err),
				 FW_EFORMAT);
		assert_non_null(strstr(err.msg, "after the end"));
		decomp_free(&d);
		free(enc);
		free(ext);
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
		cmocka_unit_test_setup_teardown(test_decomp_rejects_trailing_data, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_decomp_rejects_garbage, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
