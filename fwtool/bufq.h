/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BUFQ_H
#define FW_BUFQ_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fwlimits.h"

#define BUFQ_MAX_STAGES 4

/*
 * A ring of equal buffers, one per thread and the spare ones its user asks
 * for (at least 4, at most FW_IO_BUFS, within FW_IO_RING bytes unless that
 * is under 4), passed through up to BUFQ_MAX_STAGES stages. Stage 0 fills
 * a buffer, stage 1 takes it next, and so on; after the last stage it is
 * stage 0's to fill again. A stage may have several threads: each claims
 * the next buffer in ring order, so they work on different buffers side by
 * side, and the next stage still takes them in stream order. A stage whose
 * threads are all done has closed, which ends the next stage once it has
 * taken what came before; any thread can abort, which stops them all.
 * Memory is allocated once: it does not grow with the image.
 */
struct bufq {
	pthread_mutex_t mu;
	pthread_cond_t cv[BUFQ_MAX_STAGES]; /* a stage's threads wait on theirs */
	uint8_t *mem; /* the buffers, in one allocation */
	uint8_t *data[FW_IO_BUFS];
	size_t len[FW_IO_BUFS];
	uint64_t seq[FW_IO_BUFS]; /* the buffer's place in the stream */
	unsigned stage[FW_IO_BUFS]; /* the stage each buffer waits for */
	int held[FW_IO_BUFS]; /* a thread has it (a claim a lap ahead waits) */
	unsigned pos[BUFQ_MAX_STAGES]; /* the buffer each stage claims next */
	unsigned threads[BUFQ_MAX_STAGES], closed[BUFQ_MAX_STAGES];
	unsigned nstages, nbufs;
	uint64_t next_seq;
	size_t size;
	int aborted;
};

/** struct bufq_buf - a buffer a stage holds: its data, length and place */
struct bufq_buf {
	uint8_t *data;
	size_t len; /* stage 0 gets the buffer's size */
	uint64_t seq; /* 0, 1, 2 ... in stream order */
	unsigned idx;
};

/**
 * bufq_init() - @nstages (2..BUFQ_MAX_STAGES), with @threads[i] threads in
 * stage i, and @spare buffers more than one per thread (one in hand-off
 * lets a stage start on the next buffer while its successor works; a stage
 * that takes two at a time, bufq_get2(), wants one more), never fewer than
 * four in all; Return: 0, FW_ENOMEM
 */
int bufq_init(struct bufq *q, unsigned nstages, const unsigned *threads, unsigned spare,
	      size_t bufsize, struct fw_err *err) FW_MUST;
/** bufq_free() - free the buffers (all threads stopped); idempotent */
void bufq_free(struct bufq *q);

/**
 * bufq_get() - claim the next buffer for @stage and wait until it is
 * @stage's; Return: 1, or 0 once aborted or at the end of the stream
 * (stage 0 never sees an end)
 */
int bufq_get(struct bufq *q, unsigned stage, struct bufq_buf *b) FW_MUST;
/**
 * bufq_get2() - claim the next two buffers for @stage, a stage of one
 * thread, and wait for both (two stream neighbours); Return: how many it
 * got, 0..2 (fewer at the end of the stream; 0 once aborted). Not for a
 * stage of several threads: one of them could hold a buffer while waiting
 * for one a lap ahead, which the ring cannot bring round.
 */
int bufq_get2(struct bufq *q, unsigned stage, struct bufq_buf b[2]) FW_MUST;
/**
 * bufq_put() - hand @b on to the next stage, with b->len bytes; stage 0 may
 * have pointed b->data at memory of its own, which the later stages then
 * see (it gets that pointer back with the buffer; bufq_mem() is the ring's
 * own memory)
 */
void bufq_put(struct bufq *q, unsigned stage, const struct bufq_buf *b);
/** bufq_mem() - ring buffer @idx's own memory */
static inline uint8_t *bufq_mem(const struct bufq *q, unsigned idx)
{
	return q->mem + (size_t)idx * q->size;
}

/** bufq_close() - this thread of @stage hands over no more buffers */
void bufq_close(struct bufq *q, unsigned stage);
/** bufq_abort() - any thread: stop them all */
void bufq_abort(struct bufq *q);

#endif
