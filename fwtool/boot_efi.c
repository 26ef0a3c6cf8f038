// SPDX-License-Identifier: GPL-2.0-only
/*
 * UEFI boot entries through efivarfs: each slot is the Boot#### entry
 * whose description is its bootname (RAUC's convention). A trial is one
 * try: install sets BootNext to the target and leaves it out of BootOrder,
 * so the firmware boots it once and, after a reset, a panic or a watchdog,
 * BootOrder's first, the old slot. confirm puts the slot first in
 * BootOrder. BootNext is consumed by the firmware before the trial boots,
 * so which slot is on trial is kept beside the transaction, in
 * STATEDIR/efi-trial (the bootloader itself keeps no counter).
 *
 * The formats (wave2.md §3.1): every efivarfs file is a u32 of variable
 * attributes, then the value; BootOrder an array of u16, BootNext and
 * BootCurrent one u16, Boot#### an EFI_LOAD_OPTION (u32 attributes, u16
 * device path length, the description in UTF-16 up to a NUL, the device
 * path, optional data), all little-endian. fwtool reads only the
 * description and never builds a device path: the load option of each
 * slot is kept as it was found, byte for byte, in STATEDIR/efi-Boot-NAME,
 * and written back under a free number when the firmware dropped the
 * entry (OVMF and many others drop entries whose device they do not find
 * at boot). So one implementation serves the dynamic and the static
 * build, with no libefivar to diverge from, and no device path is ever
 * guessed.
 *
 * Writes (wave2.md §3.2): one write() of attributes and value is one
 * SetVariable, which is as atomic as the firmware makes it; BootOrder and
 * BootNext cannot change together. An activation writes efi-trial, then
 * BootOrder (without the target), then BootNext; a confirm writes
 * BootOrder (the slot first), then removes BootNext and efi-trial. A cut
 * between two steps leaves the old state or one the next confirm settles.
 * efivarfs marks most variables immutable, even one just created; the
 * flag is cleared before a write, as libefivar does.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "atomicfile.h"
#include "boot.h"
#include "faultpoint.h"
#include "fdio.h"
#include "log.h"
#include "slot.h"

#define GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFIVARFS_MAGIC 0xde5e81e4
#define EFI_ATTRS 7u /* non-volatile, boot service, runtime */
#define LOADOPT_MAX 4096u

/* ---- the formats ----------------------------------------------------------- */

int boot_efi_u16s(const uint8_t *buf, size_t len, uint16_t *out, unsigned max, unsigned *n)
{
	*n = 0;
	if (len < 4 || (len - 4) % 2 || (len - 4) / 2 > max)
		return -1;
	for (size_t i = 4; i < len; i += 2)
		out[(*n)++] = (uint16_t)(buf[i] | buf[i + 1] << 8);
	return 0;
}

int boot_efi_loadopt_desc(const uint8_t *buf, size_t len, char *out, size_t size)
{
	size_t o = 0, i, pathlen;

	out[0] = '\0';
	/* variable attributes, load option attributes, path length */
	if (len < 4 + 6 || size == 0)
		return -1;
	pathlen = buf[8] | (size_t)buf[9] << 8;
	for (i = 10; i + 1 < len; i += 2) {
		unsigned c = buf[i] | (unsigned)buf[i + 1] << 8;

		if (!c)
			break;
		if (o + 1 >= size)
			return -1;
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		out[o] = '\0';
	}
	/* a NUL, then the device path within the variable (the kernel
	 * checks as much on a write) */
	if (i + 1 >= len || i + 2 + pathlen > len)
		return -1;
	return 0;
}

static void var_path(const struct config *cfg, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%.4000s/%s-" GLOBAL_GUID, cfg->efivars, name);
}

static int var_read(const struct config *cfg, const char *name, uint8_t **buf, size_t *len,
		    struct fw_err *err)
{
	char path[FW_PATH_LEN];

	var_path(cfg, name, path, sizeof(path));
	return fd_read_file(path, LOADOPT_MAX, (char **)buf, len, err);
}

int boot_efi_current(const struct config *cfg, char out[static FW_BOOTNAME_LEN + 1])
{
	const char *names[BOOT_MAX];
	unsigned n = slot_bootnames(cfg, names, BOOT_MAX), k;
	char name[16], desc[64];
	struct fw_err ignored = {0};
	uint8_t *text = NULL;
	uint16_t cur;
	size_t len;
	int ret;

	out[0] = '\0';
	if (var_read(cfg, "BootCurrent", &text, &len, &ignored))
		return -1;
	ret = boot_efi_u16s(text, len, &cur, 1, &k);
	free(text);
	if (ret || k != 1)
		return -1;
	snprintf(name, sizeof(name), "Boot%04X", cur);
	if (var_read(cfg, name, &text, &len, &ignored))
		return -1;
	ret = boot_efi_loadopt_desc(text, len, desc, sizeof(desc));
	free(text);
	for (unsigned i = 0; !ret && i < n; i++)
		if (!strcmp(desc, names[i])) {
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", names[i]);
			return 0;
		}
	return -1;
}

