// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "fuzz.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct manifest m;
	char *out = NULL;

	manifest_init(&m);
	if (!manifest_parse(&m, (const char *)data, size, &err)) {
		/* whatever parses must emit and parse back */
		struct manifest m2;

		manifest_init(&m2);
		if (manifest_emit(&m, &out, &err) ||
		    manifest_parse(&m2, out, __builtin_strlen(out), &err))
			abort();
		manifest_free(&m2);
	}
	free(out);
	manifest_free(&m);
	return 0;
}
