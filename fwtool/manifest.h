/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_MANIFEST_H
#define FW_MANIFEST_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "hash.h"
#include "comp.h"
#include "fwlimits.h"

/**
 * struct manifest_image - one image of a bundle
 * @class:          slot class it installs into ("rootfs")
 * @file:           tar member name
 * @size:           stored (possibly compressed) bytes in the bundle
 * @installed_size: bytes written to the slot
 * @sha256:         digest of the installed content
 * @chunk_size:     stored bytes per chunk (power of two); in the seekable
 *                  form, installed bytes per frame
 * @nchunks:        ceil(@size / @chunk_size); seekable:
 *                  ceil(@installed_size / @chunk_size), one per frame
 * @chunks:         @nchunks digests of the stored chunks (seekable: of the
 *                  stored frames), owned
 * @frame_at:       seekable zstd only, else NULL: @nchunks + 1 stored
 *                  offsets; frame k is bytes [frame_at[k], frame_at[k+1])
 *                  and decodes, on its own, to installed chunk k; owned
 * @content_chunks: seekable only: @nchunks digests of the installed
 *                  chunks, for finding them in a slot; owned
 * @fit:            "fit": {"config": NAME} — the installed content is a
 *                  U-Boot FIT, checked (fit.c) before it is written
 * @fit_config:     its configuration; "" for the FIT's default
 */
struct manifest_image {
	char class[FW_CLASS_LEN + 1];
	char file[FW_MEMBER_LEN + 1];
	uint64_t size;
	uint64_t installed_size;
	enum comp compression;
	uint8_t sha256[HASH_LEN];
	uint32_t chunk_size;
	uint32_t nchunks;
	uint8_t *chunks;
	uint64_t *frame_at;
	uint8_t *content_chunks;
	int fit;
	char fit_config[FW_FIT_CONF_LEN + 1];
};

/**
 * struct manifest - what a bundle declares, signed as its exact bytes
 */
struct manifest {
	unsigned format;
	char version[FW_VERSION_LEN + 1];
	uint64_t security_version;
	char compatible[FW_COMPAT_MAX][FW_COMPAT_LEN + 1];
	unsigned ncompatible;
	time_t created;
	char description[FW_DESC_LEN + 1];
	struct manifest_image images[FW_IMAGES_MAX];
	unsigned nimages;
};

void manifest_init(struct manifest *m);
/** manifest_free() - free owned memory; NULL-safe, idempotent */
void manifest_free(struct manifest *m);

/**
 * manifest_parse() - parse and validate a manifest
 * @buf: the bytes, not NUL-terminated; never kept
 *
 * Every field is checked against fwlimits.h; unknown keys are refused.
 * Return: 0; FW_EFORMAT for anything malformed or out of limits (the
 * message names the field); FW_ENOMEM.
 */
int manifest_parse(struct manifest *m, const char *buf, size_t len, struct fw_err *err) FW_MUST;

/**
 * manifest_emit() - serialise @m as pretty JSON
 * @strp: NULL on entry; the caller frees *strp
 * Return: 0, FW_ENOMEM, or FW_EFORMAT if @m would not parse back.
 */
int manifest_emit(const struct manifest *m, char **strp, struct fw_err *err) FW_MUST;

#endif
