// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated bootloader: RAUC's U-Boot variables in a text file of
 * NAME=VALUE lines ([sim] env), replaced atomically on every store. The
 * 'sim-boot' verb plays the boot script's part on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "fdio.h"
#include "boot.h"
#include "faultpoint.h"

/* what a store builds, on the heap (64 KiB) */
struct simenv {
	char out[FW_SIMENV_MAX];
	size_t olen;
};

static int sim_open(struct boot *b, struct fw_err *err)
{
	(void)b;
	(void)err;
	return 0;
}

/* @ctx: the file's text */
static char *sim_get(void *ctx, const char *name)
{
	size_t n = strlen(name);

	for (char *p = ctx; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == '=')
			return strndup(p + n + 1, strcspn(p + n + 1, "\n"));
	return NULL;
}

static int sim_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	char *text = NULL;
	int ret = fd_read_file(b->cfg->sim_env, FW_SIMENV_MAX, &text, NULL, err);

	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		ret = 0;
	}
	if (!ret)
		boot_rauc_decode(b, env, sim_get, text);
	free(text);
	return ret;
}

static int sim_set(void *ctx, const char *name, const char *value)
{
	struct simenv *se = ctx;
	int n = snprintf(se->out + se->olen, sizeof(se->out) - se->olen, "%s=%s\n", name, value);

	if (n < 0 || (size_t)n >= sizeof(se->out) - se->olen)
		return -1;
	se->olen += (size_t)n;
	return 0;
}

static int sim_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	struct simenv *se = calloc(1, sizeof(*se));
	int ret;

	if (!se)
		return fw_error(err, FW_ENOMEM, "out of memory");
	if (boot_rauc_encode(b, env, sim_set, se))
		ret = fw_error(err, FW_ENOSPC, "environment too large");
	else
		ret = atomicfile_write(b->cfg->sim_env, se->out, se->olen, err);
	free(se);
	if (!ret)
		faultpoint("bootloader store");
	return ret;
}

int boot_sim_pick(struct boot_env *env, unsigned max_tries, char out[static FW_BOOTNAME_LEN + 1])
{
	struct boot_slot *s;

	out[0] = '\0';
	for (unsigned i = 0; i < env->norder; i++) {
		s = boot_env_slot(env, env->order[i]);
		if (s && s->ok && s->left) {
			s->left--;
			s->tried = 1;
			snprintf(out, FW_BOOTNAME_LEN + 1, "%s", s->name);
			return 0;
		}
	}
	for (unsigned i = 0; i < env->norder; i++)
		boot_env_slot(env, env->order[i])->left = max_tries;
	s = env->norder ? boot_env_slot(env, env->order[0]) : &env->slots[0];
	s->left = max_tries - 1;
	snprintf(out, FW_BOOTNAME_LEN + 1, "%s", s->name);
	return 1;
}

const struct boot_ops boot_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.load = sim_load,
	.store = sim_store,
};
