/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SLOT_H
#define FW_SLOT_H

#include "config.h"
#include "err.h"

/**
 * slot_bootname() - the bootname a slot boots with: its own, or its
 * parent's for slots that follow a bootable one (appfs.1 -> rootfs.1 -> B)
 */
const char *slot_bootname(const struct config *cfg, const struct config_slot *s);

/**
 * slot_bootnames() - the distinct bootnames of @cfg, in file order
 * Return: how many (at most @max)
 */
unsigned slot_bootnames(const struct config *cfg, const char **names, unsigned max);

/**
 * slot_booted() - which bootname is running, from the kernel command line
 * in @cmdline_path: fwtool.slot=X, or rauc.slot=X (RAUC compatibility),
 * where X is a bootname or a slot name; else root=DEVICE matching a slot;
 * else, on UEFI, the firmware's record: the entry systemd-boot started
 * (LoaderEntrySelected), or BootCurrent's entry (efi)
 * @out: FW_BOOTNAME_LEN + 1 bytes
 * Return: 0, FW_ENOTFOUND (nothing says), FW_EIO.
 */
int slot_booted(const struct config *cfg, const char *cmdline_path,
		char out[static FW_BOOTNAME_LEN + 1], struct fw_err *err) FW_MUST;

/**
 * slot_target() - the slot of @class to write while @booted runs: the one
 * whose bootname differs. Refuses when the only candidates boot @booted.
 * Return: the slot, or NULL with FW_ENOTFOUND / FW_EUSAGE in @err.
 */
const struct config_slot *slot_target(const struct config *cfg, const char *class,
				      const char *booted, struct fw_err *err);

/** slot_of_bootname() - the slot of @class that boots with @bootname, or NULL */
const struct config_slot *slot_of_bootname(const struct config *cfg, const char *class,
					   const char *bootname);

/** slot_by_device() - the slot whose device is @device, or NULL */
const struct config_slot *slot_by_device(const struct config *cfg, const char *device);

/**
 * slot_check_unmounted() - refuse a device that is mounted (mountinfo)
 * Return: 0, FW_EIO naming the mount point.
 */
int slot_check_unmounted(const char *device, struct fw_err *err) FW_MUST;

#endif
