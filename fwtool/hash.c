// SPDX-License-Identifier: GPL-2.0-only
#include <nettle/sha2.h>

#include "hash.h"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(struct hash),
	       "struct hash too small for nettle's sha256_ctx");

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
	sha256_update(ctx(h), len, buf);
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
