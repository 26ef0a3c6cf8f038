// SPDX-License-Identifier: GPL-2.0-only
/*
 * fit.c against FIT images signed by Debian's mkimage (u-boot-tools) and
 * tampered with by dtc's fdtput, as U-Boot's bootm would meet them; the
 * signed regions are checked independently by openssl. Without mkimage,
 * dtc, fdtput or openssl the tests skip and say so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "fit.h"
#include "testutil.h"

static char *dir;
static int tools = 1;

static const char its[] =
	"/dts-v1/;\n/ {\n description = \"test\";\n #address-cells = <1>;\n"
	" images {\n"
	"  kernel-1 { description = \"k\"; data = /incbin/(\"kernel.bin\"); type = \"kernel\";\n"
	"   arch = \"arm64\"; os = \"linux\"; compression = \"none\"; load = <0x40400000>;\n"
	"   entry = <0x40400000>; hash-1 { algo = \"sha256\"; }; };\n"
	"  fdt-1 { description = \"d\"; data = /incbin/(\"board.dtb\"); type = \"flat_dt\";\n"
	"   arch = \"arm64\"; compression = \"none\"; hash-1 { algo = \"sha256\"; };\n"
	"   hash-2 { algo = \"crc32\"; }; };\n"
	" };\n"
	" configurations {\n  default = \"conf-1\";\n"
	"  conf-1 { description = \"c\"; kernel = \"kernel-1\"; fdt = \"fdt-1\";\n"
	"   %s };\n };\n};\n";

static int sh(const char *fmt, ...) FW_PRINTF(1, 2);

static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "cd %s && (", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n - 40, fmt, ap);
	va_end(ap);
	strcat(cmd, ") >/dev/null 2>&1");
	return system(cmd);
}

/* a key pair NAME.key/NAME.crt in keys-DIR, as mkimage wants them */
static int rsa_key(const char *kdir, const char *name, int bits)
{
	return sh("mkdir -p %s && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:%d "
		  "-out %s/%s.key && openssl req -batch -new -x509 -key %s/%s.key -out %s/%s.crt "
		  "-subj /CN=%s",
		  kdir, bits, kdir, name, kdir, name, kdir, name, name);
}

/* @out signed with keys in @kdir (unsigned when NULL), the key put in @ctl */
static int make_fit(const char *out, const char *sig, const char *kdir, const char *ctl,
		    const char *extra)
{
	FILE *f;
	char path[4300];

	snprintf(path, sizeof(path), "%s/%s.its", dir, out);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, its, sig);
	fclose(f);
	if (sh("test -f %s || { echo '/dts-v1/; / { };' | dtc -O dtb -o %s; }", ctl ? ctl : "none",
	       ctl ? ctl : "none"))
		return -1;
	if (!kdir)
		return sh("mkimage %s -f %s.its %s", extra, out, out);
	return sh("mkimage %s -f %s.its -k %s -K %s -r %s", extra, out, kdir, ctl, out);
}

static const char rsa2048[] = "signature-1 { algo = \"sha256,rsa2048\"; key-name-hint = \"dev\";"
			      " sign-images = \"fdt\", \"kernel\"; };";

