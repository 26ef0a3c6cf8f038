// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bootloader contract, below the CLI: every backend (sim, uboot with
 * one and two environment copies, grub) stores the A/B model and loads
 * back what the rules need, after every step of a long random sequence
 * of rules and simulated boot attempts. The environments are made by
 * the real tools (mkenvimage, grub-editenv) and read again by them
 * (fw_printenv, grub-editenv list), so the translation is checked against
 * U-Boot's and GRUB's own code, not only against itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "testutil.h"

static const char *const names[] = {"A", "B", "C"};

struct fixture {
	char *dir;
	const char *backend;
	int redundant;
	struct config cfg;
	struct boot b;
};

static int have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void sh(const char *fmt, const char *dir)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
}

static int open_backend(void **state, const char *backend, int redundant)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fw_err err = {0};
	char text[8192], extra[4096] = "";

	f->dir = testutil_tmpdir();
	f->backend = backend;
	f->redundant = redundant;
	*state = f;
	if (!strcmp(backend, "uboot")) {
		if (!have("mkenvimage") || !have("fw_printenv")) {
			fprintf(stderr, "uboot: skipped, mkenvimage or fw_printenv is missing\n");
			return 0;
		}
		sh(redundant ? "printf '%s/env0 0x0 0x4000\\n%s/env1 0x0 0x4000\\n' > "
			       "%s/fw_env.config"
			     : "printf '%s/env0 0x0 0x4000\\n' > %s/fw_env.config",
		   f->dir);
		sh("printf 'BOOT_ORDER=A\\nBOOT_A_LEFT=3\\nbootcmd=run ab\\n' > %s/env.txt",
		   f->dir);
		sh(redundant ? "mkenvimage -r -s 0x4000 -o %s/env0 %s/env.txt && "
			       "mkenvimage -r -s 0x4000 -o %s/env1 %s/env.txt"
			     : "mkenvimage -s 0x4000 -o %s/env0 %s/env.txt",
		   f->dir);
		snprintf(extra, sizeof(extra), "[uboot]\nfw_env_config = %s/fw_env.config\n",
			 f->dir);
	} else if (!strcmp(backend, "grub")) {
		if (!have("grub-editenv")) {
			fprintf(stderr, "grub: skipped, grub-editenv is missing\n");
			return 0;
		}
		sh("grub-editenv %s/grubenv create && grub-editenv %s/grubenv set ORDER=A A_OK=1 "
		   "A_LEFT=3 saved_entry=x",
		   f->dir);
		snprintf(extra, sizeof(extra), "[grub]\ngrubenv = %s/grubenv\n", f->dir);
	} else if (!strcmp(backend, "systemd-boot")) {
		sh("mkdir -p %s/esp/loader/entries && cd %s/esp/loader/entries && "
		   "printf 'title A\\n' > fwtool-1-a.conf && printf 'title B\\n' > "
		   "fwtool-0-b+0.conf && "
		   "printf 'title C\\n' > fwtool-0-c+0.conf",
		   f->dir);
		snprintf(extra, sizeof(extra),
			 "[systemd-boot]\nesp = %s/esp\nefivars = %s/efivars\n", f->dir, f->dir);
	} else {
		sh("printf 'BOOT_ORDER=A\\nBOOT_A_LEFT=3\\n' > %s/bootenv", f->dir);
		snprintf(extra, sizeof(extra), "[sim]\nenv = %s/bootenv\n", f->dir);
	}
	snprintf(text, sizeof(text),
		 "[system]\nstatedir = %s/state\ncompatible = acme,x\nbootloader = %s\n"
		 "max_tries = 3\n%s"
		 "[slot.rootfs.0]\ndevice = a\ntype = file\nbootname = A\n"
		 "[slot.rootfs.1]\ndevice = b\ntype = file\nbootname = B\n"
		 "[slot.rootfs.2]\ndevice = c\ntype = file\nbootname = C\n",
		 f->dir, backend, extra);
	assert_int_equal(config_load_string(&f->cfg, text, "system.conf", &err), 0);
	if (boot_open(&f->b, &f->cfg, &err))
		fail_msg("%s: %s", backend, err.msg);
	return 0;
}

