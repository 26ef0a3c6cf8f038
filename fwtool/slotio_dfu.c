// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB DFU 1.1 slots: device = dfu:VID:PID[:ALT|@ALTNAME][,serial=S].
 *
 * open finds exactly one device (two without a serial is an error naming
 * both), DETACHes one in runtime mode and waits for it to come back in DFU
 * mode (same serial, else same port), selects the alternate setting and
 * brings it to dfuIDLE (CLRSTATUS after an error, ABORT otherwise). write
 * DNLOADs wTransferSize blocks, each followed by GETSTATUS polls at the
 * device's bwPollTimeout (at least dfu_poll_min ms: devices erase flash for
 * seconds and some under-report), bounded by dfu_timeout seconds of busy.
 * The last 16 bytes are held back until finish: a valid DFU suffix (UFD,
 * CRC) is checked against the device and not downloaded. finish sends the
 * tail, the zero-length DNLOAD and waits through manifestation, then, when
 * the device can UPLOAD, reads everything back and compares it with what
 * went down. So the writer verifies itself (slotio_ops.verifies_itself):
 * there is no other way to read a DFU target.
 */
#include <errno.h>
#include <libusb-1.0/libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "hash.h"
#include "log.h"
#include "slotio.h"
#include "usb.h"

enum { DFU_DETACH, DFU_DNLOAD, DFU_UPLOAD, DFU_GETSTATUS, DFU_CLRSTATUS, DFU_GETSTATE, DFU_ABORT };
enum {
	ST_APP_IDLE,
	ST_APP_DETACH,
	ST_IDLE,
	ST_DNLOAD_SYNC,
	ST_DNBUSY,
	ST_DNLOAD_IDLE,
	ST_MANIFEST_SYNC,
	ST_MANIFEST,
	ST_MANIFEST_WAIT_RESET,
	ST_UPLOAD_IDLE,
	ST_ERROR,
};

static const char *const state_names[] = {
	"appIDLE",	    "appDETACH",   "dfuIDLE",
	"dfuDNLOAD-SYNC",   "dfuDNBUSY",   "dfuDNLOAD-IDLE",
	"dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET",
	"dfuUPLOAD-IDLE",   "dfuERROR",
};
static const char *const status_names[] = {
	"OK",	   "errTARGET", "errFILE",    "errWRITE",      "errERASE",    "errCHECK_ERASED",
	"errPROG", "errVERIFY", "errADDRESS", "errNOTDONE",    "errFIRMWARE", "errVENDOR",
	"errUSBR", "errPOR",	"errUNKNOWN", "errSTALLEDPKT",
};

#define SUFFIX_LEN 16
#define CTRL_TIMEOUT_MS 5000

struct dfu {
	libusb_context *ctx;
	libusb_device_handle *h;
	struct usb_info info;
	const struct usb_dfu_iface *itf;
	uint16_t ts; /* wTransferSize */
	uint16_t block; /* next DNLOAD block number */
	uint8_t *pend; /* up to ts + SUFFIX_LEN bytes not yet sent */
	size_t fill;
	uLong crc; /* zlib CRC-32 of everything before the tail */
	struct hash sent; /* SHA-256 of the payload downloaded */
	uint64_t nsent;
};

struct status {
	uint8_t status, state;
	unsigned poll_ms;
};

static const char *state_name(uint8_t s)
{
	return s < sizeof(state_names) / sizeof(*state_names) ? state_names[s] : "unknown-state";
}

