/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_SIG_H
#define FW_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keyring.h"

/*
 * Manifest signatures: SHA-256 over the exact manifest bytes, DER-encoded,
 * exactly what "openssl dgst -sha256 -sign KEY" makes: ECDSA (P-256, P-384),
 * RSA PKCS#1 v1.5, or RSA-PSS (any salt length).
 */

/**
 * sig_verify() - check @sig over @msg with @s's key
 * Return: 0, FW_EVERIFY.
 */
int sig_verify(const struct signer *s, const void *msg, size_t len, const uint8_t *sig,
	       size_t siglen, struct fw_err *err) FW_MUST;

/* sig_set_fast() - 0: every signature through mbedTLS (the tests compare) */
void sig_set_fast(int on);

/**
 * sig_sign() - sign @msg with a PEM private key, or by running @sign_cmd
 * (through /bin/sh, the message on its stdin, the DER signature on its
 * stdout) so that the key can stay in an HSM
 * @sig: FW_SIG_MAX bytes
 * Return: 0, FW_EIO (key unreadable, command failed), FW_EUSAGE.
 */
int sig_sign(const char *keypath, const char *sign_cmd, const void *msg, size_t len, uint8_t *sig,
	     size_t *siglen, struct fw_err *err) FW_MUST;

#endif
