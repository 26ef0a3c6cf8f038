// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/base64.h>

#include "download.h"
#include "http.h"
#include "log.h"
#include "netconn.h"
#include "url.h"

#ifndef FWTOOL_VERSION
#define FWTOOL_VERSION "?"
#endif

#define BACKOFF_FIRST_MS 500
#define READ_PAST_MAX (64u << 10) /* a gap read past, not asked around */
#define BACKOFF_MAX_MS 8000

/* where bytes read past go (one download reads at a time) */
static char sink[16u << 10];

struct download {
	struct download_opts o;
	struct url start; /* credentials go only to its origin */
	struct url cur; /* after redirects */
	char text[FW_URL_LEN + 1]; /* cur, formatted */
	struct netconn *c;
	/* the body of the response in hand */
	int chunked;
	int in_chunk_tail; /* a chunk's data ended: its CRLF is next */
	int64_t left; /* of the body, or of the chunk; -1: to the close */
	int done;
	int keep_alive; /* the response in hand lets the connection be reused */
	int reusable; /* its body was read to the end: the next GET may follow */
	uint64_t at; /* the resource offset of the body's next byte */
	uint64_t resp_end; /* ... and of the byte after its last */
	/* the resource */
	uint64_t pos; /* the offset of the next byte handed out */
	uint64_t end; /* the window: bytes up to here, UINT64_MAX all */
	int64_t total; /* -1 not known */
	int proxied; /* the connection is to an http proxy */
	int no_ranges; /* the server answered a Range with the whole file */
	uint64_t fetched; /* body bytes received, read past or not */
	uint64_t resp_bytes; /* ... of the response in hand */
	int have_validators;
	char etag[sizeof(((struct http_resp *)0)->etag)];
	char last_modified[sizeof(((struct http_resp *)0)->last_modified)];
	/* tries */
	unsigned fails; /* in a row, with no new byte */
	unsigned tries, retries;
	int fatal; /* the last error is not worth another try */
	int cancelled;
	/* bytes read past what was consumed: a head's tail, lines */
	size_t boff, blen;
	char buf[FW_HTTP_HEAD_MAX];
};

static int cancel_set(const struct download *d)
{
	return d->o.cancel && *d->o.cancel;
}

static int fatal(struct download *d, int code)
{
	d->fatal = 1;
	return code;
}

/* ---- proxies, as curl reads them from the environment --------------- */

