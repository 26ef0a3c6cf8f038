// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "hex.h"
#include "install.h"
#include "output.h"
#include "txn.h"
#include "state.h"

static int compact;

void output_set_compact(int c)
{
	compact = c;
}

/* Print and free a document. */
static void emit(json_object *doc)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= compact ? JSON_C_TO_STRING_PLAIN
			 : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	puts(json_object_to_json_string_ext(doc, flags));
	fflush(stdout);
	json_object_put(doc);
}

static json_object *doc_new(const char *schema)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "schema", json_object_new_string(schema));
	return doc;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void fmt_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void output_error(int json, const struct fw_err *err, const char *txn_id)
{
	json_object *doc, *e;

	fprintf(stderr, "fwtool: %s\n", err->msg);
	if (!json)
		return;
	doc = doc_new("fwtool.error/1");
	e = json_object_new_object();
	add_str(e, "code", fw_errcode_name(err->code));
	json_object_object_add(e, "exit", json_object_new_int(fw_exit_status(err->code)));
	add_str(e, "message", err->msg);
	json_object_object_add(doc, "error", e);
	if (txn_id && txn_id[0])
		add_str(doc, "transaction", txn_id);
	emit(doc);
}

static json_object *manifest_json(const struct manifest *m)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char t[32], hex[HASH_HEX_LEN + 1];

	json_object_object_add(o, "format", json_object_new_int((int)m->format));
	add_str(o, "version", m->version);
	add_u64(o, "security_version", m->security_version);
	for (unsigned i = 0; i < m->ncompatible; i++)
		json_object_array_add(arr, json_object_new_string(m->compatible[i]));
	json_object_object_add(o, "compatible", arr);
	fmt_time(m->created, t, sizeof(t));
	add_str(o, "created", t);
	add_str(o, "description", m->description);
	arr = json_object_new_array();
	for (unsigned i = 0; i < m->nimages; i++) {
		const struct manifest_image *img = &m->images[i];
		json_object *io = json_object_new_object();

		add_str(io, "class", img->class);
		add_str(io, "file", img->file);
		add_u64(io, "size", img->size);
		add_u64(io, "installed_size", img->installed_size);
		add_str(io, "compression", comp_name(img->compression));
		hex_encode(img->sha256, HASH_LEN, hex);
		add_str(io, "sha256", hex);
		add_u64(io, "chunk_size", img->chunk_size);
		add_u64(io, "chunks", img->nchunks);
		if (img->frame_at)
			json_object_object_add(io, "seekable", json_object_new_boolean(1));
		if (img->fit) {
			json_object *f = json_object_new_object();

			add_str(f, "config", img->fit_config);
			json_object_object_add(io, "fit", f);
		}
		json_object_array_add(arr, io);
	}
	json_object_object_add(o, "images", arr);
	return o;
}

static void human_size(uint64_t n, char *out, size_t size)
{
	if (n >= (1u << 20))
		snprintf(out, size, "%.1f MiB", (double)n / 1048576.0);
	else
		snprintf(out, size, "%llu B", (unsigned long long)n);
}

static void print_manifest(const struct manifest *m)
{
	char t[32], a[32], b[32], hex[HASH_HEX_LEN + 1];

	printf("version:    %s (security version %llu)\n", m->version,
	       (unsigned long long)m->security_version);
	printf("compatible:");
	for (unsigned i = 0; i < m->ncompatible; i++)
		printf(" %s", m->compatible[i]);
	fmt_time(m->created, t, sizeof(t));
	printf("\ncreated:    %s\n", t);
	if (m->description[0])
		printf("about:      %s\n", m->description);
	printf("images:\n");
	for (unsigned i = 0; i < m->nimages; i++) {
		const struct manifest_image *img = &m->images[i];

		human_size(img->size, a, sizeof(a));
		human_size(img->installed_size, b, sizeof(b));
		hex_encode(img->sha256, HASH_LEN, hex);
		printf("  %-12s %-20s %-4s %10s -> %10s  sha256 %.16s…\n", img->class, img->file,
		       comp_name(img->compression), a, b, hex);
		if (img->frame_at)
			printf("  %-12s seekable: %u frames of %u bytes installed\n", "",
			       img->nchunks, img->chunk_size);
		if (img->fit)
			printf("  %-12s a U-Boot FIT, configuration %s\n", "",
			       img->fit_config[0] ? img->fit_config : "(its default)");
	}
}

