// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomicfile.h"
#include "fdio.h"
#include "hex.h"
#include "state.h"

static const char *const state_names[] = {
	[TXN_NONE] = "none",
	[TXN_INSTALLING] = "installing",
	[TXN_INSTALLED] = "installed",
	[TXN_ACTIVATED] = "activated",
	[TXN_RECOVERED] = "recovered",
	[TXN_CONFIRMED] = "confirmed",
	[TXN_ROLLED_BACK] = "rolled-back",
	[TXN_FAILED] = "failed",
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

/* The last @keep bytes of a check's output, from a character's start. */
static const char *tail_from(const char *tail, size_t keep)
{
	size_t n = strlen(tail);
	const char *p = n > keep ? tail + n - keep : tail;

	while (*p && ((unsigned char)*p & 0xc0) == 0x80)
		p++;
	return p;
}

static char *encode(const struct txn *t, size_t keep)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char *s;

	jstr(o, "schema", "fwtool.transaction/1");
	jstr(o, "id", t->id);
	jstr(o, "kind", t->kind);
	jstr(o, "state", txn_state_name(t->state));
	jstr(o, "phase", t->phase);
	jint(o, "done", (int64_t)t->done);
	jint(o, "total", (int64_t)t->total);
	jstr(o, "bundle", t->bundle);
	jint(o, "retries", t->retries);
	jint(o, "fetched", (int64_t)t->fetched);
	jint(o, "copied", (int64_t)t->copied);
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
	json_object_object_add(o, "ignored_compatible",
			       json_object_new_boolean(t->ignored_compatible));
	a = json_object_new_array();
	for (unsigned i = 0; i < t->nchecks; i++) {
		const struct txn_check *c = &t->checks[i];
		json_object *co = json_object_new_object();

		jstr(co, "name", c->name);
		json_object_object_add(co, "required", json_object_new_boolean(c->required));
		json_object_object_add(co, "passed", json_object_new_boolean(c->passed));
		jint(co, "duration_ms", c->duration_ms);
		jstr(co, "output", tail_from(c->tail, keep));
		json_object_array_add(a, co);
	}
	json_object_object_add(o, "checks", a);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/*
 * A record is bounded when it is written, not when it is read: 32 checks
 * of 2 KiB of control characters escape to 390 KB. Cut every output's
 * kept tail in half until the record fits; with none kept it always does.
 */
char *state_txn_json(const struct txn *t)
{
	for (size_t keep = FW_CHECK_TAIL;; keep /= 2) {
		char *s = encode(t, keep);

		if (!s || strlen(s) <= FW_TXN_JSON_MAX || !keep)
			return s;
		free(s);
	}
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
	gstr(o, "kind", t->kind, sizeof(t->kind));
	gstr(o, "state", st, sizeof(st));
	for (unsigned i = 0; i < sizeof(state_names) / sizeof(*state_names); i++)
		if (!strcmp(st, state_names[i]))
			t->state = (enum txn_state)i;
	gstr(o, "phase", t->phase, sizeof(t->phase));
	t->done = (uint64_t)gint(o, "done");
	t->total = (uint64_t)gint(o, "total");
	gstr(o, "bundle", t->bundle, sizeof(t->bundle));
	t->retries = (unsigned)gint(o, "retries");
	t->fetched = (uint64_t)gint(o, "fetched");
	t->copied = (uint64_t)gint(o, "copied");
	gstr(o, "version", t->version, sizeof(t->version));
	t->security_version = (uint64_t)gint(o, "security_version");
	gstr(o, "target", t->target, sizeof(t->target));
	gstr(o, "previous", t->previous, sizeof(t->previous));
	t->started = gint(o, "started");
	t->updated = gint(o, "updated");
	t->ended = gint(o, "ended");
	gstr(o, "reason", t->reason, sizeof(t->reason));
	gstr(o, "detail", t->detail, sizeof(t->detail));
	t->ignored_compatible = gbool(o, "ignored_compatible");
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
	ret = fd_read_file(path, FW_STATE_MAX, &buf, &len, err);
	if (ret == FW_ENOTFOUND)
		ret = fw_error(err, FW_ENOTXN, "no transaction yet");
	else if (ret == FW_EFORMAT || (!ret && state_txn_parse(t, buf, len, err)))
		ret = fw_error(err, FW_ECORRUPT,
			       "%s is corrupt (%s); move it aside to start over: the slots keep "
			       "what slots.json says of them",
			       path, err->msg);
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

int state_history_append(const char *dir, const struct txn *t, struct fw_err *err)
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
	mkdir(dir, 0755);
	path_of(path, sizeof(path), dir, "history.jsonl");
	ret = atomicfile_append(path, line, strlen(line), err);
	free(line);
	return ret;
}

/*
 * History is read from its end: the last id, a transaction to wait for,
 * where --since starts, all without reading what came before. @fn gets
 * each whole line (newline-terminated, at most FW_HISTORY_LINE_MAX bytes)
 * from the last to the first, with its offset, until it returns 1.
 */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, off_t off);

