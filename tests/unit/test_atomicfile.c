// SPDX-License-Identifier: GPL-2.0-only
/*
 * atomicfile.c and fd_read_file() on a real directory, with fsync() and
 * fdatasync() defined here so a test can make the Nth one fail the way a
 * dying disk does: the executable's definitions take the place of libc's
 * for libfwtool.a, and pass through to the kernel otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fdio.h"
#include "testutil.h"

static int syncs, fail_at, fail_errno;

static int sync_call(long nr, int fd)
{
	if (++syncs == fail_at) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(nr, fd);
}

int fsync(int fd);
int fdatasync(int fd);

int fsync(int fd)
{
	return sync_call(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	return sync_call(SYS_fdatasync, fd);
}

static int setup(void **state)
{
	*state = testutil_tmpdir();
	syncs = fail_at = 0;
	fail_errno = EIO;
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	testutil_rmrf(*state);
	return 0;
}

static char *path_in(const char *dir, const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static char *slurp(const char *path)
{
	struct fw_err err = {0};
	char *buf = NULL;

	assert_int_equal(fd_read_file(path, 1 << 20, &buf, NULL, &err), 0);
	return buf;
}

/* how many entries the directory holds besides . and .. */
static unsigned entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_write_replaces_and_syncs_file_then_directory(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "state.json"), *got;
	struct fw_err err = {0};

	assert_int_equal(atomicfile_write(p, "old\n", 4, &err), 0);
	assert_int_equal(syncs, 2); /* the temp file, then the directory */
	assert_int_equal(atomicfile_write(p, "new\n", 4, &err), 0);
	got = slurp(p);
	assert_string_equal(got, "new\n");
	free(got);
	assert_int_equal(entries(dir), 1); /* no temp file left */
}

static void test_failing_fsync_keeps_the_old_content(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "state.json"), *got;
	struct fw_err err = {0};

	assert_int_equal(atomicfile_write(p, "old\n", 4, &err), 0);
	fail_at = syncs + 1; /* the temp file's fsync */
	assert_int_equal(atomicfile_write(p, "new\n", 4, &err), FW_EIO);
	assert_non_null(strstr(err.msg, "fsync"));
	assert_non_null(strstr(err.msg, strerror(EIO)));
	got = slurp(p);
	assert_string_equal(got, "old\n"); /* never renamed over it */
	free(got);
	assert_int_equal(entries(dir), 1);
}

static void test_full_disk_on_fsync_is_enospc(void **state)
{
	const char *dir = *state;
	struct fw_err err = {0};

	fail_at = 1;
	fail_errno = ENOSPC;
	assert_int_equal(atomicfile_write(path_in(dir, "s"), "x", 1, &err), FW_ENOSPC);
	assert_int_equal(entries(dir), 0);
}

static void test_failing_directory_fsync_is_reported(void **state)
{
	const char *dir = *state;
	struct fw_err err = {0};

	fail_at = 2; /* renamed, but the rename may not survive a cut */
	assert_int_equal(atomicfile_write(path_in(dir, "s"), "x", 1, &err), FW_EIO);
	assert_non_null(strstr(err.msg, "fsync directory"));
}

static void test_append_cuts_a_torn_record_and_syncs(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "history.jsonl"), *got;
	struct fw_err err = {0};
	int fd;

	assert_int_equal(atomicfile_append(p, "one\n", 4, &err), 0);
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "tor", 3), 3); /* a cut in the middle of a record */
	close(fd);
	assert_int_equal(atomicfile_append(p, "two\n", 4, &err), 0);
	got = slurp(p);
	assert_string_equal(got, "one\ntwo\n");
	free(got);
}

static void test_first_append_makes_the_new_file_durable(void **state)
{
	const char *dir = *state;
	struct fw_err err = {0};

	assert_int_equal(atomicfile_append(path_in(dir, "h"), "one\n", 4, &err), 0);
	assert_int_equal(syncs, 2); /* the data, then the directory holding it */
	syncs = 0;
	assert_int_equal(atomicfile_append(path_in(dir, "h"), "two\n", 4, &err), 0);
	assert_int_equal(syncs, 1); /* an existing file: its data only */
}

static void test_failing_fdatasync_on_append_is_reported(void **state)
{
	const char *dir = *state;
	struct fw_err err = {0};

	assert_int_equal(atomicfile_append(path_in(dir, "h"), "one\n", 4, &err), 0);
	fail_at = syncs + 1;
	assert_int_equal(atomicfile_append(path_in(dir, "h"), "two\n", 4, &err), FW_EIO);
	assert_non_null(strstr(err.msg, "fdatasync"));
}

static void test_read_file_limits(void **state)
{
	const char *dir = *state;
	struct fw_err err = {0};
	char *buf = NULL, big[10000];
	size_t len;

	memset(big, 'a', sizeof(big));
	free(testutil_write(dir, "big", big, sizeof(big)));
	assert_int_equal(fd_read_file(path_in(dir, "big"), 9999, &buf, &len, &err), FW_EFORMAT);
	assert_null(buf);
	assert_int_equal(fd_read_file(path_in(dir, "big"), 10000, &buf, &len, &err), FW_EFORMAT);
	assert_int_equal(fd_read_file(path_in(dir, "big"), 10001, &buf, &len, &err), 0);
	assert_int_equal(len, sizeof(big));
	assert_int_equal(buf[len], '\0');
	free(buf);
	assert_int_equal(fd_read_file(path_in(dir, "none"), 10, &buf, &len, &err), FW_ENOTFOUND);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_replaces_and_syncs_file_then_directory),
		T(test_failing_fsync_keeps_the_old_content),
		T(test_full_disk_on_fsync_is_enospc),
		T(test_failing_directory_fsync_is_reported),
		T(test_append_cuts_a_torn_record_and_syncs),
		T(test_first_append_makes_the_new_file_durable),
		T(test_failing_fdatasync_on_append_is_reported),
		T(test_read_file_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
