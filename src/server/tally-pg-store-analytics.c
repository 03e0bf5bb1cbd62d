/* tally-pg-store-analytics.c: the sums behind GET /v1/admin/analytics and
 * the gauges of /metrics, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The statements are SQLite's (tally-store-sql.h): read-only sums over
 * integers, so both stores answer the same rows. Times are microseconds
 * and hours are the ledger's posted_hours keys, so no time zone or date
 * function is involved. PostgreSQL's SUM of BIGINT is NUMERIC, read
 * from its text as SQLite's integer is.
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

#define USEC_PER_HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static const char * const consumption_sql[] = {
  [TALLY_ANALYTICS_BY_TOOL] = TALLY_STORE_ANALYTICS_BY_TOOL,
  [TALLY_ANALYTICS_BY_HOUR] = TALLY_STORE_ANALYTICS_BY_HOUR,
  [TALLY_ANALYTICS_BY_WEEKDAY] = TALLY_STORE_ANALYTICS_BY_WEEKDAY,
};

typedef void (*ReadRowFunc) (const PGresult *res,
                             int             row,
                             gpointer        dest);

/* Runs @sql with @params, appending each row read by @read to a new
 * array of @size-byte elements. */
static GArray *
collect (TallyApiStore        *api,
         const char           *sql,
         const TallyPgParams  *params,
         gsize                 size,
         ReadRowFunc           read,
         GError              **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autofree gpointer row = g_malloc0 (size);
  GArray *rows;

  res = tally_pg_run (tally_pg_store_pg (TALLY_RULES_STORE (api)), sql, params, error);
  if (res == NULL)
    return NULL;

  rows = g_array_sized_new (FALSE, TRUE, size, PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    {
      memset (row, 0, size);
      read (res, i, row);
      g_array_append_vals (rows, row, 1);
    }
  return rows;
}

/* collect() with @since and @until as $1 and $2. */
static GArray *
collect_range (TallyApiStore  *api,
               const char     *sql,
               gint64          since,
               gint64          until,
               gsize           size,
               ReadRowFunc     read,
               GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, since);
  tally_pg_params_add_int64 (&params, until);
  return collect (api, sql, &params, size, read, error);
}

/* Runs @sql with @first and @second as $1 and $2, and reads the one row
 * of integers it answers into @values. */
static gboolean
read_values (TallyApiStore  *api,
             const char     *sql,
             gint64          first,
             gint64          second,
             gint64         *values,
             guint           n_values,
             GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, first);
  tally_pg_params_add_int64 (&params, second);
  res = tally_pg_run (tally_pg_store_pg (TALLY_RULES_STORE (api)), sql, &params, error);
  if (res == NULL)
    return FALSE;

  /* An aggregate with no GROUP BY: one row, whatever it sums. */
  for (guint i = 0; i < n_values; i++)
    values[i] = tally_pg_get_int64 (res, 0, (int) i);
  return TRUE;
}

static void
read_consumption (const PGresult *res,
                  int             i,
                  gpointer        data)
{
  TallyAnalyticsConsumption *row = data;

  tally_pg_copy_text (res, i, 0, row->tool_id, sizeof row->tool_id);
  row->slot = (guint) tally_pg_get_int64 (res, i, 1);
  row->credits = tally_pg_get_int64 (res, i, 2);
  row->runs = tally_pg_get_int64 (res, i, 3);
}

/* A range of whole hours of the consumption account's posted_hours. */
static GArray *
pg_analytics_consumption (TallyApiStore           *api,
                          TallyAnalyticsGrouping   grouping,
                          gint64                   since,
                          gint64                   until,
                          GError                 **error)
{
  TallyPgParams params = { 0 };

  g_return_val_if_fail (grouping < G_N_ELEMENTS (consumption_sql), NULL);

  tally_pg_params_add_text (&params,
                            tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION));
  tally_pg_params_add_int64 (&params, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_pg_params_add_int64 (&params, since / USEC_PER_HOUR);
  tally_pg_params_add_int64 (&params, until / USEC_PER_HOUR);
  return collect (api, consumption_sql[grouping], &params,
                  sizeof (TallyAnalyticsConsumption), read_consumption, error);
}

static void
read_tool_users (const PGresult *res,
                 int             i,
                 gpointer        data)
{
  TallyAnalyticsToolUsers *row = data;

  tally_pg_copy_text (res, i, 0, row->tool_id, sizeof row->tool_id);
  row->users = tally_pg_get_int64 (res, i, 1);
}

