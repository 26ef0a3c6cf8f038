/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_TARPOS_H
#define FW_TARPOS_H

#include <stddef.h>
#include <stdint.h>

#define TARPOS_PAX_MAX (8u << 10) /* a pax header's records, kept to read "size" */
#define TARPOS_SIZE_MAX (UINT64_C(1) << 62)

/*
 * Where a stream of a tar (POSIX ustar, pax, GNU long names) stands, from
 * the headers that went past: so that a reader knows, before a byte of a
 * member's data is read, where that data is. It only follows; libarchive
 * still parses and checks the archive. Fed bytes it does not understand,
 * it says it is lost and follows no more.
 */
struct tarpos {
	uint64_t v; /* bytes passed */
	uint64_t hdr_at; /* the next header block */
	uint64_t data_at, data_end; /* of the member being passed */
	unsigned members; /* file members whose header passed */
	char ext; /* the member being passed is a pax or GNU header: its type */
	uint8_t hdr[512];
	size_t hdr_have;
	char pax[TARPOS_PAX_MAX];
	uint64_t pax_size;
	int have_pax_size;
	int lost; /* past the end blocks, or a header not understood */
};

/** tarpos_init() - at the start of an archive */
void tarpos_init(struct tarpos *t);

/**
 * tarpos_room() - the most bytes the next piece may hold: to the end of the
 * header block or of the member being passed (UINT64_MAX once lost)
 */
uint64_t tarpos_room(const struct tarpos *t);

/** tarpos_passed() - @n bytes (at most tarpos_room()) went past */
void tarpos_passed(struct tarpos *t, const uint8_t *p, size_t n);

/**
 * tarpos_skipped() - @n bytes of a member's data (not of a header, nor of a
 * pax header's records) went past unseen
 */
void tarpos_skipped(struct tarpos *t, uint64_t n);

#endif
