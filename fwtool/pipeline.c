// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bufq.h"
#include "decomp.h"
#include "hash.h"
#include "pipeline.h"

/*
 * The threads behind the reader, in stream order: the chunk checker (for
 * an uncompressed image; it hashes two chunks side by side, which beats
 * two threads of one chain each on two cores shared with the reader, the
 * writer and the loop device), the hasher of a compressed image's output
 * whole (not on the writer's thread, which waits for the device; verify
 * hashes on the writer's thread, which writes nothing), the writer, and
 * the checker of what the writer wrote.
 */
enum role { AUTH, WRITE, CONTENT, CHECK };

struct stage {
	struct bufq *q;
	unsigned n;
	enum role role;
	const struct manifest_image *img;
	const struct pipeline_sink *sink;
	struct hash content; /* the image whole (WRITE, or CONTENT ahead of it) */
	int hash_content;
	struct hash chunk; /* verify, seekable: each installed chunk too */
	int hash_chunks;
	uint64_t bytes;
	int ret;
	struct fw_err err;
};

/* The digest of chunk @i of @img against the signed list. */
static int check_digest(const struct manifest_image *img, uint64_t i, const uint8_t *digest,
			struct fw_err *err)
{
	if (memcmp(digest, img->chunks + i * HASH_LEN, HASH_LEN))
		return fw_error(err, FW_EVERIFY,
				"image %s: chunk %llu (offset %llu) does not match the "
				"signed manifest",
				img->file, (unsigned long long)i,
				(unsigned long long)(img->frame_at ? img->frame_at[i]
								   : i * img->chunk_size));
	return 0;
}

/* Chunk @i of @img, @len bytes at @buf, against the signed list. */
static int check_chunk(const struct manifest_image *img, uint64_t i, const uint8_t *buf, size_t len,
		       struct fw_err *err)
{
	uint8_t digest[HASH_LEN];

	hash_buf(buf, len, digest);
	return check_digest(img, i, digest, err);
}

/*
 * Verify of a seekable image: what each frame decoded to against its
 * content_chunks entry, the digest a device looks for in its slots.
 */
static int check_content_chunks(struct stage *st, const uint8_t *p, size_t len)
{
	const struct manifest_image *img = st->img;
	uint64_t at = st->bytes;

	while (len) {
		uint64_t k = at / img->chunk_size, end = (k + 1) * img->chunk_size;
		size_t take = end - at < len ? (size_t)(end - at) : len;
		uint8_t digest[HASH_LEN];

		if (k >= img->nchunks)
			return 0; /* more than installed_size: check_result says so */
		hash_update(&st->chunk, p, take);
		at += take;
		p += take;
		len -= take;
		if (at != end && at != img->installed_size)
			continue;
		hash_final(&st->chunk, digest);
		hash_init(&st->chunk);
		if (memcmp(digest, img->content_chunks + k * HASH_LEN, HASH_LEN))
			return fw_error(&st->err, FW_EVERIFY,
					"image %s: frame %llu decodes to other bytes than its "
					"content_chunks entry",
					img->file, (unsigned long long)k);
	}
	return 0;
}

/* What a stage behind the checker does with one buffer, then hands it on. */
static int stage_work(struct stage *st, const struct bufq_buf *b)
{
	if (st->role == CHECK)
		return st->sink->check(st->sink->ctx, b->data, b->len, &st->err);
	if (st->hash_content)
		hash_update(&st->content, b->data, b->len);
	if (st->role == CONTENT)
		return 0;
	if (st->hash_chunks && check_content_chunks(st, b->data, b->len))
		return st->err.code;
	st->bytes += b->len;
	return st->sink->write ? st->sink->write(st->sink->ctx, b->data, b->len, &st->err) : 0;
}

static int stage_step(struct stage *st, const struct bufq_buf *b)
{
	int ret = stage_work(st, b);

	if (!ret)
		bufq_put(st->q, st->n, b);
	return ret;
}

/*
 * Two chunks at once: SHA-256 is one dependent chain per chunk, and two
 * chains side by side keep the SHA unit busier (hash_buf2). The two are
 * stream neighbours claimed together (bufq_get2), so a thread never holds
 * one buffer while it waits for one the rest of the ring is behind.
 */
static int auth_pair(struct stage *st, struct bufq_buf b[2], int n)
{
	uint8_t digest[2][HASH_LEN];
	int ret;

	if (n == 2)
		hash_buf2(b[0].data, b[0].len, digest[0], b[1].data, b[1].len, digest[1]);
	else
		hash_buf(b[0].data, b[0].len, digest[0]);
	for (int k = 0; k < n; k++) {
		ret = check_digest(st->img, b[k].seq, digest[k], &st->err);
		if (ret)
			return ret;
	}
	for (int k = 0; k < n; k++)
		bufq_put(st->q, st->n, &b[k]);
	return 0;
}