static GArray *
pg_analytics_tool_users (TallyApiStore  *api,
                         gint64          since,
                         gint64          until,
                         GError        **error)
{
  return collect_range (api, TALLY_STORE_ANALYTICS_TOOL_USERS, since, until,
                        sizeof (TallyAnalyticsToolUsers), read_tool_users, error);
}

static void
read_pack (const PGresult *res,
           int             i,
           gpointer        data)
{
  TallyAnalyticsPack *row = data;

  tally_pg_copy_text (res, i, 0, row->pack_id, sizeof row->pack_id);
  tally_pg_copy_text (res, i, 1, row->currency, sizeof row->currency);
  row->purchases = tally_pg_get_int64 (res, i, 2);
  row->buyers = tally_pg_get_int64 (res, i, 3);
  row->credits = tally_pg_get_int64 (res, i, 4);
  row->amount = tally_pg_get_int64 (res, i, 5);
}

/* Equal counts in SQLite's order, the ids' bytes, whatever the
 * database's locale. */
static GArray *
pg_analytics_packs (TallyApiStore  *api,
                    gint64          since,
                    gint64          until,
                    GError        **error)
{
  return collect_range (api,
                        TALLY_STORE_ANALYTICS_PACKS
                        "pack_id COLLATE \"C\", currency COLLATE \"C\"",
                        since, until, sizeof (TallyAnalyticsPack), read_pack, error);
}

static gboolean
pg_analytics_buyers (TallyApiStore         *api,
                     gint64                 since,
                     gint64                 until,
                     TallyAnalyticsBuyers  *buyers,
                     GError               **error)
{
  gint64 values[3] = { 0 };

  if (!read_values (api, TALLY_STORE_ANALYTICS_BUYERS, since, until, values,
                    G_N_ELEMENTS (values), error))
    return FALSE;

  buyers->purchases = values[0];
  buyers->buyers = values[1];
  buyers->repeat_buyers = values[2];
  return TRUE;
}

static void
read_gap (const PGresult *res,
          int             i,
          gpointer        data)
{
  *(gint64 *) data = tally_pg_get_int64 (res, i, 0);
}

static GArray *
pg_analytics_gaps (TallyApiStore  *api,
                   gint64          since,
                   gint64          until,
                   GError        **error)
{
  return collect_range (api, TALLY_STORE_ANALYTICS_GAPS, since, until, sizeof (gint64),
                        read_gap, error);
}

static gboolean
pg_analytics_funnel (TallyApiStore         *api,
                     gint64                 since,
                     gint64                 until,
                     TallyAnalyticsFunnel  *funnel,
                     GError               **error)
{
  gint64 values[4] = { 0 };

  if (!read_values (api, TALLY_STORE_ANALYTICS_FUNNEL, since, until, values,
                    G_N_ELEMENTS (values), error))
    return FALSE;

  funnel->registered = values[0];
  funnel->first_run = values[1];
  funnel->first_purchase = values[2];
  funnel->second_purchase = values[3];
  return TRUE;
}

static gboolean
pg_checkout_stages (TallyApiStore        *api,
                    gint64                now,
                    gint64                timeout,
                    TallyCheckoutStages  *stages,
                    GError              **error)
{
  gint64 values[5] = { 0 };

  if (!read_values (api, TALLY_STORE_CHECKOUT_STAGES, now - timeout, now - timeout, values,
                    G_N_ELEMENTS (values), error))
    return FALSE;

  stages->started = values[0];
  stages->completed = values[1];
  stages->declined = values[2];
  stages->open = values[3];
  stages->abandoned = values[4];
  return TRUE;
}

static gboolean
pg_outstanding (TallyApiStore     *api,
                TallyOutstanding  *outstanding,
                GError           **error)
{
  gint64 values[4] = { 0 };

  if (!read_values (api, TALLY_STORE_OUTSTANDING, TALLY_ACCOUNT_KIND_USER,
                    TALLY_ACCOUNT_KIND_TEAM, values, G_N_ELEMENTS (values), error))
    return FALSE;

  outstanding->user_balance = values[0];
  outstanding->team_balance = values[1];
  outstanding->held = values[2];
  outstanding->holds = values[3];
  return TRUE;
}

/* Read-only: nothing for two servers to race over. */
void
tally_pg_store_analytics_api_init (TallyApiStoreInterface *iface)
{
  iface->analytics_buyers = pg_analytics_buyers;
  iface->analytics_consumption = pg_analytics_consumption;
  iface->analytics_funnel = pg_analytics_funnel;
  iface->analytics_gaps = pg_analytics_gaps;
  iface->analytics_packs = pg_analytics_packs;
  iface->analytics_tool_users = pg_analytics_tool_users;
  iface->checkout_stages = pg_checkout_stages;
  iface->outstanding = pg_outstanding;
}
