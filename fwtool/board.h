/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include "err.h"
#include "fwlimits.h"

/**
 * struct board - what this machine is: its compatible strings, most
 * specific first, and where they came from
 * @source: "dtb", "dmi", "config" or "command line"
 */
struct board {
	char strings[FW_BOARD_STRINGS_MAX][FW_COMPAT_LEN + 1];
	unsigned n;
	char model[FW_COMPAT_LEN + 1];
	const char *source;
};

#define BOARD_DTB_DEFAULT "/sys/firmware/fdt"
#define BOARD_DMI_DEFAULT "/sys/class/dmi/id"

void board_init(struct board *b);

/** board_add() - append one string; Return: 0, FW_EUSAGE (too many/long) */
int board_add(struct board *b, const char *s, struct fw_err *err) FW_MUST;

/**
 * board_from_dtb() - the root node's compatible list and model, read with
 * libfdt from a flattened device tree (/sys/firmware/fdt or a dtc output)
 * Return: 0, FW_EIO, FW_EFORMAT (not a valid DTB, no compatible).
 */
int board_from_dtb(struct board *b, const char *path, struct fw_err *err) FW_MUST;

/**
 * board_from_dtb_buf() - the same from memory (fuzzed)
 */
int board_from_dtb_buf(struct board *b, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/**
 * board_from_dmi() - "vendor,product" and OpenWrt's "vendor-product"
 * board_name from /sys/class/dmi/id, placeholders ("To be filled by
 * O.E.M.") ignored
 * Return: 0, FW_ENOTFOUND (no usable DMI data).
 */
int board_from_dmi(struct board *b, const char *dir, struct fw_err *err) FW_MUST;

/**
 * board_detect() - identity as system.conf says: "auto" (device tree, then
 * DMI), "dtb", "dmi", or a literal compatible string
 */
int board_detect(struct board *b, const char *how, const char *dtb, const char *dmi,
		 struct fw_err *err) FW_MUST;

/**
 * board_match() - does any of the @n patterns (shell globs, a bundle's
 * compatible list) match any board string?
 * Return: 0, FW_EINCOMPAT naming both sides.
 */
int board_match(const struct board *b, const char (*patterns)[FW_COMPAT_LEN + 1], unsigned n,
		struct fw_err *err) FW_MUST;

#endif
