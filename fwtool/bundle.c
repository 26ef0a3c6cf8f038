// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "bundle.h"
#include "download.h"
#include "fdio.h"
#include "hash.h"
#include "iobuf.h"
#include "tarpos.h"
#include "url.h"

#define READ_BLOCK (2u << 20) /* one huge page: iobuf.h */
#define FILE_BLOCK (64u << 10) /* a file's tar headers; its data is read direct */
#define NET_BLOCK (256u << 10) /* gathered from TLS records per read */
#define NET_WINDOW (64u << 10) /* asked for at a time around tar headers */

/*
 * Adaptive reads of an uncompressed image: chunk k comes from a slot that
 * holds it at the same offset, or from the network. Whatever comes from a
 * slot is checked against the signed chunk list by the pipeline exactly
 * as fetched bytes are: this only chooses where the bytes are read.
 */
enum { FROM_NET, FROM_RUN, FROM_TGT };

struct adapt {
	const struct manifest_image *img;
	int fd[3]; /* FROM_RUN, FROM_TGT; -1 none */
	uint8_t *from; /* per chunk */
	int planned;
};

struct bundle_reader {
	struct archive *a;
	int fd, own_fd;
	int waits; /* a pipe or socket: read() may block for good */
	uint8_t *block;
	size_t block_size;
	/* a regular file: each member's data is read with pread() straight
	 * into the caller's buffer, and libarchive, which reads and checks
	 * the headers, skips it (fd_skip) */
	int seekable, direct;
	uint64_t data_off, data_left, file_size;
	const volatile sig_atomic_t *cancel;
	struct download *net; /* an http(s) URL, else the fd */
	struct fw_err net_err; /* why it stopped */
	struct tarpos tp;
	struct adapt ad[FW_IMAGES_MAX];
	uint64_t copied;
	/* member names seen so far, to tell a duplicate from a stray */
	char seen[3 + FW_IMAGES_MAX][FW_MEMBER_LEN + 1];
	unsigned nseen;
	char cur[FW_MEMBER_LEN + 1];
};

void bundle_header_free(struct bundle_header *h)
{
	free(h->manifest);
	free(h->chain);
	h->manifest = h->chain = NULL;
	h->manifest_len = h->chain_len = h->sig_len = 0;
}

/*
 * What the descriptor is: a pipe, a socket or a terminal, whose read() can
 * wait for good (r->waits); or a regular file whose offset is where
 * libarchive stands, which may seek and be read direct (r->seekable).
 */
static void classify_fd(struct bundle_reader *r)
{
	struct stat st;

	if (r->fd < 0 || fstat(r->fd, &st))
		return;
	r->waits = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
	r->seekable = !r->net && S_ISREG(st.st_mode) && lseek(r->fd, 0, SEEK_CUR) == 0;
	r->file_size = (uint64_t)st.st_size;
}

/*
 * How much a read of a regular file may take: up to the end of the header
 * block or of the member being passed, so that tarpos knows where each
 * member's data begins before libarchive asks for a byte of it.
 */
static size_t file_piece(const struct bundle_reader *r)
{
	uint64_t room = r->seekable ? tarpos_room(&r->tp) : UINT64_MAX;

	return room < r->block_size ? (size_t)room : r->block_size;
}

/*
 * libarchive skips a member's data (what bundle_read() took with pread(),
 * or what nobody read) by seeking; never a header, nor a pax header's
 * records, which tarpos reads for their "size".
 */
static la_int64_t fd_skip(struct archive *a, void *data, la_int64_t request)
{
	struct bundle_reader *r = data;
	struct tarpos *t = &r->tp;
	uint64_t room = tarpos_room(t);

	(void)a;
	if (t->lost || t->v >= t->hdr_at || t->ext || request <= 0)
		return 0;
	if ((uint64_t)request > room)
		request = (la_int64_t)room;
	if (lseek(r->fd, request, SEEK_CUR) < 0)
		return 0;
	tarpos_skipped(t, (uint64_t)request);
	return request;
}

/*
 * Our own read callback rather than libarchive's: libarchive retries a read
 * that a signal interrupted, so a SIGTERM would never stop an install that
 * waits on a pipe. Here EINTR ends the read once the cancel flag is set.
 * A signal can also land just before read() blocks, when EINTR never comes:
 * on a pipe or socket the flag is therefore checked again at least every
 * 250 ms while poll() waits for data.
 */
