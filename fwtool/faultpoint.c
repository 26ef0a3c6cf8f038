// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "faultpoint.h"
#include "kconfig.h"

void faultpoint(const char *what)
{
	static long count, limit = -1;
	const char *log;

	if (!IS_ENABLED(CONFIG_FAULT_INJECT))
		return;
	if (limit < 0) {
		const char *s = getenv("FWTOOL_CUT_AFTER");

		limit = s ? atol(s) : 0;
	}
	count++;
	log = getenv("FWTOOL_CUT_LOG");
	if (log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%ld %s\n", count, what);
			fclose(f);
		}
	}
	if (limit > 0 && count >= limit)
		_exit(FAULTPOINT_STATUS);
}

void faultpoint_corrupt_read(uint64_t off, void *buf, size_t len)
{
	const char *s;
	uint64_t at;

	if (!IS_ENABLED(CONFIG_FAULT_INJECT) || !(s = getenv("FWTOOL_CORRUPT_READ")))
		return;
	at = strtoull(s, NULL, 0);
	if (at >= off && at - off < len)
		((uint8_t *)buf)[at - off] ^= 0x01;
}
