// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "kconfig.h"
#include "slot.h"

static const struct boot_ops *const backends[] = {
#ifdef CONFIG_BOOT_SIM
	&boot_sim_ops,
#endif
#ifdef CONFIG_BOOT_UBOOT
	&boot_uboot_ops,
#endif
#ifdef CONFIG_BOOT_GRUB
	&boot_grub_ops,
#endif
#ifdef CONFIG_BOOT_SDBOOT
	&boot_sdboot_ops,
#endif
#ifdef CONFIG_BOOT_EFI
	&boot_efi_ops,
#endif
};

/* Every error leaving a backend says which one it was, once, here. */
static int prefixed(struct boot *b, int ret, struct fw_err *err)
{
	if (ret)
		fw_error_prefix(err, "%s backend", b->ops->name);
	return ret;
}

int boot_open(struct boot *b, const struct config *cfg, struct fw_err *err)
{
	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	b->nnames = slot_bootnames(cfg, b->names, BOOT_MAX);
	if (!b->nnames)
		return fw_error(err, FW_EUSAGE, "%s: no bootable slots ([slot.*] with bootname=)",
				cfg->path);
	for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++)
		if (!strcmp(backends[i]->name, cfg->bootloader)) {
			b->ops = backends[i];
			return prefixed(b, b->ops->open(b, err), err);
		}
	return fw_error(err, FW_ENOTSUP, "bootloader '%s' is not built into this fwtool",
			cfg->bootloader);
}

void boot_close(struct boot *b)
{
	if (b->ops && b->ops->close)
		b->ops->close(b);
	b->ops = NULL;
}

/* ---- the model: pure rules --------------------------------------------------- */

void boot_env_init(struct boot_env *env, const char *const *names, unsigned n)
{
	memset(env, 0, sizeof(*env));
	for (unsigned i = 0; i < n && i < BOOT_MAX; i++)
		snprintf(env->slots[env->nslots++].name, FW_BOOTNAME_LEN + 1, "%s", names[i]);
}

struct boot_slot *boot_env_slot(struct boot_env *env, const char *name)
{
	for (unsigned i = 0; i < env->nslots; i++)
		if (!strcmp(env->slots[i].name, name))
			return &env->slots[i];
	return NULL;
}

static const struct boot_slot *slot_of(const struct boot_env *env, const char *name)
{
	return boot_env_slot((struct boot_env *)(uintptr_t)env, name);
}

int boot_env_in_order(const struct boot_env *env, const char *name)
{
	for (unsigned i = 0; i < env->norder; i++)
		if (!strcmp(env->order[i], name))
			return 1;
	return 0;
}

/* The one place a name enters the order: configured, not there yet. */
static void order_add(struct boot_env *env, const char *name, int first)
{
	if (!slot_of(env, name) || boot_env_in_order(env, name) || env->norder >= BOOT_MAX)
		return;
	if (first)
		memmove(env->order[1], env->order[0], sizeof(env->order[0]) * env->norder);
	snprintf(env->order[first ? 0 : env->norder], sizeof(env->order[0]), "%s", name);
	env->norder++;
}

static void order_remove(struct boot_env *env, const char *name)
{
	unsigned o = 0;

	for (unsigned i = 0; i < env->norder; i++)
		if (strcmp(env->order[i], name))
			memmove(env->order[o++], env->order[i], sizeof(env->order[0]));
	env->norder = o;
}

void boot_env_parse_order(struct boot_env *env, const char *text)
{
	char buf[256], *save = NULL;

	env->norder = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		order_add(env, t, 0);
}

void boot_env_format_order(const struct boot_env *env, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < env->norder && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", env->order[i]);
}

int boot_env_primary(const struct boot_env *env, char out[static FW_BOOTNAME_LEN + 1])
{
	out[0] = '\0';
	for (unsigned i = 0; i < env->norder; i++) {
		const struct boot_slot *s = slot_of(env, env->order[i]);

		if (s && s->ok && s->left) {
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", s->name);
			return 1;
		}
	}
	return 0;
}

void boot_env_state(const struct boot_env *env, const char *name, struct boot_slot_state *st)
{
	const struct boot_slot *s = slot_of(env, name);

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	st->in_order = boot_env_in_order(env, name);
	st->left = s->left;
	st->ok = s->ok;
	st->tried = s->tried;
	st->good = st->in_order && s->ok && s->left;
}

int boot_env_set_primary(struct boot_env *env, const char *name, unsigned tries)
{
	struct boot_slot *s = boot_env_slot(env, name);

	if (!s)
		return -1;
	s->left = tries;
	s->ok = 1;
	s->tried = 0;
	s->trial = 1;
	order_remove(env, name);
	order_add(env, name, 1);
	return 0;
}

int boot_env_mark_good(struct boot_env *env, const char *name, unsigned tries)
{
	struct boot_slot *s = boot_env_slot(env, name);

	if (!s)
		return -1;
	s->left = tries;
	s->ok = 1;
	s->tried = 0;
	s->trial = 0;
	order_add(env, name, 0);
	return 0;
}

