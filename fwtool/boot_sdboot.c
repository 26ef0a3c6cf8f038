// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd-boot: the Boot Loader Specification with Automatic Boot
 * Assessment. Each slot has one entry on the ESP, Type #1 in
 * loader/entries/ (.conf) or Type #2 in EFI/Linux/ (.efi), named
 *
 *     fwtool-RANK-NAME[+LEFT[-DONE]].conf
 *
 * NAME the slot's bootname in lower case, RANK 1 for the first slot of the
 * order and 0 for the others, +LEFT-DONE systemd-boot's tries counter.
 * systemd-boot itself counts a try by renaming the entry to
 * +max(LEFT-1,0)-(DONE+1) just before it starts it; fwtool blesses an entry
 * by dropping the counter (as systemd-bless-boot does, and its renames
 * keep to this scheme), marks it bad as +0, and arms a trial as +max_tries.
 *
 * The choice is left to systemd-boot's sort order, never to a default:
 * 252 boots a default that names a +0 entry (it has no tries check), and
 * as its entry ids include the counter, an exact default stops matching
 * after the first try (wave2.md §2.2). Sorted, +0 entries go last and the
 * rest by id, descending: "fwtool-1-..." before "fwtool-0-...". So the
 * primary boots while it has tries, and when a trial's tries are used up
 * it sinks below the slot it was to replace. A 'default' in loader.conf or
 * LoaderEntryDefault/LoaderEntryOneShot would override that, and is
 * refused with a message rather than fought.
 *
 * A store is a rename per entry that changes, in the directory, fsynced
 * after each: first the entries that become +0, then those that lose rank,
 * then the one that gains it, so a cut between two renames leaves the old
 * primary or the new one first, never a slot that may not boot. On FAT
 * (Linux vfat) a rename adds the new directory entry empty, fills it in
 * when the file's inode is written, and removes the old entry: each
 * rename is therefore followed by an fsync of the file, then of the
 * directory. A cut inside that leaves the old name beside an empty new
 * one, or the empty one alone: an empty entry is ignored (systemd-boot
 * cannot boot it either), so the slot keeps its old state, or has no
 * entry (exit 9) and the other slot boots.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "faultpoint.h"
#include "fdio.h"
#include "log.h"
#include "slot.h"

#define PREFIX "fwtool-"
#define LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f" /* systemd-boot's */

static const char *const dirs[SDBOOT_DIRS] = {"loader/entries", "EFI/Linux"};
static const char *const suffixes[SDBOOT_DIRS] = {".conf", ".efi"};

/* ---- names, as systemd-boot 252 reads them -------------------------------- */