/* What was checked of each FIT image, as U-Boot's bootm will check it. */
static void print_fit(const struct fit_result *f)
{
	printf("fit:        configuration %s: %s, verified with %s\n", f->conf, f->algo, f->keys);
	for (unsigned i = 0; i < f->nimages; i++)
		printf("            image %s (%llu bytes): %s\n", f->images[i].name,
		       (unsigned long long)f->images[i].size, f->images[i].hashes);
}

static json_object *fit_json(const struct fit_result *f)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array(), *keys;
	char buf[sizeof(f->keys)], *save = NULL;

	add_str(o, "config", f->conf);
	add_str(o, "algo", f->algo);
	keys = json_object_new_array();
	snprintf(buf, sizeof(buf), "%s", f->keys);
	for (char *k = strtok_r(buf, " ", &save); k; k = strtok_r(NULL, " ", &save))
		json_object_array_add(keys, json_object_new_string(k));
	json_object_object_add(o, "keys", keys);
	for (unsigned i = 0; i < f->nimages; i++) {
		json_object *io = json_object_new_object();

		add_str(io, "name", f->images[i].name);
		add_u64(io, "size", f->images[i].size);
		add_str(io, "hashes", f->images[i].hashes);
		json_object_array_add(arr, io);
	}
	json_object_object_add(o, "images", arr);
	return o;
}

void output_bundle(int json, const char *path, const struct verified *v, const char *result)
{
	json_object *doc, *s;

	if (!json) {
		printf("bundle:     %s\n", path);
		if (v->signature_ok)
			printf("signature:  verified, signed by %s\n", v->signer.subject);
		else
			printf("signature:  NOT VERIFIED (--no-verify): claims %s\n",
			       v->signer.subject[0] ? v->signer.subject : "no signer");
		print_manifest(&v->m);
		for (unsigned i = 0; i < FW_IMAGES_MAX; i++)
			if (v->fit[i])
				print_fit(v->fit[i]);
		if (result)
			printf("result:     %s: signature, chain, every chunk and image hash, "
			       "compatibility and version policy\n",
			       result);
		return;
	}
	doc = doc_new(result ? "fwtool.verify/1" : "fwtool.info/1");
	add_str(doc, "bundle", path);
	json_object_object_add(doc, "verified", json_object_new_boolean(v->signature_ok));
	s = json_object_new_object();
	add_str(s, "subject", v->signer.subject);
	add_str(s, "issuer", v->signer.issuer);
	json_object_object_add(doc, "signer", s);
	json_object_object_add(doc, "manifest", manifest_json(&v->m));
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++) {
		json_object *arr = json_object_object_get(doc, "manifest");

		if (v->fit[i] && json_object_object_get_ex(arr, "images", &arr))
			json_object_object_add(json_object_array_get_idx(arr, i), "fit_checked",
					       fit_json(v->fit[i]));
	}
	if (result)
		add_str(doc, "result", result);
	emit(doc);
}

void output_board(int json, const struct board *b)
{
	json_object *doc, *arr;

	if (!json) {
		printf("source:     %s\n", b->source);
		if (b->model[0])
			printf("model:      %s\n", b->model);
		for (unsigned i = 0; i < b->n; i++)
			printf("compatible: %s\n", b->strings[i]);
		return;
	}
	doc = doc_new("fwtool.board/1");
	add_str(doc, "source", b->source);
	add_str(doc, "model", b->model);
	arr = json_object_new_array();
	for (unsigned i = 0; i < b->n; i++)
		json_object_array_add(arr, json_object_new_string(b->strings[i]));
	json_object_object_add(doc, "compatible", arr);
	emit(doc);
}

void output_created(int json, const char *path, const struct manifest *m)
{
	json_object *doc;

	if (!json) {
		printf("created %s: version %s, %u image(s)\n", path, m->version, m->nimages);
		return;
	}
	doc = doc_new("fwtool.bundle/1");
	add_str(doc, "bundle", path);
	json_object_object_add(doc, "manifest", manifest_json(m));
	emit(doc);
}

/* ---- transactions, install, status ---------------------------------------- */

static json_object *txn_json(const struct txn *t)
{
	char *s = state_txn_json(t);
	json_object *o = s ? json_tokener_parse(s) : NULL;

	free(s);
	if (o)
		json_object_object_del(o, "schema");
	return o ? o : json_object_new_null();
}

/*
 * A check's output and the detail made from it are the check's words, not
 * ours: on a terminal a control character (an escape sequence) is shown
 * as \xNN, never obeyed.
 */
