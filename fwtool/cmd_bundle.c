// SPDX-License-Identifier: GPL-2.0-only
/* fwtool bundle create (CONFIG_BUNDLE_CREATE; devices do not need it) */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "log.h"
#include "mkbundle.h"
#include "name.h"
#include "output.h"

enum {
	OPT_OUT = OPT_FIRST_VERB_OPT,
	OPT_KEY,
	OPT_CERT,
	OPT_CHAIN,
	OPT_SIGN_CMD,
	OPT_VERSION,
	OPT_SECVER,
	OPT_IMAGE,
	OPT_CHUNK,
	OPT_DESC,
	OPT_FIT,
};

/*
 * Is ":WORD" at the end of --image's FILE a compression, or part of the
 * name? A file that exists by the whole name is a file; otherwise a short
 * word of letters and digits is meant as a compression ("rootfs.img:zst"
 * is a typo, not a file), anything else ("a:b.img") is the name.
 */
static int comp_meant(const char *path, const char *word)
{
	size_t n = strlen(word);

	if (!access(path, F_OK) || n == 0 || n > 5)
		return 0;
	for (; *word; word++)
		if (!isalnum((unsigned char)*word))
			return 0;
	return 1;
}

/* --image CLASS=FILE[:COMPRESSION] */
static int parse_image(struct mkbundle *mb, const char *arg, struct fw_err *err)
{
	struct mkbundle_image *img;
	const char *eq = strchr(arg, '='), *colon;
	char *path;

	if (mb->nimages == FW_IMAGES_MAX)
		return fw_error(err, FW_EUSAGE, "more than %d images", FW_IMAGES_MAX);
	if (!eq || eq == arg || (size_t)(eq - arg) > FW_CLASS_LEN)
		return fw_error(err, FW_EUSAGE, "--image %s: want CLASS=FILE[:COMPRESSION]", arg);
	img = &mb->images[mb->nimages];
	memcpy(img->class, arg, (size_t)(eq - arg));
	img->class[eq - arg] = '\0';
	if (!fw_name_ok(img->class, FW_CLASS_LEN))
		return fw_error(err, FW_EUSAGE, "--image %s: class must be [a-z0-9_-]", arg);
	path = strdup(eq + 1);
	if (!path)
		return fw_error(err, FW_ENOMEM, "out of memory");
	img->path = path;
	img->comp = COMP_NONE;
	colon = strrchr(path, ':');
	if (colon && !strcmp(colon + 1, "zstd-seekable")) {
		/* one zstd frame per chunk: see the manifest's "frames" */
		img->comp = COMP_ZSTD;
		img->seekable = 1;
		path[colon - path] = '\0';
	} else if (colon && !comp_parse(colon + 1, &img->comp)) {
		path[colon - path] = '\0';
	} else if (colon && comp_meant(path, colon + 1)) {
		free(path);
		img->path = NULL;
		return fw_error(err, FW_EUSAGE,
				"--image %s: compression is none, gzip, xz, zstd or zstd-seekable",
				arg);
	}
	mb->nimages++;
	return 0;
}

/* --fit CLASS[=CONFIG], after every --image: that image is a FIT */
static int mark_fit(struct mkbundle *mb, const char *arg, struct fw_err *err)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	for (unsigned i = 0; i < mb->nimages; i++) {
		struct mkbundle_image *img = &mb->images[i];

		if (strlen(img->class) != n || strncmp(img->class, arg, n))
			continue;
		if (eq && (!eq[1] || strlen(eq + 1) > FW_FIT_CONF_LEN))
			return fw_error(err, FW_EUSAGE,
					"--fit %s: a configuration name, at most %d "
					"characters",
					arg, FW_FIT_CONF_LEN);
		img->fit = 1;
		snprintf(img->fit_config, sizeof(img->fit_config), "%s", eq ? eq + 1 : "");
		return 0;
	}
	return fw_error(err, FW_EUSAGE, "--fit %s: no --image of class %.*s", arg, (int)n, arg);
}