static int digits(const char *p, const char *end, unsigned *out)
{
	unsigned long v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int boot_sdboot_parse(const char *file, unsigned dir, const char *const *names, unsigned nnames,
		      struct sdboot_entry *e)
{
	size_t n = strlen(file), sl = strlen(suffixes[dir % SDBOOT_DIRS]);
	const char *plus, *end, *dash;
	char stem[SDBOOT_NAME_LEN + 1];

	memset(e, 0, sizeof(*e));
	e->slot = -1;
	if (dir >= SDBOOT_DIRS || n > SDBOOT_NAME_LEN || n <= sl ||
	    strcasecmp(file + n - sl, suffixes[dir]))
		return -1;
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->dir = dir;
	end = file + n - sl;
	/* the last '+', LEFT, an optional -DONE, then the suffix: else the
	 * name has no counter and '+' is part of the id */
	plus = memrchr(file, '+', (size_t)(end - file));
	if (plus) {
		dash = memchr(plus, '-', (size_t)(end - plus));
		if (!digits(plus + 1, dash ? dash : end, &e->left) &&
		    (!dash || !digits(dash + 1, end, &e->done))) {
			e->counted = 1;
			end = plus;
		} else {
			e->left = e->done = 0;
		}
	}
	if ((size_t)(end - file) > sizeof(stem) - 1)
		return -1;
	memcpy(stem, file, (size_t)(end - file));
	stem[end - file] = '\0';
	if (strncasecmp(stem, PREFIX, strlen(PREFIX)) || (stem[7] != '0' && stem[7] != '1') ||
	    stem[8] != '-')
		return -1;
	e->rank = (unsigned)(stem[7] - '0');
	for (unsigned i = 0; i < nnames; i++)
		if (!strcasecmp(stem + 9, names[i]))
			e->slot = (int)i;
	return e->slot < 0 ? -1 : 0;
}

/* @src in lower case into @dst of @size bytes: systemd-boot's ids */
static void lower(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

void boot_sdboot_format(const struct sdboot_entry *e, const char *bootname, char *out, size_t size)
{
	char name[FW_BOOTNAME_LEN + 1];

	lower(name, bootname, sizeof(name));
	if (!e->counted)
		snprintf(out, size, PREFIX "%u-%s%s", e->rank, name, suffixes[e->dir]);
	else if (e->done)
		snprintf(out, size, PREFIX "%u-%s+%u-%u%s", e->rank, name, e->left, e->done,
			 suffixes[e->dir]);
	else
		snprintf(out, size, PREFIX "%u-%s+%u%s", e->rank, name, e->left, suffixes[e->dir]);
}

/* systemd-boot's order: +0 last, then by id descending (versions compared
 * as numbers), then more tries left, then fewer done */
static int entry_cmp(const struct sdboot_entry *a, const struct sdboot_entry *b)
{
	int za = a->counted && !a->left, zb = b->counted && !b->left, r;
	char ia[SDBOOT_NAME_LEN + 1], ib[SDBOOT_NAME_LEN + 1];

	if (za != zb)
		return za - zb;
	lower(ia, a->file, sizeof(ia));
	lower(ib, b->file, sizeof(ib));
	r = strverscmp(ib, ia);
	if (r)
		return r;
	if (a->left != b->left)
		return a->left > b->left ? -1 : 1;
	return a->done < b->done ? -1 : a->done > b->done;
}

int boot_sdboot_decode(struct boot *b, struct boot_env *env, const struct sdboot_entry *ents,
		       unsigned n, struct fw_err *err)
{
	const struct sdboot_entry *of[BOOT_MAX] = {NULL};
	unsigned idx[BOOT_MAX], k = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct sdboot_entry *e = &ents[i];

		if (e->slot < 0 || (unsigned)e->slot >= env->nslots)
			continue;
		if (of[e->slot])
			return fw_error(err, FW_ECORRUPT,
					"two entries for slot %s: %s and %s (fsck the ESP?)",
					env->slots[e->slot].name, of[e->slot]->file, e->file);
		of[e->slot] = e;
	}
	env->norder = 0;
	for (unsigned i = 0; i < env->nslots; i++) {
		struct boot_slot *s = &env->slots[i];
		const struct sdboot_entry *e = of[i];

		if (!e)
			return fw_error(err, FW_ECORRUPT,
					"no entry for slot %s (" PREFIX "[01]-%s*%s in %s or *%s "
					"in %s)",
					s->name, s->name, suffixes[0], dirs[0], suffixes[1],
					dirs[1]);
		s->trial = e->counted;
		s->tried = e->counted && e->done > 0;
		s->left = e->counted ? e->left : b->cfg->max_tries;
		/* +0 never tried: marked bad; +0-DONE: a trial that used its tries */
		s->ok = !e->counted || e->left || e->done;
		if (s->ok)
			idx[k++] = i;
	}
	/* the order systemd-boot will try them in */
	for (unsigned i = 1; i < k; i++)
		for (unsigned j = i; j && entry_cmp(of[idx[j]], of[idx[j - 1]]) < 0; j--) {
			unsigned t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (unsigned i = 0; i < k; i++)
		memcpy(env->order[env->norder++], env->slots[idx[i]].name, sizeof(env->order[0]));
	return 0;
}

void boot_sdboot_encode(const struct boot_env *env, const struct sdboot_entry *cur,
			struct sdboot_entry *want)
{
	for (unsigned i = 0; i < env->nslots; i++) {
		const struct boot_slot *s = &env->slots[i];
		const struct sdboot_entry *c = &cur[i];
		struct sdboot_entry *w = &want[i];
		int pos = -1;

		for (unsigned o = 0; o < env->norder; o++)
			if (!strcmp(env->order[o], s->name))
				pos = (int)o;
		*w = *c;
		w->rank = pos == 0;
		if (pos < 0 || !s->ok) {
			/* bad: +0, never tried */
			w->counted = 1;
			w->left = w->done = 0;
			w->rank = 0;
		} else if (s->trial || !s->left) {
			w->counted = 1;
			w->left = s->left;
			/* keep systemd-boot's count of tries done while the
			 * slot stays tried; one, if it has none left */
			w->done = !s->tried ? 0 : c->counted && c->done ? c->done : 1;
			if (!w->left && !w->done)
				w->done = 1;
		} else {
			w->counted = 0;
			w->left = w->done = 0;
		}
	}
}

/* ---- loader.conf and EFI variables ---------------------------------------- */

int boot_sdboot_conf_default(const char *text, size_t len, char *out, size_t size)
{
	int found = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len;) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i, k = 0;

		i += ll + 1;
		while (k < ll && (line[k] == ' ' || line[k] == '\t'))
			k++;
		/* "default" then blanks then the value (systemd-boot's own
		 * loader.conf syntax; '#' starts a comment line) */
		if (ll - k > 7 && !strncmp(line + k, "default", 7) &&
		    (line[k + 7] == ' ' || line[k + 7] == '\t')) {
			size_t v = k + 7, e = ll;

			while (v < ll && (line[v] == ' ' || line[v] == '\t'))
				v++;
			while (e > v && isspace((unsigned char)line[e - 1]))
				e--;
			if (e > v) {
				snprintf(out, size, "%.*s", (int)(e - v), line + v);
				found = 1; /* the last one wins, as in systemd-boot */
			}
		}
	}
	return found;
}

