// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw flash slots: /dev/mtdN (NOR, NAND, block2mtd). Flash is written only
 * after it is erased, and NAND only in whole pages, in order, around bad
 * blocks. So the writer erases each eraseblock just before its first page
 * goes in (no full-slot erase up front: a slot is unusable for no longer
 * than its write takes), writes in writesize units (the tail padded with
 * 0xff, as an erased page reads), skips blocks the chip marks bad, marks a
 * block bad itself when its erase fails, and erases whatever follows the
 * image so no stale JFFS2 node or UBI header survives behind it. Reads
 * (read-back, the already-installed check) skip the same bad blocks.
 *
 * The capacity is the good blocks' size, counted at open. mtdchar has no
 * fsync: its release calls mtd_sync() (block2mtd flushes its device there),
 * so finish closes the device and that is the durable point.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <mtd/mtd-user.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fdio.h"
#include "fwlimits.h"
#include "slot.h"
#include "slotio.h"

struct mtd {
	struct mtd_info_user info;
	uint64_t phys; /* where the next page goes */
	uint64_t erased_end; /* end of the block erased for it */
	uint8_t *page; /* a page being filled, writesize bytes */
	size_t fill;
};

/* 1 bad, 0 good, -1 error (errno); chips without bad blocks say good */
static int mtd_isbad(int fd, uint64_t off)
{
	loff_t o = (loff_t)off;
	int r = ioctl(fd, MEMGETBADBLOCK, &o);

	if (r < 0 && errno == EOPNOTSUPP)
		return 0;
	return r < 0 ? -1 : r > 0;
}