static const char *status_name(uint8_t s)
{
	return s < sizeof(status_names) / sizeof(*status_names) ? status_names[s]
								: "unknown-status";
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the device spec ------------------------------------------------------ */

struct spec {
	uint16_t vid, pid;
	int alt; /* -1: by name or the first */
	char altname[64];
	char serial[128];
};

static int parse_spec(const char *dev, struct spec *s, struct fw_err *err)
{
	const char *p = dev + 4, *opt;
	unsigned vid, pid;
	int n = 0;

	memset(s, 0, sizeof(*s));
	s->alt = -1;
	if (strncmp(dev, "dfu:", 4) || sscanf(p, "%4x:%4x%n", &vid, &pid, &n) != 2)
		goto bad;
	s->vid = (uint16_t)vid;
	s->pid = (uint16_t)pid;
	p += n;
	opt = strchr(p, ',');
	if (*p == ':') {
		char *end;
		long a = strtol(p + 1, &end, 10);

		if (end == p + 1 || a < 0 || a > 255 || (*end && *end != ','))
			goto bad;
		s->alt = (int)a;
	} else if (*p == '@') {
		size_t len = opt ? (size_t)(opt - p - 1) : strlen(p + 1);

		if (!len || len >= sizeof(s->altname))
			goto bad;
		memcpy(s->altname, p + 1, len);
	} else if (*p && *p != ',') {
		goto bad;
	}
	if (opt) {
		if (strncmp(opt, ",serial=", 8) || !opt[8] || strlen(opt + 8) >= sizeof(s->serial))
			goto bad;
		strcpy(s->serial, opt + 8);
	}
	return 0;
bad:
	return fw_error(err, FW_EUSAGE,
			"'%s' is not dfu:VID:PID[:ALT|@ALTNAME][,serial=S] (hex VID and PID)", dev);
}

/* ---- finding the device --------------------------------------------------- */

/* Devices matching @s (@path or @serial instead of VID:PID after a detach). */
static int find(libusb_context *ctx, const struct spec *s, const char *path, const char *serial,
		libusb_device **found, struct usb_info *info, char *names, size_t nameslen)
{
	libusb_device **devs;
	ssize_t cnt = libusb_get_device_list(ctx, &devs);
	int n = 0;

	names[0] = '\0';
	for (ssize_t i = 0; i < cnt; i++) {
		struct usb_info u;

		if (usb_describe(devs[i], NULL, &u) || !u.ndfu)
			continue;
		if (path || serial) { /* re-enumerated: DFU mode, maybe new IDs */
			if (u.dfu[0].runtime ||
			    (serial[0] ? strcmp(u.serial, serial) : strcmp(u.path, path)))
				continue;
		} else if (u.vid != s->vid || u.pid != s->pid ||
			   (s->serial[0] && strcmp(u.serial, s->serial))) {
			continue;
		}
		snprintf(names + strlen(names), nameslen - strlen(names), "%s%s (serial '%s')",
			 n ? ", " : "", u.path, u.serial);
		if (!n++) {
			*found = libusb_ref_device(devs[i]);
			*info = u;
		}
	}
	if (cnt >= 0)
		libusb_free_device_list(devs, 1);
	if (n > 1)
		libusb_unref_device(*found);
	return n;
}

static int ctrl(struct dfu *d, uint8_t type, uint8_t req, uint16_t value, void *buf, uint16_t len)
{
	return libusb_control_transfer(d->h, type, req, value, d->itf->number, buf, len,
				       CTRL_TIMEOUT_MS);
}

static int get_status(struct dfu *d, struct status *st, struct fw_err *err, const char *slot)
{
	uint8_t b[6];
	int r = ctrl(d, 0xa1, DFU_GETSTATUS, 0, b, sizeof(b));

	if (r != 6)
		return fw_error(err, FW_EIO, "slot %s: DFU GETSTATUS: %s", slot,
				r < 0 ? libusb_strerror(r) : "short answer");
	st->status = b[0];
	st->poll_ms = (unsigned)(b[1] | b[2] << 8 | b[3] << 16);
	st->state = b[4];
	return 0;
}

static int detach(libusb_context *ctx, libusb_device *dev, struct dfu *d, const char *slot,
		  unsigned timeout_s, struct fw_err *err)
{
	char path[32], serial[128], names[512];
	libusb_device *again = NULL;
	double end;
	int r;

	snprintf(path, sizeof(path), "%s", d->info.path);
	snprintf(serial, sizeof(serial), "%s", d->info.serial);
	d->itf = &d->info.dfu[0];
	r = libusb_open(dev, &d->h);
	if (!r)
		r = libusb_claim_interface(d->h, d->itf->number);
	if (!r) {
		r = ctrl(d, 0x21, DFU_DETACH, d->itf->detach_timeout, NULL, 0);
		if (r >= 0 && !(d->itf->attributes & DFU_WILL_DETACH))
			r = libusb_reset_device(d->h);
		if (r == LIBUSB_ERROR_NOT_FOUND) /* gone already: that is the point */
			r = 0;
	}
	if (d->h) {
		libusb_release_interface(d->h, d->itf->number);
		libusb_close(d->h);
		d->h = NULL;
	}
	if (r < 0)
		return fw_error(err, FW_EIO, "slot %s: DFU DETACH of %s: %s", slot, path,
				libusb_strerror(r));
	log_debug("slot %s: %s detached; waiting for it in DFU mode", slot, path);
	end = now_s() + timeout_s;
	while (now_s() < end) {
		int n = find(ctx, NULL, path, serial, &again, &d->info, names, sizeof(names));

		if (n == 1) {
			r = libusb_open(again, &d->h);
			libusb_unref_device(again);
			libusb_unref_device(dev);
			if (r)
				return fw_error(err, FW_EIO, "slot %s: open %s in DFU mode: %s",
						slot, path, libusb_strerror(r));
			return 0;
		}
		sleep_ms(100);
	}
	return fw_error(err, FW_EIO, "slot %s: %s did not come back in DFU mode within %u s", slot,
			path, timeout_s);
}

static int pick_alt(struct dfu *d, const struct spec *s, const char *slot, struct fw_err *err)
{
	char have[512] = "";

	for (unsigned i = 0; i < d->info.ndfu; i++) {
		const struct usb_dfu_iface *f = &d->info.dfu[i];

		if (f->runtime)
			continue;
		if ((s->alt < 0 && !s->altname[0]) || (s->alt >= 0 && f->alt == s->alt) ||
		    (s->altname[0] && !strcmp(f->name, s->altname))) {
			d->itf = f;
			return 0;
		}
		snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%u '%s'",
			 have[0] ? ", " : "", f->alt, f->name);
	}
	return fw_error(err, FW_ENOTFOUND,
			"slot %s: %s has no DFU alternate setting %s%s%s (has %s)", slot,
			d->info.path, s->altname[0] ? "'" : "", s->altname[0] ? s->altname : "",
			s->altname[0] ? "'" : "", have);
}

