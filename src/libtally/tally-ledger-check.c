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

/* What each account's columns must be, recomputed from its transfers.
 * Every amount is positive, so no partial sum exceeds the stored column:
 * SQLite's SUM cannot overflow on a ledger that is right. */
#define RECOMPUTED_COLUMNS \
  "SELECT a.id, a.flags, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t JOIN pending p ON p.seq = t.seq " \
  "   WHERE t.debit_account = a.num AND p.state = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t " \
  "   WHERE t.debit_account = a.num AND (t.flags & 10) = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t JOIN pending p ON p.seq = t.seq " \
  "   WHERE t.credit_account = a.num AND p.state = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t " \
  "   WHERE t.credit_account = a.num AND (t.flags & 10) = 0) " \
  "FROM accounts a ORDER BY a.num"

typedef struct
{
  __int128 debits_pending;
  __int128 debits_posted;
  __int128 credits_pending;
  __int128 credits_posted;
} Totals;

static gboolean
check_account_row (sqlite3_stmt  *stmt,
                   Totals        *totals,
                   GError       **error)
{
  static const char * const columns[] = {
    "debits_pending", "debits_posted", "credits_pending", "credits_posted"
  };
  char id[TALLY_UUID_LEN] = "";
  gint64 stored[4], recomputed[4];
  TallyAccountFlags flags = sqlite3_column_int (stmt, 1);

  if (sqlite3_column_bytes (stmt, 0) == 16)
    tally_uuid_from_bytes (sqlite3_column_blob (stmt, 0), id);

  for (guint c = 0; c < 4; c++)
    {
      stored[c] = sqlite3_column_int64 (stmt, 2 + c);
      recomputed[c] = sqlite3_column_int64 (stmt, 6 + c);
      if (stored[c] < 0)
        return broken (error, "Account %s has a negative %s", id, columns[c]);
      if (stored[c] != recomputed[c])
        return broken (error, "Account %s has %s %" G_GINT64_FORMAT " but its transfers add up "
                       "to %" G_GINT64_FORMAT, id, columns[c], stored[c], recomputed[c]);
    }

  if ((flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS) &&
      (__int128) stored[0] + stored[1] > stored[3])
    return broken (error, "Account %s has debits above its credits although its flag forbids it",
                   id);
  if ((flags & TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS) &&
      (__int128) stored[2] + stored[3] > stored[1])
    return broken (error, "Account %s has credits above its debits although its flag forbids it",
                   id);

  totals->debits_pending += stored[0];
  totals->debits_posted += stored[1];
  totals->credits_pending += stored[2];
  totals->credits_posted += stored[3];
  return TRUE;
}

