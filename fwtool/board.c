// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "board.h"
#include "dtb.h"

#define DTB_MAX (4u << 20)

void board_init(struct board *b)
{
	memset(b, 0, sizeof(*b));
	b->source = "none";
}

int board_add(struct board *b, const char *s, struct fw_err *err)
{
	if (b->n >= FW_BOARD_STRINGS_MAX)
		return fw_error(err, FW_EUSAGE, "board: more than %d compatible strings",
				FW_BOARD_STRINGS_MAX);
	if (!*s || strlen(s) > FW_COMPAT_LEN)
		return fw_error(err, FW_EUSAGE, "board: compatible string empty or too long");
	strcpy(b->strings[b->n++], s);
	return 0;
}

int board_from_dtb_buf(struct board *b, const void *buf, size_t len, struct fw_err *err)
{
	const char *p, *model;
	int plen, ret, n;

	ret = dtb_check(buf, len, "device tree", err);
	if (ret)
		return ret;
	n = fdt_stringlist_count(buf, 0, "compatible");
	if (n <= 0)
		return fw_error(err, FW_EFORMAT, "device tree: root has no compatible");
	for (int i = 0; i < n; i++) {
		p = fdt_stringlist_get(buf, 0, "compatible", i, &plen);
		if (!p || plen == 0 || plen > FW_COMPAT_LEN)
			return fw_error(err, FW_EFORMAT,
					"device tree: compatible string %d is empty or too long",
					i);
		ret = board_add(b, p, err);
		if (ret)
			return fw_error(err, FW_EFORMAT, "device tree: %s", err->msg);
	}
	model = fdt_getprop(buf, 0, "model", &plen);
	if (model && plen > 0 && memchr(model, '\0', (size_t)plen))
		snprintf(b->model, sizeof(b->model), "%s", model);
	b->source = "dtb";
	return 0;
}

int board_from_dtb(struct board *b, const char *path, struct fw_err *err)
{
	void *buf = malloc(DTB_MAX);
	ssize_t n = -1;
	size_t len = 0;
	int fd, ret;

	if (!buf)
		return fw_error(err, FW_ENOMEM, "device tree: out of memory");
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return fw_error(err, FW_EIO, "device tree %s: %s", path, strerror(errno));
	}
	while (len < DTB_MAX && (n = read(fd, (char *)buf + len, DTB_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0)
		ret = fw_error(err, FW_EIO, "device tree %s: %s", path, strerror(errno));
	else
		ret = board_from_dtb_buf(b, buf, len, err);
	free(buf);
	if (ret && ret != FW_EIO)
		fw_error_prefix(err, "%s", path);
	return ret;
}

/* ---- DMI ------------------------------------------------------------------ */

static const char *const placeholders[] = {
	"To be filled by O.E.M.",
	"To Be Filled By O.E.M.",
	"Default string",
	"System manufacturer",
	"System Product Name",
	"Not Applicable",
	"Not Specified",
	"None",
	"OEM",
	"O.E.M.",
	"",
};

static void read_dmi(const char *dir, const char *name, char *out, size_t size)
{
	char path[FW_PATH_LEN];
	FILE *f;
	size_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	for (unsigned i = 0; i < sizeof(placeholders) / sizeof(*placeholders); i++)
		if (!strcmp(out, placeholders[i]))
			out[0] = '\0';
}

/* OpenWrt's rule: lowercase, runs outside [a-z0-9_-] become '-', trimmed. */
static void slug(const char *in, char *out, size_t size)
{
	size_t o = 0;
	int dash = 0;

	for (; *in && o + 1 < size; in++) {
		int c = tolower((unsigned char)*in);

		if (isalnum(c) || c == '_' || c == '-') {
			if (dash && o)
				out[o++] = '-';
			if (o + 1 < size)
				out[o++] = (char)c;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[o] = '\0';
}

int board_from_dmi(struct board *b, const char *dir, struct fw_err *err)
{
	char v1[FW_COMPAT_LEN], v2[FW_COMPAT_LEN], p1[FW_COMPAT_LEN], p2[FW_COMPAT_LEN];
	char vs[FW_COMPAT_LEN], ps[FW_COMPAT_LEN], s[2 * FW_COMPAT_LEN + 2];
	const char *vendor, *product;
	int ret;

	read_dmi(dir, "sys_vendor", v1, sizeof(v1));
	read_dmi(dir, "board_vendor", v2, sizeof(v2));
	read_dmi(dir, "product_name", p1, sizeof(p1));
	read_dmi(dir, "board_name", p2, sizeof(p2));
	vendor = v1[0] ? v1 : v2;
	product = p1[0] ? p1 : p2;
	if (!vendor[0] || !product[0])
		return fw_error(err, FW_ENOTFOUND, "DMI %s: no usable vendor/product", dir);
	slug(vendor, vs, sizeof(vs));
	slug(product, ps, sizeof(ps));
	snprintf(s, sizeof(s), "%.60s,%.60s", vs, ps);
	ret = board_add(b, s, err);
	snprintf(s, sizeof(s), "%.60s-%.60s", vs, ps);
	if (!ret)
		ret = board_add(b, s, err);
	snprintf(b->model, sizeof(b->model), "%.60s %.60s", vendor, product);
	b->source = "dmi";
	return ret;
}

int board_detect(struct board *b, const char *how, const char *dtb, const char *dmi,
		 struct fw_err *err)
{
	int ret;

	if (!strcmp(how, "dtb"))
		return board_from_dtb(b, dtb, err);
	if (!strcmp(how, "dmi"))
		return board_from_dmi(b, dmi, err);
	if (strcmp(how, "auto")) {
		ret = board_add(b, how, err);
		b->source = "config";
		return ret;
	}
	if (access(dtb, R_OK) == 0)
		return board_from_dtb(b, dtb, err);
	ret = board_from_dmi(b, dmi, err);
	if (ret == FW_ENOTFOUND)
		return fw_error(err, FW_ENOTFOUND,
				"board: no device tree at %s and no DMI data; set compatible= in "
				"system.conf or pass --compatible",
				dtb);
	return ret;
}

static void join(char *out, size_t size, const char (*s)[FW_COMPAT_LEN + 1], unsigned n)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && o + 1 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ", " : "", s[i]);
}

int board_match(const struct board *b, const char (*patterns)[FW_COMPAT_LEN + 1], unsigned n,
		struct fw_err *err)
{
	char have[120], want[120];

	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < b->n; j++)
			if (!fnmatch(patterns[i], b->strings[j], 0))
				return 0;
	join(have, sizeof(have), b->strings, b->n);
	join(want, sizeof(want), patterns, n);
	return fw_error(err, FW_EINCOMPAT, "bundle is for [%s], this board is [%s] (from %s)", want,
			have, b->source);
}
