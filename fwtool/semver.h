/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SEMVER_H
#define FW_SEMVER_H

#include <stdint.h>

/**
 * struct semver - MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (semver.org 2.0)
 * @pre: points into the parsed string; valid as long as that string.
 */
struct semver {
	uint64_t major, minor, patch;
	const char *pre;
	unsigned pre_len;
};

/**
 * semver_parse() - parse @s strictly (no leading zeros, no "v" prefix)
 * Return: 0, or -1 when @s is not a semantic version.
 */
int semver_parse(const char *s, struct semver *v);

/** semver_cmp() - <0, 0, >0 by semver precedence (build metadata ignored) */
int semver_cmp(const struct semver *a, const struct semver *b);

#endif
