// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <string.h>

#include "semver.h"

/* A numeric identifier: digits, no leading zero, fits in 64 bits. */
static const char *parse_num(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return NULL;
	if (*p == '0' && isdigit((unsigned char)p[1]))
		return NULL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return p;
}

/*
 * Dot-separated identifiers of [0-9A-Za-z-]; returns the end. In a
 * pre-release a numeric identifier has no leading zero (SemVer 2.0.0 9);
 * build metadata may have one.
 */
static const char *parse_idents(const char *p, int prerelease)
{
	for (;;) {
		const char *start = p;
		int digits = 1;

		for (; isalnum((unsigned char)*p) || *p == '-'; p++)
			digits &= isdigit((unsigned char)*p) != 0;
		if (p == start || (prerelease && digits && *start == '0' && p - start > 1))
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

int semver_parse(const char *s, struct semver *v)
{
	const char *p;

	memset(v, 0, sizeof(*v));
	p = parse_num(s, &v->major);
	if (!p || *p++ != '.')
		return -1;
	p = parse_num(p, &v->minor);
	if (!p || *p++ != '.')
		return -1;
	p = parse_num(p, &v->patch);
	if (!p)
		return -1;
	if (*p == '-') {
		const char *end = parse_idents(p + 1, 1);

		if (!end)
			return -1;
		v->pre = p + 1;
		v->pre_len = (unsigned)(end - v->pre);
		p = end;
	}
	if (*p == '+') {
		p = parse_idents(p + 1, 0);
		if (!p)
			return -1;
	}
	return *p ? -1 : 0;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One pre-release identifier against another (semver.org rule 11). */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	int ad = all_digits(a, an), bd = all_digits(b, bn), c;

	if (ad && bd) {
		if (an != bn)
			return an < bn ? -1 : 1;
		return memcmp(a, b, an);
	}
	if (ad != bd)
		return ad ? -1 : 1;
	c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an == bn ? 0 : (an < bn ? -1 : 1);
}

static int cmp_pre(const struct semver *a, const struct semver *b)
{
	const char *pa = a->pre, *pb = b->pre;
	const char *ea = pa + a->pre_len, *eb = pb + b->pre_len;

	if (!a->pre_len || !b->pre_len)
		return (int)!a->pre_len - (int)!b->pre_len;
	while (pa < ea && pb < eb) {
		const char *da = memchr(pa, '.', (size_t)(ea - pa));
		const char *db = memchr(pb, '.', (size_t)(eb - pb));
		int c;

		if (!da)
			da = ea;
		if (!db)
			db = eb;
		c = cmp_ident(pa, (size_t)(da - pa), pb, (size_t)(db - pb));
		if (c)
			return c;
		pa = da < ea ? da + 1 : ea;
		pb = db < eb ? db + 1 : eb;
	}
	return (pa < ea) - (pb < eb);
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return cmp_pre(a, b);
}
