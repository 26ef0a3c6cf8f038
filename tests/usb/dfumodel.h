/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A USB DFU 1.1 device, modelled behind umockdev's usbfs ioctl emulation:
 * libusb (and so fwtool) talks to it through the real usbfs code path. Runs
 * only under umockdev-wrapper (libumockdev-preload).
 */
#ifndef DFUMODEL_H
#define DFUMODEL_H

#include <stddef.h>
#include <stdint.h>
#include <umockdev.h>

#define MODEL_ALTS 2

struct model_cfg {
	uint16_t vid, pid;
	uint16_t dfu_pid; /* the PID in DFU mode after a detach; 0: same */
	const char *serial; /* NULL: the device has no serial string */
	const char *altnames[MODEL_ALTS];
	unsigned nalts; /* 1 or 2 alternate settings */
	uint8_t attributes; /* DFU_CAN_DOWNLOAD | ... */
	uint16_t transfer_size; /* wTransferSize */
	unsigned poll_ms; /* bwPollTimeout it reports while busy */
	unsigned needs_ms; /* how long it is really busy, if longer */
	int runtime; /* appears in runtime mode: needs DETACH (+reset) */
	int error_block; /* -1, or the block whose programming fails */
	int stall_block; /* -1, or the block whose DNLOAD is stalled */
	int busy_forever; /* never leaves dfuDNBUSY */
	int corrupt_upload; /* flips a bit in what UPLOAD returns */
	size_t capacity; /* bytes per alt setting */
	unsigned port; /* 1-N on bus 1 */
};

struct model;

/* Plug a device into @tb (through its ioctl handler); NULL on failure. */
struct model *model_plug(UMockdevTestbed *tb, const struct model_cfg *cfg);
void model_free(struct model *m);

/* What the device holds in alt @alt: its bytes and their count. */
const uint8_t *model_data(struct model *m, unsigned alt, size_t *len);

struct model_stats {
	unsigned dnload_blocks; /* non-empty DNLOADs accepted */
	unsigned early_polls; /* GETSTATUS sooner than bwPollTimeout asked */
	unsigned uploads; /* UPLOAD requests answered */
	unsigned detaches; /* re-enumerations after DETACH */
	unsigned manifested; /* completed manifestations */
	unsigned clrstatus, aborts;
	unsigned resets; /* USB resets (USBDEVFS_RESET) */
	unsigned max_block_len;
	uint8_t state, status; /* where the device is now */
};
void model_stats(struct model *m, struct model_stats *s);

#endif
