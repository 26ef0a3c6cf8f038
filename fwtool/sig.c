// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmp.h>
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>

#include "hash.h"
#include "fwlimits.h"
#include "sig.h"

/*
 * An ECDSA signature is DER: SEQUENCE { INTEGER r, INTEGER s }, each in its
 * one shortest form. mbedTLS also takes long-form lengths, zero-padded and
 * negative integers (openssl does not); a signature that verifies in more
 * than one encoding is malleable. Read r and s, write them back, and take
 * only a signature that is exactly what was written.
 */
static int canonical_der(const uint8_t *sig, size_t siglen, mbedtls_mpi *r, mbedtls_mpi *s)
{
	unsigned char *p = (unsigned char *)(uintptr_t)sig, *end = p + siglen;
	unsigned char out[160], *q = out + sizeof(out);
	size_t len = 0, n;
	int w;

	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
	    p + n != end || mbedtls_asn1_get_mpi(&p, end, r) || mbedtls_asn1_get_mpi(&p, end, s) ||
	    p != end)
		return 0;
	if ((w = mbedtls_asn1_write_mpi(&q, out, s)) < 0)
		return 0;
	len += (size_t)w;
	if ((w = mbedtls_asn1_write_mpi(&q, out, r)) < 0)
		return 0;
	len += (size_t)w;
	if ((w = mbedtls_asn1_write_len(&q, out, len)) < 0)
		return 0;
	len += (size_t)w;
	if ((w = mbedtls_asn1_write_tag(&q, out,
					MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return 0;
	len += (size_t)w;
	return len == siglen && !memcmp(q, sig, len);
}

static int sig_fast = 1;

void sig_set_fast(int on)
{
	sig_fast = on;
}

/* an mbedTLS number into GMP's; 0 when it has more than 66 bytes */
static int mpz_from(mpz_t z, const mbedtls_mpi *x)
{
	uint8_t b[66];
	size_t n = mbedtls_mpi_size(x);

	if (n > sizeof(b) || mbedtls_mpi_write_binary(x, b, n))
		return 0;
	mpz_import(z, n, 1, 1, 0, 0, b);
	return 1;
}

/*
 * ECDSA on P-256 and P-384 through nettle. mbedTLS 2.28 takes 3.3 ms for
 * one P-256 verification here, nettle 0.3 ms (its curve arithmetic is
 * assembly, its base-point tables built in); a tiny install is ~20 ms.
 * mbedTLS still parses the key (and checks its point is on the curve) and
 * the signature; nettle checks 0 < r, s < n itself.
 * Return: 1 valid, 0 invalid, -1 a curve nettle is not asked to do.
 */
static int ecdsa_nettle(const mbedtls_ecp_keypair *kp, const uint8_t *digest, const mbedtls_mpi *r,
			const mbedtls_mpi *s)
{
	const struct ecc_curve *curve;
	struct dsa_signature ds;
	struct ecc_point q;
	mpz_t x, y;
	int ok = 0;

	if (kp->grp.id == MBEDTLS_ECP_DP_SECP256R1)
		curve = nettle_get_secp_256r1();
	else if (kp->grp.id == MBEDTLS_ECP_DP_SECP384R1)
		curve = nettle_get_secp_384r1();
	else
		return -1;
	mpz_inits(x, y, NULL);
	dsa_signature_init(&ds);
	ecc_point_init(&q, curve);
	if (mpz_from(x, &kp->Q.X) && mpz_from(y, &kp->Q.Y) && mpz_from(ds.r, r) &&
	    mpz_from(ds.s, s) && ecc_point_set(&q, x, y))
		ok = ecdsa_verify(&q, HASH_LEN, digest, &ds);
	ecc_point_clear(&q);
	dsa_signature_clear(&ds);
	mpz_clears(x, y, NULL);
	return ok;
}

int sig_verify(const struct signer *s, const void *msg, size_t len, const uint8_t *sig,
	       size_t siglen, struct fw_err *err)
{
	uint8_t digest[HASH_LEN];
	mbedtls_pk_context pk;
	mbedtls_mpi r, rs;
	int ret, fast = -1;

	hash_buf(msg, len, digest);
	mbedtls_pk_init(&pk);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&rs);
	ret = mbedtls_pk_parse_public_key(&pk, s->pubkey, s->pubkey_len);
	if (ret) {
		ret = fw_error(err, FW_EVERIFY, "signature: bad signer key");
		goto out;
	}
	if (mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA)) {
		if (!canonical_der(sig, siglen, &r, &rs)) {
			ret = fw_error(err, FW_EVERIFY,
				       "signature: the ECDSA signature is not in "
				       "its canonical DER form");
			goto out;
		}
		if (sig_fast)
			fast = ecdsa_nettle(mbedtls_pk_ec(pk), digest, &r, &rs);
	}
	if (fast >= 0)
		ret = !fast;
	else
		ret = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, HASH_LEN, sig, siglen);
	if (ret && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA) {
		mbedtls_pk_rsassa_pss_options pss = {
			.mgf1_hash_id = MBEDTLS_MD_SHA256,
			.expected_salt_len = MBEDTLS_RSA_SALT_LEN_ANY,
		};

		ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &pss, &pk, MBEDTLS_MD_SHA256,
					    digest, HASH_LEN, sig, siglen);
	}
	if (ret)
		ret = fw_error(
			err, FW_EVERIFY,
			"signature: manifest signature does not verify with the signer's key (%s)",
			s->subject);
