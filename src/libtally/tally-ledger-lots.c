/* tally-ledger-lots.c: credits that expire, and the order they are spent in
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"
#include "tally-ledger-shared.h"

/* The open lots are read whole before any is changed: SQLite does not
 * promise what a cursor sees of rows updated under it. */
gboolean
tally_ledger_read_open_lots (gpointer   store,
                             gint64     account_num,
                             GArray    *lots,
                             GError   **error)
{
  TallyLedger *self = store;
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_OPEN_LOTS);
  int rc;

  sqlite3_bind_int64 (stmt, 1, account_num);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyOpenLot lot = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1) };

      g_array_append_val (lots, lot);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

gboolean
tally_ledger_burn_lot (gpointer   store,
                       gint64     lot,
                       gint64     transfer_seq,
                       gint64     amount,
                       GError   **error)
{
  TallyLedger *self = store;
  sqlite3_stmt *burn = tally_ledger_stmt (self, STMT_BURN_LOT);
  sqlite3_stmt *row;

  sqlite3_bind_int64 (burn, 1, amount);
  sqlite3_bind_int64 (burn, 2, lot);
  if (!tally_ledger_step_done (self, burn, error))
    return FALSE;

  row = tally_ledger_stmt (self, STMT_INSERT_BURN);
  sqlite3_bind_int64 (row, 1, lot);
  sqlite3_bind_int64 (row, 2, transfer_seq);
  sqlite3_bind_int64 (row, 3, amount);
  return tally_ledger_step_done (self, row, error);
}

/* --- setting an expiry --- */

/* The first column of @sql's first row, 0 when it has none; @sql takes
 * @n_values numbers, ?1 and on. */
static gboolean
query_int64 (TallyLedger   *self,
             const char    *sql,
             const gint64  *values,
             guint          n_values,
             gint64        *value,
             GError       **error)
{
  sqlite3 *db = tally_ledger_get_db (self);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);
  for (guint i = 0; i < n_values; i++)
    sqlite3_bind_int64 (stmt, (int) i + 1, values[i]);
  rc = sqlite3_step (stmt);
  *value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);
  return TRUE;
}

static gboolean
find_lot_expiry (TallyLedger  *self,
                 gint64        transfer_seq,
                 gint64       *expires_at,
                 GError      **error)
{
  return query_int64 (self, TALLY_SQL_LOT_EXPIRY, &transfer_seq, 1, expires_at, error);
}

static gboolean
has_later_debits (TallyLedger               *self,
                  const TallyStoredTransfer *stored,
                  gboolean                  *later,
                  GError                   **error)
{
  gint64 values[] = { stored->credit_num, stored->transfer.seq };
  gint64 found;

  if (!query_int64 (self, TALLY_SQL_LATER_DEBITS, values, G_N_ELEMENTS (values), &found, error))
    return FALSE;

  *later = found != 0;
  return TRUE;
}

static gboolean
check_lot_transfer (TallyLedger               *self,
                    const TallyStoredTransfer *stored,
                    gint64                     expires_at,
                    GError                   **error)
{
  TallyAccount account;
  gboolean later;

  return tally_ledger_lookup_account (self, stored->transfer.credit_account_id, &account,
                                      error) &&
         has_later_debits (self, stored, &later, error) &&
         tally_ledger_rules_check_lot (stored, &account, later, expires_at, error);
}

gboolean
tally_ledger_set_expiry (TallyLedger  *self,
                         const char   *transfer_id,
                         gint64        expires_at,
                         GError      **error)
{
  TallyStoredTransfer stored;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  guint8 id[16];
  gboolean found, ok;
  gint64 existing;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (transfer_id != NULL, FALSE);

  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;
  if (!g_uuid_string_is_valid (transfer_id))
    return tally_ledger_no_transfer (transfer_id, error);

  tally_uuid_to_bytes (transfer_id, id);
  if (!tally_ledger_find_transfer (self, id, &stored, &found, error))
    return FALSE;
  if (!found)
    return tally_ledger_no_transfer (transfer_id, error);

  if (!find_lot_expiry (self, stored.transfer.seq, &existing, error))
    return FALSE;
  if (existing != 0)
    return tally_ledger_rules_check_same_expiry (transfer_id, existing, expires_at, error);

  if (!check_lot_transfer (self, &stored, expires_at, error))
    return FALSE;

  db = tally_ledger_get_db (self);
  if (sqlite3_prepare_v2 (db, TALLY_SQL_INSERT_LOT, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);
  sqlite3_bind_int64 (stmt, 1, stored.credit_num);
  sqlite3_bind_int64 (stmt, 2, stored.transfer.seq);
  sqlite3_bind_int64 (stmt, 3, stored.transfer.amount);
  sqlite3_bind_int64 (stmt, 4, expires_at);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);

  return ok || tally_ledger_set_sqlite_error (db, error);
}

/* --- reading them --- */

gboolean
tally_ledger_lookup_expiry (TallyLedger  *self,
                            const char   *transfer_id,
                            gint64       *expires_at,
                            GError      **error)
{
  TallyStoredTransfer stored;
  guint8 id[16];
  gboolean found;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  *expires_at = 0;
  if (!g_uuid_string_is_valid (transfer_id))
    return tally_ledger_no_transfer (transfer_id, error);
  tally_uuid_to_bytes (transfer_id, id);
  if (!tally_ledger_find_transfer (self, id, &stored, &found, error))
    return FALSE;
  if (!found)
    return tally_ledger_no_transfer (transfer_id, error);

  return find_lot_expiry (self, stored.transfer.seq, expires_at, error);
}

GArray *
tally_ledger_list_lots (TallyLedger  *self,
                        const char   *account_id,
                        GError      **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GArray) lots = NULL;
  gint64 num;
  int rc;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);

  if (!tally_ledger_account_num (self, account_id, &num, error))
    return NULL;

  db = tally_ledger_get_db (self);
  if (sqlite3_prepare_v2 (db, TALLY_SQL_LIST_LOTS, -1, &stmt, NULL) != SQLITE_OK)
    {
      tally_ledger_set_sqlite_error (db, error);
      return NULL;
    }

  lots = g_array_new (FALSE, TRUE, sizeof (TallyLot));
  sqlite3_bind_int64 (stmt, 1, num);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyLot lot = { 0 };

      if (sqlite3_column_bytes (stmt, 0) == 16)
        tally_uuid_from_bytes (sqlite3_column_blob (stmt, 0), lot.transfer_id);
      lot.amount = sqlite3_column_int64 (stmt, 1);
      lot.remaining = sqlite3_column_int64 (stmt, 2);
      lot.expires_at = sqlite3_column_int64 (stmt, 3);
      g_array_append_val (lots, lot);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (db, error);
      return NULL;
    }

  return g_steal_pointer (&lots);
}
