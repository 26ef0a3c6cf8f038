// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "limits.h"
#include "state.h"

#define SECVER_FILE "security-version"

static void state_path(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

int state_secver_get(const char *statedir, uint64_t *secverp, struct fw_err *err)
{
	char path[FW_PATH_LEN], *buf = NULL, *end;
	unsigned long long v;
	int ret;

	*secverp = 0;
	state_path(path, sizeof(path), statedir, SECVER_FILE);
	ret = atomicfile_read(path, 64, &buf, NULL, err);
	if (ret == FW_ENOTFOUND) {
		fw_err_clear(err);
		return 0;
	}
	if (ret)
		return ret;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > FW_SECVER_MAX)
		ret = fw_error(err, FW_EFORMAT, "%s: not a security version", path);
	else
		*secverp = v;
	free(buf);
	return ret;
}

int state_secver_raise(const char *statedir, uint64_t secver, struct fw_err *err)
{
	char path[FW_PATH_LEN], text[32];
	uint64_t cur;
	int ret = state_secver_get(statedir, &cur, err);

	if (ret || secver <= cur)
		return ret;
	mkdir(statedir, 0755);
	state_path(path, sizeof(path), statedir, SECVER_FILE);
	snprintf(text, sizeof(text), "%" PRIu64 "\n", secver);
	return atomicfile_write(path, text, strlen(text), err);
}
