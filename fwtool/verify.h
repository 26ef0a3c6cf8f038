/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_VERIFY_H
#define FW_VERIFY_H

#include <stdint.h>

#include "board.h"
#include "bundle.h"
#include "download.h"
#include "err.h"
#include "fit.h"
#include "keyring.h"
#include "manifest.h"
#include "pipeline.h"

/**
 * struct verify_policy - what a bundle must satisfy besides its signature
 * @keyring:         CA file or directory
 * @board:           identity to match, or NULL to skip the check
 * @secver_floor:    the device's recorded security version
 * @allow_downgrade: accept a security version below the floor
 * @min_version:     semver floor from system.conf, or ""
 * @no_verify:       parse the manifest without checking the signature
 *                   (info --no-verify only; never for install)
 * @fit_keys:        the control DTB whose /signature keys a FIT image must
 *                   verify with, as the router's U-Boot checks it; NULL or
 *                   "": a bundle with a FIT image is refused
 */
struct verify_policy {
	const char *keyring;
	int check_time;
	const struct board *board;
	uint64_t secver_floor;
	int allow_downgrade;
	const char *min_version;
	int no_verify;
	const char *fit_keys;
	struct download_opts net; /* for a bundle named by a URL */
};

/**
 * struct verified - a bundle's header after verification
 */
struct verified {
	struct bundle_header h;
	struct manifest m;
	struct signer signer;
	int signature_ok;
	uint64_t stored_total; /* sum of stored image sizes */
	struct fit_result *fit[FW_IMAGES_MAX]; /* what was checked of FIT image i */
};

void verified_init(struct verified *v);
void verified_free(struct verified *v);

/**
 * verify_header() - read the signed members and check, in this order: the
 * signer chain to the keyring, the signature over the exact manifest bytes,
 * then (only now) parse the manifest, then compatibility, then the version
 * policy. Nothing about the images is read.
 * Return: 0; FW_EVERIFY; FW_EFORMAT; FW_EINCOMPAT; FW_EIO; FW_ENOMEM.
 */
int verify_header(struct bundle_reader *r, const struct verify_policy *p, struct verified *v,
		  struct fw_err *err) FW_MUST;

/**
 * verify_policy_check() - compatibility and version policy alone
 */
int verify_policy_check(const struct verify_policy *p, const struct manifest *m,
			struct fw_err *err) FW_MUST;

/**
 * verify_fit_image() - read the current member of @r, FIT image @img, into
 * memory (every chunk checked against the signed list, decompressed, the
 * whole content checked against its sha256), and check it with fit.c
 * against @p->fit_keys before anyone writes a byte of it
 * @bufp: receives the content (img->installed_size bytes); caller frees
 * @res:  what was checked
 * Return: 0; FW_EVERIFY naming the FIT node and the reason; FW_EUSAGE (no
 * fit_keys, or they cannot be read); the pipeline's errors.
 */
int verify_fit_image(struct bundle_reader *r, const struct manifest_image *img,
		     const struct verify_policy *p, const struct pipeline_progress *progress,
		     uint8_t **bufp, struct fit_result *res, struct fw_err *err) FW_MUST;

/**
 * verify_bundle() - verify_header(), then every image through the pipeline
 * with no sink (a FIT image through verify_fit_image(), its result in
 * @v->fit), then the end of the bundle
 */
int verify_bundle(const char *path, const struct verify_policy *p, struct verified *v,
		  const struct pipeline_progress *progress, struct fw_err *err) FW_MUST;

#endif
