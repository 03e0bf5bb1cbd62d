/* tally-pg-ledger-lots.c: credits that expire, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-ledger-private.h"

/* The first column of @shared_sql's first row, 0 when it has none. */
static gboolean
query_int64 (TallyPgLedger        *self,
             const char           *shared_sql,
             const TallyPgParams  *params,
             gint64               *value,
             GError              **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (shared_sql);
  g_autoptr(PGresult) res = tally_pg_ledger_run (self, sql, params, error);

  if (res == NULL)
    return FALSE;
  *value = PQntuples (res) > 0 ? tally_pg_ledger_int64 (res, 0, 0) : 0;
  return TRUE;
}

static gboolean
find_lot_expiry (TallyPgLedger  *self,
                 gint64          transfer_seq,
                 gint64         *expires_at,
                 GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, transfer_seq);
  return query_int64 (self, TALLY_SQL_LOT_EXPIRY, &params, expires_at, error);
}

static gboolean
has_later_debits (TallyPgLedger              *self,
                  const TallyStoredTransfer  *stored,
                  gboolean                   *later,
                  GError                    **error)
{
  TallyPgParams params = { 0 };
  gint64 found;

  tally_pg_params_add_int64 (&params, stored->credit_num);
  tally_pg_params_add_int64 (&params, stored->transfer.seq);
  if (!query_int64 (self, TALLY_SQL_LATER_DEBITS, &params, &found, error))
    return FALSE;
  *later = found != 0;
  return TRUE;
}

/* The transfer, or TALLY_LEDGER_ERROR_NOT_FOUND in SQLite's words. */
static gboolean
find_lot_transfer (TallyPgLedger        *self,
                   const char           *transfer_id,
                   TallyStoredTransfer  *stored,
                   GError              **error)
{
  gboolean found;

  if (!tally_pg_ledger_find_transfer (self, transfer_id, stored, &found, error))
    return FALSE;
  return found || tally_ledger_no_transfer (transfer_id, error);
}

static gboolean
insert_lot (TallyPgLedger              *self,
            const TallyStoredTransfer  *stored,
            gint64                      expires_at,
            GError                    **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (TALLY_SQL_INSERT_LOT);
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, stored->credit_num);
  tally_pg_params_add_int64 (&params, stored->transfer.seq);
  tally_pg_params_add_int64 (&params, stored->transfer.amount);
  tally_pg_params_add_int64 (&params, expires_at);
  return tally_pg_ledger_run_command (self, sql, &params, error);
}

static gboolean
set_expiry (TallyPgLedger  *self,
            const char     *transfer_id,
            gint64          expires_at,
            GError        **error)
{
  TallyStoredTransfer stored;
  TallyAccount account;
  gint64 existing;
  gboolean later;

  if (!find_lot_transfer (self, transfer_id, &stored, error) ||
      !find_lot_expiry (self, stored.transfer.seq, &existing, error))
    return FALSE;
  if (existing != 0)
    return tally_ledger_rules_check_same_expiry (transfer_id, existing, expires_at, error);

  return tally_pg_ledger_lookup_account (self, stored.transfer.credit_account_id, &account,
                                         error) &&
         has_later_debits (self, &stored, &later, error) &&
         tally_ledger_rules_check_lot (&stored, &account, later, expires_at, error) &&
         insert_lot (self, &stored, expires_at, error);
}

/* Under the ledger's lock, as a batch (the caller's transaction holds it
 * already when it created the transfer): no debit of another server can
 * slip between the check for later debits and the lot. */
gboolean
tally_pg_ledger_set_expiry (TallyPgLedger  *self,
                            const char     *transfer_id,
                            gint64          expires_at,
                            GError        **error)
{
  const TallyLedgerStoreOps *ops = tally_pg_ledger_ops ();
  gint64 last_seq, last_created_at;
  gboolean nested;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (transfer_id != NULL, FALSE);

  if (!ops->begin (self, &nested, &last_seq, &last_created_at, error))
    return FALSE;
  if (set_expiry (self, transfer_id, expires_at, error))
    return ops->commit (self, nested, error);

  ops->rollback (self, nested);
  return FALSE;
}

gboolean
tally_pg_ledger_lookup_expiry (TallyPgLedger  *self,
                               const char     *transfer_id,
                               gint64         *expires_at,
                               GError        **error)
{
  TallyStoredTransfer stored;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (expires_at != NULL, FALSE);

  *expires_at = 0;
  return find_lot_transfer (self, transfer_id, &stored, error) &&
         find_lot_expiry (self, stored.transfer.seq, expires_at, error);
}

gboolean
tally_pg_ledger_expire_lots (TallyPgLedger  *self,
                             gint64          now,
                             guint          *n_expired,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  return tally_ledger_engine_expire_lots (tally_pg_ledger_ops (), self, now, n_expired, error);
}

GArray *
tally_pg_ledger_list_lots (TallyPgLedger  *self,
                           const char     *account_id,
                           GError        **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (TALLY_SQL_LIST_LOTS);
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *lots;
  gint64 num;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);

  if (!tally_pg_ledger_account_num (self, account_id, &num, error))
    return NULL;

  tally_pg_params_add_int64 (&params, num);
  res = tally_pg_ledger_run (self, sql, &params, error);
  if (res == NULL)
    return NULL;

  lots = g_array_new (FALSE, TRUE, sizeof (TallyLot));
  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyLot lot = { 0 };

      tally_pg_copy_text (res, row, 0, lot.transfer_id, sizeof lot.transfer_id);
      lot.amount = tally_pg_ledger_int64 (res, row, 1);
      lot.remaining = tally_pg_ledger_int64 (res, row, 2);
      lot.expires_at = tally_pg_ledger_int64 (res, row, 3);
      g_array_append_val (lots, lot);
    }
  return lots;
}
