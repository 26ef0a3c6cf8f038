// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hosts.h"
#include "http.h"
#include "tarpos.h"
#include "url.h"

/*
 * What a download takes from the network and the command line: a response
 * head, a chunk-size line, a URL and a redirect's Location, /etc/hosts, and
 * the tar a download follows (tarpos). The first byte says which ('H',
 * 'C', 'U', 'E', 'T'); the rest is the input. What
 * parses must hold what the download relies on, or this aborts.
 */
static void head(const char *s, size_t len)
{
	struct fw_err err = {0};
	struct http_resp r;
	size_t end = http_head_end(s, len);

	if (end > len)
		abort();
	if (http_parse_head(s, end ? end : len, &r, &err)) {
		if (!err.code || !err.msg[0])
			abort();
		return;
	}
	if (r.status < 100 || r.status > 999 || (r.version != 10 && r.version != 11))
		abort();
	if (r.has_range && (r.range_end < r.range_start ||
			    (r.range_total >= 0 && (uint64_t)r.range_total <= r.range_end)))
		abort();
	if (strlen(r.etag) >= sizeof(r.etag) || strlen(r.location) > FW_URL_LEN || r.length < -1)
		abort();
}

static void chunk(const char *s, size_t len)
{
	struct fw_err err = {0};
	uint64_t v;

	if (!http_chunk_size(s, len, &v, &err) && v >> 60)
		abort();
}

/* url_format() of what parsed parses back to the same parts. */
static void check_url(const char *s)
{
	struct fw_err err = {0};
	char text[FW_URL_LEN * 2 + 16];
	struct url u, again;

	if (url_parse(s, &u, &err))
		return;
	if (!u.host[0] || strchr(u.host, '@') || u.target[0] != '/' || strchr(u.target, '#') ||
	    atoi(u.port) < 1 || atoi(u.port) > 65535)
		abort();
	url_format(&u, text, sizeof(text));
	if (strlen(text) <= FW_URL_LEN &&
	    (url_parse(text, &again, &err) || !url_same_origin(&u, &again) ||
	     strcmp(u.target, again.target)))
		abort();
}

static void urls(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);
	char base[FW_URL_LEN + 2], out[FW_URL_LEN + 1];
	struct fw_err err = {0};
	struct url u;
	size_t bl = nl ? (size_t)(nl - s) : len;

	if (bl > FW_URL_LEN + 1)
		bl = FW_URL_LEN + 1;
	memcpy(base, s, bl);
	base[bl] = '\0';
	check_url(base);
	if (!nl || url_parse(base, &u, &err))
		return;
	if (!url_resolve(&u, nl + 1, out, &err)) {
		if (strlen(out) > FW_URL_LEN)
			abort();
		check_url(out);
	}
}

static void hosts(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);
	char name[64], addr[64];
	size_t nlen = nl ? (size_t)(nl - s) : 0;

	if (!nl || nlen >= sizeof(name))
		return;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	if (hosts_find(nl + 1, len - nlen - 1, name, addr, sizeof(addr)) &&
	    strlen(addr) >= sizeof(addr))
		abort();
}

/* Fed in pieces of varying size, never more than it has room for. */
static void tar(const uint8_t *p, size_t len)
{
	static struct tarpos t;
	size_t off = 0, step = 1;

	tarpos_init(&t);
	while (off < len) {
		uint64_t room = tarpos_room(&t);
		size_t n = len - off;

		step = step * 7 % 1021 + 1;
		if (n > step)
			n = step;
		if (n > room)
			n = (size_t)room;
		if (!n)
			abort();
		tarpos_passed(&t, p + off, n);
		off += n;
		if (t.v != off)
			abort();
		if (!t.lost && (t.data_at > t.data_end || t.data_end > t.hdr_at || t.hdr_at % 512 ||
				t.hdr_have >= 512 || t.v > t.hdr_at + 512 ||
				(t.v > t.hdr_at && t.hdr_have != t.v - t.hdr_at)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > (64u << 10))
		return 0;
	/* NUL-terminated copy: URLs are C strings; the rest take a length */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0]) {
	case 'H': head(s, size - 1); break;
	case 'C': chunk(s, size - 1); break;
	case 'U': urls(s, size - 1); break;
	case 'E': hosts(s, size - 1); break;
	case 'T': tar(data + 1, size - 1); break;
	default: break;
	}
	free(s);
	return 0;
}
