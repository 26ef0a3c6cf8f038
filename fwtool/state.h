/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_STATE_H
#define FW_STATE_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "hash.h"
#include "limits.h"

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
	TXN_CONFIRMED, /* end: the new slot passed its checks */
	TXN_ROLLED_BACK, /* end: back on the previous slot, with a reason */
	TXN_FAILED, /* end: install refused or broken, system untouched */
	TXN_RECOVERED, /* end: written from recovery media */
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
 */
struct txn {
	char id[40];
	enum txn_state state;
	char phase[320];
	uint64_t done, total;
	char bundle[256];
	char version[FW_VERSION_LEN + 1];
	uint64_t security_version;
	char target[FW_BOOTNAME_LEN + 1];
	char previous[FW_BOOTNAME_LEN + 1];
	char slots[FW_IMAGES_MAX][FW_CLASS_LEN + 12];
	unsigned nslots;
	int64_t started, updated, ended;
	char reason[32]; /* health-check-failed watchdog-reset tries-exhausted marked-bad manual ... */
	char detail[256];
	struct txn_check checks[FW_CHECKS_MAX];
	unsigned nchecks;
};

/** struct slot_record - what fwtool wrote into a slot, from slots.json */
struct slot_record {
	char version[FW_VERSION_LEN + 1];
	uint8_t sha256[HASH_LEN];
	uint64_t size;
	char txn[40];
	char status[16]; /* "ok", "writing", "failed" */
	int64_t time;
};

const char *txn_state_name(enum txn_state s);
/** txn_ended() - the state is one of the three (four) ends */
int txn_ended(enum txn_state s);

/** state_txn_new() - a fresh transaction with a random UUID */
void state_txn_new(struct txn *t);

/** state_txn_load() - Return: 0, FW_ENOTFOUND (none yet), FW_EFORMAT, FW_EIO */
int state_txn_load(const char *dir, struct txn *t, struct fw_err *err) FW_MUST;

/** state_txn_save() - atomically replace transaction.json */
int state_txn_save(const char *dir, struct txn *t, struct fw_err *err) FW_MUST;

/**
 * state_txn_end() - set the end state and reason, save, append to history
 */
int state_txn_end(const char *dir, struct txn *t, enum txn_state end, const char *reason,
		  const char *detail, struct fw_err *err) FW_MUST;

/**
 * state_history_sync() - after a power cut between saving an ended
 * transaction and appending it, append it now
 */
int state_history_sync(const char *dir, struct fw_err *err) FW_MUST;

/**
 * state_history_each() - call @fn for every history record (a torn last
 * line is skipped), oldest first
 */
int state_history_each(const char *dir, void (*fn)(void *ctx, const struct txn *t), void *ctx,
		       struct fw_err *err) FW_MUST;

/** state_txn_json() - compact JSON of @t (fwtool.transaction/1); free it */
char *state_txn_json(const struct txn *t);

/** state_txn_parse() - the reverse (fuzzed) */
int state_txn_parse(struct txn *t, const char *json, size_t len, struct fw_err *err) FW_MUST;

int state_slot_get(const char *dir, const char *slot, struct slot_record *r,
		   struct fw_err *err) FW_MUST;
int state_slot_put(const char *dir, const char *slot, const struct slot_record *r,
		   struct fw_err *err) FW_MUST;

int state_secver_get(const char *statedir, uint64_t *secverp, struct fw_err *err) FW_MUST;
/** state_secver_raise() - never lowers; called on confirm only */
int state_secver_raise(const char *statedir, uint64_t secver, struct fw_err *err) FW_MUST;

#endif
