// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <strings.h>

#include "hosts.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of [*p, end), or 0 at the end of the line's content. */
static size_t word(const char **p, const char *end)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && blank(*s))
		s++;
	while (s + n < end && !blank(s[n]))
		n++;
	*p = s;
	return n;
}

int hosts_find(const char *text, size_t len, const char *name, char *addr, size_t size)
{
	const char *p = text, *end = text + len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *hash = memchr(p, '#', (size_t)(le - p));
		const char *a, *w;
		size_t alen, n;

		if (hash)
			le = hash;
		a = p;
		alen = word(&a, le);
		w = a + alen;
		while (alen && (n = word(&w, le))) {
			if (n == nlen && !strncasecmp(w, name, n) && alen < size) {
				memcpy(addr, a, alen);
				addr[alen] = '\0';
				return 1;
			}
			w += n;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}
