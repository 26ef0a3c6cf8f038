/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_BUNDLE_H
#define FW_BUNDLE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "download.h"
#include "err.h"
#include "fwlimits.h"
#include "manifest.h"

#define BUNDLE_MANIFEST "manifest.json"
#define BUNDLE_SIG "manifest.sig"
#define BUNDLE_CHAIN "signer.pem"

/*
 * A bundle is an uncompressed POSIX tar: manifest.json, manifest.sig,
 * signer.pem, then the images in manifest order. Nothing else is accepted:
 * not another member, not a link, a directory, a path, a duplicate, or a
 * member of another size than declared.
 */

/**
 * struct bundle_header - the signed part, as read (unverified)
 * @manifest: exact bytes, NUL-terminated for convenience (@manifest_len
 *            excludes the NUL); owned
 * @chain:    signer certificate then intermediates, PEM, NUL-terminated;
 *            owned
 */
struct bundle_header {
	char *manifest;
	size_t manifest_len;
	uint8_t sig[FW_SIG_MAX];
	size_t sig_len;
	char *chain;
	size_t chain_len;
};

void bundle_header_free(struct bundle_header *h);

struct bundle_reader;

/**
 * bundle_open() - open a bundle file, standard input for "-", or an
 * http:// or https:// URL, read as it downloads (resumed as @net says;
 * NULL: the system's CAs, no credentials, 30 s stall timeout, 5 retries)
 * @cancel: NULL, or a flag a signal handler sets: from the first read on
 * (libarchive reads at open to recognise the format), a read that a signal
 * interrupted stops the bundle with FW_EIO once *@cancel is non-zero
 * Return: 0, FW_EUSAGE (no such file, a folder, no permission; a bad URL,
 * 404, access refused), FW_EVERIFY (the server's TLS certificate), FW_EIO,
 * FW_EFORMAT (not a tar), FW_ENOMEM.
 */
int bundle_open(struct bundle_reader **rp, const char *path, const struct download_opts *net,
		const volatile sig_atomic_t *cancel, struct fw_err *err) FW_MUST;

/**
 * bundle_adapt() - for a bundle read from a URL: read the chunks of image
 * @idx of @m (stored uncompressed, or seekable zstd) that the slot @run or
 * @tgt (paths, NULL or "" none; opened read-only) already holds at the
 * same offset from there, and fetch only the others, by ranges. @m must
 * outlive the reader. Called before the image is reached. Every chunk is
 * still checked against the signed list after it is read, wherever it
 * came from.
 * Return: 1 planned, 0 not (a file or stdin, compressed as one stream, no
 * slot to read).
 */
int bundle_adapt(struct bundle_reader *r, const struct manifest *m, unsigned idx, const char *run,
		 const char *tgt);

/**
 * bundle_local_read() - for a seekable image with a plan: if a slot holds
 * installed chunk @k, read @len bytes at installed offset @off (within
 * chunk @k) from it, and set *@local. The frame of chunk @k was not
 * fetched: bundle_read() gives placeholder bytes for it, to be dropped. Unchecked
 * bytes: the caller checks the chunk against content_chunks.
 * Return: 0 (*@local 0: fetch and decode frame @k), FW_EIO.
 */
int bundle_local_read(struct bundle_reader *r, const struct manifest_image *img, uint32_t k,
		      uint64_t off, void *buf, size_t len, int *local, struct fw_err *err) FW_MUST;

/** bundle_transfer() - bytes received from the network, and read from slots */
void bundle_transfer(const struct bundle_reader *r, uint64_t *fetched, uint64_t *copied);

/**
 * bundle_open_mem() - read a bundle held in memory (fuzzing); @buf must
 * outlive the reader
 */
int bundle_open_mem(struct bundle_reader **rp, const void *buf, size_t len,
		    struct fw_err *err) FW_MUST;

/**
 * bundle_read_header() - read the three signed members into @h
 * Return: 0, FW_EFORMAT (bad member, truncated), FW_ENOMEM.
 */
int bundle_read_header(struct bundle_reader *r, struct bundle_header *h,
		       struct fw_err *err) FW_MUST;

/**
 * bundle_next_image() - advance to the member of @img and check it
 * Return: 0, FW_EFORMAT (wrong name, type, size; truncated).
 */
int bundle_next_image(struct bundle_reader *r, const struct manifest_image *img,
		      struct fw_err *err) FW_MUST;

/**
 * bundle_read() - read exactly @len bytes of the current member
 * Return: 0, FW_EFORMAT (truncated), FW_EIO.
 */
int bundle_read(struct bundle_reader *r, void *buf, size_t len, struct fw_err *err) FW_MUST;

/**
 * struct bundle_mapping - bytes of a bundle file mapped by bundle_map()
 */
struct bundle_mapping {
	void *addr;
	size_t len;
};

/**
 * bundle_map() - the next @len bytes of the current member where the page
 * cache holds them (*@p), for a reader that only hashes them; *@p NULL
 * where the bundle is not a file read direct: use bundle_read(). Another
 * process can change mapped bytes after they were checked, so nothing that
 * is installed may come from here; one that truncates the file makes a
 * touch of them fault with SIGBUS (pipeline.c turns it into an error).
 * Return: 0, FW_EFORMAT (the member ends early), FW_EIO (the cancel flag).
 */
int bundle_map(struct bundle_reader *r, size_t len, const uint8_t **p, struct bundle_mapping *m,
	       struct fw_err *err) FW_MUST;

/** bundle_unmap() - idempotent */
void bundle_unmap(struct bundle_mapping *m);

/**
 * bundle_end() - check that no member follows the last image
 * Return: 0, FW_EFORMAT.
 */
int bundle_end(struct bundle_reader *r, struct fw_err *err) FW_MUST;

/** bundle_close() - NULL-safe */
void bundle_close(struct bundle_reader *r);

struct bundle_writer;

/**
 * bundle_writer_open() - start writing @path (through "@path.tmp-XXXXXX",
 * renamed into place by bundle_writer_commit())
 * @mtime: timestamp of every member, for reproducible bundles
 */
int bundle_writer_open(struct bundle_writer **wp, const char *path, time_t mtime,
		       struct fw_err *err) FW_MUST;
int bundle_writer_add(struct bundle_writer *w, const char *name, uint64_t size,
		      struct fw_err *err) FW_MUST;
int bundle_writer_data(struct bundle_writer *w, const void *buf, size_t len,
		       struct fw_err *err) FW_MUST;
/** bundle_writer_commit() - finish, fsync, rename into place */
int bundle_writer_commit(struct bundle_writer *w, struct fw_err *err) FW_MUST;
/** bundle_writer_free() - NULL-safe; removes the temp file if uncommitted */
void bundle_writer_free(struct bundle_writer *w);

#endif