static int scan_back(const char *path, line_fn fn, void *ctx, struct fw_err *err)
{
	enum { BLK = 64 << 10 };
	char *blk = malloc(BLK), *line = malloc(FW_HISTORY_LINE_MAX + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0, ended = 0, over = 0;
	off_t pos = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	size_t llen = 0;

	if (fd < 0 && errno != ENOENT)
		ret = fw_error(err, FW_EIO, "open %s: %s", path, strerror(errno));
	else if (!blk || !line)
		ret = fw_error(err, FW_ENOMEM, "out of memory");
	while (!ret && fd >= 0 && pos > 0) {
		size_t n = pos > BLK ? BLK : (size_t)pos;

		pos -= (off_t)n;
		if (pread(fd, blk, n, pos) != (ssize_t)n) {
			ret = fw_error(err, FW_EIO, "read %s: %s", path, strerror(errno));
			break;
		}
		for (size_t i = n; i-- > 0 && ret == 0;) {
			if (blk[i] != '\n') {
				/* bytes after the last newline are a torn record */
				if (ended && llen < FW_HISTORY_LINE_MAX)
					line[llen++] = blk[i];
				else
					over |= ended;
				continue;
			}
			if (ended && llen && !over) {
				for (size_t a = 0, b = llen - 1; a < b; a++, b--) {
					char c = line[a];

					line[a] = line[b];
					line[b] = c;
				}
				line[llen] = '\0';
				ret = fn(ctx, line, llen, pos + (off_t)i + 1);
			}
			ended = 1;
			llen = 0;
			over = 0;
		}
	}
	if (!ret && ended && llen && !over) {
		for (size_t a = 0, b = llen - 1; a < b; a++, b--) {
			char c = line[a];

			line[a] = line[b];
			line[b] = c;
		}
		line[llen] = '\0';
		ret = fn(ctx, line, llen, 0);
	}
	if (fd >= 0)
		close(fd);
	free(blk);
	free(line);
	return ret < 0 ? ret : 0;
}

struct find_ctx {
	const char *id;
	struct txn *t;
	off_t next; /* offset just after the record found */
	int found;
};

/* The line's id, without parsing all of it; "" when it has none. */
static void line_id(const char *line, char *id, size_t size)
{
	const char *p = strstr(line, "\"id\":\"");
	size_t n;

	id[0] = '\0';
	if (!p)
		return;
	p += 6;
	n = strcspn(p, "\"");
	if (p[n] == '"' && n < size)
		snprintf(id, size, "%.*s", (int)n, p);
}

static int find_line(void *ctx, const char *line, size_t len, off_t off)
{
	struct find_ctx *f = ctx;
	struct fw_err e = {0};
	char id[40];

	line_id(line, id, sizeof(id));
	if (f->id ? strcmp(id, f->id) : !id[0])
		return 0;
	if (f->t && state_txn_parse(f->t, line, len, &e))
		return 0; /* a damaged line is no record: keep looking */
	f->found = 1;
	f->next = off + (off_t)len + 1;
	return 1;
}

int state_history_last_id(const char *dir, char *id, size_t size, struct fw_err *err)
{
	char path[FW_PATH_LEN];
	struct txn *t = malloc(sizeof(*t));
	struct find_ctx f = {NULL, t, 0, 0};
	int ret;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	id[0] = '\0';
	path_of(path, sizeof(path), dir, "history.jsonl");
	ret = scan_back(path, find_line, &f, err);
	if (!ret && f.found)
		snprintf(id, size, "%s", t->id);
	free(t);
	return ret;
}

int state_history_find(const char *dir, const char *id, struct txn *t, struct fw_err *err)
{
	char path[FW_PATH_LEN];
	struct find_ctx f = {id, t, 0, 0};
	int ret;

	path_of(path, sizeof(path), dir, "history.jsonl");
	ret = scan_back(path, find_line, &f, err);
	if (!ret && !f.found)
		ret = fw_error(err, FW_ENOTXN, "no transaction %s", id);
	return ret;
}

int state_history_each(const char *dir, const char *since,
		       void (*fn)(void *ctx, const struct txn *t), void *ctx, struct fw_err *err)
{
	char path[FW_PATH_LEN], *line = NULL;
	struct find_ctx f = {since, NULL, 0, 0};
	struct txn *t = malloc(sizeof(*t));
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int ret = 0;

	if (!t)
		return fw_error(err, FW_ENOMEM, "out of memory");
	path_of(path, sizeof(path), dir, "history.jsonl");
	if (since) {
		ret = scan_back(path, find_line, &f, err);
		if (!ret && !f.found)
			ret = fw_error(err, FW_ENOTXN, "no transaction %s in history", since);
	}
	fp = ret ? NULL : fopen(path, "r");
	if (fp && f.next && fseeko(fp, f.next, SEEK_SET))
		ret = fw_error(err, FW_EIO, "seek %s: %s", path, strerror(errno));
	while (!ret && fp && (n = getline(&line, &cap, fp)) > 0) {
		struct fw_err e2 = {0};

		/* a line without its newline was torn by a power cut */
		if (line[n - 1] != '\n' || (size_t)n > FW_HISTORY_LINE_MAX)
			continue;
		if (!state_txn_parse(t, line, (size_t)n, &e2))
			fn(ctx, t);
	}
	if (fp)
		fclose(fp);
	free(line);
	free(t);
	return ret;
}

/* ---- slots.json ------------------------------------------------------------- */

static int load_slots(const char *dir, json_object **allp, struct fw_err *err)
{
	char path[FW_PATH_LEN], *buf = NULL;
	json_object *o = NULL;
	int ret;

	*allp = NULL;
	path_of(path, sizeof(path), dir, "slots.json");
	ret = fd_read_file(path, FW_STATE_MAX, &buf, NULL, err);
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		*allp = json_object_new_object();
		return 0;
	}
	if (!ret)
		o = json_tokener_parse(buf);
	free(buf);
	if (!ret && (!o || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		ret = fw_error(err, FW_ECORRUPT,
			       "%s is corrupt (not a JSON object); move it aside to start over: "
			       "every slot then counts as never written",
			       path);
	} else if (ret) {
		ret = fw_error_prefix(err, "slots.json");
	}
	if (!ret)
		*allp = o;
	return ret;
}

static int save_slots(const char *dir, json_object *all, struct fw_err *err)
{
	const char *s = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY);
	char path[FW_PATH_LEN];

	mkdir(dir, 0755);
	path_of(path, sizeof(path), dir, "slots.json");
	return atomicfile_write(path, s, strlen(s), err);
}