int boot_sdboot_efivar_str(const uint8_t *buf, size_t len, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	/* u32 attributes, then UTF-16LE, NUL-terminated */
	if (len < 4 || (len - 4) % 2)
		return -1;
	for (size_t i = 4; i + 1 < len; i += 2) {
		unsigned c = buf[i] | (unsigned)buf[i + 1] << 8;

		if (!c)
			return 0;
		if (o + 1 >= size)
			return -1;
		/* entry ids are ASCII: anything else is shown as '?' */
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		out[o] = '\0';
	}
	return 0;
}

int boot_sdboot_selected(const struct config *cfg, char out[static FW_BOOTNAME_LEN + 1])
{
	const char *names[BOOT_MAX];
	unsigned n = slot_bootnames(cfg, names, BOOT_MAX);
	char path[FW_PATH_LEN], id[SDBOOT_NAME_LEN + 1], *text = NULL;
	struct fw_err ignored = {0};
	struct sdboot_entry e;
	size_t len, l;
	int ret;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%.4000s/LoaderEntrySelected-" LOADER_GUID, cfg->efivars);
	if (fd_read_file(path, 4096, &text, &len, &ignored))
		return -1;
	ret = boot_sdboot_efivar_str((const uint8_t *)text, len, id, sizeof(id));
	free(text);
	/* the id as systemd-boot saved it, before its rename; a Type #2
	 * entry's ends .efi */
	l = strlen(id);
	if (ret || (boot_sdboot_parse(id, l > 4 && !strcasecmp(id + l - 4, ".efi"), names, n, &e)))
		return -1;
	snprintf(out, FW_BOOTNAME_LEN + 1, "%s", names[e.slot]);
	return 0;
}

/* ---- the ESP --------------------------------------------------------------- */

struct sdboot {
	int dirfd[SDBOOT_DIRS]; /* -1: that directory does not exist */
	struct sdboot_entry cur[BOOT_MAX];
};

static int no_default(struct boot *b, struct fw_err *err);

