// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <ini.h>

#include "config.h"
#include "log.h"
#include "name.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum ktype { K_STR, K_PATH, K_UINT, K_BOOL };

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	size_t size;
	unsigned max; /* K_UINT bounds */
	unsigned min;
};

#define S(f) K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0
#define P(f) K_PATH, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0
/* a number in [lo, hi]: no key takes 0 to mean "none" or "forever" */
#define U(f, lo, hi) K_UINT, offsetof(struct config, f), sizeof(unsigned), hi, lo
#define B(f) K_BOOL, offsetof(struct config, f), sizeof(int), 0, 0

/* A device that is not a path: dfu:VID:PID..., or a UBI volume ubiN:NAME */
static int names_no_file(const char *v)
{
	size_t n = strspn(v + (strncmp(v, "ubi", 3) ? 0 : 3), "0123456789");

	return !strncmp(v, "dfu:", 4) || (!strncmp(v, "ubi", 3) && n && v[3 + n] == ':');
}

static const struct key system_keys[] = {
	{"compatible", S(compatible)},
	{"bootloader", S(bootloader)},
	{"keyring", P(keyring)},
	{"fit_keys", P(fit_keys)},
	{"statedir", P(statedir)},
	{"lock", P(lockfile)},
	{"cmdline", P(cmdline)},
	{"dtb", P(dtb)},
	{"dmi", P(dmi)},
	{"max_tries", U(max_tries, 1, FW_TRIES_MAX)},
	{"check_time", B(check_time)},
	{"allow_downgrade", B(allow_downgrade)},
	{"allow_ignore_compatible", B(allow_ignore_compatible)},
	{"verify_writes", B(verify_writes)},
	{"min_version", S(min_version)},
	{"hostname", S(hostname)},
	{"machine_id", P(machine_id)},
	{"log_level", S(log_level)},
	{NULL},
};
static const struct key uboot_keys[] = {
	{"fw_env_config", P(fw_env_config)},
	{"require_redundant", B(uboot_require_redundant)},
	{NULL},
};
static const struct key grub_keys[] = {{"grubenv", P(grubenv)}, {NULL}};
static const struct key sdboot_keys[] = {{"esp", P(esp)}, {"efivars", P(efivars)}, {NULL}};
static const struct key efi_keys[] = {{"efivars", P(efivars)}, {NULL}};
static const struct key sim_keys[] = {{"env", P(sim_env)}, {NULL}};
static const struct key watchdog_keys[] = {
	{"device", P(wd_device)},
	{"timeout", U(wd_timeout, 1, 3600)},
	{NULL},
};
static const struct key confirm_keys[] = {
	{"deadline", U(deadline, 1, 86400)},
	{"reboot_cmd", S(reboot_cmd)},
	{"health_dir", P(health_dir)},
	{"check_timeout", U(check_timeout, 1, 86400)},
	{"report_url", S(report_url)},
	{"report_cmd", S(report_cmd)},
	{"report_timeout", U(report_timeout, 1, 3600)},
	{NULL},
};
static const struct key download_keys[] = {
	{"ca", P(dl_ca)},
	{"client_cert", P(dl_client_cert)},
	{"client_key", P(dl_client_key)},
	{"token", S(dl_token)},
	{"username", S(dl_username)},
	{"password", S(dl_password)},
	{"stall_timeout", U(dl_stall_timeout, 1, 3600)},
	{"retries", U(dl_retries, 0, FW_HTTP_RETRIES_MAX)},
	{"adaptive", B(dl_adaptive)},
	{NULL},
};

#undef S
#undef P
#undef U
#undef B

