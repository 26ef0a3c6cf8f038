// SPDX-License-Identifier: GPL-2.0-only
/* The bundle writer (CONFIG_BUNDLE_CREATE): pax through libarchive. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "bundle.h"

struct bundle_writer {
	struct archive *a;
	struct archive_entry *e;
	time_t mtime;
	int fd;
	char path[FW_PATH_LEN];
	char tmp[FW_PATH_LEN + 16];
};

int bundle_writer_open(struct bundle_writer **wp, const char *path, time_t mtime,
		       struct fw_err *err)
{
	struct bundle_writer *w = calloc(1, sizeof(*w));

	*wp = NULL;
	if (!w)
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	w->fd = -1;
	w->mtime = mtime;
	if (strlen(path) >= sizeof(w->path)) {
		free(w);
		return fw_error(err, FW_EUSAGE, "bundle: output path too long");
	}
	strcpy(w->path, path);
	if (!strcmp(path, "-")) {
		w->fd = dup(STDOUT_FILENO);
	} else {
		snprintf(w->tmp, sizeof(w->tmp), "%s.tmp-XXXXXX", path);
		w->fd = mkstemp(w->tmp);
		if (w->fd >= 0)
			fchmod(w->fd, 0644);
	}
	if (w->fd < 0) {
		fw_error(err, FW_EIO, "bundle: create %s: %s", w->tmp, strerror(errno));
		w->tmp[0] = '\0';
		bundle_writer_free(w);
		return FW_EIO;
	}
	w->a = archive_write_new();
	w->e = archive_entry_new();
	/* ustar where it fits, pax headers for members of 8 GiB and more */
	if (!w->a || !w->e || archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK) {
		fw_error(err, FW_EIO, "bundle: %s",
			 w->a ? archive_error_string(w->a) : "out of memory");
		bundle_writer_free(w);
		return FW_EIO;
	}
	*wp = w;
	return 0;
}

int bundle_writer_add(struct bundle_writer *w, const char *name, uint64_t size, struct fw_err *err)
{
	archive_entry_clear(w->e);
	archive_entry_set_pathname(w->e, name);
	archive_entry_set_filetype(w->e, AE_IFREG);
	archive_entry_set_perm(w->e, 0644);
	archive_entry_set_size(w->e, (la_int64_t)size);
	archive_entry_set_mtime(w->e, w->mtime, 0);
	if (archive_write_header(w->a, w->e) != ARCHIVE_OK)
		return fw_error(err, FW_EIO, "bundle: member %s: %s", name,
				archive_error_string(w->a));
	return 0;
}

int bundle_writer_data(struct bundle_writer *w, const void *buf, size_t len, struct fw_err *err)
{
	const uint8_t *p = buf;

	while (len) {
		la_ssize_t n = archive_write_data(w->a, p, len);

		if (n <= 0)
			return fw_error(err, FW_EIO, "bundle: write %s: %s", w->tmp,
					archive_error_string(w->a));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bundle_writer_commit(struct bundle_writer *w, struct fw_err *err)
{
	char dir[FW_PATH_LEN];
	int dfd;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		return fw_error(err, FW_EIO, "bundle: finish %s: %s", w->tmp,
				archive_error_string(w->a));
	if (!w->tmp[0])
		return 0; /* standard output */
	if (fsync(w->fd))
		return fw_error(err, FW_EIO, "bundle: fsync %s: %s", w->tmp, strerror(errno));
	if (rename(w->tmp, w->path))
		return fw_error(err, FW_EIO, "bundle: rename to %s: %s", w->path, strerror(errno));
	w->tmp[0] = '\0';
	strcpy(dir, w->path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void bundle_writer_free(struct bundle_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	archive_entry_free(w->e);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0])
		unlink(w->tmp);
	free(w);
}
