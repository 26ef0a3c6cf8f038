/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_PIPELINE_H
#define FW_PIPELINE_H

#include <stdint.h>

#include "bundle.h"
#include "err.h"
#include "manifest.h"

/**
 * struct pipeline_sink - where authenticated, decompressed bytes go
 * @write: called on the writer thread, in order; NULL for verify-only
 * @check: optional; called in order on a third thread with each buffer
 *         @write has written, to compare the medium with it
 * @ctx:   passed to @write and @check
 * @checks_content: the caller reads the whole slot back after the stream
 *         and compares it with the manifest's sha256, so a decompressed
 *         stream is not hashed here too (the same check twice, on bytes
 *         less final than the slot's)
 * @hash_all: hash an uncompressed image whole too, and compare it with the
 *         manifest's sha256 (verify: a manifest whose sha256 disagrees with
 *         its own chunk list is refused, though its chunks prove the bytes)
 */
struct pipeline_sink {
	int (*write)(void *ctx, const void *buf, size_t len, struct fw_err *err);
	int (*check)(void *ctx, const void *buf, size_t len, struct fw_err *err);
	void *ctx;
	int checks_content;
	int hash_all;
};

/**
 * struct pipeline_progress - called on the reading thread after each chunk
 */
struct pipeline_progress {
	void (*fn)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	uint64_t base; /* bytes of earlier images, added to done */
	uint64_t total; /* stored bytes of all images */
};

/**
 * pipeline_image() - stream the current bundle member of @img to @sink
 *
 * Each chunk is read whole, and its SHA-256 checked against the signed
 * manifest before it reaches the decompressor or the sink. The installed
 * bytes are counted (a stream that exceeds installed_size stops at once).
 * A decompressed stream is hashed on the writer thread and compared with
 * the manifest's sha256 at the end; an uncompressed one is its checked
 * chunks, and is hashed whole only for @sink->hash_all. Reading and checking, writing, and the
 * sink's check overlap on up to three threads.
 *
 * Return: 0; FW_EVERIFY (chunk or image hash); FW_EFORMAT (truncated,
 * corrupt stream, size mismatch); the sink's error; FW_ENOMEM.
 */
int pipeline_image(struct bundle_reader *r, const struct manifest_image *img,
		   const struct pipeline_sink *sink, const struct pipeline_progress *progress,
		   struct fw_err *err) FW_MUST;

#endif
