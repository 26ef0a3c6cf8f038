/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SLOTIO_H
#define FW_SLOTIO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "hash.h"

struct slotio;

/*
 * A slot writer: sequential, size-checked, durable in finish. It knows
 * nothing of bundles, hashes or compression (install.c owns those).
 */
struct slotio_ops {
	const char *type; /* "file" "block" "mtd" */
	int (*open)(struct slotio *io, struct fw_err *err);
	int (*write)(struct slotio *io, const void *buf, size_t len, struct fw_err *err);
	int (*finish)(struct slotio *io, struct fw_err *err); /* fsync etc. */
	void (*close)(struct slotio *io); /* never fails */
	/* optional: read @len bytes back where a plain read would not do */
	int (*hash)(const struct config_slot *slot, uint64_t len, struct hash *h,
		    struct fw_err *err);
	/* finish reads back and compares by itself; nothing else can read it */
	int verifies_itself;
};

struct slotio {
	const struct slotio_ops *ops;
	const struct config_slot *slot;
	uint64_t capacity, written;
	int fd, fd_direct;
	void *priv; /* the writer's own state */
};

/**
 * slotio_open() - open @slot for writing with the writer of its type
 * Return: 0, FW_ENOTSUP (type not built in), FW_EIO, FW_EBUSY (mounted).
 */
int slotio_open(struct slotio *io, const struct config_slot *slot, struct fw_err *err) FW_MUST;

/** slotio_write() - append; FW_ENOSPC past the capacity */
int slotio_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/** slotio_finish() - make everything written durable */
int slotio_finish(struct slotio *io, struct fw_err *err) FW_MUST;

/** slotio_close() - NULL-safe after slotio_open failed */
void slotio_close(struct slotio *io);

/**
 * slotio_hash() - SHA-256 of the first @len bytes of @slot, read past the
 * page cache where the medium allows (read-back, already-installed check)
 * Return: 0, FW_EIO, FW_EFORMAT (the slot is shorter than @len).
 */
int slotio_hash(const struct config_slot *slot, uint64_t len, uint8_t digest[HASH_LEN],
		struct fw_err *err) FW_MUST;

/**
 * slotio_verifies_itself() - the writer of @slot's type compares its writes
 * in finish (dfu); slotio_hash() cannot read such a slot
 */
int slotio_verifies_itself(const struct config_slot *slot);

extern const struct slotio_ops slotio_file_ops;
extern const struct slotio_ops slotio_block_ops;
extern const struct slotio_ops slotio_mtd_ops;
extern const struct slotio_ops slotio_dfu_ops;

#endif
