// SPDX-License-Identifier: GPL-2.0-only
/*
 * U-Boot through libubootenv (fw_env.config; single or redundant copies).
 * A change is N libuboot_set_env() calls and then one libuboot_env_store():
 * with a redundant environment that writes the other copy and flips the
 * flag, so order and counters change together or not at all. RAUC's two
 * separate fw_setenv runs do not have that property.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libuboot.h>

#include "boot.h"
#include "faultpoint.h"

/* Count the copies fw_env.config declares: one line each. */
static int env_copies(const char *path)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (*p && *p != '#' && *p != '\n')
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static int uboot_open(struct boot *b, struct fw_err *err)
{
	struct uboot_ctx *ctx = NULL;
	int copies = env_copies(b->cfg->fw_env_config);

	if (copies == 0)
		return fw_error(err, FW_EUSAGE, "%s: no environment configured",
				b->cfg->fw_env_config);
	b->single_copy = copies == 1;
	if (b->single_copy && b->cfg->uboot_require_redundant)
		return fw_error(err, FW_EUSAGE,
				"%s has one environment copy; a power cut during a store would "
				"lose BOOT_ORDER (require_redundant = true)",
				b->cfg->fw_env_config);
	if (libuboot_initialize(&ctx, NULL) < 0)
		return fw_error(err, FW_ENOMEM, "libubootenv: cannot initialise");
	if (libuboot_read_config(ctx, b->cfg->fw_env_config) < 0) {
		libuboot_exit(ctx);
		return fw_error(err, FW_EUSAGE, "%s: libubootenv cannot parse it",
				b->cfg->fw_env_config);
	}
	if (libuboot_open(ctx) < 0) {
		libuboot_exit(ctx);
		return fw_error(err, FW_EIO, "no valid environment (bad CRC in every copy) per %s",
				b->cfg->fw_env_config);
	}
	b->priv = ctx;
	return 0;
}

static char *uboot_get(void *ctx, const char *name)
{
	return libuboot_get_env(ctx, name);
}

static int uboot_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	(void)err;
	boot_rauc_decode(b, env, uboot_get, b->priv);
	return 0;
}

static int uboot_set(void *ctx, const char *name, const char *value)
{
	return libuboot_set_env(ctx, name, value) < 0 ? -1 : 0;
}

static int uboot_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	if (boot_rauc_encode(b, env, uboot_set, b->priv))
		return fw_error(err, FW_EIO, "cannot set variables");
	if (libuboot_env_store(b->priv) < 0)
		return fw_error(err, FW_EIO, "cannot store the environment (%s)",
				b->cfg->fw_env_config);
	faultpoint("bootloader store");
	return 0;
}

static void uboot_close(struct boot *b)
{
	if (!b->priv)
		return;
	libuboot_close(b->priv);
	libuboot_exit(b->priv);
	b->priv = NULL;
}

const struct boot_ops boot_uboot_ops = {
	.name = "uboot",
	.open = uboot_open,
	.load = uboot_load,
	.store = uboot_store,
	.close = uboot_close,
};
