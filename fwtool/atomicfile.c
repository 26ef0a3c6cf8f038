// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "faultpoint.h"
#include "fdio.h"
#include "fwlimits.h"

static int io_error(struct fw_err *err, const char *what, const char *path)
{
	return fw_error(err, errno == ENOSPC ? FW_ENOSPC : FW_EIO, "%s %s: %s", what, path,
			strerror(errno));
}

int atomicfile_fsync_dir(const char *path, struct fw_err *err)
{
	char dir[FW_PATH_LEN];
	int fd, ret = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, "open directory of", path);
	if (fsync(fd))
		ret = io_error(err, "fsync directory of", path);
	close(fd);
	return ret;
}

int atomicfile_write(const char *path, const void *buf, size_t len, struct fw_err *err)
{
	char tmp[FW_PATH_LEN + 16];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= sizeof(tmp))
		return fw_error(err, FW_EIO, "path too long: %s", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return io_error(err, "create", tmp);
	if (fd_write_all(fd, buf, len)) {
		ret = io_error(err, "write", tmp);
		goto fail;
	}
	faultpoint("atomicfile: data written");
	if (fsync(fd)) {
		ret = io_error(err, "fsync", tmp);
		goto fail;
	}
	close(fd);
	faultpoint("atomicfile: temp synced");
	if (rename(tmp, path)) {
		ret = io_error(err, "rename to", path);
		unlink(tmp);
		return ret;
	}
	faultpoint("atomicfile: renamed");
	return atomicfile_fsync_dir(path, err);
fail:
	close(fd);
	unlink(tmp);
	return ret;
}

/*
 * A record torn by a power cut or a full disk has no newline at its end.
 * Cut it off (back to the last newline), so the next record starts a line
 * of its own instead of being glued to the remains.
 */
static int cut_torn_tail(int fd, const char *path, struct fw_err *err)
{
	off_t end = lseek(fd, 0, SEEK_END), pos = end, keep = 0;
	char buf[4096];

	while (pos > 0 && !keep) {
		size_t n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		const char *nl;

		pos -= (off_t)n;
		if (pread(fd, buf, n, pos) != (ssize_t)n)
			return io_error(err, "read", path);
		nl = memrchr(buf, '\n', n);
		if (nl)
			keep = pos + (nl - buf) + 1;
	}
	if (keep == end) /* ends with a newline, or is empty */
		return 0;
	if (ftruncate(fd, keep) || fdatasync(fd))
		return io_error(err, "cut the torn record off", path);
	return 0;
}

int atomicfile_append(const char *path, const void *buf, size_t len, struct fw_err *err)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC), created = 0;
	int ret;

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		created = fd >= 0;
	}
	if (fd < 0)
		return io_error(err, "open", path);
	ret = cut_torn_tail(fd, path, err);
	if (!ret && fd_write_all(fd, buf, len))
		ret = io_error(err, "append to", path);
	else if (!ret && fdatasync(fd))
		ret = io_error(err, "fdatasync", path);
	close(fd);
	/* a new file's name is in the directory, which its fdatasync does
	 * not write: without this a cut could lose the whole file */
	if (!ret && created)
		ret = atomicfile_fsync_dir(path, err);
	if (!ret)
		faultpoint("atomicfile: appended");
	return ret;
}
