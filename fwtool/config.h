/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include "err.h"
#include "fwlimits.h"

/* make install's SYSCONFDIR (the Makefile passes it) */
#ifndef FWTOOL_SYSCONFDIR
#define FWTOOL_SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_PATH FWTOOL_SYSCONFDIR "/fwtool/system.conf"
#define CONFIG_STR 256

/**
 * struct config_slot - one [slot.CLASS.N] section
 * @name:     "CLASS.N", as users name the slot
 * @parent:   name of the bootable slot this one follows, or ""
 */
struct config_slot {
	char name[FW_CLASS_LEN + 12];
	char class[FW_CLASS_LEN + 1];
	unsigned index;
	char device[CONFIG_STR];
	char type[8];
	char bootname[FW_BOOTNAME_LEN + 1];
	char parent[FW_CLASS_LEN + 12];
	unsigned dfu_poll_min; /* ms: at least this between DFU status polls */
	unsigned dfu_timeout; /* s: how long a DFU device may stay busy */
	unsigned line; /* of its device key, and of its bootname key */
	unsigned bootname_line;
};

/** struct config_check - one [check.NAME] health check */
struct config_check {
	char name[32];
	char command[CONFIG_STR];
	unsigned timeout;
	int required;
};

/**
 * struct config - /etc/fwtool/system.conf; nothing else reads the file.
 * Relative paths are resolved against the file's directory.
 */
struct config {
	char path[CONFIG_STR];
	/* [system] */
	char compatible[FW_COMPAT_LEN + 1]; /* auto | dtb | dmi | literal */
	char bootloader[16];
	char log_level[16]; /* "": info, or -v / -q */
	char keyring[CONFIG_STR];
	char fit_keys[CONFIG_STR]; /* control DTB with U-Boot's FIT keys; "" none */
	char statedir[CONFIG_STR];
	char lockfile[CONFIG_STR];
	char cmdline[CONFIG_STR];
	char dtb[CONFIG_STR];
	char dmi[CONFIG_STR];
	unsigned max_tries;
	int check_time;
	int allow_downgrade;
	int allow_ignore_compatible; /* install --ignore-compatible may skip the board check */
	int verify_writes;
	char min_version[FW_VERSION_LEN + 1];
	char hostname[CONFIG_STR]; /* for reports; "" is gethostname() */
	char machine_id[CONFIG_STR]; /* the file that holds it */
	/* [uboot] [grub] [sim] */
	char fw_env_config[CONFIG_STR];
	int uboot_require_redundant;
	char grubenv[CONFIG_STR];
	char esp[CONFIG_STR]; /* [systemd-boot] */
	char efivars[CONFIG_STR];
	char sim_env[CONFIG_STR];
	/* [watchdog] */
	char wd_device[CONFIG_STR];
	unsigned wd_timeout;
	/* [confirm] */
	unsigned deadline;
	char reboot_cmd[CONFIG_STR];
	char health_dir[CONFIG_STR];
	unsigned check_timeout;
	char report_url[CONFIG_STR];
	char report_cmd[CONFIG_STR]; /* gets each report on stdin; exit 0: delivered */
	unsigned report_timeout; /* seconds for one delivery */
	/* [download]: bundles read from http(s) URLs; "" is none */
	char dl_ca[CONFIG_STR]; /* "" the system's CAs */
	char dl_client_cert[CONFIG_STR];
	char dl_client_key[CONFIG_STR];
	char dl_token[CONFIG_STR];
	char dl_username[CONFIG_STR];
	char dl_password[CONFIG_STR];
	unsigned dl_stall_timeout; /* s without a byte: the link is down */
	unsigned dl_retries; /* tries in a row without a new byte */
	int dl_adaptive; /* fetch only the chunks no slot holds */
	struct config_slot slots[FW_SLOTS_MAX];
	unsigned nslots;
	struct config_check checks[FW_CHECKS_MAX];
	unsigned nchecks;
};

/** config_defaults() - fill @c with the built-in defaults (cannot fail) */
void config_defaults(struct config *c);

/**
 * config_load() - defaults, then @path; an unknown section or key, a bad
 * value, or a missing required key is an error naming the file and line
 * Return: 0, FW_EIO (unreadable), FW_EUSAGE (invalid).
 */
int config_load(struct config *c, const char *path, struct fw_err *err) FW_MUST;

/**
 * config_load_string() - the same from memory (fuzzed); @name for messages
 */
int config_load_string(struct config *c, const char *text, const char *name,
		       struct fw_err *err) FW_MUST;

/** config_slot_by_name() - the slot called @name ("rootfs.1"), or NULL */
const struct config_slot *config_slot_by_name(const struct config *c, const char *name);

/**
 * config_slot_identity() - what @s's device is, as the load compared it with
 * the other slots' (a device number, a file's inode, or the real path of a
 * file not made yet), for people to read
 */
void config_slot_identity(const struct config_slot *s, char *out, size_t size);

#endif
