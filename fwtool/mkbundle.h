/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_MKBUNDLE_H
#define FW_MKBUNDLE_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "fwlimits.h"
#include "manifest.h"

struct mkbundle_image {
	char class[FW_CLASS_LEN + 1];
	const char *path;
	enum comp comp;
	int seekable; /* zstd, one frame per chunk_size installed bytes */
	int fit; /* a U-Boot FIT, checked on the device before it is written */
	char fit_config[FW_FIT_CONF_LEN + 1];
};

/**
 * struct mkbundle - what 'fwtool bundle create' was asked for
 * @out:      output path, or "-" for standard output
 * @key:      PEM private key, or NULL with @sign_cmd
 * @cert:     PEM signer certificate; @chain: intermediates, or NULL
 * @created:  manifest and tar timestamps ($SOURCE_DATE_EPOCH or now)
 */
struct mkbundle {
	const char *out;
	const char *key, *cert, *chain, *sign_cmd;
	const char *version;
	uint64_t security_version;
	const char *compatible[FW_COMPAT_MAX];
	unsigned ncompatible;
	const char *description;
	uint32_t chunk_size;
	time_t created;
	struct mkbundle_image images[FW_IMAGES_MAX];
	unsigned nimages;
};

/**
 * mkbundle_create() - hash (and compress) every image, build and sign the
 * manifest, check the signature against @cert's key, write the bundle
 * @m: receives the manifest written; the caller frees it
 * Return: 0, FW_EUSAGE (bad request), FW_EIO, FW_ENOMEM.
 */
int mkbundle_create(const struct mkbundle *mb, struct manifest *m, struct fw_err *err) FW_MUST;

#endif
