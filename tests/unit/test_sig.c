// SPDX-License-Identifier: GPL-2.0-only
/*
 * ECDSA manifest signatures: nettle's verification (the fast path) against
 * mbedTLS's (sig_set_fast(0)) on keys and signatures that real openssl
 * made, and on signatures changed the ways an attacker would: r or s off
 * by one, zero, the group order, larger than it, s mirrored to n - s,
 * another message. Both must say the same every time. Without openssl the
 * tests skip and say so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include "sig.h"

static char *dir;
static int tools = 1;

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static size_t slurp(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

/* DER SEQUENCE { r, s }, written back to front as mbedTLS does */
static size_t der_sig(const mbedtls_mpi *r, const mbedtls_mpi *s, uint8_t *out, size_t cap)
{
	unsigned char *p = out + cap;
	size_t len = 0;

	len += (size_t)mbedtls_asn1_write_mpi(&p, out, s);
	len += (size_t)mbedtls_asn1_write_mpi(&p, out, r);
	len += (size_t)mbedtls_asn1_write_len(&p, out, len);
	len += (size_t)mbedtls_asn1_write_tag(&p, out,
					      MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	memmove(out, p, len);
	return len;
}

/* 0 when both paths accept, 1 when both refuse; fails when they differ */
static int both(const struct signer *who, const char *msg, const uint8_t *sig, size_t len)
{
	struct fw_err err;
	int fast, slow;

	sig_set_fast(1);
	fast = sig_verify(who, msg, strlen(msg), sig, len, &err);
	sig_set_fast(0);
	slow = sig_verify(who, msg, strlen(msg), sig, len, &err);
	sig_set_fast(1);
	if (!fast != !slow)
		fail_msg("nettle says %d, mbedTLS %d (%zu-byte signature)", fast, slow, len);
	return fast != 0;
}

static void one_curve(const char *curve, mbedtls_ecp_group_id gid)
{
	const char *msg = "{\"version\":\"1.0.0\"}";
	struct signer who = {0};
	uint8_t sig[200], bad[200];
	mbedtls_ecp_group grp;
	mbedtls_mpi r, s, t;
	size_t len, blen;
	unsigned char *p, *end;
	size_t n;

	if (!tools) {
		fprintf(stderr, "signature tests skipped: openssl is not installed\n");
		skip();
	}
	assert_int_equal(sh("cd %s && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:%s "
			    "-out k.pem 2>/dev/null && openssl pkey -in k.pem -pubout -outform DER "
			    "-out pub.der && printf '%%s' '%s' | openssl dgst -sha256 -sign k.pem "
			    "-out sig.der",
			    dir, curve, msg),
			 0);
	who.pubkey_len = slurp("pub.der", who.pubkey, sizeof(who.pubkey));
	len = slurp("sig.der", sig, sizeof(sig));
	assert_int_equal(both(&who, msg, sig, len), 0);
	assert_int_equal(both(&who, "{\"version\":\"1.0.1\"}", sig, len), 1);

	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_mpi_init(&t);
	assert_int_equal(mbedtls_ecp_group_load(&grp, gid), 0);
	p = sig;
	end = sig + len;
	assert_int_equal(
		mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE),
		0);
	assert_int_equal(mbedtls_asn1_get_mpi(&p, end, &r), 0);
	assert_int_equal(mbedtls_asn1_get_mpi(&p, end, &s), 0);

	/* re-encoded unchanged: still good on both */
	blen = der_sig(&r, &s, bad, sizeof(bad));
	assert_int_equal(both(&who, msg, bad, blen), 0);
	/* s mirrored: ECDSA takes n - s too; both must agree on it */
	mbedtls_mpi_sub_mpi(&t, &grp.N, &s);
	blen = der_sig(&r, &t, bad, sizeof(bad));
	assert_int_equal(both(&who, msg, bad, blen), 0);
	for (int which = 0; which < 2; which++) {
		const mbedtls_mpi *keep = which ? &r : &s;
		const mbedtls_mpi *orig = which ? &s : &r;
		mbedtls_mpi v;

		mbedtls_mpi_init(&v);
		for (int k = 0; k < 7; k++) {
			switch (k) {
			case 0: mbedtls_mpi_add_int(&v, orig, 1); break;
			case 1: mbedtls_mpi_sub_int(&v, orig, 1); break;
			case 2: mbedtls_mpi_lset(&v, 0); break;
			case 3: mbedtls_mpi_copy(&v, &grp.N); break;
			case 4: mbedtls_mpi_add_mpi(&v, orig, &grp.N); break;
			case 5: mbedtls_mpi_add_int(&v, &grp.N, 1); break;
			default: mbedtls_mpi_sub_int(&v, &grp.N, 1); break;
			}
			blen = which ? der_sig(keep, &v, bad, sizeof(bad))
				     : der_sig(&v, keep, bad, sizeof(bad));
			assert_int_equal(both(&who, msg, bad, blen), 1);
		}
		mbedtls_mpi_free(&v);
	}
	/* every single bit of the original flipped */
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(bad, sig, len);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(both(&who, msg, bad, len), 1);
	}
	mbedtls_mpi_free(&t);
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_ecp_group_free(&grp);
}

static void test_sig_p256_paths_agree(void **state)
{
	(void)state;
	one_curve("P-256", MBEDTLS_ECP_DP_SECP256R1);
}

static void test_sig_p384_paths_agree(void **state)
{
	(void)state;
	one_curve("P-384", MBEDTLS_ECP_DP_SECP384R1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_p256_paths_agree),
		cmocka_unit_test(test_sig_p384_paths_agree),
	};
	int ret;

	tools = !system("command -v openssl >/dev/null");
	dir = testutil_tmpdir();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	testutil_rmrf(dir);
	return ret;
}
