// SPDX-License-Identifier: GPL-2.0-only
/*
 * A DFU 1.1 device behind umockdev. The testbed gives the device a sysfs
 * entry (descriptors included) and a /dev/bus/usb node whose ioctls land in
 * on_ioctl() on umockdev's thread: usbfs as libusb drives it (claim, set
 * interface, reset, control URBs submitted and reaped). The DFU state machine
 * follows the DFU 1.1 specification's state diagram, including the polls a
 * busy device asks for and the DETACH/reset/re-enumeration of runtime mode.
 */
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <string.h>

#include "dfumodel.h"

enum { DETACH, DNLOAD, UPLOAD, GETSTATUS, CLRSTATUS, GETSTATE, ABORT };
enum {
	APP_IDLE,
	APP_DETACH,
	IDLE,
	DNLOAD_SYNC,
	DNBUSY,
	DNLOAD_IDLE,
	MANIFEST_SYNC,
	MANIFEST,
	MANIFEST_WAIT_RESET,
	UPLOAD_IDLE,
	ERROR,
};
enum { OK, errPROG = 0x06, errSTALLEDPKT = 0x0f };

struct model {
	struct model_cfg cfg;
	UMockdevTestbed *tb;
	UMockdevIoctlBase *handler;
	GMutex lock;
	char syspath[256];
	unsigned devnum;
	int runtime, detached;
	uint8_t state, status;
	unsigned alt;
	uint16_t next_block;
	int busy; /* GETSTATUS answered dfuDNBUSY; the poll it asked for runs */
	gint64 busy_since;
	uint8_t *mem[MODEL_ALTS];
	size_t len[MODEL_ALTS];
	size_t upload_off;
	GQueue done; /* URBs handled, waiting to be reaped */
	struct model_stats st;
	GThread *swapper;
};

/* ---- descriptors and sysfs ---------------------------------------------- */

static size_t descriptors(const struct model *m, uint8_t *d)
{
	const struct model_cfg *c = &m->cfg;
	uint16_t pid = !m->runtime && c->dfu_pid ? c->dfu_pid : c->pid;
	unsigned nalts = m->runtime ? 1 : c->nalts, total = 9 + nalts * 18;
	size_t n = 0;
	const uint8_t dev[18] = {18,
				 1,
				 0x00,
				 0x02,
				 0,
				 0,
				 0,
				 64,
				 c->vid & 0xff,
				 c->vid >> 8,
				 pid & 0xff,
				 pid >> 8,
				 0x00,
				 0x01,
				 1,
				 2,
				 c->serial ? 3 : 0,
				 1};
	const uint8_t conf[9] = {9, 2, total & 0xff, total >> 8, 1, 1, 0, 0x80, 50};

	memcpy(d, dev, sizeof(dev));
	n += sizeof(dev);
	memcpy(d + n, conf, sizeof(conf));
	n += sizeof(conf);
	for (unsigned a = 0; a < nalts; a++) {
		const uint8_t itf[9] = {9, 4, 0, a, 0, 0xfe, 0x01, m->runtime ? 1 : 2, 4 + a};
		const uint8_t func[9] = {9,
					 0x21,
					 c->attributes,
					 0xff,
					 0x00,
					 c->transfer_size & 0xff,
					 c->transfer_size >> 8,
					 0x10,
					 0x01};

		memcpy(d + n, itf, sizeof(itf));
		n += sizeof(itf);
		memcpy(d + n, func, sizeof(func));
		n += sizeof(func);
	}
	return n;
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data);

/* Put the device on the bus as it is now (runtime or DFU mode). */
static int plug(struct model *m)
{
	uint8_t d[18 + 9 + MODEL_ALTS * 18];
	size_t n = descriptors(m, d);
	char dev[64], *hex = g_malloc(2 * n + 1), *s;
	GError *e = NULL;
	int ok;

	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	snprintf(dev, sizeof(dev), "/dev/bus/usb/001/%03u", m->devnum);
	snprintf(m->syspath, sizeof(m->syspath), "/sys/devices/usb1/1-%u", m->cfg.port);
	/* the ioctl handler first, so the node is live when the add event is */
	ok = umockdev_testbed_attach_ioctl(m->tb, dev, m->handler, &e);
	if (!ok) {
		fprintf(stderr, "model: attach %s: %s\n", dev, e->message);
		g_error_free(e);
		g_free(hex);
		return -1;
	}
	s = g_strdup_printf("P: /devices/usb1/1-%u\n"
			    "N: bus/usb/001/%03u\n"
			    "E: SUBSYSTEM=usb\n"
			    "E: DEVTYPE=usb_device\n"
			    "E: DEVNAME=/dev/bus/usb/001/%03u\n"
			    "E: BUSNUM=001\n"
			    "E: DEVNUM=%03u\n"
			    "A: busnum=1\\n\n"
			    "A: devnum=%u\\n\n"
			    "A: bConfigurationValue=1\\n\n"
			    "A: speed=480\\n\n"
			    "H: descriptors=%s\n",
			    m->cfg.port, m->devnum, m->devnum, m->devnum, m->devnum, hex);
	ok = umockdev_testbed_add_from_string(m->tb, s, &e);
	if (!ok) {
		fprintf(stderr, "model: add device: %s\n", e->message);
		g_error_free(e);
	}
	g_free(s);
	g_free(hex);
	return ok ? 0 : -1;
}