static const char *env_any(const char *a, const char *b)
{
	const char *v = a ? getenv(a) : NULL;

	if (!v || !*v)
		v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

/* Does no_proxy (a comma list of names, ".domain" or "*") cover @host? */
static int no_proxy_for(const char *host)
{
	const char *np = env_any("no_proxy", "NO_PROXY");
	size_t hl = strlen(host);

	while (np && *np) {
		size_t n = strcspn(np, ",");
		const char *e = np;
		size_t el = n;

		while (el && (*e == ' ' || *e == '.')) {
			e++;
			el--;
		}
		while (el && e[el - 1] == ' ')
			el--;
		if (el == 1 && *e == '*')
			return 1;
		if (el && el <= hl && !strncasecmp(host + hl - el, e, el) &&
		    (el == hl || host[hl - el - 1] == '.'))
			return 1;
		np += n;
		if (*np == ',')
			np++;
	}
	return 0;
}

/*
 * The proxy for @u, into @p: 1, 0 for none, or an error. curl's rules:
 * http_proxy in lower case only (HTTP_PROXY can come from a CGI request's
 * "Proxy:" header), https_proxy or HTTPS_PROXY, then all_proxy.
 */
static int proxy_for(const struct url *u, struct url *p, struct fw_err *err)
{
	const char *v = u->https ? env_any("https_proxy", "HTTPS_PROXY")
				 : env_any("http_proxy", NULL);
	char full[FW_URL_LEN + 1];

	if (!v)
		v = env_any("all_proxy", "ALL_PROXY");
	if (!v || no_proxy_for(u->host))
		return 0;
	if (!strstr(v, "://")) {
		snprintf(full, sizeof(full), "http://%s", v);
		v = full;
	}
	if (url_parse(v, p, err))
		return fw_error_prefix(err, "proxy from the environment");
	if (p->https)
		return fw_error(err, FW_EUSAGE, "proxy %.200s: only http:// proxies are supported",
				v);
	return 1;
}

/* ---- bytes in ------------------------------------------------------- */

/* Up to @len bytes: what is buffered first, then the connection. */
static int raw_read(struct download *d, void *out, size_t len, size_t *np, struct fw_err *err)
{
	if (d->boff < d->blen) {
		size_t n = d->blen - d->boff;

		if (n > len)
			n = len;
		memcpy(out, d->buf + d->boff, n);
		d->boff += n;
		*np = n;
		return 0;
	}
	return netconn_read(d->c, out, len, np, err);
}

/* Read more into the buffer; 0 with nothing added at the end of stream. */
static int fill(struct download *d, size_t *np, struct fw_err *err)
{
	if (d->boff) {
		memmove(d->buf, d->buf + d->boff, d->blen - d->boff);
		d->blen -= d->boff;
		d->boff = 0;
	}
	if (d->blen == sizeof(d->buf))
		return fatal(d, fw_error(err, FW_EFORMAT, "HTTP: a line longer than %zu bytes",
					 sizeof(d->buf)));
	return netconn_read(d->c, d->buf + d->blen, sizeof(d->buf) - d->blen, np, err);
}

/* One line (chunk size, trailer) without its line end, at *@linep. */
static int read_line(struct download *d, const char **linep, size_t *lenp, struct fw_err *err)
{
	for (;;) {
		char *nl = memchr(d->buf + d->boff, '\n', d->blen - d->boff);
		size_t n;

		if (nl) {
			*linep = d->buf + d->boff;
			*lenp = (size_t)(nl - *linep);
			if (*lenp && nl[-1] == '\r')
				(*lenp)--;
			d->boff = (size_t)(nl - d->buf) + 1;
			return 0;
		}
		if (fill(d, &n, err))
			return err->code;
		if (!n)
			return fw_error(err, FW_EIO, "connection closed inside a chunked body");
		d->blen += n;
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The response head, into @r; what follows it stays buffered. The whole
 * head within the stall timeout, not each byte of it: a server that
 * trickles a head a byte at a time would otherwise hold the install (and
 * the lock) for days.
 */
static int read_head(struct download *d, struct http_resp *r, struct fw_err *err)
{
	unsigned stall = d->o.stall_timeout ? d->o.stall_timeout : 30;
	double start = seconds();
	size_t end, n;

	d->boff = d->blen = 0;
	for (;;) {
		end = http_head_end(d->buf, d->blen);
		if (end)
			break;
		if (d->blen == sizeof(d->buf))
			return fatal(d,
				     fw_error(err, FW_EFORMAT, "HTTP: response head over %zu bytes",
					      sizeof(d->buf)));
		if (netconn_read(d->c, d->buf + d->blen, sizeof(d->buf) - d->blen, &n, err))
			return err->code;
		if (!n)
			return fw_error(err, FW_EIO, "connection closed before a response");
		d->blen += n;
		if (!http_head_end(d->buf, d->blen) && seconds() - start > stall)
			return fw_error(err, FW_ETIMEDOUT,
					"no whole response head in %u s (stall timeout)", stall);
	}
	d->boff = end;
	if (http_parse_head(d->buf, end, r, err))
		return fatal(d, err->code);
	return 0;
}

/* ---- one request ---------------------------------------------------- */

static int basic_auth(const struct download_opts *o, char *out, size_t size, struct fw_err *err)
{
	char plain[2 * 256 + 2];
	size_t olen;
	int n = snprintf(plain, sizeof(plain), "%s:%s", o->username,
			 o->password ? o->password : "");

	if (n < 0 || (size_t)n >= sizeof(plain) ||
	    mbedtls_base64_encode((unsigned char *)out, size, &olen, (unsigned char *)plain,
				  (size_t)n))
		return fw_error(err, FW_EUSAGE, "[download] username and password too long");
	memset(plain, 0, sizeof(plain));
	return 0;
}

static int send_request(struct download *d, struct fw_err *err)
{
	char req[FW_URL_LEN * 2 + 1024], auth[1024] = "", range[64] = "", target[FW_URL_LEN + 1];
	const char *host = d->cur.host;
	int v6 = strchr(host, ':') != NULL;
	int dflt = !strcmp(d->cur.port, d->cur.https ? "443" : "80");
	int n, ret;

	if (url_same_origin(&d->cur, &d->start)) {
		if (d->o.token && *d->o.token) {
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", d->o.token);
		} else if (d->o.username && *d->o.username) {
			char b64[700];

			if (basic_auth(&d->o, b64, sizeof(b64), err))
				return fatal(d, err->code);
			snprintf(auth, sizeof(auth), "Authorization: Basic %s\r\n", b64);
		}
	}
	if (!d->no_ranges && d->end != UINT64_MAX)
		snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n",
			 (unsigned long long)d->pos, (unsigned long long)d->end - 1);
	else if (!d->no_ranges && d->pos)
		snprintf(range, sizeof(range), "Range: bytes=%llu-\r\n",
			 (unsigned long long)d->pos);
	/* through a proxy, plain http names the whole URL (RFC 9112 3.2.2) */
	if (d->proxied && !d->cur.https)
		snprintf(target, sizeof(target), "%s", d->text);
	else
		snprintf(target, sizeof(target), "%s", d->cur.target);
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: fwtool/%s\r\n"
		     "Accept: */*\r\nAccept-Encoding: identity\r\n%s%s\r\n",
		     target, v6 ? "[" : "", host, v6 ? "]" : "", dflt ? "" : ":",
		     dflt ? "" : d->cur.port, FWTOOL_VERSION, range, auth);
	memset(auth, 0, sizeof(auth));
	if (n < 0 || (size_t)n >= sizeof(req))
		return fatal(d, fw_error(err, FW_EUSAGE, "URL too long for a request"));
	log_debug("GET %s %s", d->text, *range ? range + 7 : "(whole)\r\n");
	ret = netconn_write(d->c, req, (size_t)n, err);
	memset(req, 0, sizeof(req));
	return ret;
}

/* CONNECT through an http proxy, for https (RFC 9110 9.3.6). */
static int tunnel(struct download *d, const struct url *proxy, struct fw_err *err)
{
	char req[FW_HOST_LEN + 200];
	int v6 = strchr(d->cur.host, ':') != NULL;
	struct http_resp r;
	int n = snprintf(
		req, sizeof(req),
		"CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: fwtool/%s\r\n\r\n",
		v6 ? "[" : "", d->cur.host, v6 ? "]" : "", d->cur.port, v6 ? "[" : "", d->cur.host,
		v6 ? "]" : "", d->cur.port, FWTOOL_VERSION);

	if (netconn_write(d->c, req, (size_t)n, err) || read_head(d, &r, err))
		return fw_error_prefix(err, "proxy %s", proxy->host);
	if (r.status / 100 != 2)
		return fw_error(err, FW_EIO, "proxy %s: CONNECT to %s: status %d", proxy->host,
				d->cur.host, r.status);
	if (d->boff != d->blen)
		return fatal(d, fw_error(err, FW_EFORMAT, "proxy %s: data before the TLS handshake",
					 proxy->host));
	d->boff = d->blen = 0;
	return 0;
}

static int connect_and_send(struct download *d, struct fw_err *err)
{
	struct netconn_opts no = {
		.stall_ms = (d->o.stall_timeout ? d->o.stall_timeout : 30) * 1000u,
		.cancel = d->o.cancel,
		.ca = d->o.ca,
		.client_cert = d->o.client_cert,
		.client_key = d->o.client_key,
	};
	struct url proxy;
	int via = proxy_for(&d->cur, &proxy, err);
	const struct url *to = via > 0 ? &proxy : &d->cur;

	if (via < 0)
		return fatal(d, via);
	d->boff = d->blen = 0;
	if (netconn_connect(&d->c, to->host, to->port, &no, err))
		goto out;
	if (d->cur.https) {
		if (via > 0 && tunnel(d, &proxy, err))
			goto out;
		if (netconn_start_tls(d->c, d->cur.host, err))
			goto out;
	}
	d->proxied = via > 0;
	if (!send_request(d, err))
		return 0;
out:
	if (d->c && netconn_cancelled(d->c))
		d->cancelled = 1;
	if (err->code == FW_EVERIFY || err->code == FW_EUSAGE)
		d->fatal = 1;
	return err->code;
}

/* The server must still be serving what we started to read. */
static int same_resource(struct download *d, const struct http_resp *r, int64_t total,
			 struct fw_err *err)
{
	if (!d->have_validators) {
		snprintf(d->etag, sizeof(d->etag), "%s", r->etag);
		snprintf(d->last_modified, sizeof(d->last_modified), "%s", r->last_modified);
		d->total = total;
		d->have_validators = 1;
		return 0;
	}
	if ((*d->etag && strcmp(d->etag, r->etag)) ||
	    (!*d->etag && *d->last_modified && strcmp(d->last_modified, r->last_modified)) ||
	    (d->total >= 0 && total >= 0 && d->total != total))
		return fatal(d, fw_error(err, FW_EIO,
					 "%s changed on the server while it was read (at byte "
					 "%llu): not resumed",
					 d->text, (unsigned long long)d->pos));
	return 0;
}

static int body_framing(struct download *d, const struct http_resp *r, struct fw_err *err)
{
	int64_t total = -1;

	d->chunked = r->chunked;
	d->in_chunk_tail = 0;
	d->left = r->chunked ? 0 : r->length;
	d->done = 0;
	d->keep_alive = r->keep_alive;
	d->reusable = 0;
	d->resp_bytes = 0;
	if (r->status == 206) {
		if (!r->has_range || r->range_start != d->pos)
			return fatal(d, fw_error(err, FW_EIO,
						 "%s: asked from byte %llu, the server sent "
						 "another part",
						 d->text, (unsigned long long)d->pos));
		if (!r->chunked && r->length >= 0 &&
		    (uint64_t)r->length != r->range_end - r->range_start + 1)
			return fatal(d, fw_error(err, FW_EFORMAT,
						 "%s: Content-Length %lld for a range of %llu "
						 "bytes",
						 d->text, (long long)r->length,
						 (unsigned long long)(r->range_end -
								      r->range_start + 1)));
		total = r->range_total;
		d->at = r->range_start;
		d->resp_end = r->range_end + 1;
	} else {
		/* a 200 to a ranged request: the whole file again; what comes
		 * before the position is read past, and no range is asked
		 * for again */
		total = r->chunked ? -1 : r->length;
		d->at = 0;
		d->resp_end = total >= 0 ? (uint64_t)total : UINT64_MAX;
		if (d->pos || d->end != UINT64_MAX) {
			if (!d->no_ranges)
				log_debug("%s: the server ignores Range", d->text);
			d->no_ranges = 1;
		}
	}
	return same_resource(d, r, total, err);
}

static int status_error(struct download *d, const struct http_resp *r, struct fw_err *err)
{
	switch (r->status) {
	case 401:
	case 403:
		return fatal(d, fw_error(err, FW_EUSAGE,
					 "%s: access refused (HTTP %d): see [download] in "
					 "system.conf",
					 d->text, r->status));
	case 404:
	case 410:
		return fatal(
			d, fw_error(err, FW_EUSAGE, "%s: not found (HTTP %d)", d->text, r->status));
	case 408:
	case 429: return fw_error(err, FW_EIO, "%s: HTTP %d", d->text, r->status);
	default:
		if (r->status / 100 == 5)
			return fw_error(err, FW_EIO, "%s: server error (HTTP %d)", d->text,
					r->status);
		return fatal(d, fw_error(err, FW_EIO, "%s: unexpected HTTP status %d", d->text,
					 r->status));
	}
}

static int redirect(struct download *d, const struct http_resp *r, unsigned *hops,
		    struct fw_err *err)
{
	char to[FW_URL_LEN + 1];
	struct url next;

	if (!*r->location)
		return fatal(d, fw_error(err, FW_EFORMAT, "%s: HTTP %d without a Location", d->text,
					 r->status));
	if (++*hops > FW_HTTP_REDIRECTS)
		return fatal(d, fw_error(err, FW_EUSAGE, "%s: more than %d redirects", d->text,
					 FW_HTTP_REDIRECTS));
	if (url_resolve(&d->cur, r->location, to, err) || url_parse(to, &next, err))
		return fatal(d, fw_error_prefix(err, "redirect from %s", d->text));
	if (d->cur.https && !next.https)
		return fatal(d, fw_error(err, FW_EUSAGE, "%s: redirect to plain http refused: %s",
					 d->text, to));
	log_debug("HTTP %d: %s -> %s", r->status, d->text, to);
	d->cur = next;
	url_format(&d->cur, d->text, sizeof(d->text));
	return 0;
}

/* One try: connect, follow redirects, and stand at the body's first byte. */
static int request(struct download *d, struct fw_err *err)
{
	unsigned hops = 0;
	struct http_resp r;

	d->fatal = 0;
	d->tries++;
	for (;;) {
		if (d->c && d->reusable) {
			/* keep-alive: a server may have closed it meanwhile,
			 * which costs a new connection, not a try */
			d->reusable = 0;
			if (!send_request(d, err) && !read_head(d, &r, err))
				goto got_head;
			if (d->fatal || netconn_cancelled(d->c))
				goto fail;
			fw_err_clear(err);
		}
		netconn_close(d->c);
		d->c = NULL;
		if (connect_and_send(d, err) || read_head(d, &r, err))
			goto fail;
	got_head:
		if (r.status == 301 || r.status == 302 || r.status == 303 || r.status == 307 ||
		    r.status == 308) {
			if (redirect(d, &r, &hops, err))
				goto fail;
			continue;
		}
		if (r.status == 200 || r.status == 206)
			break;
		status_error(d, &r, err);
		goto fail;
	}
	if (body_framing(d, &r, err))
		goto fail;
	return 0;
fail:
	if (d->c && netconn_cancelled(d->c))
		d->cancelled = 1;
	netconn_close(d->c);
	d->c = NULL;
	return err->code;
}

/* Bytes of the body, up to @len; *@np = 0 at its end. */
static int body_read(struct download *d, void *out, size_t len, size_t *np, struct fw_err *err)
{
	const char *line;
	size_t llen;
	uint64_t size;

	*np = 0;
	if (d->done)
		return 0;
	while (d->chunked && d->left == 0) {
		if (d->in_chunk_tail) {
			if (read_line(d, &line, &llen, err))
				return err->code;
			if (llen)
				return fatal(d, fw_error(err, FW_EFORMAT,
							 "HTTP: no line end after a chunk"));
			d->in_chunk_tail = 0;
		}
		if (read_line(d, &line, &llen, err))
			return err->code;
		if (http_chunk_size(line, llen, &size, err))
			return fatal(d, err->code);
		if (!size) {
			do /* trailers, up to the blank line */
				if (read_line(d, &line, &llen, err))
					return err->code;
			while (llen);
			d->done = 1;
			return 0;
		}
		d->left = (int64_t)size;
		d->in_chunk_tail = 1;
	}
	if (d->left == 0) {
		d->done = 1;
		return 0;
	}
	if (d->left > 0 && (uint64_t)d->left < len)
		len = (size_t)d->left;
	if (raw_read(d, out, len, np, err))
		return err->code;
	if (!*np) {
		if (d->left < 0 && !d->chunked) {
			d->done = 1;
			return 0;
		}
		return fw_error(err, FW_EIO, "connection closed with %lld bytes to go",
				(long long)d->left);
	}
	if (d->left > 0)
		d->left -= (int64_t)*np;
	return 0;
}

/* ---- the stream, resumed -------------------------------------------- */

static void pause_ms(struct download *d, unsigned ms)
{
	while (ms && !cancel_set(d)) {
		unsigned step = ms < 250 ? ms : 250;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/*
 * After a failed try: another one, after a pause, or the error. The count
 * is of tries in a row that brought no new byte, so a link that drops every
 * few megabytes still finishes; FW_HTTP_RETRIES_MAX bounds the whole.
 */
static int again(struct download *d, struct fw_err *err)
{
	unsigned shift = d->fails < 5 ? d->fails : 5;
	unsigned ms = BACKOFF_FIRST_MS << shift;

	netconn_close(d->c);
	d->c = NULL;
	if (cancel_set(d) || d->cancelled) {
		d->cancelled = 1;
		return fw_error(err, FW_EIO, "%s: interrupted by a signal", d->text);
	}
	if (d->fatal)
		return err->code;
	if (d->fails >= d->o.retries || d->retries >= FW_HTTP_RETRIES_MAX) {
		/* a stall is a network failure here, not exit 7's "pending" */
		err->code = FW_EIO;
		return fw_error_prefix(err, "gave up after %u tries", d->tries);
	}
	d->fails++;
	d->retries++;
	if (d->o.on_retry)
		d->o.on_retry(d->o.ctx, d->retries, d->pos, err->msg);
	log_debug("%s: %s; try %u from byte %llu", d->text, err->msg, d->tries + 1,
		  (unsigned long long)d->pos);
	pause_ms(d, ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms);
	if (cancel_set(d)) {
		d->cancelled = 1;
		return fw_error(err, FW_EIO, "%s: interrupted by a signal", d->text);
	}
	fw_err_clear(err);
	return 0;
}

int download_open(struct download **dp, const char *url, const struct download_opts *o,
		  struct fw_err *err)
{
	struct download *d = calloc(1, sizeof(*d));

	*dp = NULL;
	if (!d)
		return fw_error(err, FW_ENOMEM, "out of memory");
	d->o = *o;
	d->total = -1;
	d->end = o->window ? o->window : UINT64_MAX;
	if (url_parse(url, &d->start, err)) {
		free(d);
		return err->code;
	}
	d->cur = d->start;
	url_format(&d->cur, d->text, sizeof(d->text));
	while (request(d, err))
		if (again(d, err)) {
			download_close(d);
			return err->code;
		}
	*dp = d;
	return 0;
}

/*
 * The response in hand ended (its framing says so): keep the connection
 * for the next request where the server allows it.
 */
static void response_done(struct download *d)
{
	if (d->done && d->keep_alive && d->boff == d->blen) {
		d->reusable = 1;
		return;
	}
	netconn_close(d->c);
	d->c = NULL;
}

int download_read(struct download *d, void *buf, size_t len, size_t *np, struct fw_err *err)
{
	uint64_t stop;

	*np = 0;
	for (;;) {
		int ret = 0;

		stop = d->end;
		if (d->total >= 0 && (uint64_t)d->total < stop)
			stop = (uint64_t)d->total;
		if (d->pos >= stop)
			return 0; /* the window's end, or the file's */
		if (!d->c || d->reusable)
			ret = request(d, err);
		/* a 200 where a range was asked, or a short seek forward */
		while (!ret && d->at < d->pos) {
			size_t n, want = d->pos - d->at < sizeof(sink) ? (size_t)(d->pos - d->at)
								       : sizeof(sink);

			ret = body_read(d, sink, want, &n, err);
			if (!ret && !n)
				break;
			d->at += n;
			d->fetched += n;
			d->resp_bytes += n;
		}
		if (!ret && d->at == d->pos) {
			size_t want = len;

			if (stop != UINT64_MAX && stop - d->pos < want)
				want = (size_t)(stop - d->pos);
			ret = body_read(d, buf, want, np, err);
			if (!ret && *np) {
				d->pos += *np;
				d->at += *np;
				d->fetched += *np;
				d->resp_bytes += *np;
				d->fails = 0;
				return 0;
			}
		}
		if (!ret) {
			/* the body ended with bytes still wanted */
			if (d->total < 0 && d->end == UINT64_MAX)
				return 0; /* no length known: its end is the file's */
			response_done(d);
			if (d->resp_bytes)
				continue; /* a range shorter than asked: ask for the rest */
			ret = fw_error(err, FW_EIO, "%s: ended at byte %llu of %lld", d->text,
				       (unsigned long long)d->pos, (long long)d->total);
		}
		if (d->c && netconn_cancelled(d->c))
			d->cancelled = 1;
		if (again(d, err))
			return err->code;
	}
}

/*
 * Read the rest of the response in hand when it is short, so that the
 * connection can carry the next request (and what the server sent is
 * what was counted); else close it.
 */
static void drain(struct download *d)
{
	struct fw_err e = {0};
	size_t n;

	while (!d->done && d->resp_end - d->at <= READ_PAST_MAX) {
		if (body_read(d, sink, sizeof(sink), &n, &e) || (!n && !d->done))
			break;
		d->at += n;
		d->fetched += n;
	}
	if (d->done) {
		response_done(d);
	} else {
		netconn_close(d->c);
		d->c = NULL;
	}
}

void download_seek(struct download *d, uint64_t pos, uint64_t end)
{
	int open = d->c && !d->reusable && !d->done;

	/* without ranges the one response is read on, and read past */
	if (d->no_ranges)
		end = UINT64_MAX;
	if (pos != d->pos && !(open && pos > d->pos && pos - d->pos <= READ_PAST_MAX) &&
	    !(open && d->no_ranges && pos > d->pos)) {
		/* elsewhere: this response ends here */
		if (d->c && !d->reusable)
			drain(d);
	}
	d->pos = pos;
	d->end = end;
}

uint64_t download_fetched(const struct download *d)
{
	return d->fetched;
}

int64_t download_size(const struct download *d)
{
	return d->total;
}

const char *download_url(const struct download *d)
{
	return d->text;
}

unsigned download_retries(const struct download *d)
{
	return d->retries;
}

int download_cancelled(const struct download *d)
{
	return d->cancelled;
}

void download_close(struct download *d)
{
	if (!d)
		return;
	netconn_close(d->c);
	free(d);
}
