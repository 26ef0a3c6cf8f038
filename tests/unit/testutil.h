/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the cmocka programs: cmocka's headers and a temp directory. */
#ifndef FW_TESTUTIL_H
#define FW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/** testutil_tmpdir() - a fresh directory under $TMPDIR; the caller frees */
char *testutil_tmpdir(void);
/** testutil_rmrf() - remove @dir and everything in it, free it */
void testutil_rmrf(char *dir);
/** testutil_write() - write @len bytes to @dir/@name; returns the path */
char *testutil_write(const char *dir, const char *name, const void *buf, size_t len);

#endif
