// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "comp.h"

static const char *const comp_names[] = {
	[COMP_NONE] = "none",
	[COMP_GZIP] = "gzip",
	[COMP_XZ] = "xz",
	[COMP_ZSTD] = "zstd",
};

const char *comp_name(enum comp c)
{
	return comp_names[c];
}

int comp_parse(const char *s, enum comp *c)
{
	for (unsigned i = 0; i < sizeof(comp_names) / sizeof(*comp_names); i++)
		if (!strcmp(s, comp_names[i])) {
			*c = (enum comp)i;
			return 0;
		}
	return -1;
}