static int setup_sim(void **state)
{
	return open_backend(state, "sim", 0);
}
static int setup_uboot(void **state)
{
	return open_backend(state, "uboot", 0);
}
static int setup_uboot_redundant(void **state)
{
	return open_backend(state, "uboot", 1);
}
static int setup_grub(void **state)
{
	return open_backend(state, "grub", 0);
}
static int setup_sdboot(void **state)
{
	return open_backend(state, "systemd-boot", 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->b.ops)
		boot_close(&f->b);
	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

/* What the rules read back must be what was stored. */
static void assert_same(const struct fixture *f, const struct boot_env *want,
			const struct boot_env *got, unsigned step)
{
	char pw[FW_BOOTNAME_LEN + 1], pg[FW_BOOTNAME_LEN + 1], ow[64], og[64];
	/* systemd-boot keeps the first of the order (its rank) and sorts the
	 * rest by name; a good slot's tries are not counted, only a trial's */
	int sd = !strcmp(f->backend, "systemd-boot");

	boot_env_format_order(want, ow, sizeof(ow));
	boot_env_format_order(got, og, sizeof(og));
	if (strcmp(ow, og) && !sd)
		fail_msg("%s step %u: order '%s' stored, '%s' loaded", f->backend, step, ow, og);
	boot_env_primary(want, pw);
	boot_env_primary(got, pg);
	if (strcmp(pw, pg))
		fail_msg("%s step %u: primary %s stored, %s loaded", f->backend, step, pw, pg);
	assert_true(boot_env_well_formed(got));
	for (unsigned i = 0; i < 3; i++) {
		struct boot_slot_state w, g;

		boot_env_state(want, names[i], &w);
		boot_env_state(got, names[i], &g);
		int counted = !sd || want->slots[i].trial;

		if (w.good != g.good || w.in_order != g.in_order ||
		    (w.good && counted && w.left != g.left))
			fail_msg("%s step %u: %s stored good=%d in_order=%d left=%u, loaded "
				 "good=%d in_order=%d left=%u",
				 f->backend, step, names[i], w.good, w.in_order, w.left, g.good,
				 g.in_order, g.left);
		/* GRUB keeps every field of the model */
		if (!strcmp(f->backend, "grub") &&
		    (w.ok != g.ok || w.tried != g.tried || w.left != g.left))
			fail_msg("grub step %u: %s fields differ", step, names[i]);
	}
}

/* The real tool reads the order fwtool stored. */
static void assert_tool_reads(const struct fixture *f, const struct boot_env *env)
{
	char cmd[8192], line[512] = "", want[64];
	FILE *p;

	boot_env_format_order(env, want, sizeof(want));
	if (!strcmp(f->backend, "uboot"))
		snprintf(cmd, sizeof(cmd), "fw_printenv -n -c %s/fw_env.config BOOT_ORDER 2>&1",
			 f->dir);
	else if (!strcmp(f->backend, "grub"))
		snprintf(cmd, sizeof(cmd), "grub-editenv %s/grubenv list | sed -n 's/^ORDER=//p'",
			 f->dir);
	else
		return;
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, want))
		fail_msg("%s: the real tool reads order '%s', fwtool stored '%s'", f->backend, line,
			 want);
}

