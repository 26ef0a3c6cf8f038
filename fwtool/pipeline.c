// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bufq.h"
#include "decomp.h"
#include "hash.h"
#include "pipeline.h"

struct writer {
	struct bufq q;
	const struct pipeline_sink *sink;
	struct hash content;
	uint64_t bytes;
	int ret;
	struct fw_err err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	sigset_t all;
	uint8_t *buf;
	size_t len;

	/* signals go to the reading thread, whose blocking read they break */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while ((buf = bufq_get_full(&w->q, &len))) {
		if (!w->sink->checks_content)
			hash_update(&w->content, buf, len);
		w->bytes += len;
		if (w->sink->write) {
			w->ret = w->sink->write(w->sink->ctx, buf, len, &w->err);
			if (w->ret) {
				bufq_abort(&w->q);
				break;
			}
		}
		bufq_put_empty(&w->q);
	}
	return NULL;
}

struct reader {
	struct bundle_reader *r;
	const struct manifest_image *img;
	const struct pipeline_progress *progress;
	struct writer *w;
	struct decomp dc;
	uint8_t *in; /* chunk buffer when decompressing */
	uint8_t *obuf; /* output buffer being filled */
	size_t ofill;
	uint64_t out;
};

/*
 * Decode one authenticated chunk into the writer's buffers. Buffers go over
 * only when full (or at the end of the stream), so slot writes stay large
 * and aligned whatever sizes the decoder returns.
 */
static int feed_decoder(struct reader *rd, const uint8_t *in, size_t len, struct fw_err *err)
{
	struct bufq *q = &rd->w->q;

	while (len || !rd->dc.finished) {
		size_t n;
		int ret;

		if (!rd->obuf) {
			rd->obuf = bufq_get_empty(q);
			rd->ofill = 0;
			if (!rd->obuf)
				return FW_EIO; /* writer failed; its error wins */
		}
		n = q->size - rd->ofill;
		ret = decomp_step(&rd->dc, &in, &len, rd->obuf + rd->ofill, &n, err);
		if (ret)
			return ret;
		if (n > rd->img->installed_size - rd->out)
			return fw_error(
				err, FW_EFORMAT,
				"image %s: decompresses to more than the declared %llu bytes",
				rd->img->file, (unsigned long long)rd->img->installed_size);
		rd->out += n;
		rd->ofill += n;
		if (rd->ofill == q->size || (rd->dc.finished && rd->ofill)) {
			bufq_put_full(q, rd->ofill);
			rd->obuf = NULL;
		}
		if (!n && !len)
			break; /* needs the next chunk */
	}
	return 0;
}

static int read_chunks(struct reader *rd, struct fw_err *err)
{
	const struct manifest_image *img = rd->img;
	struct bufq *q = &rd->w->q;
	uint64_t left = img->size;

	for (uint32_t i = 0; i < img->nchunks; i++) {
		size_t n = left < img->chunk_size ? (size_t)left : img->chunk_size;
		uint8_t digest[HASH_LEN], *buf = rd->in;
		int ret;

		if (img->compression == COMP_NONE) {
			buf = bufq_get_empty(q);
			if (!buf)
				return FW_EIO;
		}
		ret = bundle_read(rd->r, buf, n, err);
		if (ret)
			return ret;
		hash_buf(buf, n, digest);
		if (memcmp(digest, img->chunks + (size_t)i * HASH_LEN, HASH_LEN))
			return fw_error(err, FW_EVERIFY,
					"image %s: chunk %u (offset %llu) does not match the "
					"signed manifest",
					img->file, i, (unsigned long long)(img->size - left));
		left -= n;
		if (img->compression == COMP_NONE) {
			bufq_put_full(q, n);
			rd->out += n;
		} else {
			ret = feed_decoder(rd, buf, n, err);
			if (ret)
				return ret;
		}
		if (rd->progress && rd->progress->fn)
			rd->progress->fn(rd->progress->ctx, rd->progress->base + img->size - left,
					 rd->progress->total);
	}
	if (img->compression != COMP_NONE && !rd->dc.finished)
		return fw_error(err, FW_EFORMAT, "image %s: %s stream ends early", img->file,
				comp_name(img->compression));
	return 0;
}

static int check_result(const struct reader *rd, struct writer *w, struct fw_err *err)
{
	const struct manifest_image *img = rd->img;
	uint8_t digest[HASH_LEN];

	if (w->bytes != img->installed_size)
		return fw_error(err, FW_EFORMAT,
				"image %s: %llu bytes installed, the manifest says %llu", img->file,
				(unsigned long long)w->bytes,
				(unsigned long long)img->installed_size);
	if (w->sink->checks_content)
		return 0;
	hash_final(&w->content, digest);
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
	struct reader rd = {.r = r, .img = img, .progress = progress};
	struct writer *w = calloc(1, sizeof(*w));
	size_t bufsize;
	pthread_t th;
	int ret;

	if (!w)
		return fw_error(err, FW_ENOMEM, "out of memory");
	w->sink = sink;
	hash_init(&w->content);
	rd.w = w;
	bufsize = img->compression == COMP_NONE ? img->chunk_size : FW_IO_BUF;
	ret = bufq_init(&w->q, bufsize, err);
	if (ret)
		goto out_free;
	if (img->compression != COMP_NONE) {
		rd.in = malloc(img->chunk_size);
		ret = rd.in ? decomp_init(&rd.dc, img->compression, err)
			    : fw_error(err, FW_ENOMEM, "out of memory");
		if (ret)
			goto out_q;
	}
	if (pthread_create(&th, NULL, writer_main, w)) {
		ret = fw_error(err, FW_EIO, "cannot start the writer thread");
		goto out_q;
	}
	ret = read_chunks(&rd, err);
	if (ret)
		bufq_abort(&w->q);
	else
		bufq_close(&w->q);
	pthread_join(th, NULL);
	if (w->ret) {
		/* the sink failed first: report that, not the aborted read */
		*err = w->err;
		ret = w->ret;
	} else if (!ret) {
		ret = check_result(&rd, w, err);
	}
out_q:
	decomp_free(&rd.dc);
	free(rd.in);
	bufq_free(&w->q);
out_free:
	free(w);
	return ret;
}
