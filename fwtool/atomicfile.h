/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_ATOMICFILE_H
#define FW_ATOMICFILE_H

#include <stddef.h>

#include "err.h"

/**
 * atomicfile_write() - replace @path with @len bytes so that a power cut at
 * any instant leaves either the old or the new content: write a temp file
 * in the same directory, fsync it, rename it over @path, fsync the directory
 * Return: 0, FW_EIO, FW_ENOSPC.
 */
int atomicfile_write(const char *path, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/**
 * atomicfile_append() - append one newline-terminated record with a single
 * write(), then fdatasync, and for a file it created the directory too
 * (history). A torn last record (no newline: a
 * power cut, a full disk) is cut off first, never glued to this one.
 */
int atomicfile_append(const char *path, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/** atomicfile_fsync_dir() - fsync the directory holding @path */
int atomicfile_fsync_dir(const char *path, struct fw_err *err) FW_MUST;

#endif
