/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_GRUBENV_H
#define FW_GRUBENV_H

#include <stddef.h>

#include "err.h"
#include "fwlimits.h"

/*
 * A GRUB environment block: "# GRUB Environment Block\n", comment lines,
 * NAME=VALUE lines ('\' escaped as "\\", a newline as "\" + newline), then
 * '#' padding to the block's size. Edits work in place as GRUB's own
 * envblk code does (a changed value is rewritten where it stands, a new one
 * is appended, the padding absorbs the difference), so a block edited by
 * fwtool is byte for byte what grub-editenv would have written.
 */
struct grubenv {
	char buf[FW_GRUBENV_SIZE];
	size_t size;
};

/**
 * grubenv_parse() - check and take a block (@len is its size, normally 1024)
 * Return: 0, FW_ECORRUPT (no signature, no padding, bad size): a GRUB
 * block is local state, never part of a bundle.
 */
int grubenv_parse(struct grubenv *e, const char *buf, size_t len, struct fw_err *err) FW_MUST;

/** grubenv_create() - an empty block as 'grub-editenv create' writes it */
void grubenv_create(struct grubenv *e);

/**
 * grubenv_get() - the unescaped value of @name into @out
 * Return: 1 found, 0 not.
 */
int grubenv_get(const struct grubenv *e, const char *name, char *out, size_t size);

/** grubenv_set() - Return: 0, FW_ENOSPC ("environment block too small") */
int grubenv_set(struct grubenv *e, const char *name, const char *value, struct fw_err *err) FW_MUST;

void grubenv_unset(struct grubenv *e, const char *name);

#endif
