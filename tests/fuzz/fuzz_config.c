// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

/*
 * What a configuration that loads promises the rest of fwtool: no timeout
 * is 0, bootnames are safe in bootloader variable names, no two slots
 * share a device (by name here; by identity in the integration tests) or a
 * class and bootname. A breach aborts, and the fuzzer reports it.
 */
static void check_valid(const struct config *c)
{
	if (!c->max_tries || !c->check_timeout || !c->deadline || !c->wd_timeout ||
	    !c->report_timeout || !c->dl_stall_timeout || c->dl_retries > FW_HTTP_RETRIES_MAX)
		abort();
	for (unsigned i = 0; i < c->nslots; i++) {
		const struct config_slot *s = &c->slots[i];

		for (const char *b = s->bootname; *b; b++)
			if (!isalnum((unsigned char)*b) && *b != '_')
				abort();
		if (strcmp(s->type, "file") && strcmp(s->type, "block") && strcmp(s->type, "mtd") &&
		    strcmp(s->type, "dfu"))
			abort();
		for (unsigned j = 0; j < i; j++) {
			const struct config_slot *o = &c->slots[j];

			if (!strcmp(s->device, o->device) && strncmp(s->device, "dfu:", 4))
				abort();
			if (s->bootname[0] && !strcmp(s->bootname, o->bootname) &&
			    !strcmp(s->class, o->class))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct config *c = malloc(sizeof(*c));
	char *text = malloc(size + 1);

	if (c && text) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (!config_load_string(c, text, "fuzz.conf", &err))
			check_valid(c);
	}
	free(text);
	free(c);
	return 0;
}