/* After DETACH and the reset: gone from the bus, back in DFU mode. */
static gpointer reenumerate(gpointer data)
{
	struct model *m = data;
	char dev[64];

	g_usleep(150 * 1000);
	snprintf(dev, sizeof(dev), "/dev/bus/usb/001/%03u", m->devnum);
	umockdev_testbed_remove_device(m->tb, m->syspath);
	umockdev_testbed_detach_ioctl(m->tb, dev, NULL);
	g_mutex_lock(&m->lock);
	m->runtime = 0;
	m->state = IDLE;
	m->status = OK;
	m->devnum += 10; /* a new address, as after any re-enumeration */
	m->st.detaches++;
	g_mutex_unlock(&m->lock);
	plug(m);
	return NULL;
}

/* ---- the DFU class requests ----------------------------------------------- */

static size_t string_desc(const struct model *m, unsigned idx, uint8_t *out, size_t max)
{
	const char *s = NULL;
	size_t n;

	if (idx == 0) {
		const uint8_t langs[4] = {4, 3, 0x09, 0x04};

		n = max < 4 ? max : 4;
		memcpy(out, langs, n);
		return n;
	}
	if (idx == 1)
		s = "fwtool tests";
	else if (idx == 2)
		s = m->runtime ? "model MCU (runtime)" : "model MCU (DFU)";
	else if (idx == 3)
		s = m->cfg.serial;
	else if (idx >= 4 && idx < 4 + MODEL_ALTS)
		s = m->runtime ? "runtime" : m->cfg.altnames[idx - 4];
	if (!s)
		return (size_t)-1;
	n = 2 + 2 * strlen(s);
	if (n > 255)
		n = 255;
	uint8_t d[256] = {(uint8_t)n, 3};
	for (size_t i = 0; 2 + 2 * i < n; i++)
		d[2 + 2 * i] = (uint8_t)s[i];
	if (n > max)
		n = max;
	memcpy(out, d, n);
	return n;
}

static int stall(struct model *m)
{
	m->state = m->runtime ? m->state : ERROR;
	if (!m->runtime)
		m->status = errSTALLEDPKT;
	return -EPIPE;
}