static void random_sequence(void **state)
{
	struct fixture *f = *state;
	struct boot_env model, got;
	struct fw_err err = {0};
	unsigned seed = 20261207;

	if (!f->b.ops)
		skip();
	assert_int_equal(boot_load(&f->b, &model, &err), 0);
	for (unsigned step = 0; step < 400; step++) {
		const char *n = names[rand_r(&seed) % 3];
		unsigned tries = 1 + rand_r(&seed) % 3;
		char booted[FW_BOOTNAME_LEN + 1];

		switch (rand_r(&seed) % 5) {
		case 0: boot_env_set_primary(&model, n, tries); break;
		case 1: boot_env_mark_good(&model, n, tries); break;
		case 2: boot_env_mark_bad(&model, n); break;
		case 3: {
			const char *good[3];
			unsigned k = 0;

			for (unsigned i = 0; i < 3; i++)
				if (rand_r(&seed) % 2)
					good[k++] = names[i];
			boot_env_reset(&model, good, k, tries);
			break;
		}
		default: boot_sim_pick(&model, 3, booted); /* a boot attempt */
		}
		if (boot_store(&f->b, &model, &err))
			fail_msg("%s step %u: store: %s", f->backend, step, err.msg);
		if (boot_load(&f->b, &got, &err))
			fail_msg("%s step %u: load: %s", f->backend, step, err.msg);
		assert_same(f, &model, &got, step);
		if (step % 40 == 0)
			assert_tool_reads(f, &model);
		model = got; /* go on from what the bootloader holds */
	}
	assert_tool_reads(f, &model);
}

/* File names as systemd-boot 252 reads them (wave2.md §2.1). */
static void sdboot_names(void **state)
{
	static const struct {
		const char *file;
		unsigned dir;
		int ok, slot, counted;
		unsigned rank, left, done;
	} cases[] = {
		{"fwtool-1-a.conf", 0, 0, 0, 0, 1, 0, 0},
		{"fwtool-0-b+3.conf", 0, 0, 1, 1, 0, 3, 0},
		{"fwtool-0-b+2-1.conf", 0, 0, 1, 1, 0, 2, 1},
		{"fwtool-1-c+0-7.efi", 1, 0, 2, 1, 1, 0, 7},
		{"FWTOOL-1-A+1.CONF", 0, 0, 0, 1, 1, 1, 0}, /* FAT: case does not matter */
		{"fwtool-1-a+x.conf", 0, -1, -1, 0, 0, 0, 0}, /* no counter: id "fwtool-1-a+x" */
		{"fwtool-1-a+3-.conf", 0, -1, -1, 0, 0, 0, 0},
		{"fwtool-1-a+2147483648.conf", 0, -1, -1, 0, 0, 0, 0}, /* > INT_MAX */
		{"fwtool-1-a+2147483647.conf", 0, 0, 0, 1, 1, 2147483647, 0},
		{"fwtool-2-a.conf", 0, -1, -1, 0, 0, 0, 0},
		{"fwtool-1-a.efi", 0, -1, -1, 0, 0, 0, 0}, /* wrong directory */
		{"fwtool-1-d.conf", 0, -1, -1, 0, 0, 0, 0}, /* no such slot */
		{"debian-6.1.conf", 0, -1, -1, 0, 0, 0, 0},
		{".conf", 0, -1, -1, 0, 0, 0, 0},
		{"fwtool-1-.conf", 0, -1, -1, 0, 0, 0, 0},
	};
	struct sdboot_entry e;
	char out[SDBOOT_NAME_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int ok = boot_sdboot_parse(cases[i].file, cases[i].dir, names, 3, &e);

		if (ok != cases[i].ok || e.slot != cases[i].slot ||
		    (!ok && (e.counted != cases[i].counted || e.rank != cases[i].rank ||
			     e.left != cases[i].left || e.done != cases[i].done)))
			fail_msg("%s: parsed ok=%d slot=%d counted=%d rank=%u +%u-%u",
				 cases[i].file, ok, e.slot, e.counted, e.rank, e.left, e.done);
		if (ok)
			continue;
		/* and written back, in lower case, as it was read */
		boot_sdboot_format(&e, names[e.slot], out, sizeof(out));
		if (strcasecmp(out, cases[i].file))
			fail_msg("%s: formatted as %s", cases[i].file, out);
	}
}

