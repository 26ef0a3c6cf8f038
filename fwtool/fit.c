// SPDX-License-Identifier: GPL-2.0-only
/*
 * FIT verification as Debian 12's U-Boot does it in bootm (fit.h says what
 * is checked and where fwtool is stricter). The region walk follows
 * ../shared/reference/formats.md section 4.3; libfdt parses, mbedTLS does
 * the RSA arithmetic and the digests, zlib the CRC-32.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <zlib.h>

#include "dtb.h"
#include "fit.h"

#define FIT_DEPTH_MAX 32 /* U-Boot's FDT_MAX_DEPTH */
#define FIT_NODES_MAX 100 /* U-Boot caps the node list at 100 paths */
#define FIT_PATH_MAX 256
#define FIT_REGIONS_MAX (20 + 7 * FIT_NODES_MAX)

struct node_list {
	char path[FIT_NODES_MAX][FIT_PATH_MAX];
	unsigned n;
};

static int add_path(struct node_list *l, const char *fmt, ...) FW_PRINTF(2, 3);

static int add_path(struct node_list *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->n == FIT_NODES_MAX)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(l->path[l->n], FIT_PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= FIT_PATH_MAX)
		return -1;
	l->n++;
	return 0;
}

static int listed(const struct node_list *l, const char *path)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->path[i], path))
			return 1;
	return 0;
}

/* A property that is a list of strings, or 0 for anything else. */
static int strings(const void *fdt, int node, const char *name)
{
	int n = fdt_stringlist_count(fdt, node, name);

	return n > 0 ? n : 0;
}

/*
 * The images configuration @cfg names, as U-Boot reads them: each string
 * of each property but description, compatible and default that is an
 * existing /images node, in order (a name given twice counts twice).
 * Return: how many, or -1 when there are more than @max.
 */
static int conf_images(const void *fit, int cfg, const char **names, int max)
{
	int images = fdt_path_offset(fit, "/images"), prop, n = 0;

	fdt_for_each_property_offset(prop, fit, cfg)
	{
		const char *name;
		int len, count;

		if (!fdt_getprop_by_offset(fit, prop, &name, &len) ||
		    !strcmp(name, "description") || !strcmp(name, "compatible") ||
		    !strcmp(name, "default"))
			continue;
		count = strings(fit, cfg, name);
		for (int i = 0; i < count; i++) {
			const char *img = fdt_stringlist_get(fit, cfg, name, i, NULL);

			if (!img || fdt_subnode_offset(fit, images, img) < 0)
				continue;
			if (n == max)
				return -1;
			names[n++] = img;
		}
	}
	return n;
}

/*
 * The nodes a configuration signature covers, rebuilt from the
 * configuration as deb12u3 rebuilds them: '/', the configuration, and for
 * each image any property names, the image, its hash* and cipher nodes.
 */
static int node_list(const void *fit, int cfg_node, const char *conf, struct node_list *l,
		     struct fw_err *err)
{
	int images = fdt_path_offset(fit, "/images"), n;
	const char *names[FIT_NODES_MAX];

	l->n = 0;
	if (add_path(l, "/") || add_path(l, "/configurations/%s", conf))
		return fw_error(err, FW_EFORMAT, "FIT: configuration name %s too long", conf);
	n = conf_images(fit, cfg_node, names, FIT_NODES_MAX);
	if (n < 0)
		goto full;
	for (int i = 0; i < n; i++) {
		int node = fdt_subnode_offset(fit, images, names[i]), sub, hashes = 0;

		if (add_path(l, "/images/%s", names[i]))
			goto full;
		fdt_for_each_subnode(sub, fit, node)
		{
			const char *sn = fdt_get_name(fit, sub, NULL);

			if (sn && !strncmp(sn, "hash", 4)) {
				hashes++;
				if (add_path(l, "/images/%s/%s", names[i], sn))
					goto full;
			} else if (sn && !strcmp(sn, "cipher") &&
				   add_path(l, "/images/%s/%s", names[i], sn)) {
				goto full;
			}
		}
		if (!hashes)
			return fw_error(err, FW_EVERIFY,
					"FIT: image %s of configuration %s has no hash node",
					names[i], conf);
	}
	if (!n)
		return fw_error(err, FW_EVERIFY, "FIT: configuration %s names no image", conf);
	return 0;
full:
	return fw_error(err, FW_EVERIFY,
			"FIT: configuration %s covers more than %d nodes (U-Boot's limit)", conf,
			FIT_NODES_MAX);
}

