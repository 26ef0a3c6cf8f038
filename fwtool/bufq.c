// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "bufq.h"

int bufq_init(struct bufq *q, size_t bufsize, struct fw_err *err)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->size = bufsize;
	for (unsigned i = 0; i < FW_IO_BUFS; i++) {
		/* page-aligned, so that O_DIRECT slot writers can use them */
		if (posix_memalign((void **)&q->data[i], 4096, bufsize)) {
			q->data[i] = NULL;
			bufq_free(q);
			return fw_error(err, FW_ENOMEM, "out of memory for I/O buffers");
		}
	}
	return 0;
}

void bufq_free(struct bufq *q)
{
	for (unsigned i = 0; i < FW_IO_BUFS; i++) {
		free(q->data[i]);
		q->data[i] = NULL;
	}
	if (q->size) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		q->size = 0;
	}
}

uint8_t *bufq_get_empty(struct bufq *q)
{
	uint8_t *p = NULL;

	pthread_mutex_lock(&q->mu);
	while (q->full[q->wr] && !q->aborted)
		pthread_cond_wait(&q->cv, &q->mu);
	if (!q->aborted)
		p = q->data[q->wr];
	pthread_mutex_unlock(&q->mu);
	return p;
}

void bufq_put_full(struct bufq *q, size_t len)
{
	pthread_mutex_lock(&q->mu);
	q->len[q->wr] = len;
	q->full[q->wr] = 1;
	q->wr = (q->wr + 1) % FW_IO_BUFS;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void bufq_close(struct bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->eof = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

uint8_t *bufq_get_full(struct bufq *q, size_t *lenp)
{
	uint8_t *p = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->full[q->rd] && !q->eof && !q->aborted)
		pthread_cond_wait(&q->cv, &q->mu);
	if (!q->aborted && q->full[q->rd]) {
		p = q->data[q->rd];
		*lenp = q->len[q->rd];
	}
	pthread_mutex_unlock(&q->mu);
	return p;
}

void bufq_put_empty(struct bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->full[q->rd] = 0;
	q->rd = (q->rd + 1) % FW_IO_BUFS;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void bufq_abort(struct bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->aborted = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