static int u64_arg(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int create_opts(struct cmd *c, struct mkbundle *mb, struct fw_err *err)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{"output", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, OPT_KEY},
		{"cert", required_argument, NULL, OPT_CERT},
		{"chain", required_argument, NULL, OPT_CHAIN},
		{"sign-cmd", required_argument, NULL, OPT_SIGN_CMD},
		{"version", required_argument, NULL, OPT_VERSION},
		{"security-version", required_argument, NULL, OPT_SECVER},
		{"compatible", required_argument, NULL, OPT_COMPATIBLE},
		{"image", required_argument, NULL, OPT_IMAGE},
		{"chunk-size", required_argument, NULL, OPT_CHUNK},
		{"description", required_argument, NULL, OPT_DESC},
		{"fit", required_argument, NULL, OPT_FIT},
		{NULL, 0, NULL, 0},
	};
	const char *fits[FW_IMAGES_MAX];
	unsigned nfits = 0;
	uint64_t v;
	int o, ret;

	while ((o = cmd_next_opt(c, opts, NULL, err)) > CMD_HELP) {
		switch (o) {
		case 'o': mb->out = optarg; break;
		case OPT_KEY: mb->key = optarg; break;
		case OPT_CERT: mb->cert = optarg; break;
		case OPT_CHAIN: mb->chain = optarg; break;
		case OPT_SIGN_CMD: mb->sign_cmd = optarg; break;
		case OPT_VERSION: mb->version = optarg; break;
		case OPT_DESC: mb->description = optarg; break;
		case OPT_FIT:
			if (nfits == FW_IMAGES_MAX)
				return fw_error(err, FW_EUSAGE, "too many --fit");
			fits[nfits++] = optarg;
			break;
		case OPT_SECVER:
			if (u64_arg(optarg, FW_SECVER_MAX, &mb->security_version))
				return fw_error(err, FW_EUSAGE, "--security-version: 0..%u",
						FW_SECVER_MAX);
			break;
		case OPT_CHUNK:
			if (u64_arg(optarg, FW_CHUNK_MAX, &v))
				return fw_error(err, FW_EUSAGE,
						"--chunk-size: a power of two in 4096..4194304");
			mb->chunk_size = (uint32_t)v;
			break;
		case OPT_COMPATIBLE:
			if (mb->ncompatible == FW_COMPAT_MAX)
				return fw_error(err, FW_EUSAGE, "too many --compatible");
			mb->compatible[mb->ncompatible++] = optarg;
			break;
		case OPT_IMAGE:
			ret = parse_image(mb, optarg, err);
			if (ret)
				return ret;
			break;
		default: return cmd_bad_opt(c, err);
		}
	}
	if (o)
		return o;
	if (optind != c->argc)
		return fw_error(err, FW_EUSAGE, "bundle create: unexpected argument '%s'",
				c->argv[optind]);
	for (unsigned i = 0; i < nfits; i++)
		if ((ret = mark_fit(mb, fits[i], err)))
			return ret;
	return 0;
}

static int bundle_create(struct cmd *c, struct fw_err *err)
{
	struct mkbundle mb = {.chunk_size = FW_CHUNK_DEFAULT};
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct manifest m;
	int ret;

	mb.created = sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	manifest_init(&m);
	ret = create_opts(c, &mb, err);
	if (!ret)
		ret = mkbundle_create(&mb, &m, err);
	if (!ret)
		output_created(c->json, mb.out, &m);
	for (unsigned i = 0; i < mb.nimages; i++)
		free((char *)(uintptr_t)mb.images[i].path);
	manifest_free(&m);
	return ret;
}

static int cmd_bundle(struct cmd *c, struct fw_err *err)
{
	int ret = cmd_action(c, "create", err);

	return ret ? ret : bundle_create(c, err);
}

const struct cmd_verb cmd_bundle_verb = {
	"bundle",
	cmd_bundle,
	"create and sign a bundle (a build host's verb)",
	"usage: fwtool bundle create -o OUT.fwb (--key KEY.pem | --sign-cmd CMD)\n"
	"         --cert CERT.pem [--chain CHAIN.pem] --version SEMVER\n"
	"         [--security-version N] --compatible PATTERN [--compatible ...]\n"
	"         --image CLASS=FILE[:none|gzip|xz|zstd|zstd-seekable] [--image ...]\n"
	"         [--fit CLASS[=CONFIG]] [--chunk-size BYTES] [--description TEXT]\n"
	"Write a signed bundle.\n"
	"  -o, --output OUT      the bundle; - writes it to standard output\n"
	"  --key KEY.pem         the signer's private key\n"
	"  --sign-cmd CMD        sign with CMD instead: it gets the manifest on\n"
	"                        stdin and prints a DER signature\n"
	"                        ('openssl dgst -sha256 -sign key.pem', a PKCS#11 tool)\n"
	"  --cert CERT.pem       the signer's certificate\n"
	"  --chain CHAIN.pem     intermediate certificates up to the keyring's CA\n"
	"  --version SEMVER      the bundle's version (strict SemVer 2.0.0)\n"
	"  --security-version N  anti-rollback counter (0..; default 0)\n"
	"  --compatible PATTERN  a board glob this bundle is for (repeatable)\n"
	"  --image CLASS=FILE[:COMP]  an image for the slots of CLASS, stored\n"
	"                        compressed with COMP (default none; repeatable);\n"
	"                        zstd-seekable: one zstd frame per chunk, so that a\n"
	"                        device pulling it fetches only the chunks it lacks\n"
	"  --fit CLASS[=CONFIG]  that image is a U-Boot FIT: devices check it, and\n"
	"                        CONFIG (default: the FIT's default), against their\n"
	"                        U-Boot's keys before writing it (system.conf fit_keys)\n"
	"  --chunk-size BYTES    authenticated chunk size, a power of two in\n"
	"                        4096..4194304 (default 1048576)\n"
	"  --description TEXT    free text shown by info\n",
};
