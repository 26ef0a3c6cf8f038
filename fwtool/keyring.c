// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "keyring.h"
#include "fwlimits.h"

struct keyring {
	mbedtls_x509_crt ca;
	mbedtls_x509_crl crl;
	int check_time;
	unsigned ncerts;
	char path[FW_PATH_LEN];
};

static int load_file(struct keyring *k, const char *path, int want_crl, struct fw_err *err)
{
	char ebuf[128];
	int ret;

	if (want_crl) {
		ret = mbedtls_x509_crl_parse_file(&k->crl, path);
		if (ret) {
			mbedtls_strerror(ret, ebuf, sizeof(ebuf));
			return fw_error(err, FW_EVERIFY, "keyring: CRL %s: %s", path, ebuf);
		}
		return 0;
	}
	ret = mbedtls_x509_crt_parse_file(&k->ca, path);
	if (ret < 0) {
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		return fw_error(err, FW_EVERIFY, "keyring: %s: %s", path, ebuf);
	}
	/* a PEM keyring file may carry its CRLs along */
	if (!want_crl) {
		FILE *f = fopen(path, "r");
		char line[80];
		int has_crl = 0;

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "-----BEGIN X509 CRL-----", 24))
				has_crl = 1;
		if (f)
			fclose(f);
		if (has_crl && mbedtls_x509_crl_parse_file(&k->crl, path))
			return fw_error(err, FW_EVERIFY, "keyring: %s: bad CRL block", path);
	}
	return 0;
}

static int load_dir(struct keyring *k, const char *path, struct fw_err *err)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int ret = 0;

	if (!d)
		return fw_error(err, FW_EIO, "keyring: %s: cannot open", path);
	while (!ret && (de = readdir(d))) {
		char file[FW_PATH_LEN];
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (stat(file, &st) || !S_ISREG(st.st_mode))
			continue;
		ret = load_file(k, file, n > 4 && !strcmp(de->d_name + n - 4, ".crl"), err);
	}
	closedir(d);
	return ret;
}

int keyring_load(struct keyring **kp, const char *path, int check_time, struct fw_err *err)
{
	struct keyring *k = calloc(1, sizeof(*k));
	struct stat st;
	int ret;

	*kp = NULL;
	if (!k)
		return fw_error(err, FW_ENOMEM, "keyring: out of memory");
	mbedtls_x509_crt_init(&k->ca);
	mbedtls_x509_crl_init(&k->crl);
	k->check_time = check_time;
	snprintf(k->path, sizeof(k->path), "%s", path);
	if (stat(path, &st)) {
		ret = fw_error(err, FW_EIO, "keyring: %s: not found", path);
		goto out;
	}
	ret = S_ISDIR(st.st_mode) ? load_dir(k, path, err) : load_file(k, path, 0, err);
	if (ret)
		goto out;
	for (mbedtls_x509_crt *c = &k->ca; c && c->raw.len; c = c->next)
		k->ncerts++;
	if (!k->ncerts)
		ret = fw_error(err, FW_EVERIFY, "keyring: %s: no CA certificate", path);
out:
	if (ret)
		keyring_free(k);
	else
		*kp = k;
	return ret;
}

void keyring_free(struct keyring *k)
{
	if (!k)
		return;
	mbedtls_x509_crt_free(&k->ca);
	mbedtls_x509_crl_free(&k->crl);
	free(k);
}

/* Without a clock, validity periods mean nothing: drop those flags only. */
static int ignore_time(void *data, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)data;
	(void)crt;
	(void)depth;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
			      MBEDTLS_X509_BADCRL_EXPIRED | MBEDTLS_X509_BADCRL_FUTURE);
	return 0;
}

static int fill_signer(mbedtls_x509_crt *crt, struct signer *s, struct fw_err *err)
{
	uint8_t buf[sizeof(s->pubkey)];
	mbedtls_pk_type_t type = mbedtls_pk_get_type(&crt->pk);
	size_t bits = mbedtls_pk_get_bitlen(&crt->pk);
	int n;

	if (type == MBEDTLS_PK_RSA && bits < 2048)
		return fw_error(err, FW_EVERIFY, "signer key: RSA %zu bits, at least 2048 needed",
				bits);
	if (type == MBEDTLS_PK_ECKEY) {
		mbedtls_ecp_group_id g = mbedtls_pk_ec(crt->pk)->grp.id;

		if (g != MBEDTLS_ECP_DP_SECP256R1 && g != MBEDTLS_ECP_DP_SECP384R1)
			return fw_error(err, FW_EVERIFY,
					"signer key: only EC P-256 and P-384 are accepted");
	} else if (type != MBEDTLS_PK_RSA) {
		return fw_error(err, FW_EVERIFY, "signer key: not RSA or ECDSA");
	}
	/* mbedtls writes DER at the end of the buffer */
	n = mbedtls_pk_write_pubkey_der(&crt->pk, buf, sizeof(buf));
	if (n <= 0)
		return fw_error(err, FW_EVERIFY, "signer key: cannot encode");
	memcpy(s->pubkey, buf + sizeof(buf) - n, (size_t)n);
	s->pubkey_len = (size_t)n;
	mbedtls_x509_dn_gets(s->subject, sizeof(s->subject), &crt->subject);
	mbedtls_x509_dn_gets(s->issuer, sizeof(s->issuer), &crt->issuer);
	return 0;
}

