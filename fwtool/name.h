/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_NAME_H
#define FW_NAME_H

#include <stddef.h>

/**
 * fw_name_ok() - a name fwtool takes from outside for a class, a slot, a
 * bootname or a key: [a-z0-9_-], 1..@max characters. The same rule for the
 * manifest and system.conf, so that whatever one accepts the other can name.
 */
int fw_name_ok(const char *s, size_t max);

#endif
