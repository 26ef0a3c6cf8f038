// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct config *c = malloc(sizeof(*c));
	char *text = malloc(size + 1);

	if (c && text) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)!config_load_string(c, text, "fuzz.conf", &err);
	}
	free(text);
	free(c);
	return 0;
}
