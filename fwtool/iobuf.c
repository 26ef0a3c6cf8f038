// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <sys/mman.h>

#include "iobuf.h"

#define HUGE (2u << 20)

static size_t huge_round(size_t len)
{
	return (len + HUGE - 1) & ~(size_t)(HUGE - 1);
}

void *iobuf_alloc(size_t len)
{
	size_t n = huge_round(len), head;
	uint8_t *raw, *p;

	if (!len || n < len)
		return NULL;
	/* one huge page more than needed, then trim to the aligned part */
	raw = mmap(NULL, n + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	head = (size_t)(p - raw);
	if (head)
		munmap(raw, head);
	munmap(p + n, HUGE - head);
	/* a hint, fine when refused; only for whole huge pages, since the
	 * first touch of one makes all 2 MiB of it resident */
	if (n == len)
		(void)madvise(p, n, MADV_HUGEPAGE);
	return p;
}

void iobuf_free(void *p, size_t len)
{
	if (p)
		munmap(p, huge_round(len));
}
