/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_HEX_H
#define FW_HEX_H

#include <stddef.h>
#include <stdint.h>

/** hex_encode() - write 2*@len lowercase hex digits and a NUL to @out */
void hex_encode(const uint8_t *buf, size_t len, char *out);

/**
 * hex_decode() - decode exactly 2*@len lowercase or uppercase hex digits
 * Return: 0, or -1 if @hex holds a non-hex character.
 */
int hex_decode(const char *hex, size_t len, uint8_t *out);

#endif
