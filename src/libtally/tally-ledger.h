/* tally-ledger.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-account.h"
#include "tally-statement.h"
#include "tally-transfer.h"

G_BEGIN_DECLS

#define TALLY_LEDGER_ERROR (tally_ledger_error_quark ())

typedef enum
{
  /* The file was written by a newer Tally; it is left untouched. */
  TALLY_LEDGER_ERROR_SCHEMA_TOO_NEW,
  /* SQLite said no: I/O, a full disk, a busy or corrupt file. */
  TALLY_LEDGER_ERROR_STORAGE,
  TALLY_LEDGER_ERROR_NOT_FOUND,
  TALLY_LEDGER_ERROR_INVALID,
  TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS,
  /* tally_ledger_check() found a broken invariant. */
  TALLY_LEDGER_ERROR_INVARIANT,
  /* The disk is full: nothing of the transaction was kept. */
  TALLY_LEDGER_ERROR_DISK_FULL,
  /* The file cannot be written (a read-only file system, an I/O error). */
  TALLY_LEDGER_ERROR_UNWRITABLE,
} TallyLedgerError;

typedef enum
{
  TALLY_LEDGER_OPEN_DEFAULT   = 0,
  /* A read connection, e.g. for an export on a worker thread. */
  TALLY_LEDGER_OPEN_READ_ONLY = 1 << 0,
  /* synchronous=NORMAL: survives a process crash, not a power cut. */
  TALLY_LEDGER_OPEN_SYNC_NORMAL = 1 << 1,
  /* Makes the file a mirror (see tally_ledger_mirror_transfers()); only an
   * empty ledger or a mirror can be opened so. A mirror is known as one
   * on every later open, with or without the flag. */
  TALLY_LEDGER_OPEN_MIRROR = 1 << 2,
} TallyLedgerOpenFlags;

/* Returns the time in microseconds since the epoch, UTC. */
typedef gint64 (*TallyClockFunc) (gpointer user_data);

#define TALLY_TYPE_LEDGER (tally_ledger_get_type ())

G_DECLARE_FINAL_TYPE (TallyLedger, tally_ledger, TALLY, LEDGER, GObject)

GQuark       tally_ledger_error_quark        (void);

TallyLedger *tally_ledger_open               (const char                 *path,
                                              TallyLedgerOpenFlags        flags,
                                              GError                    **error);
const char  *tally_ledger_get_path           (TallyLedger                *self);
int          tally_ledger_get_schema_version (TallyLedger                *self);
int          tally_ledger_get_latest_schema_version (void);
void         tally_ledger_set_clock          (TallyLedger                *self,
                                              TallyClockFunc              clock,
                                              gpointer                    user_data);
gint64       tally_ledger_now                (TallyLedger                *self);

/* An explicit transaction around several calls, e.g. a server's group
 * commit: create_transfers() inside one uses a savepoint, so a batch still
 * fails whole while the outer transaction goes on. */
gboolean     tally_ledger_begin              (TallyLedger                *self,
                                              GError                    **error);
gboolean     tally_ledger_commit             (TallyLedger                *self,
                                              GError                    **error);
void         tally_ledger_rollback           (TallyLedger                *self);
/* One write of a group inside the explicit transaction: a savepoint, so
 * tally_ledger_undo_write() undoes that write alone and the group goes
 * on. Writes do not nest. */
gboolean     tally_ledger_begin_write        (TallyLedger                *self,
                                              GError                    **error);
gboolean     tally_ledger_end_write          (TallyLedger                *self,
                                              GError                    **error);
void         tally_ledger_undo_write         (TallyLedger                *self);
/* What the storage's last failure says of the disk, read right after it:
 * TALLY_LEDGER_ERROR_DISK_FULL, TALLY_LEDGER_ERROR_UNWRITABLE or, for any
 * other failure (or none), TALLY_LEDGER_ERROR_STORAGE. */
TallyLedgerError tally_ledger_get_last_failure (TallyLedger              *self);
gboolean     tally_ledger_in_transaction     (TallyLedger                *self);

/* Accounts. Creating an account that exists with the same fields succeeds
 * and changes nothing; with other fields it is an error. */
gboolean     tally_ledger_create_account     (TallyLedger                *self,
                                              const TallyAccount         *account,
                                              GError                    **error);
