/* tally-ledger-sums.c: what an account spent in a window, kept between calls
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A spend cap is checked on every authorization, and summing the window's
 * transfers each time costs what the account ran that day or month: at
 * thousands of runs a day, most of the authorization. So a ledger may keep
 * each window's sum as of a committed seq, and add to it only what the
 * rows after that seq change.
 *
 * Committed rows never change or go away (transfers are appended, never
 * updated; a rollback only takes rows after the last commit), so a sum up
 * to a committed seq stays true. Rows after it may still be rolled back:
 * they are read on every call and never kept. The sum is built from the
 * rows alone, not from a hold's current state, which a later post or void
 * changes: a hold adds its amount, its post replaces that amount by the
 * posted one, its void (or expiry) takes it back.
 */

#include "config.h"

#include "tally-ledger-private.h"

typedef struct
{
  /* The sum over the rows up to @through, a committed seq. */
  gint64 through;
  gint64 spent;
} WindowSum;

struct _TallyWindowSums
{
  /* "account num:since:until" → WindowSum */
  GHashTable *sums;
  guint       max_windows;
  /* Every row up to it is committed. */
  gint64      committed_seq;
};

void
tally_window_sums_free (TallyWindowSums *sums)
{
  g_hash_table_unref (sums->sums);
  g_free (sums);
}

void
tally_ledger_keep_window_sums (TallyLedger *self,
                               guint        max_windows)
{
  TallyWindowSums **slot;

  g_return_if_fail (TALLY_IS_LEDGER (self));
  g_return_if_fail (max_windows > 0);

  slot = tally_ledger_window_sums_slot (self);
  g_clear_pointer (slot, tally_window_sums_free);
  *slot = g_new0 (TallyWindowSums, 1);
  (*slot)->sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  (*slot)->max_windows = max_windows;
}

void
tally_window_sums_note_commit (TallyLedger *self)
{
  TallyWindowSums *sums = *tally_ledger_window_sums_slot (self);

  if (sums != NULL)
    sums->committed_seq = MAX (sums->committed_seq, tally_ledger_get_last_seq (self));
}

/* What the account's rows in (@after, @through] change in the window's
 * sum. */
static gboolean
window_events (TallyLedger  *self,
               gint64        account_num,
               gint64        since,
               gint64        until,
               gint64        after,
               gint64        through,
               gint64       *delta,
               GError      **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_WINDOW_EVENTS);
  int rc;

  sqlite3_bind_int64 (stmt, 1, account_num);
  sqlite3_bind_int (stmt, 2, TALLY_TRANSFER_KIND_CONSUMPTION);
  sqlite3_bind_int64 (stmt, 3, since);
  sqlite3_bind_int64 (stmt, 4, until > 0 ? until : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 5, after);
  sqlite3_bind_int64 (stmt, 6, through);
  rc = sqlite3_step (stmt);
  *delta = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

/* The kept sum of the window, brought up to the last committed seq. */
static WindowSum *
kept_sum (TallyLedger     *self,
          TallyWindowSums *sums,
          gint64           account_num,
          gint64           since,
          gint64           until,
          GError         **error)
{
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%"
                                          G_GINT64_FORMAT, account_num, since, until);
  WindowSum *sum = g_hash_table_lookup (sums->sums, key);
  gint64 delta;

  if (sum == NULL)
    {
      gint64 first = since > 0 ? tally_ledger_first_seq_at (self, since, error) : 1;

      if (first < 0)
        return NULL;
      /* Old windows are not worth a sweep: when full, start again. */
      if (g_hash_table_size (sums->sums) >= sums->max_windows)
        g_hash_table_remove_all (sums->sums);
      sum = g_new0 (WindowSum, 1);
      /* Nothing before the window's first row counts. */
      sum->through = MIN (first - 1, sums->committed_seq);
      g_hash_table_insert (sums->sums, g_steal_pointer (&key), sum);
    }

  if (sum->through < sums->committed_seq)
    {
      if (!window_events (self, account_num, since, until, sum->through, sums->committed_seq,
                          &delta, error))
        return NULL;
      sum->spent += delta;
      sum->through = sums->committed_seq;
    }

  return sum;
}

gboolean
tally_ledger_sum_consumption (TallyLedger  *self,
                              const char   *account_id,
                              gint64        since,
                              gint64        until,
                              gint64       *spent,
                              GError      **error)
{
  TallyWindowSums *sums;
  WindowSum *sum;
  gint64 account_num, uncommitted;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (spent != NULL, FALSE);

  sums = *tally_ledger_window_sums_slot (self);
  if (sums == NULL)
    return tally_ledger_sum_consumption_scan (self, account_id, since, until, spent, error);

  *spent = 0;
  /* Outside a transaction everything there is, is committed. */
  if (!tally_ledger_in_transaction (self))
    tally_window_sums_note_commit (self);
  if (!tally_ledger_account_num (self, account_id, &account_num, error))
    return FALSE;

  sum = kept_sum (self, sums, account_num, since, until, error);
  if (sum == NULL ||
      !window_events (self, account_num, since, until, sum->through, G_MAXINT64, &uncommitted,
                      error))
    return FALSE;

  *spent = sum->spent + uncommitted;
  return TRUE;
}
