/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_COMPRESS_H
#define FW_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "comp.h"

/*
 * Encoders for 'bundle create'. Levels are chosen so that the decoder's
 * window stays small (zstd 3: 2 MiB window on large input; xz preset 3:
 * 4 MiB dictionary; gzip 6), keeping install memory flat.
 */
struct compress {
	enum comp type;
	void *state;
};

int compress_init(struct compress *c, enum comp type, struct fw_err *err) FW_MUST;

/**
 * compress_step() - encode; @finish set on the last call, repeated with
 * no input until *@donep is set
 * @outlen: capacity on entry, bytes produced on return
 */
int compress_step(struct compress *c, const uint8_t **in, size_t *inlen, uint8_t *out,
		  size_t *outlen, int finish, int *donep, struct fw_err *err) FW_MUST;

void compress_free(struct compress *c);

#endif
