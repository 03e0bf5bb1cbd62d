/* tally-pg-ledger.h: the ledger on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger.h"
#include "tally-pg.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PG_LEDGER (tally_pg_ledger_get_type ())

/* Takes the transaction-scoped advisory lock every ledger batch takes
 * before it reads anything (docs/scale-out.md, "Concurrency control"): the
 * ledger's seq is one total order that sync reads in, so ledger writers
 * take turns, on every server; a batch of many writes costs one turn.
 * Whatever else must be one order across servers (audit appends, sweeps,
 * a lot's expiry) takes this same lock, and first, so no two such locks
 * are ever taken in either order and nothing deadlocks on them. */
#define TALLY_PG_LEDGER_LOCK "SELECT pg_advisory_xact_lock (7308332170357122305)"

/* The calls of TallyLedger that the server uses, with the same
 * meaning and the same TALLY_LEDGER_ERROR codes, on a PostgreSQL
 * database; a store failure is a TALLY_PG_ERROR (RETRY, UNAVAILABLE, ...).
 * Every transfer is decided by libtally's engine and rules, as on SQLite.
 * Use it from one thread at a time, as its TallyPg. */
G_DECLARE_FINAL_TYPE (TallyPgLedger, tally_pg_ledger, TALLY, PG_LEDGER, GObject)

/* Brings the ledger's tables up to date on @pg first. */
TallyPgLedger *tally_pg_ledger_new                 (TallyPg              *pg,
                                                    GError              **error);
/* Refuses tables at another version than this Tally's. */
TallyPgLedger *tally_pg_ledger_open                (TallyPg              *pg,
                                                    GError              **error);
TallyPg       *tally_pg_ledger_get_pg              (TallyPgLedger        *self);
void           tally_pg_ledger_set_clock           (TallyPgLedger        *self,
                                                    TallyClockFunc        func,
                                                    gpointer              user_data);
gint64         tally_pg_ledger_now                 (TallyPgLedger        *self);

/* The writer's transaction (tally_ledger_begin() and its kin): a batch
 * inside it is a savepoint, and so is each write of a group. */
gboolean       tally_pg_ledger_begin               (TallyPgLedger        *self,
                                                    GError              **error);
gboolean       tally_pg_ledger_commit              (TallyPgLedger        *self,
                                                    GError              **error);
void           tally_pg_ledger_rollback            (TallyPgLedger        *self);
gboolean       tally_pg_ledger_begin_write         (TallyPgLedger        *self,
                                                    GError              **error);
gboolean       tally_pg_ledger_end_write           (TallyPgLedger        *self,
                                                    GError              **error);
void           tally_pg_ledger_undo_write          (TallyPgLedger        *self);
gboolean       tally_pg_ledger_in_transaction      (TallyPgLedger        *self);

gboolean       tally_pg_ledger_create_account      (TallyPgLedger        *self,
                                                    const TallyAccount   *account,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_account      (TallyPgLedger        *self,
                                                    const char           *id,
                                                    TallyAccount         *account,
                                                    GError              **error);
gboolean       tally_pg_ledger_rename_account      (TallyPgLedger        *self,
                                                    const char           *id,
                                                    const char           *name,
                                                    GError              **error);
/* FALSE only when the store failed, and then nothing of the batch was
 * written; a RETRY error asks the caller to send the batch again. */
gboolean       tally_pg_ledger_create_transfers    (TallyPgLedger        *self,
                                                    TallyTransfer        *transfers,
                                                    guint                 n_transfers,
                                                    TallyTransferResult  *results,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_transfer     (TallyPgLedger        *self,
                                                    const char           *id,
                                                    TallyTransfer        *transfer,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_pending_state (TallyPgLedger       *self,
                                                    const char           *pending_id,
                                                    TallyPendingState    *state,
                                                    GError              **error);
gboolean       tally_pg_ledger_expire_pending      (TallyPgLedger        *self,
                                                    gint64                now,
                                                    guint                *n_expired,
                                                    GError              **error);
gboolean       tally_pg_ledger_get_last_seq        (TallyPgLedger        *self,
                                                    gint64               *seq,
                                                    GError              **error);
/* Lots (tally-pg-ledger-lots.c). */
gboolean       tally_pg_ledger_set_expiry          (TallyPgLedger        *self,
                                                    const char           *transfer_id,
                                                    gint64                expires_at,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_expiry       (TallyPgLedger        *self,
                                                    const char           *transfer_id,
                                                    gint64               *expires_at,
                                                    GError              **error);
gboolean       tally_pg_ledger_expire_lots         (TallyPgLedger        *self,
                                                    gint64                now,
                                                    guint                *n_expired,
                                                    GError              **error);
GArray        *tally_pg_ledger_list_lots           (TallyPgLedger        *self,
                                                    const char           *account_id,
                                                    GError              **error);

/* Reading (tally-pg-ledger-queries.c). */
GArray        *tally_pg_ledger_transfers_since     (TallyPgLedger        *self,
                                                    gint64                after_seq,
                                                    guint                 limit,
                                                    GError              **error);
GArray        *tally_pg_ledger_transfers_after     (TallyPgLedger        *self,
                                                    const char * const   *account_ids,
                                                    gint64                after_seq,
                                                    guint                 limit,
                                                    GError              **error);
GArray        *tally_pg_ledger_query_statement     (TallyPgLedger        *self,
                                                    const TallyStatementQuery *query,
                                                    gint64               *next_before_seq,
                                                    GError              **error);
GArray        *tally_pg_ledger_posted_totals       (TallyPgLedger        *self,
                                                    const char           *account_id,
                                                    gint64                since,
                                                    gint64                until,
                                                    GError              **error);
GArray        *tally_pg_ledger_recent_run_costs    (TallyPgLedger        *self,
                                                    const char           *account_id,
                                                    const char           *tool_id,
                                                    guint                 limit,
                                                    GError              **error);
/* Computed from the tables on every call: no sums are kept between
 * transactions, as other servers write too (see the .c). */
gboolean       tally_pg_ledger_sum_consumption     (TallyPgLedger        *self,
                                                    const char           *account_id,
                                                    gint64                since,
                                                    gint64                until,
                                                    gint64               *spent,
                                                    GError              **error);

/* Every invariant of tally_ledger_check(), by the same queries. */
gboolean       tally_pg_ledger_check               (TallyPgLedger        *self,
                                                    GError              **error);

G_END_DECLS