#define SS(f) K_STR, offsetof(struct config_slot, f), sizeof(((struct config_slot *)0)->f), 0, 0
static const struct key slot_keys[] = {
	{"device", K_PATH, offsetof(struct config_slot, device),
	 sizeof(((struct config_slot *)0)->device), 0, 0},
	{"type", SS(type)},
	{"bootname", SS(bootname)},
	{"parent", SS(parent)},
	{"dfu_poll_min", K_UINT, offsetof(struct config_slot, dfu_poll_min), sizeof(unsigned),
	 60000, 0},
	{"dfu_timeout", K_UINT, offsetof(struct config_slot, dfu_timeout), sizeof(unsigned), 86400,
	 1},
	{NULL},
};
#undef SS
static const struct key check_keys[] = {
	{"command", K_STR, offsetof(struct config_check, command),
	 sizeof(((struct config_check *)0)->command), 0, 0},
	/* 0: the [confirm] check_timeout */
	{"timeout", K_UINT, offsetof(struct config_check, timeout), sizeof(unsigned), 86400, 0},
	{"required", K_BOOL, offsetof(struct config_check, required), sizeof(int), 0, 0},
	{NULL},
};

static const struct {
	const char *name;
	const struct key *keys;
} sections[] = {
	{"system", system_keys},     {"uboot", uboot_keys},	    {"grub", grub_keys},
	{"sim", sim_keys},	     {"watchdog", watchdog_keys},   {"confirm", confirm_keys},
	{"download", download_keys}, {"systemd-boot", sdboot_keys}, {"efi", efi_keys},
};

struct parse {
	struct config *c;
	struct fw_err *err;
	const char *name;
	char dir[CONFIG_STR];
	unsigned line;
	const char *text; /* config_load_string */
	FILE *f;
	int toolong;
	int inline_comment;
};

static int perr(struct parse *p, const char *fmt, const char *a, const char *b)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, a, b);
	fw_error(p->err, FW_EUSAGE, "%s:%u: %s", p->name, p->line, msg);
	return 0;
}

static int set_value(struct parse *p, void *base, const struct key *k, const char *section,
		     const char *value)
{
	char *dst = (char *)base + k->off;

	if (k->type == K_STR || k->type == K_PATH) {
		int n;

		/* relative paths are the file's folder's; "dfu:..." and
		 * "ubiN:NAME" name no file */
		if (k->type == K_PATH && value[0] && value[0] != '/' && p->dir[0] &&
		    !names_no_file(value))
			n = snprintf(dst, k->size, "%s/%s", p->dir, value);
		else
			n = snprintf(dst, k->size, "%s", value);
		if (n < 0 || (size_t)n >= k->size)
			return perr(p, "[%s] %s: value too long", section, k->name);
	} else if (k->type == K_UINT) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || end == value || *end || v > k->max || v < k->min || value[0] == '-') {
			char what[96];

			snprintf(what, sizeof(what), "%s: not a number in %u..%u", k->name, k->min,
				 k->max);
			return perr(p, "[%s] %s", section, what);
		}
		*(unsigned *)(void *)dst = (unsigned)v;
	} else {
		int v;

		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1"))
			v = 1;
		else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0"))
			v = 0;
		else
			return perr(p, "[%s] %s: not true or false", section, k->name);
		*(int *)(void *)dst = v;
	}
	return 1;
}

static int set_key(struct parse *p, void *base, const struct key *keys, const char *section,
		   const char *name, const char *value)
{
	for (const struct key *k = keys; k->name; k++)
		if (!strcmp(k->name, name))
			return set_value(p, base, k, section, value);
	return perr(p, "[%s] unknown key '%s'", section, name);
}

/*
 * A bootname becomes part of bootloader variable names (BOOT_<name>_LEFT,
 * <name>_LEFT) and of a space-separated order: letters, digits, '_' only.
 */
static int bootname_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > FW_BOOTNAME_LEN)
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '_')
			return 0;
	return 1;
}

static int type_ok(const char *v)
{
	static const char *const types[] = {"file", "block", "mtd", "dfu", "ubivol"};

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (!strcmp(v, types[i]))
			return 1;
	return 0;
}

/* [slot.CLASS.N]: find or create the slot */
static struct config_slot *slot_section(struct parse *p, const char *section)
{
	struct config *c = p->c;
	const char *name = section + 5, *dot = strrchr(name, '.');
	char class[FW_CLASS_LEN + 1];
	struct config_slot *s;
	char *end;
	unsigned long idx;

