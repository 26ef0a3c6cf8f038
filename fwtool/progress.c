// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"
#include "progress.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void progress_init(struct progress *p, int bar, int events)
{
	memset(p, 0, sizeof(*p));
	p->bar = bar;
	p->events = events;
}

static void event(struct progress *p, uint64_t done)
{
	if (!p->events)
		return;
	printf("{\"schema\":\"fwtool.event/"
	       "1\",\"phase\":\"%s\",\"item\":\"%s\",\"done\":%llu,\"total\":%llu}\n",
	       p->phase ? p->phase : "", p->item ? p->item : "", (unsigned long long)done,
	       (unsigned long long)p->total);
	fflush(stdout);
}

void progress_transaction(struct progress *p, const char *id)
{
	if (!p->events)
		return;
	printf("{\"schema\":\"fwtool.event/1\",\"phase\":\"transaction\",\"transaction\":\"%s\"}\n",
	       id);
	fflush(stdout);
}

static void draw(struct progress *p, uint64_t done, double t)
{
	double el = t - p->start, frac = p->total ? (double)done / (double)p->total : 1;
	double rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(p->total - done) / rate : 0;
	char bar[31];
	int fill = (int)(frac * 30);

	memset(bar, '=', (size_t)fill);
	memset(bar + fill, ' ', (size_t)(30 - fill));
	bar[30] = '\0';
	fprintf(stderr, "\r%-8.8s %-10.10s [%s] %3d%% %7.1f MiB/s ETA %d:%02d ",
		p->phase ? p->phase : "", p->item ? p->item : "", bar, (int)(frac * 100),
		rate / 1048576.0, (int)eta / 60, (int)eta % 60);
	p->drawn = 1;
}

void progress_phase(struct progress *p, const char *phase, const char *item, uint64_t total)
{
	if (p->drawn)
		progress_end(p);
	p->phase = phase;
	p->item = item;
	p->total = total;
	p->last_done = 0;
	p->start = p->last_draw = now();
	event(p, 0);
}

void progress_update(struct progress *p, uint64_t done)
{
	double t;

	if (!p->bar && !p->events)
		return;
	t = now();
	p->last_done = done;
	if (t - p->last_draw < 0.1 && done < p->total)
		return;
	p->last_draw = t;
	if (p->bar)
		draw(p, done, t);
	event(p, done);
}

void progress_end(struct progress *p)
{
	if (p->bar && p->drawn) {
		draw(p, p->last_done, now());
		fputc('\n', stderr);
	}
	p->drawn = 0;
}

void progress_retry(struct progress *p, unsigned attempt, uint64_t offset, const char *why)
{
	json_object *reason;

	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
	log_warn("%s; resuming from byte %llu (retry %u)", why, (unsigned long long)offset,
		 attempt);
	if (!p->events)
		return;
	reason = json_object_new_string(why); /* json-c escapes it */
	printf("{\"schema\":\"fwtool.event/1\",\"phase\":\"retry\",\"attempt\":%u,"
	       "\"offset\":%llu,\"reason\":%s}\n",
	       attempt, (unsigned long long)offset,
	       json_object_to_json_string_ext(reason, JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(reason);
	fflush(stdout);
}

void progress_transfer(struct progress *p, uint64_t fetched, uint64_t copied)
{
	if (!p->events)
		return;
	printf("{\"schema\":\"fwtool.event/1\",\"phase\":\"transfer\",\"fetched\":%llu,"
	       "\"copied\":%llu}\n",
	       (unsigned long long)fetched, (unsigned long long)copied);
	fflush(stdout);
}

void progress_pipeline_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;

	if (total != p->total)
		p->total = total;
	progress_update(p, done);
}