int state_slot_get(const char *dir, const char *slot, struct slot_record *r, struct fw_err *err)
{
	char hex[HASH_HEX_LEN + 1] = "";
	json_object *all, *o;
	int ret = load_slots(dir, &all, err);

	memset(r, 0, sizeof(*r));
	if (ret)
		return ret;
	if (!json_object_object_get_ex(all, slot, &o) ||
	    !json_object_is_type(o, json_type_object)) {
		ret = fw_error(err, FW_ENOTFOUND, "no record of slot %s", slot);
	} else {
		gstr(o, "version", r->version, sizeof(r->version));
		gstr(o, "sha256", hex, sizeof(hex));
		gstr(o, "transaction", r->txn, sizeof(r->txn));
		gstr(o, "status", r->status, sizeof(r->status));
		r->size = (uint64_t)gint(o, "size");
		r->security_version = (uint64_t)gint(o, "security_version");
		r->confirmed = gbool(o, "confirmed");
		r->factory = gbool(o, "factory");
		r->time = gint(o, "time");
		if (strlen(hex) != HASH_HEX_LEN || hex_decode(hex, HASH_LEN, r->sha256))
			memset(r->sha256, 0, HASH_LEN);
	}
	json_object_put(all);
	return ret;
}

static json_object *record_json(const struct slot_record *r)
{
	json_object *o = json_object_new_object();
	char hex[HASH_HEX_LEN + 1];

	hex_encode(r->sha256, HASH_LEN, hex);
	jstr(o, "version", r->version);
	jstr(o, "sha256", hex);
	jint(o, "size", (int64_t)r->size);
	jint(o, "security_version", (int64_t)r->security_version);
	jstr(o, "transaction", r->txn);
	jstr(o, "status", r->status);
	json_object_object_add(o, "confirmed", json_object_new_boolean(r->confirmed));
	if (r->factory)
		json_object_object_add(o, "factory", json_object_new_boolean(1));
	jint(o, "time", r->time);
	return o;
}

int state_slot_put(const char *dir, const char *slot, const struct slot_record *r,
		   struct fw_err *err)
{
	json_object *all;
	int ret = load_slots(dir, &all, err);

	if (ret)
		return ret;
	json_object_object_add(all, slot, record_json(r));
	ret = save_slots(dir, all, err);
	json_object_put(all);
	return ret;
}

int state_slots_confirm(const char *dir, const char *const *slots, unsigned n, struct fw_err *err)
{
	json_object *all, *o, *st;
	int ret = load_slots(dir, &all, err), changed = 0;

	for (unsigned i = 0; !ret && i < n; i++) {
		if (!json_object_object_get_ex(all, slots[i], &o) ||
		    !json_object_is_type(o, json_type_object)) {
			struct slot_record f = {.confirmed = 1, .factory = 1, .time = time(NULL)};

			snprintf(f.status, sizeof(f.status), "ok");
			json_object_object_add(all, slots[i], record_json(&f));
			changed = 1;
		} else if (json_object_object_get_ex(o, "status", &st) &&
			   !strcmp(json_object_get_string(st), "ok") && !gbool(o, "confirmed")) {
			json_object_object_add(o, "confirmed", json_object_new_boolean(1));
			changed = 1;
		}
	}
	if (!ret && changed)
		ret = save_slots(dir, all, err);
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
	ret = fd_read_file(path, 64, &buf, NULL, err);
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		return 0;
	}
	if (ret)
		return ret;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > FW_SECVER_MAX)
		ret = fw_error(err, FW_ECORRUPT,
			       "%s is corrupt: not a security version; write the floor the "
			       "board should have (the last confirmed bundle's) into it",
			       path);
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
