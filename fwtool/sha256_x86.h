/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SHA256_X86_H
#define FW_SHA256_X86_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 5)
#define SHA256_X86 1
/** sha256_x86_usable() - the CPU has SHA, SSSE3 and SSE4.1 */
int sha256_x86_usable(void);
/** sha256_x86_blocks() - compress @n 64-byte blocks at @p into @h */
void sha256_x86_blocks(uint32_t h[8], const uint8_t *p, size_t n);
/** sha256_x86_blocks2() - the same for two streams of @n blocks each */
void sha256_x86_blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8], const uint8_t *pb,
			size_t n);
#endif

#endif
