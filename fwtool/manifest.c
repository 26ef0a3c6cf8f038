// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hex.h"
#include "manifest.h"
#include "name.h"
#include "semver.h"

/* Members the bundle reserves before the images (bundle.c uses the same). */
static const char *const reserved_members[] = {
	"manifest.json",
	"manifest.sig",
	"signer.pem",
};

void manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void manifest_free(struct manifest *m)
{
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++) {
		free(m->images[i].chunks);
		free(m->images[i].frame_at);
		free(m->images[i].content_chunks);
		m->images[i].chunks = NULL;
		m->images[i].frame_at = NULL;
		m->images[i].content_chunks = NULL;
	}
}

static int member_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FW_MEMBER_LEN || s[0] == '.')
		return 0;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(s, reserved_members[i]))
			return 0;
	return 1;
}

/* ---- typed field access ------------------------------------------------ */

struct ctx {
	struct fw_err *err;
	const char *where; /* "" or "images[2]." */
};

static int bad(struct ctx *c, const char *key, const char *what)
{
	return fw_error(c->err, FW_EFORMAT, "manifest: %s%s: %s", c->where, key, what);
}

static int get_u64(struct ctx *c, json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v))
		return bad(c, key, "missing");
	if (!json_object_is_type(v, json_type_int))
		return bad(c, key, "not an integer");
	x = json_object_get_int64(v);
	/* json-c saturates at INT64_MAX; the limits are all far below */
	if (x < 0 || (uint64_t)x > max)
		return bad(c, key, "out of range");
	*out = (uint64_t)x;
	return 0;
}

static int get_str(struct ctx *c, json_object *o, const char *key, size_t max, int required,
		   const char **out)
{
	json_object *v;
	const char *s;
	size_t n;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return required ? bad(c, key, "missing") : 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(c, key, "not a string");
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return bad(c, key, "contains a NUL byte");
	if (n > max)
		return bad(c, key, "too long");
	*out = s;
	return 0;
}

static int only_keys(struct ctx *c, json_object *o, const char *const *keys)
{
	json_object_object_foreach (o, key, val) {
		const char *const *k;

		(void)val;
		for (k = keys; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k)
			return bad(c, key, "unknown field");
	}
	return 0;
}

