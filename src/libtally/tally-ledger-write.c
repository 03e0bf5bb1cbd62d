/* tally-ledger-write.c: the SQLite file under the ledger's engine
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"

static void
run_quietly (TallyLedger     *ledger,
             TallyLedgerStmt  which)
{
  sqlite3_step (tally_ledger_stmt (ledger, which));
  sqlite3_reset (tally_ledger_stmt (ledger, which));
}

static gboolean
step (TallyLedger      *ledger,
      TallyLedgerStmt   which,
      GError          **error)
{
  return tally_ledger_step_done (ledger, tally_ledger_stmt (ledger, which), error);
}

static gint64
sqlite_now (gpointer store)
{
  return tally_ledger_now (store);
}

/* Inside a transaction the caller opened: a savepoint, not BEGIN. SQLite
 * has one writer at a time, so BEGIN IMMEDIATE orders them. */
static gboolean
sqlite_begin (gpointer   store,
              gboolean  *nested,
              gint64    *last_seq,
              gint64    *last_created_at,
              GError   **error)
{
  TallyLedger *ledger = store;
  sqlite3_stmt *stmt;
  int rc;

  *nested = !sqlite3_get_autocommit (tally_ledger_get_db (ledger));
  if (!step (ledger, *nested ? STMT_BATCH_SAVEPOINT : STMT_BEGIN, error))
    return FALSE;

  *last_seq = *last_created_at = 0;
  stmt = tally_ledger_stmt (ledger, STMT_LAST_TRANSFER);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *last_seq = sqlite3_column_int64 (stmt, 0);
      *last_created_at = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;

  tally_ledger_set_sqlite_error (tally_ledger_get_db (ledger), error);
  run_quietly (ledger, *nested ? STMT_BATCH_RELEASE : STMT_ROLLBACK);
  return FALSE;
}

static gboolean
sqlite_commit (gpointer   store,
               gboolean   nested,
               GError   **error)
{
  return step (store, nested ? STMT_BATCH_RELEASE : STMT_COMMIT, error);
}

static void
sqlite_rollback (gpointer store,
                 gboolean nested)
{
  if (nested)
    {
      run_quietly (store, STMT_BATCH_ROLLBACK_TO);
      run_quietly (store, STMT_BATCH_RELEASE);
    }
  else
    run_quietly (store, STMT_ROLLBACK);
}

static gboolean
sqlite_begin_chain (gpointer   store,
                    GError   **error)
{
  return step (store, STMT_SAVEPOINT, error);
}

static gboolean
sqlite_end_chain (gpointer   store,
                  GError   **error)
{
  return step (store, STMT_RELEASE, error);
}

static gboolean
sqlite_abort_chain (gpointer   store,
                    GError   **error)
{
  return step (store, STMT_ROLLBACK_TO, error) && step (store, STMT_RELEASE, error);
}

static gboolean
sqlite_get_account (gpointer             store,
                    const guint8         key[16],
                    TallyCachedAccount  *account,
                    gboolean            *found,
                    GError             **error)
{
  TallyLedger *ledger = store;
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_ACCOUNT_BY_ID);
  int rc;

  sqlite3_bind_blob (stmt, 1, key, 16, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tally_ledger_read_account (stmt, &account->account, &account->num);
  sqlite3_reset (stmt);

  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;
  return tally_ledger_set_sqlite_error (tally_ledger_get_db (ledger), error);
}

static gboolean
sqlite_write_account (gpointer                   store,
                      const TallyCachedAccount  *cached,
                      GError                   **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (store, STMT_UPDATE_ACCOUNT);
  const TallyAccount *a = &cached->account;

  sqlite3_bind_int64 (stmt, 1, a->debits_pending);
  sqlite3_bind_int64 (stmt, 2, a->debits_posted);
  sqlite3_bind_int64 (stmt, 3, a->credits_pending);
  sqlite3_bind_int64 (stmt, 4, a->credits_posted);
  sqlite3_bind_int64 (stmt, 5, cached->num);

  return tally_ledger_step_done (store, stmt, error);
}

static gboolean
sqlite_find_transfer (gpointer              store,
                      const guint8          id[16],
                      TallyStoredTransfer  *stored,
                      gboolean             *found,
                      GError              **error)
{
  return tally_ledger_find_transfer (store, id, stored, found, error);
}

static gboolean
sqlite_find_transfer_by_seq (gpointer              store,
                             gint64                seq,
                             TallyStoredTransfer  *stored,
                             gboolean             *found,
                             GError              **error)
{
  return tally_ledger_find_transfer_by_seq (store, seq, stored, found, error);
}

