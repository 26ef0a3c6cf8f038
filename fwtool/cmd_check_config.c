// SPDX-License-Identifier: GPL-2.0-only
/* fwtool check-config: load system.conf as every verb does, and say what it found. */
#include <stdio.h>

#include <json-c/json.h>

#include "cmd.h"
#include "cmd_verbs.h"

static void print_text(const struct config *cfg)
{
	printf("%s: ok\nbootloader: %s\nstatedir:   %s\nslots:\n", cfg->path, cfg->bootloader,
	       cfg->statedir);
	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];
		char id[FW_PATH_LEN + 64];

		config_slot_identity(s, id, sizeof(id));
		printf("  %-12s %-5s %-16s %s (%s)\n", s->name, s->type,
		       s->bootname[0] ? s->bootname : s->parent, s->device, id);
	}
	printf("checks: %u in system.conf, then %s/required and %s/wanted\n", cfg->nchecks,
	       cfg->health_dir, cfg->health_dir);
	printf("timeouts: check %u s, deadline %u s, watchdog %u s, report %u s; max_tries %u\n",
	       cfg->check_timeout, cfg->deadline, cfg->wd_timeout, cfg->report_timeout,
	       cfg->max_tries);
	/* credentials: which kind only, never the values */
	printf("download: ca %s, %s%s, stall %u s, retries %u\n",
	       cfg->dl_ca[0] ? cfg->dl_ca : "the system's",
	       cfg->dl_token[0]	     ? "bearer token"
	       : cfg->dl_username[0] ? "basic auth"
				     : "no auth",
	       cfg->dl_client_cert[0] ? ", client certificate" : "", cfg->dl_stall_timeout,
	       cfg->dl_retries);
}

static void print_json(const struct config *cfg)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "schema", json_object_new_string("fwtool.config/1"));
	json_object_object_add(o, "path", json_object_new_string(cfg->path));
	json_object_object_add(o, "bootloader", json_object_new_string(cfg->bootloader));
	for (unsigned i = 0; i < cfg->nslots; i++) {
		const struct config_slot *s = &cfg->slots[i];
		json_object *so = json_object_new_object();
		char id[FW_PATH_LEN + 64];

		config_slot_identity(s, id, sizeof(id));
		json_object_object_add(so, "name", json_object_new_string(s->name));
		json_object_object_add(so, "type", json_object_new_string(s->type));
		json_object_object_add(so, "bootname",
				       s->bootname[0] ? json_object_new_string(s->bootname) : NULL);
		json_object_object_add(so, "parent",
				       s->parent[0] ? json_object_new_string(s->parent) : NULL);
		json_object_object_add(so, "device", json_object_new_string(s->device));
		json_object_object_add(so, "identity", json_object_new_string(id));
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "slots", a);
	json_object_object_add(o, "checks", json_object_new_int((int)cfg->nchecks));
	json_object_object_add(o, "health_dir", json_object_new_string(cfg->health_dir));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cmd_check_config(struct cmd *c, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{NULL, 0, NULL, 0},
	};
	struct config cfg;
	int o, ret;

	o = cmd_next_opt(c, opts, NULL, err);
	if (o > CMD_HELP)
		return cmd_bad_opt(c, err);
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "check-config: takes no arguments");
	ret = cmd_config(c, &cfg, 1, err);
	if (ret)
		return ret;
	if (c->json)
		print_json(&cfg);
	else
		print_text(&cfg);
	return 0;
}

const struct cmd_verb cmd_check_config_verb = {
	"check-config",
	cmd_check_config,
	"load system.conf and say what it resolved to",
	"usage: fwtool check-config\n"
	"Load system.conf as every verb does (exit 2 and the file:line of what\n"
	"is wrong) and print what it found: each slot's device and what it is\n"
	"(a device number, a file's inode), the checks and the timeouts.\n",
};
