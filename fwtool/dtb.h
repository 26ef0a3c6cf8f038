/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_DTB_H
#define FW_DTB_H

#include <stddef.h>

#include "err.h"

/**
 * dtb_check() - is @buf (@len bytes) a flattened device tree that libfdt
 * may walk? Version 17 only, totalsize within @len, every tag moving
 * forward, then fdt_check_full(). libfdt 1.6.1 crashes on some headers of
 * older versions and loops on a tag that goes backwards, both found by
 * fuzzing (tests/fuzz/corpus/dtb), so those are refused before it looks.
 * @what names the blob in the message ("device tree", "FIT")
 * Return: 0, FW_EFORMAT.
 */
int dtb_check(const void *buf, size_t len, const char *what, struct fw_err *err) FW_MUST;

#endif
