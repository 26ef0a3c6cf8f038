/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_KEYRING_H
#define FW_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/**
 * struct signer - who signed: the leaf certificate's key and names
 * @pubkey: DER SubjectPublicKeyInfo of the signer's key
 */
struct signer {
	uint8_t pubkey[1024];
	size_t pubkey_len;
	char subject[256];
	char issuer[256];
};

struct keyring;

/**
 * keyring_load() - load CA certificates and CRLs
 * @path: a PEM file (certificates, and CRL blocks if any) or a directory
 *        (*.crl are CRLs; every other regular file is PEM certificates)
 * @check_time: verify validity periods (off for boards without a clock)
 * Return: 0, FW_EIO (unreadable), FW_EVERIFY (no usable CA), FW_ENOMEM.
 */
int keyring_load(struct keyring **kp, const char *path, int check_time, struct fw_err *err) FW_MUST;

/**
 * keyring_verify_chain() - verify a PEM chain (signer first, then
 * intermediates) to the keyring, with CRLs, key usage digitalSignature and,
 * where the certificate names extended key usages, codeSigning
 * Return: 0 and @s filled; FW_EVERIFY naming the reason.
 */
int keyring_verify_chain(struct keyring *k, const char *chain, size_t len, struct signer *s,
			 struct fw_err *err) FW_MUST;

/**
 * keyring_cert_signer() - the signer of a PEM chain without verifying it
 * (bundle creation checks its own signature with it)
 */
int keyring_cert_signer(const char *chain, size_t len, struct signer *s,
			struct fw_err *err) FW_MUST;

/** keyring_free() - NULL-safe */
void keyring_free(struct keyring *k);

#endif
