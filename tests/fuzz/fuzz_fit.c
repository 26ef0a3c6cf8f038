// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FIT walker: the region walk, the node list, and the signature and
 * hash checks, against a control DTB with one required RSA key (built
 * here with libfdt), so that every input that gets far enough has its
 * regions hashed and its signature checked.
 */
#include <string.h>

#include <libfdt.h>

#include "fit.h"
#include "fuzz.h"

static uint8_t ctl[2048];

static void make_ctl(void)
{
	uint8_t modulus[256];

	memset(modulus, 0xc5, sizeof(modulus));
	if (fdt_create(ctl, sizeof(ctl)) || fdt_finish_reservemap(ctl) || fdt_begin_node(ctl, "") ||
	    fdt_begin_node(ctl, "signature") || fdt_begin_node(ctl, "key-dev") ||
	    fdt_property_string(ctl, "required", "conf") ||
	    fdt_property_string(ctl, "algo", "sha256,rsa2048") ||
	    fdt_property_u32(ctl, "rsa,num-bits", 2048) ||
	    fdt_property(ctl, "rsa,modulus", modulus, sizeof(modulus)) || fdt_end_node(ctl) ||
	    fdt_end_node(ctl) || fdt_end_node(ctl) || fdt_finish(ctl))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fit_region r[800];
	struct fit_result res;
	struct fw_err err = {0};

	if (!ctl[0])
		make_ctl();
	(void)!fit_regions(data, size, "conf-1", 64, r, 800, &err);
	(void)!fit_verify(data, size, ctl, sizeof(ctl), NULL, &res, &err);
	return 0;
}
