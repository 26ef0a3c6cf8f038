/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_STATE_H
#define FW_STATE_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "hash.h"
#include "fwlimits.h"

/*
 * STATEDIR (on a persistent data partition):
 *   transaction.json   the current or last transaction, replaced atomically
 *   history.jsonl      one line per ended transaction, appended + fdatasync
 *   slots.json         what each slot holds (version, content hash, status)
 *   security-version   the anti-rollback floor
 */

enum txn_state {
	TXN_NONE = 0,
	TXN_INSTALLING, /* writing slots */
	TXN_INSTALLED, /* written, not activated (--no-activate) */
	TXN_ACTIVATED, /* primary set; waiting for the reboot and confirm */
	TXN_RECOVERED, /* written from recovery media, primary; confirm decides */
	TXN_CONFIRMED, /* end: the new slot passed its checks */
	TXN_ROLLED_BACK, /* end: back on the previous slot, with a reason */
	TXN_FAILED, /* end: install refused or broken, system untouched */
};

struct txn_check {
	char name[40];
	int required, passed;
	unsigned duration_ms;
	char tail[FW_CHECK_TAIL];
};

/**
 * struct txn - one transaction: an id, what it installs where, its phase,
 * and exactly one end state with a reason
 * @kind: what began it: install, recover, mark-active (content that was
 *        never confirmed, activated by hand), boot (found running such
 *        content), rollback (a switch by hand), mark-good
 * @ignored_compatible: installed with --ignore-compatible
 */
struct txn {
	char id[40];
	char kind[16];
	enum txn_state state;
	char phase[320];
	uint64_t done, total;
	char bundle[FW_URL_LEN + 1]; /* a path, or the URL it was read from */
	unsigned retries; /* times its download was resumed */
	uint64_t fetched, copied; /* bytes downloaded; read from slots instead */
	char version[FW_VERSION_LEN + 1];
	uint64_t security_version;
	char target[FW_BOOTNAME_LEN + 1];
	char previous[FW_BOOTNAME_LEN + 1];
	char slots[FW_IMAGES_MAX][FW_CLASS_LEN + 12];
	unsigned nslots;
	int64_t started, updated, ended;
	char reason[32]; /* health-check-failed watchdog-reset tries-exhausted marked-bad manual ... */
	char detail[256];
	int ignored_compatible;
	struct txn_check checks[FW_CHECKS_MAX];
	unsigned nchecks;
};

/**
 * struct slot_record - what fwtool wrote into a slot, from slots.json
 * @status:    "writing", "failed", or "ok" (written and verified)
 * @confirmed: the content passed a confirm (its checks, or a recorded
 *             mark-good); also set for what a board came with, the first
 *             time it booted (@factory)
 */
struct slot_record {
	char version[FW_VERSION_LEN + 1];
	uint8_t sha256[HASH_LEN];
	uint64_t size;
	uint64_t security_version;
	char txn[40];
	char status[16];
	int confirmed, factory;
	int64_t time;
};

const char *txn_state_name(enum txn_state s);
/** txn_ended() - the state is one of the three ends */
int txn_ended(enum txn_state s);

/** state_txn_new() - a fresh transaction with a random UUID */
void state_txn_new(struct txn *t);

/**
 * state_txn_load() - transaction.json
 * Return: 0, FW_ENOTXN (none yet), FW_ECORRUPT (naming the file and what
 * to do), FW_EIO.
 */
int state_txn_load(const char *dir, struct txn *t, struct fw_err *err) FW_MUST;

/** state_txn_save() - atomically replace transaction.json */
int state_txn_save(const char *dir, struct txn *t, struct fw_err *err) FW_MUST;

/**
 * state_history_append() - one record at the end of history.jsonl: a torn
 * last line (a cut mid-append, a full disk) is cut off first, never glued
 * to this one; then one write and fdatasync
 */
int state_history_append(const char *dir, const struct txn *t, struct fw_err *err) FW_MUST;

/**
 * state_history_last_id() - the id of the last whole record, read from the
 * end of the file (constant time); "" when there is none
 */
int state_history_last_id(const char *dir, char *id, size_t size, struct fw_err *err) FW_MUST;

/**
 * state_history_find() - the record of @id, searched from the newest
 * Return: 0, FW_ENOTXN, FW_EIO.
 */
int state_history_find(const char *dir, const char *id, struct txn *t, struct fw_err *err) FW_MUST;

/**
 * state_history_each() - call @fn for every whole history record, oldest
 * first, streamed; with @since, only those after the record of that id
 * (found from the end of the file). Torn and oversized lines are skipped.
 * Return: 0, FW_ENOTXN (@since not in history), FW_ENOMEM, FW_EIO.
 */
int state_history_each(const char *dir, const char *since,
		       void (*fn)(void *ctx, const struct txn *t), void *ctx,
		       struct fw_err *err) FW_MUST;

/**
 * state_txn_json() - compact JSON of @t (fwtool.transaction/1); free it.
 * Never longer than FW_TXN_JSON_MAX: check outputs are cut (their ends
 * kept) until it fits.
 */
char *state_txn_json(const struct txn *t);

/** state_txn_parse() - the reverse (fuzzed) */
int state_txn_parse(struct txn *t, const char *json, size_t len, struct fw_err *err) FW_MUST;

/**
 * state_slot_get() / state_slot_put() - one slot's record in slots.json
 * Return: 0; FW_ENOTFOUND (get: no record); FW_ECORRUPT; FW_EIO, FW_ENOSPC.
 */
int state_slot_get(const char *dir, const char *slot, struct slot_record *r,
		   struct fw_err *err) FW_MUST;
int state_slot_put(const char *dir, const char *slot, const struct slot_record *r,
		   struct fw_err *err) FW_MUST;

/**
 * state_slots_confirm() - mark the written ("ok") records of @slots
 * confirmed, and give the slots with no record a factory record; one write
 */
int state_slots_confirm(const char *dir, const char *const *slots, unsigned n,
			struct fw_err *err) FW_MUST;

/** state_secver_get() - Return: 0 (0 when unset), FW_ECORRUPT, FW_EIO */
int state_secver_get(const char *statedir, uint64_t *secverp, struct fw_err *err) FW_MUST;
/** state_secver_raise() - never lowers; called when a transaction ends confirmed */
int state_secver_raise(const char *statedir, uint64_t secver, struct fw_err *err) FW_MUST;

#endif
