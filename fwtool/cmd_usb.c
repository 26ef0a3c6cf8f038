// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "output.h"
#include "usb.h"

static int cmd_usb(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {CMD_COMMON_OPTS, {NULL, 0, NULL, 0}};
	struct usb_info *devs;
	unsigned n;
	int o, ret;

	ret = cmd_action(c, "list", err);
	if (ret)
		return ret;
	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP)
		return cmd_bad_opt(c, err);
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "usb list: unexpected argument '%s'",
				c->argv[optind]);
	ret = usb_list(&devs, &n, err);
	if (!ret)
		output_usb(c->json, devs, n);
	free(devs);
	return ret;
}

const struct cmd_verb cmd_usb_verb = {
	"usb",
	cmd_usb,
	"list USB devices, mass storage and DFU interfaces",
	"usage: fwtool usb list\n"
	"USB devices: VID:PID, bus-port path, product, serial, which are mass\n"
	"storage, and every DFU interface with its alt settings and names.\n",
};