/* an MTD that UBI has attached is UBI's, whatever its mount state */
static int mtd_check_unattached(const char *dev, struct fw_err *err)
{
	struct stat st;
	glob_t g;
	int ret = 0;

	if (stat(dev, &st) || !S_ISCHR(st.st_mode))
		return 0; /* open reports it */
	if (glob("/sys/class/ubi/ubi*/mtd_num", 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !ret; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		unsigned n;

		/* mtdN is minor 2N (odd minors are the read-only nodes) */
		if (f && fscanf(f, "%u", &n) == 1 && n == minor(st.st_rdev) / 2)
			ret = fw_error(err, FW_EIO, "%s is attached to UBI (%.*s)", dev,
				       (int)(strrchr(g.gl_pathv[i], '/') - g.gl_pathv[i]),
				       g.gl_pathv[i]);
		if (f)
			fclose(f);
	}
	globfree(&g);
	return ret;
}

static int mtd_info(int fd, const char *name, const char *dev, struct mtd_info_user *info,
		    struct fw_err *err)
{
	if (ioctl(fd, MEMGETINFO, info))
		return fw_error(err, FW_EIO, "slot %s: %s is not an MTD device: %s", name, dev,
				strerror(errno));
	if (!info->erasesize || !info->writesize || info->erasesize % info->writesize ||
	    info->writesize > FW_IO_BUF)
		return fw_error(err, FW_EIO, "slot %s: %s: odd geometry (erase %u, write %u)", name,
				dev, info->erasesize, info->writesize);
	return 0;
}

static int mtd_open(struct slotio *io, struct fw_err *err)
{
	const char *dev = io->slot->device, *name = io->slot->name;
	struct mtd *m;
	int ret;

	ret = slot_check_unmounted(dev, err);
	if (!ret)
		ret = mtd_check_unattached(dev, err);
	if (ret)
		return fw_error_prefix(err, "slot %s", name);
	m = calloc(1, sizeof(*m));
	if (!m)
		return fw_error(err, FW_ENOMEM, "out of memory");
	io->priv = m;
	io->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (io->fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", name, dev, strerror(errno));
	ret = mtd_info(io->fd, name, dev, &m->info, err);
	if (ret)
		return ret;
	if (!(m->info.flags & MTD_WRITEABLE))
		return fw_error(err, FW_EIO, "slot %s: %s is read-only", name, dev);
	m->page = malloc(m->info.writesize);
	if (!m->page)
		return fw_error(err, FW_ENOMEM, "out of memory");
	for (uint64_t off = 0; off < m->info.size; off += m->info.erasesize) {
		int bad = mtd_isbad(io->fd, off);

		if (bad < 0)
			return fw_error(err, FW_EIO, "slot %s: %s: bad-block check at 0x%llx: %s",
					name, dev, (unsigned long long)off, strerror(errno));
		if (!bad)
			io->capacity += m->info.erasesize;
	}
	return 0;
}

/* make [phys, erased_end) an erased, good block to write into */
static int mtd_next_block(struct slotio *io, struct mtd *m, struct fw_err *err)
{
	for (;;) {
		struct erase_info_user64 e = {.start = m->phys, .length = m->info.erasesize};
		int bad;

		if (m->phys >= m->info.size)
			return fw_error(err, FW_ENOSPC, "slot %s: out of good blocks",
					io->slot->name);
		bad = mtd_isbad(io->fd, m->phys);
		if (bad < 0)
			return fw_error(err, FW_EIO, "slot %s: bad-block check at 0x%llx: %s",
					io->slot->name, (unsigned long long)m->phys,
					strerror(errno));
		if (!bad && !ioctl(io->fd, MEMERASE64, &e)) {
			m->erased_end = m->phys + m->info.erasesize;
			return 0;
		}
		if (!bad) {
			/* a block that will not erase is worn out: retire it */
			loff_t o = (loff_t)m->phys;

			if (errno != EIO || ioctl(io->fd, MEMSETBADBLOCK, &o))
				return fw_error(err, FW_EIO, "slot %s: erase at 0x%llx: %s",
						io->slot->name, (unsigned long long)m->phys,
						strerror(errno));
			io->capacity -= m->info.erasesize;
			if (io->written > io->capacity)
				return fw_error(err, FW_ENOSPC, "slot %s: out of good blocks",
						io->slot->name);
		}
		m->phys += m->info.erasesize;
	}
}

/* write whole pages from @buf; @len is a multiple of writesize */
static int mtd_put(struct slotio *io, struct mtd *m, const uint8_t *buf, size_t len,
		   struct fw_err *err)
{
	while (len) {
		size_t n;

		if (m->phys == m->erased_end) {
			int ret = mtd_next_block(io, m, err);

			if (ret)
				return ret;
		}
		n = len < m->erased_end - m->phys ? len : (size_t)(m->erased_end - m->phys);
		if (fd_pwrite_all(io->fd, buf, n, m->phys))
			return fw_error(err, FW_EIO, "slot %s: write at 0x%llx: %s", io->slot->name,
					(unsigned long long)m->phys, strerror(errno));
		m->phys += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int mtd_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	struct mtd *m = io->priv;
	const uint8_t *p = buf;
	size_t ws = m->info.writesize, whole;
	int ret;

	if (m->fill) {
		size_t n = len < ws - m->fill ? len : ws - m->fill;

		memcpy(m->page + m->fill, p, n);
		m->fill += n;
		p += n;
		len -= n;
		if (m->fill < ws)
			return 0;
		m->fill = 0;
		ret = mtd_put(io, m, m->page, ws, err);
		if (ret)
			return ret;
	}
	whole = len - len % ws;
	ret = mtd_put(io, m, p, whole, err);
	if (ret)
		return ret;
	memcpy(m->page, p + whole, len - whole);
	m->fill = len - whole;
	return 0;
}

static int mtd_finish(struct slotio *io, struct fw_err *err)
{
	struct mtd *m = io->priv;
	int ret = 0;

	if (m->fill) {
		memset(m->page + m->fill, 0xff, m->info.writesize - m->fill);
		m->fill = 0;
		ret = mtd_put(io, m, m->page, m->info.writesize, err);
	}
	/* erase what follows the image; running out of blocks here is fine */
	while (!ret && m->erased_end < m->info.size) {
		m->phys = m->erased_end;
		ret = mtd_next_block(io, m, err);
		if (ret && err->code == FW_ENOSPC)
			ret = 0;
	}
	if (ret)
		return ret;
	/* the release of a writable mtdchar is its mtd_sync() */
	if (close(io->fd))
		ret = fw_error(err, FW_EIO, "slot %s: close %s: %s", io->slot->name,
			       io->slot->device, strerror(errno));
	io->fd = -1;
	return ret;
}

static void mtd_close(struct slotio *io)
{
	struct mtd *m = io->priv;

	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	if (m)
		free(m->page);
	free(m);
	io->priv = NULL;
}

static int mtd_read(const struct config_slot *slot, uint64_t len, slotio_read_fn fn, void *ctx,
		    struct fw_err *err)
{
	struct mtd_info_user info;
	uint8_t *buf = NULL;
	uint64_t off = 0;
	int fd, ret;

	fd = open(slot->device, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_error(err, FW_EIO, "slot %s: open %s: %s", slot->name, slot->device,
				strerror(errno));
	ret = mtd_info(fd, slot->name, slot->device, &info, err);
	if (!ret && !(buf = malloc(info.erasesize)))
		ret = fw_error(err, FW_ENOMEM, "out of memory");
	while (!ret && len) {
		size_t n = len < info.erasesize ? (size_t)len : info.erasesize;
		int bad;

		if (off >= info.size) {
			ret = fw_error(err, FW_EFORMAT,
				       "slot %s: read back %s: shorter than the image", slot->name,
				       slot->device);
			break;
		}
		bad = mtd_isbad(fd, off);
		if (bad < 0 || (!bad && fd_pread_all(fd, buf, n, off)))
			ret = fw_error(err, FW_EIO, "slot %s: read back %s at 0x%llx: %s",
				       slot->name, slot->device, (unsigned long long)off,
				       strerror(errno));
		else if (!bad && !(ret = fn(ctx, buf, n, err)))
			len -= n;
		off += info.erasesize;
	}
	free(buf);
	close(fd);
	return ret;
}

const struct slotio_ops slotio_mtd_ops = {
	.type = "mtd",
	.open = mtd_open,
	.write = mtd_write,
	.finish = mtd_finish,
	.close = mtd_close,
	.read = mtd_read,
};
