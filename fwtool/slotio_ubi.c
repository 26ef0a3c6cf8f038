// SPDX-License-Identifier: GPL-2.0-only
/*
 * UBI volume slots: device = /dev/ubiX_Y or ubiX:NAME. The kernel's UBI
 * does wear levelling and bad blocks; fwtool updates the whole volume with
 * UBI_IOCVOLUP, which takes the exact size before the first byte: from then
 * on the volume's update marker is set (reads fail with EBADF, 'corrupted'
 * stays 0), and only the last byte of the announced size clears it. So a
 * cut mid-update leaves a volume that cannot be read, never a half-written
 * one that reads; finish checks the marker. A dynamic volume's data_bytes
 * is always the whole volume, so what it holds is known only from fwtool's
 * own record (slots.json), as for every other slot type.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <mtd/ubi-user.h>

#include "fdio.h"
#include "fwlimits.h"
#include "slot.h"
#include "slotio.h"

/* A number from /sys/class/ubi/VOL/ATTR; -1 when it cannot be read. */
static long long sysfs_num(const char *vol, const char *attr)
{
	char path[256], *buf = NULL;
	struct fw_err e = {0};
	long long v = -1;

	snprintf(path, sizeof(path), "/sys/class/ubi/%s/%s", vol, attr);
	if (!fd_read_file(path, 64, &buf, NULL, &e))
		v = strtoll(buf, NULL, 10);
	free(buf);
	return v;
}

/* "ubiX_Y" for @device (/dev/ubiX_Y, or ubiX:NAME looked up by name). */
static int volume_of(const char *device, char *vol, size_t size, struct fw_err *err)
{
	const char *colon = strchr(device, ':');
	glob_t g;
	int found = 0;

	if (!colon) {
		const char *base = strrchr(device, '/');

		snprintf(vol, size, "%s", base ? base + 1 : device);
		return sysfs_num(vol, "reserved_ebs") < 0
			       ? fw_error(err, FW_ENOTFOUND,
					  "%s is not a UBI volume (no %s in "
					  "/sys/class/ubi)",
					  device, vol)
			       : 0;
	}
	char pattern[96];

	snprintf(pattern, sizeof(pattern), "/sys/class/ubi/%.*s_*/name", (int)(colon - device),
		 device);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && !found; i++) {
			char *name = NULL;
			struct fw_err e = {0};

			if (!fd_read_file(g.gl_pathv[i], 256, &name, NULL, &e)) {
				name[strcspn(name, "\n")] = '\0';
				if (!strcmp(name, colon + 1)) {
					const char *v = g.gl_pathv[i] + strlen("/sys/class/ubi/");

					snprintf(vol, size, "%.*s", (int)(strchr(v, '/') - v), v);
					found = 1;
				}
			}
			free(name);
		}
		globfree(&g);
	}
	return found ? 0
		     : fw_error(err, FW_ENOTFOUND, "no UBI volume named %s on %.*s", colon + 1,
				(int)(colon - device), device);
}

/* Neither name of the volume may be mounted (UBIFS: ubiX:NAME or the node). */
static int unmounted(const char *device, const char *vol, struct fw_err *err)
{
	char node[80], named[300], *name = NULL, path[128];
	struct fw_err e = {0};
	int ret;

	snprintf(node, sizeof(node), "/dev/%s", vol);
	snprintf(path, sizeof(path), "/sys/class/ubi/%s/name", vol);
	named[0] = '\0';
	if (!fd_read_file(path, 256, &name, NULL, &e)) {
		name[strcspn(name, "\n")] = '\0';
		snprintf(named, sizeof(named), "%.*s:%s", (int)strcspn(vol, "_"), vol, name);
	}
	free(name);
	ret = slot_check_unmounted(node, err);
	if (!ret)
		ret = slot_check_unmounted(vol, err);
	if (!ret && named[0])
		ret = slot_check_unmounted(named, err);
	if (!ret && strcmp(device, node) && strcmp(device, named))
		ret = slot_check_unmounted(device, err);
	return ret;
}