static int to_idle(struct dfu *d, const char *slot, struct fw_err *err)
{
	struct status st;
	int ret = get_status(d, &st, err, slot);

	if (!ret && st.state == ST_ERROR) {
		log_warn("slot %s: device was in dfuERROR (%s): clearing", slot,
			 status_name(st.status));
		ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
		ret = get_status(d, &st, err, slot);
	}
	if (!ret && st.state != ST_IDLE) {
		ctrl(d, 0x21, DFU_ABORT, 0, NULL, 0);
		ret = get_status(d, &st, err, slot);
	}
	if (!ret && st.state != ST_IDLE)
		ret = fw_error(err, FW_EIO, "slot %s: device stays in %s, not dfuIDLE", slot,
			       state_name(st.state));
	return ret;
}

static int dfu_open(struct slotio *io, struct fw_err *err)
{
	const char *slot = io->slot->name;
	unsigned timeout = io->slot->dfu_timeout ? io->slot->dfu_timeout : 60;
	libusb_device *dev = NULL;
	char names[512];
	struct spec s;
	struct dfu *d;
	int n, r, ret = parse_spec(io->slot->device, &s, err);

	if (ret)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		return fw_error(err, FW_ENOMEM, "out of memory");
	io->priv = d;
	io->capacity = UINT64_MAX; /* DFU does not say; the device refuses */
	r = libusb_init(&d->ctx);
	if (r)
		return fw_error(err, FW_EIO, "slot %s: usb: %s", slot, libusb_strerror(r));
	n = find(d->ctx, &s, NULL, NULL, &dev, &d->info, names, sizeof(names));
	if (!n)
		return fw_error(err, FW_ENOTFOUND, "slot %s: no USB DFU device %04x:%04x%s%s", slot,
				s.vid, s.pid, s.serial[0] ? " with serial " : "", s.serial);
	if (n > 1)
		return fw_error(
			err, FW_EUSAGE,
			"slot %s: %d devices match %04x:%04x: %s; add ,serial= to the device", slot,
			n, s.vid, s.pid, names);
	if (d->info.dfu[0].runtime)
		ret = detach(d->ctx, dev, d, slot, timeout, err);
	else {
		r = libusb_open(dev, &d->h);
		libusb_unref_device(dev);
		if (r)
			ret = fw_error(err, FW_EIO, "slot %s: open %s: %s", slot, d->info.path,
				       libusb_strerror(r));
	}
	if (!ret)
		ret = pick_alt(d, &s, slot, err);
	if (ret)
		return ret;
	r = libusb_claim_interface(d->h, d->itf->number);
	if (!r)
		r = libusb_set_interface_alt_setting(d->h, d->itf->number, d->itf->alt);
	if (r)
		return fw_error(err, FW_EIO, "slot %s: claim DFU interface %u alt %u of %s: %s",
				slot, d->itf->number, d->itf->alt, d->info.path,
				libusb_strerror(r));
	if (!(d->itf->attributes & DFU_CAN_DOWNLOAD))
		return fw_error(err, FW_EIO, "slot %s: %s alt %u cannot download (bitCanDnload)",
				slot, d->info.path, d->itf->alt);
	d->ts = d->itf->transfer_size ? d->itf->transfer_size : 1024;
	d->pend = malloc((size_t)d->ts + SUFFIX_LEN);
	if (!d->pend)
		return fw_error(err, FW_ENOMEM, "out of memory");
	d->crc = crc32(0L, Z_NULL, 0);
	hash_init(&d->sent);
	return to_idle(d, slot, err);
}