/* ---- efivarfs ---------------------------------------------------------------- */

struct efi {
	int have[BOOT_MAX];
	uint16_t num[BOOT_MAX];
	uint16_t order[64];
	unsigned norder;
	int next_set;
	uint16_t next;
	int efivarfs;
};

/* efivarfs creates most variables immutable: clear that first */
static void mutable(int fd)
{
	int flags;

	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags) && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
}

/* One write() of attributes and value: one SetVariable on efivarfs. A
 * plain folder (the tests) takes the same bytes through a temp file and a
 * rename. */
static int var_write(struct boot *b, const char *name, const void *val, size_t len,
		     struct fw_err *err)
{
	struct efi *e = b->priv;
	uint8_t buf[4 + LOADOPT_MAX];
	char path[FW_PATH_LEN];
	ssize_t n;
	int fd;

	var_path(b->cfg, name, path, sizeof(path));
	buf[0] = EFI_ATTRS;
	buf[1] = buf[2] = buf[3] = 0;
	memcpy(buf + 4, val, len);
	if (!e->efivarfs) {
		if (atomicfile_write(path, buf, 4 + len, err))
			return err->code;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return fw_error(err, FW_EIO, "%s: %s", path, strerror(errno));
		mutable(fd);
		n = write(fd, buf, 4 + len);
		if (n != (ssize_t)(4 + len)) {
			int saved = n < 0 ? errno : EIO;

			close(fd);
			return fw_error(err, FW_EIO, "write %s: %s", name, strerror(saved));
		}
		close(fd);
	}
	faultpoint("bootloader store");
	return 0;
}

static int var_delete(struct boot *b, const char *name, struct fw_err *err)
{
	char path[FW_PATH_LEN];
	int fd;

	var_path(b->cfg, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		mutable(fd);
		close(fd);
	}
	if (unlink(path) && errno != ENOENT)
		return fw_error(err, FW_EIO, "delete %s: %s", name, strerror(errno));
	faultpoint("bootloader store");
	return 0;
}

static int read_u16s(struct boot *b, const char *name, uint16_t *out, unsigned max, unsigned *n,
		     int *set, struct fw_err *err)
{
	uint8_t *buf = NULL;
	size_t len;
	int ret = var_read(b->cfg, name, &buf, &len, err);

	*n = 0;
	*set = 0;
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		return 0;
	}
	if (!ret && boot_efi_u16s(buf, len, out, max, n))
		ret = fw_error(err, FW_ECORRUPT, "EFI variable %s is malformed", name);
	free(buf);
	*set = !ret;
	return ret;
}

static void state_path(const struct boot *b, const char *what, const char *name, char *out,
		       size_t size)
{
	snprintf(out, size, "%.3800s/efi-%s%s", b->cfg->statedir, what, name);
}

/* Does @path hold exactly @len bytes @buf? */
static int same_file(const char *path, const void *buf, size_t len)
{
	struct fw_err ignored = {0};
	char *old = NULL;
	size_t olen;
	int same = !fd_read_file(path, LOADOPT_MAX, &old, &olen, &ignored) && olen == len &&
		   !memcmp(old, buf, len);

	free(old);
	return same;
}

/* Each slot's Boot####: the entry whose description is its bootname, the
 * lowest number where there are several; its bytes saved for later. */
static int find_entries(struct boot *b, struct fw_err *err)
{
	struct efi *e = b->priv;
	struct dirent *de;
	DIR *d = opendir(b->cfg->efivars);

	if (!d)
		return fw_error(err, errno == ENOENT ? FW_EUSAGE : FW_EIO,
				"%s: %s (not booted by UEFI, or efivarfs not mounted)",
				b->cfg->efivars, strerror(errno));
	while ((de = readdir(d))) {
		unsigned num;
		uint8_t *buf = NULL;
		size_t len;
		char desc[64], name[16], *end;

		/* BootXXXX-<global GUID>, XXXX four hex digits */
		if (strlen(de->d_name) != 45 || strncmp(de->d_name, "Boot", 4) ||
		    strcmp(de->d_name + 8, "-" GLOBAL_GUID))
			continue;
		num = (unsigned)strtoul(de->d_name + 4, &end, 16);
		if (end != de->d_name + 8)
			continue;
		snprintf(name, sizeof(name), "%.8s", de->d_name);
		if (var_read(b->cfg, name, &buf, &len, err)) {
			fw_err_clear(err);
			continue;
		}
		if (!boot_efi_loadopt_desc(buf, len, desc, sizeof(desc)))
			for (unsigned i = 0; i < b->nnames; i++)
				if (!strcmp(desc, b->names[i]) &&
				    (!e->have[i] || num < e->num[i])) {
					char path[FW_PATH_LEN];
					struct fw_err ignored = {0};

					e->have[i] = 1;
					e->num[i] = (uint16_t)num;
					/* kept to recreate it (written only when it
					 * differs: no durable write per status); a
					 * status that cannot write there goes on */
					state_path(b, "Boot-", desc, path, sizeof(path));
					if (!same_file(path, buf + 4, len - 4) &&
					    atomicfile_write(path, buf + 4, len - 4, &ignored))
						log_debug("%s: %s", path, ignored.msg);
				}
		free(buf);
	}
	closedir(d);
	return 0;
}