static int ubi_open(struct slotio *io, struct fw_err *err)
{
	const struct config_slot *s = io->slot;
	char vol[64], node[80];
	long long ebs, ebsize;
	int64_t bytes = (int64_t)io->total;
	int ret = volume_of(s->device, vol, sizeof(vol), err);

	if (!ret)
		ret = unmounted(s->device, vol, err);
	if (ret)
		return fw_error_prefix(err, "slot %s", s->name);
	ebs = sysfs_num(vol, "reserved_ebs");
	ebsize = sysfs_num(vol, "usable_eb_size");
	if (ebs < 0 || ebsize <= 0)
		return fw_error(err, FW_EIO, "slot %s: cannot read the size of %s", s->name, vol);
	io->capacity = (uint64_t)ebs * (uint64_t)ebsize;
	if (io->total > io->capacity)
		return fw_error(err, FW_ENOSPC,
				"slot %s: the image (%llu bytes) is larger than UBI volume %s "
				"(%llu bytes)",
				s->name, (unsigned long long)io->total, vol,
				(unsigned long long)io->capacity);
	io->priv = strdup(vol);
	if (!io->priv)
		return fw_error(err, FW_ENOMEM, "out of memory");
	snprintf(node, sizeof(node), "/dev/%s", vol);
	io->fd = open(node, O_RDWR | O_CLOEXEC);
	if (io->fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", s->name, node,
				errno == EBUSY ? "in use" : strerror(errno));
	/* from here the volume reads as nothing until the last byte is in */
	if (ioctl(io->fd, UBI_IOCVOLUP, &bytes))
		return fw_error(err, FW_EIO, "slot %s: UBI_IOCVOLUP %s: %s", s->name, node,
				strerror(errno));
	io->capacity = io->total; /* exactly what was announced */
	return 0;
}

static int ubi_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	if (fd_write_all(io->fd, buf, len))
		return fw_error(err, errno == ENOSPC ? FW_ENOSPC : FW_EIO,
				"slot %s: write at %llu: %s", io->slot->name,
				(unsigned long long)io->written, strerror(errno));
	return 0;
}

static int ubi_finish(struct slotio *io, struct fw_err *err)
{
	if (io->written != io->total)
		return fw_error(err, FW_EIO,
				"slot %s: %llu of %llu announced bytes written: the volume's "
				"update marker stays set",
				io->slot->name, (unsigned long long)io->written,
				(unsigned long long)io->total);
	if (fsync(io->fd))
		return fw_error(err, FW_EIO, "slot %s: fsync: %s", io->slot->name, strerror(errno));
	/* the last byte of the update clears the marker; a volume that still
	 * has it would read as nothing (EBADF) */
	if (sysfs_num(io->priv, "upd_marker") != 0)
		return fw_error(err, FW_EIO, "slot %s: %s still has its update marker set",
				io->slot->name, (const char *)io->priv);
	return 0;
}

/* The volume read back through its node, whichever name the slot gives. */
static int ubi_read(const struct config_slot *slot, uint64_t len, slotio_read_fn fn, void *ctx,
		    struct fw_err *err)
{
	char vol[64], node[80];
	int ret = volume_of(slot->device, vol, sizeof(vol), err);

	if (ret)
		return fw_error_prefix(err, "slot %s", slot->name);
	if (sysfs_num(vol, "upd_marker") != 0) /* it would read as EBADF */
		return fw_error(err, FW_EIO, "slot %s: read back %s: its update marker is set",
				slot->name, vol);
	snprintf(node, sizeof(node), "/dev/%s", vol);
	return slotio_read_device(slot, node, len, fn, ctx, err);
}

static void ubi_close(struct slotio *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	free(io->priv);
	io->priv = NULL;
}

const struct slotio_ops slotio_ubi_ops = {
	.type = "ubivol",
	.open = ubi_open,
	.write = ubi_write,
	.finish = ubi_finish,
	.close = ubi_close,
	.read = ubi_read,
};