static la_ssize_t fd_read(struct archive *a, void *data, const void **buf)
{
	struct bundle_reader *r = data;

	for (;;) {
		struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
		ssize_t n;

		if (r->cancel && *r->cancel) {
			errno = EINTR;
			break;
		}
		if (r->waits) {
			int k = poll(&pfd, 1, 250);

			if (k == 0 || (k < 0 && errno == EINTR))
				continue;
			/* readable, hung up, or poll failed: read() says which */
		}
		n = read(r->fd, r->block, file_piece(r));
		if (n >= 0) {
			if (r->seekable)
				tarpos_passed(&r->tp, r->block, (size_t)n);
			*buf = r->block;
			return n;
		}
		if (errno != EINTR)
			break;
	}
	archive_set_error(a, errno, "%s",
			  errno == EINTR ? "interrupted by a signal" : strerror(errno));
	return -1;
}

/* ---- a URL ----------------------------------------------------------- */

/* Up to @want bytes from the network at t->v, asking for up to @ask. */
static int net_piece(struct bundle_reader *r, size_t want, uint64_t ask, size_t *gotp)
{
	int64_t total = download_size(r->net);
	size_t got = 0, n;

	if (total >= 0 && ask > (uint64_t)total)
		ask = (uint64_t)total;
	download_seek(r->net, r->tp.v, ask > r->tp.v ? ask : r->tp.v + want);
	while (got < want) {
		if (download_read(r->net, r->block + got, want - got, &n, &r->net_err))
			return -1;
		if (!n)
			break;
		got += n;
	}
	*gotp = got;
	return 0;
}

/*
 * Chunk by chunk: which of them a slot holds already (none: all fetched).
 * An uncompressed image's chunks are its stored ones; a seekable one's are
 * what its frames decode to, listed in content_chunks.
 */
static void plan(struct bundle_reader *r, struct adapt *ad)
{
	const struct manifest_image *img = ad->img;
	const uint8_t *want = img->frame_at ? img->content_chunks : img->chunks;
	uint8_t sum[HASH_LEN];

	ad->planned = 1;
	ad->from = calloc(img->nchunks ? img->nchunks : 1, 1);
	if (!ad->from)
		return;
	for (uint32_t k = 0; k < img->nchunks; k++) {
		uint64_t off = (uint64_t)k * img->chunk_size;
		size_t len = img->installed_size - off < img->chunk_size
				     ? (size_t)(img->installed_size - off)
				     : img->chunk_size;

		for (int src = FROM_RUN; src <= FROM_TGT; src++) {
			if (ad->fd[src] < 0 || len > READ_BLOCK ||
			    pread(ad->fd[src], r->block, len, (off_t)off) != (ssize_t)len)
				continue;
			hash_buf(r->block, len, sum);
			if (!memcmp(sum, want + (size_t)k * HASH_LEN, HASH_LEN)) {
				ad->from[k] = (uint8_t)src;
				break;
			}
		}
	}
}

