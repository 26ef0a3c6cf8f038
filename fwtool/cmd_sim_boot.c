// SPDX-License-Identifier: GPL-2.0-only
/*
 * sim-boot: the simulated board's bootloader, doing what the shipped U-Boot
 * script does (board/qemu-arm64-uboot/boot.cmd): take the first slot in
 * BOOT_ORDER with tries left, count one try down, store, "boot" it by
 * writing the kernel command line the next fwtool call reads. When no slot
 * has tries left, every slot in the order gets max_tries again and the first
 * boots (RAUC's uboot.sh does the same); with an empty order, the first
 * bootname. --watchdog-reset says the previous boot ended in a watchdog
 * reset (the sim watchdog's boot status), as the hardware would report it.
 */
#include <stdio.h>
#include <string.h>

#include "atomicfile.h"
#include "boot.h"
#include "cmd.h"
#include "cmd_verbs.h"
#include "watchdog.h"

enum { OPT_WDRESET = OPT_FIRST_VERB_OPT };

static int cmd_sim_boot(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{"watchdog-reset", no_argument, NULL, OPT_WDRESET},
		{NULL, 0, NULL, 0},
	};
	char slot[FW_BOOTNAME_LEN + 1], line[64];
	struct boot b = {0};
	struct boot_env env;
	struct config cfg;
	int o, ret, wdreset = 0, reset;

	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP) {
		if (o != OPT_WDRESET)
			return cmd_bad_opt(c, err);
		wdreset = 1;
	}
	if (o)
		return o;
	ret = cmd_config(c, &cfg, 1, err);
	if (!ret && strcmp(cfg.bootloader, "sim"))
		ret = fw_error(err, FW_EUSAGE, "sim-boot needs bootloader = sim");
	if (!ret)
		ret = boot_open(&b, &cfg, err);
	if (!ret)
		ret = boot_load(&b, &env, err);
	if (ret)
		goto out;
	reset = boot_sim_pick(&env, cfg.max_tries, slot);
	ret = boot_store(&b, &env, err);
	snprintf(line, sizeof(line), "console=ttyS0 fwtool.slot=%s\n", slot);
	if (!ret)
		ret = atomicfile_write(cfg.cmdline, line, strlen(line), err);
	if (!ret && cfg.wd_device[0])
		ret = watchdog_sim_set_bootstatus(cfg.wd_device, wdreset, err);
	if (!ret)
		printf("sim-boot: %sbooting slot %s\n",
		       reset ? "no slot has tries left: counters reset; " : "", slot);
out:
	boot_close(&b);
	return ret;
}

const struct cmd_verb cmd_sim_boot_verb = {
	"sim-boot",
	cmd_sim_boot,
	"the simulated board's bootloader (sim builds only)",
	"usage: fwtool sim-boot [--watchdog-reset]\n"
	"The simulated board's bootloader: pick a slot as boot.cmd does.\n"
	"  --watchdog-reset  this boot follows a watchdog reset\n",
};