static int efi_open(struct boot *b, struct fw_err *err)
{
	struct efi *e = calloc(1, sizeof(*e));
	struct statfs fs;

	if (!e)
		return fw_error(err, FW_ENOMEM, "out of memory");
	b->priv = e;
	e->efivarfs = !statfs(b->cfg->efivars, &fs) && (unsigned long)fs.f_type == EFIVARFS_MAGIC;
	return 0;
}

static void efi_close(struct boot *b)
{
	free(b->priv);
	b->priv = NULL;
}

static int read_trial(const struct boot *b, char *out, size_t size)
{
	char path[FW_PATH_LEN], *text = NULL;
	struct fw_err ignored = {0};
	size_t len;

	out[0] = '\0';
	state_path(b, "trial", "", path, sizeof(path));
	if (fd_read_file(path, 64, &text, &len, &ignored))
		return 0;
	snprintf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	return out[0] != '\0';
}

int boot_efi_decode(struct boot *b, struct boot_env *env, const uint16_t *order, unsigned norder,
		    const int *have, const uint16_t *num, int next_set, uint16_t next,
		    const char *trial)
{
	struct boot_slot *t = trial && *trial ? boot_env_slot(env, trial) : NULL;

	env->norder = 0;
	for (unsigned o = 0; o < norder; o++)
		for (unsigned i = 0; i < env->nslots; i++)
			if (have[i] && num[i] == order[o] &&
			    !boot_env_in_order(env, env->slots[i].name) && env->norder < BOOT_MAX)
				memcpy(env->order[env->norder++], env->slots[i].name,
				       sizeof(env->order[0]));
	for (unsigned i = 0; i < env->nslots; i++) {
		struct boot_slot *s = &env->slots[i];
		int in = boot_env_in_order(env, s->name);

		s->ok = in;
		s->left = in ? b->cfg->max_tries : 0;
		s->tried = s->trial = 0;
	}
	if (t) {
		unsigned i = (unsigned)(t - env->slots);
		int armed = have[i] && next_set && next == num[i];

		/* in BootOrder and not armed: that trial is over (confirmed, or
		 * an activation cut before it left BootOrder) */
		if (!armed && boot_env_in_order(env, t->name))
			return 0;
		/* first, out of BootOrder: armed, its one try to come; else
		 * that try was taken (it is booting now, or it fell back) */
		boot_env_set_primary(env, t->name, armed ? 1 : 0);
		t->tried = !armed;
	}
	return 0;
}

static int efi_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	struct efi *e = b->priv;
	uint16_t one[1];
	char trial[FW_BOOTNAME_LEN + 1];
	unsigned n;
	int ret, set;

	memset(e->have, 0, sizeof(e->have));
	ret = find_entries(b, err);
	if (!ret)
		ret = read_u16s(b, "BootOrder", e->order, 64, &e->norder, &set, err);
	if (!ret)
		ret = read_u16s(b, "BootNext", one, 1, &n, &set, err);
	if (ret)
		return ret;
	e->next_set = set && n == 1;
	e->next = e->next_set ? one[0] : 0;
	read_trial(b, trial, sizeof(trial));
	return boot_efi_decode(b, env, e->order, e->norder, e->have, e->num, e->next_set, e->next,
			       trial);
}