	if (!dot || (size_t)(dot - name) > FW_CLASS_LEN) {
		perr(p, "[%s]: slot sections are [slot.CLASS.N]", section, "");
		return NULL;
	}
	memcpy(class, name, (size_t)(dot - name));
	class[dot - name] = '\0';
	idx = strtoul(dot + 1, &end, 10);
	if (!fw_name_ok(class, FW_CLASS_LEN) || *end || end == dot + 1 || idx > 99) {
		perr(p, "[%s]: slot sections are [slot.CLASS.N]", section, "");
		return NULL;
	}
	for (unsigned i = 0; i < c->nslots; i++)
		if (!strcmp(c->slots[i].name, name))
			return &c->slots[i];
	if (c->nslots == FW_SLOTS_MAX) {
		perr(p, "[%s]: too many slots", section, "");
		return NULL;
	}
	s = &c->slots[c->nslots++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->class, sizeof(s->class), "%s", class);
	s->index = (unsigned)idx;
	return s;
}

static struct config_check *check_section(struct parse *p, const char *section)
{
	struct config *c = p->c;
	const char *name = section + 6;
	struct config_check *k;

	if (!fw_name_ok(name, sizeof(k->name) - 1)) {
		perr(p, "[%s]: check names are [a-z0-9_-]", section, "");
		return NULL;
	}
	for (unsigned i = 0; i < c->nchecks; i++)
		if (!strcmp(c->checks[i].name, name))
			return &c->checks[i];
	if (c->nchecks == FW_CHECKS_MAX) {
		perr(p, "[%s]: too many checks", section, "");
		return NULL;
	}
	k = &c->checks[c->nchecks++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->required = 1;
	return k;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;

	if (p->err->code)
		return 0;
	if (p->toolong)
		return perr(p, "line longer than %s characters", "199", "");
	if (p->inline_comment)
		return perr(p,
			    "[%s] %s: a comment after a value (' #', ' ;') cuts or stays in it: "
			    "put it on a line of its own",
			    section, name);
	if (!strncmp(section, "slot.", 5)) {
		struct config_slot *s = slot_section(p, section);

		if (!s)
			return 0;
		if (!strcmp(name, "device"))
			s->line = p->line;
		if (!strcmp(name, "bootname")) {
			s->bootname_line = p->line;
			if (!bootname_ok(value))
				return perr(p, "[%s] bootname: 1 to %s of A-Z a-z 0-9 _", section,
					    STR(FW_BOOTNAME_LEN));
		}
		if (!strcmp(name, "type") && !type_ok(value))
			return perr(p, "[%s] type: '%s' is not file, block, mtd or dfu", section,
				    value);
		return set_key(p, s, slot_keys, section, name, value);
	}
	if (!strncmp(section, "check.", 6)) {
		struct config_check *k = check_section(p, section);

		return k ? set_key(p, k, check_keys, section, name, value) : 0;
	}
	for (unsigned i = 0; i < sizeof(sections) / sizeof(*sections); i++)
		if (!strcmp(sections[i].name, section))
			return set_key(p, p->c, sections[i].keys, section, name, value);
	return perr(p, "unknown section [%s]", section, "");
}

/* Our own line reader, so that every message can name its line. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *first;
	size_t n;

	if (p->f) {
		if (!fgets(str, num, p->f))
			return NULL;
	} else {
		const char *nl;

		if (!*p->text)
			return NULL;
		nl = strchr(p->text, '\n');
		n = nl ? (size_t)(nl - p->text + 1) : strlen(p->text);
		if (n >= (size_t)num)
			n = (size_t)num - 1;
		memcpy(str, p->text, n);
		str[n] = '\0';
		p->text += n;
	}
	p->line++;
	n = strlen(str);
	p->toolong = n == (size_t)num - 1 && str[n - 1] != '\n';
	/*
	 * inih cuts a value at " ;" (a command "a ; b" would run "a") and keeps
	 * " #" in it: neither is what the line's author meant.
	 */
	p->inline_comment = 0;
	first = str + strspn(str, " \t");
	for (const char *c = first; *first && !strchr("#;[", *first) && *c; c++)
		if ((c[0] == ' ' || c[0] == '\t') && (c[1] == '#' || c[1] == ';'))
			p->inline_comment = 1;
	return str;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->compatible, "auto");
	strcpy(c->statedir, "/var/lib/fwtool");
	strcpy(c->cmdline, "/proc/cmdline");
	strcpy(c->dtb, "/sys/firmware/fdt");
	strcpy(c->dmi, "/sys/class/dmi/id");
	snprintf(c->keyring, sizeof(c->keyring), "%s", FWTOOL_SYSCONFDIR "/fwtool/keyring.pem");
	strcpy(c->fw_env_config, "/etc/fw_env.config");
	strcpy(c->grubenv, "/boot/grub/grubenv");
	strcpy(c->esp, "/boot/efi");
	strcpy(c->efivars, "/sys/firmware/efi/efivars");
	snprintf(c->health_dir, sizeof(c->health_dir), "%s", FWTOOL_SYSCONFDIR "/fwtool/health.d");
	strcpy(c->reboot_cmd, "reboot");
	c->max_tries = 3;
	c->check_time = 1;
	c->verify_writes = 1;
	c->wd_timeout = 30;
	c->deadline = 300;
	c->check_timeout = 60;
	c->report_timeout = 30;
	c->dl_stall_timeout = 30;
	c->dl_retries = 5;
	c->dl_adaptive = 1;
	strcpy(c->machine_id, "/etc/machine-id");
}

