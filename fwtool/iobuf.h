/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_IOBUF_H
#define FW_IOBUF_H

#include <stddef.h>

/*
 * Large I/O buffers, aligned to 2 MiB; those that fill whole 2 MiB pages
 * are backed by transparent huge pages where the kernel allows (THP
 * "madvise" or "always"). On a VM each first
 * touch of a 4 KiB page is a trip to the hypervisor: a fresh 1 MiB buffer
 * cost 2-9 ms to fill page by page here, and one huge page 0.1-0.4 ms.
 * Without THP they are plain pages, aligned for O_DIRECT all the same.
 */

/** iobuf_alloc() - @len bytes, 2 MiB-aligned; NULL when out of memory */
void *iobuf_alloc(size_t len);
/** iobuf_free() - NULL-safe; @len as given to iobuf_alloc() */
void iobuf_free(void *p, size_t len);

#endif
