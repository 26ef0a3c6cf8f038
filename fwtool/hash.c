// SPDX-License-Identifier: GPL-2.0-only
#include <nettle/sha2.h>

#include "hash.h"
#include "sha256_x86.h"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(struct hash),
	       "struct hash too small for nettle's sha256_ctx");

/*
 * Runs of whole blocks go to sha256_x86.c where the CPU has SHA-NI; the
 * context stays nettle's (its header documents the fields: the state, a
 * count of whole blocks, and the partial block), so partial blocks, the
 * padding and every other CPU are nettle's code.
 */
enum { ACCEL_UNKNOWN, ACCEL_OFF, ACCEL_ON };
static int accel;

#ifdef SHA256_X86
static int use_accel(void)
{
	int a = __atomic_load_n(&accel, __ATOMIC_RELAXED);

	if (a == ACCEL_UNKNOWN) {
		a = sha256_x86_usable() ? ACCEL_ON : ACCEL_OFF;
		__atomic_store_n(&accel, a, __ATOMIC_RELAXED);
	}
	return a == ACCEL_ON;
}
#endif

void hash_set_accel(int on)
{
	__atomic_store_n(&accel, on ? ACCEL_UNKNOWN : ACCEL_OFF, __ATOMIC_RELAXED);
}

static struct sha256_ctx *ctx(struct hash *h)
{
	return (struct sha256_ctx *)(void *)h->opaque;
}

void hash_init(struct hash *h)
{
	sha256_init(ctx(h));
}

void hash_update(struct hash *h, const void *buf, size_t len)
{
	struct sha256_ctx *c = ctx(h);
	const uint8_t *p = buf;

#ifdef SHA256_X86
	if (use_accel()) {
		size_t n = c->index ? SHA256_BLOCK_SIZE - c->index : 0;

		if (n) { /* nettle completes its partial block */
			n = n < len ? n : len;
			sha256_update(c, n, p);
			p += n;
			len -= n;
		}
		n = c->index ? 0 : len / SHA256_BLOCK_SIZE;
		sha256_x86_blocks(c->state, p, n);
		c->count += n;
		p += n * SHA256_BLOCK_SIZE;
		len -= n * SHA256_BLOCK_SIZE;
	}
#endif
	sha256_update(c, len, p);
}

void hash_final(struct hash *h, uint8_t out[HASH_LEN])
{
	sha256_digest(ctx(h), HASH_LEN, out);
}

void hash_buf(const void *buf, size_t len, uint8_t out[HASH_LEN])
{
	struct hash h;

	hash_init(&h);
	hash_update(&h, buf, len);
	hash_final(&h, out);
}

void hash_buf2(const void *a, size_t alen, uint8_t aout[HASH_LEN], const void *b, size_t blen,
	       uint8_t bout[HASH_LEN])
{
	struct hash x, y;
	size_t n = 0;

	hash_init(&x);
	hash_init(&y);
#ifdef SHA256_X86
	if (use_accel()) {
		n = (alen < blen ? alen : blen) / SHA256_BLOCK_SIZE;
		sha256_x86_blocks2(ctx(&x)->state, a, ctx(&y)->state, b, n);
		ctx(&x)->count = ctx(&y)->count = n;
		n *= SHA256_BLOCK_SIZE;
	}
#endif
	hash_update(&x, (const uint8_t *)a + n, alen - n);
	hash_update(&y, (const uint8_t *)b + n, blen - n);
	hash_final(&x, aout);
	hash_final(&y, bout);
}
