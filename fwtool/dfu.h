/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_DFU_H
#define FW_DFU_H

#include <stddef.h>
#include <stdint.h>

#include <libusb-1.0/libusb.h>

#include "err.h"
#include "usb.h"

/*
 * The USB DFU 1.1 protocol, host side, on libusb: finding the one device a
 * spec names, DETACH from runtime mode, the alternate setting, dfuIDLE,
 * DNLOAD blocks with GETSTATUS polling, manifestation, UPLOAD, and the DFU
 * file suffix. It knows nothing of slots: slotio_dfu.c adapts it.
 */

#define DFU_SUFFIX_LEN 16

/**
 * struct dfu - one open DFU interface in DFU mode
 * @label:       names the target in messages ("slot mcu.1")
 * @timeout_s:   how long the device may stay busy (and take to re-enumerate)
 * @poll_min_ms: the least time between GETSTATUS polls (devices erase flash
 *               for seconds, and some under-report bwPollTimeout)
 * @block:       the next DNLOAD block number
 */
struct dfu {
	libusb_context *ctx;
	libusb_device_handle *h;
	struct usb_info info;
	const struct usb_dfu_iface *itf;
	uint16_t transfer_size;
	uint16_t block;
	const char *label;
	unsigned timeout_s, poll_min_ms;
};

/**
 * dfu_open() - @spec is dfu:VID:PID[:ALT|@ALTNAME][,serial=S]
 *
 * Exactly one device must match (two without a serial is an error naming
 * both). One in runtime mode is DETACHed and awaited in DFU mode (same
 * serial, else same port); the alternate setting is claimed and brought
 * to dfuIDLE (CLRSTATUS after an error, ABORT otherwise). @d is cleared
 * first; dfu_close() it whatever this returns.
 * Return: 0; FW_EUSAGE (a bad spec, an ambiguous match), FW_ENOTFOUND,
 * FW_EIO, FW_ENOMEM.
 */
int dfu_open(struct dfu *d, const char *spec, const char *label, unsigned timeout_s,
	     unsigned poll_min_ms, struct fw_err *err) FW_MUST;

/**
 * dfu_dnload() - DNLOAD one block of at most transfer_size bytes and poll
 * until the device is done with it; @len 0 ends the download and waits
 * through manifestation
 * Return: 0; 1 (after @len 0) when the device manifests and resets, so it
 * cannot be read back; FW_EIO naming the status and state on an error.
 */
int dfu_dnload(struct dfu *d, const void *buf, uint16_t len, struct fw_err *err) FW_MUST;

/**
 * dfu_upload() - UPLOAD from block 0, handing up to @max bytes to @fn
 * @total: how many bytes the device gave (short of @max: it had no more)
 * Return: 0, FW_EIO, or what @fn returned. The device is left in dfuIDLE.
 */
int dfu_upload(struct dfu *d, uint64_t max,
	       int (*fn)(void *ctx, const void *buf, size_t len, struct fw_err *err), void *ctx,
	       uint64_t *total, struct fw_err *err) FW_MUST;

/** dfu_abort() - back to dfuIDLE from a download that will not manifest */
void dfu_abort(struct dfu *d);

/** dfu_reset() - reset the device (after it manifested, as DFU 1.1 asks) */
void dfu_reset(struct dfu *d);

/** dfu_close() - safe on a cleared or half-opened @d */
void dfu_close(struct dfu *d);

/**
 * struct dfu_suffix - the DFU file suffix (DFU 1.1 appendix B)
 * @vid, @pid: what it is for; 0xffff matches any
 * @crc:       the CRC it stores (CRC-32 of everything before it, no final xor)
 */
struct dfu_suffix {
	uint16_t vid, pid;
	uint32_t crc;
};

/**
 * dfu_suffix_parse() - do the last DFU_SUFFIX_LEN bytes of a file, @tail,
 * have the suffix's form ("UFD", length 16)? The CRC is the caller's to
 * check, over everything before its own 4 bytes.
 * Return: 1 with @s filled, else 0.
 */
int dfu_suffix_parse(const uint8_t *tail, struct dfu_suffix *s);

/** dfu_suffix_matches() - is a suffix for this device (0xffff: any)? */
int dfu_suffix_matches(const struct dfu_suffix *s, uint16_t vid, uint16_t pid);

#endif