static int add_region(struct fit_region *r, unsigned max, unsigned *n, uint32_t off, uint32_t len)
{
	if (*n && r[*n - 1].off + r[*n - 1].len == off) {
		r[*n - 1].len += len;
		return 0;
	}
	if (*n == max)
		return -1;
	r[*n].off = off;
	r[*n].len = len;
	(*n)++;
	return 0;
}

/*
 * The structure block tag by tag. A listed node is wanted whole (2), its
 * children by their tags only (1), their children not at all (0). The
 * data of images is excluded: each image's hash nodes cover it.
 */
static int walk(const void *fit, const struct node_list *l, struct fit_region *r, unsigned max,
		unsigned *n, struct fw_err *err)
{
	uint32_t base = fdt_off_dt_struct(fit);
	int want[FIT_DEPTH_MAX], depth = -1, off = 0, next, roots = 0;
	size_t plen[FIT_DEPTH_MAX];
	char path[FIT_PATH_MAX] = "";

	*n = 0;
	for (;;) {
		uint32_t tag = fdt_next_tag(fit, off, &next);
		int include = 0;

		if (next < 0 || (uint32_t)next > fdt_size_dt_struct(fit))
			return fw_error(err, FW_EFORMAT, "FIT: truncated structure block");
		switch (tag) {
		case FDT_BEGIN_NODE: {
			const char *name = fdt_get_name(fit, off, NULL);
			size_t have = depth < 0 ? 0 : plen[depth];

			if (!name || ++depth >= FIT_DEPTH_MAX)
				return fw_error(err, FW_EFORMAT, "FIT: nodes nested deeper than %d",
						FIT_DEPTH_MAX);
			if (!depth && (*name || roots++))
				return fw_error(err, FW_EFORMAT,
						"FIT: a second or a named root node");
			if (strchr(name, '@'))
				return fw_error(
					err, FW_EFORMAT,
					"FIT: node %s has a unit address (@): U-Boot refuses "
					"those when it checks signatures",
					name);
			if ((size_t)snprintf(path + have, sizeof(path) - have, "%s%s",
					     have > 1 ? "/" : "",
					     depth ? name : "/") >= sizeof(path) - have)
				return fw_error(err, FW_EFORMAT, "FIT: node path too long");
			plen[depth] = strlen(path);
			want[depth] =
				listed(l, path)
					? 2
					: (depth && want[depth - 1] ? want[depth - 1] - 1 : 0);
			include = want[depth];
			break;
		}
		case FDT_PROP: {
			const char *name = NULL;
			int len;

			if (depth < 0 || !fdt_getprop_by_offset(fit, off, &name, &len))
				return fw_error(err, FW_EFORMAT, "FIT: a property outside a node");
			include = want[depth] >= 2 && strcmp(name, "data") &&
				  strcmp(name, "data-size") && strcmp(name, "data-position") &&
				  strcmp(name, "data-offset");
			break;
		}
		case FDT_NOP: include = depth >= 0 && want[depth] >= 2; break;
		case FDT_END_NODE:
			if (depth < 0)
				return fw_error(err, FW_EFORMAT, "FIT: unbalanced nodes");
			include = want[depth];
			depth--;
			path[depth < 0 ? 0 : plen[depth]] = '\0';
			break;
		case FDT_END:
			if (depth != -1 || (uint32_t)next != fdt_size_dt_struct(fit))
				return fw_error(err, FW_EFORMAT,
						"FIT: the structure block does not end where its "
						"header says");
			if (add_region(r, max, n, base + (uint32_t)off, (uint32_t)(next - off)))
				goto full;
			return 0;
		default: return fw_error(err, FW_EFORMAT, "FIT: bad tag at 0x%x", (unsigned)off);
		}
		if (include && add_region(r, max, n, base + (uint32_t)off, (uint32_t)(next - off)))
			goto full;
		off = next;
	}
full:
	return fw_error(err, FW_EFORMAT, "FIT: more than %u regions", max);
}

