/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SLOTIO_H
#define FW_SLOTIO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct slotio;

/*
 * A slot writer: sequential, size-checked, durable in finish, and a reader
 * of what the medium holds. It knows nothing of bundles, digests or
 * compression: install.c decides what the content must be. (A writer that
 * verifies itself compares what it read back with what it was given.)
 */

/* takes each piece slotio_read() reads back, in order */
typedef int (*slotio_read_fn)(void *ctx, const void *buf, size_t len, struct fw_err *err);

struct slotio_ops {
	const char *type; /* "file" "block" "mtd" */
	int (*open)(struct slotio *io, struct fw_err *err);
	int (*write)(struct slotio *io, const void *buf, size_t len, struct fw_err *err);
	int (*finish)(struct slotio *io, struct fw_err *err); /* fsync etc. */
	/* optional: compare the medium at @off with @buf, which was written
	 * there; runs on its own thread beside write. A range it cannot read
	 * back yet it keeps for finish (a short tail) or sets io->unchecked */
	int (*check)(struct slotio *io, uint64_t off, const void *buf, size_t len,
		     struct fw_err *err);
	void (*close)(struct slotio *io); /* never fails */
	/* optional: read @len bytes back where a plain read would not do */
	int (*read)(const struct config_slot *slot, uint64_t len, slotio_read_fn fn, void *ctx,
		    struct fw_err *err);
	/* finish reads back and compares by itself; nothing else can read it */
	int verifies_itself;
};

struct slotio {
	const struct slotio_ops *ops;
	const struct config_slot *slot;
	uint64_t capacity, written;
	uint64_t total; /* what the caller will write, given at open */
	uint64_t checked; /* bytes given to check, on the checking thread */
	int can_check; /* open found a way to read writes back as they land */
	int unchecked; /* some bytes were not compared: read the slot back */
	int fd, fd_direct;
	void *priv; /* the writer's own state */
};

/**
 * slotio_open() - open @slot for writing with the writer of its type
 * @total: the bytes that will be written (a UBI volume update announces
 *         them before the first)
 * Return: 0, FW_ENOTSUP (type not built in), FW_EIO, FW_EBUSY (mounted),
 * FW_ENOSPC (the slot is smaller than @total, where that is known).
 */
int slotio_open(struct slotio *io, const struct config_slot *slot, uint64_t total,
		struct fw_err *err) FW_MUST;

/** slotio_write() - append; FW_ENOSPC past the capacity */
int slotio_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/**
 * slotio_checks_writes() - can slotio_check() compare writes as they land
 * (a block slot with O_DIRECT)? Otherwise the caller reads the slot back
 * after slotio_finish().
 */
int slotio_checks_writes(const struct slotio *io);

/**
 * slotio_check() - compare what the medium holds with @buf, the next @len
 * bytes written, on a thread beside the writer; a short unaligned tail is
 * compared in slotio_finish(), after the flush. When io->unchecked is set
 * after finish, some bytes could not be compared this way.
 * Return: 0, FW_EVERIFY (the medium differs), FW_EIO.
 */
int slotio_check(struct slotio *io, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/** slotio_finish() - make everything written durable */
int slotio_finish(struct slotio *io, struct fw_err *err) FW_MUST;

/** slotio_close() - NULL-safe after slotio_open failed */
void slotio_close(struct slotio *io);

/**
 * slotio_read() - the first @len bytes of @slot, read past the page cache
 * where the medium allows, handed to @fn piece by piece (NAND: bad blocks
 * skipped, as the writer skipped them)
 * Return: 0, FW_EIO, FW_EFORMAT (the slot is shorter than @len),
 * FW_ENOTSUP (a slot that verifies itself cannot be read), or what @fn
 * returned.
 */
int slotio_read(const struct config_slot *slot, uint64_t len, slotio_read_fn fn, void *ctx,
		struct fw_err *err) FW_MUST;

/**
 * slotio_read_device() - slotio_read() of @device, a plain file or node:
 * what a writer's read op uses once it knows which node holds the slot
 */
int slotio_read_device(const struct config_slot *slot, const char *device, uint64_t len,
		       slotio_read_fn fn, void *ctx, struct fw_err *err) FW_MUST;

/**
 * slotio_verifies_itself() - the writer of @slot's type compares its writes
 * in finish (dfu); slotio_read() cannot read such a slot
 */
int slotio_verifies_itself(const struct config_slot *slot);

extern const struct slotio_ops slotio_file_ops;
extern const struct slotio_ops slotio_block_ops;
extern const struct slotio_ops slotio_mtd_ops;
extern const struct slotio_ops slotio_dfu_ops;
extern const struct slotio_ops slotio_ubi_ops;

#endif
