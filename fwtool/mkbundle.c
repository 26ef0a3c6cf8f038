// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bundle.h"
#include "compress.h"
#include "fdio.h"
#include "hash.h"
#include "keyring.h"
#include "mkbundle.h"
#include "semver.h"
#include "sig.h"

/* Splits a byte stream into chunks and records each chunk's digest. */
struct chunker {
	struct hash h;
	uint32_t size, fill;
	uint8_t *digests;
	uint64_t n, cap, total;
};

static int chunker_push(struct chunker *c, struct fw_err *err)
{
	if (c->n == c->cap) {
		uint8_t *nd;

		if (c->cap >= FW_CHUNKS_MAX)
			return fw_error(err, FW_EUSAGE, "image too large for chunk size %u",
					c->size);
		c->cap = c->cap ? c->cap * 2 : 256;
		nd = realloc(c->digests, c->cap * HASH_LEN);
		if (!nd)
			return fw_error(err, FW_ENOMEM, "out of memory");
		c->digests = nd;
	}
	hash_final(&c->h, c->digests + c->n++ * HASH_LEN);
	c->fill = 0;
	return 0;
}

static int chunker_feed(struct chunker *c, const uint8_t *p, size_t len, struct fw_err *err)
{
	while (len) {
		size_t take = c->size - c->fill;

		if (take > len)
			take = len;
		if (c->fill == 0)
			hash_init(&c->h);
		hash_update(&c->h, p, take);
		c->fill += (uint32_t)take;
		c->total += take;
		p += take;
		len -= take;
		if (c->fill == c->size && chunker_push(c, err))
			return err->code;
	}
	return 0;
}

/* the last, partial chunk */
static int chunker_finish(struct chunker *c, struct fw_err *err)
{
	return c->fill ? chunker_push(c, err) : 0;
}

struct prepared {
	int fd; /* what goes into the tar: the input, or a temp file */
	int tmp; /* fd is an unlinked temp file */
};

/* The seekable form's frame list: stored offsets, one more than frames. */
struct frames {
	uint64_t *at;
	uint64_t n, cap;
};

static int frames_push(struct frames *f, uint64_t at, struct fw_err *err)
{
	if (f->n == f->cap) {
		uint64_t *na;

		if (f->cap > FW_CHUNKS_MAX)
			return fw_error(err, FW_EUSAGE, "image too large for its chunk size");
		f->cap = f->cap ? f->cap * 2 : 256;
		na = realloc(f->at, f->cap * sizeof(*na));
		if (!na)
			return fw_error(err, FW_ENOMEM, "out of memory");
		f->at = na;
	}
	f->at[f->n++] = at;
	return 0;
}

struct compressing {
	struct hash *content;
	uint64_t *inbytes;
	struct chunker *stored; /* seekable: one digest per frame */
	struct chunker *plain; /* seekable: installed chunks; else NULL */
	struct frames *fr;
};

/*
 * Read what comes next into @buf: up to @want bytes, fewer only at the end
 * of the input, so that a seekable frame holds exactly one chunk.
 */
static int read_some(int in, uint8_t *buf, size_t want, size_t *got, struct fw_err *err)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(in, buf + *got, want - *got);

		if (n < 0)
			return fw_error(err, FW_EIO, "read image: %s", strerror(errno));
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

/*
 * Compress @in into an unlinked temp file beside the output: one stream,
 * or (seekable) one frame per chunk_size bytes of input, each ended so that
 * it decodes on its own.
 */
static int compress_image(const struct mkbundle *mb, int in, const struct mkbundle_image *src,
			  struct compressing *cs, struct prepared *pr, uint8_t *ibuf, uint8_t *obuf,
			  struct fw_err *err)
{
	char tmp[FW_PATH_LEN];
	struct compress cz;
	uint64_t in_frame = 0, stored = 0;
	int done = 0, eof = 0, ret;

