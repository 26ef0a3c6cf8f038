// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "boot.h"
#include "fdio.h"
#include "kconfig.h"
#include "slot.h"

const char *slot_bootname(const struct config *cfg, const struct config_slot *s)
{
	/* config_load guarantees parents exist; follow at most a few levels */
	for (int depth = 0; s && !s->bootname[0] && depth < 4; depth++)
		s = config_slot_by_name(cfg, s->parent);
	return s ? s->bootname : "";
}

unsigned slot_bootnames(const struct config *cfg, const char **names, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cfg->nslots; i++) {
		const char *b = cfg->slots[i].bootname;
		unsigned j;

		if (!b[0])
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(names[j], b))
				break;
		if (j == n && n < max)
			names[n++] = b;
	}
	return n;
}

/* "fwtool.slot=B" or "rauc.slot=rootfs.1" -> bootname */
static int from_param(const struct config *cfg, const char *val, char *out)
{
	const struct config_slot *s = config_slot_by_name(cfg, val);
	const char *names[FW_SLOTS_MAX];
	unsigned n = slot_bootnames(cfg, names, FW_SLOTS_MAX);

	if (s) {
		snprintf(out, FW_BOOTNAME_LEN + 1, "%s", slot_bootname(cfg, s));
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], val)) {
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", val);
			return 0;
		}
	return -1;
}

int slot_booted(const struct config *cfg, const char *cmdline_path,
		char out[static FW_BOOTNAME_LEN + 1], struct fw_err *err)
{
	static const char *const params[] = {"fwtool.slot=", "rauc.slot=", "root="};
	char *cmdline = NULL;
	size_t len;
	int ret;

	out[0] = '\0';
	ret = fd_read_file(cmdline_path, 65536, &cmdline, &len, err);
	if (ret)
		return fw_error(err, ret == FW_ENOTFOUND ? FW_ENOTFOUND : FW_EIO,
				"cannot read the kernel command line %s", cmdline_path);
	/* split into words once; then one parameter after the other, in
	 * order of trust */
	for (size_t i = 0; i < len; i++)
		if (cmdline[i] == ' ' || cmdline[i] == '\t' || cmdline[i] == '\n')
			cmdline[i] = '\0';
	for (unsigned p = 0; p < 3 && !out[0] && !ret; p++) {
		size_t plen = strlen(params[p]);

		for (char *tok = cmdline; tok < cmdline + len; tok += strlen(tok) + 1) {
			if (strncmp(tok, params[p], plen))
				continue;
			if (p < 2) {
				if (from_param(cfg, tok + plen, out))
					ret = fw_error(err, FW_EUSAGE,
						       "%s%s on the kernel command line names no "
						       "slot in %s",
						       params[p], tok + plen, cfg->path);
				break;
			}
			for (unsigned i = 0; i < cfg->nslots; i++)
				if (!strcmp(cfg->slots[i].device, tok + plen))
					snprintf(out, FW_BOOTNAME_LEN + 1, "%s",
						 slot_bootname(cfg, &cfg->slots[i]));
		}
	}
	free(cmdline);
	if (ret)
		return ret;
		/* the command line says nothing: what the firmware saved of its
	 * start, where a UEFI backend runs */
#ifdef CONFIG_BOOT_SDBOOT
	if (!out[0] && !strcmp(cfg->bootloader, "systemd-boot"))
		(void)boot_sdboot_selected(cfg, out);
#endif
#ifdef CONFIG_BOOT_EFI
	if (!out[0] && !strcmp(cfg->bootloader, "efi"))
		(void)boot_efi_current(cfg, out);
#endif
	if (!out[0])
		return fw_error(err, FW_ENOTFOUND,
				"cannot tell the booted slot: no fwtool.slot=, rauc.slot= or "
				"matching root= in %s",
				cmdline_path);
	return 0;
}

const struct config_slot *slot_target(const struct config *cfg, const char *class,
				      const char *booted, struct fw_err *err)
{
	const struct config_slot *found = NULL;
	unsigned nclass = 0;

	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];

		if (strcmp(s->class, class))
			continue;
		nclass++;
		if (strcmp(slot_bootname(cfg, s), booted)) {
			if (found) {
				fw_error(err, FW_EUSAGE,
					 "class %s has more than one slot not booted (%s, %s)",
					 class, found->name, s->name);
				return NULL;
			}
			found = s;
		}
	}
	if (!nclass)
		fw_error(err, FW_ENOTFOUND,
			 "the bundle has an image for class %s, which has no slot in %s", class,
			 cfg->path);
	else if (!found)
		fw_error(err, FW_EUSAGE,
			 "every slot of class %s boots the running system (%s): refusing to write "
			 "it",
			 class, booted);
	return found;
}

const struct config_slot *slot_of_bootname(const struct config *cfg, const char *class,
					   const char *bootname)
{
	for (unsigned i = 0; i < cfg->nslots; i++)
		if (!strcmp(cfg->slots[i].class, class) &&
		    !strcmp(slot_bootname(cfg, &cfg->slots[i]), bootname))
			return &cfg->slots[i];
	return NULL;
}

const struct config_slot *slot_by_device(const struct config *cfg, const char *device)
{
	for (unsigned i = 0; i < cfg->nslots; i++)
		if (!strcmp(cfg->slots[i].device, device))
			return &cfg->slots[i];
	return NULL;
}

int slot_check_unmounted(const char *device, struct fw_err *err)
{
	char line[4096], mnt[1024], src[1024];
	unsigned maj, min;
	struct stat st;
	int is_blk;
	FILE *f;

	is_blk = !stat(device, &st) && S_ISBLK(st.st_mode);
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts ... - fstype source opts */
		char *dash = strstr(line, " - ");

		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, mnt) != 3 || !dash ||
		    sscanf(dash + 3, "%*s %1023s", src) != 1)
			continue;
		if ((is_blk && major(st.st_rdev) == maj && minor(st.st_rdev) == min) ||
		    !strcmp(src, device)) {
			fclose(f);
			return fw_error(err, FW_EIO, "%s is mounted on %s", device, mnt);
		}
	}
	fclose(f);
	return 0;
}
