/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_DECOMP_H
#define FW_DECOMP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "comp.h"

/*
 * Streaming decoders for gzip, xz and zstd behind one interface. The window
 * and dictionary sizes are capped so that a hostile stream cannot make the
 * install use more memory than the flat budget allows.
 */
#define DECOMP_XZ_MEMLIMIT (64u << 20)
/* 2^27, 128 MiB: what 'zstd --long' writes by default */
#define DECOMP_ZSTD_WINDOWLOG_MAX 27

struct decomp {
	enum comp type;
	void *state; /* z_stream, lzma_stream or ZSTD_DStream */
	int finished; /* the input so far ends a complete stream */
	int restarted; /* a next member/stream/frame began, nothing from it yet */
	int in_pad; /* xz: in stream padding after a complete stream */
	unsigned xz_pad; /* its null bytes so far */
};

/** decomp_init() - Return: 0, FW_ENOMEM, FW_ENOTSUP (COMP_NONE) */
int decomp_init(struct decomp *d, enum comp type, struct fw_err *err) FW_MUST;

/**
 * decomp_step() - decode from *@in into @out
 * @in, @inlen:   advanced past what was consumed
 * @outlen:       capacity on entry, bytes produced on return
 *
 * d->finished is set whenever the input so far ends a complete stream:
 * several gzip members, xz streams (with stream padding) or zstd frames
 * (skippable ones too) in a row are one stream; anything else after a
 * complete one is trailing data.
 * Return: 0, FW_EFORMAT (corrupt stream, trailing data).
 */
int decomp_step(struct decomp *d, const uint8_t **in, size_t *inlen, uint8_t *out, size_t *outlen,
		struct fw_err *err) FW_MUST;

/** decomp_free() - NULL-safe, idempotent */
void decomp_free(struct decomp *d);

#endif
