// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

char *testutil_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/fwtool-unit-XXXXXX", base ? base : "/tmp") < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

void testutil_rmrf(char *dir)
{
	char *cmd;

	if (!dir)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", dir);
		free(cmd);
	}
	free(dir);
}

char *testutil_write(const char *dir, const char *name, const void *buf, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	return path;
}
