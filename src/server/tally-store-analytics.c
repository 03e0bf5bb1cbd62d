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

#define USEC_PER_HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/* Every posted consumption item credits the consumption account, and the
 * ledger sums each account's posted items by kind, hour and tool as it
 * writes (posted_hours, keyed by account, kind and hour): so a range of
 * the consumption account's hours is an index range, whatever the number
 * of runs. Day 0 of the epoch was a Thursday, ISO weekday 4. */
static const char * const consumption_sql[] = {
  [TALLY_ANALYTICS_BY_TOOL] =
    "SELECT tool_id, 0, SUM (amount), SUM (items) FROM posted_hours "
    "WHERE account = (SELECT num FROM accounts WHERE id = ?1) AND kind = ?2 "
    "AND hour >= ?3 AND hour < ?4 GROUP BY tool_id",
  [TALLY_ANALYTICS_BY_HOUR] =
    "SELECT '', hour % 24, SUM (amount), SUM (items) FROM posted_hours "
    "WHERE account = (SELECT num FROM accounts WHERE id = ?1) AND kind = ?2 "
    "AND hour >= ?3 AND hour < ?4 GROUP BY hour % 24",
  [TALLY_ANALYTICS_BY_WEEKDAY] =
    "SELECT '', (hour / 24 + 3) % 7, SUM (amount), SUM (items) FROM posted_hours "
    "WHERE account = (SELECT num FROM accounts WHERE id = ?1) AND kind = ?2 "
    "AND hour >= ?3 AND hour < ?4 GROUP BY (hour / 24 + 3) % 7",
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
                        "SELECT tool_id, COUNT (DISTINCT user_id) FROM runs "
                        "WHERE created_at >= ? AND created_at < ? "
                        "AND status = 'succeeded' GROUP BY tool_id",
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
                        "SELECT pack_id, currency, COUNT (*), "
                        "COUNT (DISTINCT user_id), SUM (credits), "
                        "SUM (amount) FROM payments "
                        "WHERE paid_at >= ? AND paid_at < ? "
                        "GROUP BY pack_id, currency "
                        "ORDER BY COUNT (*) DESC, pack_id, currency",
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
                 "SELECT COALESCE (SUM (n), 0), COUNT (*), "
                 "COALESCE (SUM (n >= 2), 0) FROM ("
                 "  SELECT COUNT (*) AS n FROM payments"
                 "  WHERE paid_at >= ? AND paid_at < ?"
                 "  GROUP BY user_id)",
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
                        "SELECT gap FROM ("
                        "  SELECT paid_at - LAG (paid_at) OVER ("
                        "    PARTITION BY user_id ORDER BY paid_at) AS gap"
                        "  FROM payments WHERE paid_at >= ? AND paid_at < ?)"
                        "WHERE gap IS NOT NULL ORDER BY gap",
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
                 "SELECT COUNT (*), COALESCE (SUM (ran), 0), "
                 "COALESCE (SUM (paid >= 1), 0), "
                 "COALESCE (SUM (paid >= 2), 0) FROM ("
                 "  SELECT EXISTS (SELECT 1 FROM runs r"
                 "    WHERE r.user_id = u.id AND r.created_at < ?2"
                 "    AND r.status = 'succeeded') AS ran,"
                 "  (SELECT COUNT (*) FROM (SELECT 1 FROM payments p"
                 "    WHERE p.user_id = u.id AND p.paid_at < ?2"
                 "    LIMIT 2)) AS paid"
                 "  FROM users u WHERE u.created_at >= ?1"
                 "  AND u.created_at < ?2 AND u.erased_at IS NULL)",
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
                 "SELECT"
                 "  COALESCE (SUM (CASE WHEN kind = ?1"
                 "    THEN credits_posted - debits_posted END), 0),"
                 "  COALESCE (SUM (CASE WHEN kind = ?2"
                 "    THEN credits_posted - debits_posted END), 0),"
                 "  COALESCE (SUM (debits_pending), 0),"
                 "  (SELECT COUNT (*) FROM pending"
                 "    WHERE state = 0 AND expires_at > 0)"
                 " FROM accounts WHERE kind IN (?1, ?2)",
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
                 "SELECT COUNT (*),"
                 "  COALESCE (SUM (status IN ('paid', 'refunded',"
                 "    'disputed')), 0),"
                 "  COALESCE (SUM (status = 'failed'), 0),"
                 "  COALESCE (SUM (status = 'open' AND created_at >= ?), 0),"
                 "  COALESCE (SUM (status = 'open' AND created_at < ?), 0)"
                 " FROM payments p WHERE NOT EXISTS ("
                 "  SELECT 1 FROM recharges r WHERE r.payment_id = p.id)",
                 now - timeout, now - timeout, values, G_N_ELEMENTS (values), error))
    return FALSE;

  stages->started = values[0];
  stages->completed = values[1];
  stages->declined = values[2];
  stages->open = values[3];
  stages->abandoned = values[4];
  return TRUE;
}
