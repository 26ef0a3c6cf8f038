// SPDX-License-Identifier: GPL-2.0-only
/*
 * The efi backend's parsers on hostile bytes: data[0] % 2 == 0 an efivarfs
 * payload read as BootOrder and as a Boot#### load option; 1: BootOrder
 * (the rest, as u16s), BootNext (data[1]), the trial (data[2] % 3: none,
 * A, B) decoded into the model, which must be well formed and give the
 * trial, where there is one, the first place.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static const char *const names[] = {"A", "B"};
	struct boot b = {.cfg = &cfg, .names = {"A", "B"}, .nnames = 2};
	uint16_t v[64];
	const int have[2] = {1, 1};
	const uint16_t num[2] = {1, 2};
	struct boot_env env;
	char desc[64];
	unsigned n;

	if (size < 3)
		return 0;
	config_defaults(&cfg);
	if (data[0] % 2 == 0) {
		(void)boot_efi_u16s(data + 1, size - 1, v, 64, &n);
		(void)boot_efi_loadopt_desc(data + 1, size - 1, desc, sizeof(desc));
		return 0;
	}
	n = 0;
	for (size_t i = 3; i + 1 < size && n < 64; i += 2)
		v[n++] = (uint16_t)(data[i] | data[i + 1] << 8);
	boot_env_init(&env, names, 2);
	(void)boot_efi_decode(&b, &env, v, n, have, num, data[1] < 128, data[1] % 4,
			      data[2] % 3 ? names[data[2] % 3 - 1] : NULL);
	if (!boot_env_well_formed(&env))
		abort();
	if (data[2] % 3 && strcmp(env.order[0], names[data[2] % 3 - 1]))
		abort();
	return 0;
}
