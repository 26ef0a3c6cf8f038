/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_FDIO_H
#define FW_FDIO_H

#include <stddef.h>
#include <stdint.h>

/**
 * fd_write_all() - write all @len bytes, retrying short writes and EINTR
 * Return: 0, or -1 with errno set.
 */
int fd_write_all(int fd, const void *buf, size_t len);

/** fd_pwrite_all() - the same at offset @off */
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/** fd_pread_all() - read all @len bytes at @off; ENODATA at the end */
int fd_pread_all(int fd, void *buf, size_t len, uint64_t off);

#endif
