// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "tarpos.h"

void tarpos_init(struct tarpos *t)
{
	memset(t, 0, sizeof(*t));
}

/* A tar number: octal, or base-256 with the high bit set; -1 bad. */
static int64_t tar_number(const uint8_t *f, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x7f)
			return -1;
		for (i = 1; i < len; i++) {
			if (v >> 54)
				return -1;
			v = v << 8 | f[i];
		}
		return (int64_t)v;
	}
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0'); /* 11 digits: < 2^33 */
	return i < len && f[i] && f[i] != ' ' ? -1 : (int64_t)v;
}

/* "size" from a pax header's records ("LEN key=value\n" each). */
static void pax_records(struct tarpos *t, size_t len)
{
	size_t p = 0;

	while (p < len) {
		const char *rec = t->pax + p, *sp = memchr(rec, ' ', len - p);
		unsigned long long v = 0;
		size_t n = 0, q;

		for (q = p; q < len && t->pax[q] >= '0' && t->pax[q] <= '9' && n <= len; q++)
			n = n * 10 + (size_t)(t->pax[q] - '0');
		if (!sp || !n || n > len - p || (size_t)(sp - rec) >= n)
			return;
		if (n - (size_t)(sp - rec) > 6 && !strncmp(sp + 1, "size=", 5)) {
			for (q = (size_t)(sp - t->pax) + 6;
			     q < p + n && t->pax[q] >= '0' && t->pax[q] <= '9'; q++) {
				if (v > TARPOS_SIZE_MAX)
					break;
				v = v * 10 + (unsigned long long)(t->pax[q] - '0');
			}
			t->pax_size = v;
			t->have_pax_size = 1;
		}
		p += n;
	}
}

static uint64_t pad512(uint64_t n)
{
	return (n + 511) & ~(uint64_t)511;
}

/* A header block passed whole: where its member's data is. */
static void tar_header(struct tarpos *t)
{
	int64_t size = tar_number(t->hdr + 124, 12);
	char type = (char)t->hdr[156];
	unsigned i;

	for (i = 0; i < 512 && !t->hdr[i]; i++)
		;
	if (i == 512 || size < 0) {
		t->lost = 1; /* the end blocks, or not tar: libarchive says which */
		return;
	}
	t->data_at = t->hdr_at + 512;
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
		t->ext = type;
		/* records not kept could hold the size: lost, not wrong */
		if (type == 'x' && (uint64_t)size > TARPOS_PAX_MAX) {
			t->lost = 1;
			return;
		}
	} else {
		t->ext = 0;
		if (t->have_pax_size)
			size = (int64_t)t->pax_size;
		t->have_pax_size = 0;
		t->members++;
	}
	if ((uint64_t)size > TARPOS_SIZE_MAX || t->data_at > TARPOS_SIZE_MAX) {
		t->lost = 1;
		return;
	}
	t->data_end = t->data_at + (uint64_t)size;
	t->hdr_at = t->data_at + pad512((uint64_t)size);
	t->hdr_have = 0;
}

uint64_t tarpos_room(const struct tarpos *t)
{
	if (t->lost)
		return UINT64_MAX;
	if (t->v >= t->hdr_at)
		return t->hdr_at + 512 - t->v;
	return t->hdr_at - t->v;
}

void tarpos_skipped(struct tarpos *t, uint64_t n)
{
	if (!t->lost && (t->v >= t->hdr_at || t->ext == 'x' || n > t->hdr_at - t->v))
		t->lost = 1; /* bytes it needed to see */
	t->v += n;
}

void tarpos_passed(struct tarpos *t, const uint8_t *p, size_t n)
{
	uint64_t v = t->v;

	t->v += n;
	if (t->lost)
		return;
	if (n > (v >= t->hdr_at ? t->hdr_at + 512 - v : t->hdr_at - v)) {
		t->lost = 1; /* a caller's piece too large: follow no more */
		return;
	}
	if (v >= t->hdr_at) {
		memcpy(t->hdr + t->hdr_have, p, n);
		t->hdr_have += n;
		if (t->hdr_have == 512)
			tar_header(t);
		return;
	}
	if (t->ext == 'x' && v < t->data_end) {
		size_t k = (size_t)(v - t->data_at), m = n;

		if (v + m > t->data_end)
			m = (size_t)(t->data_end - v);
		memcpy(t->pax + k, p, m);
		if (v + m == t->data_end)
			pax_records(t, (size_t)(t->data_end - t->data_at));
	}
}
