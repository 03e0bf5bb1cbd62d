/* tally-pg-ledger-queries.c: reading the ledger on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same reads as tally-ledger-queries.c, by the same SQL
 * (tally-ledger-shared.h) where the dialects agree. Times become seqs
 * through the transfers_by_time index instead of SQLite's binary search.
 */

#include "config.h"

#include <string.h>

#include "tally-pg-ledger-private.h"

gint64
tally_pg_ledger_first_seq_at (gpointer   store,
                              gint64     time,
                              GError   **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, time);
  res = tally_pg_ledger_run (store, "SELECT COALESCE ((SELECT seq FROM transfers "
                             "WHERE created_at >= $1 ORDER BY created_at, seq LIMIT 1), "
                             "(SELECT COALESCE (max (seq), 0) + 1 FROM transfers))",
                             &params, error);
  return res != NULL ? tally_pg_ledger_int64 (res, 0, 0) : -1;
}

static GArray *
read_transfers (PGresult  *res,
                GError   **error)
{
  g_autoptr(GArray) transfers = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));

  if (res == NULL)
    return NULL;

  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyStoredTransfer stored;

      if (!tally_pg_ledger_read_transfer (res, row, &stored, error))
        return NULL;
      g_array_append_val (transfers, stored.transfer);
    }
  return g_steal_pointer (&transfers);
}

GArray *
tally_pg_ledger_transfers_since (TallyPgLedger  *self,
                                 gint64          after_seq,
                                 guint           limit,
                                 GError        **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (TALLY_SQL_TRANSFERS_SINCE);
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);

  if (limit == 0)
    return g_array_new (FALSE, FALSE, sizeof (TallyTransfer));

  tally_pg_params_add_int64 (&params, after_seq);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_ledger_run (self, sql, &params, error);
  return read_transfers (res, error);
}

/* The numbers of the accounts that exist, as text parameters; an unknown
 * or malformed id has no transfers, as on SQLite. */
