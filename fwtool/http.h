/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_HTTP_H
#define FW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fwlimits.h"

/*
 * The HTTP/1.1 a download needs (RFC 9112, RFC 9110): a response's status
 * line and the headers that say how long the body is, which part of the
 * resource it is and which version of it. Pure functions on bytes, fuzzed.
 */

/**
 * struct http_resp - a response head
 * @length:     Content-Length, or -1 when there is none
 * @chunked:    Transfer-Encoding: chunked (which then overrides @length)
 * @keep_alive: the connection may carry another request
 * @range_*:    Content-Range of a 206; @range_total -1 for "*"
 * @etag, @last_modified: the validators, verbatim ("" when absent)
 */
struct http_resp {
	int version; /* 10 or 11 */
	int status;
	int64_t length;
	int chunked;
	int keep_alive;
	int has_range;
	uint64_t range_start, range_end;
	int64_t range_total;
	char etag[128];
	char last_modified[64];
	char location[FW_URL_LEN + 1];
};

/**
 * http_head_end() - the length of the head at @buf (through the blank line
 * that ends it), or 0 when @len bytes do not hold all of it yet
 */
size_t http_head_end(const char *buf, size_t len);

/**
 * http_parse_head() - parse a complete head of @len bytes (as http_head_end()
 * measured it). Refused: not HTTP/1.x, a bad status, a header line without a
 * colon, a Content-Length that is not one decimal number (or two that
 * differ), a Transfer-Encoding other than chunked, a Content-Range that does
 * not parse or is inverted.
 * Return: 0, FW_EFORMAT.
 */
int http_parse_head(const char *buf, size_t len, struct http_resp *r, struct fw_err *err) FW_MUST;

/**
 * http_chunk_size() - the size on a chunk-size line of @len bytes (without
 * its CRLF), extensions ignored
 * Return: 0, FW_EFORMAT (no hex digits, junk, over 2^60).
 */
int http_chunk_size(const char *line, size_t len, uint64_t *sizep, struct fw_err *err) FW_MUST;

#endif
