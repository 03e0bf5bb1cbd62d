/* tally-pg-store-recharge.c: auto-recharge settings and recharges on
 * PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Several servers share these rows: whether a recharge may start, and
 * what ending one counts, is decided by the UPDATE statements themselves
 * (their WHERE on in_flight), not by what a server read before.
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static void
read_settings (const PGresult         *res,
               TallyRechargeSettings  *settings)
{
  memset (settings, 0, sizeof *settings);
  tally_pg_copy_text (res, 0, 0, settings->account_id, sizeof settings->account_id);
  tally_pg_copy_text (res, 0, 1, settings->user_id, sizeof settings->user_id);
  settings->enabled = tally_pg_get_int64 (res, 0, 2) != 0;
  settings->threshold = tally_pg_get_int64 (res, 0, 3);
  tally_pg_copy_text (res, 0, 4, settings->pack_id, sizeof settings->pack_id);
  settings->monthly_cap = tally_pg_get_int64 (res, 0, 5);
  settings->failures = tally_pg_get_int64 (res, 0, 6);
  settings->paused = tally_pg_get_int64 (res, 0, 7) != 0;
  tally_pg_copy_text (res, 0, 8, settings->in_flight, sizeof settings->in_flight);
}

/* As SQLite: FALSE without an error when the account has none. */
static gboolean
pg_find_recharge_settings (TallyRulesStore        *rules,
                           const char             *account_id,
                           TallyRechargeSettings  *settings,
                           GError                **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (settings, 0, sizeof *settings);
  tally_pg_params_add_text (&params, account_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT " TALLY_STORE_RECHARGE_SETTINGS_COLUMNS "FROM auto_recharge "
                      "WHERE account_id = $1", &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  read_settings (res, settings);
  return TRUE;
}

/* Runs @sql, whose one row's first column is a number, into @value. */
static gboolean
run_int64 (TallyRulesStore      *rules,
           const char           *sql,
           const TallyPgParams  *params,
           gint64               *value,
           GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (tally_pg_store_pg (rules), sql, params, error);

  if (res == NULL)
    return FALSE;

  *value = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

/* Whether @payment_id is a recharge, and when it started: FALSE without
 * an error when it is not. */
static gboolean
pg_find_recharge (TallyRulesStore  *rules,
                  const char       *payment_id,
                  gint64           *started_at,
                  GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *started_at = 0;
  tally_pg_params_add_text (&params, payment_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT created_at FROM recharges WHERE payment_id = $1", &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  *started_at = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

static gboolean
pg_last_declined_recharge (TallyRulesStore  *rules,
                           const char       *account_id,
                           gint64           *started_at,
                           GError          **error)
{
  TallyPgParams params = { 0 };

  *started_at = 0;
  tally_pg_params_add_text (&params, account_id);
  return run_int64 (rules, "SELECT COALESCE (MAX (created_at), 0) FROM recharges "
                    "WHERE account_id = $1 AND status = 'failed'", &params, started_at, error);
}

/* Started since @since and not failed: what the monthly cap counts. */
static gboolean
pg_count_recharges (TallyRulesStore  *rules,
                    const char       *account_id,
                    gint64            since,
                    gint64           *count,
                    GError          **error)
{
  TallyPgParams params = { 0 };

  *count = 0;
  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, since);
  return run_int64 (rules, "SELECT COUNT(*) FROM recharges WHERE account_id = $1 "
                    "AND created_at >= $2 AND status != 'failed'", &params, count, error);
}

static gboolean
pg_clear_recharge_failures (TallyRulesStore  *rules,
                            const char       *account_id,
                            GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE auto_recharge SET failures = 0, paused = 0 "
                               "WHERE account_id = $1", &params, error);
}

/* The payments in flight whose recharge started before @before. */
static GPtrArray *
pg_list_stale_recharges (TallyRulesStore  *rules,
                         gint64            before,
                         GError          **error)
{
  g_autoptr(GPtrArray) list = NULL;
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, before);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT a.in_flight FROM auto_recharge a "
                      "JOIN recharges r ON r.payment_id = a.in_flight "
                      "WHERE a.in_flight IS NOT NULL AND r.created_at < $1", &params, error);
  if (res == NULL)
    return NULL;

  list = g_ptr_array_new_with_free_func (g_free);
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (list, g_strdup (PQgetvalue (res, row, 0)));
  return g_steal_pointer (&list);
}