static int group_setup(void **state)
{
	(void)state;
	if (system("for t in mkimage dtc fdtput fdtget openssl xxd; do command -v $t || exit 1; "
		   "done >/dev/null 2>&1")) {
		tools = 0;
		return 0;
	}
	dir = testutil_tmpdir();
	assert_int_equal(sh("head -c 8192 /dev/urandom > kernel.bin && echo '/dts-v1/; / { "
			    "model = \"x\"; };' | dtc -O dtb -o board.dtb"),
			 0);
	assert_int_equal(rsa_key("keys", "dev", 2048), 0);
	assert_int_equal(rsa_key("other", "dev", 2048), 0);
	assert_int_equal(rsa_key("big", "dev", 4096), 0);
	assert_int_equal(make_fit("x.itb", rsa2048, "keys", "ctl.dtb", ""), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (dir)
		testutil_rmrf(dir);
	return 0;
}

static void need_tools(void)
{
	if (!tools) {
		fprintf(stderr, "FIT tests skipped: mkimage, dtc, fdtput, fdtget, openssl and xxd "
				"are needed\n");
		skip();
	}
}

static char *load(const char *name, size_t *len)
{
	char path[4300], *buf = NULL;
	struct fw_err err = {0};

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(fd_read_file(path, 64u << 20, &buf, len, &err), 0);
	return buf;
}

/* fit_verify() of @fit against @ctl; the error message in @msg */
static int check(const char *fit, const char *ctl, const char *conf, struct fit_result *res,
		 char *msg, size_t msglen)
{
	size_t flen, clen;
	char *f = load(fit, &flen), *c = load(ctl, &clen);
	struct fw_err err = {0};
	int ret = fit_verify(f, flen, c, clen, conf, res, &err);

	snprintf(msg, msglen, "%s", err.msg);
	free(f);
	free(c);
	return ret;
}

static void expect_refused(const char *fit, const char *ctl, const char *part)
{
	struct fit_result res;
	char msg[256];

	assert_int_equal(check(fit, ctl, NULL, &res, msg, sizeof(msg)), FW_EVERIFY);
	if (!strstr(msg, part))
		fail_msg("%s: '%s' does not say '%s'", fit, msg, part);
}

static void test_signed_fit_verifies(void **state)
{
	struct fit_result res;
	char msg[256];

	(void)state;
	need_tools();
	assert_int_equal(check("x.itb", "ctl.dtb", NULL, &res, msg, sizeof(msg)), 0);
	assert_string_equal(res.conf, "conf-1");
	assert_string_equal(res.algo, "sha256,rsa2048");
	assert_string_equal(res.keys, "key-dev");
	assert_int_equal(res.nimages, 2);
	assert_string_equal(res.images[0].name, "kernel-1");
	assert_string_equal(res.images[0].hashes, "sha256");
	assert_int_equal(res.images[0].size, 8192);
	assert_string_equal(res.images[1].hashes, "sha256 crc32");
	assert_int_equal(check("x.itb", "ctl.dtb", "conf-1", &res, msg, sizeof(msg)), 0);
	assert_int_equal(check("x.itb", "ctl.dtb", "conf-2", &res, msg, sizeof(msg)), FW_EVERIFY);
}

static void test_regions_verify_with_openssl(void **state)
{
	struct fit_region r[800];
	struct fw_err err = {0};
	size_t len;
	char *f, path[4300];
	FILE *out;
	int n;

	(void)state;
	need_tools();
	f = load("x.itb", &len);
	/* hashed-strings as mkimage wrote it */
	assert_int_equal(sh("fdtget -t x x.itb /configurations/conf-1/signature-1 hashed-strings "
			    "| awk '{print $2}' > hs.txt"),
			 0);
	{
		char *hs = load("hs.txt", NULL);

		n = fit_regions(f, len, "conf-1", (uint32_t)strtoul(hs, NULL, 16), r, 800, &err);
		free(hs);
	}
	assert_true(n > 1);
	snprintf(path, sizeof(path), "%s/regions.bin", dir);
	out = fopen(path, "wb");
	assert_non_null(out);
	for (int i = 0; i < n; i++)
		assert_int_equal(fwrite(f + r[i].off, 1, r[i].len, out), r[i].len);
	fclose(out);
	free(f);
	assert_int_equal(
		sh("fdtget -t bx x.itb /configurations/conf-1/signature-1 value | tr ' ' '\\n' "
		   "| sed 's/^.$/0&/' | tr -d '\\n' | xxd -r -p > sig.bin && openssl x509 -in "
		   "keys/dev.crt -pubkey -noout > pub.pem && openssl dgst -sha256 -verify pub.pem "
		   "-signature sig.bin regions.bin"),
		0);
	/* and the regions are what matter: one byte more, and openssl refuses */
	assert_int_equal(sh("printf x >> regions.bin && ! openssl dgst -sha256 -verify pub.pem "
			    "-signature sig.bin regions.bin"),
			 0);
}

/* @name with one byte flipped @skip bytes after the first place @needle is */
static void flip_after(const char *name, const char *out, const char *needle_file, size_t skip)
{
	size_t len, nlen;
	char *f = load(name, &len), *n = load(needle_file, &nlen), path[4300];
	char *at = memmem(f, len, n, 16);
	FILE *o;

	assert_non_null(at);
	assert_true((size_t)(at - f) + skip < len);
	at[skip] ^= 0x01;
	snprintf(path, sizeof(path), "%s/%s", dir, out);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite(f, 1, len, o), len);
	fclose(o);
	free(f);
	free(n);
}

