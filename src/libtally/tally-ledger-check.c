/* tally-ledger-check.c: the invariants of docs/ledger.md, over a whole file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-ledger-private.h"

/* An invariant that does not hold. */
#define broken(error, ...) \
  tally_ledger_fail ((error), TALLY_LEDGER_ERROR_INVARIANT, __VA_ARGS__)

/* Runs a query whose first row's first column must be 0. */
static gboolean
expect_zero (TallyLedger  *self,
             const char   *sql,
             const char   *what,
             GError      **error)
{
  gint64 value;

  if (!tally_ledger_query_int64 (tally_ledger_get_db (self), sql, &value, error))
    return FALSE;
  if (value != 0)
    return broken (error, "%s (%" G_GINT64_FORMAT " found)", what, value);

  return TRUE;
}

static gboolean
check_account_row (sqlite3_stmt       *stmt,
                   TallyLedgerTotals  *totals,
                   GError            **error)
{
  char id[TALLY_UUID_LEN] = "";
  gint64 stored[4], recomputed[4];

  if (sqlite3_column_bytes (stmt, 0) == 16)
    tally_uuid_from_bytes (sqlite3_column_blob (stmt, 0), id);
  for (guint c = 0; c < 4; c++)
    {
      stored[c] = sqlite3_column_int64 (stmt, 2 + c);
      recomputed[c] = sqlite3_column_int64 (stmt, 6 + c);
    }

  return tally_ledger_check_account_columns (id, sqlite3_column_int (stmt, 1), stored, recomputed,
                                             totals, error);
}

static gboolean
check_accounts (TallyLedger  *self,
                GError      **error)
{
  sqlite3 *db = tally_ledger_get_db (self);
  sqlite3_stmt *stmt = NULL;
  TallyLedgerTotals totals = { 0 };
  gboolean ok = TRUE;
  int rc;

  if (sqlite3_prepare_v2 (db, TALLY_LEDGER_RECOMPUTED_COLUMNS, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ok = check_account_row (stmt, &totals, error);
  sqlite3_finalize (stmt);

  if (!ok)
    return FALSE;
  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);

  return tally_ledger_check_totals (&totals, error);
}

/**
 * tally_ledger_check:
 * @self: a #TallyLedger
 * @error: return location for a #GError
 *
 * Verifies the file's integrity and every invariant of the ledger. On a
 * mirror, seq may have gaps; all else is checked the same.
 *
 * Returns: %TRUE when all hold; otherwise the first broken one is
 *   described in a %TALLY_LEDGER_ERROR_INVARIANT error
 */
gboolean
tally_ledger_check (TallyLedger  *self,
                    GError      **error)
{
  const TallyLedgerInvariant *invariants;
  TallyCheckScope skipped;
  guint n;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (!expect_zero (self, "SELECT count(*) FROM pragma_quick_check WHERE quick_check != 'ok'",
                    "SQLite's integrity check failed", error))
    return FALSE;

  skipped = tally_ledger_is_mirror (self) ? TALLY_CHECK_ORIGIN_ONLY : TALLY_CHECK_MIRROR_ONLY;
  invariants = tally_ledger_invariants (&n);
  for (guint i = 0; i < n; i++)
    {
      if (invariants[i].scope == skipped)
        continue;
      if (!expect_zero (self, invariants[i].sql, invariants[i].what, error))
        return FALSE;
    }

  return check_accounts (self, error);
}