/* after a DNLOAD: poll until the device is done with it */
static int wait_done(struct slotio *io, struct dfu *d, int manifest, struct fw_err *err)
{
	const struct config_slot *s = io->slot;
	double end = now_s() + (s->dfu_timeout ? s->dfu_timeout : 60);
	struct status st;

	for (;;) {
		int ret = get_status(d, &st, err, s->name);

		if (ret)
			return ret;
		if (st.status || st.state == ST_ERROR) {
			ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
			return fw_error(err, FW_EIO,
					"slot %s: DFU device reports %s in state %s %s block %u",
					s->name, status_name(st.status), state_name(st.state),
					manifest ? "after the last" : "at", (unsigned)d->block);
		}
		if (!manifest && st.state == ST_DNLOAD_IDLE)
			return 0;
		if (manifest && (st.state == ST_IDLE || st.state == ST_MANIFEST_WAIT_RESET))
			return st.state == ST_IDLE ? 0 : 1;
		/* a device that is not manifestation tolerant goes on to
		 * dfuMANIFEST-WAIT-RESET and need not answer again: give it its
		 * poll time, then the reset */
		if (manifest && st.state == ST_MANIFEST &&
		    !(d->itf->attributes & DFU_MANIFEST_TOLERANT)) {
			sleep_ms(st.poll_ms > s->dfu_poll_min ? st.poll_ms : s->dfu_poll_min);
			return 1;
		}
		if (st.state != ST_DNBUSY && st.state != ST_DNLOAD_SYNC &&
		    st.state != ST_MANIFEST_SYNC && st.state != ST_MANIFEST)
			return fw_error(err, FW_EIO, "slot %s: DFU device in unexpected state %s",
					s->name, state_name(st.state));
		if (now_s() > end)
			return fw_error(err, FW_EIO, "slot %s: DFU device still %s after %u s",
					s->name, state_name(st.state),
					s->dfu_timeout ? s->dfu_timeout : 60);
		sleep_ms(st.poll_ms > s->dfu_poll_min ? st.poll_ms : s->dfu_poll_min);
	}
}

static int dnload(struct slotio *io, struct dfu *d, const uint8_t *buf, uint16_t len,
		  struct fw_err *err)
{
	int r = ctrl(d, 0x21, DFU_DNLOAD, d->block, (void *)(uintptr_t)buf, len);

	if (r == LIBUSB_ERROR_PIPE) { /* a stall: the status says why */
		struct status st;

		if (!get_status(d, &st, err, io->slot->name)) {
			ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
			return fw_error(err, FW_EIO,
					"slot %s: DFU device stalled block %u (%s, state %s)",
					io->slot->name, (unsigned)d->block, status_name(st.status),
					state_name(st.state));
		}
		return err->code;
	}
	if (r != len)
		return fw_error(err, FW_EIO, "slot %s: DFU DNLOAD block %u: %s", io->slot->name,
				(unsigned)d->block, r < 0 ? libusb_strerror(r) : "short transfer");
	if (len) {
		hash_update(&d->sent, buf, len);
		d->nsent += len;
	}
	r = wait_done(io, d, !len, err);
	d->block++;
	return r;
}

static int dfu_write(struct slotio *io, const void *buf, size_t len, struct fw_err *err)
{
	struct dfu *d = io->priv;
	const uint8_t *p = buf;

	while (len) {
		size_t n = (size_t)d->ts + SUFFIX_LEN - d->fill;

		if (n > len)
			n = len;
		memcpy(d->pend + d->fill, p, n);
		d->fill += n;
		p += n;
		len -= n;
		if (d->fill == (size_t)d->ts + SUFFIX_LEN) {
			int ret = dnload(io, d, d->pend, d->ts, err);

			if (ret)
				return ret;
			d->crc = crc32(d->crc, d->pend, d->ts);
			memmove(d->pend, d->pend + d->ts, SUFFIX_LEN);
			d->fill = SUFFIX_LEN;
		}
	}
	return 0;
}