/* The stored chunk (seekable: frame) that holds stored offset @off. */
static uint32_t chunk_at(const struct manifest_image *img, uint64_t off)
{
	uint32_t lo = 0, hi = img->nchunks - 1;

	if (!img->frame_at)
		return (uint32_t)(off / img->chunk_size);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (img->frame_at[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Where stored chunk @k ends. */
static uint64_t chunk_end(const struct manifest_image *img, uint32_t k)
{
	uint64_t end = (uint64_t)(k + 1) * img->chunk_size;

	if (img->frame_at)
		return img->frame_at[k + 1];
	return end < img->size ? end : img->size;
}

/*
 * The next piece of an image's data that has a plan. A seekable image's
 * frame that a slot holds is not fetched: libarchive is given placeholder
 * bytes in its place, and the pipeline, told by bundle_local_read(), drops them and
 * reads the chunk it decodes to from the slot instead.
 */
static int adaptive_piece(struct bundle_reader *r, struct adapt *ad, size_t *np)
{
	const struct manifest_image *img = ad->img;
	uint64_t off = r->tp.v - r->tp.data_at, cend;
	uint32_t k, e;
	size_t want;
	ssize_t n;

	if (!ad->planned)
		plan(r, ad);
	k = e = chunk_at(img, off);
	cend = chunk_end(img, k);
	want = cend - off > READ_BLOCK ? READ_BLOCK : (size_t)(cend - off);
	if (!ad->from || ad->from[k] == FROM_NET) {
		/* fetch this chunk and the ones after it that no slot holds,
		 * in one range */
		while (e + 1 < img->nchunks && (!ad->from || ad->from[e + 1] == FROM_NET))
			e++;
		cend = chunk_end(img, e);
		want = cend - off > NET_BLOCK ? NET_BLOCK : (size_t)(cend - off);
		return net_piece(r, want, r->tp.data_at + cend, np);
	}
	if (img->frame_at) {
		/* placeholders: the pipeline drops them unread, so whatever
		 * the block holds will do (no pass over it) */
		*np = want;
		return 0;
	}
	n = pread(ad->fd[ad->from[k]], r->block, want, (off_t)off);
	if (n != (ssize_t)want) {
		fw_error(&r->net_err, FW_EIO, "slot changed while read: chunk %u of %s", k,
			 img->file);
		return -1;
	}
	r->copied += want;
	*np = want;
	return 0;
}

int bundle_local_read(struct bundle_reader *r, const struct manifest_image *img, uint32_t k,
		      uint64_t off, void *buf, size_t len, int *local, struct fw_err *err)
{
	struct adapt *ad = NULL;
	ssize_t n;

	*local = 0;
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++)
		if (r->ad[i].img == img)
			ad = &r->ad[i];
	/* no plan: the stream has not reached the image by a plan (it was
	 * lost, or fetched whole), so every frame came from the network */
	if (!ad || !img->frame_at || k >= img->nchunks || !ad->from)
		return 0;
	if (ad->from[k] == FROM_NET)
		return 0;
	n = pread(ad->fd[ad->from[k]], buf, len, (off_t)off);
	if (n != (ssize_t)len)
		return fw_error(err, FW_EIO, "slot changed while read: chunk %u of %s", k,
				img->file);
	r->copied += len;
	*local = 1;
	return 0;
}

/*
 * The same for a URL: gather TLS records into one block, so libarchive sees
 * reads the size a file gives it. The stream follows the tar as it passes,
 * so that an image with a plan (bundle_adapt()) is read from the slots where
 * they hold its chunks, and only the rest fetched, by ranges. The
 * download's own error is kept, as libarchive keeps only an errno and a
 * string.
 */
static la_ssize_t net_read(struct archive *a, void *data, const void **buf)
{
	struct bundle_reader *r = data;
	struct tarpos *t = &r->tp;
	size_t n = 0;
	int ret;

	if (t->lost || download_size(r->net) < 0) {
		t->lost = 1;
		ret = net_piece(r, NET_BLOCK, UINT64_MAX, &n);
	} else if (t->v >= t->hdr_at) {
		/* a header: the signed members' in one window with their data;
		 * an image's alone, as the image may come from the slots */
		ret = net_piece(r, (size_t)(t->hdr_at + 512 - t->v),
				t->members < 3 ? t->v + NET_WINDOW : t->hdr_at + 512, &n);
	} else {
		unsigned idx = t->members - 4; /* after the three signed members */
		struct adapt *ad = !t->ext && t->members >= 4 && idx < FW_IMAGES_MAX ? &r->ad[idx]
										     : NULL;

		if (ad && ad->img && t->v < t->data_end &&
		    t->data_end - t->data_at == ad->img->size && ad->img->nchunks) {
			ret = adaptive_piece(r, ad, &n);
		} else {
			uint64_t left = t->hdr_at - t->v;

			/* to the member's end, and for a signed one the next
			 * header with it */
			ret = net_piece(r, left > NET_BLOCK ? NET_BLOCK : (size_t)left,
					t->hdr_at + (t->members < 3 && !t->ext ? 512 : 0), &n);
		}
	}
	if (ret) {
		archive_set_error(a, download_cancelled(r->net) ? EINTR : EIO, "%s",
				  r->net_err.msg);
		return -1;
	}
	tarpos_passed(t, r->block, n);
	*buf = r->block;
	return (la_ssize_t)n;
}

int bundle_adapt(struct bundle_reader *r, const struct manifest *m, unsigned idx, const char *run,
		 const char *tgt)
{
	struct adapt *ad = &r->ad[idx];
	const char *path[3] = {NULL, run, tgt};

	if (!r->net || idx >= m->nimages || ad->img ||
	    (m->images[idx].compression != COMP_NONE && !m->images[idx].frame_at))
		return 0;
	for (int src = FROM_RUN; src <= FROM_TGT; src++)
		ad->fd[src] = path[src] && *path[src] ? open(path[src], O_RDONLY | O_CLOEXEC) : -1;
	if (ad->fd[FROM_RUN] < 0 && ad->fd[FROM_TGT] < 0)
		return 0;
	ad->img = &m->images[idx];
	return 1;
}

void bundle_transfer(const struct bundle_reader *r, uint64_t *fetched, uint64_t *copied)
{
	*fetched = r->net ? download_fetched(r->net) : 0;
	*copied = r->copied;
}

static int open_url(struct bundle_reader *r, const char *url, const struct download_opts *net,
		    struct fw_err *err)
{
	struct download_opts o = {.stall_timeout = 30, .retries = 5};

	if (net)
		o = *net;
	o.cancel = r->cancel;
	o.window = NET_WINDOW;
	tarpos_init(&r->tp);
	if (download_open(&r->net, url, &o, err))
		return fw_error_prefix(err, "bundle");
	return 0;
}

int bundle_open(struct bundle_reader **rp, const char *path, const struct download_opts *net,
		const volatile sig_atomic_t *cancel, struct fw_err *err)
{
	struct bundle_reader *r = calloc(1, sizeof(*r));
	int ret;

	*rp = NULL;
	if (!r)
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	r->fd = -1;
	r->cancel = cancel;
	r->a = archive_read_new();
	if (!r->a) {
		bundle_close(r);
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	}
	if (url_is_remote(path)) {
		ret = open_url(r, path, net, err);
		if (ret) {
			bundle_close(r);
			return ret;
		}
	} else if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			/* a path that names no readable file is the caller's
			 * mistake, not a bundle that failed */
			ret = errno == EIO ? FW_EIO : FW_EUSAGE;
			fw_error(err, ret, "bundle %s: %s", path, strerror(errno));
			bundle_close(r);
			return ret;
		}
		r->own_fd = 1;
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	classify_fd(r);
	r->block_size = r->seekable ? FILE_BLOCK : READ_BLOCK;
	r->block = iobuf_alloc(r->block_size);
	if (!r->block) {
		bundle_close(r);
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	}
	/* tar only, and no decompression filter: the bundle is plain tar */
	archive_read_support_format_tar(r->a);
	archive_read_set_callback_data(r->a, r);
	archive_read_set_read_callback(r->a, r->net ? net_read : fd_read);
	if (r->seekable)
		archive_read_set_skip_callback(r->a, fd_skip);
	ret = archive_read_open1(r->a);
	if (ret != ARCHIVE_OK && r->net_err.code) {
		ret = r->net_err.code;
		fw_error(err, ret, "bundle: %s", r->net_err.msg);
		bundle_close(r);
		return ret;
	}
	if (ret != ARCHIVE_OK) {
		/* libarchive reads the first block to recognise the format: a
		 * failure that is not the OS refusing to open or read is the
		 * bundle's fault */
		int e = archive_errno(r->a);

		ret = e == EISDIR ? FW_EUSAGE
		      : e == ENOENT || e == EACCES || e == EIO || e == EPERM || e == ENXIO ||
				      e == EINTR
			      ? FW_EIO
			      : FW_EFORMAT;
		fw_error(err, ret, "bundle %s: %s", path, archive_error_string(r->a));
		bundle_close(r);
		return ret;
	}
	*rp = r;
	return 0;
}

int bundle_open_mem(struct bundle_reader **rp, const void *buf, size_t len, struct fw_err *err)
{
	struct bundle_reader *r = calloc(1, sizeof(*r));

	*rp = NULL;
	if (r)
		r->fd = -1;
	if (!r || !(r->a = archive_read_new())) {
		free(r);
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	}
	archive_read_support_format_tar(r->a);
	if (archive_read_open_memory(r->a, buf, len) != ARCHIVE_OK) {
		fw_error(err, FW_EFORMAT, "bundle: %s", archive_error_string(r->a));
		bundle_close(r);
		return FW_EFORMAT;
	}
	*rp = r;
	return 0;
}

/*
 * A read the cancel flag stopped is not the bundle's fault: FW_EIO; nor is a
 * download that failed: its own code.
 */
static int read_error(struct bundle_reader *r)
{
	if (r->net_err.code)
		return r->net_err.code;
	return archive_errno(r->a) == EINTR && r->cancel && *r->cancel ? FW_EIO : FW_EFORMAT;
}

static int was_seen(struct bundle_reader *r, const char *name)
{
	for (unsigned i = 0; i < r->nseen; i++)
		if (!strcmp(r->seen[i], name))
			return 1;
	return 0;
}

static int check_entry(struct bundle_reader *r, struct archive_entry *e, const char *want,
		       struct fw_err *err)
{
	const char *name = archive_entry_pathname(e);

	if (!name)
		return fw_error(err, FW_EFORMAT, "bundle: member without a name");
	if (strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "."))
		return fw_error(err, FW_EFORMAT, "bundle: member '%.64s': paths are not allowed",
				name);
	if (archive_entry_hardlink(e) || archive_entry_symlink(e))
		return fw_error(err, FW_EFORMAT, "bundle: member '%.64s' is a link", name);
	if (archive_entry_filetype(e) != AE_IFREG)
		return fw_error(err, FW_EFORMAT, "bundle: member '%.64s' is not a regular file",
				name);
	if (!strcmp(name, want))
		return 0;
	if (was_seen(r, name))
		return fw_error(err, FW_EFORMAT, "bundle: duplicate member '%.64s'", name);
	return fw_error(err, FW_EFORMAT, "bundle: unexpected member '%.64s' where '%s' belongs",
			name, want);
}