static void test_flipped_data_byte_is_a_bad_hash(void **state)
{
	(void)state;
	need_tools();
	flip_after("x.itb", "flip.itb", "kernel.bin", 100);
	expect_refused("flip.itb", "ctl.dtb",
		       "bad sha256 hash value for 'hash-1' hash node in "
		       "'kernel-1' image node");
}

static void test_changed_hash_value_breaks_the_signature(void **state)
{
	(void)state;
	need_tools();
	assert_int_equal(sh("cp x.itb hv.itb && fdtput -t bx hv.itb /images/kernel-1/hash-1 value "
			    "$(printf '00 %%.0s' $(seq 32))"),
			 0);
	expect_refused("hv.itb", "ctl.dtb", "does not verify");
}

static void test_unsigned_configuration_refused(void **state)
{
	(void)state;
	need_tools();
	assert_int_equal(make_fit("unsigned.itb", "", NULL, NULL, ""), 0);
	expect_refused("unsigned.itb", "ctl.dtb", "has no signature node");
}

static void test_image_added_after_signing_breaks_the_signature(void **state)
{
	(void)state;
	need_tools();
	assert_int_equal(
		sh("cp x.itb add.itb && fdtput -c add.itb /images/extra-1 "
		   "/images/extra-1/hash-1 && fdtput -t s add.itb /images/extra-1/hash-1 "
		   "algo sha256 && fdtput -t bx add.itb /images/extra-1 data 01 02 && "
		   "fdtput -t bx add.itb /images/extra-1/hash-1 value $(printf '\\001\\002' | "
		   "sha256sum | head -c 64 | sed 's/../& /g') && fdtput -t s add.itb "
		   "/configurations/conf-1 loadables extra-1"),
		0);
	expect_refused("add.itb", "ctl.dtb", "does not verify");
}

static void test_hashed_nodes_is_ignored_as_debian_uboot_ignores_it(void **state)
{
	struct fit_result res;
	char msg[256];

	(void)state;
	need_tools();
	/* unsigned, so deb12u3 rebuilds the list: editing it changes nothing */
	assert_int_equal(sh("cp x.itb hn.itb && fdtput -t s hn.itb "
			    "/configurations/conf-1/signature-1 hashed-nodes / "
			    "/configurations/conf-1 /images/kernel-1 /images/kernel-1/hash-1"),
			 0);
	assert_int_equal(check("hn.itb", "ctl.dtb", NULL, &res, msg, sizeof(msg)), 0);
	/* the fdt is still covered: dropping it from hashed-nodes and changing it fails */
	assert_int_equal(sh("fdtput -t s hn.itb /images/fdt-1 description changed"), 0);
	expect_refused("hn.itb", "ctl.dtb", "does not verify");
}

static void test_key_not_required_is_refused(void **state)
{
	(void)state;
	need_tools();
	assert_int_equal(sh("cp ctl.dtb optional.dtb && fdtput -d optional.dtb /signature/key-dev "
			    "required"),
			 0);
	expect_refused("x.itb", "optional.dtb", "no key with required");
}

static void test_signed_by_another_key_refused(void **state)
{
	(void)state;
	need_tools();
	assert_int_equal(make_fit("other.itb", rsa2048, "other", "ctl-other.dtb", ""), 0);
	expect_refused("other.itb", "ctl.dtb",
		       "required key key-dev: sha256,rsa2048 does not "
		       "verify");
	expect_refused("x.itb", "ctl-other.dtb", "does not verify");
}