static void print_untrusted(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 && ch != '\t')
			printf("\\x%02x", ch);
		else if (ch == 0x7f)
			printf("\\x7f");
		else
			putchar(ch);
	}
}
static void print_txn(const struct txn *t)
{
	char when[32];

	fmt_time((time_t)(t->ended ? t->ended : t->updated), when, sizeof(when));
	printf("transaction %s", t->id);
	if (t->kind[0] && strcmp(t->kind, "install"))
		printf(" (%s)", t->kind);
	printf(": %s", txn_state_name(t->state));
	if (t->reason[0])
		printf(" (%s)", t->reason);
	/* a recovery has no previous slot: nothing of the target was running */
	printf("\n  bundle %s, version %s, %s -> %s, %s\n", t->bundle,
	       t->version[0] ? t->version : "?", t->previous[0] ? t->previous : "recovery",
	       t->target[0] ? t->target : "?", when);
	if (t->fetched || t->copied)
		printf("  downloaded %llu bytes, %llu read from the slots instead\n",
		       (unsigned long long)t->fetched, (unsigned long long)t->copied);
	if (t->retries)
		printf("  download resumed %u time%s\n", t->retries, t->retries == 1 ? "" : "s");
	if (!txn_ended(t->state) && t->phase[0]) {
		printf("  phase: %s", t->phase);
		if (t->total)
			printf(" (%llu%%)", (unsigned long long)(t->done * 100 / t->total));
		printf("\n");
	}
	if (t->detail[0]) {
		printf("  ");
		print_untrusted(t->detail, strlen(t->detail));
		printf("\n");
	}
	for (unsigned i = 0; i < t->nchecks; i++) {
		const struct txn_check *c = &t->checks[i];

		printf("  check %-16s %s%s (%u ms)\n", c->name, c->passed ? "passed" : "FAILED",
		       c->required ? "" : " (wanted)", c->duration_ms);
		if (!c->passed && c->tail[0]) {
			printf("    | ");
			print_untrusted(c->tail, strcspn(c->tail, "\n"));
			printf("\n");
		}
	}
}

void output_txn(int json, const struct txn *t)
{
	char *s;

	if (!json) {
		print_txn(t);
		return;
	}
	s = state_txn_json(t); /* fwtool.transaction/1, "schema" first */
	if (s)
		emit(json_tokener_parse(s));
	free(s);
}

void output_install(int json, const char *schema, const struct install_result *res)
{
	json_object *doc, *arr;
	int running = !strcmp(res->nothing, "running");

	if (!json && res->nothing[0]) {
		if (running)
			printf("version %s runs in slot %s, confirmed: nothing to do\n",
			       res->txn.version, res->txn.target);
		else
			printf("version %s is on trial already: transaction %s tries slot %s at "
			       "the "
			       "next boot\n",
			       res->txn.version, res->txn.id, res->txn.target);
		return;
	}
	if (!json) {
		for (unsigned i = 0; i < res->nimages; i++)
			printf("%s: %s\n", res->slot[i],
			       res->skipped[i] ? "already installed (verified), not rewritten"
					       : "written and verified");
		print_txn(&res->txn);
		return;
	}
	doc = doc_new(schema);
	json_object_object_add(doc, "skipped",
			       res->nothing[0] ? json_object_new_string(res->nothing) : NULL);
	if (running)
		add_str(doc, "version", res->txn.version);
	json_object_object_add(doc, "transaction", running ? NULL : txn_json(&res->txn));
	arr = json_object_new_array();
	for (unsigned i = 0; i < res->nimages; i++) {
		json_object *o = json_object_new_object();

		add_str(o, "slot", res->slot[i]);
		add_str(o, "result", res->skipped[i] ? "already-installed" : "written");
		json_object_array_add(arr, o);
	}
	json_object_object_add(doc, "images", arr);
	emit(doc);
}

static json_object *running_json(const struct txn_running *r)
{
	json_object *o = json_object_new_object();

	add_str(o, "bootname", r->bootname);
	json_object_object_add(o, "version",
			       r->version[0] ? json_object_new_string(r->version) : NULL);
	add_u64(o, "security_version", r->security_version);
	json_object_object_add(o, "confirmed", json_object_new_boolean(r->confirmed));
	json_object_object_add(o, "on_trial", json_object_new_boolean(r->on_trial));
	return o;
}

