// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"

int compress_init(struct compress *c, enum comp type, struct fw_err *err)
{
	memset(c, 0, sizeof(*c));
	c->type = type;
	if (type == COMP_GZIP) {
		z_stream *z = calloc(1, sizeof(*z));

		if (!z ||
		    deflateInit2(z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(z);
			goto nomem;
		}
		c->state = z;
	} else if (type == COMP_XZ) {
		lzma_stream *s = calloc(1, sizeof(*s));
		lzma_stream init = LZMA_STREAM_INIT;

		if (!s)
			goto nomem;
		*s = init;
		if (lzma_easy_encoder(s, 3, LZMA_CHECK_CRC64) != LZMA_OK) {
			free(s);
			goto nomem;
		}
		c->state = s;
	} else if (type == COMP_ZSTD) {
		ZSTD_CCtx *z = ZSTD_createCCtx();

		if (!z)
			goto nomem;
		ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 3);
		ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
		c->state = z;
	} else {
		return fw_error(err, FW_ENOTSUP, "compress: no encoder for '%s'", comp_name(type));
	}
	return 0;
nomem:
	return fw_error(err, FW_ENOMEM, "compress: cannot set up %s encoder", comp_name(type));
}

int compress_step(struct compress *c, const uint8_t **in, size_t *inlen, uint8_t *out,
		  size_t *outlen, int finish, int *donep, struct fw_err *err)
{
	size_t cap = *outlen;

	*donep = 0;
	if (c->type == COMP_GZIP) {
		z_stream *z = c->state;
		int ret;

		z->next_in = (Bytef *)(uintptr_t)*in;
		z->avail_in = (uInt)*inlen;
		z->next_out = out;
		z->avail_out = (uInt)cap;
		ret = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH);
		*in = z->next_in;
		*inlen = z->avail_in;
		*outlen = cap - z->avail_out;
		*donep = ret == Z_STREAM_END;
		if (ret == Z_STREAM_ERROR)
			return fw_error(err, FW_EIO, "gzip: encoder failed");
	} else if (c->type == COMP_XZ) {
		lzma_stream *s = c->state;
		lzma_ret ret;

		s->next_in = *in;
		s->avail_in = *inlen;
		s->next_out = out;
		s->avail_out = cap;
		ret = lzma_code(s, finish ? LZMA_FINISH : LZMA_RUN);
		*in = s->next_in;
		*inlen = s->avail_in;
		*outlen = cap - s->avail_out;
		*donep = ret == LZMA_STREAM_END;
		if (ret != LZMA_OK && ret != LZMA_STREAM_END)
			return fw_error(err, FW_EIO, "xz: encoder error %d", (int)ret);
	} else {
		ZSTD_inBuffer ib = {*in, *inlen, 0};
		ZSTD_outBuffer ob = {out, cap, 0};
		size_t ret = ZSTD_compressStream2(c->state, &ob, &ib,
						  finish ? ZSTD_e_end : ZSTD_e_continue);

		*in += ib.pos;
		*inlen -= ib.pos;
		*outlen = ob.pos;
		if (ZSTD_isError(ret))
			return fw_error(err, FW_EIO, "zstd: %s", ZSTD_getErrorName(ret));
		*donep = finish && ret == 0;
	}
	return 0;
}

void compress_free(struct compress *c)
{
	if (!c->state)
		return;
	if (c->type == COMP_GZIP) {
		deflateEnd(c->state);
		free(c->state);
	} else if (c->type == COMP_XZ) {
		lzma_end(c->state);
		free(c->state);
	} else if (c->type == COMP_ZSTD) {
		ZSTD_freeCCtx(c->state);
	}
	c->state = NULL;
}
