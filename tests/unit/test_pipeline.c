// SPDX-License-Identifier: GPL-2.0-only
/*
 * pipeline.c on real bundles (written with bundle_write.c, read with
 * bundle.c) and a sink that fails on demand: no byte of a chunk reaches
 * the sink before the chunk's hash matched, and a sink or check error
 * stops every thread and comes back as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "compress.h"
#include "hash.h"
#include "pipeline.h"
#include "testutil.h"

#define CHUNK 4096u

struct fixture {
	char *dir;
	char path[4096];
	uint8_t *data; /* the installed bytes */
	size_t len;
	struct manifest_image img;
};

/* what the sink saw, and when it should fail */
struct sink_log {
	uint8_t *got;
	size_t got_len, cap;
	size_t checked;
	unsigned writes, fail_write_at, fail_check_at, checks;
	uint64_t last_done;
	int progress_backwards;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = testutil_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/b.fwb", f->dir);
	f->len = 10 * CHUNK + 123;
	f->data = malloc(f->len);
	for (size_t i = 0; i < f->len; i++)
		f->data[i] = (uint8_t)(i * 31 + (i >> 12));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->img.chunks);
	free(f->data);
	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

static size_t encode(enum comp type, const uint8_t *in, size_t len, uint8_t **outp)
{
	struct fw_err err = {0};
	struct compress c;
	size_t cap = len + 4096, used = 0;
	uint8_t *out = malloc(cap);
	int done = 0;

	assert_int_equal(compress_init(&c, type, &err), 0);
	while (!done) {
		size_t n = cap - used;

		assert_int_equal(compress_step(&c, &in, &len, out + used, &n, 1, &done, &err), 0);
		used += n;
		assert_true(used < cap);
	}
	compress_free(&c);
	*outp = out;
	return used;
}

/*
 * A bundle of one image: @stored are the bytes in the tar, their chunk
 * digests are taken before @flip (if not SIZE_MAX) turns one bit of them,
 * the way a corrupted download would.
 */
static void make(struct fixture *f, enum comp type, size_t flip)
{
	struct bundle_writer *w = NULL;
	struct fw_err err = {0};
	uint8_t *stored = f->data;
	size_t slen = f->len;

	if (type != COMP_NONE)
		slen = encode(type, f->data, f->len, &stored);
	free(f->img.chunks);
	memset(&f->img, 0, sizeof(f->img));
	snprintf(f->img.class, sizeof(f->img.class), "rootfs");
	snprintf(f->img.file, sizeof(f->img.file), "rootfs.img");
	f->img.size = slen;
	f->img.installed_size = f->len;
	f->img.compression = type;
	hash_buf(f->data, f->len, f->img.sha256);
	f->img.chunk_size = CHUNK;
	f->img.nchunks = (uint32_t)((slen + CHUNK - 1) / CHUNK);
	f->img.chunks = malloc((size_t)f->img.nchunks * HASH_LEN);
	for (uint32_t i = 0; i < f->img.nchunks; i++) {
		size_t off = (size_t)i * CHUNK, n = slen - off < CHUNK ? slen - off : CHUNK;

		hash_buf(stored + off, n, f->img.chunks + (size_t)i * HASH_LEN);
	}
	if (flip != SIZE_MAX)
		stored[flip] ^= 0x10;
	assert_int_equal(bundle_writer_open(&w, f->path, 0, &err), 0);
	assert_int_equal(bundle_writer_add(w, BUNDLE_MANIFEST, 2, &err), 0);
	assert_int_equal(bundle_writer_data(w, "{}", 2, &err), 0);
	assert_int_equal(bundle_writer_add(w, BUNDLE_SIG, 3, &err), 0);
	assert_int_equal(bundle_writer_data(w, "sig", 3, &err), 0);
	assert_int_equal(bundle_writer_add(w, BUNDLE_CHAIN, 3, &err), 0);
	assert_int_equal(bundle_writer_data(w, "pem", 3, &err), 0);
	assert_int_equal(bundle_writer_add(w, f->img.file, slen, &err), 0);
	assert_int_equal(bundle_writer_data(w, stored, slen, &err), 0);
	assert_int_equal(bundle_writer_commit(w, &err), 0);
	bundle_writer_free(w);
	if (flip != SIZE_MAX)
		stored[flip] ^= 0x10;
	if (stored != f->data)
		free(stored);
}

static int sink_write(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct sink_log *l = ctx;

	if (++l->writes == l->fail_write_at)
		return fw_error(err, FW_ENOSPC, "slot test: write: No space left on device");
	if (l->got_len + len > l->cap) {
		l->cap = (l->got_len + len) * 2;
		l->got = realloc(l->got, l->cap);
	}
	memcpy(l->got + l->got_len, buf, len);
	l->got_len += len;
	return 0;
}