static int parse_time(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* ---- images --------------------------------------------------------------- */

/* @key: @n SHA-256 digests in hex, into a new array at *@out */
static int parse_digests(struct ctx *c, json_object *o, const char *key, uint64_t n, uint8_t **out)
{
	const char *hex;
	int ret;

	ret = get_str(c, o, key, (size_t)n * HASH_HEX_LEN, 1, &hex);
	if (ret)
		return ret;
	if (strlen(hex) != n * HASH_HEX_LEN)
		return bad(c, key, "length does not match the number of chunks");
	*out = malloc(n ? n * HASH_LEN : 1);
	if (!*out)
		return fw_error(c->err, FW_ENOMEM, "manifest: out of memory");
	if (hex_decode(hex, n * HASH_LEN, *out))
		return bad(c, key, "not hex");
	return 0;
}

/*
 * The seekable form (zstd only): "frames" lists each frame's stored size;
 * frame k decodes on its own to installed chunk k, so there is one frame
 * per chunk_size installed bytes, and together they are the member.
 */
static int parse_frames(struct ctx *c, json_object *o, struct manifest_image *img)
{
	json_object *arr;
	uint64_t n, at = 0;

	if (!json_object_object_get_ex(o, "frames", &arr)) {
		if (json_object_object_get_ex(o, "content_chunks", NULL))
			return bad(c, "content_chunks", "only with frames");
		return 0;
	}
	if (img->compression != COMP_ZSTD)
		return bad(c, "frames", "only for zstd images");
	if (!json_object_is_type(arr, json_type_array))
		return bad(c, "frames", "not an array");
	n = (img->installed_size + img->chunk_size - 1) / img->chunk_size;
	if (n > FW_CHUNKS_MAX)
		return bad(c, "frames", "too many frames");
	if (json_object_array_length(arr) != n)
		return bad(c, "frames", "count does not match installed_size/chunk_size");
	img->frame_at = malloc((n + 1) * sizeof(*img->frame_at));
	if (!img->frame_at)
		return fw_error(c->err, FW_ENOMEM, "manifest: out of memory");
	for (uint64_t k = 0; k < n; k++) {
		json_object *v = json_object_array_get_idx(arr, k);
		int64_t x;

		if (!json_object_is_type(v, json_type_int))
			return bad(c, "frames", "not an integer");
		x = json_object_get_int64(v);
		if (x < 1 || (uint64_t)x > FW_FRAME_MAX(img->chunk_size))
			return bad(c, "frames", "a frame size out of range");
		img->frame_at[k] = at;
		at += (uint64_t)x;
	}
	img->frame_at[n] = at;
	if (at != img->size)
		return bad(c, "frames", "do not add up to size");
	return 0;
}

static int parse_chunks(struct ctx *c, json_object *o, struct manifest_image *img)
{
	uint64_t n;
	int ret;

	ret = parse_frames(c, o, img);
	if (ret)
		return ret;
	if (img->frame_at)
		n = (img->installed_size + img->chunk_size - 1) / img->chunk_size;
	else
		n = (img->size + img->chunk_size - 1) / img->chunk_size;
	if (n > FW_CHUNKS_MAX)
		return bad(c, "chunks", "too many chunks");
	img->nchunks = (uint32_t)n;
	ret = parse_digests(c, o, "chunks", n, &img->chunks);
	if (!ret && img->frame_at)
		ret = parse_digests(c, o, "content_chunks", n, &img->content_chunks);
	return ret;
}

/* "fit": {} or {"config": "conf-1"}: a FIT, of at most FW_FIT_MAX bytes */
static int parse_fit(struct ctx *c, json_object *o, struct manifest_image *img)
{
	static const char *const keys[] = {"config", NULL};
	json_object *f;
	const char *s;
	int ret;

	if (!json_object_object_get_ex(o, "fit", &f))
		return 0;
	if (!json_object_is_type(f, json_type_object))
		return bad(c, "fit", "not an object");
	if ((ret = only_keys(c, f, keys)) ||
	    (ret = get_str(c, f, "config", FW_FIT_CONF_LEN, 0, &s)))
		return ret;
	if (s && (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "_-.,+") != strlen(s)))
		return bad(c, "config", "not a FIT node name");
	if (img->installed_size > FW_FIT_MAX)
		return bad(c, "fit", "a FIT larger than 64 MiB");
	img->fit = 1;
	snprintf(img->fit_config, sizeof(img->fit_config), "%s", s ? s : "");
	return 0;
}

static int parse_image(struct ctx *c, json_object *o, struct manifest_image *img)
{
	static const char *const keys[] = {
		"class",      "file",	"size", "installed_size", "compression",    "sha256",
		"chunk_size", "chunks", "fit",	"frames",	  "content_chunks", NULL,
	};
	const char *s;
	uint64_t v;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "", "not an object");
	if ((ret = only_keys(c, o, keys)))
		return ret;
	if ((ret = get_str(c, o, "class", FW_CLASS_LEN, 1, &s)))
		return ret;
	if (!fw_name_ok(s, FW_CLASS_LEN))
		return bad(c, "class", "must be [a-z0-9_-]");
	strcpy(img->class, s);
	if ((ret = get_str(c, o, "file", FW_MEMBER_LEN, 1, &s)))
		return ret;
	if (!member_name_ok(s))
		return bad(c, "file", "not a plain member name");
	strcpy(img->file, s);
	if ((ret = get_u64(c, o, "size", FW_IMAGE_MAX, &img->size)) ||
	    (ret = get_u64(c, o, "installed_size", FW_IMAGE_MAX, &img->installed_size)))
		return ret;
	if (img->size == 0 || img->installed_size == 0)
		return bad(c, "size", "an image cannot be empty");
	if ((ret = get_str(c, o, "compression", 8, 1, &s)))
		return ret;
	if (comp_parse(s, &img->compression))
		return bad(c, "compression", "not one of none, gzip, xz, zstd");
	if (img->compression == COMP_NONE && img->installed_size != img->size)
		return bad(c, "installed_size", "differs from size, uncompressed");
	if ((ret = get_str(c, o, "sha256", HASH_HEX_LEN, 1, &s)))
		return ret;
	if (strlen(s) != HASH_HEX_LEN || hex_decode(s, HASH_LEN, img->sha256))
		return bad(c, "sha256", "not 64 hex digits");
	if ((ret = get_u64(c, o, "chunk_size", FW_CHUNK_MAX, &v)))
		return ret;
	if (v < FW_CHUNK_MIN || (v & (v - 1)))
		return bad(c, "chunk_size", "not a power of two in 4 KiB..4 MiB");
	img->chunk_size = (uint32_t)v;
	if ((ret = parse_fit(c, o, img)))
		return ret;
	return parse_chunks(c, o, img);
}

