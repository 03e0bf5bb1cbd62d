/* tally-ledger-events.c: what changed since a reader last looked
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-ledger-private.h"

/**
 * tally_ledger_transfers_since:
 * @self: a #TallyLedger
 * @after_seq: the last seq the caller has seen
 * @limit: the most to return
 * @error: return location for a #GError
 *
 * Every transfer after @after_seq, whatever its accounts, in seq order: a
 * range of the primary key, so a reader that keeps up after each commit
 * (e.g. the server pushing live balances) pays for the new rows only.
 *
 * Returns: (transfer full) (element-type TallyTransfer): the transfers, or
 *   %NULL on error
 */
GArray *
tally_ledger_transfers_since (TallyLedger  *self,
                              gint64        after_seq,
                              guint         limit,
                              GError      **error)
{
  g_autoptr(GArray) transfers = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);

  if (limit == 0)
    return g_steal_pointer (&transfers);

  db = tally_ledger_get_db (self);
  if (sqlite3_prepare_v2 (db, "SELECT " TRANSFER_COLUMNS TRANSFER_FROM
                          "WHERE t.seq > ? ORDER BY t.seq LIMIT ?", -1, &stmt, NULL) != SQLITE_OK)
    {
      tally_ledger_set_sqlite_error (db, error);
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyStoredTransfer stored;

      if (!tally_ledger_read_transfer_row (self, stmt, &stored, error))
        {
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_array_append_val (transfers, stored.transfer);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (db, error);
      return NULL;
    }

  return g_steal_pointer (&transfers);
}