static int sd_open(struct boot *b, struct fw_err *err)
{
	struct sdboot *sd = calloc(1, sizeof(*sd));
	int found = 0;

	if (!sd)
		return fw_error(err, FW_ENOMEM, "out of memory");
	b->priv = sd;
	for (unsigned d = 0; d < SDBOOT_DIRS; d++) {
		char path[FW_PATH_LEN];

		snprintf(path, sizeof(path), "%.4000s/%s", b->cfg->esp, dirs[d]);
		sd->dirfd[d] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sd->dirfd[d] < 0 && errno != ENOENT)
			return fw_error(err, FW_EIO, "%s: %s", path, strerror(errno));
		found |= sd->dirfd[d] >= 0;
	}
	if (!found)
		return fw_error(err, FW_EUSAGE, "%s: no %s or %s: not an ESP with boot entries",
				b->cfg->esp, dirs[0], dirs[1]);
	for (unsigned i = 0; i < b->nnames; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcasecmp(b->names[i], b->names[j]))
				return fw_error(err, FW_EUSAGE,
						"bootnames %s and %s differ only in case: one "
						"entry name for both",
						b->names[i], b->names[j]);
	/* with a default in force, neither fwtool's choice nor what it
	 * reports about the next boot would hold */
	return no_default(b, err);
}

static void sd_close(struct boot *b)
{
	struct sdboot *sd = b->priv;

	if (!sd)
		return;
	for (unsigned d = 0; d < SDBOOT_DIRS; d++)
		if (sd->dirfd[d] >= 0)
			close(sd->dirfd[d]);
	free(sd);
	b->priv = NULL;
}

static int sd_scan(struct boot *b, struct sdboot_entry *ents, unsigned max, unsigned *np,
		   struct fw_err *err)
{
	struct sdboot *sd = b->priv;

	*np = 0;
	for (unsigned d = 0; d < SDBOOT_DIRS; d++) {
		struct dirent *de;
		struct stat st;
		DIR *dir;
		int fd;

		if (sd->dirfd[d] < 0)
			continue;
		fd = dup(sd->dirfd[d]);
		dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			return fw_error(err, FW_EIO, "%s/%s: %s", b->cfg->esp, dirs[d],
					strerror(errno));
		}
		rewinddir(dir);
		while ((de = readdir(dir))) {
			struct sdboot_entry e;

			if (boot_sdboot_parse(de->d_name, d, b->names, b->nnames, &e))
				continue;
			/* an empty entry is a FAT rename a power cut left half
			 * done (its old name may still be there): systemd-boot
			 * cannot boot it either */
			if (!fstatat(sd->dirfd[d], de->d_name, &st, 0) && !st.st_size) {
				log_warn("%s/%s/%s is empty (a rename cut short?): ignored",
					 b->cfg->esp, dirs[d], de->d_name);
				continue;
			}
			if (*np == max) {
				closedir(dir);
				return fw_error(err, FW_ECORRUPT, "%s: more than %u fwtool entries",
						b->cfg->esp, max);
			}
			ents[(*np)++] = e;
		}
		closedir(dir);
	}
	return 0;
}

static int sd_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	struct sdboot *sd = b->priv;
	struct sdboot_entry ents[2 * BOOT_MAX];
	unsigned n;
	int ret = sd_scan(b, ents, 2 * BOOT_MAX, &n, err);

	if (!ret)
		ret = boot_sdboot_decode(b, env, ents, n, err);
	if (ret)
		return fw_error_prefix(err, "%s", b->cfg->esp);
	memset(sd->cur, 0, sizeof(sd->cur));
	for (unsigned i = 0; i < n; i++)
		sd->cur[ents[i].slot] = ents[i];
	return 0;
}

