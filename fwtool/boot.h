/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BOOT_H
#define FW_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "fwlimits.h"

#define BOOT_MAX 4

/**
 * struct boot_env - the A/B state every backend keeps, in one model
 * @order: bootnames in boot priority (BOOT_ORDER / ORDER)
 * @left:  tries left (BOOT_<x>_LEFT, <x>_LEFT)
 * @ok:    may boot at all (GRUB <x>_OK; always 1 elsewhere when in order)
 * @tried: booted and not yet confirmed (GRUB <x>_TRY; RAUC compatibility)
 * @trial: its tries are counting down until it is confirmed: set by
 *         boot_env_set_primary(), cleared by every other rule. Only
 *         systemd-boot tells a trial from a good slot with tries (it counts
 *         an entry with +LEFT, never a blessed one); the others ignore it.
 */
struct boot_env {
	char order[BOOT_MAX][FW_BOOTNAME_LEN + 1];
	unsigned norder;
	struct boot_slot {
		char name[FW_BOOTNAME_LEN + 1];
		unsigned left;
		int ok, tried, trial;
	} slots[BOOT_MAX];
	unsigned nslots;
};

struct boot;

/*
 * A backend only translates the model to its variables and back; the rules
 * (what "primary", "good", "mark bad" mean) live once, in boot.c. store()
 * is one atomic write of everything: one libuboot_env_store, one GRUB block,
 * one file.
 */
struct boot_ops {
	const char *name;
	int (*open)(struct boot *b, struct fw_err *err);
	int (*load)(struct boot *b, struct boot_env *env, struct fw_err *err);
	int (*store)(struct boot *b, const struct boot_env *env, struct fw_err *err);
	void (*close)(struct boot *b);
};

struct boot {
	const struct boot_ops *ops;
	const struct config *cfg;
	const char *names[BOOT_MAX]; /* bootnames from system.conf */
	unsigned nnames;
	void *priv;
	int single_copy; /* uboot: the environment is not redundant */
};

enum boot_mark { BOOT_MARK_GOOD, BOOT_MARK_BAD, BOOT_MARK_ACTIVE };

/**
 * struct boot_slot_state - what the bootloader will do with a slot
 * @good: in the order, allowed, tries left
 */
struct boot_slot_state {
	int good, in_order, ok, tried;
	unsigned left;
};

/** boot_open() - the backend named by [system] bootloader */
int boot_open(struct boot *b, const struct config *cfg, struct fw_err *err) FW_MUST;
void boot_close(struct boot *b);

/**
 * boot_load() / boot_store() - the model, read and written as a whole; a
 * change of several slots (one activated, another cancelled) is one
 * boot_store(), so one atomic write of the backend
 * Return: 0; FW_ECORRUPT (environment unreadable), FW_EIO, FW_EUSAGE.
 */
int boot_load(struct boot *b, struct boot_env *env, struct fw_err *err) FW_MUST;
int boot_store(struct boot *b, const struct boot_env *env, struct fw_err *err) FW_MUST;

/** boot_get_primary() - first in order with tries left; "" when none */
int boot_get_primary(struct boot *b, char out[static FW_BOOTNAME_LEN + 1],
		     struct fw_err *err) FW_MUST;

/** boot_set_primary() - load, boot_env_set_primary(), store */
int boot_set_primary(struct boot *b, const char *name, unsigned tries, struct fw_err *err) FW_MUST;

/** boot_get_state() - one slot's state */
int boot_get_state(struct boot *b, const char *name, struct boot_slot_state *st,
		   struct fw_err *err) FW_MUST;

/**
 * boot_mark() - load, apply one rule, store: good is boot_env_mark_good()
 * with [system] max_tries, bad is boot_env_mark_bad(), active is
 * boot_env_set_primary() with max_tries
 */
int boot_mark(struct boot *b, const char *name, enum boot_mark m, struct fw_err *err) FW_MUST;

/** boot_reset() - load, boot_env_reset(), store */
int boot_reset(struct boot *b, const char *const *good, unsigned ngood, unsigned tries,
	       struct fw_err *err) FW_MUST;