/*
 * What a slot's device is, whatever path names it: a device node's number,
 * a file's inode, or for a file not made yet its folder's real path and its
 * name. Two slots with one identity would let an install write the running
 * slot through the other's name.
 */
struct ident {
	int kind; /* 'b', 'c' device number; 'f' inode; 'p' path */
	dev_t dev;
	ino_t ino;
	char path[2 * FW_PATH_LEN];
};

static void identify(const char *device, struct ident *id)
{
	const char *slash = strrchr(device, '/');
	char dir[FW_PATH_LEN], *real;
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!stat(device, &st)) {
		id->kind = S_ISBLK(st.st_mode) ? 'b' : S_ISCHR(st.st_mode) ? 'c' : 'f';
		id->dev = id->kind == 'f' ? st.st_dev : st.st_rdev;
		id->ino = id->kind == 'f' ? st.st_ino : 0;
		return;
	}
	id->kind = 'p';
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == device)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - device), device);
	real = realpath(dir, NULL);
	snprintf(id->path, sizeof(id->path), "%s/%s", real ? real : dir,
		 slash ? slash + 1 : device);
	free(real);
}

void config_slot_identity(const struct config_slot *s, char *out, size_t size)
{
	struct ident id;

	if (!strncmp(s->device, "dfu:", 4)) {
		snprintf(out, size, "a USB DFU device");
		return;
	}
	if (names_no_file(s->device)) {
		snprintf(out, size, "a UBI volume by name");
		return;
	}
	identify(s->device, &id);
	if (id.kind == 'b' || id.kind == 'c')
		snprintf(out, size, "%s device %u:%u", id.kind == 'b' ? "block" : "character",
			 major(id.dev), minor(id.dev));
	else if (id.kind == 'f')
		snprintf(out, size, "file, inode %llu on %u:%u", (unsigned long long)id.ino,
			 major(id.dev), minor(id.dev));
	else
		snprintf(out, size, "not there yet: %.*s", (int)(size > 20 ? size - 20 : 0),
			 id.path);
}

static int same_ident(const struct ident *a, const struct ident *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == 'p')
		return !strcmp(a->path, b->path);
	return a->dev == b->dev && a->ino == b->ino;
}

