/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_URL_H
#define FW_URL_H

#include "err.h"
#include "fwlimits.h"

/**
 * struct url - an http:// or https:// URL, split for a request
 * @host:   a name or an address; an IPv6 literal without its brackets
 * @port:   decimal, the scheme's default when the URL names none
 * @target: the request target: path and query, at least "/"; no fragment
 */
struct url {
	int https;
	char host[FW_HOST_LEN + 1];
	char port[6];
	char target[FW_URL_LEN + 1];
};

/** url_is_remote() - does @s start with http:// or https:// (any case)? */
int url_is_remote(const char *s);

/**
 * url_parse() - split @s. Refused: another scheme, no host, a bad port,
 * credentials in the URL (they would be logged and kept in the transaction:
 * system.conf's [download] holds them), spaces and control characters.
 * Return: 0, FW_EUSAGE.
 */
int url_parse(const char *s, struct url *u, struct fw_err *err) FW_MUST;

/**
 * url_resolve() - the URL a Location header @loc names, seen from @base
 * (absolute, scheme-relative "//host/..", absolute path, or relative path)
 * into @out of FW_URL_LEN + 1 bytes
 * Return: 0, FW_EUSAGE (too long).
 */
int url_resolve(const struct url *base, const char *loc, char *out, struct fw_err *err) FW_MUST;

/** url_format() - @u back as text, for messages and the transaction */
void url_format(const struct url *u, char *out, size_t size);

/** url_same_origin() - the same scheme, host and port */
int url_same_origin(const struct url *a, const struct url *b);

#endif
