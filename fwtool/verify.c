// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

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

	ret = bundle_open(&r, path, NULL, err);
	if (ret)
		return ret;
	ret = verify_header(r, p, v, err);
	if (progress)
		prog = *progress;
	prog.total = v->stored_total;
	for (unsigned i = 0; !ret && i < v->m.nimages; i++) {
		ret = bundle_next_image(r, &v->m.images[i], err);
		if (!ret)
			ret = pipeline_image(r, &v->m.images[i], &none, &prog, err);
		prog.base += v->m.images[i].size;
	}
	if (!ret)
		ret = bundle_end(r, err);
	bundle_close(r);
	return ret;
}