	if (!strcmp(mb->out, "-"))
		snprintf(tmp, sizeof(tmp), "/tmp/fwtool-image-XXXXXX");
	else
		snprintf(tmp, sizeof(tmp), "%s.img-XXXXXX", mb->out);
	pr->fd = mkstemp(tmp);
	if (pr->fd < 0)
		return fw_error(err, FW_EIO, "create %s: %s", tmp, strerror(errno));
	unlink(tmp);
	pr->tmp = 1;
	ret = compress_init(&cz, src->comp, err);
	while (!ret && !eof) {
		size_t want = FW_IO_BUF, left;
		const uint8_t *p = ibuf;
		int end;

		if (src->seekable && mb->chunk_size - in_frame < want)
			want = (size_t)(mb->chunk_size - in_frame);
		ret = read_some(in, ibuf, want, &left, err);
		if (ret)
			break;
		eof = left < want;
		*cs->inbytes += left;
		in_frame += left;
		hash_update(cs->content, ibuf, left);
		if (cs->plain)
			ret = chunker_feed(cs->plain, ibuf, left, err);
		/* a frame ends at each chunk and a stream at the input's end;
		 * input that ends on a chunk boundary has no empty frame after */
		end = src->seekable ? in_frame == mb->chunk_size || (eof && in_frame) : eof;
		if (src->seekable && eof && !in_frame)
			break;
		done = 0;
		while (!ret && !done) {
			size_t olen = FW_IO_BUF;

			ret = compress_step(&cz, &p, &left, obuf, &olen, end, &done, err);
			if (!ret && olen && fd_write_all(pr->fd, obuf, olen))
				ret = fw_error(err, FW_EIO, "write %s: %s", tmp, strerror(errno));
			if (!ret)
				ret = chunker_feed(cs->stored, obuf, olen, err);
			stored += olen;
			if (!end && olen < FW_IO_BUF && !left)
				break; /* all input taken; more is needed for output */
		}
		if (!ret && src->seekable && end) {
			ret = frames_push(cs->fr, stored, err);
			if (!ret)
				ret = chunker_push(cs->stored, err);
			in_frame = 0;
		}
	}
	compress_free(&cz);
	return ret;
}

static int hash_plain(int in, struct hash *content, uint64_t *inbytes, struct chunker *ck,
		      uint8_t *buf, struct fw_err *err)
{
	ssize_t n;
	int ret = 0;

	while (!ret && (n = read(in, buf, FW_IO_BUF)) != 0) {
		if (n < 0)
			return fw_error(err, FW_EIO, "read image: %s", strerror(errno));
		hash_update(content, buf, (size_t)n);
		*inbytes += (uint64_t)n;
		ret = chunker_feed(ck, buf, (size_t)n, err);
	}
	return ret;
}

static int prepare_image(const struct mkbundle *mb, unsigned i, struct manifest_image *img,
			 struct prepared *pr, uint8_t *ibuf, uint8_t *obuf, struct fw_err *err)
{
	const struct mkbundle_image *src = &mb->images[i];
	/* a seekable image's stored chunks are its frames, cut by hand */
	struct chunker ck = {.size = src->seekable ? UINT32_MAX : mb->chunk_size};
	struct chunker plain = {.size = mb->chunk_size};
	struct frames fr = {0};
	struct hash content;
	uint64_t inbytes = 0;
	struct compressing cs = {&content, &inbytes, &ck, src->seekable ? &plain : NULL, &fr};
	int in, ret;

	in = open(src->path, O_RDONLY);
	if (in < 0)
		return fw_error(err, FW_EIO, "image %s: %s", src->path, strerror(errno));
	hash_init(&content);
	snprintf(img->class, sizeof(img->class), "%s", src->class);
	snprintf(img->file, sizeof(img->file), "%s%s%s", src->class, ".img",
		 src->comp == COMP_GZIP	  ? ".gz"
		 : src->comp == COMP_XZ	  ? ".xz"
		 : src->comp == COMP_ZSTD ? ".zst"
					  : "");
	img->compression = src->comp;
	img->chunk_size = mb->chunk_size;
	img->fit = src->fit;
	snprintf(img->fit_config, sizeof(img->fit_config), "%s", src->fit_config);
	if (src->comp == COMP_NONE) {
		pr->fd = in;
		ret = hash_plain(in, &content, &inbytes, &ck, ibuf, err);
		if (!ret && lseek(in, 0, SEEK_SET))
			ret = fw_error(err, FW_EIO, "image %s: cannot rewind", src->path);
		in = -1;
	} else {
		ret = frames_push(&fr, 0, err);
		if (!ret)
			ret = compress_image(mb, in, src, &cs, pr, ibuf, obuf, err);
	}
	if (in >= 0)
		close(in);
	if (!ret)
		ret = chunker_finish(src->seekable ? &plain : &ck, err);
	if (!ret && src->seekable && ck.n != plain.n)
		ret = fw_error(err, FW_EIO, "%llu frames for %llu chunks", (unsigned long long)ck.n,
			       (unsigned long long)plain.n);
	if (ret) {
		free(ck.digests);
		free(plain.digests);
		free(fr.at);
		return fw_error_prefix(err, "image %s", src->path);
	}
	hash_final(&content, img->sha256);
	img->size = ck.total;
	img->installed_size = inbytes;
	img->chunks = ck.digests;
	img->nchunks = (uint32_t)ck.n;
	if (src->seekable) {
		img->frame_at = fr.at;
		img->content_chunks = plain.digests;
	} else {
		free(fr.at);
	}
	if (inbytes == 0)
		return fw_error(err, FW_EUSAGE, "image %s is empty", src->path);
	return 0;
}

