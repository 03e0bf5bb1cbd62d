/* tally-pg-store-pages.c: spend, teams, gifts, promo codes and alerts as
 * the API's pages list them, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

/* @sql with one text parameter @value: its rows, or NULL and @error. */
static PGresult *
run_on (TallyApiStore  *api,
        const char     *sql,
        const char     *value,
        GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, value);
  return tally_pg_run (pg_of (api), sql, &params, error);
}

/* Both windows, capped or not, as the limits page shows them: the same
 * sums the rules check caps with (tally_pg_store_sum_windows()), read
 * from the ledger's tables at each call, as no sums are kept between
 * calls on PostgreSQL. */
static gboolean
pg_policy_spend (TallyApiStore      *api,
                 const char         *account_id,
                 const TallyPolicy  *policy,
                 gint64              now,
                 TallySpend         *spend,
                 GError            **error)
{
  return tally_pg_store_sum_windows (TALLY_RULES_STORE (api), account_id, policy, now, TRUE, TRUE,
                                     spend, error);
}

/* By name, then id. COLLATE "C" orders the names by their bytes, as
 * SQLite's BINARY does, whatever the database's locale. */
static GArray *
pg_list_teams (TallyApiStore  *api,
               const char     *user_id,
               GError        **error)
{
  g_autoptr(PGresult) res = run_on (api, "SELECT " TALLY_STORE_TEAM_COLUMNS TALLY_STORE_TEAM_FROM
                                    "WHERE m.user_id = $1 ORDER BY t.name COLLATE \"C\", t.id",
                                    user_id, error);
  GArray *teams;

  if (res == NULL)
    return NULL;

  teams = g_array_sized_new (FALSE, TRUE, sizeof (TallyTeam), PQntuples (res));
  g_array_set_size (teams, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_team (res, row, &g_array_index (teams, TallyTeam, row));
  return teams;
}

/* The owners first, then by address (tally_nocase, as SQLite's NOCASE). */
static GArray *
pg_list_team_members (TallyApiStore  *api,
                      const char     *team_id,
                      GError        **error)
{
  g_autoptr(PGresult) res = run_on (api, TALLY_STORE_LIST_TEAM_MEMBERS, team_id, error);
  GArray *members;

  if (res == NULL)
    return NULL;

  members = g_array_sized_new (FALSE, TRUE, sizeof (TallyTeamMember), PQntuples (res));
  g_array_set_size (members, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_member (res, row, &g_array_index (members, TallyTeamMember, row));
  return members;
}

/* Most spent first. */
static GArray *
pg_pool_usage_by_member (TallyApiStore  *api,
                         const char     *account_id,
                         gint64          since,
                         gint64          until,
                         GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *usage;

  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, since);
  tally_pg_params_add_int64 (&params, until);
  res = tally_pg_run (pg_of (api), TALLY_STORE_POOL_USAGE_BY_MEMBER, &params, error);
  if (res == NULL)
    return NULL;

  usage = g_array_sized_new (FALSE, TRUE, sizeof (TallyMemberUsage), PQntuples (res));
  g_array_set_size (usage, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyMemberUsage *member = &g_array_index (usage, TallyMemberUsage, row);

      tally_pg_copy_text (res, row, 0, member->user_id, sizeof member->user_id);
      /* sum () of a BIGINT is a NUMERIC, printed without a fraction. */
      member->spent = tally_pg_get_int64 (res, row, 1);
      member->runs = tally_pg_get_int64 (res, row, 2);
    }
  return usage;
}

/* Last claimed first. */
static GArray *
pg_received_gifts (TallyApiStore  *api,
                   const char     *account_id,
                   GError        **error)
{
  return tally_pg_store_gifts_where (pg_of (api), TALLY_STORE_RECEIVED_GIFTS, account_id, error);
}

/* Paid for (not open), newest first. */
static GArray *
pg_sent_gifts (TallyApiStore  *api,
               const char     *user_id,
               GError        **error)
{
  return tally_pg_store_gifts_where (pg_of (api), TALLY_STORE_SENT_GIFTS, user_id, error);
}

static gboolean
pg_referral_totals (TallyApiStore  *api,
                    const char     *user_id,
                    gint64         *referred,
                    gint64         *rewarded,
                    gint64         *earned,
                    GError        **error)
{
  g_autoptr(PGresult) res = NULL;

  *referred = *rewarded = *earned = 0;
  res = run_on (api, TALLY_STORE_REFERRAL_TOTALS, user_id, error);
  if (res == NULL)
    return FALSE;

  *referred = tally_pg_get_int64 (res, 0, 0);
  *rewarded = tally_pg_get_int64 (res, 0, 1);
  *earned = tally_pg_get_int64 (res, 0, 2);
  return TRUE;
}

/* Newest first; codes made at once by their bytes, as SQLite orders them. */
static GArray *
pg_list_promo_codes (TallyApiStore  *api,
                     GError        **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg_of (api),
                                          "SELECT " TALLY_STORE_PROMO_COLUMNS
                                          "FROM promo_codes "
                                          "ORDER BY created_at DESC, code COLLATE \"C\"",
                                          NULL, error);
  GArray *list;

  if (res == NULL)
    return NULL;

  list = g_array_sized_new (FALSE, TRUE, sizeof (TallyPromoCode), PQntuples (res));
  g_array_set_size (list, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_promo (res, row, &g_array_index (list, TallyPromoCode, row));
  return list;
}

/* Newest first, @limit at most; *@next_before_seq is where the next page
 * starts, 0 when this is the last. */
static GArray *
pg_list_alerts (TallyApiStore  *api,
                const char     *user_id,
                gint64          since,
                gint64          until,
                gint64          before_seq,
                guint           limit,
                gint64         *next_before_seq,
                GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *alerts;

  *next_before_seq = 0;
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_int64 (&params, before_seq);
  tally_pg_params_add_int64 (&params, since);
  tally_pg_params_add_int64 (&params, until);
  /* One more than asked: whether there is a next page. */
  tally_pg_params_add_int64 (&params, (gint64) limit + 1);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LIST_ALERTS, &params, error);
  if (res == NULL)
    return NULL;

  alerts = g_array_sized_new (FALSE, TRUE, sizeof (TallyAlert), PQntuples (res));
  g_array_set_clear_func (alerts, (GDestroyNotify) tally_alert_clear);
  g_array_set_size (alerts, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_alert (res, row, &g_array_index (alerts, TallyAlert, row));

  if (limit > 0 && alerts->len > limit)
    {
      g_array_set_size (alerts, limit);
      *next_before_seq = g_array_index (alerts, TallyAlert, limit - 1).seq;
    }
  return alerts;
}

void
tally_pg_store_pages_api_init (TallyApiStoreInterface *iface)
{
  iface->policy_spend = pg_policy_spend;
  iface->list_teams = pg_list_teams;
  iface->list_team_members = pg_list_team_members;
  iface->pool_usage_by_member = pg_pool_usage_by_member;
  iface->received_gifts = pg_received_gifts;
  iface->sent_gifts = pg_sent_gifts;
  iface->referral_totals = pg_referral_totals;
  iface->list_promo_codes = pg_list_promo_codes;
  iface->list_alerts = pg_list_alerts;
}