/*
 * The A/B rules, once, as pure functions on the model (tested alone in
 * tests/unit/test_boot.c and fuzzed with every backend's decoder in
 * tests/fuzz/fuzz_bootenv.c). Each keeps the model well formed: the order
 * holds configured bootnames only, each at most once, so it never has more
 * than nslots entries. A rule given a name that is not configured changes
 * nothing and returns -1.
 */

/** boot_env_init() - no order, no tries, for the bootnames @names */
void boot_env_init(struct boot_env *env, const char *const *names, unsigned n);

/** boot_env_slot() - the slot named @name, or NULL */
struct boot_slot *boot_env_slot(struct boot_env *env, const char *name);

/** boot_env_in_order() - is @name in the boot order */
int boot_env_in_order(const struct boot_env *env, const char *name);

/**
 * boot_env_parse_order() - BOOT_ORDER / ORDER text to the order: words
 * that are not configured bootnames, and repeats (a hand-edited "A A A A"),
 * are dropped
 */
void boot_env_parse_order(struct boot_env *env, const char *text);

/** boot_env_format_order() - the order as space-separated text */
void boot_env_format_order(const struct boot_env *env, char *out, size_t size);

/** boot_env_primary() - first in order that may boot and has tries; 0 when none */
int boot_env_primary(const struct boot_env *env, char out[static FW_BOOTNAME_LEN + 1]);

/** boot_env_state() - what the bootloader will do with @name */
void boot_env_state(const struct boot_env *env, const char *name, struct boot_slot_state *st);

/** boot_env_set_primary() - @name first in the order, allowed, @tries tries, not tried */
int boot_env_set_primary(struct boot_env *env, const char *name, unsigned tries);

/**
 * boot_env_mark_good() - @name allowed with @tries tries, not tried; in
 * the order where it was, or last
 */
int boot_env_mark_good(struct boot_env *env, const char *name, unsigned tries);

/** boot_env_mark_bad() - @name out of the order, not allowed, no tries */
int boot_env_mark_bad(struct boot_env *env, const char *name);

/**
 * boot_env_reset() - exactly @good bootable, in that order, each with
 * @tries tries and nothing tried; every other bootname out of the order
 * (recovery's known-good state)
 */
int boot_env_reset(struct boot_env *env, const char *const *good, unsigned ngood, unsigned tries);

/** boot_env_well_formed() - 1 when the order holds distinct, configured names */
int boot_env_well_formed(const struct boot_env *env);

extern const struct boot_ops boot_sim_ops, boot_uboot_ops, boot_grub_ops, boot_sdboot_ops,
	boot_efi_ops;

/*
 * RAUC's U-Boot variables (BOOT_ORDER="A B", BOOT_<x>_LEFT in hex), shared
 * by the uboot and sim backends. @get returns a malloc'd value or NULL;
 * missing variables take the defaults the shipped boot scripts use: the
 * first bootname alone in the order, max_tries tries.
 */
typedef char *(*boot_get_fn)(void *ctx, const char *name);
typedef int (*boot_set_fn)(void *ctx, const char *name, const char *value);

void boot_rauc_decode(struct boot *b, struct boot_env *env, boot_get_fn get, void *ctx);
int boot_rauc_encode(struct boot *b, const struct boot_env *env, boot_set_fn set, void *ctx);

struct grubenv;

/**
 * boot_grub_decode() / boot_grub_encode() - the model from and to a GRUB
 * environment block: ORDER, <x>_OK, <x>_TRY, <x>_LEFT (boot_grub.c)
 */
void boot_grub_decode(struct boot *b, struct boot_env *env, const struct grubenv *e);
int boot_grub_encode(const struct boot_env *env, struct grubenv *e, struct fw_err *err) FW_MUST;

/*
 * systemd-boot entries (boot_sdboot.c): fwtool-RANK-NAME[+LEFT[-DONE]].conf
 * in loader/entries/, or .efi in EFI/Linux/.
 */
#define SDBOOT_DIRS 2
#define SDBOOT_NAME_LEN 255

struct sdboot_entry {
	char file[SDBOOT_NAME_LEN + 1]; /* the name on the ESP */
	unsigned dir; /* 0 loader/entries (.conf), 1 EFI/Linux (.efi) */
	int slot; /* index of its bootname, -1 none */
	unsigned rank; /* 1: first in the order */
	int counted; /* has +LEFT[-DONE] */
	unsigned left, done;
};