static int parse_images(struct ctx *c, json_object *root, struct manifest *m)
{
	char where[32];
	json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "images", &arr))
		return bad(c, "images", "missing");
	if (!json_object_is_type(arr, json_type_array))
		return bad(c, "images", "not an array");
	n = json_object_array_length(arr);
	if (n == 0 || n > FW_IMAGES_MAX)
		return bad(c, "images", "needs 1 to 16 images");
	for (size_t i = 0; i < n; i++) {
		struct manifest_image *img = &m->images[i];
		int ret;

		snprintf(where, sizeof(where), "images[%zu].", i);
		c->where = where;
		ret = parse_image(c, json_object_array_get_idx(arr, i), img);
		if (ret)
			return ret;
		m->nimages = (unsigned)i + 1;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(m->images[j].class, img->class))
				return bad(c, "class", "duplicate class");
			if (!strcmp(m->images[j].file, img->file))
				return bad(c, "file", "duplicate member name");
		}
	}
	c->where = "";
	return 0;
}

/* ---- top level ------------------------------------------------------------ */

static int parse_compatible(struct ctx *c, json_object *root, struct manifest *m)
{
	json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "compatible", &arr))
		return bad(c, "compatible", "missing");
	if (!json_object_is_type(arr, json_type_array))
		return bad(c, "compatible", "not an array");
	n = json_object_array_length(arr);
	if (n == 0 || n > FW_COMPAT_MAX)
		return bad(c, "compatible", "needs 1 to 32 patterns");
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s;

		if (!json_object_is_type(v, json_type_string))
			return bad(c, "compatible", "not a string");
		s = json_object_get_string(v);
		if (!*s || strlen(s) > FW_COMPAT_LEN ||
		    (size_t)json_object_get_string_len(v) != strlen(s))
			return bad(c, "compatible", "empty or too long");
		for (const char *p = s; *p; p++)
			if (!isgraph((unsigned char)*p))
				return bad(c, "compatible", "not printable");
		strcpy(m->compatible[i], s);
	}
	m->ncompatible = (unsigned)n;
	return 0;
}

static int parse_root(struct ctx *c, json_object *root, struct manifest *m)
{
	static const char *const keys[] = {
		"format",  "version",	  "security_version", "compatible",
		"created", "description", "images",	      NULL,
	};
	struct semver sv;
	const char *s;
	uint64_t v;
	int ret;

	if (!json_object_is_type(root, json_type_object))
		return fw_error(c->err, FW_EFORMAT, "manifest: not an object");
	if ((ret = only_keys(c, root, keys)))
		return ret;
	if ((ret = get_u64(c, root, "format", 1000, &v)))
		return ret;
	if (v != FW_FORMAT_VERSION)
		return fw_error(c->err, FW_EFORMAT,
				"manifest: unsupported bundle format %llu (this fwtool reads %d)",
				(unsigned long long)v, FW_FORMAT_VERSION);
	m->format = (unsigned)v;
	if ((ret = get_str(c, root, "version", FW_VERSION_LEN, 1, &s)))
		return ret;
	if (semver_parse(s, &sv))
		return bad(c, "version", "not a semantic version (1.2.3)");
	strcpy(m->version, s);
	if ((ret = get_u64(c, root, "security_version", FW_SECVER_MAX, &m->security_version)))
		return ret;
	if ((ret = parse_compatible(c, root, m)))
		return ret;
	if ((ret = get_str(c, root, "created", 32, 1, &s)))
		return ret;
	if (parse_time(s, &m->created))
		return bad(c, "created", "not YYYY-MM-DDTHH:MM:SSZ");
	if ((ret = get_str(c, root, "description", FW_DESC_LEN, 0, &s)))
		return ret;
	if (s)
		strcpy(m->description, s);
	return parse_images(c, root, m);
}

