// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "fdio.h"
#include "semver.h"
#include "sig.h"
#include "verify.h"

void verified_init(struct verified *v)
{
	memset(v, 0, sizeof(*v));
	manifest_init(&v->m);
}

void verified_free(struct verified *v)
{
	bundle_header_free(&v->h);
	manifest_free(&v->m);
	for (unsigned i = 0; i < FW_IMAGES_MAX; i++) {
		free(v->fit[i]);
		v->fit[i] = NULL;
	}
}

struct collect {
	uint8_t *buf;
	size_t len, cap;
};

static int collect(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct collect *c = ctx;

	if (len > c->cap - c->len)
		return fw_error(err, FW_EFORMAT, "FIT image larger than its installed_size");
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	return 0;
}

int verify_fit_image(struct bundle_reader *r, const struct manifest_image *img,
		     const struct verify_policy *p, const struct pipeline_progress *progress,
		     uint8_t **bufp, struct fit_result *res, struct fw_err *err)
{
	/* hash_all: what fit.c reads must be what the manifest's sha256 says */
	struct collect c = {.cap = (size_t)img->installed_size};
	struct pipeline_sink sink = {.write = collect, .ctx = &c, .hash_all = 1};
	char *ctl = NULL;
	size_t ctl_len;
	int ret;

	*bufp = NULL;
	if (!p->fit_keys || !p->fit_keys[0])
		return fw_error(err, FW_EUSAGE,
				"image %s is a U-Boot FIT: set fit_keys in system.conf (the "
				"control DTB with the router's U-Boot keys) to check it",
				img->class);
	ret = fd_read_file(p->fit_keys, FW_DTB_MAX, &ctl, &ctl_len, err);
	if (ret) { /* the device's configuration, not the bundle */
		fw_error_prefix(err, "fit_keys");
		if (ret != FW_ENOMEM)
			err->code = FW_EUSAGE;
		return err->code;
	}
	c.buf = malloc(c.cap ? c.cap : 1);
	if (!c.buf)
		ret = fw_error(err, FW_ENOMEM, "out of memory for a %zu-byte FIT", c.cap);
	if (!ret)
		ret = pipeline_image(r, img, &sink, progress, err);
	if (!ret)
		ret = fit_verify(c.buf, c.len, ctl, ctl_len, img->fit_config, res, err);
	if (ret && ret != FW_ENOMEM)
		fw_error_prefix(err, "image %s", img->class);
	free(ctl);
	if (ret) {
		free(c.buf);
		return ret;
	}
	*bufp = c.buf;
	return 0;
}

int verify_policy_check(const struct verify_policy *p, const struct manifest *m, struct fw_err *err)
{
	int ret;

	if (p->board) {
		ret = board_match(p->board, m->compatible, m->ncompatible, err);
		if (ret)
			return ret;
	}
	if (m->security_version < p->secver_floor && !p->allow_downgrade)
		return fw_error(err, FW_EVERIFY,
				"security version %llu is below this device's floor %llu "
				"(anti-rollback); a downgrade needs --allow-downgrade and "
				"allow_downgrade=true in system.conf",
				(unsigned long long)m->security_version,
				(unsigned long long)p->secver_floor);
	if (p->min_version && p->min_version[0]) {
		struct semver have, floor;

		if (semver_parse(p->min_version, &floor))
			return fw_error(err, FW_EUSAGE,
					"system.conf min_version '%s' is not a semantic version",
					p->min_version);
		if (!semver_parse(m->version, &have) && semver_cmp(&have, &floor) < 0 &&
		    !p->allow_downgrade)
			return fw_error(err, FW_EVERIFY,
					"version %s is below the minimum %s in system.conf",
					m->version, p->min_version);
	}
	return 0;
}

static int check_signature(const struct verify_policy *p, struct verified *v, struct fw_err *err)
{
	struct keyring *k = NULL;
	int ret;

	ret = keyring_load(&k, p->keyring, p->check_time, err);
	if (!ret)
		ret = keyring_verify_chain(k, v->h.chain, v->h.chain_len, &v->signer, err);
	if (!ret)
		ret = sig_verify(&v->signer, v->h.manifest, v->h.manifest_len, v->h.sig,
				 v->h.sig_len, err);
	keyring_free(k);
	return ret;
}

int verify_header(struct bundle_reader *r, const struct verify_policy *p, struct verified *v,
		  struct fw_err *err)
{
	int ret = bundle_read_header(r, &v->h, err);

	if (ret)
		return ret;
	if (!p->no_verify) {
		ret = check_signature(p, v, err);
		if (ret)
			return ret;
		v->signature_ok = 1;
	} else {
		/* still say who claims to have signed it */
		if (keyring_cert_signer(v->h.chain, v->h.chain_len, &v->signer, err))
			fw_err_clear(err);
	}
	ret = manifest_parse(&v->m, v->h.manifest, v->h.manifest_len, err);
	if (ret)
		return ret;
	v->stored_total = 0;
	for (unsigned i = 0; i < v->m.nimages; i++)
		v->stored_total += v->m.images[i].size;
	if (p->no_verify)
		return 0;
	return verify_policy_check(p, &v->m, err);
}

int verify_bundle(const char *path, const struct verify_policy *p, struct verified *v,
		  const struct pipeline_progress *progress, struct fw_err *err)
{
	struct pipeline_progress prog = {0};
	/* checking is all this does: every image is hashed whole too, on a
	 * thread of its own beside the two that check the chunks */
	struct pipeline_sink none = {.hash_all = 1};
	struct bundle_reader *r = NULL;
	int ret;

	ret = bundle_open(&r, path, &p->net, NULL, err);
	if (ret)
		return ret;
	ret = verify_header(r, p, v, err);
	if (progress)
		prog = *progress;
	prog.total = v->stored_total;
	for (unsigned i = 0; !ret && i < v->m.nimages; i++) {
		const struct manifest_image *img = &v->m.images[i];
		uint8_t *fit = NULL;

		ret = bundle_next_image(r, img, err);
		if (!ret && img->fit) {
			v->fit[i] = calloc(1, sizeof(*v->fit[i]));
			ret = v->fit[i] ? verify_fit_image(r, img, p, &prog, &fit, v->fit[i], err)
					: fw_error(err, FW_ENOMEM, "out of memory");
			free(fit);
		} else if (!ret) {
			ret = pipeline_image(r, img, &none, &prog, err);
		}
		prog.base += img->size;
	}
	if (!ret)
		ret = bundle_end(r, err);
	bundle_close(r);
	return ret;
}