static gboolean
account_params (TallyPgLedger       *self,
                const char * const  *account_ids,
                GPtrArray           *values,
                GError             **error)
{
  for (guint i = 0; account_ids[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 num;

      if (tally_pg_ledger_account_num (self, account_ids[i], &num, &local_error))
        g_ptr_array_add (values, g_strdup_printf ("%" G_GINT64_FORMAT, num));
      else if (!g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

GArray *
tally_pg_ledger_transfers_after (TallyPgLedger       *self,
                                 const char * const  *account_ids,
                                 gint64               after_seq,
                                 guint                limit,
                                 GError             **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *shared = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(PGresult) res = NULL;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);
  g_return_val_if_fail (account_ids != NULL, NULL);

  g_ptr_array_add (values, g_strdup_printf ("%" G_GINT64_FORMAT, after_seq));
  g_ptr_array_add (values, g_strdup_printf ("%u", limit));
  if (!account_params (self, account_ids, values, error))
    return NULL;
  if (values->len == 2 || limit == 0)
    return g_array_new (FALSE, FALSE, sizeof (TallyTransfer));

  shared = tally_ledger_transfers_after_sql (values->len - 2);
  sql = tally_pg_ledger_sql (shared);
  res = tally_pg_exec (tally_pg_ledger_get_pg (self), sql, (int) values->len,
                       (const char * const *) values->pdata, error);
  return read_transfers (res, error);
}

/* --- statements --- */

static void
read_item (const PGresult     *res,
           int                 row,
           TallyStatementItem *item)
{
  memset (item, 0, sizeof *item);
  item->seq = tally_pg_ledger_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, item->id, sizeof item->id);
  item->kind = (TallyTransferKind) tally_pg_ledger_int64 (res, row, 2);
  item->units = tally_pg_ledger_int64 (res, row, 5);
  tally_pg_copy_text (res, row, 6, item->tool_id, sizeof item->tool_id);
  tally_pg_copy_text (res, row, 7, item->ref, sizeof item->ref);
  tally_pg_copy_text (res, row, 8, item->description, sizeof item->description);
  item->created_at = tally_pg_ledger_int64 (res, row, 9);
  tally_pg_copy_text (res, row, 14, item->counterparty_id, sizeof item->counterparty_id);
  tally_ledger_item_set_amount (item, tally_pg_ledger_int64 (res, row, 10) != 0,
                                (TallyTransferFlags) tally_pg_ledger_int64 (res, row, 3),
                                tally_pg_ledger_int64 (res, row, 4),
                                (TallyPendingState) tally_pg_ledger_int64 (res, row, 11),
                                tally_pg_ledger_int64 (res, row, 12),
                                tally_pg_ledger_int64 (res, row, 13));
}

static PGresult *
run_statement (TallyPgLedger              *self,
               const TallyStatementQuery  *query,
               gint64                      account_num,
               guint                       limit,
               GError                    **error)
{
  g_autofree char *shared = tally_ledger_statement_sql (query, TALLY_SQL_POSTGRES);
  g_autofree char *sql = tally_pg_ledger_sql (shared);
  g_autofree char *pattern = NULL;
  TallyPgParams params = { 0 };
  int tool_param, search_param;
  gint64 from, to;

  if (!tally_ledger_statement_range (query, tally_pg_ledger_first_seq_at, self, &from, &to,
                                     error))
    return NULL;

  tally_ledger_statement_params (query, &tool_param, &search_param);
  tally_pg_params_add_int64 (&params, account_num);
  tally_pg_params_add_int64 (&params, to);
  tally_pg_params_add_int64 (&params, from);
  tally_pg_params_add_int64 (&params, limit);
  if (tool_param > 0)
    tally_pg_params_add_text (&params, query->tool_id);
  if (search_param > 0)
    {
      pattern = tally_ledger_like_pattern (query->search);
      tally_pg_params_add_text (&params, pattern);
    }
  return tally_pg_ledger_run (self, sql, &params, error);
}

GArray *
tally_pg_ledger_query_statement (TallyPgLedger              *self,
                                 const TallyStatementQuery  *query,
                                 gint64                     *next_before_seq,
                                 GError                    **error)
{
  g_autoptr(PGresult) res = NULL;
  GArray *items;
  gint64 account_num;
  guint limit;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  limit = tally_ledger_statement_limit (query);
  if (next_before_seq != NULL)
    *next_before_seq = 0;

  if (!tally_pg_ledger_account_num (self, query->account_id, &account_num, error))
    return NULL;
  if (!tally_ledger_statement_selects_any_kind (query))
    return g_array_new (FALSE, FALSE, sizeof (TallyStatementItem));

  /* One more than asked tells whether there is a next page. */
  res = run_statement (self, query, account_num, limit + 1, error);
  if (res == NULL)
    return NULL;

  items = g_array_sized_new (FALSE, FALSE, sizeof (TallyStatementItem), PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyStatementItem item;

      read_item (res, row, &item);
      g_array_append_val (items, item);
    }
  tally_ledger_statement_page (items, limit, next_before_seq);
  return items;
}

/* --- what accounts spent --- */

GArray *
tally_pg_ledger_recent_run_costs (TallyPgLedger  *self,
                                  const char     *account_id,
                                  const char     *tool_id,
                                  guint           limit,
                                  GError        **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (TALLY_SQL_RECENT_RUN_COSTS);
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *costs;
  gint64 num;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);
  g_return_val_if_fail (tool_id != NULL, NULL);

  if (!tally_pg_ledger_account_num (self, account_id, &num, error))
    return NULL;

  tally_pg_params_add_int64 (&params, num);
  tally_pg_params_add_text (&params, tool_id);
  tally_pg_params_add_int64 (&params, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_ledger_run (self, sql, &params, error);
  if (res == NULL)
    return NULL;

  costs = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (int row = 0; row < PQntuples (res); row++)
    {
      gint64 cost = tally_pg_ledger_int64 (res, row, 0);

      g_array_append_val (costs, cost);
    }
  return costs;
}

typedef struct
{
  TallyPgLedger *self;
  gint64         num;
  GArray        *totals;
  gint64         spent;
} Window;

/* Three parameters, the account and a range, to one statement. */
static PGresult *
exec_range (Window      *window,
            const char  *shared_sql,
            gint64       from,
            gint64       to,
            GError     **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (shared_sql);
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, window->num);
  tally_pg_params_add_int64 (&params, from);
  tally_pg_params_add_int64 (&params, to);
  return tally_pg_ledger_run (window->self, sql, &params, error);
}

static gboolean
posted_part (gpointer   data,
             gint64     from,
             gint64     to,
             gboolean   hours,
             GError   **error)
{
  Window *window = data;
  g_autoptr(PGresult) res = NULL;

  if (!hours && !tally_ledger_seq_range (tally_pg_ledger_first_seq_at, window->self, from, to,
                                         &from, &to, error))
    return FALSE;
  if (from >= to)
    return TRUE;

  res = exec_range (window, hours ? TALLY_SQL_POSTED_HOURS : TALLY_SQL_POSTED_ITEMS, from, to,
                    error);
  if (res == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyPostedTotal total = { 0 };

      total.kind = (TallyTransferKind) tally_pg_ledger_int64 (res, row, 0);
      tally_pg_copy_text (res, row, 1, total.tool_id, sizeof total.tool_id);
      total.amount = tally_pg_ledger_int64 (res, row, 2);
      total.items = tally_pg_ledger_int64 (res, row, 3);
      tally_ledger_add_posted_total (window->totals, &total);
    }
  return TRUE;
}

GArray *
tally_pg_ledger_posted_totals (TallyPgLedger  *self,
                               const char     *account_id,
                               gint64          since,
                               gint64          until,
                               GError        **error)
{
  g_autoptr(GArray) totals = g_array_new (FALSE, FALSE, sizeof (TallyPostedTotal));
  Window window = { self, 0, totals, 0 };

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);
  g_return_val_if_fail (since >= 0 && until >= 0, NULL);

  if (!tally_pg_ledger_account_num (self, account_id, &window.num, error) ||
      !tally_ledger_split_window (since, until, posted_part, &window, error))
    return NULL;

  return g_steal_pointer (&totals);
}