static void print_status(const struct output_status *st)
{
	const struct txn_running *r = st->running;

	printf("bootloader: %s\nbooted:     %s\nprimary:    %s\n", st->bootloader, st->booted,
	       st->primary[0] ? st->primary : "(none)");
	if (r)
		printf("running:    %s (%s)\n",
		       r->version[0] ? r->version : "what the board came with",
		       r->confirmed  ? "confirmed"
		       : r->on_trial ? "on trial"
				     : "not confirmed");
	printf("security version floor: %llu\nslots:\n", (unsigned long long)st->secver);
	for (unsigned i = 0; i < st->nslots; i++) {
		const struct output_slot *s = &st->slots[i];

		printf("  %-12s %-2s %-8s %-7s %2u tries  %-10s %s%s\n", s->name, s->bootname,
		       s->boot, s->type, s->left, s->rec ? s->rec->version : "-", s->device,
		       s->booted ? "  (booted)" : "");
	}
	if (st->txn)
		print_txn(st->txn);
	for (unsigned i = 0; i < st->nerrors; i++)
		printf("cannot read: %s\n", st->errors[i]);
}

void output_status(int json, const struct output_status *st)
{
	char hex[HASH_HEX_LEN + 1];
	json_object *doc, *arr;

	if (!json) {
		print_status(st);
		return;
	}
	doc = doc_new("fwtool.status/1");
	add_str(doc, "bootloader", st->bootloader);
	add_str(doc, "booted", st->booted);
	add_str(doc, "primary", st->primary);
	add_u64(doc, "security_version", st->secver);
	json_object_object_add(doc, "running", st->running ? running_json(st->running) : NULL);
	arr = json_object_new_array();
	for (unsigned i = 0; i < st->nslots; i++) {
		const struct output_slot *s = &st->slots[i];
		json_object *o = json_object_new_object(), *b = json_object_new_object();

		add_str(o, "name", s->name);
		add_str(o, "class", s->class);
		add_str(o, "bootname", s->bootname);
		add_str(o, "device", s->device);
		add_str(o, "type", s->type);
		json_object_object_add(o, "booted", json_object_new_boolean(s->booted));
		add_str(b, "state", s->boot);
		add_u64(b, "tries_left", s->left);
		json_object_object_add(o, "boot", b);
		if (s->rec) {
			json_object *in = json_object_new_object();

			add_str(in, "version", s->rec->version);
			hex_encode(s->rec->sha256, HASH_LEN, hex);
			add_str(in, "sha256", hex);
			add_u64(in, "size", s->rec->size);
			add_str(in, "transaction", s->rec->txn);
			add_str(in, "status", s->rec->status);
			add_u64(in, "security_version", s->rec->security_version);
			json_object_object_add(in, "confirmed",
					       json_object_new_boolean(s->rec->confirmed));
			json_object_object_add(in, "factory",
					       json_object_new_boolean(s->rec->factory));
			json_object_object_add(o, "installed", in);
		} else {
			json_object_object_add(o, "installed", NULL);
		}
		json_object_array_add(arr, o);
	}
	json_object_object_add(doc, "slots", arr);
	json_object_object_add(doc, "transaction", st->txn ? txn_json(st->txn) : NULL);
	arr = json_object_new_array();
	for (unsigned i = 0; i < st->nerrors; i++)
		json_object_array_add(arr, json_object_new_string(st->errors[i]));
	json_object_object_add(doc, "errors", arr);
	emit(doc);
}

void output_wait(int json, const struct txn *t, int code, const char *msg)
{
	static const struct {
		int code;
		const char *result;
	} results[] = {
		{FW_EROLLEDBACK, "rolled-back"},  {FW_ETIMEDOUT, "timeout"},
		{FW_ENOTACTIVE, "not-activated"}, {FW_ENOTXN, "unknown"},
		{FW_ECORRUPT, "corrupt"},
	};
	const char *result = code ? "error" : "confirmed";
	json_object *doc, *arr;

	if (!json) {
		if (t)
			print_txn(t);
		return;
	}
	for (size_t i = 0; i < sizeof(results) / sizeof(*results); i++)
		if (results[i].code == code)
			result = results[i].result;
	if (code == FW_EIO && t && t->state == TXN_FAILED)
		result = "failed";
	if (code && msg[0])
		fprintf(stderr, "fwtool: %s\n", msg);
	doc = doc_new("fwtool.wait/1");
	add_str(doc, "result", result);
	json_object_object_add(doc, "exit", json_object_new_int(fw_exit_status(code)));
	add_str(doc, "message", msg);
	/* confirmed, but a wanted check failed: flag the host, go on */
	arr = json_object_new_array();
	for (unsigned i = 0; t && t->state == TXN_CONFIRMED && i < t->nchecks; i++)
		if (!t->checks[i].required && !t->checks[i].passed)
			json_object_array_add(arr, json_object_new_string(t->checks[i].name));
	json_object_object_add(doc, "degraded",
			       json_object_new_boolean(json_object_array_length(arr) > 0));
	json_object_object_add(doc, "degraded_checks", arr);
	json_object_object_add(doc, "transaction", t ? txn_json(t) : NULL);
	emit(doc);
}