/* A slot's entry the firmware dropped: its saved bytes, a free number. */
static int recreate(struct boot *b, unsigned i, struct fw_err *err)
{
	struct efi *e = b->priv;
	char path[FW_PATH_LEN], name[16];
	char *buf = NULL;
	size_t len;
	int ret;

	state_path(b, "Boot-", b->names[i], path, sizeof(path));
	ret = fd_read_file(path, LOADOPT_MAX, &buf, &len, err);
	if (ret == FW_ENOTFOUND)
		return fw_error(err, FW_EUSAGE,
				"no Boot#### entry described '%s', and none saved: create it "
				"(efibootmgr -c -L %s ...)",
				b->names[i], b->names[i]);
	if (ret)
		return ret;
	for (unsigned num = 0; num <= 0xffff; num++) {
		char p[FW_PATH_LEN];

		snprintf(name, sizeof(name), "Boot%04X", num);
		var_path(b->cfg, name, p, sizeof(p));
		if (access(p, F_OK))
			break;
	}
	log_warn("the firmware dropped the entry of slot %s: written again as %s", b->names[i],
		 name);
	ret = var_write(b, name, buf, len, err);
	free(buf);
	if (!ret) {
		e->have[i] = 1;
		e->num[i] = (uint16_t)strtoul(name + 4, NULL, 16);
	}
	return ret;
}

static int write_trial(struct boot *b, const char *name, struct fw_err *err)
{
	char path[FW_PATH_LEN];

	state_path(b, "trial", "", path, sizeof(path));
	if (!name) {
		if (unlink(path)) {
			if (errno == ENOENT)
				return 0;
			return fw_error(err, FW_EIO, "%s: %s", path, strerror(errno));
		}
		/* gone for good: a trial file back after a cut would put a
		 * confirmed slot on trial again */
		if (atomicfile_fsync_dir(path, err))
			return err->code;
		faultpoint("bootloader store");
		return 0;
	}
	return atomicfile_write(path, name, strlen(name), err);
}

static int efi_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	struct efi *e = b->priv;
	const struct boot_slot *t = NULL;
	uint16_t order[64];
	uint8_t le[2 * 64];
	unsigned n = 0;
	int armed = 0, ret = 0, same;

	if (env->norder) {
		const struct boot_slot *s =
			boot_env_slot((struct boot_env *)(uintptr_t)env, env->order[0]);

		if (s && s->trial)
			t = s;
	}
	armed = t && t->left && !t->tried;
	for (unsigned i = 0; !ret && i < env->nslots; i++) {
		const struct boot_slot *s = &env->slots[i];
		int wanted = (s == t && armed) ||
			     (s != t && boot_env_in_order(env, s->name) && s->ok && s->left);

		if (wanted && !e->have[i])
			ret = recreate(b, i, err);
	}
	/* BootOrder: the slots that may boot, in the model's order, the trial
	 * left out; then the entries that are not slots, as they were */
	for (unsigned o = 0; !ret && o < env->norder; o++) {
		const struct boot_slot *s =
			boot_env_slot((struct boot_env *)(uintptr_t)env, env->order[o]);
		unsigned i = (unsigned)(s - env->slots);

		if (s != t && s->ok && s->left && e->have[i])
			order[n++] = e->num[i];
	}
	for (unsigned k = 0; !ret && k < e->norder && n < 64; k++) {
		int ours = 0;

		for (unsigned i = 0; i < env->nslots; i++)
			ours |= e->have[i] && e->num[i] == e->order[k];
		if (!ours)
			order[n++] = e->order[k];
	}
	if (ret)
		return ret;
	if (armed && (ret = write_trial(b, t->name, err)))
		return ret;
	same = n == e->norder && !memcmp(order, e->order, n * sizeof(*order));
	if (!same) {
		for (unsigned k = 0; k < n; k++) {
			le[2 * k] = (uint8_t)order[k];
			le[2 * k + 1] = (uint8_t)(order[k] >> 8);
		}
		ret = var_write(b, "BootOrder", le, 2 * n, err);
		if (ret)
			return ret;
		memcpy(e->order, order, n * sizeof(*order));
		e->norder = n;
	}
	if (armed) {
		unsigned i = (unsigned)(t - env->slots);

		if (!e->next_set || e->next != e->num[i]) {
			le[0] = (uint8_t)e->num[i];
			le[1] = (uint8_t)(e->num[i] >> 8);
			ret = var_write(b, "BootNext", le, 2, err);
			e->next_set = !ret;
			e->next = e->num[i];
		}
		return ret;
	}
	/* no trial to come: a BootNext to a slot goes (one to another
	 * entry is not ours), then the record of the trial */
	for (unsigned i = 0; i < env->nslots; i++)
		if (e->next_set && e->have[i] && e->next == e->num[i]) {
			ret = var_delete(b, "BootNext", err);
			if (ret)
				return ret;
			e->next_set = 0;
		}
	return t ? 0 : write_trial(b, NULL, err);
}

const struct boot_ops boot_efi_ops = {
	.name = "efi",
	.open = efi_open,
	.load = efi_load,
	.store = efi_store,
	.close = efi_close,
};
