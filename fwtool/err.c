// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const struct {
	int code;
	int status;
	const char *name;
} codes[] = {
	{FW_OK, 0, "ok"},
	{FW_EIO, 1, "io"},
	{FW_EUSAGE, 2, "usage"},
	{FW_EVERIFY, 3, "verify"},
	{FW_EINCOMPAT, 4, "incompatible"},
	{FW_EBUSY, 5, "busy"},
	{FW_EROLLEDBACK, 6, "rolled-back"},
	{FW_ENOMEM, 1, "nomem"},
	{FW_ENOSPC, 1, "nospace"},
	{FW_EFORMAT, 3, "format"},
	{FW_ENOTSUP, 1, "unsupported"},
	{FW_ENOTFOUND, 1, "not-found"},
	{FW_ETIMEDOUT, 7, "timeout"},
	{FW_ENOTACTIVE, 8, "not-activated"},
	{FW_ECORRUPT, 9, "corrupt"},
	{FW_ENOTXN, 10, "no-transaction"},
};

/*
 * Copy @src into @dst (of @size) whole, or, when it is too long, with its
 * middle replaced by "...": a message's end says what failed ("No space
 * left on device"), its start where; a long path in between can give.
 */
static void fit(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src), room = size - 1;

	if (len <= room) {
		memcpy(dst, src, len + 1);
		return;
	}
	size_t tail = room / 2, head = room - tail - 3;

	memcpy(dst, src, head);
	memcpy(dst + head, "...", 3);
	memcpy(dst + head + 3, src + len - tail, tail + 1);
}

int fw_error(struct fw_err *err, int code, const char *fmt, ...)
{
	char full[4 * sizeof(err->msg)];
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	fit(err->msg, sizeof(err->msg), full);
	return code;
}

int fw_error_prefix(struct fw_err *err, const char *fmt, ...)
{
	char full[128 + 2 + sizeof(err->msg)];
	int n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(full, 128, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	else if (n > 127)
		n = 127;
	memcpy(full + n, ": ", 2);
	memcpy(full + n + 2, err->msg, sizeof(err->msg));
	full[sizeof(full) - 1] = '\0';
	fit(err->msg, sizeof(err->msg), full);
	return err->code;
}

void fw_err_clear(struct fw_err *err)
{
	err->code = FW_OK;
	err->msg[0] = '\0';
}

int fw_exit_status(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].status;
	return 1;
}

const char *fw_errcode_name(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "io";
}
