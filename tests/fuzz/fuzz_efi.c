// SPDX-License-Identifier: GPL-2.0-only
/*
 * The efi backend's parsers on hostile bytes: data[0] % 2 == 0 an efivarfs
 * payload read as BootOrder and as a Boot#### load option; 1: BootOrder
 * (the rest, as u16s), BootNext (data[1]), the trial (data[2] % 3: none,
 * A, B) decoded into the model, which must be well formed and give the
 * trial the first place where BootNext names it or BootOrder lacks it;
 * a trial slot in BootOrder with no BootNext for it is over.
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
	if (data[2] % 3) {
		unsigned t = data[2] % 3 - 1;
		int armed = data[1] < 128 && data[1] % 4 == num[t], listed = 0;

		for (unsigned i = 0; i < n; i++)
			listed |= v[i] == num[t];
		/* armed, or out of BootOrder: first; listed and not armed: over */
		if ((armed || !listed) && strcmp(env.order[0], names[t]))
			abort();
		if (!armed && listed && env.slots[t].trial)
			abort();
	}
	return 0;
}