/* What ?1 spent in the hours of seqs [?3, ?4) beyond what posted_hours
 * says of kind ?2: posted_hours nets what the account was credited of
 * that kind against what it was debited, and has no holds still open.
 * Both are few rows: an account is seldom credited for consumption, and
 * holds are settled within minutes (the pending_open index). */
#define HOURS_CORRECTION \
  "SELECT COALESCE (SUM (CASE WHEN t.credit_account = ?1 THEN " \
  "  CASE WHEN (t.flags & 2) = 0 THEN t.amount WHEN p.state = 1 THEN s.amount ELSE 0 END " \
  "  ELSE t.amount END), 0) " TALLY_SQL_WITH_SETTLEMENT \
  "WHERE t.seq IN (SELECT seq FROM transfers WHERE credit_account = ?1 AND kind = ?2 " \
  "  AND seq >= ?3 AND seq < ?4 " \
  "  UNION ALL SELECT o.seq FROM pending o JOIN transfers h ON h.seq = o.seq " \
  "  WHERE o.state = 0 AND o.seq >= ?3 AND o.seq < ?4 AND h.debit_account = ?1 " \
  "  AND h.kind = ?2) " \
  "AND (t.flags & 12) = 0"

/* Runs @shared_sql on the account, kind consumption and [@from, @to),
 * adding its one value, times @sign, to what the window spent. */
static gboolean
add_spent (Window      *window,
           const char  *shared_sql,
           gint64       from,
           gint64       to,
           gint64       sign,
           GError     **error)
{
  g_autofree char *sql = tally_pg_ledger_sql (shared_sql);
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, window->num);
  tally_pg_params_add_int64 (&params, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_pg_params_add_int64 (&params, from);
  tally_pg_params_add_int64 (&params, to);
  res = tally_pg_ledger_run (window->self, sql, &params, error);
  if (res == NULL)
    return FALSE;
  window->spent += sign * tally_pg_ledger_int64 (res, 0, 0);
  return TRUE;
}

static gboolean
consumption_part (gpointer   data,
                  gint64     from,
                  gint64     to,
                  gboolean   hours,
                  GError   **error)
{
  Window *window = data;
  gint64 first, last;

  if (!tally_ledger_seq_range (tally_pg_ledger_first_seq_at, window->self,
                               hours ? from * TALLY_USEC_PER_HOUR : from,
                               hours ? to * TALLY_USEC_PER_HOUR : to, &first, &last, error))
    return FALSE;
  if (!hours)
    return first >= last || add_spent (window, TALLY_SQL_SUM_CONSUMPTION, first, last, 1, error);

  return add_spent (window, "SELECT COALESCE (SUM (amount), 0) FROM posted_hours "
                    "WHERE account = ?1 AND kind = ?2 AND hour >= ?3 AND hour < ?4",
                    from, to, -1, error) &&
         (first >= last || add_spent (window, HOURS_CORRECTION, first, last, 1, error));
}

/* SQLite keeps each window's sum between calls
 * (tally_ledger_keep_window_sums()), true because one process writes its
 * file and sees every commit. Here other servers commit too, unseen, so a
 * kept sum could miss their runs and let a spend cap be passed: every call
 * reads the tables instead, the whole hours from posted_hours and only the
 * edges and the open holds from the transfers, so a month costs about
 * what a day does. */
gboolean
tally_pg_ledger_sum_consumption (TallyPgLedger  *self,
                                 const char     *account_id,
                                 gint64          since,
                                 gint64          until,
                                 gint64         *spent,
                                 GError        **error)
{
  Window window = { self, 0, NULL, 0 };

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (spent != NULL, FALSE);

  /* As on SQLite: no start before the first transfer, no end at 0. */
  *spent = 0;
  if (!tally_pg_ledger_account_num (self, account_id, &window.num, error) ||
      !tally_ledger_split_window (MAX (since, 0), until > 0 ? until : G_MAXINT64,
                                  consumption_part, &window, error))
    return FALSE;

  *spent = window.spent;
  return TRUE;
}
