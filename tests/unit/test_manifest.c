// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "manifest.h"

#define H64 "0000000000000000000000000000000000000000000000000000000000000000"

/* A valid manifest with one 8 KiB image in two 4 KiB chunks; %s slots let
 * each test replace a piece. */
static char *make(const char *top_extra, const char *img_extra, const char *size,
		  const char *chunks)
{
	char *s;

	if (asprintf(&s,
		     "{\"format\": 1, \"version\": \"1.2.3\", \"security_version\": 4,"
		     " \"compatible\": [\"acme,*\"], \"created\": \"2026-01-02T03:04:05Z\"%s,"
		     " \"images\": [{\"class\": \"rootfs\", \"file\": \"rootfs.img\","
		     " \"size\": %s, \"installed_size\": %s, \"compression\": \"none\","
		     " \"sha256\": \"" H64 "\", \"chunk_size\": 4096, \"chunks\": \"%s\"%s}]}",
		     top_extra, size, size, chunks, img_extra) < 0)
		return NULL;
	return s;
}

static int parse(const char *text, struct fw_err *err)
{
	struct manifest m;
	int ret;

	manifest_init(&m);
	ret = manifest_parse(&m, text, strlen(text), err);
	manifest_free(&m);
	return ret;
}

static void test_manifest_parses_valid(void **state)
{
	char *s = make("", "", "8192", H64 H64);
	struct fw_err err = {0};
	struct manifest m;

	(void)state;
	manifest_init(&m);
	assert_int_equal(manifest_parse(&m, s, strlen(s), &err), 0);
	assert_string_equal(m.version, "1.2.3");
	assert_int_equal(m.security_version, 4);
	assert_int_equal(m.nimages, 1);
	assert_int_equal(m.images[0].nchunks, 2);
	assert_int_equal(m.created, 1767323045);
	manifest_free(&m);
	free(s);
}

static void test_manifest_round_trips_through_emit(void **state)
{
	char *s = make(", \"description\": \"x\"", "", "5000", H64 H64), *out = NULL;
	struct fw_err err = {0};
	struct manifest m, m2;

	(void)state;
	manifest_init(&m);
	manifest_init(&m2);
	assert_int_equal(manifest_parse(&m, s, strlen(s), &err), 0);
	assert_int_equal(manifest_emit(&m, &out, &err), 0);
	assert_int_equal(manifest_parse(&m2, out, strlen(out), &err), 0);
	assert_string_equal(m2.description, "x");
	assert_int_equal(m2.images[0].size, 5000);
	assert_memory_equal(m.images[0].chunks, m2.images[0].chunks, 64);
	manifest_free(&m);
	manifest_free(&m2);
	free(out);
	free(s);
}

static void expect_bad(const char *text, const char *needle)
{
	struct fw_err err = {0};

	assert_int_equal(parse(text, &err), FW_EFORMAT);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_manifest_rejects_wrong_chunk_count(void **state)
{
	char *s = make("", "", "8193", H64 H64);

	(void)state;
	expect_bad(s, "chunks");
	free(s);
}

static void test_manifest_rejects_unknown_key(void **state)
{
	char *s = make(", \"hooks\": 1", "", "8192", H64 H64);

	(void)state;
	expect_bad(s, "unknown field");
	free(s);
}

static void test_manifest_rejects_duplicate_image(void **state)
{
	char *s;

	(void)state;
	assert_true(asprintf(&s, "{\"format\":1,\"version\":\"1.0.0\",\"security_version\":0,"
				 "\"compatible\":[\"a\"],\"created\":\"2026-01-01T00:00:00Z\","
				 "\"images\":[{\"class\":\"a\",\"file\":\"a\",\"size\":1,"
				 "\"installed_size\":1,"
				 "\"compression\":\"none\",\"sha256\":\"" H64
				 "\",\"chunk_size\":4096,\"chunks\":\"" H64 "\"},"
				 "{\"class\":\"a\",\"file\":\"b\",\"size\":1,\"installed_size\":1,"
				 "\"compression\":\"none\",\"sha256\":\"" H64
				 "\",\"chunk_size\":4096,\"chunks\":\"" H64 "\"}]}") > 0);
	expect_bad(s, "duplicate class");
	free(s);
}

static void test_manifest_rejects_format_version(void **state)
{
	char *s = make("", "", "8192", H64 H64);

	(void)state;
	memcpy(strstr(s, "\"format\": 1"), "\"format\": 7", 11);
	expect_bad(s, "unsupported bundle format 7");
	free(s);
}

static void test_manifest_rejects_bad_member_names(void **state)
{
	static const char *const names[] = {"../x", "/etc/x",	     ".hidden",
					    "a/b",  "manifest.json", "signer.pem"};

	(void)state;
	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char *s = make("", "", "8192", H64 H64);
		char *t;

		assert_true(asprintf(&t, "%.*s%s%s", (int)(strstr(s, "rootfs.img") - s), s,
				     names[i], strstr(s, "rootfs.img") + 10) > 0);
		expect_bad(t, "file");
		free(t);
		free(s);
	}
}