/* No two slots on one device; no two bootable slots of a class with one name. */
static int distinct(struct parse *p)
{
	struct config *c = p->c;
	struct ident *ids = calloc(FW_SLOTS_MAX, sizeof(*ids));
	int ret = 0;

	if (!ids)
		return fw_error(p->err, FW_EIO, "%s: out of memory", p->name);
	for (unsigned i = 0; i < c->nslots && !ret; i++) {
		const struct config_slot *s = &c->slots[i];

		if (names_no_file(s->device))
			continue;
		identify(s->device, &ids[i]);
		for (unsigned j = 0; j < i && !ret; j++) {
			const struct config_slot *o = &c->slots[j];

			if (!names_no_file(o->device) && same_ident(&ids[i], &ids[j]))
				ret = fw_error(p->err, FW_EUSAGE,
					       "%s:%u: [slot.%s] device is [slot.%s]'s (%s)",
					       p->name, s->line, s->name, o->name, o->device);
			else if (s->bootname[0] && !strcmp(s->bootname, o->bootname) &&
				 !strcmp(s->class, o->class))
				ret = fw_error(p->err, FW_EUSAGE,
					       "%s:%u: [slot.%s] bootname %s is [slot.%s]'s too",
					       p->name, s->bootname_line, s->name, s->bootname,
					       o->name);
		}
	}
	free(ids);
	return ret;
}

static int finish(struct parse *p)
{
	struct config *c = p->c;

	p->line = 0;
	if (!c->bootloader[0])
		return fw_error(p->err, FW_EUSAGE, "%s: [system] bootloader is required", p->name);
	if (c->max_tries == 0)
		return fw_error(p->err, FW_EUSAGE, "%s: [system] max_tries must be 1..%d", p->name,
				FW_TRIES_MAX);
	if (c->log_level[0] && log_level_parse(c->log_level) < 0)
		return fw_error(p->err, FW_EUSAGE,
				"%s: [system] log_level: '%s' is not error, warning, info or debug",
				p->name, c->log_level);
	if (!c->lockfile[0])
		snprintf(c->lockfile, sizeof(c->lockfile), "%.240s/lock", c->statedir);
	if (!c->sim_env[0])
		snprintf(c->sim_env, sizeof(c->sim_env), "%.240s/sim-env", c->statedir);
	for (unsigned i = 0; i < c->nslots; i++) {
		struct config_slot *s = &c->slots[i];

		if (!s->device[0] || !s->type[0])
			return fw_error(p->err, FW_EUSAGE, "%s: [slot.%s] needs device and type",
					p->name, s->name);
		if (!s->bootname[0] == !s->parent[0])
			return fw_error(p->err, FW_EUSAGE,
					"%s: [slot.%s] needs exactly one of bootname and parent",
					p->name, s->name);
		if (s->parent[0] && !config_slot_by_name(c, s->parent))
			return fw_error(p->err, FW_EUSAGE,
					"%s: [slot.%s] parent '%s' is not a slot", p->name, s->name,
					s->parent);
	}
	for (unsigned i = 0; i < c->nchecks; i++)
		if (!c->checks[i].command[0])
			return fw_error(p->err, FW_EUSAGE, "%s: [check.%s] needs a command",
					p->name, c->checks[i].name);
	return distinct(p);
}

static int run(struct parse *p)
{
	int ret = ini_parse_stream(reader, p, handler, p);

	if (p->err->code)
		return p->err->code;
	if (ret) {
		p->line = (unsigned)ret;
		return fw_error(p->err, FW_EUSAGE, "%s:%d: syntax error", p->name, ret);
	}
	return finish(p);
}

int config_load(struct config *c, const char *path, struct fw_err *err)
{
	struct parse p = {.c = c, .err = err, .name = path};
	const char *slash = strrchr(path, '/');
	int ret;

	config_defaults(c);
	fw_err_clear(err);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (slash)
		snprintf(p.dir, sizeof(p.dir), "%.*s", (int)(slash - path), path);
	if (slash == path)
		strcpy(p.dir, "/");
	p.f = fopen(path, "r");
	/* a configuration that cannot be read is the caller's to fix: exit 2 */
	if (!p.f)
		return fw_error(err, FW_EUSAGE, "configuration %s: %s", path, strerror(errno));
	ret = run(&p);
	fclose(p.f);
	return ret;
}

int config_load_string(struct config *c, const char *text, const char *name, struct fw_err *err)
{
	struct parse p = {.c = c, .err = err, .name = name, .text = text};

	config_defaults(c);
	fw_err_clear(err);
	return run(&p);
}

const struct config_slot *config_slot_by_name(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->nslots; i++)
		if (!strcmp(c->slots[i].name, name))
			return &c->slots[i];
	return NULL;
}
