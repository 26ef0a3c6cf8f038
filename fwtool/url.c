// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

int url_is_remote(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* A host name or IPv4 address: letters, digits, '-', '.', '_'. */
static int host_ok(const char *h, size_t len)
{
	if (!len || len > FW_HOST_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr("-._", h[i]))
			return 0;
	return 1;
}

static int v6_ok(const char *h, size_t len)
{
	if (!len || len > 45)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
			return 0;
	return 1;
}

/* "[v6]" or "name", then an optional ":port", in @auth of @len bytes */
static int parse_authority(const char *auth, size_t len, struct url *u, const char *s,
			   struct fw_err *err)
{
	const char *host = auth, *colon = NULL;
	size_t hlen;

	if (memchr(auth, '@', len))
		return fw_error(err, FW_EUSAGE,
				"URL %.80s: credentials in a URL are not taken (they would be "
				"logged): set them in system.conf's [download]",
				s);
	if (len && *auth == '[') {
		const char *close = memchr(auth, ']', len);

		if (!close)
			return fw_error(err, FW_EUSAGE, "URL %.200s: unclosed '[' in the host", s);
		host = auth + 1;
		hlen = (size_t)(close - host);
		if (!v6_ok(host, hlen))
			return fw_error(err, FW_EUSAGE, "URL %.200s: bad IPv6 address", s);
		if (close + 1 < auth + len) {
			if (close[1] != ':')
				return fw_error(err, FW_EUSAGE, "URL %.200s: junk after ']'", s);
			colon = close + 1;
		}
	} else {
		colon = memchr(auth, ':', len);
		hlen = colon ? (size_t)(colon - auth) : len;
		if (!host_ok(host, hlen))
			return fw_error(err, FW_EUSAGE, "URL %.200s: no host, or a bad one", s);
	}
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	snprintf(u->port, sizeof(u->port), "%s", u->https ? "443" : "80");
	if (colon) {
		size_t plen = (size_t)(auth + len - colon - 1);
		unsigned long port = 0;

		for (size_t i = 0; i < plen; i++) {
			if (!isdigit((unsigned char)colon[1 + i]) || port > 65535)
				return fw_error(err, FW_EUSAGE, "URL %.200s: bad port", s);
			port = port * 10 + (unsigned long)(colon[1 + i] - '0');
		}
		if (!plen || !port || port > 65535)
			return fw_error(err, FW_EUSAGE, "URL %.200s: bad port", s);
		snprintf(u->port, sizeof(u->port), "%lu", port);
	}
	return 0;
}

int url_parse(const char *s, struct url *u, struct fw_err *err)
{
	const char *p, *end;
	size_t len = strlen(s), tlen;

	memset(u, 0, sizeof(*u));
	if (len > FW_URL_LEN)
		return fw_error(err, FW_EUSAGE, "URL %.80s...: longer than %u characters", s,
				FW_URL_LEN);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fw_error(err, FW_EUSAGE,
					"URL %.200s: spaces and control characters must be "
					"%%-encoded",
					s);
	if (!strncasecmp(s, "https://", 8)) {
		u->https = 1;
		p = s + 8;
	} else if (!strncasecmp(s, "http://", 7)) {
		p = s + 7;
	} else {
		return fw_error(err, FW_EUSAGE, "URL %.200s: only http:// and https:// are read",
				s);
	}
	end = p + strcspn(p, "/?#");
	if (parse_authority(p, (size_t)(end - p), u, s, err))
		return err->code;
	tlen = strcspn(end, "#");
	if (*end != '/')
		u->target[0] = '/';
	memcpy(u->target + (*end != '/'), end, tlen);
	u->target[tlen + (*end != '/')] = '\0';
	return 0;
}

void url_format(const struct url *u, char *out, size_t size)
{
	int v6 = strchr(u->host, ':') != NULL;
	int dflt = !strcmp(u->port, u->https ? "443" : "80");

	snprintf(out, size, "%s://%s%s%s%s%s%s", u->https ? "https" : "http", v6 ? "[" : "",
		 u->host, v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : u->port, u->target);
}

/* "scheme:" first: an absolute reference, whatever scheme (RFC 3986 3.1) */
static int has_scheme(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':';
}

int url_resolve(const struct url *base, const char *loc, char *out, struct fw_err *err)
{
	char origin[FW_URL_LEN + 1];
	struct url o = *base;
	int n;

	if (url_is_remote(loc) || has_scheme(loc)) {
		n = snprintf(out, FW_URL_LEN + 1, "%s", loc);
	} else if (loc[0] == '/' && loc[1] == '/') {
		n = snprintf(out, FW_URL_LEN + 1, "%s:%s", base->https ? "https" : "http", loc);
	} else {
		size_t dir;

		snprintf(o.target, sizeof(o.target), "/");
		url_format(&o, origin, sizeof(origin));
		origin[strlen(origin) - 1] = '\0';
		if (loc[0] == '/') {
			n = snprintf(out, FW_URL_LEN + 1, "%s%s", origin, loc);
		} else {
			/* relative to the folder of the base's path (RFC 3986
			 * 5.2.3; dot segments are the server's business) */
			dir = strcspn(base->target, "?");
			while (dir && base->target[dir - 1] != '/')
				dir--;
			n = snprintf(out, FW_URL_LEN + 1, "%s%.*s%s", origin, (int)dir,
				     base->target, loc);
		}
	}
	if (n < 0 || n > (int)FW_URL_LEN)
		return fw_error(err, FW_EUSAGE, "redirect to a URL longer than %u characters",
				FW_URL_LEN);
	return 0;
}

int url_same_origin(const struct url *a, const struct url *b)
{
	return a->https == b->https && !strcasecmp(a->host, b->host) && !strcmp(a->port, b->port);
}
