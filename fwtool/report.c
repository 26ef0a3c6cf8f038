// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "hex.h"
#include "report.h"

static int compact;

void report_set_compact(int c)
{
	compact = c;
}

/* Print and free a document. */
static void emit(json_object *doc)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= compact ? JSON_C_TO_STRING_PLAIN :
			   JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
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

void report_error(int json, const struct fw_err *err)
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
		printf("  %-12s %-20s %-4s %10s -> %10s  sha256 %.16s…\n",
		       img->class, img->file, comp_name(img->compression), a, b, hex);
	}
}

void report_bundle(int json, const char *path, const struct verified *v,
		   const char *result)
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
		if (result)
			printf("result:     %s: signature, chain, every chunk and image hash, compatibility and version policy\n",
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
	if (result)
		add_str(doc, "result", result);
	emit(doc);
}

void report_board(int json, const struct board *b)
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

void report_created(int json, const char *path, const struct manifest *m)
{
	json_object *doc;

	if (!json) {
		printf("created %s: version %s, %u image(s)\n", path, m->version,
		       m->nimages);
		return;
	}
	doc = doc_new("fwtool.bundle/1");
	add_str(doc, "bundle", path);
	json_object_object_add(doc, "manifest", manifest_json(m));
	emit(doc);
}
