// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "cmd.h"
#include "cmd_verbs.h"
#include "report.h"
#include "slot.h"
#include "state.h"

enum { OPT_SINCE = OPT_FIRST_VERB_OPT, OPT_ID, OPT_TIMEOUT };

/* Options shared by status, history and wait. */
static int parse(struct cmd *c, const char **cmdline, const char **since, const char **id,
		 long *timeout, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{"cmdline", required_argument, NULL, OPT_CMDLINE},
		{"since", required_argument, NULL, OPT_SINCE},
		{"id", required_argument, NULL, OPT_ID},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{NULL, 0, NULL, 0},
	};
	int o;

	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP) {
		if (o == OPT_CMDLINE && cmdline)
			*cmdline = optarg;
		else if (o == OPT_SINCE && since)
			*since = optarg;
		else if (o == OPT_ID && id)
			*id = optarg;
		else if (o == OPT_TIMEOUT && timeout)
			*timeout = atol(optarg);
		else
			return cmd_bad_opt(c, err);
	}
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "%s: unexpected argument '%s'", c->argv[0],
				c->argv[optind]);
	return 0;
}

static const char *slot_boot_state(const struct boot_slot_state *st, const struct txn *t,
				   const char *bootname)
{
	if (!st->good)
		return "bad";
	if (t && t->state == TXN_ACTIVATED && !strcmp(t->target, bootname))
		return "pending";
	return "good";
}

int cmd_status(struct cmd *c, struct fw_err *err)
{
	struct report_slot rows[FW_SLOTS_MAX];
	struct slot_record recs[FW_SLOTS_MAX];
	char booted[FW_BOOTNAME_LEN + 1] = "", primary[FW_BOOTNAME_LEN + 1] = "";
	const char *cmdline = NULL;
	struct boot b = {0};
	struct fw_err e = {0};
	struct config cfg;
	struct txn *t = calloc(1, sizeof(*t));
	uint64_t secver = 0;
	int ret, have_txn;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = parse(c, &cmdline, NULL, NULL, NULL, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (!ret)
		ret = boot_open(&b, &cfg, err);
	if (!ret)
		ret = boot_get_primary(&b, primary, err);
	if (!ret)
		ret = state_secver_get(cfg.statedir, &secver, err);
	if (ret)
		goto out;
	if (slot_booted(&cfg, cmdline ? cmdline : cfg.cmdline, booted, &e))
		snprintf(booted, sizeof(booted), "?");
	have_txn = !state_txn_load(cfg.statedir, t, &e);
	for (unsigned i = 0; !ret && i < cfg.nslots; i++) {
		const struct config_slot *s = &cfg.slots[i];
		struct boot_slot_state st;
		const char *bn = slot_bootname(&cfg, s);

		ret = boot_get_state(&b, bn, &st, err);
		rows[i] = (struct report_slot){s->name,
					       s->class,
					       bn,
					       s->device,
					       s->type,
					       !strcmp(bn, booted),
					       slot_boot_state(&st, have_txn ? t : NULL, bn),
					       st.left,
					       NULL};
		if (!state_slot_get(cfg.statedir, s->name, &recs[i], &e))
			rows[i].rec = &recs[i];
	}
	if (!ret)
		report_status(c->json, cfg.bootloader, booted, primary, secver, rows, cfg.nslots,
			      have_txn ? t : NULL);
out:
	boot_close(&b);
	free(t);
	return ret;
}

struct hist {
	int json;
	const char *since;
	int on;
};

static void hist_item(void *ctx, const struct txn *t)
{
	struct hist *h = ctx;

	if (h->on)
		report_history_item(h->json, t);
	else if (!strcmp(t->id, h->since))
		h->on = 1;
}

int cmd_history(struct cmd *c, struct fw_err *err)
{
	struct hist h = {0};
	struct config cfg;
	int ret = parse(c, NULL, &h.since, NULL, NULL, err);

	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (ret)
		return ret;
	h.json = c->json;
	h.on = !h.since;
	report_history_begin(c->json);
	ret = state_history_each(cfg.statedir, hist_item, &h, err);
	report_history_end(c->json);
	return ret;
}

struct find {
	const char *id;
	struct txn *t;
	int found;
};

static void find_item(void *ctx, const struct txn *t)
{
	struct find *f = ctx;

	if (!strcmp(t->id, f->id)) {
		*f->t = *t;
		f->found = 1;
	}
}

/* The transaction to wait for: @id from the state or the history. */
static int lookup(const struct config *cfg, const char *id, struct txn *t, struct fw_err *err)
{
	struct find f = {id, t, 0};
	int ret = state_txn_load(cfg->statedir, t, err);

	if (ret && ret != FW_ENOTFOUND)
		return ret;
	if (!ret && (!id || !strcmp(t->id, id)))
		return 0;
	if (!id)
		return fw_error(err, FW_ENOTFOUND, "no transaction to wait for");
	fw_err_clear(err);
	ret = state_history_each(cfg->statedir, find_item, &f, err);
	if (!ret && !f.found)
		ret = fw_error(err, FW_ENOTFOUND, "no transaction %s", id);
	return ret;
}

int cmd_wait(struct cmd *c, struct fw_err *err)
{
	const char *id = NULL;
	long timeout = 0;
	struct config cfg;
	struct txn *t = malloc(sizeof(*t));
	time_t start = time(NULL);
	int ret;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = parse(c, NULL, NULL, &id, &timeout, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	while (!ret) {
		ret = lookup(&cfg, id, t, err);
		if (ret || txn_ended(t->state))
			break;
		if (timeout > 0 && time(NULL) - start >= timeout) {
			ret = fw_error(err, FW_EIO, "transaction %s still %s after %ld s", t->id,
				       txn_state_name(t->state), timeout);
			break;
		}
		sleep(1);
	}
	if (!ret) {
		report_txn(c->json, t);
		/* the document above said it all: exit status only */
		if (t->state == TXN_ROLLED_BACK)
			ret = fw_error(err, FW_EROLLEDBACK, "%s", "");
		else if (t->state == TXN_FAILED)
			ret = fw_error(err, FW_EIO, "%s", "");
	}
	free(t);
	return ret;
}