gboolean     tally_ledger_lookup_account     (TallyLedger                *self,
                                              const char                 *id,
                                              TallyAccount               *account,
                                              GError                    **error);
/* Changes only the account's name (erasure pseudonymises it). */
gboolean     tally_ledger_rename_account     (TallyLedger                *self,
                                              const char                 *id,
                                              const char                 *name,
                                              GError                    **error);

/* Transfers. One result per transfer in @results; the batch is one
 * transaction. FALSE only when the store failed, and then nothing of the
 * batch was written. */
gboolean     tally_ledger_create_transfers   (TallyLedger                *self,
                                              TallyTransfer              *transfers,
                                              guint                       n_transfers,
                                              TallyTransferResult        *results,
                                              GError                    **error);
gboolean     tally_ledger_lookup_transfer    (TallyLedger                *self,
                                              const char                 *id,
                                              TallyTransfer              *transfer,
                                              GError                    **error);
gboolean     tally_ledger_lookup_pending_state (TallyLedger              *self,
                                              const char                 *pending_id,
                                              TallyPendingState          *state,
                                              GError                    **error);
/* Releases every pending transfer whose timeout has passed at @now, by
 * recording a void for it; an expired transfer can never be posted. */
gboolean     tally_ledger_expire_pending     (TallyLedger                *self,
                                              gint64                      now,
                                              guint                      *n_expired,
                                              GError                    **error);
gint64       tally_ledger_get_last_seq       (TallyLedger                *self);

/* Every transfer after @after_seq, whatever its accounts, in seq order and
 * at most @limit (tally-ledger-queries.c): what a reader that follows each
 * commit, e.g. the server's live events, has not seen yet. */
GArray      *tally_ledger_transfers_since    (TallyLedger                *self,
                                              gint64                      after_seq,
                                              guint                       limit,
                                              GError                    **error);

/* Transfers that touch any of @account_ids, in seq order, after @after_seq:
 * what a device that has everything up to @after_seq is missing. */
GArray      *tally_ledger_transfers_after    (TallyLedger                *self,
                                              const char * const         *account_ids,
                                              gint64                      after_seq,
                                              guint                       limit,
                                              GError                    **error);

/* One page of an account's history, newest first. @next_before_seq is the
 * cursor of the following page, 0 when this is the last one. */
GArray      *tally_ledger_query_statement    (TallyLedger                *self,
                                              const TallyStatementQuery  *query,
                                              gint64                     *next_before_seq,
                                              GError                    **error);
/* Where each page of @page_size items of @query starts (the seq of its
 * newest item; page p is the query with before_seq = starts[p] + 1) and
 * how many items there are: one pass over the indexes, no OFFSET. */
GArray      *tally_ledger_index_statement    (TallyLedger                *self,
                                              const TallyStatementQuery  *query,
                                              guint                       page_size,
                                              guint                      *n_items,
                                              GCancellable               *cancellable,
                                              GError                    **error);

/* What an account spent on tool runs created in [@since, @until): posted
 * charges plus holds still pending. @until 0 is no end. */
gboolean     tally_ledger_sum_consumption    (TallyLedger                *self,
                                              const char                 *account_id,
                                              gint64                      since,
                                              gint64                      until,
                                              gint64                     *spent,
                                              GError                    **error);
/* From now on tally_ledger_sum_consumption() keeps, for up to
 * @max_windows (account, window) pairs, the window's sum as of the last
 * commit, and reads only the rows written since: a spend cap's check no
 * longer scans the day's or the month's runs. Only on a ledger that gives
 * its transfers their seqs itself (not a mirror, whose rows can fill gaps
 * below the last one). */
void         tally_ledger_keep_window_sums   (TallyLedger                *self,
                                              guint                       max_windows);
/* What an account's posted items of one kind and tool come to. */
typedef struct _TallyPostedTotal
{
  TallyTransferKind kind;
  /* Empty for items of no tool. */
  char              tool_id[TALLY_TOOL_ID_MAX];
  /* From the account's side, credits minus debits: a purchase adds,
   * consumption takes away. */
  gint64            amount;
  gint64            items;
} TallyPostedTotal;

