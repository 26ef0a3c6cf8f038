/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BOOT_H
#define FW_BOOT_H

#include "config.h"
#include "err.h"
#include "limits.h"

#define BOOT_MAX 4

/**
 * struct boot_env - the A/B state every backend keeps, in one model
 * @order: bootnames in boot priority (BOOT_ORDER / ORDER)
 * @left:  tries left (BOOT_<x>_LEFT, <x>_LEFT)
 * @ok:    may boot at all (GRUB <x>_OK; always 1 elsewhere when in order)
 * @tried: booted and not yet confirmed (GRUB <x>_TRY; RAUC compatibility)
 */
struct boot_env {
	char order[BOOT_MAX][FW_BOOTNAME_LEN + 1];
	unsigned norder;
	struct boot_slot {
		char name[FW_BOOTNAME_LEN + 1];
		unsigned left;
		int ok, tried;
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

/** boot_load() / boot_store() - the model, for status and sim-boot */
int boot_load(struct boot *b, struct boot_env *env, struct fw_err *err) FW_MUST;
int boot_store(struct boot *b, const struct boot_env *env, struct fw_err *err) FW_MUST;

/** boot_get_primary() - first in order with tries left; "" when none */
int boot_get_primary(struct boot *b, char *out, struct fw_err *err) FW_MUST;

/** boot_set_primary() - @name first in the order with @tries tries */
int boot_set_primary(struct boot *b, const char *name, unsigned tries, struct fw_err *err) FW_MUST;

/** boot_get_state() - one slot's state */
int boot_get_state(struct boot *b, const char *name, struct boot_slot_state *st,
		   struct fw_err *err) FW_MUST;

/**
 * boot_mark() - good: full tries, kept in order; bad: out of the order, no
 * tries (the bootloader will never pick it); active: set_primary with
 * [system] max_tries
 */
int boot_mark(struct boot *b, const char *name, enum boot_mark m, struct fw_err *err) FW_MUST;

/**
 * boot_reset() - one store that leaves exactly @good bootable, in that
 * order, each with @tries tries and nothing on trial; every other bootname
 * out of the order (recovery's known-good state)
 */
int boot_reset(struct boot *b, const char *const *good, unsigned ngood, unsigned tries,
	       struct fw_err *err) FW_MUST;

/* model helpers, shared with the backends and tested alone */
struct boot_slot *boot_env_slot(struct boot_env *env, const char *name);
void boot_env_order_remove(struct boot_env *env, const char *name);
int boot_env_primary(const struct boot_env *env, char *out);

extern const struct boot_ops boot_sim_ops, boot_uboot_ops, boot_grub_ops;

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

#endif