out:
	mbedtls_mpi_free(&rs);
	mbedtls_mpi_free(&r);
	mbedtls_pk_free(&pk);
	return ret;
}

static int sign_with_key(const char *keypath, const void *msg, size_t len, uint8_t *sig,
			 size_t *siglen, struct fw_err *err)
{
	uint8_t digest[HASH_LEN];
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context pk;
	char ebuf[128];
	int ret;

	hash_buf(msg, len, digest);
	mbedtls_pk_init(&pk);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent,
				    (const unsigned char *)"fwtool", 6);
	if (ret)
		goto fail;
	ret = mbedtls_pk_parse_keyfile(&pk, keypath, NULL);
	if (ret) {
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		ret = fw_error(err, FW_EIO, "sign: key %s: %s", keypath, ebuf);
		goto out;
	}
	ret = mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, digest, HASH_LEN, sig, siglen,
			      mbedtls_ctr_drbg_random, &drbg);
	if (ret)
		goto fail;
	if (*siglen > FW_SIG_MAX)
		ret = fw_error(err, FW_EIO, "sign: signature larger than %u bytes", FW_SIG_MAX);
	goto out;
fail:
	mbedtls_strerror(ret, ebuf, sizeof(ebuf));
	ret = fw_error(err, FW_EIO, "sign: %s", ebuf);
out:
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return ret;
}

/* The message goes in through an unlinked temp file, so a command that
 * writes before it has read everything cannot deadlock against us. */
static int sign_with_cmd(const char *cmd, const void *msg, size_t len, uint8_t *sig, size_t *siglen,
			 struct fw_err *err)
{
	FILE *in = tmpfile();
	int out[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (!in || fwrite(msg, 1, len, in) != len || fflush(in) || fseek(in, 0, SEEK_SET) ||
	    pipe(out)) {
		if (in)
			fclose(in);
		return fw_error(err, FW_EIO, "sign-cmd: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		dup2(fileno(in), STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	fclose(in);
	if (pid < 0) {
		close(out[0]);
		return fw_error(err, FW_EIO, "sign-cmd: fork: %s", strerror(errno));
	}
	while ((n = read(out[0], sig + got, FW_SIG_MAX - got)) > 0) {
		got += (size_t)n;
		if (got == FW_SIG_MAX)
			break;
	}
	close(out[0]);
	if (got == FW_SIG_MAX)
		kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fw_error(err, FW_EIO, "sign-cmd: '%s' failed (status %d)", cmd,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (got == 0 || got == FW_SIG_MAX)
		return fw_error(err, FW_EIO, "sign-cmd: '%s' printed %s signature", cmd,
				got ? "an oversized" : "no");
	*siglen = got;
	return 0;
}

int sig_sign(const char *keypath, const char *sign_cmd, const void *msg, size_t len, uint8_t *sig,
	     size_t *siglen, struct fw_err *err)
{
	if (sign_cmd)
		return sign_with_cmd(sign_cmd, msg, len, sig, siglen, err);
	if (!keypath)
		return fw_error(err, FW_EUSAGE, "sign: need --key or --sign-cmd");
	return sign_with_key(keypath, msg, len, sig, siglen, err);
}
