/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_PROGRESS_H
#define FW_PROGRESS_H

#include <stdint.h>

/**
 * struct progress - a bar on stderr (percentage, throughput, ETA) for
 * people, and/or JSON lines on stdout for programs:
 *   {"schema":"fwtool.event/1","phase":"install","item":"rootfs",
 *    "done":1048576,"total":4194304}
 */
struct progress {
	int bar;
	int events;
	const char *phase;
	const char *item;
	uint64_t total;
	uint64_t last_done;
	double start, last_draw;
	int drawn;
};

void progress_init(struct progress *p, int bar, int events);
/**
 * progress_transaction() - the first event of an install or recovery:
 *   {"schema":"fwtool.event/1","phase":"transaction","transaction":"ID"}
 * so a program that loses the connection still knows what to wait for
 */
void progress_transaction(struct progress *p, const char *id);
/** progress_phase() - start a phase (@item may be NULL); emits an event */
void progress_phase(struct progress *p, const char *phase, const char *item, uint64_t total);
/** progress_update() - throttled to about 10 updates a second */
void progress_update(struct progress *p, uint64_t done);
/**
 * progress_retry() - a download resumed; a line on stderr, and
 *   {"schema":"fwtool.event/1","phase":"retry","attempt":N,"offset":BYTES,
 *    "reason":"..."}
 */
void progress_retry(struct progress *p, unsigned attempt, uint64_t offset, const char *why);
/**
 * progress_transfer() - where a download's bytes came from:
 *   {"schema":"fwtool.event/1","phase":"transfer","fetched":N,"copied":N}
 */
void progress_transfer(struct progress *p, uint64_t fetched, uint64_t copied);
/** progress_end() - finish the bar line and emit a final event */
void progress_end(struct progress *p);

/** progress_pipeline_cb() - adapter for struct pipeline_progress */
void progress_pipeline_cb(void *ctx, uint64_t done, uint64_t total);

#endif
