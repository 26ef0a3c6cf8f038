/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_DOWNLOAD_H
#define FW_DOWNLOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fwlimits.h"

/*
 * A GET of one http:// or https:// URL, read as a stream, that survives a
 * dropped or stalled connection: it asks again from the first byte not yet
 * read (Range), a bounded number of times with a growing pause, and only
 * while the server says it is the same file (the ETag, else Last-Modified,
 * and the length). Whatever reads the stream checks its content; this
 * module moves bytes and never calls a changed file the same one.
 */

/**
 * struct download_opts - from system.conf's [download]; strings may be NULL
 * @token:        sent as "Authorization: Bearer" (never logged)
 * @username:     with @password, "Authorization: Basic" (never logged)
 * @stall_timeout: seconds without a byte before the connection counts as
 *                 dropped (and connecting)
 * @retries:      tries in a row that bring no new byte before giving up
 * @on_retry:     told before each new try: its number, the offset it asks
 *                from, why the last one ended
 * @window:       0: one GET of the whole file; else the first request asks
 *                for its first @window bytes, and download_seek() for more
 */
struct download_opts {
	const char *ca;
	const char *client_cert;
	const char *client_key;
	const char *token;
	const char *username;
	const char *password;
	unsigned stall_timeout;
	unsigned retries;
	uint64_t window;
	const volatile sig_atomic_t *cancel;
	void (*on_retry)(void *ctx, unsigned attempt, uint64_t offset, const char *why);
	void *ctx;
};

struct download;

/**
 * download_open() - send the GET, follow up to FW_HTTP_REDIRECTS
 * redirects (never from https to http; credentials go only to the URL's
 * own origin), and read the response head
 * Return: 0, FW_EUSAGE (a bad URL, 404/410, 401/403), FW_EVERIFY (the
 * server's certificate), FW_EIO (the network, a 5xx, after the retries),
 * FW_EFORMAT (not HTTP), FW_ENOMEM.
 */
int download_open(struct download **dp, const char *url, const struct download_opts *o,
		  struct fw_err *err) FW_MUST;

/**
 * download_read() - up to @len bytes of the body, resuming as needed;
 * *@np = 0 at its end
 * Return: 0, or as download_open() (FW_EIO also for a file that changed).
 */
int download_read(struct download *d, void *buf, size_t len, size_t *np,
		  struct fw_err *err) FW_MUST;

/**
 * download_seek() - go on reading at @pos, asking for bytes up to @end
 * (exclusive; UINT64_MAX: to the file's end). download_read() returns 0 at
 * @end. A short gap forward in the response in hand is read past; else the
 * next read asks for the range, on the same connection when the server
 * keeps it open (HTTP/1.1 keep-alive). A server that ignores ranges is read
 * on, and read past what is not wanted.
 */
void download_seek(struct download *d, uint64_t pos, uint64_t end);

/** download_size() - the file's length, -1 when the server did not say */
int64_t download_size(const struct download *d);

/** download_fetched() - body bytes received so far, read past or not */
uint64_t download_fetched(const struct download *d);

/** download_url() - the URL read, after redirects */
const char *download_url(const struct download *d);

/** download_retries() - how many times the download was resumed */
unsigned download_retries(const struct download *d);

/** download_cancelled() - did the cancel flag end it? */
int download_cancelled(const struct download *d);

/** download_close() - NULL-safe */
void download_close(struct download *d);

#endif
