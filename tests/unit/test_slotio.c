// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slot writers below install: file slots on a temp directory, block
 * slots on a real loop device (root and losetup; skipped with the reason
 * otherwise). Sizes, the old tail, the read-back, a device that returns
 * other bytes (FWTOOL_CORRUPT_READ), and a device someone else holds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iobuf.h"
#include "slotio.h"
#include "testutil.h"

#define LOOP_SIZE (4u << 20)

struct fixture {
	char *dir;
	char loop[64];
	struct config_slot slot;
	struct fw_err err;
	uint8_t *img;
	size_t len;
};

static void pattern(struct fixture *f, size_t len, unsigned seed)
{
	free(f->img);
	f->img = malloc(len);
	f->len = len;
	for (size_t i = 0; i < len; i++)
		f->img[i] = (uint8_t)(i * 131 + seed + (i >> 10));
}

static int setup_file(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = testutil_tmpdir();
	snprintf(f->slot.name, sizeof(f->slot.name), "rootfs.1");
	snprintf(f->slot.type, sizeof(f->slot.type), "file");
	snprintf(f->slot.device, sizeof(f->slot.device), "%s/b.img", f->dir);
	*state = f;
	return 0;
}

static int setup_block(void **state)
{
	struct fixture *f;
	char cmd[4300];
	FILE *p;

	setup_file(state);
	f = *state;
	if (geteuid() || system("command -v losetup >/dev/null 2>&1"))
		return 0; /* the test skips, saying why */
	snprintf(cmd, sizeof(cmd),
		 "truncate -s %u %s/disk && losetup --find --show --direct-io=on %s/disk",
		 LOOP_SIZE, f->dir, f->dir);
	p = popen(cmd, "r");
	if (p && fgets(f->loop, sizeof(f->loop), p))
		f->loop[strcspn(f->loop, "\n")] = '\0';
	if (p)
		pclose(p);
	snprintf(f->slot.type, sizeof(f->slot.type), "block");
	snprintf(f->slot.device, sizeof(f->slot.device), "%s", f->loop);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (f->loop[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", f->loop);
		if (system(cmd))
			fprintf(stderr, "could not detach %s\n", f->loop);
	}
	unsetenv("FWTOOL_CORRUPT_READ");
	free(f->img);
	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

static void need_loop(const struct fixture *f)
{
	if (!f->loop[0]) {
		fprintf(stderr, "block slot tests skipped: they need root and losetup\n");
		skip();
	}
}

/* As install writes: open, odd pieces from an aligned buffer, finish. */
static int stage(struct fixture *f, size_t piece, int check)
{
	struct slotio io;
	uint8_t *buf = iobuf_alloc(FW_IO_BUF);
	int ret = slotio_open(&io, &f->slot, f->len, &f->err);

	for (size_t off = 0; !ret && off < f->len; off += piece) {
		size_t n = f->len - off < piece ? f->len - off : piece;

		memcpy(buf, f->img + off, n);
		ret = slotio_write(&io, buf, n, &f->err);
		if (!ret && check && slotio_checks_writes(&io))
			ret = slotio_check(&io, buf, n, &f->err);
	}
	if (!ret)
		ret = slotio_finish(&io, &f->err);
	slotio_close(&io);
	iobuf_free(buf, FW_IO_BUF);
	return ret;
}

struct collect {
	uint8_t *buf;
	size_t len, cap;
	int fail_after;
};

static int collect(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct collect *c = ctx;

	if (c->fail_after && c->len >= (size_t)c->fail_after)
		return fw_error(err, FW_EVERIFY, "enough");
	assert_true(c->len + len <= c->cap);
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	return 0;
}

static void assert_reads_back(struct fixture *f)
{
	struct collect c = {.buf = malloc(f->len), .cap = f->len};

	assert_int_equal(slotio_read(&f->slot, f->len, collect, &c, &f->err), 0);
	assert_int_equal(c.len, f->len);
	assert_memory_equal(c.buf, f->img, f->len);
	free(c.buf);
}

static void test_file_slot_written_read_back_and_old_tail_cut(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	pattern(f, 300000, 1);
	assert_int_equal(stage(f, 65536, 0), 0);
	pattern(f, 100001, 2); /* shorter than what is there */
	assert_int_equal(stage(f, 777, 0), 0);
	assert_int_equal(stat(f->slot.device, &st), 0);
	assert_int_equal(st.st_size, 100001);
	assert_reads_back(f);
}

static void test_read_past_the_content_is_a_short_slot(void **state)
{
	struct fixture *f = *state;
	struct collect c = {.buf = malloc(20000), .cap = 20000};

	pattern(f, 10000, 3);
	assert_int_equal(stage(f, 4096, 0), 0);
	assert_int_equal(slotio_read(&f->slot, 20000, collect, &c, &f->err), FW_EFORMAT);
	assert_non_null(strstr(f->err.msg, "shorter than the image"));
	free(c.buf);
}

static void test_read_stops_at_the_callbacks_error(void **state)
{
	struct fixture *f = *state;
	struct collect c = {.buf = malloc(3u << 20), .cap = 3u << 20, .fail_after = 1};

	pattern(f, 3u << 20, 4);
	assert_int_equal(stage(f, FW_IO_BUF, 0), 0);
	assert_int_equal(slotio_read(&f->slot, f->len, collect, &c, &f->err), FW_EVERIFY);
	assert_string_equal(f->err.msg, "enough");
	assert_true(c.len < f->len);
	free(c.buf);
}

static void test_unknown_type_is_not_built_in(void **state)
{
	struct fixture *f = *state;
	struct slotio io;

	snprintf(f->slot.type, sizeof(f->slot.type), "nand9");
	assert_int_equal(slotio_open(&io, &f->slot, f->len, &f->err), FW_ENOTSUP);
	assert_non_null(strstr(f->err.msg, "nand9"));
	slotio_close(&io);
}

static void test_block_slot_checks_writes_as_they_land(void **state)
{
	struct fixture *f = *state;

	need_loop(f);
	pattern(f, (2u << 20) + 1000, 5); /* an unaligned tail, compared after the flush */
	assert_int_equal(stage(f, 65536, 1), 0);
	assert_reads_back(f);
}

static void test_block_slot_that_returns_other_bytes_is_caught(void **state)
{
	struct fixture *f = *state;

	need_loop(f);
	pattern(f, 1u << 20, 6);
	setenv("FWTOOL_CORRUPT_READ", "300000", 1);
	assert_int_equal(stage(f, 65536, 1), FW_EVERIFY);
	assert_non_null(strstr(f->err.msg, "other bytes than were written at"));
}

static void test_block_slot_never_written_past_its_end(void **state)
{
	struct fixture *f = *state;

	need_loop(f);
	pattern(f, LOOP_SIZE + 4096, 7);
	assert_int_equal(stage(f, 65536, 0), FW_ENOSPC);
	assert_non_null(strstr(f->err.msg, "larger than the slot"));
}

static void test_block_slot_held_by_someone_else_is_refused(void **state)
{
	struct fixture *f = *state;
	int fd;

	need_loop(f);
	fd = open(f->loop, O_RDONLY | O_EXCL);
	assert_true(fd >= 0);
	pattern(f, 4096, 8);
	assert_int_equal(stage(f, 4096, 0), FW_EIO);
	assert_non_null(strstr(f->err.msg, "in use"));
	close(fd);
}

#define F(fn) cmocka_unit_test_setup_teardown(fn, setup_file, teardown)
#define B(fn) cmocka_unit_test_setup_teardown(fn, setup_block, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		F(test_file_slot_written_read_back_and_old_tail_cut),
		F(test_read_past_the_content_is_a_short_slot),
		F(test_read_stops_at_the_callbacks_error),
		F(test_unknown_type_is_not_built_in),
		B(test_block_slot_checks_writes_as_they_land),
		B(test_block_slot_that_returns_other_bytes_is_caught),
		B(test_block_slot_never_written_past_its_end),
		B(test_block_slot_held_by_someone_else_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