/* Move to the next member, which must be @want of at most @max bytes. */
static int next_member(struct bundle_reader *r, const char *want, uint64_t max, uint64_t *sizep,
		       struct fw_err *err)
{
	struct archive_entry *e;
	int64_t size;
	int ret;

	ret = archive_read_next_header(r->a, &e);
	if (ret == ARCHIVE_EOF)
		return fw_error(err, FW_EFORMAT,
				"bundle: ends where member '%s' belongs (truncated?)", want);
	if (ret < ARCHIVE_WARN)
		return fw_error(err, read_error(r), "bundle: before member '%s': %s", want,
				archive_error_string(r->a));
	ret = check_entry(r, e, want, err);
	if (ret)
		return ret;
	size = archive_entry_size(e);
	if (!archive_entry_size_is_set(e) || size < 0)
		return fw_error(err, FW_EFORMAT, "bundle: member '%s' has no size", want);
	if ((uint64_t)size > max)
		return fw_error(err, FW_EFORMAT,
				"bundle: member '%s' is %lld bytes, more than the %llu allowed",
				want, (long long)size, (unsigned long long)max);
	snprintf(r->seen[r->nseen++], sizeof(r->seen[0]), "%s", want);
	snprintf(r->cur, sizeof(r->cur), "%s", want);
	*sizep = (uint64_t)size;
	/* direct only where tarpos and libarchive agree on the member and
	 * libarchive has read none of its data */
	r->direct = r->seekable && !r->tp.lost && !r->tp.ext && r->tp.v == r->tp.data_at &&
		    r->tp.data_end - r->tp.data_at == (uint64_t)size;
	r->data_off = r->tp.data_at;
	r->data_left = (uint64_t)size;
	return 0;
}

