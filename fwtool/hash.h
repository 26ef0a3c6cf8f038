/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_HASH_H
#define FW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_LEN 32
#define HASH_HEX_LEN 64

/*
 * Streaming SHA-256 for bulk data. Backed by nettle, which picks SHA-NI or
 * the ARMv8 SHA2 instructions at run time (1.25 GB/s here, against 0.3 GB/s
 * for mbedTLS 2.28's portable code), and on x86 with SHA-NI by runs of
 * blocks of our own (1.3 GB/s, two streams together 1.6). Signatures and
 * X.509 stay on mbedTLS; only bulk hashing lives here. The context is
 * caller storage and opaque so that nettle's headers stay inside hash.c.
 */
struct hash {
	uint64_t opaque[16];
};

void hash_init(struct hash *h);
void hash_update(struct hash *h, const void *buf, size_t len);
/** hash_final() - write the digest to @out; @h must be re-inited to reuse */
void hash_final(struct hash *h, uint8_t out[HASH_LEN]);
/** hash_buf() - one-shot digest of @len bytes */
void hash_buf(const void *buf, size_t len, uint8_t out[HASH_LEN]);
/** hash_buf2() - two one-shot digests, computed side by side */
void hash_buf2(const void *a, size_t alen, uint8_t aout[HASH_LEN], const void *b, size_t blen,
	       uint8_t bout[HASH_LEN]);
/** hash_set_accel() - 0: nettle alone (tests); 1: SHA-NI where there is */
void hash_set_accel(int on);

#endif