int boot_env_mark_bad(struct boot_env *env, const char *name)
{
	struct boot_slot *s = boot_env_slot(env, name);

	if (!s)
		return -1;
	order_remove(env, name);
	s->left = 0;
	s->ok = 0;
	s->tried = 0;
	s->trial = 0;
	return 0;
}

int boot_env_reset(struct boot_env *env, const char *const *good, unsigned ngood, unsigned tries)
{
	for (unsigned i = 0; i < ngood; i++)
		if (!boot_env_slot(env, good[i]))
			return -1;
	env->norder = 0;
	for (unsigned i = 0; i < env->nslots; i++) {
		env->slots[i].left = 0;
		env->slots[i].ok = 0;
		env->slots[i].tried = 0;
		env->slots[i].trial = 0;
	}
	for (unsigned i = 0; i < ngood; i++)
		boot_env_mark_good(env, good[i], tries);
	return 0;
}

int boot_env_well_formed(const struct boot_env *env)
{
	if (env->nslots > BOOT_MAX || env->norder > env->nslots)
		return 0;
	for (unsigned i = 0; i < env->norder; i++) {
		if (!slot_of(env, env->order[i]))
			return 0;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(env->order[i], env->order[j]))
				return 0;
	}
	return 1;
}

/* ---- the rules applied to the backend: load, one rule, store ----------------- */

int boot_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	boot_env_init(env, b->names, b->nnames);
	return prefixed(b, b->ops->load(b, env, err), err);
}

int boot_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	return prefixed(b, b->ops->store(b, env, err), err);
}

int boot_get_primary(struct boot *b, char out[static FW_BOOTNAME_LEN + 1], struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	out[0] = '\0';
	if (!ret)
		boot_env_primary(&env, out);
	return ret;
}

static int unknown(struct boot *b, const char *name, struct fw_err *err)
{
	return fw_error(err, FW_EUSAGE, "%s backend: no slot with bootname %s", b->ops->name, name);
}

int boot_set_primary(struct boot *b, const char *name, unsigned tries, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	if (ret)
		return ret;
	if (boot_env_set_primary(&env, name, tries))
		return unknown(b, name, err);
	return boot_store(b, &env, err);
}

int boot_reset(struct boot *b, const char *const *good, unsigned ngood, unsigned tries,
	       struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	if (ret)
		return ret;
	if (boot_env_reset(&env, good, ngood, tries))
		return unknown(b, "(recovery)", err);
	return boot_store(b, &env, err);
}

int boot_mark(struct boot *b, const char *name, enum boot_mark m, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err), bad;

	if (ret)
		return ret;
	if (m == BOOT_MARK_ACTIVE)
		bad = boot_env_set_primary(&env, name, b->cfg->max_tries);
	else if (m == BOOT_MARK_BAD)
		bad = boot_env_mark_bad(&env, name);
	else
		bad = boot_env_mark_good(&env, name, b->cfg->max_tries);
	if (bad)
		return unknown(b, name, err);
	return boot_store(b, &env, err);
}

int boot_get_state(struct boot *b, const char *name, struct boot_slot_state *st, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	memset(st, 0, sizeof(*st));
	if (ret)
		return ret;
	if (!boot_env_slot(&env, name))
		return unknown(b, name, err);
	boot_env_state(&env, name, st);
	return 0;
}

/* ---- RAUC's U-Boot variables (uboot and sim backends) ------------------------ */

void boot_rauc_decode(struct boot *b, struct boot_env *env, boot_get_fn get, void *ctx)
{
	char name[FW_BOOTNAME_LEN + 16], *v = get(ctx, "BOOT_ORDER");

	boot_env_parse_order(env, v ? v : b->names[0]);
	free(v);
	for (unsigned i = 0; i < env->nslots; i++) {
		struct boot_slot *s = &env->slots[i];

		snprintf(name, sizeof(name), "BOOT_%s_LEFT", s->name);
		v = get(ctx, name);
		/* hex, as U-Boot's setexpr writes it and RAUC reads it */
		s->left = v ? (unsigned)strtoul(v, NULL, 16) : b->cfg->max_tries;
		free(v);
		/* outside the order a slot never boots, whatever its count */
		s->ok = boot_env_in_order(env, s->name);
	}
}

int boot_rauc_encode(struct boot *b, const struct boot_env *env, boot_set_fn set, void *ctx)
{
	char name[FW_BOOTNAME_LEN + 16], val[16], order[BOOT_MAX * (FW_BOOTNAME_LEN + 1) + 1];
	int ret;

	(void)b;
	boot_env_format_order(env, order, sizeof(order));
	ret = set(ctx, "BOOT_ORDER", order);
	for (unsigned i = 0; !ret && i < env->nslots; i++) {
		snprintf(name, sizeof(name), "BOOT_%s_LEFT", env->slots[i].name);
		snprintf(val, sizeof(val), "%x", env->slots[i].left);
		ret = set(ctx, name, val);
	}
	return ret;
}
