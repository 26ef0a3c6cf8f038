/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_ERR_H
#define FW_ERR_H

#include <stddef.h>

#define FW_MUST __attribute__((warn_unused_result))
#define FW_PRINTF(f, a) __attribute__((format(printf, f, a)))

/**
 * enum fw_errcode - error classes; each maps to one exit status (err.c)
 */
enum fw_errcode {
	FW_OK = 0,
	FW_EIO = -1, /* I/O or internal failure (exit 1) */
	FW_EUSAGE = -2, /* bad invocation or system.conf (exit 2) */
	FW_EVERIFY = -3, /* signature, hash, chain, policy (exit 3) */
	FW_EINCOMPAT = -4, /* bundle not for this board (exit 4) */
	FW_EBUSY = -5, /* another fwtool holds the lock (exit 5) */
	FW_EROLLEDBACK = -6, /* transaction rolled back (exit 6) */
	FW_ENOMEM = -7, /* allocation failed (exit 1) */
	FW_ENOSPC = -8, /* slot or disk too small (exit 1) */
	FW_EFORMAT = -9, /* malformed bundle or manifest (exit 3) */
	FW_ENOTSUP = -10, /* not built in / not supported (exit 1) */
	FW_ENOTFOUND = -11, /* no such slot/file (exit 1) */
	FW_ETIMEDOUT = -12, /* waited, and it is still pending (exit 7) */
	FW_ENOTACTIVE = -13, /* installed, not activated: nothing will end it (exit 8) */
	FW_ECORRUPT = -14, /* local state (STATEDIR, bootloader env) unreadable (exit 9) */
	FW_ENOTXN = -15, /* no such transaction (exit 10) */
};

/**
 * struct fw_err - one error: its class and a one-line message
 * @code: an enum fw_errcode, < 0 once set
 * @msg:  the message, most specific detail first written, prefixes added
 *        at module boundaries
 */
struct fw_err {
	int code;
	char msg[256];
};

/**
 * fw_error() - record an error
 * Return: @code, so callers can write "return fw_error(err, ...)".
 */
int fw_error(struct fw_err *err, int code, const char *fmt, ...) FW_PRINTF(3, 4);

/**
 * fw_error_prefix() - put "prefix: " in front of the message (module boundary)
 * Return: err->code.
 */
int fw_error_prefix(struct fw_err *err, const char *fmt, ...) FW_PRINTF(2, 3);

/** fw_err_clear() - reset @err to "no error" */
void fw_err_clear(struct fw_err *err);

/** fw_exit_status() - the process exit status for an error code (0 for 0) */
int fw_exit_status(int code);

/** fw_errcode_name() - short stable name of a code ("verify", "io", ...) */
const char *fw_errcode_name(int code);

#endif