static int parse_chain(mbedtls_x509_crt *crt, const char *chain, size_t len, struct fw_err *err)
{
	char ebuf[128];
	int ret;

	/* PEM parsing wants the terminating NUL counted in the length */
	if (len == 0 || chain[len] != '\0')
		return fw_error(err, FW_EVERIFY, "signer chain: empty or not PEM");
	ret = mbedtls_x509_crt_parse(crt, (const unsigned char *)chain, len + 1);
	if (ret) {
		if (ret > 0)
			return fw_error(err, FW_EVERIFY,
					"signer chain: %d certificate(s) unreadable", ret);
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		return fw_error(err, FW_EVERIFY, "signer chain: %s", ebuf);
	}
	return 0;
}

int keyring_cert_signer(const char *chain, size_t len, struct signer *s, struct fw_err *err)
{
	mbedtls_x509_crt crt;
	int ret;

	mbedtls_x509_crt_init(&crt);
	ret = parse_chain(&crt, chain, len, err);
	if (!ret)
		ret = fill_signer(&crt, s, err);
	mbedtls_x509_crt_free(&crt);
	return ret;
}

static int flags_error(uint32_t flags, struct fw_err *err)
{
	char info[256];
	const char *why = "does not chain to the keyring";

	if (flags & MBEDTLS_X509_BADCERT_REVOKED)
		why = "is revoked";
	else if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		why = "has expired";
	else if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		why = "is not valid yet";
	else if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_KEY |
			  MBEDTLS_X509_BADCERT_BAD_PK))
		why = "uses a weak or unsupported algorithm";
	else if (flags & MBEDTLS_X509_BADCERT_KEY_USAGE)
		why = "is not allowed to sign";
	else if (flags & (MBEDTLS_X509_BADCRL_EXPIRED | MBEDTLS_X509_BADCRL_FUTURE))
		why = "has a CRL that is out of date";
	mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
	info[strcspn(info, "\n")] = '\0';
	return fw_error(err, FW_EVERIFY, "signer certificate %s (%s)", why, info);
}

int keyring_verify_chain(struct keyring *k, const char *chain, size_t len, struct signer *s,
			 struct fw_err *err)
{
	mbedtls_x509_crt crt;
	uint32_t flags = 0;
	int ret;

	mbedtls_x509_crt_init(&crt);
	ret = parse_chain(&crt, chain, len, err);
	if (ret)
		goto out;
	ret = mbedtls_x509_crt_verify_with_profile(&crt, &k->ca, k->crl.raw.len ? &k->crl : NULL,
						   &mbedtls_x509_crt_profile_next, NULL, &flags,
						   k->check_time ? NULL : ignore_time, NULL);
	/* a fatal error sets every flag: say what it was, not "revoked" */
	if (ret && flags == (uint32_t)-1) {
		char why[128];

		mbedtls_strerror(ret, why, sizeof(why));
		ret = fw_error(err, FW_EVERIFY,
			       "signer certificate: its chain cannot be checked (%s; at most %d "
			       "intermediate CAs)",
			       why, MBEDTLS_X509_MAX_INTERMEDIATE_CA);
		goto out;
	}
	/* the device's keyring is wrong, not the bundle */
	if (flags & MBEDTLS_X509_BADCRL_NOT_TRUSTED) {
		ret = fw_error(err, FW_EUSAGE,
			       "keyring %s: its CRL is not signed by the CA that it names (fix the "
			       "keyring)",
			       k->path);
		goto out;
	}
	if (ret || flags) {
		ret = flags_error(flags, err);
		goto out;
	}
	/* mbedTLS passes both usage checks when the extension is absent */
	if (crt.version != 3 || !(crt.ext_types & MBEDTLS_X509_EXT_KEY_USAGE)) {
		ret = fw_error(err, FW_EVERIFY,
			       "signer certificate: no keyUsage extension (an X.509 v3 "
			       "certificate with digitalSignature is required)");
		goto out;
	}
	if (!(crt.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE)) {
		ret = fw_error(err, FW_EVERIFY,
			       "signer certificate: no extendedKeyUsage extension (codeSigning "
			       "is required)");
		goto out;
	}
	if (mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) {
		ret = fw_error(err, FW_EVERIFY,
			       "signer certificate: key usage lacks digitalSignature");
		goto out;
	}
	if (mbedtls_x509_crt_check_extended_key_usage(&crt, MBEDTLS_OID_CODE_SIGNING,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING))) {
		ret = fw_error(err, FW_EVERIFY,
			       "signer certificate: extended key usage lacks codeSigning");
		goto out;
	}
	ret = fill_signer(&crt, s, err);
out:
	mbedtls_x509_crt_free(&crt);
	return ret;
}