static void test_manifest_rejects_malformed_json(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"format\":1,}", "{} x", "{\"a\":\"\\u0000\"}", "nul\0l"};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct fw_err err = {0};

		assert_int_equal(parse(bad[i], &err), FW_EFORMAT);
	}
}

static void test_manifest_rejects_oversize_fields(void **state)
{
	char big[300], *s;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(asprintf(&s, "{\"format\":1,\"version\":\"1.0.0-%s\"}", big) > 0);
	expect_bad(s, "too long");
	free(s);
	s = make("", "", "4398046511105", H64);
	expect_bad(s, "size");
	free(s);
}

static void test_manifest_rejects_size_mismatch_uncompressed(void **state)
{
	char *s = make("", "", "8192", H64 H64);
	char *p = strstr(s, "\"installed_size\": 8192");

	(void)state;
	memcpy(p, "\"installed_size\": 8191", 22);
	expect_bad(s, "installed_size");
	free(s);
}

/*
 * The seekable form: a 10000-byte zstd image in 4 KiB chunks is three
 * frames, whose stored sizes add up to "size" (here 3000).
 */
static char *make_seekable(const char *comp, const char *frames, const char *chunks,
			   const char *content)
{
	char *s;

	if (asprintf(&s,
		     "{\"format\": 1, \"version\": \"1.2.3\", \"security_version\": 4,"
		     " \"compatible\": [\"acme,*\"], \"created\": \"2026-01-02T03:04:05Z\","
		     " \"images\": [{\"class\": \"rootfs\", \"file\": \"rootfs.img.zst\","
		     " \"size\": 3000, \"installed_size\": 10000, \"compression\": \"%s\","
		     " \"sha256\": \"" H64
		     "\", \"chunk_size\": 4096, \"chunks\": \"%s\"%s%s%s%s%s}]}",
		     comp, chunks, frames ? ", \"frames\": " : "", frames ? frames : "",
		     content ? ", \"content_chunks\": \"" : "", content ? content : "",
		     content ? "\"" : "") < 0)
		return NULL;
	return s;
}

static void test_manifest_seekable_form(void **state)
{
	static const struct {
		const char *comp, *frames, *chunks, *content, *needle;
	} bad[] = {
		{"zstd", "[1000, 1000]", H64 H64, H64 H64, "count does not match"},
		{"zstd", "[1000, 1000, 999]", H64 H64 H64, H64 H64 H64, "do not add up"},
		{"zstd", "[1000, 0, 2000]", H64 H64 H64, H64 H64 H64, "out of range"},
		{"zstd", "[1000, 9000, -7000]", H64 H64 H64, H64 H64 H64, "out of range"},
		{"zstd", "[1000, \"1000\", 1000]", H64 H64 H64, H64 H64 H64, "not an integer"},
		{"zstd", "{}", H64 H64 H64, H64 H64 H64, "not an array"},
		{"gzip", "[1000, 1000, 1000]", H64 H64 H64, H64 H64 H64, "only for zstd"},
		{"zstd", "[1000, 1000, 1000]", H64, H64 H64 H64, "chunks: length"},
		{"zstd", "[1000, 1000, 1000]", H64 H64 H64, H64 H64, "content_chunks: length"},
		{"zstd", "[1000, 1000, 1000]", H64 H64 H64, NULL, "content_chunks: missing"},
		{"zstd", NULL, H64, H64, "content_chunks: only with frames"},
	};
	char *s = make_seekable("zstd", "[1000, 1500, 500]", H64 H64 H64, H64 H64 H64), *out = NULL;
	struct fw_err err = {0};
	struct manifest m, m2;

	(void)state;
	manifest_init(&m);
	manifest_init(&m2);
	assert_int_equal(manifest_parse(&m, s, strlen(s), &err), 0);
	assert_int_equal(m.images[0].nchunks, 3);
	assert_non_null(m.images[0].frame_at);
	assert_int_equal(m.images[0].frame_at[1], 1000);
	assert_int_equal(m.images[0].frame_at[2], 2500);
	assert_int_equal(m.images[0].frame_at[3], 3000);
	assert_int_equal(manifest_emit(&m, &out, &err), 0);
	assert_int_equal(manifest_parse(&m2, out, strlen(out), &err), 0);
	assert_memory_equal(m.images[0].frame_at, m2.images[0].frame_at, 4 * sizeof(uint64_t));
	assert_memory_equal(m.images[0].content_chunks, m2.images[0].content_chunks, 96);
	manifest_free(&m);
	manifest_free(&m2);
	free(out);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		s = make_seekable(bad[i].comp, bad[i].frames, bad[i].chunks, bad[i].content);
		expect_bad(s, bad[i].needle);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_manifest_parses_valid, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_seekable_form, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_round_trips_through_emit, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_wrong_chunk_count, NULL,
						NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_unknown_key, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_duplicate_image, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_format_version, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_bad_member_names, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_malformed_json, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_oversize_fields, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_manifest_rejects_size_mismatch_uncompressed,
						NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