/*
 * History is streamed, one record a line, so that 100,000 past transactions
 * cost no more memory than one: the records are already compact JSON.
 */
static unsigned history_items;

void output_history_begin(int json)
{
	history_items = 0;
	if (json)
		printf("{\"schema\": \"fwtool.history/1\", \"transactions\": [");
}

void output_history_item(int json, const struct txn *t)
{
	static const char prefix[] = "{\"schema\":\"fwtool.transaction/1\",";
	char *s;

	if (!json) {
		print_txn(t);
		return;
	}
	s = state_txn_json(t);
	if (!s)
		return;
	printf("%s\n {%s", history_items++ ? "," : "",
	       strncmp(s, prefix, sizeof(prefix) - 1) ? s + 1 : s + sizeof(prefix) - 1);
	free(s);
}

void output_history_end(int json)
{
	if (json)
		printf("%s]}\n", history_items ? "\n" : "");
	fflush(stdout);
}

void output_mark(int json, const char *action, const char *slot, const char *bootname,
		 const struct txn *t)
{
	json_object *doc;

	if (!json) {
		printf("%s: %s (bootname %s)\n", action, slot, bootname);
		if (t)
			print_txn(t);
		return;
	}
	doc = doc_new("fwtool.mark/1");
	add_str(doc, "action", action);
	add_str(doc, "slot", slot);
	add_str(doc, "bootname", bootname);
	json_object_object_add(doc, "transaction", t ? txn_json(t) : NULL);
	emit(doc);
}

void output_usb(int json, const struct usb_info *u, unsigned n)
{
	json_object *doc, *arr;

	if (!json) {
		if (!n)
			printf("no USB devices\n");
		for (unsigned i = 0; i < n; i++) {
			printf("%04x:%04x  %-10s %s%s%s%s\n", u[i].vid, u[i].pid, u[i].path,
			       u[i].product[0] ? u[i].product : "(no name)",
			       u[i].serial[0] ? "  serial " : "", u[i].serial,
			       u[i].mass_storage ? "  [mass storage]" : "");
			for (unsigned k = 0; k < u[i].ndfu; k++) {
				const struct usb_dfu_iface *f = &u[i].dfu[k];

				printf("    dfu %s: interface %u alt %u '%s', transfer %u, "
				       "%s%s%s\n",
				       f->runtime ? "runtime" : "mode", f->number, f->alt, f->name,
				       f->transfer_size,
				       f->attributes & DFU_CAN_DOWNLOAD ? "download" : "",
				       f->attributes & DFU_CAN_UPLOAD ? " upload" : "",
				       f->attributes & DFU_MANIFEST_TOLERANT ? " manifest-tolerant"
									     : "");
			}
		}
		return;
	}
	doc = doc_new("fwtool.usb/1");
	arr = json_object_new_array();
	for (unsigned i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *dfu = json_object_new_array();
		char id[10];

		snprintf(id, sizeof(id), "%04x:%04x", u[i].vid, u[i].pid);
		add_str(o, "id", id);
		add_str(o, "path", u[i].path);
		add_u64(o, "bus", u[i].bus);
		add_u64(o, "address", u[i].address);
		add_u64(o, "class", u[i].dev_class);
		add_str(o, "product", u[i].product);
		add_str(o, "serial", u[i].serial);
		json_object_object_add(o, "mass_storage",
				       json_object_new_boolean(u[i].mass_storage));
		for (unsigned k = 0; k < u[i].ndfu; k++) {
			const struct usb_dfu_iface *f = &u[i].dfu[k];
			json_object *d = json_object_new_object();

			add_str(d, "mode", f->runtime ? "runtime" : "dfu");
			add_u64(d, "interface", f->number);
			add_u64(d, "alt", f->alt);
			add_str(d, "name", f->name);
			add_u64(d, "transfer_size", f->transfer_size);
			add_u64(d, "attributes", f->attributes);
			json_object_array_add(dfu, d);
		}
		json_object_object_add(o, "dfu", dfu);
		json_object_array_add(arr, o);
	}
	json_object_object_add(doc, "devices", arr);
	emit(doc);
}
