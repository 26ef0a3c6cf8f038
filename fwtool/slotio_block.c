// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block device slots. Opened O_EXCL (the kernel refuses a mounted or
 * claimed device) and flock()ed so udev does not probe mid-write. The
 * aligned part of each buffer goes out with O_DIRECT (no page-cache copy:
 * less CPU, and the install does not evict the running system's cache); an
 * unaligned tail goes through the buffered descriptor.
 *
 * Read-back: what went out with O_DIRECT is on the device when the write
 * returns, so check reads it back with O_DIRECT on a third descriptor while
 * later buffers are still being written, and compares it with the buffer
 * that was written, which the reader authenticated. The buffered tail is
 * kept (under 4 KiB) and compared in finish, after the flush, once the
 * cache is dropped. One fsync: it acts on the device, not the descriptor,
 * so it writes back the buffered tail and flushes the disk's write cache
 * for the O_DIRECT writes too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "faultpoint.h"
#include "fdio.h"
#include "iobuf.h"
#include "fwlimits.h"
#include "slot.h"
#include "slotio.h"

#define ALIGN 4096
#define SCRATCH (256u << 10) /* read-back piece */

struct block {
	int fd_read; /* O_DIRECT, for check */
	uint8_t *scratch; /* SCRATCH bytes, aligned */
	uint64_t tail_off;
	size_t tail_len;
	uint8_t tail[ALIGN - 1];
};

static int block_open(struct slotio *io, struct fw_err *err)
{
	const char *dev = io->slot->device;
	struct block *b;
	uint64_t size;
	int ret;

	ret = slot_check_unmounted(dev, err);
	if (ret)
		return fw_error_prefix(err, "slot %s", io->slot->name);
	io->fd = open(dev, O_WRONLY | O_EXCL | O_CLOEXEC);
	if (io->fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", io->slot->name, dev,
				errno == EBUSY ? "in use (mounted or held)" : strerror(errno));
	if (ioctl(io->fd, BLKGETSIZE64, &size))
		return fw_error(err, FW_EIO, "slot %s: %s is not a block device", io->slot->name,
				dev);
	flock(io->fd, LOCK_EX | LOCK_NB);
	io->capacity = size;
	io->fd_direct = open(dev, O_WRONLY | O_DIRECT | O_CLOEXEC);
	b = calloc(1, sizeof(*b));
	if (b)
		b->scratch = iobuf_alloc(SCRATCH);
	if (!b || !b->scratch) {
		free(b);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	io->priv = b;
	b->fd_read = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	io->can_check = io->fd_direct >= 0 && b->fd_read >= 0;
	return 0;
}

/* How much of a buffer at @off goes out with O_DIRECT: its aligned part. */
static size_t direct_len(const struct slotio *io, uint64_t off, const void *buf, size_t len)
{
	if (io->fd_direct < 0 || off % ALIGN || (uintptr_t)buf % ALIGN)
		return 0;
	return len & ~(size_t)(ALIGN - 1);
}

static int block_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	size_t d = direct_len(io, io->written, buf, len);

	if (fd_pwrite_all(io->fd_direct, buf, d, io->written) ||
	    fd_pwrite_all(io->fd, (const uint8_t *)buf + d, len - d, io->written + d))
		return fw_error(err, errno == ENOSPC ? FW_ENOSPC : FW_EIO,
				"slot %s: write at 0x%llx: %s", io->slot->name,
				(unsigned long long)io->written, strerror(errno));
	return 0;
}

/* Read @len bytes at @off through the O_DIRECT descriptor and compare. */
static int compare(struct slotio *io, uint64_t off, const uint8_t *buf, size_t len,
		   struct fw_err *err)
{
	struct block *b = io->priv;

	while (len) {
		size_t want = len < SCRATCH ? len : SCRATCH;
		ssize_t n = pread(b->fd_read, b->scratch, (want + ALIGN - 1) & ~(size_t)(ALIGN - 1),
				  (off_t)off);

		if (n < 0 && errno == EINVAL) {
			/* the device takes O_DIRECT writes but not reads this
			 * way: the caller reads the whole slot back instead */
			io->unchecked = 1;
			return 0;
		}
		if (n < (ssize_t)want)
			return fw_error(err, FW_EIO, "slot %s: read back at 0x%llx: %s",
					io->slot->name, (unsigned long long)off,
					n < 0 ? strerror(errno) : "short read");
		faultpoint_corrupt_read(off, b->scratch, want);
		if (memcmp(b->scratch, buf, want))
			return fw_error(err, FW_EVERIFY,
					"slot %s: the device returns other bytes than were "
					"written at 0x%llx",
					io->slot->name, (unsigned long long)off);
		off += want;
		buf += want;
		len -= want;
	}
	return 0;
}

static int block_check(struct slotio *io, uint64_t off, const void *buf, size_t len,
		       struct fw_err *err)
{
	struct block *b = io->priv;
	size_t d = direct_len(io, off, buf, len);

	if (d && compare(io, off, buf, d, err))
		return err->code;
	if (len - d < ALIGN && (off + d) % ALIGN == 0 && !b->tail_len) {
		/* a buffered tail is compared after the flush */
		b->tail_off = off + d;
		b->tail_len = len - d;
		memcpy(b->tail, (const uint8_t *)buf + d, len - d);
	} else if (len > d) {
		io->unchecked = 1;
	}
	return 0;
}

static int block_finish(struct slotio *io, struct fw_err *err)
{
	struct block *b = io->priv;

	if (fsync(io->fd))
		return fw_error(err, FW_EIO, "slot %s: fsync: %s", io->slot->name, strerror(errno));
	/* drop cached blocks so that a read-back sees the medium (needs root) */
	ioctl(io->fd, BLKFLSBUF, 0);
	return b->tail_len ? compare(io, b->tail_off, b->tail, b->tail_len, err) : 0;
}

static void block_close(struct slotio *io)
{
	struct block *b = io->priv;

	if (b) {
		if (b->fd_read >= 0)
			close(b->fd_read);
		iobuf_free(b->scratch, SCRATCH);
		free(b);
	}
	io->priv = NULL;
	if (io->fd_direct >= 0)
		close(io->fd_direct);
	if (io->fd >= 0)
		close(io->fd);
	io->fd = io->fd_direct = -1;
}

const struct slotio_ops slotio_block_ops = {
	.type = "block",
	.open = block_open,
	.write = block_write,
	.finish = block_finish,
	.check = block_check,
	.close = block_close,
};