/* One control request: answers into @data; the length, or -EPIPE (stall). */
static int control(struct model *m, const uint8_t *setup, uint8_t *data)
{
	uint8_t type = setup[0], req = setup[1];
	uint16_t value = (uint16_t)(setup[2] | setup[3] << 8);
	uint16_t len = (uint16_t)(setup[6] | setup[7] << 8);
	const struct model_cfg *c = &m->cfg;
	size_t n;

	if (type == 0x80 && req == 6) { /* GET_DESCRIPTOR */
		if (value >> 8 != 3)
			return -EPIPE;
		n = string_desc(m, value & 0xff, data, len);
		return n == (size_t)-1 ? -EPIPE : (int)n;
	}
	if (type == 0x21 && req == DETACH) {
		if (!m->runtime)
			return stall(m);
		m->state = APP_DETACH;
		m->detached = 1;
		if ((c->attributes & 0x08) && !m->swapper) /* bitWillDetach: on its own */
			m->swapper = g_thread_new("dfu-reenumerate", reenumerate, m);
		return 0;
	}
	if (m->runtime)
		return -EPIPE; /* runtime mode knows DETACH and GETSTATUS only */
	if (type == 0x21 && req == DNLOAD) {
		if (m->state != IDLE && m->state != DNLOAD_IDLE)
			return stall(m);
		if (!len) {
			if (m->state != DNLOAD_IDLE)
				return stall(m);
			m->state = MANIFEST_SYNC;
			return 0;
		}
		if (len > c->transfer_size || value != m->next_block ||
		    (int)value == c->stall_block)
			return stall(m);
		if (m->state == IDLE)
			m->len[m->alt] = 0;
		if (m->len[m->alt] + len > c->capacity) {
			m->state = ERROR;
			m->status = 0x08; /* errADDRESS */
			return 0;
		}
		memcpy(m->mem[m->alt] + m->len[m->alt], data, len);
		m->len[m->alt] += len;
		m->next_block++;
		m->st.dnload_blocks++;
		if (len > m->st.max_block_len)
			m->st.max_block_len = len;
		m->state = DNLOAD_SYNC;
		return 0;
	}
	if (type == 0xa1 && req == UPLOAD) {
		if (!(c->attributes & 0x02) || (m->state != IDLE && m->state != UPLOAD_IDLE))
			return stall(m);
		if (m->state == IDLE)
			m->upload_off = 0;
		n = m->len[m->alt] - m->upload_off;
		if (n > len)
			n = len;
		memcpy(data, m->mem[m->alt] + m->upload_off, n);
		if (c->corrupt_upload && m->upload_off <= m->len[m->alt] / 2 &&
		    m->upload_off + n > m->len[m->alt] / 2)
			data[m->len[m->alt] / 2 - m->upload_off] ^= 0x10;
		m->upload_off += n;
		m->state = n < len ? IDLE : UPLOAD_IDLE;
		m->st.uploads++;
		return (int)n;
	}
	if (type == 0x21 && req == CLRSTATUS) {
		if (m->state != ERROR)
			return stall(m);
		m->st.clrstatus++;
		m->state = IDLE;
		m->status = OK;
		m->next_block = 0;
		return 0;
	}
	if (type == 0x21 && req == ABORT) {
		if (m->state != IDLE && m->state != DNLOAD_IDLE && m->state != UPLOAD_IDLE)
			return stall(m);
		m->st.aborts++;
		m->state = IDLE;
		m->next_block = 0;
		return 0;
	}
	if (type == 0xa1 && req == GETSTATE) {
		data[0] = m->state;
		return 1;
	}
	return stall(m);
}

/* GETSTATUS: where the state machine moves on (DFU 1.1, figure A.2) */
static int get_status(struct model *m, uint8_t *data)
{
	const struct model_cfg *c = &m->cfg;
	gint64 now = g_get_monotonic_time();
	unsigned poll = 0;

	if (m->busy) {
		unsigned need = c->needs_ms > c->poll_ms ? c->needs_ms : c->poll_ms;

		if (now - m->busy_since < (gint64)need * 1000) {
			m->st.early_polls++; /* too soon: still busy, asks again */
			poll = c->poll_ms;
			goto answer;
		}
		m->busy = 0;
		if (m->state == DNBUSY) {
			if (c->busy_forever) {
				m->busy = 1;
				m->busy_since = now;
				poll = c->poll_ms;
			} else if ((int)m->next_block - 1 == c->error_block) {
				m->state = ERROR;
				m->status = errPROG;
			} else {
				m->state = DNLOAD_IDLE;
			}
		} else if (m->state == MANIFEST && (c->attributes & 0x04)) {
			m->state = IDLE; /* manifestation tolerant */
			m->next_block = 0;
			m->st.manifested++;
		}
	} else if (m->state == MANIFEST_WAIT_RESET) {
		return -EPIPE;
	} else if (m->state == DNLOAD_SYNC || m->state == MANIFEST_SYNC) {
		m->state = m->state == DNLOAD_SYNC ? DNBUSY : MANIFEST;
		m->busy = 1;
		m->busy_since = now;
		poll = c->poll_ms;
	}
answer:
	data[0] = m->status;
	data[1] = poll & 0xff;
	data[2] = (poll >> 8) & 0xff;
	data[3] = (poll >> 16) & 0xff;
	data[4] = m->runtime && !m->detached ? APP_IDLE : m->state;
	data[5] = 0;
	if (m->state == MANIFEST && !(c->attributes & 0x04)) {
		/* not tolerant: manifests, then deaf until the reset */
		m->state = MANIFEST_WAIT_RESET;
		m->busy = 0;
		m->st.manifested++;
	}
	return 6;
}

/* ---- usbfs ------------------------------------------------------------------ */

