/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_WATCHDOG_H
#define FW_WATCHDOG_H

#include "err.h"

/*
 * [watchdog] device is one of:
 *   /dev/watchdogN  the hardware watchdog, owned by fwtool while confirm runs
 *                   (systemd's RuntimeWatchdogSec must be off for it)
 *   systemd         the service watchdog: WATCHDOG=1 to $NOTIFY_SOCKET, with
 *                   WatchdogSec= in fwtool-confirm.service; PID 1 keeps the
 *                   hardware watchdog
 *   a regular file  the sim board's stand-in: every open, ping and close is
 *                   appended to the file; FILE.bootstatus holds the boot status
 */
enum watchdog_kind { WD_NONE, WD_DEVICE, WD_SYSTEMD, WD_SIM };

struct watchdog {
	int fd;
	enum watchdog_kind kind; /* which of the above [watchdog] device named */
	int magicclose;
	unsigned timeout;
	char path[256];
};

/**
 * watchdog_open() - arm it with @timeout seconds (the driver may round:
 * the value it took is read back into w->timeout); "" means no watchdog
 * Return: 0, FW_EIO, FW_EBUSY (someone else, e.g. systemd, owns it).
 */
int watchdog_open(struct watchdog *w, const char *device, unsigned timeout,
		  struct fw_err *err) FW_MUST;

/** watchdog_ping() - pet it */
void watchdog_ping(struct watchdog *w);

/**
 * watchdog_close() - @disarm: magic close ('V') so it stops, where the
 * driver allows it (nowayout ignores it); otherwise it keeps running and
 * resets the machine unless something pets it
 */
void watchdog_close(struct watchdog *w, int disarm);

/**
 * watchdog_caused_reset() - did the watchdog reset the machine last time?
 * Reads the boot status (WDIOF_CARDRESET) without arming the device: from
 * sysfs for /dev/watchdogN, from FILE.bootstatus for the sim stand-in.
 * Return: 1 yes, 0 no or unknown.
 */
int watchdog_caused_reset(const char *device);

/** watchdog_sim_set_bootstatus() - sim-boot records how the last boot ended */
int watchdog_sim_set_bootstatus(const char *device, int reset, struct fw_err *err) FW_MUST;

#endif
