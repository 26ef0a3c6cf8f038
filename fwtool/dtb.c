// SPDX-License-Identifier: GPL-2.0-only
#include <libfdt.h>

#include "dtb.h"

/* Every tag of the structure block must move forward. */
static int tags_advance(const void *fdt)
{
	int off = 0, next = 0;
	uint32_t tag;

	do {
		tag = fdt_next_tag(fdt, off, &next);
		if (next <= off)
			return -FDT_ERR_BADSTRUCTURE;
		off = next;
	} while (tag != FDT_END);
	return 0;
}

int dtb_check(const void *buf, size_t len, const char *what, struct fw_err *err)
{
	int ret;

	if (len < 40 || fdt_magic(buf) != FDT_MAGIC)
		return fw_error(err, FW_EFORMAT, "%s: bad magic or too short", what);
	if (fdt_version(buf) < 17 || fdt_last_comp_version(buf) > 17)
		return fw_error(err, FW_EFORMAT, "%s: version %u not supported", what,
				fdt_version(buf));
	if (fdt_totalsize(buf) > len)
		return fw_error(err, FW_EFORMAT, "%s: truncated", what);
	ret = fdt_check_header(buf);
	if (!ret)
		ret = tags_advance(buf);
	if (!ret)
		ret = fdt_check_full(buf, fdt_totalsize(buf));
	if (ret)
		return fw_error(err, FW_EFORMAT, "%s: %s", what, fdt_strerror(ret));
	return 0;
}
