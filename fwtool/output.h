/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_OUTPUT_H
#define FW_OUTPUT_H

#include "board.h"
#include "err.h"
#include "usb.h"
#include "verify.h"

/*
 * Everything fwtool prints on stdout: human text, or with --json exactly
 * one JSON document carrying a "schema" field ("fwtool.<doc>/<version>").
 * The schemas are documented in docs/json.md. Only cmd_*.c and main.c call
 * this module.
 */

/** output_set_compact() - JSON on one line (with --events: JSON lines) */
void output_set_compact(int compact);

/**
 * output_error() - the one-line error on stderr; with @json also
 * {"schema":"fwtool.error/1","error":{"code","exit","message"}} on stdout,
 * and "transaction": @txn_id when the verb had one (may be NULL)
 */
void output_error(int json, const struct fw_err *err, const char *txn_id);

/**
 * output_bundle() - fwtool.info/1 or fwtool.verify/1
 * @result: "ok" for verify, NULL for info
 */
void output_bundle(int json, const char *path, const struct verified *v, const char *result);

/** output_board() - fwtool.board/1 */
void output_board(int json, const struct board *b);

/** output_created() - fwtool.bundle/1 after 'bundle create' */
void output_created(int json, const char *path, const struct manifest *m);

struct txn;
struct install_result;
struct config;
struct boot_env;
struct slot_record;
struct txn_running;

/**
 * output_install() - fwtool.install/1 or fwtool.recover/1 (@schema): the
 * transaction and each image
 */
void output_install(int json, const char *schema, const struct install_result *res);

/**
 * struct output_slot - one row of fwtool status
 * @boot: "good", "bad" or "pending" (on trial), @left: tries left
 */
struct output_slot {
	const char *name, *class, *bootname, *device, *type;
	int booted;
	const char *boot;
	unsigned left;
	const struct slot_record *rec; /* NULL when fwtool never wrote it */
};

/**
 * struct output_status - everything fwtool status shows
 * @running: the booted slot's version and whether it is confirmed (NULL:
 *           nothing booted)
 * @errors:  what could not be read (a corrupt state file, the bootloader
 *           environment)
 */
struct output_status {
	const char *bootloader, *booted, *primary;
	uint64_t secver;
	const struct output_slot *slots;
	unsigned nslots;
	const struct txn *txn;
	const struct txn_running *running;
	const char *const *errors;
	unsigned nerrors;
};

/** output_status() - fwtool.status/1 */
void output_status(int json, const struct output_status *st);

/** output_txn() - fwtool.transaction/1 (wait, confirm, rollback) */
void output_txn(int json, const struct txn *t);

/**
 * output_wait() - fwtool.wait/1: the result as a word (confirmed,
 * rolled-back, failed, timeout, not-activated, unknown, corrupt), its exit
 * status, the message, and the transaction (NULL when none was found);
 * without --json the transaction alone
 */
void output_wait(int json, const struct txn *t, int code, const char *msg);

/** output_history_begin/item/end() - fwtool.history/1 */
void output_history_begin(int json);
void output_history_item(int json, const struct txn *t);
void output_history_end(int json);

/** output_mark() - fwtool.mark/1, with the transaction it began or ended (or NULL) */
void output_mark(int json, const char *action, const char *slot, const char *bootname,
		 const struct txn *t);

/** output_usb() - fwtool.usb/1: the devices of 'fwtool usb list' */
void output_usb(int json, const struct usb_info *u, unsigned n);

#endif