static gboolean
check_accounts (TallyLedger  *self,
                GError      **error)
{
  sqlite3 *db = tally_ledger_get_db (self);
  sqlite3_stmt *stmt = NULL;
  Totals totals = { 0 };
  gboolean ok = TRUE;
  int rc;

  if (sqlite3_prepare_v2 (db, RECOMPUTED_COLUMNS, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ok = check_account_row (stmt, &totals, error);
  sqlite3_finalize (stmt);

  if (!ok)
    return FALSE;
  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);

  if (totals.debits_posted != totals.credits_posted)
    return broken (error, "All posted debits do not equal all posted credits");
  if (totals.debits_pending != totals.credits_pending)
    return broken (error, "All pending debits do not equal all pending credits");

  return TRUE;
}

/* A mirror holds some accounts' transfers of its origin, with the
 * origin's seq: its sequence has gaps, and every other invariant holds. */
typedef enum
{
  CHECK_ALWAYS,
  CHECK_ORIGIN_ONLY,
  CHECK_MIRROR_ONLY,
} CheckScope;

static const struct
{
  const char *sql;
  const char *what;
  CheckScope  scope;
} structural_checks[] = {
  { "SELECT CASE WHEN count(*) = 0 THEN 0 ELSE max(seq) - count(*) + min(seq) - 1 END "
    "FROM transfers",
    "The transfer sequence has gaps or does not start at 1", CHECK_ORIGIN_ONLY },
  { "SELECT count(*) FROM transfers a JOIN transfers b ON b.seq = a.seq + 1 "
    "WHERE b.created_at < a.created_at",
    "A transfer is older than the one before it", CHECK_ORIGIN_ONLY },
  { "SELECT count(*) FROM (SELECT created_at, lag (created_at) OVER (ORDER BY seq) AS previous "
    "FROM transfers) WHERE created_at < previous",
    "A transfer is older than the one before it", CHECK_MIRROR_ONLY },
  { "SELECT count(*) - count(DISTINCT id) FROM transfers",
    "A transfer id is present more than once", CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers t LEFT JOIN pending p ON p.seq = t.seq "
    "WHERE (t.flags & 2) != 0 AND p.seq IS NULL",
    "A pending transfer has no state", CHECK_ALWAYS },
  { "SELECT count(*) FROM pending p LEFT JOIN transfers t ON t.seq = p.seq "
    "WHERE t.seq IS NULL OR (t.flags & 2) = 0",
    "A pending state belongs to no pending transfer", CHECK_ALWAYS },
  { "SELECT count(*) FROM pending WHERE (state = 0) != (settled_by IS NULL)",
    "A pending transfer's state and its settlement disagree", CHECK_ALWAYS },
  { "SELECT count(*) FROM pending p LEFT JOIN transfers s ON s.seq = p.settled_by "
    "WHERE p.state != 0 AND (s.seq IS NULL OR s.pending_seq IS NOT p.seq "
    "  OR (p.state = 1) != ((s.flags & 4) != 0))",
    "A settled pending transfer is not settled by a matching post or void", CHECK_ALWAYS },
  { "SELECT count(*) FROM (SELECT pending_seq FROM transfers WHERE pending_seq IS NOT NULL "
    "GROUP BY pending_seq HAVING count(*) > 1)",
    "A pending transfer was settled more than once", CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers s JOIN pending p ON p.seq = s.pending_seq "
    "WHERE p.settled_by IS NOT s.seq",
    "A post or void is not the one its pending transfer records", CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers s JOIN transfers t ON t.seq = s.pending_seq "
    "WHERE s.amount > t.amount OR s.debit_account != t.debit_account "
    "  OR s.credit_account != t.credit_account",
    "A post or void does not match its pending transfer", CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers WHERE amount < 0 OR (amount = 0 AND (flags & 8) = 0) "
    "OR units < 0 OR debit_account = credit_account",
    "A transfer has an impossible amount or accounts", CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers t LEFT JOIN accounts d ON d.num = t.debit_account "
    "LEFT JOIN accounts c ON c.num = t.credit_account WHERE d.num IS NULL OR c.num IS NULL",
    "A transfer names an account that does not exist", CHECK_ALWAYS },
  /* Lots (docs/ledger.md, "Lots and expiry"); a mirror keeps none. */
  { "SELECT count(*) FROM lots l LEFT JOIN transfers t ON t.seq = l.transfer_seq "
    "LEFT JOIN accounts a ON a.num = l.account "
    "WHERE t.seq IS NULL OR a.num IS NULL OR t.credit_account != l.account "
    "  OR t.amount != l.amount OR (t.flags & 14) != 0 OR (a.flags & 1) = 0",
    "A lot does not match the transfer that brought its credits", CHECK_ALWAYS },
  { "SELECT count(*) FROM lots l LEFT JOIN (SELECT lot, SUM (amount) AS burned FROM lot_burns "
    "GROUP BY lot) b ON b.lot = l.num WHERE l.remaining != l.amount - COALESCE (b.burned, 0)",
    "A lot's credits left are not its amount less what was burned from it", CHECK_ALWAYS },
  { "SELECT count(*) FROM lot_burns b LEFT JOIN lots l ON l.num = b.lot "
    "LEFT JOIN transfers t ON t.seq = b.transfer_seq "
    "WHERE l.num IS NULL OR t.seq IS NULL OR t.debit_account != l.account "
    "  OR (t.flags & 10) != 0 OR t.seq < l.transfer_seq",
    "A lot was burned by something other than a later posted debit of its account",
    CHECK_ALWAYS },
  { "SELECT count(*) FROM (SELECT b.transfer_seq, SUM (b.amount) AS burned FROM lot_burns b "
    "GROUP BY b.transfer_seq) s JOIN transfers t ON t.seq = s.transfer_seq "
    "WHERE s.burned > t.amount",
    "A debit burned more of its account's lots than it took", CHECK_ALWAYS },
  { "SELECT count(*) FROM lots l LEFT JOIN transfers t ON t.seq = l.expired_by "
    "WHERE l.expired_by IS NOT NULL AND (l.closed = 0 OR t.seq IS NULL OR t.kind != 5 "
    "  OR t.debit_account != l.account "
    "  OR NOT EXISTS (SELECT 1 FROM lot_burns b WHERE b.lot = l.num "
    "    AND b.transfer_seq = t.seq AND b.amount = t.amount))",
    "A lot's expiry is not an expiry transfer that took its credits", CHECK_ALWAYS },
  { "SELECT count(*) - count(DISTINCT expired_by) FROM lots WHERE expired_by IS NOT NULL",
    "One expiry transfer closed more than one lot", CHECK_ALWAYS },
  /* Usage reads these totals (schema 2): each one what its transfers add
   * up to, and none without them. */
  { "SELECT count(*) FROM posted_hours h FULL JOIN (" TALLY_POSTED_HOURS_FROM_TRANSFERS ") r "
    "ON r.account = h.account AND r.kind = h.kind AND r.hour = h.hour AND r.tool_id = h.tool_id "
    "WHERE h.account IS NULL OR r.account IS NULL OR h.amount != r.total OR h.items != r.n",
    "The hourly usage totals do not match the transfers", CHECK_ALWAYS },
  { "SELECT count(*) FROM accounts a JOIN (SELECT account, SUM (remaining) AS open "
    "FROM lots WHERE closed = 0 GROUP BY account) o ON o.account = a.num "
    "WHERE o.open > a.credits_posted - a.debits_posted",
    "An account's credits yet to expire exceed its balance", CHECK_ALWAYS },
};

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
  CheckScope skipped;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (!expect_zero (self, "SELECT count(*) FROM pragma_quick_check WHERE quick_check != 'ok'",
                    "SQLite's integrity check failed", error))
    return FALSE;

  skipped = tally_ledger_is_mirror (self) ? CHECK_ORIGIN_ONLY : CHECK_MIRROR_ONLY;
  for (guint i = 0; i < G_N_ELEMENTS (structural_checks); i++)
    {
      if (structural_checks[i].scope == skipped)
        continue;
      if (!expect_zero (self, structural_checks[i].sql, structural_checks[i].what, error))
        return FALSE;
    }

  return check_accounts (self, error);
}