static int check_request(const struct mkbundle *mb, struct fw_err *err)
{
	struct semver v;

	if (!mb->out || !mb->cert || !mb->version || !mb->ncompatible || !mb->nimages)
		return fw_error(
			err, FW_EUSAGE,
			"bundle create needs -o, --cert, --version, --compatible and --image");
	if (!mb->key == !mb->sign_cmd)
		return fw_error(err, FW_EUSAGE, "bundle create needs one of --key and --sign-cmd");
	if (semver_parse(mb->version, &v))
		return fw_error(err, FW_EUSAGE, "--version %s is not a semantic version",
				mb->version);
	if (mb->chunk_size < FW_CHUNK_MIN || mb->chunk_size > FW_CHUNK_MAX ||
	    (mb->chunk_size & (mb->chunk_size - 1)))
		return fw_error(err, FW_EUSAGE, "--chunk-size must be a power of two in 4K..4M");
	for (unsigned i = 0; i < mb->nimages; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(mb->images[i].class, mb->images[j].class))
				return fw_error(err, FW_EUSAGE, "two images for class %s",
						mb->images[i].class);
	return 0;
}

static int build_manifest(const struct mkbundle *mb, struct manifest *m, struct fw_err *err)
{
	if (strlen(mb->version) > FW_VERSION_LEN ||
	    (mb->description && strlen(mb->description) > FW_DESC_LEN))
		return fw_error(err, FW_EUSAGE, "version or description too long");
	m->format = FW_FORMAT_VERSION;
	strcpy(m->version, mb->version);
	m->security_version = mb->security_version;
	for (unsigned i = 0; i < mb->ncompatible; i++) {
		if (strlen(mb->compatible[i]) > FW_COMPAT_LEN)
			return fw_error(err, FW_EUSAGE, "--compatible too long");
		strcpy(m->compatible[i], mb->compatible[i]);
	}
	m->ncompatible = mb->ncompatible;
	m->created = mb->created;
	if (mb->description)
		strcpy(m->description, mb->description);
	return 0;
}

/* signer.pem = the certificate, then the intermediates */
static int read_chain(const struct mkbundle *mb, char **chainp, size_t *lenp, struct fw_err *err)
{
	char *cert = NULL, *inter = NULL;
	size_t clen = 0, ilen = 0;
	int ret;

	ret = fd_read_file(mb->cert, FW_CHAIN_MAX, &cert, &clen, err);
	if (!ret && mb->chain)
		ret = fd_read_file(mb->chain, FW_CHAIN_MAX, &inter, &ilen, err);
	if (!ret && clen + ilen + 1 > FW_CHAIN_MAX)
		ret = fw_error(err, FW_EUSAGE, "certificate chain larger than %u bytes",
			       FW_CHAIN_MAX);
	if (!ret) {
		*chainp = malloc(clen + ilen + 2);
		if (!*chainp) {
			ret = fw_error(err, FW_ENOMEM, "out of memory");
		} else {
			memcpy(*chainp, cert, clen);
			if (clen && cert[clen - 1] != '\n')
				(*chainp)[clen++] = '\n';
			memcpy(*chainp + clen, inter ? inter : "", ilen);
			(*chainp)[clen + ilen] = '\0';
			*lenp = clen + ilen;
		}
	}
	free(cert);
	free(inter);
	return ret;
}