/* A growing list of per-object key counts, in document order. */
struct counts {
	unsigned *v;
	size_t n, cap;
	int oom;
};

static size_t counts_add(struct counts *k)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		unsigned *v = realloc(k->v, cap * sizeof(*v));

		if (!v) {
			k->oom = 1;
			return SIZE_MAX;
		}
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n] = 0;
	return k->n++;
}

/*
 * What json-c lets through and a signed manifest must not hold: a raw
 * control character in a string (RFC 8259 wants it escaped; info would
 * print it to a terminal), and a repeated key (json-c keeps the last: two
 * readers of one signed manifest could see two versions). The raw text's
 * objects, in document order, each with its number of keys, are compared
 * with the parsed tree's below; any repeat makes them differ.
 */
static int raw_scan(const char *buf, size_t len, struct counts *k, struct fw_err *err)
{
	size_t stack[64];
	unsigned depth = 0;
	int in_str = 0, esc = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (in_str) {
			if (ch < 0x20)
				return fw_error(
					err, FW_EFORMAT,
					"manifest: raw control character in a string at byte %zu",
					i);
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"') {
			in_str = 1;
		} else if (ch == '{' || ch == '[') {
			if (depth == sizeof(stack) / sizeof(*stack))
				return 0; /* json-c refuses such depth itself */
			stack[depth++] = ch == '{' ? counts_add(k) : SIZE_MAX;
			if (k->oom)
				return fw_error(err, FW_ENOMEM, "manifest: out of memory");
		} else if ((ch == '}' || ch == ']') && depth) {
			depth--;
		} else if (ch == ':' && depth && stack[depth - 1] != SIZE_MAX) {
			k->v[stack[depth - 1]]++;
		}
	}
	return 0;
}

