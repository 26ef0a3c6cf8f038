// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

size_t http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		/* CRLF CRLF, or a bare LF LF as RFC 9112 2.2 lets a client take */
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* A decimal number of @len bytes, at most 2^62. */
static int decimal(const char *s, size_t len, uint64_t *vp)
{
	uint64_t v = 0;

	if (!len || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (UINT64_C(1) << 62))
		return -1;
	*vp = v;
	return 0;
}

static size_t trim(const char **s, size_t len)
{
	while (len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		len--;
	}
	while (len && ((*s)[len - 1] == ' ' || (*s)[len - 1] == '\t'))
		len--;
	return len;
}

/* "bytes FIRST-LAST/TOTAL", or with "*" for an unknown total */
static int content_range(const char *v, size_t len, struct http_resp *r)
{
	const char *dash, *slash, *end = v + len;
	uint64_t total;

	if (len < 6 || strncasecmp(v, "bytes ", 6))
		return -1;
	v += 6;
	dash = memchr(v, '-', (size_t)(end - v));
	slash = dash ? memchr(dash, '/', (size_t)(end - dash)) : NULL;
	if (!slash || decimal(v, (size_t)(dash - v), &r->range_start) ||
	    decimal(dash + 1, (size_t)(slash - dash - 1), &r->range_end) ||
	    r->range_end < r->range_start)
		return -1;
	if (end - slash == 2 && slash[1] == '*') {
		r->range_total = -1;
	} else {
		if (decimal(slash + 1, (size_t)(end - slash - 1), &total) || total <= r->range_end)
			return -1;
		r->range_total = (int64_t)total;
	}
	r->has_range = 1;
	return 0;
}

static void copy_value(char *dst, size_t size, const char *v, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static int has_token(const char *v, size_t len, const char *tok)
{
	size_t t = strlen(tok);

	for (size_t i = 0; i + t <= len; i++)
		if (!strncasecmp(v + i, tok, t) && (i == 0 || strchr(" ,\t", v[i - 1])) &&
		    (i + t == len || strchr(" ,\t;", v[i + t])))
			return 1;
	return 0;
}

static int header(const char *name, size_t nlen, const char *v, size_t vlen, struct http_resp *r,
		  struct fw_err *err)
{
#define IS(s) (nlen == sizeof(s) - 1 && !strncasecmp(name, s, nlen))
	uint64_t n;

	if (IS("Content-Length")) {
		if (decimal(v, vlen, &n) || (r->length >= 0 && (uint64_t)r->length != n))
			return fw_error(err, FW_EFORMAT, "HTTP: bad Content-Length '%.*s'",
					(int)(vlen < 40 ? vlen : 40), v);
		r->length = (int64_t)n;
	} else if (IS("Transfer-Encoding")) {
		if (vlen != 7 || strncasecmp(v, "chunked", 7))
			return fw_error(err, FW_EFORMAT,
					"HTTP: transfer coding '%.*s' not supported",
					(int)(vlen < 40 ? vlen : 40), v);
		r->chunked = 1;
	} else if (IS("Content-Range")) {
		if (content_range(v, vlen, r))
			return fw_error(err, FW_EFORMAT, "HTTP: bad Content-Range '%.*s'",
					(int)(vlen < 60 ? vlen : 60), v);
	} else if (IS("Connection")) {
		if (has_token(v, vlen, "close"))
			r->keep_alive = 0;
		else if (has_token(v, vlen, "keep-alive"))
			r->keep_alive = 1;
	} else if (IS("ETag")) {
		copy_value(r->etag, sizeof(r->etag), v, vlen);
	} else if (IS("Last-Modified")) {
		copy_value(r->last_modified, sizeof(r->last_modified), v, vlen);
	} else if (IS("Location")) {
		if (vlen > FW_URL_LEN)
			return fw_error(err, FW_EFORMAT, "HTTP: Location longer than %u bytes",
					FW_URL_LEN);
		copy_value(r->location, sizeof(r->location), v, vlen);
	}
	return 0;
#undef IS
}

static int status_line(const char *s, size_t len, struct http_resp *r, struct fw_err *err)
{
	if (len < 12 || strncmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (len > 12 && s[12] != ' '))
		return fw_error(err, FW_EFORMAT, "HTTP: not an HTTP/1.x status line: '%.*s'",
				(int)(len < 40 ? len : 40), s);
	r->version = s[7] == '1' ? 11 : 10;
	r->keep_alive = r->version == 11;
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100)
		return fw_error(err, FW_EFORMAT, "HTTP: status %d", r->status);
	return 0;
}

int http_parse_head(const char *buf, size_t len, struct http_resp *r, struct fw_err *err)
{
	const char *p = buf, *end = buf + len;
	int first = 1;

	memset(r, 0, sizeof(*r));
	r->length = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon, *v;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p), vlen;

		if (l && p[l - 1] == '\r')
			l--;
		if (memchr(p, '\0', l))
			return fw_error(err, FW_EFORMAT, "HTTP: NUL in the response head");
		if (first) {
			if (status_line(p, l, r, err))
				return err->code;
			first = 0;
		} else if (l) {
			colon = memchr(p, ':', l);
			if (!colon || colon == p || p[0] == ' ' || p[0] == '\t' ||
			    memchr(p, ' ', (size_t)(colon - p)))
				return fw_error(err, FW_EFORMAT, "HTTP: bad header line '%.*s'",
						(int)(l < 40 ? l : 40), p);
			v = colon + 1;
			vlen = trim(&v, l - (size_t)(v - p));
			if (header(p, (size_t)(colon - p), v, vlen, r, err))
				return err->code;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (first)
		return fw_error(err, FW_EFORMAT, "HTTP: empty response");
	return 0;
}

int http_chunk_size(const char *line, size_t len, uint64_t *sizep, struct fw_err *err)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && isxdigit((unsigned char)line[i]); i++) {
		v = v * 16 + (uint64_t)(isdigit((unsigned char)line[i])
						? line[i] - '0'
						: (tolower((unsigned char)line[i]) - 'a' + 10));
		if (v >> 60)
			return fw_error(err, FW_EFORMAT, "HTTP: chunk too large");
	}
	if (!i)
		return fw_error(err, FW_EFORMAT, "HTTP: bad chunk size line");
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] != ';')
		return fw_error(err, FW_EFORMAT, "HTTP: bad chunk size line");
	*sizep = v;
	return 0;
}
