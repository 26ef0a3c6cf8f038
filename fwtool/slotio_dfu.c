// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB DFU 1.1 slots: device = dfu:VID:PID[:ALT|@ALTNAME][,serial=S], the
 * protocol in dfu.c. This adapter streams the image in wTransferSize
 * blocks, holding the last 16 bytes back until finish: a valid DFU suffix
 * (UFD, CRC) is checked against the device and not downloaded. finish
 * sends the tail, ends the download, waits through manifestation, then,
 * when the device can UPLOAD, reads everything back and compares it with
 * what went down. So the writer verifies itself (slotio_ops.verifies_itself):
 * there is no other way to read a DFU target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dfu.h"
#include "hash.h"
#include "log.h"
#include "slotio.h"

struct dfu_slot {
	struct dfu dev;
	char label[sizeof("slot ") + sizeof(((struct config_slot *)0)->name)];
	uint8_t *pend; /* up to transfer_size + DFU_SUFFIX_LEN bytes not yet sent */
	size_t fill;
	uLong crc; /* zlib CRC-32 of everything before the tail */
	struct hash sent; /* SHA-256 of the payload downloaded */
	uint64_t nsent;
};

static int dfu_open_slot(struct slotio *io, struct fw_err *err)
{
	const struct config_slot *s = io->slot;
	struct dfu_slot *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return fw_error(err, FW_ENOMEM, "out of memory");
	io->priv = d;
	io->capacity = UINT64_MAX; /* DFU does not say; the device refuses */
	snprintf(d->label, sizeof(d->label), "slot %s", s->name);
	ret = dfu_open(&d->dev, s->device, d->label, s->dfu_timeout ? s->dfu_timeout : 60,
		       s->dfu_poll_min, err);
	if (ret)
		return ret;
	d->pend = malloc((size_t)d->dev.transfer_size + DFU_SUFFIX_LEN);
	if (!d->pend)
		return fw_error(err, FW_ENOMEM, "out of memory");
	d->crc = crc32(0L, Z_NULL, 0);
	hash_init(&d->sent);
	return 0;
}

static int send(struct dfu_slot *d, const uint8_t *buf, uint16_t len, struct fw_err *err)
{
	int ret = dfu_dnload(&d->dev, buf, len, err);

	if (ret >= 0 && len) {
		hash_update(&d->sent, buf, len);
		d->nsent += len;
	}
	return ret;
}

static int dfu_write_slot(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	struct dfu_slot *d = io->priv;
	size_t ts = d->dev.transfer_size;
	const uint8_t *p = buf;

	while (len) {
		size_t n = ts + DFU_SUFFIX_LEN - d->fill;

		if (n > len)
			n = len;
		memcpy(d->pend + d->fill, p, n);
		d->fill += n;
		p += n;
		len -= n;
		if (d->fill == ts + DFU_SUFFIX_LEN) {
			int ret = send(d, d->pend, (uint16_t)ts, err);

			if (ret)
				return ret;
			d->crc = crc32(d->crc, d->pend, (uInt)ts);
			memmove(d->pend, d->pend + ts, DFU_SUFFIX_LEN);
			d->fill = DFU_SUFFIX_LEN;
		}
	}
	return 0;
}

/* the held-back tail: how much of it is firmware (a valid suffix is not) */
static int tail_payload(struct dfu_slot *d, size_t *payload, struct fw_err *err)
{
	struct dfu_suffix s;

	*payload = d->fill;
	if (d->fill < DFU_SUFFIX_LEN || !dfu_suffix_parse(d->pend + d->fill - DFU_SUFFIX_LEN, &s))
		return 0;
	if ((uint32_t)~crc32(d->crc, d->pend, (uInt)(d->fill - 4)) != s.crc) {
		log_warn("%s: image ends like a DFU suffix but its CRC does not match: "
			 "downloading it as firmware",
			 d->label);
		return 0;
	}
	if (!dfu_suffix_matches(&s, d->dev.info.vid, d->dev.info.pid))
		return fw_error(err, FW_EINCOMPAT,
				"%s: the image's DFU suffix is for %04x:%04x, the device is "
				"%04x:%04x",
				d->label, s.vid, s.pid, d->dev.info.vid, d->dev.info.pid);
	*payload = d->fill - DFU_SUFFIX_LEN;
	return 0;
}

static int hash_piece(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	(void)err;
	hash_update(ctx, buf, len);
	return 0;
}

/* UPLOAD everything back and compare with what went down */
static int read_back(struct dfu_slot *d, struct fw_err *err)
{
	uint8_t want[HASH_LEN], got[HASH_LEN];
	uint64_t total;
	struct hash h;
	int ret;

	hash_init(&h);
	ret = dfu_upload(&d->dev, d->nsent, hash_piece, &h, &total, err);
	if (ret)
		return ret;
	hash_final(&h, got);
	hash_final(&d->sent, want);
	if (total != d->nsent || memcmp(got, want, HASH_LEN))
		return fw_error(err, FW_EVERIFY,
				"%s: read back over DFU UPLOAD (%llu bytes) does not match the "
				"%llu bytes downloaded",
				d->label, (unsigned long long)total, (unsigned long long)d->nsent);
	return 0;
}

static int dfu_finish_slot(struct slotio *io, struct fw_err *err)
{
	struct dfu_slot *d = io->priv;
	size_t ts = d->dev.transfer_size, payload, off = 0;
	int ret = tail_payload(d, &payload, err);

	if (ret) {
		dfu_abort(&d->dev); /* downloaded, never manifested */
		return ret;
	}
	while (!ret && off < payload) {
		uint16_t n = payload - off > ts ? (uint16_t)ts : (uint16_t)(payload - off);

		ret = send(d, d->pend + off, n, err);
		off += n;
	}
	if (!ret)
		ret = send(d, NULL, 0, err); /* end: manifestation */
	if (ret == 1) {
		log_warn("%s: device manifests and resets: no read-back possible", d->label);
		dfu_reset(&d->dev);
		return 0;
	}
	if (!ret && (d->dev.itf->attributes & DFU_CAN_UPLOAD))
		ret = read_back(d, err);
	else if (!ret)
		log_warn("%s: device cannot UPLOAD: its status is the only check", d->label);
	return ret;
}

static void dfu_close_slot(struct slotio *io)
{
	struct dfu_slot *d = io->priv;

	if (!d)
		return;
	dfu_close(&d->dev);
	free(d->pend);
	free(d);
	io->priv = NULL;
}

const struct slotio_ops slotio_dfu_ops = {
	.type = "dfu",
	.open = dfu_open_slot,
	.write = dfu_write_slot,
	.finish = dfu_finish_slot,
	.close = dfu_close_slot,
	.verifies_itself = 1,
};