static void test_rsa4096_and_external_data(void **state)
{
	static const char sig[] = "signature-1 { algo = \"sha256,rsa4096\"; key-name-hint = "
				  "\"dev\"; sign-images = \"fdt\", \"kernel\"; };";
	struct fit_result res;
	char msg[256];

	(void)state;
	need_tools();
	assert_int_equal(make_fit("big.itb", sig, "big", "ctl-big.dtb", "-E"), 0);
	assert_int_equal(check("big.itb", "ctl-big.dtb", NULL, &res, msg, sizeof(msg)), 0);
	assert_string_equal(res.algo, "sha256,rsa4096");
	assert_int_equal(res.images[0].size, 8192);
	/* external data past the end of the file */
	assert_int_equal(sh("head -c 5000 big.itb > short.itb"), 0);
	expect_refused("short.itb", "ctl-big.dtb", "outside the file");
}

static void test_ecdsa_refused_as_this_uboot_refuses_it(void **state)
{
	static const char sig[] = "signature-1 { algo = \"sha256,ecdsa256\"; key-name-hint = "
				  "\"ec\"; sign-images = \"fdt\", \"kernel\"; };";

	(void)state;
	need_tools();
	assert_int_equal(sh("mkdir -p ec && openssl ecparam -name prime256v1 -genkey -noout -out "
			    "ec/ec.pem && echo '/dts-v1/; / { signature { }; };' | dtc -O dtb -o "
			    "ctl-ec.dtb"),
			 0);
	assert_int_equal(make_fit("ec.itb", sig, "ec", "ctl-ec.dtb", ""), 0);
	/* 2023.01 writes neither algo nor required for an EC key; as master does */
	assert_int_equal(sh("fdtput -t s ctl-ec.dtb /signature/ec required conf && fdtput -t s "
			    "ctl-ec.dtb /signature/ec algo sha256,ecdsa256"),
			 0);
	expect_refused("ec.itb", "ctl-ec.dtb", "no ECDSA driver");
}

static void test_unit_address_refused(void **state)
{
	struct fit_result res;
	char msg[256];

	(void)state;
	need_tools();
	assert_int_equal(sh("cp x.itb at.itb && fdtput -c at.itb /images/kernel@1"), 0);
	assert_int_equal(check("at.itb", "ctl.dtb", NULL, &res, msg, sizeof(msg)), FW_EFORMAT);
	assert_non_null(strstr(msg, "unit address"));
}

static void test_not_a_fit(void **state)
{
	struct fit_result res;
	struct fw_err err = {0};
	size_t clen;
	char *c;

	(void)state;
	need_tools();
	c = load("ctl.dtb", &clen);
	assert_int_equal(fit_verify("garbage", 7, c, clen, NULL, &res, &err), FW_EFORMAT);
	assert_int_equal(fit_verify(c, clen, "garbage", 7, NULL, &res, &err), FW_EUSAGE);
	/* a device tree, but not a FIT */
	assert_int_equal(fit_verify(c, clen, c, clen, NULL, &res, &err), FW_EFORMAT);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_fit_verifies),
		cmocka_unit_test(test_regions_verify_with_openssl),
		cmocka_unit_test(test_flipped_data_byte_is_a_bad_hash),
		cmocka_unit_test(test_changed_hash_value_breaks_the_signature),
		cmocka_unit_test(test_unsigned_configuration_refused),
		cmocka_unit_test(test_image_added_after_signing_breaks_the_signature),
		cmocka_unit_test(test_hashed_nodes_is_ignored_as_debian_uboot_ignores_it),
		cmocka_unit_test(test_key_not_required_is_refused),
		cmocka_unit_test(test_signed_by_another_key_refused),
		cmocka_unit_test(test_rsa4096_and_external_data),
		cmocka_unit_test(test_ecdsa_refused_as_this_uboot_refuses_it),
		cmocka_unit_test(test_unit_address_refused),
		cmocka_unit_test(test_not_a_fit),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