/*
 * A bundle file truncated under a map (bundle_map) faults with SIGBUS where
 * a stage touches the bytes: that stage ends with the error a read of the
 * shorter file gives. Any other SIGBUS does what it did.
 */
static _Thread_local sigjmp_buf *map_guard;

static void on_sigbus(int sig)
{
	if (map_guard)
		siglongjmp(*map_guard, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *stage_main(void *arg)
{
	struct stage *st = arg;
	struct bufq_buf b[2];
	sigjmp_buf guard;
	sigset_t all;
	int n;

	/* signals go to the reading thread, whose blocking read they break;
	 * not SIGBUS, which is this thread's own fault */
	sigfillset(&all);
	sigdelset(&all, SIGBUS);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (sigsetjmp(guard, 1)) {
		map_guard = NULL;
		st->ret = fw_error(&st->err, FW_EFORMAT,
				   "bundle: member '%s' ends early (truncated while it was read)",
				   st->img->file);
		bufq_abort(st->q);
		bufq_close(st->q, st->n);
		return NULL;
	}
	map_guard = &guard;
	while ((n = st->role == AUTH ? bufq_get2(st->q, st->n, b) : bufq_get(st->q, st->n, b))) {
		st->ret = st->role == AUTH ? auth_pair(st, b, n) : stage_step(st, b);
		if (st->ret) {
			bufq_abort(st->q);
			break;
		}
	}
	map_guard = NULL;
	bufq_close(st->q, st->n);
	return NULL;
}

struct reader {
	struct bundle_reader *r;
	const struct manifest_image *img;
	const struct pipeline_progress *progress;
	struct bufq *q;
	struct decomp dc;
	uint8_t *in; /* chunk buffer when decompressing */
	struct bufq_buf ob; /* output buffer being filled */
	int have_ob;
	size_t ofill;
	uint64_t out; /* bytes decompressed */
	/* nothing is written: an uncompressed chunk is hashed where the page
	 * cache holds it (bundle_map), a copy fewer; never for an install, as
	 * a file changed under the map would change what was checked */
	int may_map;
	struct bundle_mapping map[FW_IO_BUFS];
};

/* The writer's next empty buffer; 0 when a later stage failed. */
static int ob_get(struct reader *rd)
{
	if (!bufq_get(rd->q, 0, &rd->ob))
		return 0;
	rd->have_ob = 1;
	rd->ofill = 0;
	return 1;
}

/* The buffer being filled, to the writer as it is. */
static void ob_put(struct reader *rd)
{
	rd->ob.len = rd->ofill;
	bufq_put(rd->q, 0, &rd->ob);
	rd->have_ob = 0;
}

/*
 * Decode one authenticated chunk into the writer's buffers. Buffers go over
 * only when full (or at the end of the stream), so slot writes stay large
 * and aligned whatever sizes the decoder returns.
 */
static int feed_decoder(struct reader *rd, const uint8_t *in, size_t len, struct fw_err *err)
{
	struct bufq *q = rd->q;

	while (len || !rd->dc.finished) {
		size_t n;
		int ret;

		if (!rd->have_ob && !ob_get(rd))
			return FW_EIO; /* a later stage failed; its error wins */
		n = q->size - rd->ofill;
		ret = decomp_step(&rd->dc, &in, &len, rd->ob.data + rd->ofill, &n, err);
		if (ret)
			return ret;
		if (n > rd->img->installed_size - rd->out)
			return fw_error(
				err, FW_EFORMAT,
				"image %s: decompresses to more than the declared %llu bytes",
				rd->img->file, (unsigned long long)rd->img->installed_size);
		rd->out += n;
		rd->ofill += n;
		if (rd->ofill == q->size || (rd->dc.finished && rd->ofill))
			ob_put(rd);
		if (!n && !len)
			break; /* needs the next chunk */
	}
	return 0;
}

/* Hand @len installed bytes to the writer, the last buffer at the end. */
static int put_plain(struct reader *rd, const uint8_t *p, size_t len)
{
	struct bufq *q = rd->q;

	while (len) {
		size_t n;

		if (!rd->have_ob && !ob_get(rd))
			return FW_EIO; /* a later stage failed; its error wins */
		n = q->size - rd->ofill < len ? q->size - rd->ofill : len;
		memcpy(rd->ob.data + rd->ofill, p, n);
		rd->ofill += n;
		rd->out += n;
		p += n;
		len -= n;
		if (rd->ofill == q->size || !len)
			ob_put(rd);
	}
	return 0;
}

/*
 * Frame @i of a seekable image, @n stored bytes, read into rd->in. If a
 * slot holds the chunk it decodes to (bundle_local_read()), the frame was
 * not fetched and its bytes are placeholders: the chunk is read from the
 * slot instead, into the same buffer, and checked against content_chunks
 * before the writer sees it. Otherwise the frame is checked against the
 * signed list, decoded, and must end, complete, where its chunk ends.
 */
static int read_frame(struct reader *rd, uint32_t i, size_t n, struct fw_err *err)
{
	const struct manifest_image *img = rd->img;
	uint64_t at = (uint64_t)i * img->chunk_size;
	uint64_t end = img->installed_size - at < img->chunk_size ? img->installed_size
								  : at + img->chunk_size;
	uint8_t digest[HASH_LEN];
	int local, ret;

	ret = bundle_read(rd->r, rd->in, n, err);
	if (!ret)
		ret = bundle_local_read(rd->r, img, i, at, rd->in, (size_t)(end - at), &local, err);
	if (ret)
		return ret;
	if (local) {
		hash_buf(rd->in, (size_t)(end - at), digest);
		if (memcmp(digest, img->content_chunks + (size_t)i * HASH_LEN, HASH_LEN))
			return fw_error(err, FW_EVERIFY,
					"image %s: chunk %u read from a slot does not match the "
					"signed manifest",
					img->file, i);
		return put_plain(rd, rd->in, (size_t)(end - at));
	}
	ret = check_chunk(img, i, rd->in, n, err);
	if (!ret)
		ret = feed_decoder(rd, rd->in, n, err);
	if (!ret && (!rd->dc.finished || rd->out != end))
		ret = fw_error(err, FW_EFORMAT,
			       "image %s: frame %u does not decode to chunk %u alone", img->file, i,
			       i);
	return ret;
}

/*
 * Read the image chunk by chunk. An uncompressed chunk goes into a ring
 * buffer as it is and is checked by the next stage; a compressed one is
 * checked here, before the decompressor sees a byte of it.
 */
static int read_chunks(struct reader *rd, struct fw_err *err)
{
	const struct manifest_image *img = rd->img;
	uint64_t left = img->size;

	for (uint32_t i = 0; i < img->nchunks; i++) {
		size_t n = left < img->chunk_size ? (size_t)left : img->chunk_size;
		struct bufq_buf b;
		int ret;

		if (img->frame_at)
			n = (size_t)(img->frame_at[i + 1] - img->frame_at[i]);
		if (img->compression == COMP_NONE) {
			const uint8_t *p = NULL;

			if (!bufq_get(rd->q, 0, &b))
				return FW_EIO;
			/* the lap before's map is done with: every stage had it */
			bundle_unmap(&rd->map[b.idx]);
			b.data = bufq_mem(rd->q, b.idx);
			ret = rd->may_map ? bundle_map(rd->r, n, &p, &rd->map[b.idx], err) : 0;
			if (!ret && p)
				b.data = (uint8_t *)(uintptr_t)p;
			else if (!ret)
				ret = bundle_read(rd->r, b.data, n, err);
			if (ret)
				return ret;
			b.len = n;
			bufq_put(rd->q, 0, &b);
		} else if (img->frame_at) {
			ret = read_frame(rd, i, n, err);
			if (ret)
				return ret;
		} else {
			ret = bundle_read(rd->r, rd->in, n, err);
			if (!ret)
				ret = check_chunk(img, i, rd->in, n, err);
			if (!ret)
				ret = feed_decoder(rd, rd->in, n, err);
			if (ret)
				return ret;
		}
		left -= n;
		if (rd->progress && rd->progress->fn)
			rd->progress->fn(rd->progress->ctx, rd->progress->base + img->size - left,
					 rd->progress->total);
	}
	if (img->compression != COMP_NONE && !rd->dc.finished)
		return fw_error(err, FW_EFORMAT, "image %s: %s stream ends early", img->file,
				comp_name(img->compression));
	return 0;
}

/*
 * What the stream proved. An uncompressed image is its chunks, each one
 * checked against the signed list: for an install, a second pass over the
 * whole image would prove nothing more about the bytes written. A
 * decompressor's output is hashed whole and compared with the manifest's
 * sha256, unless the caller reads the slot back and compares that
 * instead; verify (hash_all) hashes every image whole.
 */
static int check_result(const struct reader *rd, const struct stage *w, struct stage *h,
			struct fw_err *err)
{
	const struct manifest_image *img = rd->img;
	uint8_t digest[HASH_LEN];

	if (w->bytes != img->installed_size)
		return fw_error(err, FW_EFORMAT,
				"image %s: %llu bytes installed, the manifest says %llu", img->file,
				(unsigned long long)w->bytes,
				(unsigned long long)img->installed_size);
	if (!h)
		return 0;
	hash_final(&h->content, digest);
	if (memcmp(digest, img->sha256, HASH_LEN))
		return fw_error(err, FW_EVERIFY,
				"image %s: installed content does not match the manifest's sha256",
				img->file);
	return 0;
}

int pipeline_image(struct bundle_reader *r, const struct manifest_image *img,
		   const struct pipeline_sink *sink, const struct pipeline_progress *progress,
		   struct fw_err *err)
{
	enum { MAX_THREADS = 4 };
	struct reader rd = {.r = r, .img = img, .progress = progress, .may_map = !sink->write};
	struct sigaction bus = {.sa_handler = on_sigbus}, old_bus;
	struct {
		struct bufq q;
		struct stage st[MAX_THREADS];
		pthread_t th[MAX_THREADS];
	} *p = calloc(1, sizeof(*p));
	enum role roles[MAX_THREADS];
	unsigned threads[BUFQ_MAX_STAGES] = {1}, nstages = 1, nth = 0, started = 0;
	struct stage *writer = NULL, *hasher = NULL;
	int hash_content = sink->hash_all ||
			   (img->compression != COMP_NONE && !sink->checks_content);
	int content_stage;
	int ret;

	if (!p)
		return fw_error(err, FW_ENOMEM, "out of memory");
	if (img->compression == COMP_NONE) {
		roles[nth++] = AUTH;
		threads[nstages++] = 1;
	}
	/* not on the writer's thread, which waits for the device; and ahead
	 * of it, so that it never waits for a write either (at 1 GiB zstd,
	 * 1.31x dd against 1.36x behind the writer) */
	content_stage = hash_content && sink->write &&
			nstages + 2 + !!sink->check <= BUFQ_MAX_STAGES;
	if (content_stage) {
		roles[nth++] = CONTENT;
		threads[nstages++] = 1;
	}
	roles[nth++] = WRITE;
	threads[nstages++] = 1;
	if (sink->check) {
		roles[nth++] = CHECK;
		threads[nstages++] = 1;
	}
	rd.q = &p->q;
	/* the chunk checker holds two, and one more is in hand-off; a
	 * decompressor's output goes in whole buffers, one per thread and
	 * none spare (at 1 GiB zstd: 4 MiB, 1.35x dd, 15.5 MiB peak RSS;
	 * five half ones 1.42x, 14.0 MiB; five whole ones 1.32x, 16.5 MiB) */
	ret = bufq_init(&p->q, nstages, threads, img->compression == COMP_NONE ? 2 : 0,
			img->compression == COMP_NONE ? img->chunk_size : FW_IO_BUF, err);
	if (ret)
		goto out_free;
	if (img->compression != COMP_NONE) {
		/* a seekable frame may be a little larger than its chunk */
		rd.in = malloc(img->frame_at ? FW_FRAME_MAX(img->chunk_size) : img->chunk_size);
		ret = rd.in ? decomp_init(&rd.dc, img->compression, err)
			    : fw_error(err, FW_ENOMEM, "out of memory");
		if (ret)
			goto out_q;
	}
	sigemptyset(&bus.sa_mask);
	if (rd.may_map)
		sigaction(SIGBUS, &bus, &old_bus);
	for (unsigned t = 0, n = 1; t < nth; t++) {
		struct stage *st = &p->st[t];

		n += t && roles[t] != roles[t - 1];
		*st = (struct stage){
			.q = &p->q, .n = n, .role = roles[t], .img = img, .sink = sink};
		if (st->role == WRITE) {
			writer = st;
			st->hash_chunks = sink->hash_all && img->content_chunks;
			hash_init(&st->chunk);
		}
		if (hash_content && st->role == (content_stage ? CONTENT : WRITE)) {
			hasher = st;
			st->hash_content = 1;
			hash_init(&st->content);
		}
		if (pthread_create(&p->th[t], NULL, stage_main, st)) {
			ret = fw_error(err, FW_EIO, "cannot start a pipeline thread");
			break;
		}
		started = t + 1;
	}
	if (!ret)
		ret = read_chunks(&rd, err);
	if (ret)
		bufq_abort(&p->q);
	else
		bufq_close(&p->q, 0);
	for (unsigned t = 0; t < started; t++)
		pthread_join(p->th[t], NULL);
	for (unsigned i = 0; i < FW_IO_BUFS; i++)
		bundle_unmap(&rd.map[i]);
	if (rd.may_map)
		sigaction(SIGBUS, &old_bus, NULL);
	for (unsigned t = 0; t < started; t++) {
		/* a later stage failed first: report that, not the aborted read */
		if (p->st[t].ret) {
			*err = p->st[t].err;
			ret = p->st[t].ret;
			break;
		}
	}
	if (!ret)
		ret = check_result(&rd, writer, hasher, err);
out_q:
	decomp_free(&rd.dc);
	free(rd.in);
	bufq_free(&p->q);
out_free:
	free(p);
	return ret;
}
