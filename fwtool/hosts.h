/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_HOSTS_H
#define FW_HOSTS_H

#include <stddef.h>

/*
 * /etc/hosts, read the way glibc's "files" source reads it (hosts(5)): an
 * address, then names, '#' to the line's end. The static builds resolve
 * names with this alone: a static glibc's getaddrinfo() loads the NSS
 * modules of whatever glibc the medium it runs from carries, which on
 * recovery media or a router's rootfs may be none or another version.
 */

/**
 * hosts_find() - the address of the first line of @text (@len bytes) that
 * names @name (any case), into @addr of @size bytes
 * Return: 1 found, 0 not.
 */
int hosts_find(const char *text, size_t len, const char *name, char *addr, size_t size);

#endif
