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
	char prefix[128];
	size_t plen, room = sizeof(err->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	/* slide the message right, truncating its end, then put the prefix */
	memmove(err->msg + plen + 2, err->msg, room - plen - 2);
	err->msg[room - 1] = '\0';
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
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