/* the held-back tail: how much of it is firmware (a valid suffix is not) */
static int tail_payload(struct slotio *io, struct dfu *d, size_t *payload, struct fw_err *err)
{
	const uint8_t *s = d->pend + d->fill - SUFFIX_LEN;
	uint16_t pid, vid;
	uint32_t stored;

	*payload = d->fill;
	if (d->fill < SUFFIX_LEN || s[8] != 'U' || s[9] != 'F' || s[10] != 'D' || s[11] != 16)
		return 0;
	stored = (uint32_t)s[12] | (uint32_t)s[13] << 8 | (uint32_t)s[14] << 16 |
		 (uint32_t)s[15] << 24;
	if ((uint32_t)~crc32(d->crc, d->pend, (uInt)(d->fill - 4)) != stored) {
		log_warn("slot %s: image ends like a DFU suffix but its CRC does not match: "
			 "downloading it as firmware",
			 io->slot->name);
		return 0;
	}
	pid = (uint16_t)(s[2] | s[3] << 8);
	vid = (uint16_t)(s[4] | s[5] << 8);
	if ((vid != 0xffff && vid != d->info.vid) || (pid != 0xffff && pid != d->info.pid))
		return fw_error(err, FW_EINCOMPAT,
				"slot %s: the image's DFU suffix is for %04x:%04x, the device is "
				"%04x:%04x",
				io->slot->name, vid, pid, d->info.vid, d->info.pid);
	*payload = d->fill - SUFFIX_LEN;
	return 0;
}

/* UPLOAD everything back and compare with what went down */
static int read_back(struct slotio *io, struct dfu *d, struct fw_err *err)
{
	uint8_t *buf = malloc(d->ts), want[HASH_LEN], got[HASH_LEN];
	uint64_t total = 0;
	struct hash h;
	int ret = 0;

	if (!buf)
		return fw_error(err, FW_ENOMEM, "out of memory");
	hash_init(&h);
	for (uint16_t block = 0;; block++) {
		int r = ctrl(d, 0xa1, DFU_UPLOAD, block, buf, d->ts);

		if (r < 0) {
			ret = fw_error(err, FW_EIO, "slot %s: DFU UPLOAD block %u: %s",
				       io->slot->name, (unsigned)block, libusb_strerror(r));
			break;
		}
		if (total + (uint64_t)r > d->nsent)
			r = (int)(d->nsent - total);
		hash_update(&h, buf, (size_t)r);
		total += (uint64_t)r;
		if (total == d->nsent || r < d->ts)
			break;
	}
	free(buf);
	ctrl(d, 0x21, DFU_ABORT, 0, NULL, 0); /* leave dfuUPLOAD-IDLE */
	if (ret)
		return ret;
	hash_final(&h, got);
	hash_final(&d->sent, want);
	if (total != d->nsent || memcmp(got, want, HASH_LEN))
		return fw_error(
			err, FW_EVERIFY,
			"slot %s: read back over DFU UPLOAD (%llu bytes) does not match the "
			"%llu bytes downloaded",
			io->slot->name, (unsigned long long)total, (unsigned long long)d->nsent);
	return 0;
}

static int dfu_finish(struct slotio *io, struct fw_err *err)
{
	struct dfu *d = io->priv;
	size_t payload, off = 0;
	int ret = tail_payload(io, d, &payload, err);

	if (ret) {
		ctrl(d, 0x21, DFU_ABORT, 0, NULL, 0); /* downloaded, never manifested */
		return ret;
	}
	while (!ret && off < payload) {
		uint16_t n = payload - off > d->ts ? d->ts : (uint16_t)(payload - off);

		ret = dnload(io, d, d->pend + off, n, err);
		off += n;
	}
	if (!ret)
		ret = dnload(io, d, NULL, 0, err); /* end: manifestation */
	if (ret == 1) {
		log_warn("slot %s: device manifests and resets: no read-back possible",
			 io->slot->name);
		libusb_reset_device(d->h);
		return 0;
	}
	if (!ret && (d->itf->attributes & DFU_CAN_UPLOAD))
		ret = read_back(io, d, err);
	else if (!ret)
		log_warn("slot %s: device cannot UPLOAD: its status is the only check",
			 io->slot->name);
	return ret;
}

static void dfu_close(struct slotio *io)
{
	struct dfu *d = io->priv;

	if (!d)
		return;
	if (d->h) {
		if (d->itf)
			libusb_release_interface(d->h, d->itf->number);
		libusb_close(d->h);
	}
	if (d->ctx)
		libusb_exit(d->ctx);
	free(d->pend);
	free(d);
	io->priv = NULL;
}

const struct slotio_ops slotio_dfu_ops = {
	.type = "dfu",
	.open = dfu_open,
	.write = dfu_write,
	.finish = dfu_finish,
	.close = dfu_close,
	.verifies_itself = 1,
};