static void tree_counts(json_object *o, struct counts *k)
{
	if (json_object_is_type(o, json_type_object)) {
		size_t at = counts_add(k);

		if (k->oom)
			return;
		k->v[at] = (unsigned)json_object_object_length(o);
		json_object_object_foreach (o, key, val) {
			(void)key;
			tree_counts(val, k);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			tree_counts(json_object_array_get_idx(o, i), k);
	}
}

static int no_repeated_keys(const char *buf, size_t len, json_object *root, struct fw_err *err)
{
	struct counts raw = {0}, tree = {0};
	int ret = raw_scan(buf, len, &raw, err);

	if (!ret)
		tree_counts(root, &tree);
	if (!ret && tree.oom)
		ret = fw_error(err, FW_ENOMEM, "manifest: out of memory");
	if (!ret && (raw.n != tree.n || (raw.n && memcmp(raw.v, tree.v, raw.n * sizeof(*raw.v)))))
		ret = fw_error(err, FW_EFORMAT, "manifest: a key appears twice in one object");
	free(raw.v);
	free(tree.v);
	return ret;
}

int manifest_parse(struct manifest *m, const char *buf, size_t len, struct fw_err *err)
{
	struct ctx c = {.err = err, .where = ""};
	struct json_tokener *tok;
	json_object *root = NULL;
	size_t end;
	int ret;

	manifest_free(m);
	manifest_init(m);
	if (len > FW_MANIFEST_MAX)
		return fw_error(err, FW_EFORMAT, "manifest: larger than %u bytes", FW_MANIFEST_MAX);
	if (memchr(buf, '\0', len))
		return fw_error(err, FW_EFORMAT, "manifest: contains a NUL byte");
	tok = json_tokener_new_ex(8);
	if (!tok)
		return fw_error(err, FW_ENOMEM, "manifest: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root) {
		enum json_tokener_error je = json_tokener_get_error(tok);

		ret = fw_error(err, FW_EFORMAT, "manifest: malformed JSON at byte %zu: %s",
			       json_tokener_get_parse_end(tok),
			       je == json_tokener_continue ? "unexpected end"
							   : json_tokener_error_desc(je));
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!isspace((unsigned char)buf[end])) {
			ret = fw_error(err, FW_EFORMAT, "manifest: trailing data at byte %zu", end);
			goto out;
		}
	ret = no_repeated_keys(buf, len, root, err);
	if (!ret)
		ret = parse_root(&c, root, m);
out:
	json_object_put(root);
	json_tokener_free(tok);
	if (ret) {
		manifest_free(m);
		manifest_init(m);
	}
	return ret;
}

/* ---- emit ------------------------------------------------------------------ */

static json_object *emit_image(const struct manifest_image *img)
{
	json_object *o = json_object_new_object();
	char hex[HASH_HEX_LEN + 1], *chunks;

	json_object_object_add(o, "class", json_object_new_string(img->class));
	json_object_object_add(o, "file", json_object_new_string(img->file));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)img->size));
	json_object_object_add(o, "installed_size",
			       json_object_new_int64((int64_t)img->installed_size));
	json_object_object_add(o, "compression",
			       json_object_new_string(comp_name(img->compression)));
	hex_encode(img->sha256, HASH_LEN, hex);
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	json_object_object_add(o, "chunk_size", json_object_new_int64(img->chunk_size));
	chunks = malloc((size_t)img->nchunks * HASH_HEX_LEN + 1);
	if (!chunks) {
		json_object_put(o);
		return NULL;
	}
	hex_encode(img->chunks, (size_t)img->nchunks * HASH_LEN, chunks);
	json_object_object_add(o, "chunks", json_object_new_string(chunks));
	if (img->frame_at) {
		json_object *fr = json_object_new_array_ext((int)img->nchunks);

		for (uint32_t k = 0; k < img->nchunks; k++)
			json_object_array_add(fr,
					      json_object_new_int64((int64_t)(img->frame_at[k + 1] -
									      img->frame_at[k])));
		json_object_object_add(o, "frames", fr);
		hex_encode(img->content_chunks, (size_t)img->nchunks * HASH_LEN, chunks);
		json_object_object_add(o, "content_chunks", json_object_new_string(chunks));
	}
	free(chunks);
	if (img->fit) {
		json_object *f = json_object_new_object();

		if (img->fit_config[0])
			json_object_object_add(f, "config",
					       json_object_new_string(img->fit_config));
		json_object_object_add(o, "fit", f);
	}
	return o;
}

int manifest_emit(const struct manifest *m, char **strp, struct fw_err *err)
{
	json_object *root = json_object_new_object(), *arr, *compat;
	char created[32];
	struct tm tm;
	int ret = 0;

	json_object_object_add(root, "format", json_object_new_int(FW_FORMAT_VERSION));
	json_object_object_add(root, "version", json_object_new_string(m->version));
	json_object_object_add(root, "security_version",
			       json_object_new_int64((int64_t)m->security_version));
	compat = json_object_new_array();
	for (unsigned i = 0; i < m->ncompatible; i++)
		json_object_array_add(compat, json_object_new_string(m->compatible[i]));
	json_object_object_add(root, "compatible", compat);
	gmtime_r(&m->created, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(root, "created", json_object_new_string(created));
	if (m->description[0])
		json_object_object_add(root, "description", json_object_new_string(m->description));
	arr = json_object_new_array();
	json_object_object_add(root, "images", arr);
	for (unsigned i = 0; i < m->nimages; i++) {
		json_object *o = emit_image(&m->images[i]);

		if (!o) {
			ret = fw_error(err, FW_ENOMEM, "manifest: out of memory");
			goto out;
		}
		json_object_array_add(arr, o);
	}
	*strp = strdup(json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!*strp)
		ret = fw_error(err, FW_ENOMEM, "manifest: out of memory");
out:
	json_object_put(root);
	return ret;
}
