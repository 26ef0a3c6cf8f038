/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BUFQ_H
#define FW_BUFQ_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "limits.h"

/*
 * A ring of FW_IO_BUFS equal buffers between one producer and one consumer
 * thread. The producer fills buffers in ring order, the consumer drains them
 * in the same order; either side can abort, which wakes the other. Memory is
 * allocated once, so it does not grow with the image.
 */
struct bufq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *data[FW_IO_BUFS];
	size_t len[FW_IO_BUFS];
	int full[FW_IO_BUFS];
	unsigned wr, rd;
	size_t size;
	int eof, aborted;
};

/** bufq_init() - Return: 0, FW_ENOMEM */
int bufq_init(struct bufq *q, size_t bufsize, struct fw_err *err) FW_MUST;
/** bufq_free() - free the buffers (both threads stopped); idempotent */
void bufq_free(struct bufq *q);

/** bufq_get_empty() - producer: next buffer to fill, NULL once aborted */
uint8_t *bufq_get_empty(struct bufq *q);
/** bufq_put_full() - producer: hand the buffer over with @len bytes */
void bufq_put_full(struct bufq *q, size_t len);
/** bufq_close() - producer: no more buffers */
void bufq_close(struct bufq *q);

/** bufq_get_full() - consumer: next buffer, NULL at the end or on abort */
uint8_t *bufq_get_full(struct bufq *q, size_t *lenp);
/** bufq_put_empty() - consumer: done with the buffer */
void bufq_put_empty(struct bufq *q);

/** bufq_abort() - either side: stop both */
void bufq_abort(struct bufq *q);

#endif
