// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRUB: ORDER, <x>_OK and <x>_TRY as RAUC's grub.conf uses them, plus
 * <x>_LEFT so that the shipped grub.cfg (board/qemu-x86_64-grub) gives a slot
 * max_tries tries where RAUC's gives one. Without <x>_LEFT a slot has one try
 * when OK=1 and TRY=0, which is RAUC's rule.
 *
 * Every change rewrites the whole block in place: one pwrite of the same
 * size at offset 0, then fsync; never truncate-then-write as grub-editenv
 * does. Not temp file + rename: grubenv lives on a non-journalled filesystem
 * (ext2 or FAT, because GRUB's save_env writes its blocks in place), and
 * there a rename allocates an inode whose bitmap fsync does not write. A
 * power cut then leaves the filesystem needing fsck: seen on the QEMU host
 * ("failed to insert inode: doubly allocated", EIO at the next store). In
 * place, no metadata changes, which is also what GRUB itself does; the
 * remaining risk is a write torn between the block's two 512-byte sectors.
 * Only a missing block is created through a temp file and a rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fdio.h"
#include "boot.h"
#include "faultpoint.h"
#include "grubenv.h"

static int grub_open(struct boot *b, struct fw_err *err)
{
	(void)b;
	(void)err;
	return 0;
}

static int read_block(struct boot *b, struct grubenv *e, int create, struct fw_err *err)
{
	char *buf = NULL;
	size_t len;
	int ret = fd_read_file(b->cfg->grubenv, FW_GRUBENV_SIZE, &buf, &len, err);

	if (ret == FW_ENOTFOUND && create) {
		fw_err_clear(err);
		grubenv_create(e);
		return 0;
	}
	if (!ret)
		ret = grubenv_parse(e, buf, len, err);
	free(buf);
	if (ret)
		fw_error_prefix(err, "%s", b->cfg->grubenv);
	return ret;
}

static int write_block(const char *path, const struct grubenv *e, struct fw_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0 && errno == ENOENT)
		return atomicfile_write(path, e->buf, e->size, err);
	if (fd < 0)
		return fw_error(err, FW_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || (size_t)st.st_size != e->size) {
		close(fd);
		return fw_error(err, FW_EIO, "%s: not a %zu-byte block any more", path, e->size);
	}
	n = pwrite(fd, e->buf, e->size, 0);
	if (n != (ssize_t)e->size || fsync(fd)) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		return fw_error(err, FW_EIO, "%s: write: %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

static unsigned num(const struct grubenv *e, const char *fmt, const char *slot, unsigned dflt)
{
	char name[64], v[32];

	snprintf(name, sizeof(name), fmt, slot);
	return grubenv_get(e, name, v, sizeof(v)) ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

void boot_grub_decode(struct boot *b, struct boot_env *env, const struct grubenv *e)
{
	char order[256];

	if (!grubenv_get(e, "ORDER", order, sizeof(order)))
		snprintf(order, sizeof(order), "%s", b->names[0]);
	boot_env_parse_order(env, order);
	for (unsigned i = 0; i < env->nslots; i++) {
		struct boot_slot *s = &env->slots[i];

		s->ok = (int)num(e, "%s_OK", s->name, (unsigned)boot_env_in_order(env, s->name));
		s->tried = (int)num(e, "%s_TRY", s->name, 0);
		s->left = num(e, "%s_LEFT", s->name, s->ok && !s->tried ? 1 : 0);
	}
}

int boot_grub_encode(const struct boot_env *env, struct grubenv *e, struct fw_err *err)
{
	char name[64], v[BOOT_MAX * (FW_BOOTNAME_LEN + 1) + 1];
	int ret;

	boot_env_format_order(env, v, sizeof(v));
	ret = grubenv_set(e, "ORDER", v, err);
	for (unsigned i = 0; !ret && i < env->nslots; i++) {
		const struct boot_slot *s = &env->slots[i];

		snprintf(name, sizeof(name), "%s_OK", s->name);
		ret = grubenv_set(e, name, s->ok ? "1" : "0", err);
		snprintf(name, sizeof(name), "%s_TRY", s->name);
		if (!ret)
			ret = grubenv_set(e, name, s->tried ? "1" : "0", err);
		snprintf(name, sizeof(name), "%s_LEFT", s->name);
		snprintf(v, sizeof(v), "%u", s->left);
		if (!ret)
			ret = grubenv_set(e, name, v, err);
	}
	return ret;
}

static int grub_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	struct grubenv e;
	int ret = read_block(b, &e, 1, err);

	if (!ret)
		boot_grub_decode(b, env, &e);
	return ret;
}

static int grub_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	struct grubenv e;
	int ret = read_block(b, &e, 1, err);

	if (!ret)
		ret = boot_grub_encode(env, &e, err);
	if (!ret)
		ret = write_block(b->cfg->grubenv, &e, err);
	if (!ret)
		faultpoint("bootloader store");
	return ret;
}

const struct boot_ops boot_grub_ops = {
	.name = "grub",
	.open = grub_open,
	.load = grub_load,
	.store = grub_store,
};
