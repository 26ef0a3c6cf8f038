/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_FDIO_H
#define FW_FDIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/**
 * fd_write_all() - write all @len bytes, retrying short writes and EINTR
 * Return: 0, or -1 with errno set.
 */
int fd_write_all(int fd, const void *buf, size_t len);

/** fd_pwrite_all() - the same at offset @off */
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/** fd_pread_all() - read all @len bytes at @off; ENODATA at the end */
int fd_pread_all(int fd, void *buf, size_t len, uint64_t off);

/**
 * fd_read_file() - read all of @path (at most @max bytes) into a new
 * NUL-terminated buffer: a state file, a certificate, /proc/cmdline
 * @bufp: NULL on entry; the caller frees
 * Return: 0, FW_ENOTFOUND (no such file), FW_EIO, FW_EFORMAT (too large).
 */
int fd_read_file(const char *path, size_t max, char **bufp, size_t *lenp,
		 struct fw_err *err) FW_MUST;

#endif
