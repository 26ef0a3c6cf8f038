// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* debug messages are compiled in; -v, or log_level in system.conf, shows them */
static enum log_level cur_level = LOG_INFO;

/* LOG_QUIET has no name: errors are always shown */
static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (level_names[i] && !strcmp(name, level_names[i]))
			return (int)i;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	fputs(level == LOG_WARN ? "fwtool: warning: " : "fwtool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
