// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB DFU 1.1, host side. A device is found by VID:PID (and serial), or
 * after a DETACH by the serial it had (else its port), since a device in
 * DFU mode may enumerate with other IDs. Each DNLOAD is followed by
 * GETSTATUS polls at the device's bwPollTimeout, at least poll_min_ms,
 * for at most timeout_s seconds of busy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu.h"
#include "log.h"

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

#define CTRL_TIMEOUT_MS 5000

struct dfu_status {
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

static int get_status(struct dfu *d, struct dfu_status *st, struct fw_err *err)
{
	uint8_t b[6];
	int r = ctrl(d, 0xa1, DFU_GETSTATUS, 0, b, sizeof(b));

	if (r != 6)
		return fw_error(err, FW_EIO, "%s: DFU GETSTATUS: %s", d->label,
				r < 0 ? libusb_strerror(r) : "short answer");
	st->status = b[0];
	st->poll_ms = (unsigned)(b[1] | b[2] << 8 | b[3] << 16);
	st->state = b[4];
	return 0;
}

static int detach(struct dfu *d, libusb_device *dev, struct fw_err *err)
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
		return fw_error(err, FW_EIO, "%s: DFU DETACH of %s: %s", d->label, path,
				libusb_strerror(r));
	log_debug("%s: %s detached; waiting for it in DFU mode", d->label, path);
	end = now_s() + d->timeout_s;
	while (now_s() < end) {
		int n = find(d->ctx, NULL, path, serial, &again, &d->info, names, sizeof(names));

		if (n == 1) {
			r = libusb_open(again, &d->h);
			libusb_unref_device(again);
			libusb_unref_device(dev);
			if (r)
				return fw_error(err, FW_EIO, "%s: open %s in DFU mode: %s",
						d->label, path, libusb_strerror(r));
			return 0;
		}
		sleep_ms(100);
	}
	return fw_error(err, FW_EIO, "%s: %s did not come back in DFU mode within %u s", d->label,
			path, d->timeout_s);
}

static int pick_alt(struct dfu *d, const struct spec *s, struct fw_err *err)
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
	return fw_error(err, FW_ENOTFOUND, "%s: %s has no DFU alternate setting %s%s%s (has %s)",
			d->label, d->info.path, s->altname[0] ? "'" : "",
			s->altname[0] ? s->altname : "", s->altname[0] ? "'" : "", have);
}

static int to_idle(struct dfu *d, struct fw_err *err)
{
	struct dfu_status st;
	int ret = get_status(d, &st, err);

	if (!ret && st.state == ST_ERROR) {
		log_warn("%s: device was in dfuERROR (%s): clearing", d->label,
			 status_name(st.status));
		ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
		ret = get_status(d, &st, err);
	}
	if (!ret && st.state != ST_IDLE) {
		ctrl(d, 0x21, DFU_ABORT, 0, NULL, 0);
		ret = get_status(d, &st, err);
	}
	if (!ret && st.state != ST_IDLE)
		ret = fw_error(err, FW_EIO, "%s: device stays in %s, not dfuIDLE", d->label,
			       state_name(st.state));
	return ret;
}

int dfu_open(struct dfu *d, const char *spec, const char *label, unsigned timeout_s,
	     unsigned poll_min_ms, struct fw_err *err)
{
	libusb_device *dev = NULL;
	char names[512];
	struct spec s;
	int n, r, ret;

	memset(d, 0, sizeof(*d));
	d->label = label;
	d->timeout_s = timeout_s;
	d->poll_min_ms = poll_min_ms;
	ret = parse_spec(spec, &s, err);
	if (ret)
		return ret;
	r = libusb_init(&d->ctx);
	if (r) {
		d->ctx = NULL;
		return fw_error(err, FW_EIO, "%s: usb: %s", label, libusb_strerror(r));
	}
	n = find(d->ctx, &s, NULL, NULL, &dev, &d->info, names, sizeof(names));
	if (!n)
		return fw_error(err, FW_ENOTFOUND, "%s: no USB DFU device %04x:%04x%s%s", label,
				s.vid, s.pid, s.serial[0] ? " with serial " : "", s.serial);
	if (n > 1)
		return fw_error(err, FW_EUSAGE,
				"%s: %d devices match %04x:%04x: %s; add ,serial= to the device",
				label, n, s.vid, s.pid, names);
	if (d->info.dfu[0].runtime) {
		ret = detach(d, dev, err);
	} else {
		r = libusb_open(dev, &d->h);
		libusb_unref_device(dev);
		if (r)
			ret = fw_error(err, FW_EIO, "%s: open %s: %s", label, d->info.path,
				       libusb_strerror(r));
	}
	if (!ret)
		ret = pick_alt(d, &s, err);
	if (ret)
		return ret;
	r = libusb_claim_interface(d->h, d->itf->number);
	if (!r)
		r = libusb_set_interface_alt_setting(d->h, d->itf->number, d->itf->alt);
	if (r)
		return fw_error(err, FW_EIO, "%s: claim DFU interface %u alt %u of %s: %s", label,
				d->itf->number, d->itf->alt, d->info.path, libusb_strerror(r));
	if (!(d->itf->attributes & DFU_CAN_DOWNLOAD))
		return fw_error(err, FW_EIO, "%s: %s alt %u cannot download (bitCanDnload)", label,
				d->info.path, d->itf->alt);
	d->transfer_size = d->itf->transfer_size ? d->itf->transfer_size : 1024;
	return to_idle(d, err);
}

