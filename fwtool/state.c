// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "atomicfile.h"
#include "hex.h"
#include "state.h"

static const char *const state_names[] = {
	[TXN_NONE] = "none",	       [TXN_INSTALLING] = "installing",
	[TXN_INSTALLED] = "installed", [TXN_ACTIVATED] = "activated",
	[TXN_CONFIRMED] = "confirmed", [TXN_ROLLED_BACK] = "rolled-back",
	[TXN_FAILED] = "failed",       [TXN_RECOVERED] = "recovered",
};

const char *txn_state_name(enum txn_state s)
{
	return state_names[s];
}

int txn_ended(enum txn_state s)
{
	return s >= TXN_CONFIRMED;
}

static void path_of(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

void state_txn_new(struct txn *t)
{
	uint8_t r[16];
	char h[33];

	memset(t, 0, sizeof(*t));
	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		for (unsigned i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)rand();
	r[6] = (r[6] & 0x0f) | 0x40; /* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	hex_encode(r, sizeof(r), h);
	snprintf(t->id, sizeof(t->id), "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
		 h + 20);
	t->started = t->updated = time(NULL);
}

/* ---- JSON ------------------------------------------------------------------ */

static void jstr(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void jint(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

char *state_txn_json(const struct txn *t)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char *s;

	jstr(o, "schema", "fwtool.transaction/1");
	jstr(o, "id", t->id);
	jstr(o, "state", txn_state_name(t->state));
	jstr(o, "phase", t->phase);
	jint(o, "done", (int64_t)t->done);
	jint(o, "total", (int64_t)t->total);
	jstr(o, "bundle", t->bundle);
	jstr(o, "version", t->version);
	jint(o, "security_version", (int64_t)t->security_version);
	jstr(o, "target", t->target);
	jstr(o, "previous", t->previous);
	for (unsigned i = 0; i < t->nslots; i++)
		json_object_array_add(a, json_object_new_string(t->slots[i]));
	json_object_object_add(o, "slots", a);
	jint(o, "started", t->started);
	jint(o, "updated", t->updated);
	jint(o, "ended", t->ended);
	jstr(o, "reason", t->reason);
	jstr(o, "detail", t->detail);
	a = json_object_new_array();
	for (unsigned i = 0; i < t->nchecks; i++) {
		const struct txn_check *c = &t->checks[i];
		json_object *co = json_object_new_object();

		jstr(co, "name", c->name);
		json_object_object_add(co, "required", json_object_new_boolean(c->required));
		json_object_object_add(co, "passed", json_object_new_boolean(c->passed));
		jint(co, "duration_ms", c->duration_ms);
		jstr(co, "output", c->tail);
		json_object_array_add(a, co);
	}
	json_object_object_add(o, "checks", a);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static void gstr(json_object *o, const char *k, char *out, size_t size)
{
	json_object *v;

	if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, size, "%s", json_object_get_string(v));
}

static int64_t gint(json_object *o, const char *k)
{
	json_object *v;

	if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

static int gbool(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static void parse_lists(struct txn *t, json_object *o)
{
	json_object *a;

	if (json_object_object_get_ex(o, "slots", &a) && json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a) && i < FW_IMAGES_MAX; i++) {
			json_object *v = json_object_array_get_idx(a, i);

			if (json_object_is_type(v, json_type_string))
				snprintf(t->slots[t->nslots++], sizeof(t->slots[0]), "%s",
					 json_object_get_string(v));
		}
	if (json_object_object_get_ex(o, "checks", &a) && json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a) && i < FW_CHECKS_MAX; i++) {
			json_object *c = json_object_array_get_idx(a, i);
			struct txn_check *k = &t->checks[t->nchecks];

			if (!json_object_is_type(c, json_type_object))
				continue;
			gstr(c, "name", k->name, sizeof(k->name));
			gstr(c, "output", k->tail, sizeof(k->tail));
			k->required = gbool(c, "required");
			k->passed = gbool(c, "passed");
			k->duration_ms = (unsigned)gint(c, "duration_ms");
			t->nchecks++;
		}
}

int state_txn_parse(struct txn *t, const char *json, size_t len, struct fw_err *err)
{
	struct json_tokener *tok = json_tokener_new_ex(6);
	json_object *o;
	char st[24] = "";

	memset(t, 0, sizeof(*t));
	if (!tok)
		return fw_error(err, FW_ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return fw_error(err, FW_EFORMAT, "transaction record is not a JSON object");
	}
	gstr(o, "id", t->id, sizeof(t->id));
	gstr(o, "state", st, sizeof(st));
	for (unsigned i = 0; i < sizeof(state_names) / sizeof(*state_names); i++)
		if (!strcmp(st, state_names[i]))
			t->state = (enum txn_state)i;
	gstr(o, "phase", t->phase, sizeof(t->phase));
	t->done = (uint64_t)gint(o, "done");
	t->total = (uint64_t)gint(o, "total");
	gstr(o, "bundle", t->bundle, sizeof(t->bundle));
	gstr(o, "version", t->version, sizeof(t->version));
	t->security_version = (uint64_t)gint(o, "security_version");
	gstr(o, "target", t->target, sizeof(t->target));
	gstr(o, "previous", t->previous, sizeof(t->previous));
	t->started = gint(o, "started");
	t->updated = gint(o, "updated");
	t->ended = gint(o, "ended");
	gstr(o, "reason", t->reason, sizeof(t->reason));
	gstr(o, "detail", t->detail, sizeof(t->detail));
	parse_lists(t, o);
	json_object_put(o);
	if (!t->id[0] || t->state == TXN_NONE)
		return fw_error(err, FW_EFORMAT, "transaction record without id or state");
	return 0;
}

/* ---- transaction and history ---------------------------------------------- */

int state_txn_load(const char *dir, struct txn *t, struct fw_err *err)
{
	char path[FW_PATH_LEN], *buf = NULL;
	size_t len;
	int ret;

	path_of(path, sizeof(path), dir, "transaction.json");
	ret = atomicfile_read(path, FW_STATE_MAX, &buf, &len, err);
	if (!ret) {
		ret = state_txn_parse(t, buf, len, err);
		if (ret)
			fw_error_prefix(err, "%s", path);
	}
	free(buf);
	return ret;
}

int state_txn_save(const char *dir, struct txn *t, struct fw_err *err)
{
	char path[FW_PATH_LEN], *json;
	int ret;

	mkdir(dir, 0755);
	t->updated = time(NULL);
	json = state_txn_json(t);
	if (!json)
		return fw_error(err, FW_ENOMEM, "out of memory");
	path_of(path, sizeof(path), dir, "transaction.json");
	ret = atomicfile_write(path, json, strlen(json), err);
	free(json);
	return ret;
}

static int last_history_id(const char *dir, char *id, size_t size, struct fw_err *err);

static int append_history(const char *dir, const struct txn *t, struct fw_err *err)
{
	char path[FW_PATH_LEN], *json = state_txn_json(t), *line;
	int ret;

	if (!json)
		return fw_error(err, FW_ENOMEM, "out of memory");
	line = realloc(json, strlen(json) + 2);
	if (!line) {
		free(json);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	strcat(line, "\n");
	path_of(path, sizeof(path), dir, "history.jsonl");
	ret = atomicfile_append(path, line, strlen(line), err);
	free(line);
	return ret;
}

int state_txn_end(const char *dir, struct txn *t, enum txn_state end, const char *reason,
		  const char *detail, struct fw_err *err)
{
	int ret;

	t->state = end;
	t->ended = time(NULL);
	snprintf(t->reason, sizeof(t->reason), "%s", reason ? reason : "");
	snprintf(t->detail, sizeof(t->detail), "%s", detail ? detail : "");
	ret = state_txn_save(dir, t, err);
	if (!ret)
		ret = append_history(dir, t, err);
	return ret;
}

int state_history_sync(const char *dir, struct fw_err *err)
{
	char last[40] = "";
	struct txn t;
	int ret = state_txn_load(dir, &t, err);

	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		return 0;
	}
	if (ret || !txn_ended(t.state))
		return ret;
	ret = last_history_id(dir, last, sizeof(last), err);
	if (!ret && strcmp(last, t.id))
		ret = append_history(dir, &t, err);
	return ret;
}

struct last_ctx {
	char *id;
	size_t size;
};

static void remember_last(void *ctx, const struct txn *t)
{
	struct last_ctx *l = ctx;

	snprintf(l->id, l->size, "%s", t->id);
}

static int last_history_id(const char *dir, char *id, size_t size, struct fw_err *err)
{
	struct last_ctx l = {id, size};

	return state_history_each(dir, remember_last, &l, err);
}

int state_history_each(const char *dir, void (*fn)(void *ctx, const struct txn *t), void *ctx,
		       struct fw_err *err)
{
	char path[FW_PATH_LEN], line[FW_HISTORY_LINE_MAX];
	struct txn *t = malloc(sizeof(*t));
	FILE *f;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	path_of(path, sizeof(path), dir, "history.jsonl");
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct fw_err e2 = {0};
		size_t n = strlen(line);

		/* a line without its newline was torn by a power cut */
		if (!n || line[n - 1] != '\n')
			continue;
		if (!state_txn_parse(t, line, n, &e2))
			fn(ctx, t);
	}
	if (f)
		fclose(f);
	free(t);
	return 0;
}

/* ---- slots.json ------------------------------------------------------------- */

static json_object *load_slots(const char *dir)
{
	char path[FW_PATH_LEN], *buf = NULL;
	struct fw_err err = {0};
	json_object *o = NULL;

	path_of(path, sizeof(path), dir, "slots.json");
	if (!atomicfile_read(path, FW_STATE_MAX, &buf, NULL, &err))
		o = json_tokener_parse(buf);
	free(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

int state_slot_get(const char *dir, const char *slot, struct slot_record *r, struct fw_err *err)
{
	json_object *all = load_slots(dir), *o;
	char hex[HASH_HEX_LEN + 1] = "";
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!json_object_object_get_ex(all, slot, &o) ||
	    !json_object_is_type(o, json_type_object)) {
		ret = fw_error(err, FW_ENOTFOUND, "no record of slot %s", slot);
	} else {
		gstr(o, "version", r->version, sizeof(r->version));
		gstr(o, "sha256", hex, sizeof(hex));
		gstr(o, "transaction", r->txn, sizeof(r->txn));
		gstr(o, "status", r->status, sizeof(r->status));
		r->size = (uint64_t)gint(o, "size");
		r->time = gint(o, "time");
		if (strlen(hex) != HASH_HEX_LEN || hex_decode(hex, HASH_LEN, r->sha256))
			memset(r->sha256, 0, HASH_LEN);
	}
	json_object_put(all);
	return ret;
}

int state_slot_put(const char *dir, const char *slot, const struct slot_record *r,
		   struct fw_err *err)
{
	json_object *all = load_slots(dir), *o = json_object_new_object();
	char path[FW_PATH_LEN], hex[HASH_HEX_LEN + 1];
	const char *s;
	int ret;

	hex_encode(r->sha256, HASH_LEN, hex);
	jstr(o, "version", r->version);
	jstr(o, "sha256", hex);
	jint(o, "size", (int64_t)r->size);
	jstr(o, "transaction", r->txn);
	jstr(o, "status", r->status);
	jint(o, "time", r->time);
	json_object_object_add(all, slot, o);
	s = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY);
	mkdir(dir, 0755);
	path_of(path, sizeof(path), dir, "slots.json");
	ret = atomicfile_write(path, s, strlen(s), err);
	json_object_put(all);
	return ret;
}

/* ---- security version ------------------------------------------------------ */

int state_secver_get(const char *statedir, uint64_t *secverp, struct fw_err *err)
{
	char path[FW_PATH_LEN], *buf = NULL, *end;
	unsigned long long v;
	int ret;

	*secverp = 0;
	path_of(path, sizeof(path), statedir, "security-version");
	ret = atomicfile_read(path, 64, &buf, NULL, err);
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		return 0;
	}
	if (ret)
		return ret;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > FW_SECVER_MAX)
		ret = fw_error(err, FW_EFORMAT, "%s: not a security version", path);
	else
		*secverp = v;
	free(buf);
	return ret;
}

int state_secver_raise(const char *statedir, uint64_t secver, struct fw_err *err)
{
	char path[FW_PATH_LEN], text[32];
	uint64_t cur;
	int ret = state_secver_get(statedir, &cur, err);

	if (ret || secver <= cur)
		return ret;
	mkdir(statedir, 0755);
	path_of(path, sizeof(path), statedir, "security-version");
	snprintf(text, sizeof(text), "%" PRIu64 "\n", secver);
	return atomicfile_write(path, text, strlen(text), err);
}
