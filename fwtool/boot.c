// SPDX-License-Identifier: GPL-2.0-only
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

struct boot_slot *boot_env_slot(struct boot_env *env, const char *name)
{
	for (unsigned i = 0; i < env->nslots; i++)
		if (!strcmp(env->slots[i].name, name))
			return &env->slots[i];
	return NULL;
}

void boot_env_order_remove(struct boot_env *env, const char *name)
{
	unsigned o = 0;

	for (unsigned i = 0; i < env->norder; i++)
		if (strcmp(env->order[i], name))
			memmove(env->order[o++], env->order[i], sizeof(env->order[0]));
	env->norder = o;
}

int boot_env_primary(const struct boot_env *env, char *out)
{
	out[0] = '\0';
	for (unsigned i = 0; i < env->norder; i++)
		for (unsigned j = 0; j < env->nslots; j++) {
			const struct boot_slot *s = &env->slots[j];

			if (!strcmp(s->name, env->order[i]) && s->ok && s->left) {
				snprintf(out, FW_BOOTNAME_LEN + 1, "%s", s->name);
				return 1;
			}
		}
	return 0;
}

int boot_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	memset(env, 0, sizeof(*env));
	for (unsigned i = 0; i < b->nnames; i++)
		snprintf(env->slots[env->nslots++].name, FW_BOOTNAME_LEN + 1, "%s", b->names[i]);
	return prefixed(b, b->ops->load(b, env, err), err);
}

int boot_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	return prefixed(b, b->ops->store(b, env, err), err);
}

int boot_get_primary(struct boot *b, char *out, struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	if (!ret)
		boot_env_primary(&env, out);
	return ret;
}

static struct boot_slot *known(struct boot *b, struct boot_env *env, const char *name,
			       struct fw_err *err)
{
	struct boot_slot *s = boot_env_slot(env, name);

	if (!s)
		fw_error(err, FW_EUSAGE, "%s backend: no slot with bootname %s", b->ops->name,
			 name);
	return s;
}

int boot_set_primary(struct boot *b, const char *name, unsigned tries, struct fw_err *err)
{
	struct boot_env env;
	struct boot_slot *s;
	int ret = boot_load(b, &env, err);

	if (ret)
		return ret;
	s = known(b, &env, name, err);
	if (!s)
		return FW_EUSAGE;
	s->left = tries;
	s->ok = 1;
	s->tried = 0;
	boot_env_order_remove(&env, name);
	memmove(env.order[1], env.order[0], sizeof(env.order[0]) * env.norder);
	snprintf(env.order[0], sizeof(env.order[0]), "%s", name);
	env.norder++;
	return boot_store(b, &env, err);
}

int boot_reset(struct boot *b, const char *const *good, unsigned ngood, unsigned tries,
	       struct fw_err *err)
{
	struct boot_env env;
	int ret = boot_load(b, &env, err);

	if (ret)
		return ret;
	env.norder = 0;
	for (unsigned i = 0; i < env.nslots; i++) {
		env.slots[i].left = 0;
		env.slots[i].ok = 0;
		env.slots[i].tried = 0;
	}
	for (unsigned i = 0; i < ngood; i++) {
		struct boot_slot *s = known(b, &env, good[i], err);

		if (!s)
			return FW_EUSAGE;
		s->left = tries;
		s->ok = 1;
		snprintf(env.order[env.norder++], sizeof(env.order[0]), "%s", good[i]);
	}
	return boot_store(b, &env, err);
}

int boot_mark(struct boot *b, const char *name, enum boot_mark m, struct fw_err *err)
{
	struct boot_env env;
	struct boot_slot *s;
	int ret;

	if (m == BOOT_MARK_ACTIVE)
		return boot_set_primary(b, name, b->cfg->max_tries, err);
	ret = boot_load(b, &env, err);
	if (ret)
		return ret;
	s = known(b, &env, name, err);
	if (!s)
		return FW_EUSAGE;
	if (m == BOOT_MARK_BAD) {
		boot_env_order_remove(&env, name);
		s->left = 0;
		s->ok = 0;
		s->tried = 0;
	} else {
		unsigned i;

		s->left = b->cfg->max_tries;
		s->ok = 1;
		s->tried = 0;
		for (i = 0; i < env.norder; i++)
			if (!strcmp(env.order[i], name))
				break;
		if (i == env.norder && env.norder < BOOT_MAX)
			snprintf(env.order[env.norder++], sizeof(env.order[0]), "%s", name);
	}
	return boot_store(b, &env, err);
}

int boot_get_state(struct boot *b, const char *name, struct boot_slot_state *st, struct fw_err *err)
{
	struct boot_env env;
	struct boot_slot *s;
	int ret = boot_load(b, &env, err);

	memset(st, 0, sizeof(*st));
	if (ret)
		return ret;
	s = known(b, &env, name, err);
	if (!s)
		return FW_EUSAGE;
	for (unsigned i = 0; i < env.norder; i++)
		if (!strcmp(env.order[i], name))
			st->in_order = 1;
	st->left = s->left;
	st->ok = s->ok;
	st->tried = s->tried;
	st->good = st->in_order && s->ok && s->left;
	return 0;
}

static void parse_order(struct boot_env *env, const char *s)
{
	char buf[128], *save = NULL;

	env->norder = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, " ", &save); t && env->norder < BOOT_MAX;
	     t = strtok_r(NULL, " ", &save))
		if (boot_env_slot(env, t))
			snprintf(env->order[env->norder++], sizeof(env->order[0]), "%s", t);
}

void boot_rauc_decode(struct boot *b, struct boot_env *env, boot_get_fn get, void *ctx)
{
	char name[FW_BOOTNAME_LEN + 16], *v = get(ctx, "BOOT_ORDER");

	if (v)
		parse_order(env, v);
	else
		snprintf(env->order[env->norder++], sizeof(env->order[0]), "%s", b->names[0]);
	free(v);
	for (unsigned i = 0; i < env->nslots; i++) {
		struct boot_slot *s = &env->slots[i];

		snprintf(name, sizeof(name), "BOOT_%s_LEFT", s->name);
		v = get(ctx, name);
		/* hex, as U-Boot's setexpr writes it and RAUC reads it */
		s->left = v ? (unsigned)strtoul(v, NULL, 16) : b->cfg->max_tries;
		free(v);
		/* outside the order a slot never boots, whatever its count */
		s->ok = 0;
		for (unsigned j = 0; j < env->norder; j++)
			if (!strcmp(env->order[j], s->name))
				s->ok = 1;
	}
}

int boot_rauc_encode(struct boot *b, const struct boot_env *env, boot_set_fn set, void *ctx)
{
	char name[FW_BOOTNAME_LEN + 16], val[16], order[BOOT_MAX * (FW_BOOTNAME_LEN + 1) + 1];
	size_t o = 0;
	int ret;

	(void)b;
	order[0] = '\0';
	for (unsigned i = 0; i < env->norder; i++)
		o += (size_t)snprintf(order + o, sizeof(order) - o, "%s%s", i ? " " : "",
				      env->order[i]);
	ret = set(ctx, "BOOT_ORDER", order);
	for (unsigned i = 0; !ret && i < env->nslots; i++) {
		snprintf(name, sizeof(name), "BOOT_%s_LEFT", env->slots[i].name);
		snprintf(val, sizeof(val), "%x", env->slots[i].left);
		ret = set(ctx, name, val);
	}
	return ret;
}
