// SPDX-License-Identifier: GPL-2.0-only
/* Shaped after procd's watchdog.c: open, set timeout, ping, magic close. */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fwlimits.h"
#include "watchdog.h"

static void sim_log(struct watchdog *w, const char *what)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s timeout=%u\n", what, w->timeout);

	if (write(w->fd, line, (size_t)n) < 0)
		(void)0; /* the stand-in's log is best effort */
}

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@') /* abstract namespace */
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		(void)0;
	close(fd);
}

int watchdog_open(struct watchdog *w, const char *device, unsigned timeout, struct fw_err *err)
{
	struct watchdog_info info = {0};
	struct stat st;
	int t = (int)timeout;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->timeout = timeout;
	snprintf(w->path, sizeof(w->path), "%s", device);
	if (!device[0])
		return 0;
	if (!strcmp(device, "systemd")) {
		w->kind = WD_SYSTEMD;
		notify("WATCHDOG=1");
		return 0;
	}
	if (!stat(device, &st) && S_ISREG(st.st_mode)) {
		w->kind = WD_SIM;
		w->fd = open(device, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (w->fd < 0)
			return fw_error(err, FW_EIO, "watchdog %s: %s", device, strerror(errno));
		sim_log(w, "open");
		return 0;
	}
	/* open() starts the watchdog */
	w->fd = open(device, O_WRONLY | O_CLOEXEC);
	if (w->fd < 0)
		return fw_error(err, errno == EBUSY ? FW_EBUSY : FW_EIO, "watchdog %s: %s%s",
				device, strerror(errno),
				errno == EBUSY
					? " (systemd's RuntimeWatchdogSec? use device = systemd)"
					: "");
	w->kind = WD_DEVICE;
	if (!ioctl(w->fd, WDIOC_GETSUPPORT, &info))
		w->magicclose = !!(info.options & WDIOF_MAGICCLOSE);
	if (timeout && !ioctl(w->fd, WDIOC_SETTIMEOUT, &t))
		w->timeout = (unsigned)t;
	watchdog_ping(w);
	return 0;
}

void watchdog_ping(struct watchdog *w)
{
	if (w->kind == WD_DEVICE)
		ioctl(w->fd, WDIOC_KEEPALIVE, 0);
	else if (w->kind == WD_SYSTEMD)
		notify("WATCHDOG=1");
	else if (w->kind == WD_SIM)
		sim_log(w, "ping");
}

void watchdog_close(struct watchdog *w, int disarm)
{
	if (w->kind == WD_DEVICE && disarm && w->magicclose) {
		if (write(w->fd, "V", 1) != 1)
			(void)0; /* it keeps running; systemd or a reset follows */
	} else if (w->kind == WD_SIM) {
		sim_log(w, disarm ? "close magic" : "close armed");
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->kind = WD_NONE;
}

int watchdog_caused_reset(const char *device)
{
	char path[FW_PATH_LEN], buf[32] = "";
	const char *base = strrchr(device, '/');
	struct stat st;
	FILE *f;

	if (!device[0] || !strcmp(device, "systemd"))
		return 0;
	if (!stat(device, &st) && S_ISREG(st.st_mode))
		snprintf(path, sizeof(path), "%s.bootstatus", device);
	else if (base && !strcmp(base, "/watchdog"))
		snprintf(path, sizeof(path), "/sys/class/watchdog/watchdog0/bootstatus");
	else
		snprintf(path, sizeof(path), "/sys/class/watchdog/%s/bootstatus",
			 base ? base + 1 : device);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return (strtoul(buf, NULL, 0) & WDIOF_CARDRESET) != 0;
}

int watchdog_sim_set_bootstatus(const char *device, int reset, struct fw_err *err)
{
	char path[FW_PATH_LEN], text[16];
	struct stat st;

	if (stat(device, &st) || !S_ISREG(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s.bootstatus", device);
	snprintf(text, sizeof(text), "%d\n", reset ? WDIOF_CARDRESET : 0);
	return atomicfile_write(path, text, strlen(text), err);
}
