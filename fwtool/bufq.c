// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "bufq.h"
#include "iobuf.h"

int bufq_init(struct bufq *q, unsigned nstages, const unsigned *threads, unsigned spare,
	      size_t bufsize, struct fw_err *err)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	for (unsigned i = 0; i < BUFQ_MAX_STAGES; i++)
		pthread_cond_init(&q->cv[i], NULL);
	q->size = bufsize;
	q->nstages = nstages;
	memcpy(q->threads, threads, nstages * sizeof(*threads));
	/* one buffer for each thread to hold, and the spare ones; larger
	 * buffers get fewer, but never fewer than four */
	for (unsigned i = 0; i < nstages; i++)
		q->nbufs += threads[i];
	q->nbufs += spare;
	if (q->nbufs > FW_IO_RING / bufsize)
		q->nbufs = FW_IO_RING / bufsize;
	q->nbufs = q->nbufs < 4 ? 4 : q->nbufs > FW_IO_BUFS ? FW_IO_BUFS : q->nbufs;
	/* one allocation: the buffers share huge pages (page-aligned within
	 * them too, so that O_DIRECT slot writers can use them) */
	q->mem = iobuf_alloc(q->nbufs * bufsize);
	if (!q->mem) {
		bufq_free(q);
		return fw_error(err, FW_ENOMEM, "out of memory for I/O buffers");
	}
	for (unsigned i = 0; i < q->nbufs; i++)
		q->data[i] = q->mem + i * bufsize;
	return 0;
}

void bufq_free(struct bufq *q)
{
	iobuf_free(q->mem, q->nbufs * q->size);
	q->mem = NULL;
	if (q->size) {
		pthread_mutex_destroy(&q->mu);
		for (unsigned i = 0; i < BUFQ_MAX_STAGES; i++)
			pthread_cond_destroy(&q->cv[i]);
		q->size = 0;
	}
}

/* Wait, locked, until ring buffer @i is @stage's; 1 when it is. */
static int wait_for(struct bufq *q, unsigned stage, unsigned i, struct bufq_buf *b)
{
	/*
	 * A buffer another thread of this stage still holds is the previous
	 * lap's, not ours: a stage of several threads can claim a full ring
	 * ahead of its slowest. A stage's threads close only after their last
	 * put, so a closed predecessor and a buffer not yet ours means the
	 * stream has ended.
	 */
	while ((q->stage[i] != stage || q->held[i]) && !q->aborted &&
	       !(stage && q->closed[stage - 1] == q->threads[stage - 1]))
		pthread_cond_wait(&q->cv[stage], &q->mu);
	if (q->aborted || q->stage[i] != stage || q->held[i])
		return 0;
	q->held[i] = 1;
	b->data = q->data[i];
	b->len = stage ? q->len[i] : q->size;
	b->seq = stage ? q->seq[i] : q->next_seq++;
	b->idx = i;
	return 1;
}

int bufq_get(struct bufq *q, unsigned stage, struct bufq_buf *b)
{
	unsigned i;
	int got;

	pthread_mutex_lock(&q->mu);
	i = q->pos[stage];
	q->pos[stage] = (i + 1) % q->nbufs;
	got = wait_for(q, stage, i, b);
	pthread_mutex_unlock(&q->mu);
	return got;
}

int bufq_get2(struct bufq *q, unsigned stage, struct bufq_buf b[2])
{
	unsigned i;
	int got;

	pthread_mutex_lock(&q->mu);
	i = q->pos[stage];
	q->pos[stage] = (i + 2) % q->nbufs;
	got = wait_for(q, stage, i, &b[0]);
	if (got)
		got += wait_for(q, stage, (i + 1) % q->nbufs, &b[1]);
	pthread_mutex_unlock(&q->mu);
	return got;
}

void bufq_put(struct bufq *q, unsigned stage, const struct bufq_buf *b)
{
	pthread_mutex_lock(&q->mu);
	if (!stage)
		q->data[b->idx] = b->data; /* stage 0 may point it elsewhere */
	q->len[b->idx] = b->len;
	q->seq[b->idx] = b->seq;
	q->held[b->idx] = 0;
	q->stage[b->idx] = (stage + 1) % q->nstages;
	/* the next stage waits for this buffer; with several threads there,
	 * any of them may have claimed it, so wake them all */
	pthread_cond_broadcast(&q->cv[(stage + 1) % q->nstages]);
	pthread_mutex_unlock(&q->mu);
}

void bufq_close(struct bufq *q, unsigned stage)
{
	pthread_mutex_lock(&q->mu);
	q->closed[stage]++;
	if (stage + 1 < q->nstages)
		pthread_cond_broadcast(&q->cv[stage + 1]);
	pthread_mutex_unlock(&q->mu);
}

void bufq_abort(struct bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->aborted = 1;
	for (unsigned i = 0; i < q->nstages; i++)
		pthread_cond_broadcast(&q->cv[i]);
	pthread_mutex_unlock(&q->mu);
}
