// SPDX-License-Identifier: GPL-2.0-only
/*
 * The systemd-boot backend's parsers on hostile bytes:
 *   data[0] % 3 == 0: entry file names, one per line (a leading '1'
 *                     puts it in EFI/Linux/): parsed, the model decoded
 *                     from them, a random sequence of the A/B rules
 *                     applied (data[1], one byte per rule as in
 *                     fuzz_bootenv.c), encoded, the new names parsed and
 *                     decoded again: the model must be well formed after
 *                     each step and keep its primary and which slots may
 *                     boot, and every name written must parse back
 *   1: a loader.conf ('default' lines)
 *   2: an efivarfs file's payload (u32 attributes + UTF-16LE)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "config.h"
#include "fuzz.h"

static const char *const names[] = {"A", "B"};

static void apply(struct boot_env *env, uint8_t op)
{
	static const char *const who[] = {"A", "B", "C", "A"};
	static const char *const good[] = {"B", "A"};
	const char *name = who[(op >> 3) & 3];
	unsigned tries = op >> 5;

	switch (op & 3) {
	case 0: (void)boot_env_set_primary(env, name, tries); break;
	case 1: (void)boot_env_mark_good(env, name, tries); break;
	case 2: (void)boot_env_mark_bad(env, name); break;
	default: (void)boot_env_reset(env, good, 1 + (op >> 7), tries); break;
	}
	if (!boot_env_well_formed(env))
		abort();
}

static void names_case(const uint8_t *data, size_t size)
{
	static struct config cfg;
	struct boot b = {.cfg = &cfg, .names = {"A", "B"}, .nnames = 2};
	struct sdboot_entry ents[64], cur[BOOT_MAX], want[BOOT_MAX], back[BOOT_MAX];
	struct boot_env env, again;
	struct fw_err err = {0};
	unsigned n = 0, nops = size > 1 ? data[1] % 16 : 0;
	char line[SDBOOT_NAME_LEN + 2];

	config_defaults(&cfg);
	if (size < 2 + nops)
		return;
	for (size_t i = 2 + nops; i < size && n < 64;) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;

		if (len && len < sizeof(line)) {
			unsigned dir = data[i] == '1';

			memcpy(line, data + i + dir, len - dir);
			line[len - dir] = '\0';
			if (strlen(line) == len - dir &&
			    !boot_sdboot_parse(line, dir, names, 2, &ents[n]))
				n++;
		}
		i += len + 1;
	}
	boot_env_init(&env, names, 2);
	if (boot_sdboot_decode(&b, &env, ents, n, &err))
		return; /* a slot without an entry, or with two: refused */
	if (!boot_env_well_formed(&env))
		abort();
	memset(cur, 0, sizeof(cur));
	for (unsigned i = 0; i < n; i++)
		cur[ents[i].slot] = ents[i];
	for (unsigned i = 0; i < nops; i++)
		apply(&env, data[2 + i]);
	boot_sdboot_encode(&env, cur, want);
	for (unsigned i = 0; i < 2; i++) {
		boot_sdboot_format(&want[i], names[i], line, sizeof(line));
		if (boot_sdboot_parse(line, want[i].dir, names, 2, &back[i]) ||
		    back[i].slot != (int)i)
			abort(); /* fwtool wrote a name it cannot read */
	}
	boot_env_init(&again, names, 2);
	if (boot_sdboot_decode(&b, &again, back, 2, &err) || !boot_env_well_formed(&again))
		abort();
	{
		char p1[FW_BOOTNAME_LEN + 1], p2[FW_BOOTNAME_LEN + 1];

		boot_env_primary(&env, p1);
		boot_env_primary(&again, p2);
		if (strcmp(p1, p2))
			abort();
		for (unsigned i = 0; i < 2; i++) {
			struct boot_slot_state s1, s2;

			boot_env_state(&env, names[i], &s1);
			boot_env_state(&again, names[i], &s2);
			if (s1.good != s2.good)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256];

	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0: names_case(data, size); break;
	case 1:
		(void)boot_sdboot_conf_default((const char *)data + 1, size - 1, out, sizeof(out));
		break;
	default: (void)boot_sdboot_efivar_str(data + 1, size - 1, out, sizeof(out)); break;
	}
	return 0;
}