/**
 * boot_sdboot_parse() - an entry file name in directory @dir, as
 * systemd-boot 252 parses its counter; which of @names it is for
 * Return: 0 an entry of a slot, -1 anything else (left alone).
 */
int boot_sdboot_parse(const char *file, unsigned dir, const char *const *names, unsigned nnames,
		      struct sdboot_entry *e);

/** boot_sdboot_format() - the file name of @e for @bootname */
void boot_sdboot_format(const struct sdboot_entry *e, const char *bootname, char *out, size_t size);

/**
 * boot_sdboot_decode() - the model from the slots' entries: blessed ones
 * good with max_tries, counted ones on trial, +0 bad, +0-DONE a trial
 * that used its tries; the order as systemd-boot will sort them
 * Return: 0; FW_ECORRUPT (a slot with no entry, or two).
 */
int boot_sdboot_decode(struct boot *b, struct boot_env *env, const struct sdboot_entry *ents,
		       unsigned n, struct fw_err *err) FW_MUST;

/**
 * boot_sdboot_encode() - what each slot's entry (@cur, by slot) must
 * become for @env: the first in the order ranked 1, a trial counted, a good
 * slot blessed, one out of the order +0
 */
void boot_sdboot_encode(const struct boot_env *env, const struct sdboot_entry *cur,
			struct sdboot_entry *want);

/**
 * boot_sdboot_selected() - the slot whose entry systemd-boot started
 * (LoaderEntrySelected in [systemd-boot] efivars)
 * Return: 0, -1 none (not booted by systemd-boot, not an fwtool entry).
 */
int boot_sdboot_selected(const struct config *cfg, char out[static FW_BOOTNAME_LEN + 1]);

/**
 * boot_sdboot_conf_default() - the last 'default' line of a loader.conf
 * Return: 1 found (in @out), 0 none.
 */
int boot_sdboot_conf_default(const char *text, size_t len, char *out, size_t size);

/**
 * boot_sdboot_efivar_str() - an efivarfs file's string: u32 attributes,
 * then UTF-16LE up to a NUL (non-ASCII shown as '?')
 * Return: 0, -1 malformed or longer than @size.
 */
int boot_sdboot_efivar_str(const uint8_t *buf, size_t len, char *out, size_t size);

/*
 * UEFI boot entries (boot_efi.c): the formats efivarfs holds, each file a
 * u32 of variable attributes and then the value.
 */

/** boot_efi_u16s() - BootOrder / BootNext: Return: 0, -1 malformed or more than @max */
int boot_efi_u16s(const uint8_t *buf, size_t len, uint16_t *out, unsigned max, unsigned *n);

/**
 * boot_efi_loadopt_desc() - a Boot#### file's description (ASCII; other
 * characters shown as '?'), the load option checked for a NUL and a
 * device path within it
 * Return: 0, -1 malformed.
 */
int boot_efi_loadopt_desc(const uint8_t *buf, size_t len, char *out, size_t size);

/**
 * boot_efi_current() - the slot the firmware started: BootCurrent's entry,
 * by its description
 * Return: 0, -1 none.
 */
int boot_efi_current(const struct config *cfg, char out[static FW_BOOTNAME_LEN + 1]);

/**
 * boot_efi_decode() - the model: the slots in BootOrder (@have/@num: each
 * bootname's Boot####), good, in that order; @trial (efi-trial) first,
 * with one try when BootNext names it, else none (taken)
 */
int boot_efi_decode(struct boot *b, struct boot_env *env, const uint16_t *order, unsigned norder,
		    const int *have, const uint16_t *num, int next_set, uint16_t next,
		    const char *trial);

/**
 * boot_sim_pick() - the simulated bootloader's choice, as the shipped boot
 * scripts make it: the first slot in the order that may boot and has tries
 * gets one try less and is marked tried; when none has, every slot in the
 * order gets @max_tries again and the first boots (the first bootname when
 * the order is empty)
 * @out: the bootname chosen
 * Return: 1 when the counters were reset, else 0.
 */
int boot_sim_pick(struct boot_env *env, unsigned max_tries, char out[static FW_BOOTNAME_LEN + 1]);

#endif
