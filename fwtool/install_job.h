/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_INSTALL_JOB_H
#define FW_INSTALL_JOB_H

#include <signal.h>

#include "bundle.h"
#include "hash.h"
#include "install.h"
#include "progress.h"
#include "slotio.h"
#include "txn.h"
#include "verify.h"

/*
 * The writing half of an install, which install.c owns and recover.c
 * reuses: only those two include this. Each step is the same for both, so
 * a recovery is verified and written exactly as an install is.
 */

/**
 * struct job - one install or recovery under way
 * @recover_into: recovery: the one bootname written now; NULL for an
 *                install, whose target is chosen away from the booted one
 * @last_save:    when progress was last saved (monotonic seconds)
 * @vp:           the policy the bundle verified with (FIT images are
 *                checked with its fit_keys as they come)
 * @fit_first:    the first image, a FIT, read and checked before the job
 *                began (install_run); written from here, then freed
 */
struct job {
	const struct config *cfg;
	struct txn_ctx *x;
	struct txn *txn;
	struct progress *prog;
	struct slotio io;
	double last_save;
	const char *recover_into;
	const struct verify_policy *vp;
	uint8_t *fit_first;
};

/* set by SIGINT, SIGTERM and SIGHUP once job_catch_signals() ran */
extern volatile sig_atomic_t job_interrupted;

/** job_catch_signals() - a signal stops the job (no SA_RESTART); SIGPIPE ignored */
void job_catch_signals(void);

/**
 * job_adapt() - for a bundle from a URL: the chunks of its uncompressed
 * images that the running slot (@booted; NULL none) or the target already
 * holds are read there instead of fetched (bundle_adapt())
 */
void job_adapt(struct job *j, struct bundle_reader *r, const struct manifest *m, const char *booted,
	       const struct config_slot *const *targets);

/** job_phase() - what the job does now, saved with the transaction */
int job_phase(struct job *j, const char *fmt, const char *arg, struct fw_err *err) FW_MUST;

/**
 * job_preflight() - what must hold before anything is read or written: the
 * booted slot is not on trial (FW_EBUSY) and is in the boot order, so that
 * there is something to fall back to (FW_EUSAGE); @now is @vp with the
 * security floor as the state holds it now (txn_open() may just have
 * finished a confirm that a cut left half done, and raised it)
 */
int job_preflight(struct txn_ctx *x, const struct verify_policy *vp, struct verify_policy *now,
		  struct fw_err *err) FW_MUST;

/** job_open_verified() - open @path and verify its header: nothing written before */
int job_open_verified(struct job *j, const char *path, const struct verify_policy *vp,
		      struct bundle_reader **rp, struct verified *v, struct fw_err *err) FW_MUST;

/**
 * job_targets() - the slot of each image of @m, appended to @res and the
 * transaction from @res->nimages on: in @j->recover_into, or for an
 * install the slot of each class not booting with @booted (all one bootname)
 */
int job_targets(struct job *j, const struct manifest *m, const char *booted,
		const struct config_slot **targets, struct install_result *res,
		struct fw_err *err) FW_MUST;

/**
 * job_begin() - the first durable step: the target out of the boot order,
 * a pending transaction ended (superseded or interrupted), this one saved
 * as installing
 */
int job_begin(struct job *j, struct fw_err *err) FW_MUST;

/**
 * job_stream_images() - every image of @v from @r into @targets: checked,
 * decompressed, written, flushed, read back, recorded; an image already in
 * its slot (and not @o->force) is still read through but not written
 */
int job_stream_images(struct job *j, struct bundle_reader *r,
		      const struct config_slot *const *targets, const struct verified *v,
		      const struct install_opts *o, unsigned first, struct install_result *res,
		      struct fw_err *err) FW_MUST;

/**
 * job_slot_sha256() - SHA-256 of the first @len bytes of @slot as the
 * medium holds them (the read-back, and 'is it there already')
 * Return: as slotio_read()
 */
int job_slot_sha256(const struct config_slot *slot, uint64_t len, uint8_t digest[HASH_LEN],
		    struct fw_err *err) FW_MUST;

/** job_fail() - end a begun transaction as failed, with the reason of @code */
void job_fail(struct job *j, int code, const struct fw_err *why);

#endif
