// SPDX-License-Identifier: GPL-2.0-only
/* Parse a block; whatever parses must stay a valid block through edits. */
#include <stdlib.h>

#include "fuzz.h"
#include "grubenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct grubenv e, e2;
	char v[FW_GRUBENV_SIZE];

	if (grubenv_parse(&e, (const char *)data, size, &err))
		return 0;
	(void)grubenv_get(&e, "ORDER", v, sizeof(v));
	if (!grubenv_set(&e, "ORDER", "B A", &err) && !grubenv_set(&e, "A_LEFT", "3", &err) &&
	    !grubenv_set(&e, "X", "a\\b\nc", &err)) {
		grubenv_unset(&e, "A_LEFT");
		if (grubenv_parse(&e2, e.buf, e.size, &err))
			abort(); /* an edit broke the block */
		if (!grubenv_get(&e2, "X", v, sizeof(v)) || __builtin_strcmp(v, "a\\b\nc"))
			abort(); /* escaping did not round-trip */
	}
	return 0;
}
