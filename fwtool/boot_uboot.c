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

/*
 * libuboot_open() takes a blocking flock on /var/lock/fw_printenv.lock and
 * holds it until libuboot_close(). Holding it through an install would make
 * 'fwtool status' and fw_printenv wait for the whole install (found on the
 * QEMU router), so every load and every store opens and closes it.
 */
static int env_open(struct boot *b, struct uboot_ctx **ctxp, struct fw_err *err)
{
	struct uboot_ctx *ctx = NULL;

	*ctxp = NULL;
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
	*ctxp = ctx;
	return 0;
}

static void env_close(struct uboot_ctx *ctx)
{
	libuboot_close(ctx);
	libuboot_exit(ctx);
}

static int uboot_open(struct boot *b, struct fw_err *err)
{
	struct uboot_ctx *ctx;
	int copies = env_copies(b->cfg->fw_env_config), ret;

	if (copies == 0)
		return fw_error(err, FW_EUSAGE, "%s: no environment configured",
				b->cfg->fw_env_config);
	b->single_copy = copies == 1;
	if (b->single_copy && b->cfg->uboot_require_redundant)
		return fw_error(err, FW_EUSAGE,
				"%s has one environment copy; a power cut during a store would "
				"lose BOOT_ORDER (require_redundant = true)",
				b->cfg->fw_env_config);
	/* fail here, not halfway through an install, if it cannot be read */
	ret = env_open(b, &ctx, err);
	if (!ret)
		env_close(ctx);
	return ret;
}

static char *uboot_get(void *ctx, const char *name)
{
	return libuboot_get_env(ctx, name);
}

static int uboot_load(struct boot *b, struct boot_env *env, struct fw_err *err)
{
	struct uboot_ctx *ctx;
	int ret = env_open(b, &ctx, err);

	if (ret)
		return ret;
	boot_rauc_decode(b, env, uboot_get, ctx);
	env_close(ctx);
	return 0;
}

static int uboot_set(void *ctx, const char *name, const char *value)
{
	return libuboot_set_env(ctx, name, value) < 0 ? -1 : 0;
}

/* N libuboot_set_env() calls, then one libuboot_env_store(): one write */
static int uboot_store(struct boot *b, const struct boot_env *env, struct fw_err *err)
{
	struct uboot_ctx *ctx;
	int ret = env_open(b, &ctx, err);

	if (ret)
		return ret;
	if (boot_rauc_encode(b, env, uboot_set, ctx))
		ret = fw_error(err, FW_EIO, "cannot set variables");
	else if (libuboot_env_store(ctx) < 0)
		ret = fw_error(err, FW_EIO, "cannot store the environment (%s)",
			       b->cfg->fw_env_config);
	env_close(ctx);
	if (!ret)
		faultpoint("bootloader store");
	return ret;
}

const struct boot_ops boot_uboot_ops = {
	.name = "uboot",
	.open = uboot_open,
	.load = uboot_load,
	.store = uboot_store,
};
