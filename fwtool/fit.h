/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_FIT_H
#define FW_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * U-Boot FIT images checked as the router's U-Boot will check them in
 * bootm, before fwtool writes a byte of one: Debian 12's U-Boot 2023.01
 * (deb12u3), whose facts are in ../shared/reference/wave2.md section 1.
 *
 * - The configuration is the one named (bootm addr#conf: 2023.01 has no
 *   fallback to 'default'), or 'default' when none is named.
 * - Its signature covers the regions U-Boot hashes: '/', the
 *   configuration, every image any of its properties names (but
 *   description, compatible, default) with the image's hash and cipher
 *   subnodes. hashed-nodes is ignored, as deb12u3 ignores it (it is not
 *   signed); hashed-strings bounds the strings hashed.
 * - Keys are the control DTB's /signature nodes with required = "conf";
 *   required-mode "any" needs one of them, otherwise all. RSA (2048, 3072,
 *   4096 bits, PKCS#1 v1.5) with sha1/sha256/sha384/sha512, as that U-Boot
 *   verifies; ECDSA and PSS it cannot verify, so neither does fwtool.
 * - Every image the configuration names has its hash-* nodes checked
 *   (sha1, sha256, sha384, sha512, crc32), against inline or external data.
 *
 * Stricter than U-Boot, where U-Boot would boot something unchecked: a
 * control DTB without a required key (U-Boot boots any FIT then), an image
 * without a sha256/384/512 hash node, and a hash node with uboot-ignore.
 */

#define FIT_NAME_LEN 64
#define FIT_IMAGES_MAX 16

/**
 * struct fit_result - what was checked
 * @conf:   the configuration
 * @algo:   its signature's algorithm ("sha256,rsa2048")
 * @keys:   the key nodes that verified it, space-separated
 * @images: each image the configuration names, with the hashes checked
 */
struct fit_result {
	char conf[FIT_NAME_LEN];
	char algo[32];
	char keys[4 * FIT_NAME_LEN];
	unsigned nimages;
	struct fit_image_result {
		char name[FIT_NAME_LEN];
		char hashes[64]; /* "sha256 crc32" */
		uint64_t size;
	} images[FIT_IMAGES_MAX];
};

/**
 * fit_verify() - check @fit (@len bytes, external data included) as bootm
 * would with the control DTB @ctl (@ctl_len bytes)
 * @conf: the configuration to check; NULL or "" for 'default'
 * Return: 0 with @res filled; FW_EVERIFY naming the node and the reason
 * (a bad hash, a signature that does not verify, no required key, ...);
 * FW_EFORMAT for a blob that is not a well-formed FIT; FW_EUSAGE for a
 * control DTB that is not one.
 */
int fit_verify(const void *fit, size_t len, const void *ctl, size_t ctl_len, const char *conf,
	       struct fit_result *res, struct fw_err *err) FW_MUST;

/**
 * struct fit_region - a byte range of the FIT a signature covers
 * @off: from the start of the blob
 */
struct fit_region {
	uint32_t off, len;
};

/**
 * fit_regions() - the regions configuration @conf's signature covers,
 * @strings_len bytes of the strings block included (hashed-strings' size),
 * in the order they are hashed
 * @len: the bytes at @fit, which need not be a valid FIT (it is checked)
 * @max: room in @r
 * Return: how many (>= 1), or a negative FW_E* code with @err filled.
 */
int fit_regions(const void *fit, size_t len, const char *conf, uint32_t strings_len,
		struct fit_region *r, unsigned max, struct fw_err *err);

#endif
