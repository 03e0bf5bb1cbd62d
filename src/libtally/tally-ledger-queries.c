/* tally-ledger-queries.c: reading the ledger
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"
#include "tally-ledger-shared.h"

#define FLAGS_SETTLEMENT (TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)

static sqlite3_stmt *
prepare (TallyLedger  *self,
         const char   *sql,
         GError      **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tally_ledger_get_db (self), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
      return NULL;
    }

  return stmt;
}

static gboolean
not_found (GError     **error,
           const char  *what,
           const char  *id)
{
  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND,
               "No %s “%s”", what, id ? id : "(null)");
  return FALSE;
}

/**
 * tally_ledger_lookup_transfer:
 * @self: a #TallyLedger
 * @id: the transfer's UUID
 * @transfer: (out caller-allocates): filled with the transfer
 * @error: return location for a #GError
 *
 * Returns: %TRUE if found; %TALLY_LEDGER_ERROR_NOT_FOUND otherwise
 */
gboolean
tally_ledger_lookup_transfer (TallyLedger    *self,
                              const char     *id,
                              TallyTransfer  *transfer,
                              GError        **error)
{
  TallyStoredTransfer stored;
  guint8 bytes[16];
  gboolean found;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (transfer != NULL, FALSE);

  if (!tally_uuid_to_bytes (id, bytes))
    return not_found (error, "transfer", id);
  if (!tally_ledger_find_transfer (self, bytes, &stored, &found, error))
    return FALSE;
  if (!found)
    return not_found (error, "transfer", id);

  *transfer = stored.transfer;
  return TRUE;
}

gboolean
tally_ledger_lookup_pending_state (TallyLedger        *self,
                                   const char         *pending_id,
                                   TallyPendingState  *state,
                                   GError            **error)
{
  TallyStoredTransfer stored;
  TallyPendingRow row;
  guint8 bytes[16];
  gboolean found;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (!tally_uuid_to_bytes (pending_id, bytes))
    return not_found (error, "pending transfer", pending_id);
  if (!tally_ledger_find_transfer (self, bytes, &stored, &found, error))
    return FALSE;
  if (found && !tally_ledger_find_pending_row (self, stored.transfer.seq, &row, &found, error))
    return FALSE;
  if (!found)
    return not_found (error, "pending transfer", pending_id);

  *state = row.state;
  return TRUE;
}

gint64
tally_ledger_get_last_seq (TallyLedger *self)
{
  sqlite3_stmt *stmt;
  gint64 seq = 0;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), 0);

  stmt = tally_ledger_stmt (self, STMT_LAST_TRANSFER);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return seq;
}

/* The created_at of the first transfer at or after @seq; FALSE in @found
 * past the last one. */
static gboolean
created_at_from (TallyLedger  *self,
                 gint64        seq,
                 gint64       *created_at,
                 gboolean     *found,
                 GError      **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_CREATED_AT_BY_SEQ);
  int rc;

  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    *created_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);

  return TRUE;
}

/* The first seq created at or after @time, or last + 1 when none is.
 * created_at never decreases along seq, so a binary search over the
 * primary key answers without a time index. A seq that is missing (a
 * mirror's sequence has gaps) takes the time of the next one present,
 * which keeps the search monotonic. Returns -1 on error. */