/*
 * Before each piece of a member's data read direct: the cancel flag, which
 * fd_read() looks at on the way through libarchive (a read of a regular
 * file is not broken by a signal), and what the file holds.
 */
static int direct_piece(struct bundle_reader *r, size_t len, struct fw_err *err)
{
	if (r->cancel && *r->cancel)
		return fw_error(err, FW_EIO, "bundle: member '%s': interrupted by a signal",
				r->cur);
	if (len > r->data_left || r->data_off + len > r->file_size)
		return fw_error(err, FW_EFORMAT, "bundle: member '%s' ends early (truncated)",
				r->cur);
	return 0;
}

/* @len bytes of the member's data with pread() */
static int read_direct(struct bundle_reader *r, uint8_t *p, size_t len, struct fw_err *err)
{
	int ret = direct_piece(r, len, err);

	if (ret)
		return ret;
	if (fd_pread_all(r->fd, p, len, r->data_off))
		return errno == ENODATA
			       ? fw_error(err, FW_EFORMAT,
					  "bundle: member '%s' ends early (truncated)", r->cur)
			       : fw_error(err, FW_EIO, "bundle: member '%s': read: %s", r->cur,
					  strerror(errno));
	r->data_off += len;
	r->data_left -= len;
	return 0;
}

int bundle_map(struct bundle_reader *r, size_t len, const uint8_t **p, struct bundle_mapping *m,
	       struct fw_err *err)
{
	uint64_t at = r->data_off & ~(uint64_t)4095;
	size_t skew = (size_t)(r->data_off - at);
	void *a;

	int ret;

	*p = NULL;
	m->addr = NULL;
	if (!r->direct)
		return 0;
	ret = direct_piece(r, len, err);
	if (ret)
		return ret;
	/* populated at once: one call, not a fault per 64 KiB */
	a = mmap(NULL, skew + len, PROT_READ, MAP_SHARED | MAP_POPULATE, r->fd, (off_t)at);
	if (a == MAP_FAILED)
		return 0; /* bundle_read() will do */
	m->addr = a;
	m->len = skew + len;
	*p = (const uint8_t *)a + skew;
	r->data_off += len;
	r->data_left -= len;
	return 0;
}

