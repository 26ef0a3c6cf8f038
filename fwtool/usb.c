// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB devices through libusb: what they are, from their descriptors (sysfs,
 * no open needed) and, where the device can be opened, their strings.
 */
#include <libusb-1.0/libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usb.h"

#define DFU_CLASS 0xfe
#define DFU_SUBCLASS 0x01
#define DFU_FUNCTIONAL 0x21

/* the DFU functional descriptor among @extra's descriptors, or NULL */
static const uint8_t *dfu_functional(const uint8_t *extra, int len)
{
	while (len >= 2 && extra[0] >= 2 && extra[0] <= len) {
		if (extra[1] == DFU_FUNCTIONAL && extra[0] >= 7)
			return extra;
		len -= extra[0];
		extra += extra[0];
	}
	return NULL;
}

static void string(libusb_device_handle *h, uint8_t index, char *out, size_t len)
{
	out[0] = '\0';
	if (h && index &&
	    libusb_get_string_descriptor_ascii(h, index, (unsigned char *)out, (int)len) < 0)
		out[0] = '\0';
}

int usb_describe(libusb_device *dev, libusb_device_handle *h, struct usb_info *u)
{
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *cfg = NULL;
	uint8_t ports[8];
	int n, own = 0;

	memset(u, 0, sizeof(*u));
	if (libusb_get_device_descriptor(dev, &dd))
		return -1;
	u->vid = dd.idVendor;
	u->pid = dd.idProduct;
	u->dev_class = dd.bDeviceClass;
	u->bus = libusb_get_bus_number(dev);
	u->address = libusb_get_device_address(dev);
	n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	snprintf(u->path, sizeof(u->path), "%u", u->bus);
	for (int i = 0; i < n; i++)
		snprintf(u->path + strlen(u->path), sizeof(u->path) - strlen(u->path), "%c%u",
			 i ? '.' : '-', ports[i]);
	if (!h && !libusb_open(dev, &h))
		own = 1;
	string(h, dd.iSerialNumber, u->serial, sizeof(u->serial));
	string(h, dd.iProduct, u->product, sizeof(u->product));
	if (libusb_get_config_descriptor(dev, 0, &cfg) == 0) {
		for (int i = 0; i < cfg->bNumInterfaces; i++) {
			const struct libusb_interface *itf = &cfg->interface[i];

			for (int a = 0; a < itf->num_altsetting; a++) {
				const struct libusb_interface_descriptor *d = &itf->altsetting[a];
				struct usb_dfu_iface *f;
				const uint8_t *fd;

				if (d->bInterfaceClass == LIBUSB_CLASS_MASS_STORAGE)
					u->mass_storage = 1;
				if (d->bInterfaceClass != DFU_CLASS ||
				    d->bInterfaceSubClass != DFU_SUBCLASS ||
				    u->ndfu == USB_IFACES_MAX)
					continue;
				f = &u->dfu[u->ndfu++];
				f->number = d->bInterfaceNumber;
				f->alt = d->bAlternateSetting;
				f->runtime = d->bInterfaceProtocol == 1;
				string(h, d->iInterface, f->name, sizeof(f->name));
				fd = dfu_functional(d->extra, d->extra_length);
				if (!fd) /* some devices hang it off the configuration */
					fd = dfu_functional(cfg->extra, cfg->extra_length);
				if (fd) {
					f->attributes = fd[2];
					f->detach_timeout = (uint16_t)(fd[3] | fd[4] << 8);
					f->transfer_size = (uint16_t)(fd[5] | fd[6] << 8);
					f->dfu_version = fd[0] >= 9 ? (uint16_t)(fd[7] | fd[8] << 8)
								    : 0x0100;
				}
			}
		}
		libusb_free_config_descriptor(cfg);
	}
	if (own)
		libusb_close(h);
	return 0;
}

int usb_list(struct usb_info **out, unsigned *n, struct fw_err *err)
{
	libusb_context *ctx = NULL;
	libusb_device **devs = NULL;
	ssize_t cnt;
	int r = libusb_init(&ctx);

	*out = NULL;
	*n = 0;
	if (r)
		return fw_error(err, FW_EIO, "usb: %s", libusb_strerror(r));
	cnt = libusb_get_device_list(ctx, &devs);
	if (cnt < 0) {
		libusb_exit(ctx);
		return fw_error(err, FW_EIO, "usb: list devices: %s", libusb_strerror((int)cnt));
	}
	*out = calloc((size_t)cnt + 1, sizeof(**out));
	if (!*out) {
		libusb_free_device_list(devs, 1);
		libusb_exit(ctx);
		return fw_error(err, FW_ENOMEM, "out of memory");
	}
	for (ssize_t i = 0; i < cnt; i++)
		if (!usb_describe(devs[i], NULL, &(*out)[*n]))
			(*n)++;
	libusb_free_device_list(devs, 1);
	libusb_exit(ctx);
	return 0;
}