/* efivarfs payloads (wave2.md §3.1): attributes, then the value. */
static void efi_formats(void **state)
{
	/* attrs 7; Attributes 1; path length 8; "A\0"; a path of 8 bytes; "x" */
	static const uint8_t opt[] = {7, 0, 0, 0, 1, 0, 0,   0, 8, 0, 'A', 0,
				      0, 0, 4, 4, 8, 0, 'v', 0, 0, 0, 'x', 0};
	static const uint8_t order[] = {7, 0, 0, 0, 2, 0, 1, 0, 0x0a, 0x30};
	uint16_t v[4];
	unsigned n;
	char desc[16];
	struct config cfg;
	struct boot b = {.cfg = &cfg, .names = {"A", "B"}, .nnames = 2};
	struct boot_env env;
	const int have[2] = {1, 1};
	const uint16_t num[2] = {1, 2};

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(boot_efi_u16s(order, sizeof(order), v, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 2);
	assert_int_equal(v[2], 0x300a);
	assert_int_equal(boot_efi_u16s(order, sizeof(order) - 1, v, 4, &n), -1); /* odd */
	assert_int_equal(boot_efi_u16s(order, sizeof(order), v, 2, &n), -1); /* too many */
	assert_int_equal(boot_efi_u16s(order, 3, v, 4, &n), -1); /* no attributes */
	assert_int_equal(boot_efi_loadopt_desc(opt, sizeof(opt), desc, sizeof(desc)), 0);
	assert_string_equal(desc, "A");
	/* the device path past the end; no NUL; too short */
	assert_int_equal(boot_efi_loadopt_desc(opt, 19, desc, sizeof(desc)), -1);
	assert_int_equal(boot_efi_loadopt_desc(opt, 12, desc, sizeof(desc)), -1);
	assert_int_equal(boot_efi_loadopt_desc(opt, 9, desc, sizeof(desc)), -1);

	/* BootOrder 2 1: B then A, both good; a trial of A armed by BootNext:
	 * A first with its one try; once taken (no BootNext), none left */
	boot_env_init(&env, b.names, 2);
	assert_int_equal(
		boot_efi_decode(&b, &env, (const uint16_t[]){2, 1}, 2, have, num, 0, 0, NULL), 0);
	assert_string_equal(env.order[0], "B");
	assert_int_equal(env.norder, 2);
	boot_env_init(&env, b.names, 2);
	assert_int_equal(boot_efi_decode(&b, &env, (const uint16_t[]){2}, 1, have, num, 1, 1, "A"),
			 0);
	assert_string_equal(env.order[0], "A");
	assert_int_equal(env.slots[0].left, 1);
	assert_int_equal(env.slots[0].trial, 1);
	boot_env_init(&env, b.names, 2);
	assert_int_equal(boot_efi_decode(&b, &env, (const uint16_t[]){2}, 1, have, num, 0, 0, "A"),
			 0);
	assert_int_equal(env.slots[0].left, 0);
	assert_int_equal(env.slots[0].tried, 1);
	assert_true(boot_env_well_formed(&env));
	/* efi-trial naming a slot that is in BootOrder, no BootNext: that
	 * trial is over; the slot is good where BootOrder has it */
	boot_env_init(&env, b.names, 2);
	assert_int_equal(
		boot_efi_decode(&b, &env, (const uint16_t[]){2, 1}, 2, have, num, 0, 0, "A"), 0);
	assert_string_equal(env.order[0], "B");
	assert_int_equal(env.slots[0].trial, 0);
	assert_int_equal(env.slots[0].left, cfg.max_tries);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{"sim: random sequence", random_sequence, setup_sim, teardown, NULL},
		{"uboot: random sequence", random_sequence, setup_uboot, teardown, NULL},
		{"uboot, two copies: random sequence", random_sequence, setup_uboot_redundant,
		 teardown, NULL},
		{"grub: random sequence", random_sequence, setup_grub, teardown, NULL},
		{"systemd-boot: random sequence", random_sequence, setup_sdboot, teardown, NULL},
		{"systemd-boot: entry names", sdboot_names, NULL, NULL, NULL},
		{"efi: variable formats and the model", efi_formats, NULL, NULL, NULL},
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