void bundle_unmap(struct bundle_mapping *m)
{
	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = NULL;
}

int bundle_read(struct bundle_reader *r, void *buf, size_t len, struct fw_err *err)
{
	uint8_t *p = buf;

	if (r->direct)
		return read_direct(r, p, len, err);
	while (len) {
		la_ssize_t n = archive_read_data(r->a, p, len);

		if (n < 0)
			return fw_error(err, read_error(r), "bundle: member '%s': %s", r->cur,
					archive_error_string(r->a));
		if (n == 0)
			return fw_error(err, FW_EFORMAT,
					"bundle: member '%s' ends early (truncated)", r->cur);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read a whole small member into a new NUL-terminated buffer. */
static int read_small(struct bundle_reader *r, const char *name, size_t max, char **bufp,
		      size_t *lenp, struct fw_err *err)
{
	uint64_t size;
	int ret;

	ret = next_member(r, name, max, &size, err);
	if (ret)
		return ret;
	*bufp = malloc(size + 1);
	if (!*bufp)
		return fw_error(err, FW_ENOMEM, "bundle: out of memory");
	ret = bundle_read(r, *bufp, size, err);
	if (ret)
		return ret;
	(*bufp)[size] = '\0';
	*lenp = size;
	return 0;
}

int bundle_read_header(struct bundle_reader *r, struct bundle_header *h, struct fw_err *err)
{
	char *sig = NULL;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = read_small(r, BUNDLE_MANIFEST, FW_MANIFEST_MAX, &h->manifest, &h->manifest_len, err);
	if (!ret)
		ret = read_small(r, BUNDLE_SIG, FW_SIG_MAX, &sig, &h->sig_len, err);
	if (!ret) {
		memcpy(h->sig, sig, h->sig_len);
		ret = read_small(r, BUNDLE_CHAIN, FW_CHAIN_MAX, &h->chain, &h->chain_len, err);
	}
	free(sig);
	if (ret)
		bundle_header_free(h);
	return ret;
}

int bundle_next_image(struct bundle_reader *r, const struct manifest_image *img, struct fw_err *err)
{
	uint64_t size;
	int ret = next_member(r, img->file, img->size, &size, err);

	if (ret)
		return ret;
	if (size != img->size)
		return fw_error(err, FW_EFORMAT,
				"bundle: member '%s' is %llu bytes, the manifest says %llu",
				img->file, (unsigned long long)size, (unsigned long long)img->size);
	return 0;
}

/*
 * libarchive stops at the end-of-archive blocks; a writer on a pipe still
 * has the tar record's padding to write. Read it (at most 1 MiB, waiting at
 * most 2 s at a time), so that 'bundle create -o - | verify -' and
 * 'curl | install -' do not end with their writer killed by SIGPIPE.
 */
static void drain_pipe(int fd)
{
	char buf[16384];
	size_t total = 0;
	struct stat st;

	if (fstat(fd, &st) || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return;
	while (total < (1u << 20)) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0)
			return;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		total += (size_t)n;
	}
}

int bundle_end(struct bundle_reader *r, struct fw_err *err)
{
	struct archive_entry *e;
	int ret = archive_read_next_header(r->a, &e);

	if (ret == ARCHIVE_EOF) {
		if (r->fd >= 0)
			drain_pipe(r->fd);
		return 0;
	}
	if (ret < ARCHIVE_WARN)
		return fw_error(err, FW_EFORMAT, "bundle: after the last image: %s",
				archive_error_string(r->a));
	if (archive_entry_pathname(e) && was_seen(r, archive_entry_pathname(e)))
		return fw_error(err, FW_EFORMAT, "bundle: duplicate member '%.64s'",
				archive_entry_pathname(e));
	return fw_error(err, FW_EFORMAT, "bundle: unexpected member '%.64s' after the last image",
			archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
}

void bundle_close(struct bundle_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->own_fd)
		close(r->fd);
	download_close(r->net);
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++) {
		for (int src = FROM_RUN; src <= FROM_TGT; src++)
			if (r->ad[i].img && r->ad[i].fd[src] >= 0)
				close(r->ad[i].fd[src]);
		free(r->ad[i].from);
	}
	iobuf_free(r->block, r->block_size);
	free(r);
}
