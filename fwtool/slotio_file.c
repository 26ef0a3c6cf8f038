// SPDX-License-Identifier: GPL-2.0-only
/* Slots that are regular files (the sim board, images on a data partition). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fdio.h"
#include "slotio.h"

static int file_open(struct slotio *io, struct fw_err *err)
{
	/* no O_TRUNC: nothing reaches the slot before its first authenticated
	 * chunk; the old tail goes at finish */
	io->fd = open(io->slot->device, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (io->fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", io->slot->name,
				io->slot->device, strerror(errno));
	io->capacity = UINT64_MAX;
	return 0;
}

static int file_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	if (fd_write_all(io->fd, buf, len))
		return fw_error(err, errno == ENOSPC ? FW_ENOSPC : FW_EIO,
				"slot %s: write at %llu: %s", io->slot->name,
				(unsigned long long)io->written, strerror(errno));
	return 0;
}

static int file_finish(struct slotio *io, struct fw_err *err)
{
	if (ftruncate(io->fd, (off_t)io->written))
		return fw_error(err, FW_EIO, "slot %s: truncate: %s", io->slot->name,
				strerror(errno));
	if (fsync(io->fd))
		return fw_error(err, FW_EIO, "slot %s: fsync: %s", io->slot->name, strerror(errno));
	return atomicfile_fsync_dir(io->slot->device, err);
}

static void file_close(struct slotio *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

const struct slotio_ops slotio_file_ops = {
	.type = "file",
	.open = file_open,
	.write = file_write,
	.finish = file_finish,
	.close = file_close,
};
