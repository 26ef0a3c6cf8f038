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

int fw_error(struct fw_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int fw_error_prefix(struct fw_err *err, const char *fmt, ...)
{
	char prefix[128], old[sizeof(err->msg)];
	size_t len, room;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	len = strlen(old);
	room = sizeof(err->msg) - 1 - strlen(prefix) - 2;
	if (len > room) {
		/* too long: the middle goes (a long path), never the end, which
		 * says what failed ("No space left on device") */
		size_t tail = room / 2, head = room - tail - 3;

		memmove(old + head + 3, old + len - tail, tail + 1);
		memcpy(old + head, "...", 3);
	}
	len = strlen(prefix);
	memcpy(err->msg, prefix, len);
	memcpy(err->msg + len, ": ", 2);
	memcpy(err->msg + len + 2, old, strlen(old) + 1);
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