static int copy_fd(struct bundle_writer *w, int fd, uint64_t size, uint8_t *buf, struct fw_err *err)
{
	while (size) {
		ssize_t n = read(fd, buf, size < FW_IO_BUF ? (size_t)size : FW_IO_BUF);

		if (n <= 0)
			return fw_error(err, FW_EIO, "image changed while bundling");
		if (bundle_writer_data(w, buf, (size_t)n, err))
			return err->code;
		size -= (uint64_t)n;
	}
	return 0;
}

static int write_bundle(const struct mkbundle *mb, const struct manifest *m, const char *json,
			const uint8_t *sig, size_t siglen, const char *chain, size_t chainlen,
			struct prepared *pr, uint8_t *buf, struct fw_err *err)
{
	struct bundle_writer *w = NULL;
	int ret;

	ret = bundle_writer_open(&w, mb->out, mb->created, err);
	if (ret)
		return ret;
	if ((ret = bundle_writer_add(w, BUNDLE_MANIFEST, strlen(json), err)) ||
	    (ret = bundle_writer_data(w, json, strlen(json), err)) ||
	    (ret = bundle_writer_add(w, BUNDLE_SIG, siglen, err)) ||
	    (ret = bundle_writer_data(w, sig, siglen, err)) ||
	    (ret = bundle_writer_add(w, BUNDLE_CHAIN, chainlen, err)) ||
	    (ret = bundle_writer_data(w, chain, chainlen, err)))
		goto out;
	for (unsigned i = 0; i < m->nimages; i++) {
		if (lseek(pr[i].fd, 0, SEEK_SET) ||
		    (ret = bundle_writer_add(w, m->images[i].file, m->images[i].size, err)) ||
		    (ret = copy_fd(w, pr[i].fd, m->images[i].size, buf, err))) {
			if (!ret)
				ret = fw_error(err, FW_EIO, "cannot rewind image");
			goto out;
		}
	}
	ret = bundle_writer_commit(w, err);
out:
	bundle_writer_free(w);
	return ret;
}

int mkbundle_create(const struct mkbundle *mb, struct manifest *m, struct fw_err *err)
{
	struct prepared pr[FW_IMAGES_MAX];
	uint8_t sig[FW_SIG_MAX], *ibuf = NULL, *obuf = NULL;
	char *json = NULL, *chain = NULL;
	size_t siglen = 0, chainlen = 0;
	struct signer signer;
	int ret;

	for (unsigned i = 0; i < FW_IMAGES_MAX; i++)
		pr[i].fd = -1;
	manifest_init(m);
	ret = check_request(mb, err);
	if (!ret)
		ret = build_manifest(mb, m, err);
	if (ret)
		return ret;
	ibuf = malloc(FW_IO_BUF);
	obuf = malloc(FW_IO_BUF);
	if (!ibuf || !obuf) {
		ret = fw_error(err, FW_ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned i = 0; !ret && i < mb->nimages; i++) {
		ret = prepare_image(mb, i, &m->images[i], &pr[i], ibuf, obuf, err);
		m->nimages = i + 1;
	}
	if (!ret)
		ret = manifest_emit(m, &json, err);
	/* a device would refuse it before it read a byte of the images */
	if (!ret && strlen(json) > FW_MANIFEST_MAX)
		ret = fw_error(err, FW_EUSAGE,
			       "the manifest would be %zu bytes, more than the %u a device reads: "
			       "use a larger --chunk-size",
			       strlen(json), FW_MANIFEST_MAX);
	if (!ret)
		ret = read_chain(mb, &chain, &chainlen, err);
	if (!ret)
		ret = sig_sign(mb->key, mb->sign_cmd, json, strlen(json), sig, &siglen, err);
	/* never ship a bundle whose signature the certificate cannot check */
	if (!ret)
		ret = keyring_cert_signer(chain, chainlen, &signer, err);
	if (!ret)
		ret = sig_verify(&signer, json, strlen(json), sig, siglen, err);
	if (ret == FW_EVERIFY)
		fw_error_prefix(err, "the key does not match --cert");
	if (!ret)
		ret = write_bundle(mb, m, json, sig, siglen, chain, chainlen, pr, ibuf, err);
out:
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++)
		if (pr[i].fd >= 0)
			close(pr[i].fd);
	free(json);
	free(chain);
	free(ibuf);
	free(obuf);
	return ret;
}
