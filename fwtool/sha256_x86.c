// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256 compression with the x86 SHA extensions, one stream or two side
 * by side. nettle's SHA-NI code takes one block per call and reloads the
 * state each time; a run of blocks in one call does 1.34-1.40 GB/s here
 * against nettle's 1.24-1.32, and two independent streams interleaved keep
 * the SHA unit busier than one dependent chain can (1.69-1.72 GB/s for
 * both). The state is
 * a, b, ... h as FIPS 180-4 names them, in native words.
 *
 * The instructions hold the state as two vectors, ABEF and CDGH (A in the
 * top lane). sha256rnds2 does two rounds; sha256msg1 and sha256msg2 extend
 * the message schedule four words at a time: W[t] = s1(W[t-2]) + W[t-7] +
 * s0(W[t-15]) + W[t-16]. The round loops are unrolled: with the group
 * number known at compile time the four message vectors stay in registers
 * (rolled, GCC kept them on the stack, and ran no faster than nettle).
 */
#include "sha256_x86.h"

#ifdef SHA256_X86
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

struct vstate {
	__m128i abef, cdgh;
};

SHA_TARGET static inline struct vstate load(const uint32_t h[8])
{
	__m128i badc = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
	__m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);

	return (struct vstate){_mm_alignr_epi8(badc, hgfe, 8), _mm_blend_epi16(hgfe, badc, 0xF0)};
}

SHA_TARGET static inline void store(uint32_t h[8], struct vstate s)
{
	__m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);

	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

/* Rounds 4g .. 4g+3, with the message words @m of that group. */
#define ROUNDS4(s, m, g)                                                                           \
	do {                                                                                       \
		__m128i wk_ = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(K + 4 * (g))));   \
		s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk_);                               \
		s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32(wk_, 0x0E));      \
	} while (0)

/* W[4g .. 4g+3] into m[g % 4], which held W[4g-16 .. 4g-13]. */
#define SCHEDULE(m, g)                                                                             \
	(m[(g) % 4] = _mm_sha256msg2_epu32(                                                        \
		 _mm_add_epi32(_mm_sha256msg1_epu32(m[(g) % 4], m[((g) + 1) % 4]),                 \
			       _mm_alignr_epi8(m[((g) + 3) % 4], m[((g) + 2) % 4], 4)),            \
		 m[((g) + 3) % 4]))

/* the message is big-endian words */
#define LOAD_WORDS(p, g)                                                                           \
	_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 16 * (g))),                       \
			 _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL))

SHA_TARGET void sha256_x86_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
	struct vstate s = load(h);

	for (; n; n--, p += 64) {
		struct vstate s0 = s;
		__m128i m[4];

#pragma GCC unroll 4
		for (int g = 0; g < 4; g++) {
			m[g] = LOAD_WORDS(p, g);
			ROUNDS4(s, m[g], g);
		}
#pragma GCC unroll 12
		for (int g = 4; g < 16; g++) {
			SCHEDULE(m, g);
			ROUNDS4(s, m[g % 4], g);
		}
		s.abef = _mm_add_epi32(s.abef, s0.abef);
		s.cdgh = _mm_add_epi32(s.cdgh, s0.cdgh);
	}
	store(h, s);
}

SHA_TARGET void sha256_x86_blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8],
				   const uint8_t *pb, size_t n)
{
	struct vstate a = load(ha), b = load(hb);

	for (; n; n--, pa += 64, pb += 64) {
		struct vstate a0 = a, b0 = b;
		__m128i ma[4], mb[4];

#pragma GCC unroll 4
		for (int g = 0; g < 4; g++) {
			ma[g] = LOAD_WORDS(pa, g);
			mb[g] = LOAD_WORDS(pb, g);
			ROUNDS4(a, ma[g], g);
			ROUNDS4(b, mb[g], g);
		}
#pragma GCC unroll 12
		for (int g = 4; g < 16; g++) {
			SCHEDULE(ma, g);
			SCHEDULE(mb, g);
			ROUNDS4(a, ma[g % 4], g);
			ROUNDS4(b, mb[g % 4], g);
		}
		a.abef = _mm_add_epi32(a.abef, a0.abef);
		a.cdgh = _mm_add_epi32(a.cdgh, a0.cdgh);
		b.abef = _mm_add_epi32(b.abef, b0.abef);
		b.cdgh = _mm_add_epi32(b.cdgh, b0.cdgh);
	}
	store(ha, a);
	store(hb, b);
}

int sha256_x86_usable(void)
{
	unsigned a, b, c, d;

	/* SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19), SHA (leaf 7, EBX 29) */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#endif
