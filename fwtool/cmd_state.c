// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "txn.h"
#include "cmd.h"
#include "cmd_verbs.h"
#include "output.h"
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
		else if (o == OPT_TIMEOUT && timeout) {
			char *end;

			errno = 0;
			*timeout = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || *timeout < 0)
				return fw_error(err, FW_EUSAGE,
						"--timeout %s: not a number of seconds", optarg);
		} else
			return cmd_bad_opt(c, err);
	}
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "%s: unexpected argument '%s'", c->argv[0],
				c->argv[optind]);
	return 0;
}

/* What status could not read: kept, shown, and the exit status. */
struct problems {
	char msg[4][256];
	unsigned n;
	int code;
};

static void problem(struct problems *p, const struct fw_err *e)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->msg[i], e->msg))
			return;
	if (p->n < 4)
		snprintf(p->msg[p->n++], sizeof(p->msg[0]), "%s", e->msg);
	if (!p->code)
		p->code = e->code;
}

static int cmd_status(struct cmd *c, struct fw_err *err)
{
	struct output_slot rows[FW_SLOTS_MAX];
	struct txn_running running;
	struct output_status view;
	struct slot_record recs[FW_SLOTS_MAX];
	char primary[FW_BOOTNAME_LEN + 1] = "";
	const char *cmdline = NULL, *errs[4];
	struct problems pr = {0};
	struct boot_env env;
	struct fw_err e = {0};
	struct config cfg;
	struct txn_ctx *x = calloc(1, sizeof(*x));
	uint64_t secver = 0;
	int ret, env_ok;

	if (!x)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = parse(c, &cmdline, NULL, NULL, NULL, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (!ret && txn_peek(x, &cfg, cmdline ? cmdline : cfg.cmdline, &e)) {
		if (!x->boot.ops) {
			ret = fw_error(err, e.code, "%s", e.msg);
			goto out;
		}
		problem(&pr, &e);
	}
	if (ret)
		goto out;
	env_ok = !boot_load(&x->boot, &env, &e);
	if (!env_ok)
		problem(&pr, &e);
	else
		boot_env_primary(&env, primary);
	if (state_secver_get(cfg.statedir, &secver, &e))
		problem(&pr, &e);
	for (unsigned i = 0; i < cfg.nslots; i++) {
		const struct config_slot *s = &cfg.slots[i];
		const char *bn = slot_bootname(&cfg, s);
		struct boot_slot_state st = {0};
		int r;

		if (env_ok)
			boot_env_state(&env, bn, &st);
		rows[i] = (struct output_slot){s->name,
					       s->class,
					       bn,
					       s->device,
					       s->type,
					       !strcmp(bn, x->booted),
					       env_ok ? txn_slot_label(x, &env, bn) : "?",
					       st.left,
					       NULL};
		r = state_slot_get(cfg.statedir, s->name, &recs[i], &e);
		if (!r)
			rows[i].rec = &recs[i];
		else if (r != FW_ENOTFOUND)
			problem(&pr, &e);
	}
	for (unsigned i = 0; i < pr.n; i++)
		errs[i] = pr.msg[i];
	if (x->booted[0] && txn_running(x, &running, &e))
		problem(&pr, &e);
	view = (struct output_status){cfg.bootloader,
				      x->booted[0] ? x->booted : "?",
				      primary,
				      secver,
				      rows,
				      cfg.nslots,
				      x->cur.state ? &x->cur : NULL,
				      x->booted[0] ? &running : NULL,
				      errs,
				      pr.n};
	output_status(c->json, &view);
	if (pr.n) { /* printed above; the exit status says what kind */
		ret = fw_error(err, pr.code, "%s", pr.msg[0]);
		c->reported = c->json;
	}
out:
	txn_close(x);
	free(x);
	return ret;
}

struct hist {
	int json;
};

static void hist_item(void *ctx, const struct txn *t)
{
	struct hist *h = ctx;

	output_history_item(h->json, t);
}

static int cmd_history(struct cmd *c, struct fw_err *err)
{
	struct hist h = {0};
	const char *since = NULL;
	struct config cfg;
	int ret = parse(c, NULL, &since, NULL, NULL, err);

	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (ret)
		return ret;
	h.json = c->json;
	output_history_begin(c->json);
	ret = state_history_each(cfg.statedir, since, hist_item, &h, err);
	output_history_end(c->json);
	return ret;
}

/* The transaction to wait for: @id from the state or the history. */
static int lookup(const struct config *cfg, const char *id, struct txn *t, struct fw_err *err)
{
	int ret = state_txn_load(cfg->statedir, t, err);

	if (ret && ret != FW_ENOTXN)
		return ret;
	if (!ret && (!id || !strcmp(t->id, id)))
		return 0;
	if (!id)
		return fw_error(err, FW_ENOTXN,
				"no transaction to wait for: nothing was installed");
	fw_err_clear(err);
	ret = state_history_find(cfg->statedir, id, t, err);
	if (ret == FW_ENOTXN)
		ret = fw_error(err, FW_ENOTXN,
			       "no transaction %s here: it never began (refused before it "
			       "started, or never run)",
			       id);
	return ret;
}

/* The outcome as a word, and the exit status it maps to. */
static int outcome(const struct txn *t, int ret, struct fw_err *err)
{
	if (ret)
		return ret;
	if (t->state == TXN_ROLLED_BACK)
		return fw_error(err, FW_EROLLEDBACK, "transaction %s rolled back (%s)", t->id,
				t->reason);
	if (t->state == TXN_FAILED)
		return fw_error(err, FW_EIO, "transaction %s failed (%s)", t->id, t->reason);
	return 0;
}

static int cmd_wait(struct cmd *c, struct fw_err *err)
{
	const char *id = NULL;
	long timeout = -1; /* none: until it ends; 0: look once */
	struct config cfg;
	struct txn *t = calloc(1, sizeof(*t));
	time_t start = time(NULL);
	int ret, found = 0;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = parse(c, NULL, NULL, &id, &timeout, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 1, err);
	if (ret)
		goto out;
	for (;;) {
		ret = lookup(&cfg, id, t, err);
		found = !ret;
		if (ret || txn_ended(t->state))
			break;
		if (t->state == TXN_INSTALLED) {
			ret = fw_error(err, FW_ENOTACTIVE,
				       "transaction %s is installed, not activated: nothing will "
				       "end it; 'fwtool mark-active %s' starts its trial, or "
				       "install again",
				       t->id, t->target);
			break;
		}
		if (timeout >= 0 && time(NULL) - start >= timeout) {
			ret = fw_error(err, FW_ETIMEDOUT, "transaction %s still %s after %ld s",
				       t->id, txn_state_name(t->state), timeout);
			break;
		}
		sleep(1);
	}
	ret = outcome(t, ret, err);
	output_wait(c->json, found ? t : NULL, ret, err->msg);
	/* said once: with the document, or by the ended transaction printed */
	if (ret && (c->json || (found && txn_ended(t->state))))
		c->reported = 1;
out:
	free(t);
	return ret;
}

const struct cmd_verb cmd_status_verb = {
	"status",
	cmd_status,
	"slots, boot state and the current transaction",
	"usage: fwtool status [--cmdline FILE]\n"
	"Booted and primary slot, every slot's boot state and content, and the\n"
	"current or last transaction with its phase.\n"
	"  --cmdline FILE  read the booted slot from FILE, not /proc/cmdline\n",
};

const struct cmd_verb cmd_history_verb = {
	"history",
	cmd_history,
	"every ended transaction",
	"usage: fwtool history [--since ID]\n"
	"Every ended transaction, oldest first.\n"
	"  --since ID  only those after transaction ID\n",
};

const struct cmd_verb cmd_wait_verb = {
	"wait",
	cmd_wait,
	"block until the transaction ends; its outcome is the exit code",
	"usage: fwtool wait [--timeout SECONDS] [--id ID]\n"
	"Block until the transaction (the current one, or ID) ends. Exit 0\n"
	"confirmed, 1 failed, 6 rolled back, 7 timed out, 8 installed but not\n"
	"activated, 10 no such transaction.\n"
	"  --timeout SECONDS  give up after SECONDS (0: look once; default: wait)\n"
	"  --id ID            the transaction to wait for\n",
};
