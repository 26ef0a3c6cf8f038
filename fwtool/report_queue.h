/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_REPORT_QUEUE_H
#define FW_REPORT_QUEUE_H

#include "config.h"
#include "err.h"
#include "state.h"

/*
 * Final reports for [confirm] report_url or report_cmd. When a transaction
 * ends, its JSON (fwtool.transaction/1 and "host": hostname, machine-id,
 * the board's compatible strings) is queued in STATEDIR/outbox/ID.json
 * (atomically); report_queue_flush() delivers what is queued and deletes what
 * was taken: a POST to report_url answered 2xx, or report_cmd (a shell
 * command with the report on stdin, as static builds have no libcurl)
 * exiting 0, each within report_timeout seconds. A failed delivery waits
 * 30 s, 1 min, 2 min ... up to 1 h before the next try. Delivery never
 * changes an outcome: confirm commits or rolls back first, and reports
 * after, outside the lock.
 */

/**
 * report_queue_put() - queue @t's final report (atomically; a report already
 * queued under its id is replaced); nothing when no report_url.
 * Delivery is at least once: a cut can queue a report again that was
 * sent, so receivers deduplicate by transaction id.
 * Return: 0, FW_EIO, FW_ENOSPC, FW_ENOMEM.
 */
int report_queue_put(const struct config *cfg, const struct txn *t, struct fw_err *err) FW_MUST;

/**
 * struct report_queue_result - what a flush did
 */
struct report_queue_result {
	unsigned sent, failed, waiting;
};

/**
 * report_queue_sink() - where reports go, fit to print: "report_cmd", or
 * report_url without the user and password it may carry
 */
void report_queue_sink(const struct config *cfg, char *out, size_t size);

/**
 * report_queue_flush() - try every queued report whose wait is over, until one
 * delivery fails: the others then count as waiting
 * Return: 0; FW_ENOTSUP for report_url when built without CONFIG_REPORT_HTTP.
 */
int report_queue_flush(const struct config *cfg, struct report_queue_result *res,
		       struct fw_err *err) FW_MUST;

#endif
