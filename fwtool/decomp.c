// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "decomp.h"

int decomp_init(struct decomp *d, enum comp type, struct fw_err *err)
{
	memset(d, 0, sizeof(*d));
	d->type = type;
	switch (type) {
	case COMP_GZIP: {
		z_stream *z = calloc(1, sizeof(*z));

		/* 16 + MAX_WBITS: gzip wrapper only, not raw or zlib */
		if (!z || inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
			free(z);
			goto nomem;
		}
		d->state = z;
		return 0;
	}
	case COMP_XZ: {
		lzma_stream *s = calloc(1, sizeof(*s));
		lzma_stream init = LZMA_STREAM_INIT;

		if (!s)
			goto nomem;
		*s = init;
		if (lzma_stream_decoder(s, DECOMP_XZ_MEMLIMIT, 0) != LZMA_OK) {
			free(s);
			goto nomem;
		}
		d->state = s;
		return 0;
	}
	case COMP_ZSTD: {
		ZSTD_DStream *z = ZSTD_createDStream();

		if (!z)
			goto nomem;
		ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, DECOMP_ZSTD_WINDOWLOG_MAX);
		d->state = z;
		return 0;
	}
	case COMP_NONE: break;
	}
	return fw_error(err, FW_ENOTSUP, "decompress: no decoder for '%s'", comp_name(type));
nomem:
	return fw_error(err, FW_ENOMEM, "decompress: cannot set up %s decoder", comp_name(type));
}

/*
 * At a boundary (d->finished) with more input to come: the next gzip
 * member, xz stream or zstd frame starts. Build tools write all three
 * (pigz and 'cat a.gz b.gz', 'xz' with stream padding, 'zstd' frames and
 * skippable frames); each is one valid stream, read as such. xz stream
 * padding is null bytes in multiples of four, between streams or after.
 */
static int restart(struct decomp *d, const uint8_t **in, size_t *inlen, struct fw_err *err)
{
	if (d->type == COMP_XZ) {
		lzma_stream init = LZMA_STREAM_INIT;

		while (*inlen && !**in) {
			(*in)++;
			(*inlen)--;
			d->xz_pad++;
		}
		d->in_pad = 1;
		d->finished = d->xz_pad % 4 == 0; /* complete if the input ends here */
		if (!*inlen)
			return 0;
		if (d->xz_pad % 4)
			return fw_error(err, FW_EFORMAT, "xz stream: padding not a multiple of 4");
		lzma_end(d->state);
		*(lzma_stream *)d->state = init;
		if (lzma_stream_decoder(d->state, DECOMP_XZ_MEMLIMIT, 0) != LZMA_OK)
			return fw_error(err, FW_ENOMEM, "decompress: cannot set up xz decoder");
	} else if (d->type == COMP_GZIP && inflateReset(d->state) != Z_OK) {
		return fw_error(err, FW_EFORMAT, "gzip stream: cannot start the next member");
	}
	d->finished = 0;
	d->in_pad = 0;
	d->xz_pad = 0;
	d->restarted = 1;
	return 0;
}

static int step_gzip(struct decomp *d, const uint8_t **in, size_t *inlen, uint8_t *out,
		     size_t *outlen, struct fw_err *err)
{
	z_stream *z = d->state;
	size_t cap = *outlen;
	int ret;

	z->next_in = (Bytef *)(uintptr_t)*in;
	z->avail_in = (uInt)*inlen;
	z->next_out = out;
	z->avail_out = (uInt)cap;
	ret = inflate(z, Z_NO_FLUSH);
	*in = z->next_in;
	*inlen = z->avail_in;
	*outlen = cap - z->avail_out;
	if (ret == Z_STREAM_END)
		d->finished = 1;
	else if (ret != Z_OK && ret != Z_BUF_ERROR)
		return fw_error(err, FW_EFORMAT, "gzip stream: %s", z->msg ? z->msg : "corrupt");
	return 0;
}

static int step_xz(struct decomp *d, const uint8_t **in, size_t *inlen, uint8_t *out,
		   size_t *outlen, struct fw_err *err)
{
	lzma_stream *s = d->state;
	size_t cap = *outlen;
	lzma_ret ret;

	s->next_in = *in;
	s->avail_in = *inlen;
	s->next_out = out;
	s->avail_out = cap;
	ret = lzma_code(s, LZMA_RUN);
	*in = s->next_in;
	*inlen = s->avail_in;
	*outlen = cap - s->avail_out;
	if (ret == LZMA_STREAM_END)
		d->finished = 1;
	else if (ret == LZMA_MEMLIMIT_ERROR)
		return fw_error(err, FW_EFORMAT, "xz stream: needs more than %u MiB to decode",
				DECOMP_XZ_MEMLIMIT >> 20);
	else if (ret != LZMA_OK && ret != LZMA_BUF_ERROR)
		return fw_error(err, FW_EFORMAT, "xz stream: corrupt (lzma error %d)", (int)ret);
	return 0;
}

static int step_zstd(struct decomp *d, const uint8_t **in, size_t *inlen, uint8_t *out,
		     size_t *outlen, struct fw_err *err)
{
	ZSTD_inBuffer ib = {*in, *inlen, 0};
	ZSTD_outBuffer ob = {out, *outlen, 0};
	size_t ret = ZSTD_decompressStream(d->state, &ob, &ib);

	*in += ib.pos;
	*inlen -= ib.pos;
	*outlen = ob.pos;
	if (ZSTD_isError(ret))
		return fw_error(err, FW_EFORMAT, "zstd stream: %s", ZSTD_getErrorName(ret));
	/* 0: a frame ended and all of it is out; another frame may follow */
	if (ret == 0)
		d->finished = 1;
	return 0;
}

int decomp_step(struct decomp *d, const uint8_t **in, size_t *inlen, uint8_t *out, size_t *outlen,
		struct fw_err *err)
{
	size_t cap = *outlen;
	int ret;

	*outlen = 0;
	if (d->finished || d->in_pad) {
		if (!*inlen)
			return 0;
		ret = restart(d, in, inlen, err);
		if (ret || d->in_pad)
			return ret; /* an error, or xz padding that used up the input */
	}
	*outlen = cap;
	switch (d->type) {
	case COMP_GZIP: ret = step_gzip(d, in, inlen, out, outlen, err); break;
	case COMP_XZ: ret = step_xz(d, in, inlen, out, outlen, err); break;
	case COMP_ZSTD: ret = step_zstd(d, in, inlen, out, outlen, err); break;
	default: return fw_error(err, FW_ENOTSUP, "decompress: bad type");
	}
	/* what follows a complete stream and is not another one is trailing
	 * data, and said so rather than as the decoder's complaint */
	if (ret && d->restarted)
		return fw_error(err, FW_EFORMAT, "%s stream: data after the end of the stream",
				comp_name(d->type));
	if (*outlen || d->finished)
		d->restarted = 0;
	return ret;
}

void decomp_free(struct decomp *d)
{
	if (!d->state)
		return;
	switch (d->type) {
	case COMP_GZIP:
		inflateEnd(d->state);
		free(d->state);
		break;
	case COMP_XZ:
		lzma_end(d->state);
		free(d->state);
		break;
	case COMP_ZSTD: ZSTD_freeDStream(d->state); break;
	case COMP_NONE: break;
	}
	d->state = NULL;
}
