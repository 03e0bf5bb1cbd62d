/* tally-store-analytics.c: the sums behind GET /v1/admin/analytics and the
 * gauges of /metrics
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-analytics.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

#define USEC_PER_HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/* Every posted consumption item credits the consumption account, and the
 * ledger sums each account's posted items by kind, hour and tool as it
 * writes (posted_hours, keyed by account, kind and hour): so a range of
 * the consumption account's hours is an index range, whatever the number
 * of runs. */
static const char * const consumption_sql[] = {
  [TALLY_ANALYTICS_BY_TOOL] = TALLY_STORE_ANALYTICS_BY_TOOL,
  [TALLY_ANALYTICS_BY_HOUR] = TALLY_STORE_ANALYTICS_BY_HOUR,
  [TALLY_ANALYTICS_BY_WEEKDAY] = TALLY_STORE_ANALYTICS_BY_WEEKDAY,
};

/* Steps @stmt to its end, appending each row read by @read to a new array
 * of @size-byte elements. */
static GArray *
collect (TallyStore    *self,
         sqlite3_stmt  *stmt,
         gsize          size,
         void         (*read) (sqlite3_stmt *stmt, gpointer row),
         GError       **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, size);
  g_autofree gpointer row = g_malloc0 (size);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      memset (row, 0, size);
      read (stmt, row);
      g_array_append_vals (rows, row, 1);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* Prepares @sql, binds @since and @until as ?1 and ?2, and collects its
 * rows as collect() does. */
static GArray *
collect_range (TallyStore    *self,
               const char    *sql,
               gint64         since,
               gint64         until,
               gsize          size,
               void         (*read) (sqlite3_stmt *stmt, gpointer row),
               GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, since);
  sqlite3_bind_int64 (stmt, 2, until);
  return collect (self, stmt, size, read, error);
}

static void
read_consumption (sqlite3_stmt *stmt,
                  gpointer      data)
{
  TallyAnalyticsConsumption *row = data;

  tally_store_copy_text (stmt, 0, row->tool_id, sizeof row->tool_id);
  row->slot = (guint) sqlite3_column_int (stmt, 1);
  row->credits = sqlite3_column_int64 (stmt, 2);
  row->runs = sqlite3_column_int64 (stmt, 3);
}

GArray *
tally_store_analytics_consumption (TallyStore             *self,
                                   TallyAnalyticsGrouping  grouping,
                                   gint64                  since,
                                   gint64                  until,
                                   GError                **error)
{
  sqlite3_stmt *stmt;
  guint8 account[16];

  g_return_val_if_fail (grouping < G_N_ELEMENTS (consumption_sql), NULL);

  stmt = tally_store_prepare (self, consumption_sql[grouping], error);
  if (stmt == NULL)
    return NULL;

  tally_uuid_to_bytes (tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), account);
  sqlite3_bind_blob (stmt, 1, account, sizeof account, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, TALLY_TRANSFER_KIND_CONSUMPTION);
  sqlite3_bind_int64 (stmt, 3, since / USEC_PER_HOUR);
  sqlite3_bind_int64 (stmt, 4, until / USEC_PER_HOUR);
  return collect (self, stmt, sizeof (TallyAnalyticsConsumption), read_consumption, error);
}

static void
read_tool_users (sqlite3_stmt *stmt,
                 gpointer      data)
{
  TallyAnalyticsToolUsers *row = data;

  tally_store_copy_text (stmt, 0, row->tool_id, sizeof row->tool_id);
  row->users = sqlite3_column_int64 (stmt, 1);
}

GArray *
tally_store_analytics_tool_users (TallyStore  *self,
                                  gint64       since,
                                  gint64       until,
                                  GError     **error)
{
  return collect_range (self,
                        TALLY_STORE_ANALYTICS_TOOL_USERS,
                        since, until, sizeof (TallyAnalyticsToolUsers), read_tool_users, error);
}

static void
read_pack (sqlite3_stmt *stmt,
           gpointer      data)
{
  TallyAnalyticsPack *row = data;

  tally_store_copy_text (stmt, 0, row->pack_id, sizeof row->pack_id);
  tally_store_copy_text (stmt, 1, row->currency, sizeof row->currency);
  row->purchases = sqlite3_column_int64 (stmt, 2);
  row->buyers = sqlite3_column_int64 (stmt, 3);
  row->credits = sqlite3_column_int64 (stmt, 4);
  row->amount = sqlite3_column_int64 (stmt, 5);
}

