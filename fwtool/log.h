/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_LOG_H
#define FW_LOG_H

#include "err.h"

enum log_level { LOG_QUIET = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/**
 * log_msg() - print "fwtool: <msg>" (warnings: "fwtool: warning: <msg>") to
 * stderr. What a user is told comes from cmd_* and main.c; lower modules
 * return errors. Below the CLI only log_warn() (a warning changes nothing
 * in the flow) and log_debug() (a trace for -v) are called: never
 * log_info() or log_err().
 */
void log_msg(enum log_level level, const char *fmt, ...) FW_PRINTF(2, 3);

/** log_set_level() - show messages up to @level (main.c, cmd_config()) */
void log_set_level(enum log_level level);

/** log_get_level() - the level in force */
enum log_level log_get_level(void);

/**
 * log_level_parse() - "error", "warning", "info" or "debug"
 * Return: the enum log_level, or -1 for any other name
 */
int log_level_parse(const char *name);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