static unsigned poll_wait(const struct dfu *d, const struct dfu_status *st)
{
	return st->poll_ms > d->poll_min_ms ? st->poll_ms : d->poll_min_ms;
}

/* after a DNLOAD: poll until the device is done with it */
static int wait_done(struct dfu *d, int manifest, struct fw_err *err)
{
	double end = now_s() + d->timeout_s;
	struct dfu_status st;

	for (;;) {
		int ret = get_status(d, &st, err);

		if (ret)
			return ret;
		if (st.status || st.state == ST_ERROR) {
			ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
			return fw_error(err, FW_EIO,
					"%s: DFU device reports %s in state %s %s block %u",
					d->label, status_name(st.status), state_name(st.state),
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
			sleep_ms(poll_wait(d, &st));
			return 1;
		}
		if (st.state != ST_DNBUSY && st.state != ST_DNLOAD_SYNC &&
		    st.state != ST_MANIFEST_SYNC && st.state != ST_MANIFEST)
			return fw_error(err, FW_EIO, "%s: DFU device in unexpected state %s",
					d->label, state_name(st.state));
		if (now_s() > end)
			return fw_error(err, FW_EIO, "%s: DFU device still %s after %u s", d->label,
					state_name(st.state), d->timeout_s);
		sleep_ms(poll_wait(d, &st));
	}
}

int dfu_dnload(struct dfu *d, const void *buf, uint16_t len, struct fw_err *err)
{
	int r = ctrl(d, 0x21, DFU_DNLOAD, d->block, (void *)(uintptr_t)buf, len);

	if (r == LIBUSB_ERROR_PIPE) { /* a stall: the status says why */
		struct dfu_status st;

		if (!get_status(d, &st, err)) {
			ctrl(d, 0x21, DFU_CLRSTATUS, 0, NULL, 0);
			return fw_error(err, FW_EIO,
					"%s: DFU device stalled block %u (%s, state %s)", d->label,
					(unsigned)d->block, status_name(st.status),
					state_name(st.state));
		}
		return err->code;
	}
	if (r != len)
		return fw_error(err, FW_EIO, "%s: DFU DNLOAD block %u: %s", d->label,
				(unsigned)d->block, r < 0 ? libusb_strerror(r) : "short transfer");
	r = wait_done(d, !len, err);
	d->block++;
	return r;
}

int dfu_upload(struct dfu *d, uint64_t max,
	       int (*fn)(void *ctx, const void *buf, size_t len, struct fw_err *err), void *ctx,
	       uint64_t *total, struct fw_err *err)
{
	uint8_t *buf = malloc(d->transfer_size);
	int ret = 0;

	*total = 0;
	if (!buf)
		return fw_error(err, FW_ENOMEM, "out of memory");
	for (uint16_t block = 0; *total < max; block++) {
		int r = ctrl(d, 0xa1, DFU_UPLOAD, block, buf, d->transfer_size);

		if (r < 0) {
			ret = fw_error(err, FW_EIO, "%s: DFU UPLOAD block %u: %s", d->label,
				       (unsigned)block, libusb_strerror(r));
			break;
		}
		if (*total + (uint64_t)r > max)
			r = (int)(max - *total);
		*total += (uint64_t)r;
		ret = fn(ctx, buf, (size_t)r, err);
		if (ret || r < d->transfer_size)
			break;
	}
	free(buf);
	dfu_abort(d); /* leave dfuUPLOAD-IDLE */
	return ret;
}

void dfu_abort(struct dfu *d)
{
	ctrl(d, 0x21, DFU_ABORT, 0, NULL, 0);
}

void dfu_reset(struct dfu *d)
{
	libusb_reset_device(d->h);
}

void dfu_close(struct dfu *d)
{
	if (d->h) {
		if (d->itf)
			libusb_release_interface(d->h, d->itf->number);
		libusb_close(d->h);
	}
	if (d->ctx)
		libusb_exit(d->ctx);
	d->h = NULL;
	d->ctx = NULL;
	d->itf = NULL;
}

int dfu_suffix_parse(const uint8_t *tail, struct dfu_suffix *s)
{
	if (tail[8] != 'U' || tail[9] != 'F' || tail[10] != 'D' || tail[11] != DFU_SUFFIX_LEN)
		return 0;
	s->pid = (uint16_t)(tail[2] | tail[3] << 8);
	s->vid = (uint16_t)(tail[4] | tail[5] << 8);
	s->crc = (uint32_t)tail[12] | (uint32_t)tail[13] << 8 | (uint32_t)tail[14] << 16 |
		 (uint32_t)tail[15] << 24;
	return 1;
}

int dfu_suffix_matches(const struct dfu_suffix *s, uint16_t vid, uint16_t pid)
{
	return (s->vid == 0xffff || s->vid == vid) && (s->pid == 0xffff || s->pid == pid);
}