gint64
tally_ledger_first_seq_at (TallyLedger  *self,
                           gint64        time,
                           GError      **error)
{
  gint64 low = 1;
  gint64 high = tally_ledger_get_last_seq (self) + 1;

  while (low < high)
    {
      gint64 mid = low + (high - low) / 2;
      gint64 created_at = 0;
      gboolean found;

      if (!created_at_from (self, mid, &created_at, &found, error))
        return -1;
      if (found && created_at < time)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

static gint64
first_seq_at (gpointer   store,
              gint64     time,
              GError   **error)
{
  return tally_ledger_first_seq_at (store, time, error);
}

/* Turns a time range into a seq range [*from, *to). */
static gboolean
seq_range (TallyLedger  *self,
           gint64        since,
           gint64        until,
           gint64       *from,
           gint64       *to,
           GError      **error)
{
  return tally_ledger_seq_range (first_seq_at, self, since, until, from, to, error);
}

static GArray *
collect_transfers (TallyLedger   *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  g_autoptr(GArray) transfers = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyStoredTransfer stored;

      if (!tally_ledger_read_transfer_row (self, stmt, &stored, error))
        return NULL;
      g_array_append_val (transfers, stored.transfer);
    }

  if (rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
      return NULL;
    }

  return g_steal_pointer (&transfers);
}

/**
 * tally_ledger_transfers_after:
 * @self: a #TallyLedger
 * @account_ids: (array zero-terminated=1): the accounts
 * @after_seq: the last seq the caller has
 * @limit: the most to return
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyTransfer): the transfers, in
 *   seq order; unknown accounts have none
 */
GArray *
tally_ledger_transfers_after (TallyLedger        *self,
                              const char * const *account_ids,
                              gint64              after_seq,
                              guint               limit,
                              GError            **error)
{
  g_autoptr(GArray) nums = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  GArray *transfers;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);
  g_return_val_if_fail (account_ids != NULL, NULL);

  for (guint i = 0; account_ids[i] != NULL; i++)
    {
      gint64 num;

      if (tally_ledger_account_num (self, account_ids[i], &num, NULL))
        g_array_append_val (nums, num);
    }

  if (nums->len == 0 || limit == 0)
    return g_array_new (FALSE, FALSE, sizeof (TallyTransfer));

  sql = tally_ledger_transfers_after_sql (nums->len);
  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);
  for (guint i = 0; i < nums->len; i++)
    sqlite3_bind_int64 (stmt, (int) i + 3, g_array_index (nums, gint64, i));

  transfers = collect_transfers (self, stmt, error);
  sqlite3_finalize (stmt);
  return transfers;
}

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
  sqlite3_stmt *stmt;
  GArray *transfers;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);

  if (limit == 0)
    return g_array_new (FALSE, FALSE, sizeof (TallyTransfer));

  stmt = prepare (self, TALLY_SQL_TRANSFERS_SINCE, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);
  transfers = collect_transfers (self, stmt, error);
  sqlite3_finalize (stmt);
  return transfers;
}

static void
copy_text (sqlite3_stmt *stmt,
           int           column,
           char         *dest,
           gsize         size)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  g_strlcpy (dest, text ? text : "", size);
}

static void
read_item_amount (sqlite3_stmt       *stmt,
                  TallyStatementItem *item)
{
  tally_ledger_item_set_amount (item, sqlite3_column_int (stmt, 10) != 0,
                                sqlite3_column_int (stmt, 3), sqlite3_column_int64 (stmt, 4),
                                sqlite3_column_int (stmt, 11), sqlite3_column_int64 (stmt, 12),
                                sqlite3_column_int64 (stmt, 13));
}

static void
read_item (sqlite3_stmt       *stmt,
           TallyStatementItem *item)
{
  const void *blob;

  memset (item, 0, sizeof *item);
  item->seq = sqlite3_column_int64 (stmt, 0);
  blob = sqlite3_column_blob (stmt, 1);
  if (blob != NULL)
    tally_uuid_from_bytes (blob, item->id);
  item->kind = sqlite3_column_int (stmt, 2);
  item->units = sqlite3_column_int64 (stmt, 5);
  copy_text (stmt, 6, item->tool_id, sizeof item->tool_id);
  copy_text (stmt, 7, item->ref, sizeof item->ref);
  copy_text (stmt, 8, item->description, sizeof item->description);
  item->created_at = sqlite3_column_int64 (stmt, 9);
  blob = sqlite3_column_blob (stmt, 14);
  if (blob != NULL)
    tally_uuid_from_bytes (blob, item->counterparty_id);
  read_item_amount (stmt, item);
}

