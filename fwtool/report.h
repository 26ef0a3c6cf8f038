/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_REPORT_H
#define FW_REPORT_H

#include "board.h"
#include "err.h"
#include "verify.h"

/*
 * Everything fwtool prints on stdout: human text, or with --json exactly
 * one JSON document carrying a "schema" field ("fwtool.<doc>/<version>").
 * The schemas are documented in docs/json.md. Only cmd_*.c and main.c call
 * this module.
 */

/** report_set_compact() - JSON on one line (with --events: JSON lines) */
void report_set_compact(int compact);

/**
 * report_error() - the one-line error on stderr; with @json also
 * {"schema":"fwtool.error/1","error":{"code","exit","message"}} on stdout
 */
void report_error(int json, const struct fw_err *err);

/**
 * report_bundle() - fwtool.info/1 or fwtool.verify/1
 * @result: "ok" for verify, NULL for info
 */
void report_bundle(int json, const char *path, const struct verified *v,
		   const char *result);

/** report_board() - fwtool.board/1 */
void report_board(int json, const struct board *b);

/** report_created() - fwtool.bundle/1 after 'bundle create' */
void report_created(int json, const char *path, const struct manifest *m);

#endif