static void submit(struct model *m, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data, *buf;
	struct usbdevfs_urb *urb;
	int r;

	urb_data = umockdev_ioctl_data_resolve(arg, 0, sizeof(*urb), NULL);
	urb = (struct usbdevfs_urb *)urb_data->data;
	if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8) {
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		return;
	}
	buf = umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
					  (gsize)urb->buffer_length, NULL);
	if (buf->data[0] == 0xa1 && buf->data[1] == GETSTATUS)
		r = get_status(m, buf->data + 8);
	else
		r = control(m, buf->data, buf->data + 8);
	urb->status = r < 0 ? r : 0;
	if (r >= 0 && !(buf->data[0] & 0x80)) /* OUT: the device took all of it */
		r = buf->data[6] | buf->data[7] << 8;
	urb->actual_length = r < 0 ? 0 : r; /* the data stage, without the setup */
	g_queue_push_tail(&m->done, umockdev_ioctl_data_ref(urb_data));
	umockdev_ioctl_client_complete(client, 0, 0);
}

static void reap(struct model *m, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data = g_queue_pop_head(&m->done), *slot;

	if (!urb_data) {
		umockdev_ioctl_client_complete(client, -1, EAGAIN);
		return;
	}
	slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
	umockdev_ioctl_data_set_ptr(slot, 0, urb_data);
	umockdev_ioctl_data_unref(urb_data);
	umockdev_ioctl_client_complete(client, 0, 0);
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data)
{
	struct model *m = data;
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client), *d;
	gulong req = umockdev_ioctl_client_get_request(client);
	gboolean handled = TRUE;

	(void)h;
	g_mutex_lock(&m->lock);
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES:
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
		*(guint32 *)d->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
				      USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE: umockdev_ioctl_client_complete(client, 0, 0); break;
	case USBDEVFS_SETINTERFACE: {
		struct usbdevfs_setinterface *si;

		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*si), NULL);
		si = (struct usbdevfs_setinterface *)d->data;
		if (m->runtime || si->interface != 0 || si->altsetting >= m->cfg.nalts) {
			umockdev_ioctl_client_complete(client, -1, EINVAL);
			break;
		}
		m->alt = si->altsetting;
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	}
	case USBDEVFS_RESET:
		/* the reset that follows DETACH: the device re-enumerates */
		if (m->detached && m->runtime && !m->swapper)
			m->swapper = g_thread_new("dfu-reenumerate", reenumerate, m);
		if (m->state == MANIFEST_WAIT_RESET) { /* runs the new firmware */
			m->state = IDLE;
			m->next_block = 0;
		}
		m->st.resets++;
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_SUBMITURB: submit(m, client, arg); break;
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY: reap(m, client, arg); break;
	case USBDEVFS_DISCARDURB: umockdev_ioctl_client_complete(client, -1, EINVAL); break;
	default: handled = FALSE;
	}
	g_mutex_unlock(&m->lock);
	return handled;
}

/* ---- the test's side -------------------------------------------------------- */

struct model *model_plug(UMockdevTestbed *tb, const struct model_cfg *cfg)
{
	struct model *m = g_new0(struct model, 1);

	m->cfg = *cfg;
	if (!m->cfg.nalts)
		m->cfg.nalts = 1;
	if (!m->cfg.transfer_size)
		m->cfg.transfer_size = 1024;
	if (!m->cfg.capacity)
		m->cfg.capacity = 1 << 20;
	if (!m->cfg.port)
		m->cfg.port = 1;
	m->tb = tb;
	m->runtime = cfg->runtime;
	m->state = m->runtime ? APP_IDLE : IDLE;
	m->devnum = m->cfg.port + 1;
	g_mutex_init(&m->lock);
	g_queue_init(&m->done);
	for (unsigned a = 0; a < MODEL_ALTS; a++)
		m->mem[a] = g_malloc0(m->cfg.capacity);
	m->handler = umockdev_ioctl_base_new();
	g_signal_connect_after(m->handler, "handle-ioctl", G_CALLBACK(on_ioctl), m);
	if (plug(m)) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	if (m->swapper)
		g_thread_join(m->swapper);
	g_queue_clear_full(&m->done, (GDestroyNotify)umockdev_ioctl_data_unref);
	g_object_unref(m->handler);
	for (unsigned a = 0; a < MODEL_ALTS; a++)
		g_free(m->mem[a]);
	g_mutex_clear(&m->lock);
	g_free(m);
}

const uint8_t *model_data(struct model *m, unsigned alt, size_t *len)
{
	g_mutex_lock(&m->lock);
	*len = m->len[alt];
	g_mutex_unlock(&m->lock);
	return m->mem[alt];
}

void model_stats(struct model *m, struct model_stats *s)
{
	g_mutex_lock(&m->lock);
	*s = m->st;
	s->state = m->state;
	s->status = m->status;
	g_mutex_unlock(&m->lock);
}