static gboolean
sqlite_find_pending_row (gpointer          store,
                         gint64            seq,
                         TallyPendingRow  *row,
                         gboolean         *found,
                         GError          **error)
{
  return tally_ledger_find_pending_row (store, seq, row, found, error);
}

static gboolean
sqlite_insert_transfer (gpointer              store,
                        const TallyTransfer  *t,
                        const guint8          id[16],
                        gint64                debit_num,
                        gint64                credit_num,
                        gint64                pending_seq,
                        gboolean             *inserted,
                        GError              **error)
{
  return tally_ledger_insert_transfer_row (store, t, id, debit_num, credit_num, pending_seq,
                                           inserted, error);
}

static gboolean
sqlite_insert_pending (gpointer   store,
                       gint64     seq,
                       gint64     expires_at,
                       GError   **error)
{
  return tally_ledger_insert_pending_seq (store, seq, expires_at, error);
}

static gboolean
sqlite_settle_pending (gpointer            store,
                       gint64              pending_seq,
                       TallyPendingState   state,
                       gint64              settled_by,
                       GError            **error)
{
  return tally_ledger_settle_pending_row (store, pending_seq, state, settled_by, error);
}

/* Reads what a statement bound with (now, limit) returns, a row at a time. */
typedef void (*ReadRowFunc) (sqlite3_stmt *stmt,
                             GArray       *rows);

static gboolean
read_due (TallyLedger      *ledger,
          TallyLedgerStmt   which,
          gint64            now,
          guint             limit,
          ReadRowFunc       read_row,
          GArray           *rows,
          GError          **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, which);
  int rc;

  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    read_row (stmt, rows);
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (ledger), error);
  return TRUE;
}

static void
read_due_seq (sqlite3_stmt *stmt,
              GArray       *seqs)
{
  gint64 seq = sqlite3_column_int64 (stmt, 0);

  g_array_append_val (seqs, seq);
}

static gboolean
sqlite_due_pending (gpointer   store,
                    gint64     now,
                    guint      limit,
                    GArray    *seqs,
                    GError   **error)
{
  return read_due (store, STMT_DUE_PENDING, now, limit, read_due_seq, seqs, error);
}

static void
read_due_lot (sqlite3_stmt *stmt,
              GArray       *lots)
{
  TallyDueLot lot = { 0 };

  lot.num = sqlite3_column_int64 (stmt, 0);
  if (sqlite3_column_bytes (stmt, 1) == 16)
    memcpy (lot.account_key, sqlite3_column_blob (stmt, 1), 16);
  lot.remaining = sqlite3_column_int64 (stmt, 2);
  if (sqlite3_column_bytes (stmt, 3) == 16)
    tally_uuid_from_bytes (sqlite3_column_blob (stmt, 3), lot.transfer_id);
  g_array_append_val (lots, lot);
}

static gboolean
sqlite_due_lots (gpointer   store,
                 gint64     now,
                 guint      limit,
                 GArray    *lots,
                 GError   **error)
{
  return read_due (store, STMT_DUE_LOTS, now, limit, read_due_lot, lots, error);
}

static gboolean
sqlite_close_lot (gpointer   store,
                  gint64     lot_num,
                  gint64     expiry_seq,
                  GError   **error)
{
  sqlite3_stmt *close = tally_ledger_stmt (store, STMT_CLOSE_LOT);

  if (expiry_seq > 0)
    sqlite3_bind_int64 (close, 1, expiry_seq);
  sqlite3_bind_int64 (close, 2, lot_num);
  return tally_ledger_step_done (store, close, error);
}

static const TallyLedgerStoreOps sqlite_ops = {
  .now = sqlite_now,
  .begin = sqlite_begin,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
  .begin_chain = sqlite_begin_chain,
  .end_chain = sqlite_end_chain,
  .abort_chain = sqlite_abort_chain,
  .get_account = sqlite_get_account,
  .write_account = sqlite_write_account,
  .find_transfer = sqlite_find_transfer,
  .find_transfer_by_seq = sqlite_find_transfer_by_seq,
  .find_pending_row = sqlite_find_pending_row,
  .insert_transfer = sqlite_insert_transfer,
  .insert_pending = sqlite_insert_pending,
  .settle_pending = sqlite_settle_pending,
  .read_open_lots = tally_ledger_read_open_lots,
  .burn_lot = tally_ledger_burn_lot,
  .due_pending = sqlite_due_pending,
  .due_lots = sqlite_due_lots,
  .close_lot = sqlite_close_lot,
};

