// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultpoint.h"
#include "iobuf.h"
#include "kconfig.h"
#include "fwlimits.h"
#include "slotio.h"

static const struct slotio_ops *const slotio_types[] = {
	&slotio_file_ops,
#ifdef CONFIG_SLOT_BLOCK
	&slotio_block_ops,
#endif
#ifdef CONFIG_SLOT_MTD
	&slotio_mtd_ops,
#endif
#ifdef CONFIG_SLOT_DFU
	&slotio_dfu_ops,
#endif
#ifdef CONFIG_SLOT_UBI
	&slotio_ubi_ops,
#endif
};

static const struct slotio_ops *slotio_type(const struct config_slot *slot, struct fw_err *err)
{
	for (size_t i = 0; i < sizeof(slotio_types) / sizeof(*slotio_types); i++)
		if (!strcmp(slotio_types[i]->type, slot->type))
			return slotio_types[i];
	fw_error(err, FW_ENOTSUP, "slot %s: type '%s' is not built into this fwtool", slot->name,
		 slot->type);
	return NULL;
}

int slotio_verifies_itself(const struct config_slot *slot)
{
	struct fw_err e = {0};
	const struct slotio_ops *ops = slotio_type(slot, &e);

	return ops && ops->verifies_itself;
}

int slotio_open(struct slotio *io, const struct config_slot *slot, uint64_t total,
		struct fw_err *err)
{
	memset(io, 0, sizeof(*io));
	io->fd = io->fd_direct = -1;
	io->slot = slot;
	io->total = total;
	io->ops = slotio_type(slot, err);
	return io->ops ? io->ops->open(io, err) : err->code;
}

int slotio_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	int ret;

	if (len > io->capacity - io->written)
		return fw_error(err, FW_ENOSPC, "slot %s: image larger than the slot (%llu bytes)",
				io->slot->name, (unsigned long long)io->capacity);
	faultpoint("slot write");
	ret = io->ops->write(io, buf, len, err);
	if (!ret)
		io->written += len;
	return ret;
}

int slotio_checks_writes(const struct slotio *io)
{
	return io->ops->check && io->can_check;
}

int slotio_check(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	int ret = io->ops->check(io, io->checked, buf, len, err);

	io->checked += len;
	return ret;
}

int slotio_finish(struct slotio *io, struct fw_err *err)
{
	int ret = io->ops->finish(io, err);

	if (!ret)
		faultpoint("slot synced");
	return ret;
}

void slotio_close(struct slotio *io)
{
	if (io->ops)
		io->ops->close(io);
	io->ops = NULL;
}

int slotio_read_device(const struct config_slot *slot, const char *device, uint64_t len,
		       slotio_read_fn fn, void *ctx, struct fw_err *err)
{
	uint8_t *buf = NULL;
	int fd, ret = 0;

	/* O_DIRECT reads the medium, not the cache; some filesystems
	 * (tmpfs) refuse it, and there the cache is the medium anyway */
	fd = open(device, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		fd = open(device, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", slot->name, device,
				strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	buf = iobuf_alloc(FW_IO_BUF);
	if (!buf) {
		close(fd);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	while (len) {
		size_t want = len < FW_IO_BUF ? (size_t)((len + 4095) & ~4095ull) : FW_IO_BUF;
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINVAL && (fcntl(fd, F_GETFL) & O_DIRECT)) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (n <= 0) {
			ret = fw_error(err, n ? FW_EIO : FW_EFORMAT, "slot %s: read back %s: %s",
				       slot->name, device,
				       n ? strerror(errno) : "shorter than the image");
			break;
		}
		if ((uint64_t)n > len)
			n = (ssize_t)len;
		ret = fn(ctx, buf, (size_t)n, err);
		if (ret)
			break;
		len -= (uint64_t)n;
	}
	iobuf_free(buf, FW_IO_BUF);
	close(fd);
	return ret;
}

int slotio_read(const struct config_slot *slot, uint64_t len, slotio_read_fn fn, void *ctx,
		struct fw_err *err)
{
	const struct slotio_ops *ops = slotio_type(slot, err);

	if (!ops)
		return err->code;
	if (ops->verifies_itself)
		return fw_error(err, FW_ENOTSUP,
				"slot %s: a %s slot is checked only as it is "
				"written",
				slot->name, ops->type);
	if (ops->read)
		return ops->read(slot, len, fn, ctx, err);
	return slotio_read_device(slot, slot->device, len, fn, ctx, err);
}
