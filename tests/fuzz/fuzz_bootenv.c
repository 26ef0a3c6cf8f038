// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bootloader environment of each backend, decoded, then a random sequence
 * of the A/B rules applied, then encoded and decoded again:
 *   data[0] % 3: 0 the sim file (NAME=VALUE lines), 1 a U-Boot data area
 *                (NAME=VALUE strings, NUL-terminated), 2 a GRUB block
 *   data[1] % 24: how many operations follow, one byte each: the low three
 *                bits the rule (set_primary, mark_good, mark_bad, reset,
 *                the sim bootloader's pick), the next two the name (A, B,
 *                or a stranger), the top three the tries
 *   the rest: the environment
 * After decoding and after every rule the model must be well formed (the
 * order holds distinct, configured names); what is encoded must decode to
 * the same model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "config.h"
#include "fuzz.h"
#include "grubenv.h"

struct kv {
	char text[FW_SIMENV_MAX];
	size_t len;
	char sep;
};

/* NAME=VALUE records separated by @sep: the first record of NAME wins. */
static char *kv_get(void *ctx, const char *name)
{
	struct kv *k = ctx;
	size_t n = strlen(name);

	for (size_t i = 0; i < k->len;) {
		const char *rec = k->text + i, *end = memchr(rec, k->sep, k->len - i);
		size_t rlen = end ? (size_t)(end - rec) : k->len - i;

		if (rlen > n && !memcmp(rec, name, n) && rec[n] == '=')
			return strndup(rec + n + 1, rlen - n - 1);
		i += rlen + 1;
	}
	return NULL;
}

static int kv_set(void *ctx, const char *name, const char *value)
{
	struct kv *k = ctx;
	int n = snprintf(k->text + k->len, sizeof(k->text) - k->len, "%s=%s%c", name, value,
			 k->sep);

	if (n < 0 || (size_t)n >= sizeof(k->text) - k->len)
		return -1;
	k->len += (size_t)n;
	return 0;
}

static void same(const struct boot_env *a, const struct boot_env *b, int grub)
{
	if (a->norder != b->norder || a->nslots != b->nslots)
		abort();
	for (unsigned i = 0; i < a->norder; i++)
		if (strcmp(a->order[i], b->order[i]))
			abort();
	for (unsigned i = 0; i < a->nslots; i++) {
		const struct boot_slot *x = &a->slots[i], *y = &b->slots[i];

		/* RAUC's variables have no OK or TRY: "may boot" is "in order" */
		if (x->left != y->left || (grub && (!x->ok != !y->ok || !x->tried != !y->tried)))
			abort();
	}
}

static void apply(struct boot_env *env, uint8_t op)
{
	static const char *const names[] = {"A", "B", "C", "A"};
	static const char *const good[] = {"B", "A"};
	const char *name = names[(op >> 3) & 3];
	unsigned tries = op >> 5;
	char out[FW_BOOTNAME_LEN + 1];

	switch (op & 7) {
	case 0: (void)boot_env_set_primary(env, name, tries); break;
	case 1: (void)boot_env_mark_good(env, name, tries); break;
	case 2: (void)boot_env_mark_bad(env, name); break;
	case 3: (void)boot_env_reset(env, good, 1 + (op >> 7), tries); break;
	default: (void)boot_sim_pick(env, tries ? tries : 3, out); break;
	}
	if (!boot_env_well_formed(env))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct kv kv;
	static const char *const names[] = {"A", "B"};
	struct boot b = {.cfg = &cfg, .names = {"A", "B"}, .nnames = 2};
	struct boot_env env, back;
	struct fw_err err = {0};
	struct grubenv e;
	unsigned kind, nops;

	if (size < 2)
		return 0;
	config_defaults(&cfg);
	kind = data[0] % 3;
	nops = data[1] % 24;
	if (size < 2 + nops)
		return 0;
	boot_env_init(&env, names, 2);
	if (kind == 2) {
		if (grubenv_parse(&e, (const char *)data + 2 + nops, size - 2 - nops, &err))
			return 0;
		boot_grub_decode(&b, &env, &e);
	} else {
		kv.sep = kind ? '\0' : '\n';
		kv.len = size - 2 - nops;
		if (kv.len > sizeof(kv.text))
			return 0;
		memcpy(kv.text, data + 2 + nops, kv.len);
		boot_rauc_decode(&b, &env, kv_get, &kv);
	}
	if (!boot_env_well_formed(&env))
		abort();
	for (unsigned i = 0; i < nops; i++)
		apply(&env, data[2 + i]);
	boot_env_init(&back, names, 2);
	if (kind == 2) {
		if (boot_grub_encode(&env, &e, &err))
			return 0; /* the block is full: an error, never a torn write */
		if (grubenv_parse(&e, e.buf, e.size, &err))
			abort();
		boot_grub_decode(&b, &back, &e);
	} else {
		kv.len = 0;
		if (boot_rauc_encode(&b, &env, kv_set, &kv))
			abort();
		boot_rauc_decode(&b, &back, kv_get, &kv);
	}
	same(&env, &back, kind == 2);
	return 0;
}