static void
bind_optional_text (sqlite3_stmt *stmt,
                    int           column,
                    const char   *text)
{
  if (text[0] != '\0')
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, column);
}

/* Inserts unless the id is taken: the happy path learns of a duplicate
 * from the unique index it has to update anyway, rather than probing it
 * first. Mirrors write their rows through it too. */
gboolean
tally_ledger_insert_transfer_row (TallyLedger          *ledger,
                                  const TallyTransfer  *t,
                                  const guint8          id[16],
                                  gint64                debit_num,
                                  gint64                credit_num,
                                  gint64                pending_seq,
                                  gboolean             *inserted,
                                  GError              **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_INSERT_TRANSFER);

  sqlite3_bind_int64 (stmt, 1, t->seq);
  sqlite3_bind_blob (stmt, 2, id, 16, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, debit_num);
  sqlite3_bind_int64 (stmt, 4, credit_num);
  sqlite3_bind_int64 (stmt, 5, t->amount);
  if (pending_seq > 0)
    sqlite3_bind_int64 (stmt, 6, pending_seq);
  sqlite3_bind_int64 (stmt, 7, t->units);
  sqlite3_bind_int64 (stmt, 8, t->timeout);
  sqlite3_bind_int (stmt, 9, t->flags);
  sqlite3_bind_int (stmt, 10, t->kind);
  sqlite3_bind_text (stmt, 11, t->ref, -1, SQLITE_STATIC);
  bind_optional_text (stmt, 12, t->tool_id);
  sqlite3_bind_text (stmt, 13, t->description, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 14, t->created_at);

  if (!tally_ledger_step_done (ledger, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (tally_ledger_get_db (ledger)) == 1;
  return TRUE;
}

gboolean
tally_ledger_insert_pending_seq (TallyLedger  *ledger,
                                 gint64        seq,
                                 gint64        expires_at,
                                 GError      **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_INSERT_PENDING);

  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, expires_at);

  return tally_ledger_step_done (ledger, stmt, error);
}

gboolean
tally_ledger_insert_pending_row (TallyLedger          *ledger,
                                 const TallyTransfer  *t,
                                 GError              **error)
{
  gint64 expires_at;

  tally_ledger_rules_expires_at (t, &expires_at);
  return tally_ledger_insert_pending_seq (ledger, t->seq, expires_at, error);
}

gboolean
tally_ledger_settle_pending_row (TallyLedger        *ledger,
                                 gint64              pending_seq,
                                 TallyPendingState   state,
                                 gint64              settled_by,
                                 GError            **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_SETTLE_PENDING);

  sqlite3_bind_int (stmt, 1, state);
  sqlite3_bind_int64 (stmt, 2, settled_by);
  sqlite3_bind_int64 (stmt, 3, pending_seq);

  return tally_ledger_step_done (ledger, stmt, error);
}

/**
 * tally_ledger_create_transfers:
 * @self: a #TallyLedger
 * @transfers: (array length=n_transfers): the batch; seq, created_at and,
 *   for a post or void, the accounts are filled in
 * @n_transfers: how many
 * @results: (array length=n_transfers) (out caller-allocates): one result each
 * @error: return location for a #GError
 *
 * Applies a batch of transfers in one transaction, as docs/ledger.md says.
 *
 * Returns: %FALSE when the store failed (and nothing of the batch was
 *   written), %TRUE otherwise, whatever the results
 */
gboolean
tally_ledger_create_transfers (TallyLedger          *self,
                               TallyTransfer        *transfers,
                               guint                 n_transfers,
                               TallyTransferResult  *results,
                               GError              **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (transfers != NULL || n_transfers == 0, FALSE);
  g_return_val_if_fail (results != NULL || n_transfers == 0, FALSE);

  if (n_transfers == 0)
    return TRUE;
  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  return tally_ledger_engine_create_transfers (&sqlite_ops, self, transfers, n_transfers,
                                               results, error);
}

gboolean
tally_ledger_expire_pending (TallyLedger  *self,
                             gint64        now,
                             guint        *n_expired,
                             GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  /* A mirror's holds are settled by its origin, which sends the void. */
  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  return tally_ledger_engine_expire_pending (&sqlite_ops, self, now, n_expired, error);
}

gboolean
tally_ledger_expire_lots (TallyLedger  *self,
                          gint64        now,
                          guint        *n_expired,
                          GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  return tally_ledger_engine_expire_lots (&sqlite_ops, self, now, n_expired, error);
}