/* The account's posted purchases, consumption and refunds created in
 * [@since, @until), by kind and tool: the posted items of its history,
 * a run at its hold's time for what it settled. Other kinds are not
 * summed. Whole hours come from sums the ledger keeps as it writes, so a
 * year costs about what a day does. */
GArray      *tally_ledger_posted_totals      (TallyLedger                *self,
                                              const char                 *account_id,
                                              gint64                      since,
                                              gint64                      until,
                                              GError                    **error);
/* The settled cost of an account's latest runs of @tool_id, newest first,
 * at most @limit: what a typical estimate is made from. */
GArray      *tally_ledger_recent_run_costs   (TallyLedger                *self,
                                              const char                 *account_id,
                                              const char                 *tool_id,
                                              guint                       limit,
                                              GError                    **error);

/* Mirrors (tally-ledger-mirror.c, docs/ledger.md "Mirrors"): a copy of
 * another ledger's transfers for some of its accounts, with that ledger's
 * ids, seq and times. A mirror takes no transfers of its own:
 * create_transfers() and expire_pending() refuse it. */
gboolean     tally_ledger_is_mirror          (TallyLedger                *self);
/* Inserts the account with zero balances when it is missing; when present,
 * updates its kind, flags, name and time zone. Balances in @account are
 * ignored: the mirrored transfers keep them. */
gboolean     tally_ledger_mirror_account     (TallyLedger                *self,
                                              const TallyAccount         *account,
                                              GError                    **error);
/* Records @transfers as their ledger made them (id, seq, created_at,
 * accounts), in one transaction (a savepoint inside the caller's), and
 * moves the accounts' columns as create_transfers() would. No limit or
 * expiry is checked: the origin did. A transfer whose id is present with
 * the same fields is skipped; every other must have a seq above the
 * mirror's last and a created_at not below it. Either all are recorded
 * or, with @error set, none. */
gboolean     tally_ledger_mirror_transfers   (TallyLedger                *self,
                                              const TallyTransfer        *transfers,
                                              guint                       n_transfers,
                                              GError                    **error);
/* Deletes every mirrored transfer and every account but the system ones
 * (left at zero), in one transaction: for an origin restored from a
 * backup, whose seqs start again below the mirror's. */
gboolean     tally_ledger_mirror_clear       (TallyLedger                *self,
                                              GError                    **error);

/* Lots (tally-ledger-lots.c; docs/ledger.md, "Lots and expiry"): credits
 * that expire. */
typedef struct
{
  /* The transfer that brought the credits. */
  char   transfer_id[TALLY_UUID_LEN];
  gint64 amount;
  /* What no debit has burned yet. */
  gint64 remaining;
  /* Microseconds since the epoch, UTC. */
  gint64 expires_at;
} TallyLot;

/* Makes the credits of @transfer_id (a single-phase transfer to a user or
 * team account, no posted debit of that account after it) expire at
 * @expires_at: call it in the transaction that creates the transfer. The
 * same expiry again changes nothing; another is an error. */
gboolean     tally_ledger_set_expiry         (TallyLedger                *self,
                                              const char                 *transfer_id,
                                              gint64                      expires_at,
                                              GError                    **error);
/* When the credits of @transfer_id expire: *@expires_at, 0 for never. */
gboolean     tally_ledger_lookup_expiry      (TallyLedger                *self,
                                              const char                 *transfer_id,
                                              gint64                     *expires_at,
                                              GError                    **error);
/* At @now, posts one expiry transfer (to the expired account) for each
 * lot whose time has come, of what is left of it and not held, and closes
 * the lot: exactly once, however often it runs. */
gboolean     tally_ledger_expire_lots        (TallyLedger                *self,
                                              gint64                      now,
                                              guint                      *n_expired,
                                              GError                    **error);
/* @account_id's open lots with credits left, soonest expiry first: an
 * array of TallyLot. */
GArray      *tally_ledger_list_lots          (TallyLedger                *self,
                                              const char                 *account_id,
                                              GError                    **error);

/* Verifies every invariant over the whole file; the first broken one is
 * described in words in a TALLY_LEDGER_ERROR_INVARIANT error. */
gboolean     tally_ledger_check              (TallyLedger                *self,
                                              GError                    **error);

G_END_DECLS