/* The regions of a FIT already checked well formed (fit_regions()). */
static int regions(const void *fit, const char *conf, uint32_t strings_len, struct fit_region *r,
		   unsigned max, struct fw_err *err)
{
	int cfg = fdt_subnode_offset(fit, fdt_path_offset(fit, "/configurations"), conf);
	struct node_list *l = malloc(sizeof(*l)); /* 25 KiB */
	unsigned n;
	int ret;

	if (!l)
		return fw_error(err, FW_ENOMEM, "out of memory");
	ret = cfg < 0 ? fw_error(err, FW_EVERIFY, "FIT: no configuration %s", conf)
		      : node_list(fit, cfg, conf, l, err);
	if (!ret)
		ret = walk(fit, l, r, max ? max - 1 : 0, &n, err);
	free(l);
	if (ret)
		return ret;
	if (strings_len > fdt_size_dt_strings(fit))
		return fw_error(err, FW_EVERIFY,
				"FIT: hashed-strings covers %u bytes of a %u-byte strings block",
				strings_len, fdt_size_dt_strings(fit));
	if (strings_len) {
		r[n].off = fdt_off_dt_strings(fit);
		r[n++].len = strings_len;
	}
	return (int)n;
}

static int well_formed(const void *fit, size_t len, struct fw_err *err);

int fit_regions(const void *fit, size_t len, const char *conf, uint32_t strings_len,
		struct fit_region *r, unsigned max, struct fw_err *err)
{
	int ret = well_formed(fit, len, err);

	return ret ? ret : regions(fit, conf, strings_len, r, max, err);
}

/* ---- digests ---------------------------------------------------------------- */

static const mbedtls_md_info_t *md_of(const char *name, size_t len)
{
	static const struct {
		const char *name;
		mbedtls_md_type_t type;
	} mds[] = {
		{"sha1", MBEDTLS_MD_SHA1},
		{"sha256", MBEDTLS_MD_SHA256},
		{"sha384", MBEDTLS_MD_SHA384},
		{"sha512", MBEDTLS_MD_SHA512},
	};

	for (unsigned i = 0; i < sizeof(mds) / sizeof(*mds); i++)
		if (strlen(mds[i].name) == len && !strncmp(name, mds[i].name, len))
			return mbedtls_md_info_from_type(mds[i].type);
	return NULL;
}

/* An image's bytes: inline data, or external after the blob. */
static const uint8_t *image_data(const void *fit, size_t len, int node, uint64_t *size)
{
	const fdt32_t *pos = fdt_getprop(fit, node, "data-position", NULL);
	const fdt32_t *off = fdt_getprop(fit, node, "data-offset", NULL);
	const fdt32_t *sz = fdt_getprop(fit, node, "data-size", NULL);
	const void *data;
	int dlen;
	uint64_t start;

	if (!pos && !off) {
		data = fdt_getprop(fit, node, "data", &dlen);
		*size = data ? (uint64_t)dlen : 0;
		return data;
	}
	if (!sz)
		return NULL;
	start = pos ? fdt32_to_cpu(*pos)
		    : ((fdt_totalsize(fit) + 3u) & ~3u) + (uint64_t)fdt32_to_cpu(*off);
	*size = fdt32_to_cpu(*sz);
	if (start > len || *size > len - start)
		return NULL;
	return (const uint8_t *)fit + start;
}