/* The recharge's row, then the account's in_flight. Two servers may both
 * have read the settings with nothing in flight: the UPDATE takes
 * in_flight only while it is empty, so the second to get there waits for
 * the first's commit, takes nothing and fails, and its transaction (the
 * payment it inserted too) is rolled back instead of charging the card
 * twice. SQLite's one writer, which read the settings in the same
 * transaction, never gets there. */
static gboolean
pg_start_recharge (TallyRulesStore  *rules,
                   const char       *account_id,
                   const char       *payment_id,
                   GError          **error)
{
  TallyPg *pg = tally_pg_store_pg (rules);
  TallyPgParams recharge = { 0 };
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&recharge, payment_id);
  tally_pg_params_add_text (&recharge, account_id);
  tally_pg_params_add_int64 (&recharge, g_get_real_time ());
  if (!tally_pg_run_command (pg, "INSERT INTO recharges (payment_id, account_id, status, "
                             "created_at) VALUES ($1, $2, 'pending', $3)", &recharge, error))
    return FALSE;

  tally_pg_params_add_text (&params, payment_id);
  tally_pg_params_add_text (&params, account_id);
  res = tally_pg_run (pg, "WITH taken AS (UPDATE auto_recharge SET in_flight = $1 "
                      "WHERE account_id = $2 AND in_flight IS NULL RETURNING 1) "
                      "SELECT EXISTS (SELECT 1 FROM taken), "
                      "EXISTS (SELECT 1 FROM auto_recharge WHERE account_id = $2)",
                      &params, error);
  if (res == NULL)
    return FALSE;

  /* Nothing taken because the account has no settings is fine, as on
   * SQLite; because another payment is in flight, it is not. */
  if (g_str_equal (PQgetvalue (res, 0, 0), "f") && g_str_equal (PQgetvalue (res, 0, 1), "t"))
    {
      g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                   "Another recharge of account %s is in flight already", account_id);
      return FALSE;
    }
  return TRUE;
}

G_STATIC_ASSERT (TALLY_RECHARGE_SUCCEEDED == 0 && TALLY_RECHARGE_DECLINED == 1);

/* Marks the recharge's row, then, only if it is the one in flight (the
 * WHERE decides, so a recharge ended twice, by two servers or by a
 * webhook and the job, counts once), clears in_flight: a success clears
 * the failures, a decline counts one and pauses at
 * TALLY_RECHARGE_MAX_FAILURES. */
static gboolean
pg_finish_recharge (TallyRulesStore       *rules,
                    const char            *account_id,
                    const char            *payment_id,
                    TallyRechargeOutcome   outcome,
                    GError               **error)
{
  TallyPg *pg = tally_pg_store_pg (rules);
  TallyPgParams status = { 0 };
  TallyPgParams settings = { 0 };

  tally_pg_params_add_text (&status, outcome == TALLY_RECHARGE_SUCCEEDED ? "succeeded"
                                                                         : "failed");
  tally_pg_params_add_text (&status, payment_id);
  if (!tally_pg_run_command (pg, "UPDATE recharges SET status = $1 WHERE payment_id = $2",
                             &status, error))
    return FALSE;

  tally_pg_params_add_int64 (&settings, outcome);
  tally_pg_params_add_int64 (&settings, TALLY_RECHARGE_MAX_FAILURES);
  tally_pg_params_add_text (&settings, account_id);
  tally_pg_params_add_text (&settings, payment_id);
  return tally_pg_run_command (pg, "UPDATE auto_recharge SET in_flight = NULL, "
                               "failures = CASE $1::int WHEN 0 THEN 0 "
                               "WHEN 1 THEN failures + 1 ELSE failures END, "
                               "paused = CASE $1::int WHEN 1 "
                               "THEN (failures + 1 >= $2::bigint)::int ELSE paused END "
                               "WHERE account_id = $3 AND in_flight = $4", &settings, error);
}

void
tally_pg_store_recharge_init (TallyRulesStoreInterface *iface)
{
  iface->find_recharge_settings = pg_find_recharge_settings;
  iface->find_recharge = pg_find_recharge;
  iface->last_declined_recharge = pg_last_declined_recharge;
  iface->count_recharges = pg_count_recharges;
  iface->clear_recharge_failures = pg_clear_recharge_failures;
  iface->list_stale_recharges = pg_list_stale_recharges;
  iface->start_recharge = pg_start_recharge;
  iface->finish_recharge = pg_finish_recharge;
}
