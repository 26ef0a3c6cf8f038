// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"

/* One loop for both: @pos < 0 writes at the file position, else at @pos. */
static int write_loop(int fd, const void *buf, size_t len, int64_t pos)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pos < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		if (pos >= 0)
			pos += n;
	}
	return 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, -1);
}

int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return write_loop(fd, buf, len, (int64_t)off);
}

int fd_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENODATA;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fd_read_file(const char *path, size_t max, char **bufp, size_t *lenp, struct fw_err *err)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	*bufp = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return fw_error(err, FW_ENOTFOUND, "%s: not found", path);
		return fw_error(err, FW_EIO, "open %s: %s", path, strerror(errno));
	}
	buf = malloc(cap + 1);
	while (buf) {
		if (len == cap) {
			char *nb;

			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return fw_error(err, FW_ENOMEM, "out of memory reading %s", path);
	if (len == cap && cap >= max) {
		free(buf);
		return fw_error(err, FW_EFORMAT, "%s: larger than %zu bytes", path, max);
	}
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	return 0;
}