/* Every hash node of an image: what bootm's fit_image_verify checks. */
static int check_image(const void *fit, size_t len, const char *name, struct fit_image_result *ir,
		       struct fw_err *err)
{
	int node = fdt_subnode_offset(fit, fdt_path_offset(fit, "/images"), name), sub, strong = 0;
	const uint8_t *data;
	uint64_t size;

	if (node < 0)
		return fw_error(err, FW_EVERIFY, "FIT: no image %s", name);
	data = image_data(fit, len, node, &size);
	if (!data)
		return fw_error(err, FW_EVERIFY,
				"FIT: image %s: no data, or it lies outside the file", name);
	snprintf(ir->name, sizeof(ir->name), "%s", name);
	ir->size = size;
	ir->hashes[0] = '\0';
	fdt_for_each_subnode(sub, fit, node)
	{
		const char *sn = fdt_get_name(fit, sub, NULL), *algo;
		const uint8_t *want;
		uint8_t got[64];
		int wlen, glen = 0;

		if (!sn || strncmp(sn, "hash", 4))
			continue;
		algo = fdt_getprop(fit, sub, "algo", NULL);
		want = fdt_getprop(fit, sub, "value", &wlen);
		if (!algo || !want)
			return fw_error(err, FW_EVERIFY, "FIT: %s/%s has no algo or no value", name,
					sn);
		if (fdt_getprop(fit, sub, "uboot-ignore", NULL))
			return fw_error(err, FW_EVERIFY,
					"FIT: %s/%s says uboot-ignore: fwtool checks every hash",
					name, sn);
		if (!strcmp(algo, "crc32")) {
			uint32_t c = (uint32_t)crc32(0L, data, (uInt)size);

			got[0] = (uint8_t)(c >> 24), got[1] = (uint8_t)(c >> 16);
			got[2] = (uint8_t)(c >> 8), got[3] = (uint8_t)c;
			glen = 4;
		} else {
			const mbedtls_md_info_t *md = md_of(algo, strlen(algo));

			if (!md)
				return fw_error(
					err, FW_EVERIFY,
					"FIT: %s/%s: hash algorithm %s is not one fwtool takes",
					name, sn, algo);
			mbedtls_md(md, data, (size_t)size, got);
			glen = mbedtls_md_get_size(md);
			strong |= glen >= 32;
		}
		if (wlen != glen || memcmp(got, want, (size_t)glen))
			return fw_error(
				err, FW_EVERIFY,
				"FIT: bad %s hash value for '%s' hash node in '%s' image node",
				algo, sn, name);
		snprintf(ir->hashes + strlen(ir->hashes), sizeof(ir->hashes) - strlen(ir->hashes),
			 "%s%s", ir->hashes[0] ? " " : "", algo);
	}
	if (!strong)
		return fw_error(err, FW_EVERIFY,
				"FIT: image %s has no sha256, sha384 or sha512 hash node", name);
	return 0;
}

/* ---- signatures ------------------------------------------------------------- */

/*
 * Does signature node @sig of configuration @conf verify with the RSA key
 * @key of the control DTB? Return: 1 yes, 0 no (with @why).
 */