/* A default would override the sort order fwtool's choice rests on. */
static int no_default(struct boot *b, struct fw_err *err)
{
	static const char *const vars[] = {"LoaderEntryDefault", "LoaderEntryOneShot"};
	char path[FW_PATH_LEN], v[SDBOOT_NAME_LEN + 1], *text = NULL;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%.4000s/loader/loader.conf", b->cfg->esp);
	ret = fd_read_file(path, 64u << 10, &text, &len, err);
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
	} else if (ret) {
		return ret;
	} else if (boot_sdboot_conf_default(text, len, v, sizeof(v))) {
		free(text);
		return fw_error(err, FW_EUSAGE,
				"%s sets 'default %s': fwtool chooses the slot by the "
				"entries' sort order; remove that line",
				path, v);
	}
	free(text);
	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%.4000s/%s-" LOADER_GUID, b->cfg->efivars, vars[i]);
		ret = fd_read_file(path, 4096, &text, &len, err);
		if (ret == FW_ENOTFOUND) {
			fw_err_clear(err);
			continue;
		}
		if (ret)
			return ret;
		ret = boot_sdboot_efivar_str((const uint8_t *)text, len, v, sizeof(v));
		free(text);
		if (!ret && v[0])
			return fw_error(err, FW_EUSAGE,
					"EFI variable %s is set (%s): it overrides the slot fwtool "
					"chose; clear it with 'bootctl set-%s \"\"'",
					vars[i], v, i ? "oneshot" : "default");
	}
	return 0;
}

static int rename_entry(struct boot *b, const struct sdboot_entry *from, const char *bootname,
			const struct sdboot_entry *to, struct fw_err *err)
{
	struct sdboot *sd = b->priv;
	int fd = sd->dirfd[from->dir], file;
	char name[SDBOOT_NAME_LEN + 1];

	boot_sdboot_format(to, bootname, name, sizeof(name));
	if (!strcmp(name, from->file))
		return 0;
	if (renameat2(fd, from->file, fd, name, RENAME_NOREPLACE))
		return fw_error(err, errno == EEXIST ? FW_ECORRUPT : FW_EIO,
				"rename %s/%s to %s: %s", dirs[from->dir], from->file, name,
				strerror(errno));
	/*
	 * On FAT a rename writes the new directory entry empty (no first
	 * cluster, size 0) and fills it in only when the file's inode is
	 * written back: an fsync of the directory alone left both entries
	 * of a power-cut QEMU host at 0 bytes, and systemd-boot with no entry
	 * to boot. So the file first (fat_write_inode fills its entry), then
	 * the directory (the old entry's removal) and the device's cache.
	 */
	file = openat(fd, name, O_RDONLY | O_CLOEXEC);
	if (file < 0 || fsync(file) || fsync(fd)) {
		int e = errno;

		if (file >= 0)
			close(file);
		return fw_error(err, FW_EIO, "fsync %s/%s: %s", dirs[from->dir], name, strerror(e));
	}
	close(file);
	faultpoint("bootloader store");
	return 0;
}

static int sd_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	struct sdboot *sd = b->priv;
	struct sdboot_entry want[BOOT_MAX];
	int ret;

	boot_sdboot_encode(env, sd->cur, want);
	/* +0 first, then those that lose rank or keep it, the new first last */
	for (int phase = 0; phase < 3; phase++)
		for (unsigned i = 0; i < env->nslots; i++) {
			const struct sdboot_entry *w = &want[i];
			int p = w->counted && !w->left ? 0 : w->rank ? 2 : 1;

			if (p != phase)
				continue;
			ret = rename_entry(b, &sd->cur[i], env->slots[i].name, w, err);
			if (ret)
				return fw_error_prefix(err, "%s", b->cfg->esp);
			boot_sdboot_format(w, env->slots[i].name, sd->cur[i].file,
					   sizeof(sd->cur[i].file));
			sd->cur[i].rank = w->rank;
			sd->cur[i].counted = w->counted;
			sd->cur[i].left = w->left;
			sd->cur[i].done = w->done;
		}
	return 0;
}

const struct boot_ops boot_sdboot_ops = {
	.name = "systemd-boot",
	.open = sd_open,
	.load = sd_load,
	.store = sd_store,
	.close = sd_close,
};
