/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_USB_H
#define FW_USB_H

#include <stdint.h>

#include "err.h"

#define USB_IFACES_MAX 16

/** struct usb_dfu_iface - one alternate setting of a DFU interface */
struct usb_dfu_iface {
	uint8_t number, alt;
	int runtime; /* protocol 1: the application's, needs DETACH */
	char name[64]; /* iInterface, often the flash region */
	uint8_t attributes; /* bmAttributes of the functional descriptor */
	uint16_t detach_timeout, transfer_size, dfu_version;
};

/** struct usb_info - what 'fwtool usb list' shows of a device */
struct usb_info {
	uint16_t vid, pid;
	uint8_t bus, address, dev_class;
	char path[32]; /* bus-port.port..., as in sysfs */
	char serial[128]; /* "" when the device has none or cannot be opened */
	char product[128];
	int mass_storage;
	struct usb_dfu_iface dfu[USB_IFACES_MAX];
	unsigned ndfu;
};

/* DFU functional descriptor bmAttributes */
#define DFU_CAN_DOWNLOAD 0x01
#define DFU_CAN_UPLOAD 0x02
#define DFU_MANIFEST_TOLERANT 0x04
#define DFU_WILL_DETACH 0x08

struct libusb_device;
struct libusb_device_handle;

/**
 * usb_describe() - fill @u from @dev's descriptors; strings through @h, or
 * through a handle opened here when @h is NULL (left empty if that fails)
 * Return: 0, -1 when the device descriptor cannot be read.
 */
int usb_describe(struct libusb_device *dev, struct libusb_device_handle *h, struct usb_info *u);

/**
 * usb_list() - every USB device libusb sees
 * Return: 0 with a malloc'd array in @out (free it), FW_EIO.
 */
int usb_list(struct usb_info **out, unsigned *n, struct fw_err *err) FW_MUST;

#endif