static int sig_verifies(const void *fit, const char *conf, int sig, const void *ctl, int key,
			char *why, size_t whylen)
{
	const char *algo = fdt_getprop(fit, sig, "algo", NULL), *kalgo, *comma;
	const fdt32_t *bits = fdt_getprop(ctl, key, "rsa,num-bits", NULL), *hs;
	const uint8_t *mod, *value, *exp;
	struct fit_region r[FIT_REGIONS_MAX];
	const mbedtls_md_info_t *md;
	uint8_t digest[64], e[8] = {0, 0, 0, 0, 0, 1, 0, 1};
	mbedtls_md_context_t ctx;
	mbedtls_rsa_context rsa;
	int mlen, vlen, elen, hlen, n, ok;
	struct fw_err err = {0};

	kalgo = fdt_getprop(ctl, key, "algo", NULL);
	if (!algo || !kalgo || strcmp(algo, kalgo)) {
		snprintf(why, whylen, "its algo %s is not the key's %s", algo ? algo : "(none)",
			 kalgo ? kalgo : "(none)");
		return 0;
	}
	comma = strchr(algo, ',');
	md = comma ? md_of(algo, (size_t)(comma - algo)) : NULL;
	if (!md || (strcmp(comma + 1, "rsa2048") && strcmp(comma + 1, "rsa3072") &&
		    strcmp(comma + 1, "rsa4096"))) {
		snprintf(why, whylen,
			 "%s: U-Boot 2023.01 here verifies sha1/sha256/sha384/sha512 with "
			 "rsa2048/3072/4096 only (no ECDSA driver)",
			 algo);
		return 0;
	}
	if (fdt_getprop(fit, sig, "padding", NULL)) {
		snprintf(why, whylen, "padding %s: this U-Boot is built without FIT_RSASSA_PSS",
			 (const char *)fdt_getprop(fit, sig, "padding", NULL));
		return 0;
	}
	mod = fdt_getprop(ctl, key, "rsa,modulus", &mlen);
	value = fdt_getprop(fit, sig, "value", &vlen);
	exp = fdt_getprop(ctl, key, "rsa,exponent", &elen);
	if (!bits || !mod || !value || mlen * 8 != (int)fdt32_to_cpu(*bits) || vlen != mlen) {
		snprintf(why, whylen, "the key or the signature value is malformed");
		return 0;
	}
	if (exp && elen >= 8)
		memcpy(e, exp, 8);
	hs = fdt_getprop(fit, sig, "hashed-strings", &hlen);
	/* fit_verify() checked the blob: the regions need not check it again */
	n = regions(fit, conf, hs && hlen >= 8 ? fdt32_to_cpu(hs[1]) : 0, r, FIT_REGIONS_MAX, &err);
	if (n < 0) {
		snprintf(why, whylen, "%s", err.msg);
		return 0;
	}
	mbedtls_md_init(&ctx);
	ok = !mbedtls_md_setup(&ctx, md, 0) && !mbedtls_md_starts(&ctx);
	for (int i = 0; ok && i < n; i++)
		ok = !mbedtls_md_update(&ctx, (const uint8_t *)fit + r[i].off, r[i].len);
	ok = ok && !mbedtls_md_finish(&ctx, digest);
	mbedtls_md_free(&ctx);
	mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
	ok = ok &&
	     !mbedtls_rsa_import_raw(&rsa, mod, (size_t)mlen, NULL, 0, NULL, 0, NULL, 0, e, 8) &&
	     !mbedtls_rsa_complete(&rsa) &&
	     !mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
				       mbedtls_md_get_type(md), 0, digest, value);
	mbedtls_rsa_free(&rsa);
	if (!ok)
		snprintf(why, whylen, "%s does not verify", algo);
	return ok;
}

/* Any signature* node of the configuration that verifies with @key. */
static int conf_signed_by(const void *fit, int cfg, const char *conf, const void *ctl, int key,
			  char *algo, size_t algolen, char *why, size_t whylen)
{
	int sub, seen = 0;

	fdt_for_each_subnode(sub, fit, cfg)
	{
		const char *sn = fdt_get_name(fit, sub, NULL), *a;

		if (!sn || strncmp(sn, "signature", 9))
			continue;
		seen++;
		if (sig_verifies(fit, conf, sub, ctl, key, why, whylen)) {
			a = fdt_getprop(fit, sub, "algo", NULL);
			snprintf(algo, algolen, "%s", a ? a : "");
			return 1;
		}
	}
	if (!seen)
		snprintf(why, whylen, "configuration %s has no signature node", conf);
	return 0;
}

static int check_signature(const void *fit, int cfg, const char *conf, const void *ctl,
			   struct fit_result *res, struct fw_err *err)
{
	int sigs = fdt_path_offset(ctl, "/signature"), key, nreq = 0, nok = 0;
	const char *mode = sigs >= 0 ? fdt_getprop(ctl, sigs, "required-mode", NULL) : NULL;
	int any = mode && !strcmp(mode, "any");
	char why[256] = "", failed[FIT_NAME_LEN] = "";

