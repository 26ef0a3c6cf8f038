// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "log.h"
#include "output.h"
#include "verify.h"

enum { OPT_NO_VERIFY = OPT_FIRST_VERB_OPT };

/* info's options, or verify's (@no_verify NULL) */
static int check_opts(struct cmd *c, struct cmd_policy *pol, int *no_verify, const char **pathp,
		      struct fw_err *err)
{
	static const struct option info_opts[] = {
		CMD_COMMON_OPTS,
		CMD_KEYRING_OPT,
		{"no-verify", no_argument, NULL, OPT_NO_VERIFY},
		{NULL, 0, NULL, 0},
	};
	static const struct option verify_opts[] = {
		CMD_COMMON_OPTS,    CMD_PROGRESS_OPTS,
		CMD_KEYRING_OPT,    CMD_BOARD_OPTS,
		CMD_DOWNGRADE_OPT,  {"fit-keys", required_argument, NULL, OPT_FIT_KEYS},
		{NULL, 0, NULL, 0},
	};
	int o;

	while ((o = cmd_next_opt(c, no_verify ? info_opts : verify_opts, pol, err)) > CMD_HELP) {
		if (o == OPT_NO_VERIFY && no_verify)
			*no_verify = 1;
		else
			return cmd_bad_opt(c, err);
	}
	if (o)
		return o;
	if (optind + 1 != c->argc)
		return fw_error(err, FW_EUSAGE, "%s: needs exactly one BUNDLE (or - for stdin)",
				c->argv[0]);
	*pathp = c->argv[optind];
	return 0;
}

static int cmd_info(struct cmd *c, struct fw_err *err)
{
	struct cmd_policy pol = {0};
	struct bundle_reader *r = NULL;
	struct verify_policy vp;
	struct verified v;
	struct config cfg;
	struct board b;
	const char *path;
	int no_verify = 0, ret;

	verified_init(&v);
	ret = check_opts(c, &pol, &no_verify, &path, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 0, err);
	if (!ret)
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_NONE, &b, &vp, err);
	if (!ret && !no_verify && access(vp.keyring, F_OK))
		ret = fw_error(err, FW_EUSAGE,
			       "info: no keyring at %s: name one with --keyring PATH, or show the "
			       "manifest unchecked with --no-verify",
			       vp.keyring);
	vp.no_verify = no_verify;
	if (!ret)
		ret = bundle_open(&r, path, &vp.net, NULL, err);
	if (!ret)
		ret = verify_header(r, &vp, &v, err);
	if (!ret) {
		if (no_verify)
			log_warn("the signature of %s was NOT checked (--no-verify): nothing shown "
				 "here is authenticated",
				 path);
		output_bundle(c->json, path, &v, NULL);
	}
	bundle_close(r);
	verified_free(&v);
	return ret;
}

static int cmd_verify(struct cmd *c, struct fw_err *err)
{
	struct cmd_policy pol = {0};
	struct pipeline_progress pp = {0};
	struct verify_policy vp;
	struct progress prog;
	struct verified v;
	struct config cfg;
	struct board b;
	const char *path;
	int ret;

	verified_init(&v);
	ret = check_opts(c, &pol, NULL, &path, err);
	if (!ret)
		ret = cmd_config(c, &cfg, 0, err);
	if (!ret)
		ret = cmd_policy(&cfg, &pol, CMD_CHECK_VERIFY, &b, &vp, err);
	if (!ret && access(vp.keyring, F_OK))
		ret = fw_error(err, FW_EUSAGE,
			       "verify: no keyring at %s: name one with --keyring PATH",
			       vp.keyring);
	if (!ret) {
		cmd_progress(c, &prog);
		progress_phase(&prog, "verify", path, 0);
		pp.fn = progress_pipeline_cb;
		pp.ctx = &prog;
		ret = verify_bundle(path, &vp, &v, &pp, err);
		progress_end(&prog);
	}
	if (!ret)
		output_bundle(c->json, path, &v, "ok");
	verified_free(&v);
	return ret;
}

const struct cmd_verb cmd_info_verb = {
	"info",
	cmd_info,
	"show a bundle's manifest after checking its signature",
	"usage: fwtool info [--keyring PATH] [--no-verify] BUNDLE|URL|-\n"
	"Show a bundle's manifest after checking its signature and chain.\n"
	"  --keyring PATH  CA certificates (and CRLs) to trust: a PEM file or a\n"
	"                  folder of them (default: system.conf's keyring)\n"
	"  --no-verify     show the manifest without checking the signature\n",
};

const struct cmd_verb cmd_verify_verb = {
	"verify",
	cmd_verify,
	"check a bundle completely, writing nothing",
	"usage: fwtool verify [--keyring PATH] [--compatible S]... [--dtb FILE]\n"
	"         [--fit-keys DTB] [--allow-downgrade] [--events]\n"
	"         [--progress|--no-progress] BUNDLE|URL|-\n"
	"Check the signature and chain, every chunk and image hash, each FIT image\n"
	"as U-Boot will, the board's compatibility and the version policy. Exit 0\n"
	"ok, 3 verification failed, 4 not for this board.\n"
	"  --keyring PATH     CA certificates (and CRLs) to trust\n"
	"  --compatible S     check against board string S instead of this board's\n"
	"                     (repeatable), as on a build server\n"
	"  --dtb FILE         take the board's strings from FILE's root compatible\n"
	"  --fit-keys DTB     U-Boot's control DTB to check FIT images against\n"
	"                     (default: system.conf's fit_keys)\n"
	"  --allow-downgrade  accept an older version where system.conf allows it\n"
	"  --events           progress as JSON lines on stderr\n"
	"  --progress         a progress bar even when stderr is not a terminal\n"
	"  --no-progress      no progress bar\n",
};
