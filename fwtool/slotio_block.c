// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block device slots. Opened O_EXCL (the kernel refuses a mounted or
 * claimed device) and flock()ed so udev does not probe mid-write. Full,
 * aligned buffers go out with O_DIRECT (no page-cache copy: less CPU, and
 * the install does not evict the running system's cache); an unaligned tail
 * goes through the buffered descriptor. finish fsyncs both (that also
 * flushes the disk's write cache) and drops the device's cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdio.h"
#include "slot.h"
#include "slotio.h"

#define ALIGN 4096

static int block_open(struct slotio *io, struct fw_err *err)
{
	const char *dev = io->slot->device;
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
	return 0;
}

static int block_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	int fd = io->fd;

	if (io->fd_direct >= 0 && len % ALIGN == 0 && io->written % ALIGN == 0 &&
	    (uintptr_t)buf % ALIGN == 0)
		fd = io->fd_direct;
	if (fd_pwrite_all(fd, buf, len, io->written))
		return fw_error(err, errno == ENOSPC ? FW_ENOSPC : FW_EIO,
				"slot %s: write at 0x%llx: %s", io->slot->name,
				(unsigned long long)io->written, strerror(errno));
	return 0;
}

static int block_finish(struct slotio *io, struct fw_err *err)
{
	if (fsync(io->fd) || (io->fd_direct >= 0 && fsync(io->fd_direct)))
		return fw_error(err, FW_EIO, "slot %s: fsync: %s", io->slot->name, strerror(errno));
	/* drop cached blocks so the read-back sees the medium (needs root) */
	ioctl(io->fd, BLKFLSBUF, 0);
	return 0;
}

static void block_close(struct slotio *io)
{
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
	.close = block_close,
};