static gboolean
bind_statement_query (TallyLedger                *self,
                      sqlite3_stmt               *stmt,
                      const TallyStatementQuery  *query,
                      gint64                      account_num,
                      guint                       limit,
                      GError                    **error)
{
  int tool_param, search_param;
  gint64 from, to;

  if (!tally_ledger_statement_range (query, first_seq_at, self, &from, &to, error))
    return FALSE;

  tally_ledger_statement_params (query, &tool_param, &search_param);
  sqlite3_bind_int64 (stmt, 1, account_num);
  sqlite3_bind_int64 (stmt, 2, to);
  sqlite3_bind_int64 (stmt, 3, from);
  sqlite3_bind_int64 (stmt, 4, limit);
  if (tool_param > 0)
    sqlite3_bind_text (stmt, tool_param, query->tool_id, -1, SQLITE_TRANSIENT);
  if (search_param > 0)
    sqlite3_bind_text (stmt, search_param, tally_ledger_like_pattern (query->search), -1, g_free);

  return TRUE;
}

static GArray *
collect_items (TallyLedger   *self,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (TallyStatementItem));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyStatementItem item;

      read_item (stmt, &item);
      g_array_append_val (items, item);
    }

  if (rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
      return NULL;
    }

  return g_steal_pointer (&items);
}

/**
 * tally_ledger_query_statement:
 * @self: a #TallyLedger
 * @query: which account and which items
 * @next_before_seq: (out) (optional): the next page's cursor, 0 at the end
 * @error: return location for a #GError
 *
 * One page of an account's history, newest first, by keyset (never
 * OFFSET), so any page of a million rows costs the same.
 *
 * Returns: (transfer full) (element-type TallyStatementItem): the items
 */
GArray *
tally_ledger_query_statement (TallyLedger                *self,
                              const TallyStatementQuery  *query,
                              gint64                     *next_before_seq,
                              GError                    **error)
{
  g_autofree char *sql = NULL;
  GArray *items;
  sqlite3_stmt *stmt;
  gint64 account_num;
  guint limit;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  limit = tally_ledger_statement_limit (query);
  if (next_before_seq != NULL)
    *next_before_seq = 0;

  if (!tally_ledger_account_num (self, query->account_id, &account_num, error))
    return NULL;
  /* An empty union is not SQL. */
  if (!tally_ledger_statement_selects_any_kind (query))
    return g_array_new (FALSE, FALSE, sizeof (TallyStatementItem));

  sql = tally_ledger_statement_sql (query, TALLY_SQL_SQLITE);
  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  /* One more than asked tells whether there is a next page. */
  if (!bind_statement_query (self, stmt, query, account_num, limit + 1, error))
    {
      sqlite3_finalize (stmt);
      return NULL;
    }

  items = collect_items (self, stmt, error);
  sqlite3_finalize (stmt);

  tally_ledger_statement_page (items, limit, next_before_seq);
  return items;
}

/* One side and kind of a statement, stepping newest first. */
typedef struct
{
  sqlite3_stmt *stmt;
  gint64        head;
  gboolean      done;
} ItemCursor;

static gboolean
item_cursor_step (TallyLedger  *self,
                  ItemCursor   *cursor,
                  GError      **error)
{
  int rc = sqlite3_step (cursor->stmt);

  if (rc == SQLITE_ROW)
    {
      cursor->head = sqlite3_column_int64 (cursor->stmt, 0);
      return TRUE;
    }

  cursor->done = TRUE;
  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);

  return TRUE;
}

static void
item_cursors_free (GArray *cursors)
{
  for (guint i = 0; i < cursors->len; i++)
    sqlite3_finalize (g_array_index (cursors, ItemCursor, i).stmt);
  g_array_unref (cursors);
}

typedef GArray ItemCursorArray;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ItemCursorArray, item_cursors_free)

