// SPDX-License-Identifier: GPL-2.0-only
/* transaction.json and history lines: parse, emit, parse again. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct txn *t = malloc(sizeof(*t)), *t2 = malloc(sizeof(*t2));
	char *json;

	if (t && t2 && size < (1u << 20) && !state_txn_parse(t, (const char *)data, size, &err)) {
		json = state_txn_json(t);
		if (!json || state_txn_parse(t2, json, strlen(json), &err) ||
		    strcmp(t->id, t2->id) || t->state != t2->state)
			abort();
		free(json);
	}
	free(t);
	free(t2);
	return 0;
}