/* A purchase that was paid keeps its paid_at, refunded or disputed later
 * or not; an open or failed one has none. */
GArray *
tally_store_analytics_packs (TallyStore  *self,
                             gint64       since,
                             gint64       until,
                             GError     **error)
{
  return collect_range (self,
                        TALLY_STORE_ANALYTICS_PACKS "pack_id, currency",
                        since, until, sizeof (TallyAnalyticsPack), read_pack, error);
}

/* Prepares @sql, binds @first and @second as ?1 and ?2, and reads the
 * one row of integers it answers into @values. */
static gboolean
read_row (TallyStore  *self,
          const char  *sql,
          gint64       first,
          gint64       second,
          gint64      *values,
          guint        n_values,
          GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, first);
  sqlite3_bind_int64 (stmt, 2, second);
  rc = sqlite3_step (stmt);
  for (guint i = 0; rc == SQLITE_ROW && i < n_values; i++)
    values[i] = sqlite3_column_int64 (stmt, (int) i);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_analytics_buyers (TallyStore            *self,
                              gint64                 since,
                              gint64                 until,
                              TallyAnalyticsBuyers  *buyers,
                              GError               **error)
{
  gint64 values[3] = { 0 };

  if (!read_row (self,
                 TALLY_STORE_ANALYTICS_BUYERS,
                 since, until, values, G_N_ELEMENTS (values), error))
    return FALSE;

  buyers->purchases = values[0];
  buyers->buyers = values[1];
  buyers->repeat_buyers = values[2];
  return TRUE;
}

static void
read_gap (sqlite3_stmt *stmt,
          gpointer      data)
{
  *(gint64 *) data = sqlite3_column_int64 (stmt, 0);
}

GArray *
tally_store_analytics_gaps (TallyStore  *self,
                            gint64       since,
                            gint64       until,
                            GError     **error)
{
  return collect_range (self,
                        TALLY_STORE_ANALYTICS_GAPS,
                        since, until, sizeof (gint64), read_gap, error);
}

/* Per user of the range, at most two of their payments are looked at,
 * by the payments_by_user index. */
gboolean
tally_store_analytics_funnel (TallyStore            *self,
                              gint64                 since,
                              gint64                 until,
                              TallyAnalyticsFunnel  *funnel,
                              GError               **error)
{
  gint64 values[4] = { 0 };

  if (!read_row (self,
                 TALLY_STORE_ANALYTICS_FUNNEL,
                 since, until, values, G_N_ELEMENTS (values), error))
    return FALSE;

  funnel->registered = values[0];
  funnel->first_run = values[1];
  funnel->first_purchase = values[2];
  funnel->second_purchase = values[3];
  return TRUE;
}

/* One pass over the accounts: a few per user, read at each scrape. The
 * holds are counted through the index of due pending transfers. */
gboolean
tally_store_outstanding (TallyStore        *self,
                         TallyOutstanding  *outstanding,
                         GError           **error)
{
  gint64 values[4] = { 0 };

  if (!read_row (self,
                 TALLY_STORE_OUTSTANDING,
                 TALLY_ACCOUNT_KIND_USER, TALLY_ACCOUNT_KIND_TEAM,
                 values, G_N_ELEMENTS (values), error))
    return FALSE;

  outstanding->user_balance = values[0];
  outstanding->team_balance = values[1];
  outstanding->held = values[2];
  outstanding->holds = values[3];
  return TRUE;
}

/* One pass over the payments at each scrape: a row per purchase, far
 * fewer than the ledger's transfers. A top-up has a recharges row and is
 * no checkout. */
gboolean
tally_store_checkout_stages (TallyStore           *self,
                             gint64                now,
                             gint64                timeout,
                             TallyCheckoutStages  *stages,
                             GError              **error)
{
  gint64 values[5] = { 0 };

  if (!read_row (self,
                 TALLY_STORE_CHECKOUT_STAGES,
                 now - timeout, now - timeout, values, G_N_ELEMENTS (values), error))
    return FALSE;

  stages->started = values[0];
  stages->completed = values[1];
  stages->declined = values[2];
  stages->open = values[3];
  stages->abandoned = values[4];
  return TRUE;
}