/* One cursor per side and kind the query allows, each on its first row. */
static gboolean
open_item_cursors (TallyLedger                *self,
                   const TallyStatementQuery  *query,
                   gint64                      account_num,
                   GArray                     *cursors,
                   GError                    **error)
{
  static const char * const sides[] = { "debit_account", "credit_account" };

  for (guint kind = 0; kind < TALLY_N_TRANSFER_KINDS; kind++)
    for (guint side = 0; side < G_N_ELEMENTS (sides); side++)
      {
        g_autoptr(GString) sql = g_string_new (NULL);
        ItemCursor cursor = { NULL, 0, FALSE };

        if (!tally_ledger_statement_selects_kind (query, kind))
          continue;

        tally_ledger_append_item_seqs (sql, query, sides[side], kind, TALLY_SQL_SQLITE);
        cursor.stmt = prepare (self, sql->str, error);
        if (cursor.stmt == NULL)
          return FALSE;
        g_array_append_val (cursors, cursor);

        if (!bind_statement_query (self, cursor.stmt, query, account_num, G_MAXUINT, error) ||
            !item_cursor_step (self, &g_array_index (cursors, ItemCursor, cursors->len - 1),
                               error))
          return FALSE;
      }

  return TRUE;
}

/* The cursor whose head is the newest item left; NULL when all are done. */
static ItemCursor *
newest_item_cursor (GArray *cursors)
{
  ItemCursor *newest = NULL;

  for (guint i = 0; i < cursors->len; i++)
    {
      ItemCursor *cursor = &g_array_index (cursors, ItemCursor, i);

      if (!cursor->done && (newest == NULL || cursor->head > newest->head))
        newest = cursor;
    }

  return newest;
}

/**
 * tally_ledger_index_statement:
 * @self: a #TallyLedger
 * @query: which account and which items; its limit is ignored
 * @page_size: how many items a page has
 * @n_items: (out) (optional): how many items @query selects
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Where every page of a statement starts: the seq of its newest item.
 * Page p is then the query with before_seq = starts[p] + 1, so a list can
 * open any page directly, where OFFSET would read every row before it.
 * One pass over the (account, kind, seq) indexes, the sides and kinds
 * merged in seq order; only one seq per page is kept.
 *
 * Returns: (transfer full) (element-type gint64): the starts, newest first
 */
GArray *
tally_ledger_index_statement (TallyLedger                *self,
                              const TallyStatementQuery  *query,
                              guint                       page_size,
                              guint                      *n_items,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  g_autoptr(ItemCursorArray) cursors = g_array_new (FALSE, FALSE, sizeof (ItemCursor));
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  ItemCursor *newest;
  gint64 account_num;
  guint count = 0;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (page_size > 0, NULL);

  if (!tally_ledger_account_num (self, query->account_id, &account_num, error) ||
      !open_item_cursors (self, query, account_num, cursors, error))
    return NULL;

  while ((newest = newest_item_cursor (cursors)) != NULL)
    {
      if (count % page_size == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return NULL;
          g_array_append_val (starts, newest->head);
        }
      count++;
      if (!item_cursor_step (self, newest, error))
        return NULL;
    }

  if (n_items != NULL)
    *n_items = count;

  return g_steal_pointer (&starts);
}

