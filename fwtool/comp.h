/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_COMP_H
#define FW_COMP_H

/*
 * The compressions a bundle's image may be stored with: one enum that the
 * manifest, the decoder and the encoder share without knowing each other.
 */
enum comp { COMP_NONE = 0, COMP_GZIP, COMP_XZ, COMP_ZSTD };

/** comp_name() - "none" "gzip" "xz" "zstd" */
const char *comp_name(enum comp c);

/** comp_parse() - the name back; Return: 0 or -1 for any other name */
int comp_parse(const char *s, enum comp *c);

#endif