	fdt_for_each_subnode(key, ctl, sigs)
	{
		const char *req = fdt_getprop(ctl, key, "required", NULL);
		const char *kn = fdt_get_name(ctl, key, NULL);

		if (!req || strcmp(req, "conf"))
			continue;
		nreq++;
		if (conf_signed_by(fit, cfg, conf, ctl, key, res->algo, sizeof(res->algo), why,
				   sizeof(why))) {
			nok++;
			snprintf(res->keys + strlen(res->keys),
				 sizeof(res->keys) - strlen(res->keys), "%s%s",
				 res->keys[0] ? " " : "", kn);
		} else if (!failed[0]) {
			snprintf(failed, sizeof(failed), "%s", kn ? kn : "?");
		}
	}
	if (!nreq)
		return fw_error(err, FW_EVERIFY,
				"FIT: the control DTB has no key with required = \"conf\": U-Boot "
				"would boot any FIT, fwtool takes none");
	if ((any && !nok) || (!any && nok < nreq))
		return fw_error(err, FW_EVERIFY, "FIT: configuration %s: required key %s: %s", conf,
				failed, why);
	return 0;
}

/* ---- the whole check -------------------------------------------------------- */

static int well_formed(const void *fit, size_t len, struct fw_err *err)
{
	int node = -1, depth = 0, ret = dtb_check(fit, len, "FIT", err);

	if (ret)
		return ret;
	if (!fdt_getprop(fit, 0, "description", NULL) || !fdt_getprop(fit, 0, "timestamp", NULL))
		return fw_error(err, FW_EFORMAT,
				"FIT: the root node needs a description and a timestamp");
	if (fdt_path_offset(fit, "/images") < 0 || fdt_path_offset(fit, "/configurations") < 0)
		return fw_error(err, FW_EFORMAT, "FIT: no /images or no /configurations");
	while ((node = fdt_next_node(fit, node, &depth)) >= 0) {
		const char *name = fdt_get_name(fit, node, NULL);

		if (name && strchr(name, '@'))
			return fw_error(err, FW_EFORMAT,
					"FIT: node %s has a unit address (@): U-Boot refuses those "
					"when it checks signatures",
					name);
	}
	return 0;
}

int fit_verify(const void *fit, size_t len, const void *ctl, size_t ctl_len, const char *conf,
	       struct fit_result *res, struct fw_err *err)
{
	const char *names[FIT_IMAGES_MAX];
	int cfgs, cfg, n = 0, ret;

	memset(res, 0, sizeof(*res));
	if (dtb_check(ctl, ctl_len, "FIT: the control DTB", err)) {
		err->code = FW_EUSAGE; /* the board's configuration, not the bundle */
		return err->code;
	}
	ret = well_formed(fit, len, err);
	if (ret)
		return ret;
	cfgs = fdt_path_offset(fit, "/configurations");
	if (!conf || !*conf) {
		conf = fdt_getprop(fit, cfgs, "default", NULL);
		if (!conf)
			return fw_error(err, FW_EVERIFY,
					"FIT: no configuration named, and no default");
	}
	cfg = fdt_subnode_offset(fit, cfgs, conf);
	if (cfg < 0)
		return fw_error(err, FW_EVERIFY, "FIT: could not find configuration node %s", conf);
	snprintf(res->conf, sizeof(res->conf), "%s", conf);
	/* bootm's order: the configuration's signature, then each image */
	ret = check_signature(fit, cfg, conf, ctl, res, err);
	if (!ret)
		n = conf_images(fit, cfg, names, FIT_IMAGES_MAX);
	if (!ret && n < 0)
		return fw_error(err, FW_EVERIFY, "FIT: more than %d images", FIT_IMAGES_MAX);
	for (int i = 0; !ret && i < n; i++)
		ret = check_image(fit, len, names[i], &res->images[res->nimages++], err);
	return ret;
}