gboolean
tally_ledger_sum_consumption_scan (TallyLedger  *self,
                              const char   *account_id,
                              gint64        since,
                              gint64        until,
                              gint64       *spent,
                              GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 num, from, to;
  int rc;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (spent != NULL, FALSE);

  *spent = 0;
  if (!tally_ledger_account_num (self, account_id, &num, error) ||
      !seq_range (self, since, until, &from, &to, error))
    return FALSE;

  stmt = prepare (self, TALLY_SQL_SUM_CONSUMPTION, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, num);
  sqlite3_bind_int (stmt, 2, TALLY_TRANSFER_KIND_CONSUMPTION);
  sqlite3_bind_int64 (stmt, 3, from);
  sqlite3_bind_int64 (stmt, 4, to);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *spent = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

GArray *
tally_ledger_recent_run_costs (TallyLedger  *self,
                               const char   *account_id,
                               const char   *tool_id,
                               guint         limit,
                               GError      **error)
{
  g_autoptr(GArray) costs = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  gint64 num;
  int rc;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);
  g_return_val_if_fail (tool_id != NULL, NULL);

  if (!tally_ledger_account_num (self, account_id, &num, error))
    return NULL;

  stmt = prepare (self, TALLY_SQL_RECENT_RUN_COSTS, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, num);
  sqlite3_bind_text (stmt, 2, tool_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, TALLY_TRANSFER_KIND_CONSUMPTION);
  sqlite3_bind_int64 (stmt, 4, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 cost = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (costs, cost);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
      return NULL;
    }

  return g_steal_pointer (&costs);
}

static void
add_posted_row (GArray       *totals,
                sqlite3_stmt *stmt)
{
  TallyPostedTotal row = { 0 };

  row.kind = sqlite3_column_int (stmt, 0);
  copy_text (stmt, 1, row.tool_id, sizeof row.tool_id);
  row.amount = sqlite3_column_int64 (stmt, 2);
  row.items = sqlite3_column_int64 (stmt, 3);
  tally_ledger_add_posted_total (totals, &row);
}

static gboolean
collect_posted (TallyLedger   *self,
                sqlite3_stmt  *stmt,
                GArray        *totals,
                GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    add_posted_row (totals, stmt);
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

typedef struct
{
  TallyLedger *self;
  gint64       num;
  GArray      *totals;
} PostedWindow;

/* [@from, @to) read from the transfers (a part of an hour), or hours
 * [@from, @to) from posted_hours. */
static gboolean
posted_part (gpointer   data,
             gint64     from,
             gint64     to,
             gboolean   hours,
             GError   **error)
{
  PostedWindow *window = data;
  sqlite3_stmt *stmt;

  if (!hours && !seq_range (window->self, from, to, &from, &to, error))
    return FALSE;
  if (from >= to)
    return TRUE;

  stmt = tally_ledger_stmt (window->self, hours ? STMT_POSTED_HOURS : STMT_POSTED_ITEMS);
  sqlite3_bind_int64 (stmt, 1, window->num);
  sqlite3_bind_int64 (stmt, 2, from);
  sqlite3_bind_int64 (stmt, 3, to);
  return collect_posted (window->self, stmt, window->totals, error);
}

/**
 * tally_ledger_posted_totals:
 * @self: a #TallyLedger
 * @account_id: the account
 * @since: the first microsecond, UTC
 * @until: the microsecond after the last
 * @error: return location for a #GError
 *
 * The whole hours inside the range come from posted_hours; only what lies
 * before the first and after the last whole hour is read from the
 * transfers, so the cost follows the number of hours, not of transfers.
 * Time zones whose offset is not whole hours only move more of each day
 * to the transfers, never change an answer.
 *
 * Returns: (transfer full) (element-type TallyPostedTotal): one entry per
 *   kind and tool that has posted items in the range, or %NULL on error
 */
GArray *
tally_ledger_posted_totals (TallyLedger  *self,
                            const char   *account_id,
                            gint64        since,
                            gint64        until,
                            GError      **error)
{
  g_autoptr(GArray) totals = g_array_new (FALSE, FALSE, sizeof (TallyPostedTotal));
  PostedWindow window = { self, 0, totals };

  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);
  g_return_val_if_fail (since >= 0 && until >= 0, NULL);

  if (!tally_ledger_account_num (self, account_id, &window.num, error) ||
      !tally_ledger_split_window (since, until, posted_part, &window, error))
    return NULL;

  return g_steal_pointer (&totals);
}
