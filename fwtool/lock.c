// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwlimits.h"
#include "lock.h"

int lock_take(const char *path, int *fdp, struct fw_err *err)
{
	char dir[FW_PATH_LEN], pid[32] = "";
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	mkdir(dirname(dir), 0755);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fw_error(err, FW_EIO, "lock %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		close(fd);
		if (e != EWOULDBLOCK)
			return fw_error(err, FW_EIO, "lock %s: %s", path, strerror(e));
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return fw_error(err, FW_EBUSY, "another fwtool (pid %s) holds %s",
				pid[0] ? pid : "?", path);
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0)
		(void)0; /* the pid is only informational */
	*fdp = fd;
	return 0;
}

void lock_release(int *fdp)
{
	if (*fdp >= 0)
		close(*fdp);
	*fdp = -1;
}
