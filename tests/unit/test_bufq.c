// SPDX-License-Identifier: GPL-2.0-only
/*
 * The buffer ring under jitter: every buffer reaches every stage exactly
 * once, in stream order, with what stage 0 put in it, and the stream ends
 * for every stage, however the threads interleave. Random short sleeps
 * shake the interleavings; a lost or repeated buffer, a stage that never
 * ends (the test hangs), or one that ends early all fail.
 */
#include "testutil.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bufq.h"

#define STREAM 400

struct worker {
	struct bufq *q;
	unsigned stage, last;
	unsigned seed;
	uint64_t seen, next; /* buffers taken; the next seq expected */
	int in_order, fail_at; /* a stage that must see seqs in order; abort */
	int pairs; /* takes two at a time (bufq_get2) */
	int bad;
};

static void jitter(unsigned *seed)
{
	unsigned r = (unsigned)rand_r(seed) % 8;

	if (r < 3)
		sched_yield();
	else if (r == 3)
		nanosleep(&(struct timespec){0, 20000}, NULL);
}

/* One buffer taken: check it; 0 when this worker aborted the stream. */
static int take(struct worker *w, struct bufq_buf *b)
{
	uint64_t mark;

	jitter(&w->seed);
	memcpy(&mark, b->data, sizeof(mark));
	if (mark != b->seq || b->len != 8 + b->seq % 100)
		w->bad = 1;
	if (w->in_order && b->seq != w->next++)
		w->bad = 1;
	w->seen++;
	if (w->fail_at >= 0 && b->seq == (uint64_t)w->fail_at) {
		bufq_abort(w->q);
		return 0;
	}
	return 1;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct bufq_buf b[2];
	int n;

	while ((n = w->pairs ? bufq_get2(w->q, w->stage, b) : bufq_get(w->q, w->stage, b))) {
		int k;

		for (k = 0; k < n && take(w, &b[k]); k++)
			;
		if (k < n)
			break;
		for (k = 0; k < n; k++)
			bufq_put(w->q, w->stage, &b[k]);
	}
	bufq_close(w->q, w->stage);
	return NULL;
}

/*
 * Stream @len buffers through @nstages with @threads; abort at @fail_at;
 * stage 1, if @pairs, takes them two at a time.
 */
static void stream_pairs(const unsigned *threads, unsigned nstages, int fail_at, unsigned seed,
			 uint64_t len, int pairs)
{
	struct bufq q;
	struct fw_err err = {0};
	struct worker w[8] = {0};
	pthread_t th[8];
	unsigned nw = 0;
	uint64_t per_stage[BUFQ_MAX_STAGES] = {0};

	assert_int_equal(bufq_init(&q, nstages, threads, 1, 4096, &err), 0);
	for (unsigned s = 1; s < nstages; s++)
		for (unsigned t = 0; t < threads[s]; t++, nw++) {
			w[nw] = (struct worker){.q = &q,
						.stage = s,
						.seed = seed + nw,
						.in_order = threads[s] == 1,
						.fail_at = -1,
						.pairs = pairs && s == 1};
			if (s == 1) /* whichever thread takes it */
				w[nw].fail_at = fail_at;
			assert_int_equal(pthread_create(&th[nw], NULL, run, &w[nw]), 0);
		}
	for (uint64_t i = 0; i < len; i++) {
		struct bufq_buf b;

		if (!bufq_get(&q, 0, &b))
			break;
		assert_int_equal(b.seq, i);
		assert_int_equal(b.len, 4096);
		memcpy(b.data, &i, sizeof(i));
		b.len = 8 + i % 100;
		jitter(&seed);
		bufq_put(&q, 0, &b);
	}
	bufq_close(&q, 0);
	for (unsigned i = 0; i < nw; i++) {
		pthread_join(th[i], NULL);
		assert_false(w[i].bad);
		per_stage[w[i].stage] += w[i].seen;
	}
	for (unsigned s = 1; s < nstages; s++) {
		if (fail_at < 0)
			assert_int_equal(per_stage[s], len);
		else
			assert_true(per_stage[s] <= (uint64_t)fail_at + 1 + q.nbufs);
	}
	bufq_free(&q);
}

static void stream(const unsigned *threads, unsigned nstages, int fail_at, unsigned seed)
{
	stream_pairs(threads, nstages, fail_at, seed, STREAM, 0);
}

static void test_bufq_every_buffer_once_in_order(void **state)
{
	static const unsigned shapes[][BUFQ_MAX_STAGES] = {
		{1, 1}, {1, 1, 1}, {1, 2, 1}, {1, 2, 1, 1}, {1, 1, 1, 1}, {1, 3, 1, 2},
	};

	(void)state;
	for (unsigned round = 0; round < 20; round++)
		for (unsigned i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
			unsigned n = 0;

			while (n < BUFQ_MAX_STAGES && shapes[i][n])
				n++;
			stream(shapes[i], n, -1, round * 31 + i);
		}
}

static void test_bufq_abort_stops_every_stage(void **state)
{
	static const unsigned shape[] = {1, 2, 1, 1};

	(void)state;
	for (unsigned round = 0; round < 20; round++)
		stream(shape, 4, (int)(round * 7 % 50), round);
}

/* the chunk checker's way: rings of 4 and 5 (pairs then span laps) */
static void test_bufq_pairs_in_a_one_thread_stage(void **state)
{
	static const unsigned shapes[][BUFQ_MAX_STAGES] = {{1, 1}, {1, 1, 1}, {1, 1, 1, 1}};

	(void)state;
	for (unsigned round = 0; round < 20; round++)
		for (unsigned i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
			stream_pairs(shapes[i], i + 2, -1, round * 17 + i, STREAM + round % 2, 1);
			stream_pairs(shapes[i], i + 2, (int)(round * 13 % 60), round, STREAM, 1);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bufq_every_buffer_once_in_order, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_bufq_abort_stops_every_stage, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_bufq_pairs_in_a_one_thread_stage, NULL, NULL),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