static int sink_check(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct sink_log *l = ctx;

	if (++l->checks == l->fail_check_at)
		return fw_error(err, FW_EVERIFY, "slot test: the medium differs");
	/* in order, and only what was written */
	assert_true(l->checked + len <= l->got_len);
	assert_memory_equal(l->got + l->checked, buf, len);
	l->checked += len;
	return 0;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct sink_log *l = ctx;

	(void)total;
	if (done < l->last_done)
		l->progress_backwards = 1;
	l->last_done = done;
}

static int run(struct fixture *f, struct sink_log *l, int with_check, struct fw_err *err)
{
	struct pipeline_sink sink = {.write = sink_write, .ctx = l};
	struct pipeline_progress pp = {on_progress, l, 0, f->img.size};
	struct bundle_reader *r = NULL;
	struct bundle_header h;
	int ret;

	if (with_check)
		sink.check = sink_check;
	assert_int_equal(bundle_open(&r, f->path, NULL, NULL, err), 0);
	assert_int_equal(bundle_read_header(r, &h, err), 0);
	bundle_header_free(&h);
	ret = bundle_next_image(r, &f->img, err);
	if (!ret)
		ret = pipeline_image(r, &f->img, &sink, &pp, err);
	bundle_close(r);
	return ret;
}

static void test_clean_stream_reaches_sink_and_check_in_order(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {0};
	struct fw_err err = {0};

	make(f, COMP_NONE, SIZE_MAX);
	assert_int_equal(run(f, &l, 1, &err), 0);
	assert_int_equal(l.got_len, f->len);
	assert_memory_equal(l.got, f->data, f->len);
	assert_int_equal(l.checked, f->len);
	assert_int_equal(l.last_done, f->img.size);
	assert_false(l.progress_backwards);
	free(l.got);
}

static void test_bad_chunk_never_reaches_the_sink(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {0};
	struct fw_err err = {0};
	size_t bad = 6 * CHUNK + 100; /* in chunk 6 */

	make(f, COMP_NONE, bad);
	assert_int_equal(run(f, &l, 0, &err), FW_EVERIFY);
	assert_non_null(strstr(err.msg, "chunk"));
	assert_true(l.got_len <= 6 * CHUNK); /* nothing of chunk 6 or later */
	assert_memory_equal(l.got, f->data, l.got_len);
	free(l.got);
}

static void test_bad_chunk_of_compressed_image_never_decoded(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {0};
	struct fw_err err = {0};

	make(f, COMP_GZIP, 10); /* the first chunk of the stored stream */
	assert_int_equal(run(f, &l, 0, &err), FW_EVERIFY);
	assert_int_equal(l.got_len, 0);
	free(l.got);
}

static void test_compressed_stream_is_decoded_and_hashed(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {0};
	struct fw_err err = {0};

	make(f, COMP_ZSTD, SIZE_MAX);
	assert_int_equal(run(f, &l, 0, &err), 0);
	assert_int_equal(l.got_len, f->len);
	assert_memory_equal(l.got, f->data, f->len);
	free(l.got);
	/* chunks that match a manifest whose image sha256 does not */
	memset(&l, 0, sizeof(l));
	make(f, COMP_ZSTD, SIZE_MAX);
	f->img.sha256[0] ^= 1;
	assert_int_equal(run(f, &l, 0, &err), FW_EVERIFY);
	free(l.got);
}

static void test_sink_error_stops_the_stream_as_it_was(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {.fail_write_at = 2};
	struct fw_err err = {0};

	make(f, COMP_NONE, SIZE_MAX);
	assert_int_equal(run(f, &l, 1, &err), FW_ENOSPC);
	assert_string_equal(err.msg, "slot test: write: No space left on device");
	assert_int_equal(l.writes, 2); /* nothing asked of it after the error */
	free(l.got);
}

static void test_check_error_stops_the_stream(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {.fail_check_at = 1};
	struct fw_err err = {0};

	make(f, COMP_NONE, SIZE_MAX);
	assert_int_equal(run(f, &l, 1, &err), FW_EVERIFY);
	assert_non_null(strstr(err.msg, "the medium differs"));
	free(l.got);
}

static void test_stream_longer_than_installed_size_refused(void **state)
{
	struct fixture *f = *state;
	struct sink_log l = {0};
	struct fw_err err = {0};

	make(f, COMP_GZIP, SIZE_MAX);
	f->img.installed_size = f->len - 1; /* the decoder yields one byte more */
	assert_int_equal(run(f, &l, 0, &err), FW_EFORMAT);
	assert_true(l.got_len <= f->len - 1);
	free(l.got);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clean_stream_reaches_sink_and_check_in_order),
		T(test_bad_chunk_never_reaches_the_sink),
		T(test_bad_chunk_of_compressed_image_never_decoded),
		T(test_compressed_stream_is_decoded_and_hashed),
		T(test_sink_error_stops_the_stream_as_it_was),
		T(test_check_error_stops_the_stream),
		T(test_stream_longer_than_installed_size_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
