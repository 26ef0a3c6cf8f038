/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every hard limit in one place. Anything sized by input is checked against
 * these before it is allocated or trusted. Not "limits.h": GCC's own
 * limits.h reaches the C library's through #include_next, which found
 * this file instead (MB_LEN_MAX went wrong, and _FORTIFY_SOURCE said so).
 */
#ifndef FW_LIMITS_H
#define FW_LIMITS_H

#include <stdint.h>

#define FW_MANIFEST_MAX (4u << 20) /* manifest.json bytes */
#define FW_SIG_MAX 1024u /* manifest.sig (DER) bytes */
#define FW_CHAIN_MAX (64u << 10) /* signer.pem bytes */
#define FW_IMAGES_MAX 16 /* images per bundle */
#define FW_COMPAT_MAX 32 /* compatible patterns */
#define FW_COMPAT_LEN 128 /* one pattern / board string */
#define FW_VERSION_LEN 64 /* product version string */
#define FW_CLASS_LEN 32 /* slot class name */
#define FW_MEMBER_LEN 64 /* image member name */
#define FW_DESC_LEN 256 /* free-text description */
#define FW_FIT_CONF_LEN 63 /* a FIT configuration name */
#define FW_FIT_MAX (64u << 20) /* a FIT image, held whole to be checked */
#define FW_DTB_MAX (4u << 20) /* a control DTB (QEMU makes 1 MiB ones) */
#define FW_IMAGE_MAX (UINT64_C(1) << 42) /* 4 TiB per image */
#define FW_CHUNK_MIN (4u << 10)
#define FW_CHUNK_MAX (4u << 20)
#define FW_CHUNK_DEFAULT (1u << 20)
#define FW_CHUNKS_MAX (1u << 22) /* chunks per image */
/* a seekable frame of chunk @cs: zstd's bound (cs + cs/256 + 64 below
 * 128 KiB) with room to spare */
#define FW_FRAME_MAX(cs) ((uint64_t)(cs) + (cs) / 128 + 1024)
#define FW_SECVER_MAX UINT32_MAX
#define FW_FORMAT_VERSION 1 /* bundle format we read/write */

#define FW_BOARD_STRINGS_MAX 16 /* board identity strings */
#define FW_SLOTS_MAX 16 /* slots in system.conf */
#define FW_BOOTNAME_LEN 16
#define FW_PATH_LEN 4096
#define FW_TRIES_MAX 9 /* boot tries per activation */
#define FW_CHECKS_MAX 32 /* health checks */
#define FW_OUTBOX_MAX 64 /* queued reports: the newest are kept */
#define FW_CHECK_TAIL 2048 /* output tail kept per check */
#define FW_STATE_MAX (1u << 20) /* a state/transaction file */
#define FW_HISTORY_LINE_MAX (64u << 10) /* one history record, as read */
#define FW_TXN_JSON_MAX (48u << 10) /* one transaction record, as written */
#define FW_GRUBENV_SIZE 1024
#define FW_SIMENV_MAX (64u << 10)

#define FW_URL_LEN 1023 /* an http(s) URL, as given or redirected to */
#define FW_HOST_LEN 253 /* a DNS name */
#define FW_HTTP_HEAD_MAX (16u << 10) /* a response's status line and headers */
#define FW_HTTP_REDIRECTS 5
#define FW_HTTP_RETRIES_MAX 100

#define FW_IO_BUF (1u << 20) /* install hand-off buffer */
#define FW_IO_BUFS 8 /* at most this many buffers in flight */
#define FW_IO_RING (8u << 20) /* ... and at least 4 of them, within this */

#endif
