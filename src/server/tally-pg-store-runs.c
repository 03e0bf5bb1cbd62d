/* tally-pg-store-runs.c: runs, spend policies, devices and synced
 * operations on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-leases.h"
#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

/* --- runs --- */

static void
read_rule (const PGresult *res,
           int             first,
           TallyPriceRule *rule)
{
  rule->base = tally_pg_get_int64 (res, 0, first);
  rule->rate = tally_pg_get_int64 (res, 0, first + 1);
  rule->per = tally_pg_get_int64 (res, 0, first + 2);
  rule->minimum = tally_pg_get_int64 (res, 0, first + 3);
  rule->min_units = tally_pg_get_int64 (res, 0, first + 4);
  rule->max_units = tally_pg_get_int64 (res, 0, first + 5);
  rule->typical_units = rule->min_units;
}

/* As tally-store-runs.c reads one: a NULL number is 0, units -1. */
static void
read_run (const PGresult *res,
          TallyRun       *run)
{
  memset (run, 0, sizeof *run);
  tally_pg_copy_text (res, 0, 0, run->id, sizeof run->id);
  tally_pg_copy_text (res, 0, 1, run->user_id, sizeof run->user_id);
  tally_pg_copy_text (res, 0, 2, run->account_id, sizeof run->account_id);
  tally_pg_copy_text (res, 0, 3, run->tool_id, sizeof run->tool_id);
  tally_pg_copy_text (res, 0, 4, run->request_digest, sizeof run->request_digest);
  if (!tally_run_status_from_string (PQgetvalue (res, 0, 5), &run->status))
    run->status = TALLY_RUN_STATUS_REFUSED;
  run->held = tally_pg_get_int64 (res, 0, 6);
  run->charged = tally_pg_get_int64 (res, 0, 7);
  run->units = tally_pg_is_null (res, 0, 8) ? -1 : tally_pg_get_int64 (res, 0, 8);
  read_rule (res, 9, &run->rule);
  run->authorize_status = (guint) tally_pg_get_int64 (res, 0, 15);
  run->authorize_body = g_strdup (PQgetvalue (res, 0, 16));
  tally_pg_copy_text (res, 0, 17, run->complete_digest, sizeof run->complete_digest);
  run->complete_status = (guint) tally_pg_get_int64 (res, 0, 18);
  if (!tally_pg_is_null (res, 0, 19))
    run->complete_body = g_strdup (PQgetvalue (res, 0, 19));
  run->created_at = tally_pg_get_int64 (res, 0, 20);
  run->completed_at = tally_pg_get_int64 (res, 0, 21);
  run->hold_expires_at = tally_pg_get_int64 (res, 0, 22);
}

static gboolean
pg_find_run (TallyRulesStore  *rules,
             const char       *id,
             TallyRun         *run,
             GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT " TALLY_STORE_RUN_COLUMNS "FROM runs WHERE id = $1", &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such run");

  read_run (res, run);
  return TRUE;
}

/* The price rule as one bigint[] parameter: a run has more columns than
 * TallyPgParams has room for. */
static char *
format_rule (const TallyPriceRule *rule)
{
  return g_strdup_printf ("{%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                          ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "}",
                          rule->base, rule->rate, rule->per, rule->minimum, rule->min_units,
                          rule->max_units);
}

/* A run's id is the id of its hold, which the ledger decided first: two
 * servers never get this far with one id, and if they did the primary
 * key refuses the second (CONSTRAINT), as SQLite's does. */
static gboolean
pg_insert_run (TallyRulesStore  *rules,
               const TallyRun   *run,
               const char       *inputs,
               GError          **error)
{
  g_autofree char *rule = format_rule (&run->rule);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, run->id);
  tally_pg_params_add_text (&params, run->user_id);
  tally_pg_params_add_text (&params, run->account_id);
  tally_pg_params_add_text (&params, run->tool_id);
  tally_pg_params_add_text (&params, run->request_digest);
  tally_pg_params_add_text (&params, inputs);
  tally_pg_params_add_text (&params, tally_run_status_to_string (run->status));
  tally_pg_params_add_int64 (&params, run->held);
  tally_pg_params_add_int64 (&params, run->authorize_status);
  tally_pg_params_add_text (&params, run->authorize_body);
  tally_pg_params_add_int64 (&params, run->created_at);
  tally_pg_params_add_int64 (&params, run->hold_expires_at);
  tally_pg_params_add_text (&params, rule);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO runs (id, user_id, account_id, tool_id, "
                               "request_digest, inputs, status, held, authorize_status, "
                               "authorize_body, created_at, hold_expires_at, price_base, "
                               "price_rate, price_per, price_minimum, price_min_units, "
                               "price_max_units) "
                               "SELECT $1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint, $10, "
                               "$11::bigint, $12::bigint, r[1], r[2], r[3], r[4], r[5], r[6] "
                               "FROM (SELECT $13::bigint[] AS r) AS p",
                               &params, error);
}

static gboolean
pg_complete_run (TallyRulesStore  *rules,
                 const TallyRun   *run,
                 GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_run_status_to_string (run->status));
  tally_pg_params_add_int64 (&params, run->charged);
  if (run->units >= 0)
    tally_pg_params_add_int64 (&params, run->units);
  else
    tally_pg_params_add_text (&params, NULL);
  tally_pg_params_add_text (&params, run->complete_digest);
  tally_pg_params_add_int64 (&params, run->complete_status);
  tally_pg_params_add_text (&params, run->complete_body);
  tally_pg_params_add_int64 (&params, run->completed_at);
  tally_pg_params_add_text (&params, run->id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE runs SET status = $1, charged = $2, units = $3, "
                               "complete_digest = $4, complete_status = $5, complete_body = $6, "
                               "completed_at = $7 WHERE id = $8",
                               &params, error);
}

static gboolean
pg_record_run_key (TallyRulesStore  *rules,
                   const char       *run_id,
                   const char       *key_id,
                   GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, run_id);
  tally_pg_params_add_text (&params, key_id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO run_keys (run_id, key_id) VALUES ($1, $2)",
                               &params, error);
}

static GArray *
pg_list_expiring_runs (TallyRulesStore  *rules,
                       gint64            after,
                       gint64            until,
                       GError          **error)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, TRUE, sizeof (TallyRun));
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, after);
  tally_pg_params_add_int64 (&params, until);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT id, user_id, tool_id, held FROM runs "
                      "WHERE status = 'authorized' AND held > 0 "
                      "AND hold_expires_at > $1 AND hold_expires_at <= $2",
                      &params, error);
  if (res == NULL)
    return NULL;

  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyRun run = { 0 };

      tally_pg_copy_text (res, row, 0, run.id, sizeof run.id);
      tally_pg_copy_text (res, row, 1, run.user_id, sizeof run.user_id);
      tally_pg_copy_text (res, row, 2, run.tool_id, sizeof run.tool_id);
      run.held = tally_pg_get_int64 (res, row, 3);
      g_array_append_val (runs, run);
    }
  return g_steal_pointer (&runs);
}

static gboolean
pg_read_run_status (TallyRulesStore  *rules,
                    const char       *id,
                    char             *status,
                    gsize             size,
                    gboolean         *found,
                    GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *found = FALSE;
  tally_pg_params_add_text (&params, id);
  res = tally_pg_run (tally_pg_store_pg (rules), "SELECT status FROM runs WHERE id = $1",
                      &params, error);
  if (res == NULL)
    return FALSE;

  *found = PQntuples (res) > 0;
  if (*found)
    tally_pg_copy_text (res, 0, 0, status, size);
  return TRUE;
}

/* --- spend policies --- */

/* An unknown zone reads as UTC: a limit check never fails on it. */
static void
init_policy (TallyPolicy *policy,
             const char  *timezone)
{
  tally_policy_init (policy, NULL);
  if (timezone != NULL && !tally_policy_set_timezone (policy, timezone, NULL))
    tally_policy_set_timezone (policy, NULL, NULL);
}

static gboolean
pg_load_policy (TallyRulesStore  *rules,
                const char       *account_id,
                const char       *timezone,
                TallyPolicy      *policy,
                GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  init_policy (policy, timezone);
  tally_pg_params_add_text (&params, account_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT " TALLY_STORE_POLICY_COLUMNS "FROM policies WHERE account_id = $1",
                      &params, error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    {
      policy->ceiling.per_run = tally_pg_get_int64 (res, 0, 0);
      policy->ceiling.daily = tally_pg_get_int64 (res, 0, 1);
      policy->ceiling.monthly = tally_pg_get_int64 (res, 0, 2);
      policy->user.per_run = tally_pg_get_int64 (res, 0, 3);
      policy->user.daily = tally_pg_get_int64 (res, 0, 4);
      policy->user.monthly = tally_pg_get_int64 (res, 0, 5);
    }
  return TRUE;
}

/* What the account spent on runs created in [@since, @until) (@until 0:
 * no end): the ledger's own sum, read from its tables at each call, never
 * from sums kept in this process, as other servers write to the same
 * tables (tally-pg-ledger-queries.c). */
static gboolean
sum_consumption (TallyRulesStore  *rules,
                 const char       *account_id,
                 gint64            since,
                 gint64            until,
                 gint64           *spent,
                 GError          **error)
{
  return tally_pg_ledger_sum_consumption (tally_pg_store_get_ledger (TALLY_PG_STORE (rules)),
                                          account_id, since, until, spent, error);
}

/* What the account spent in its current day and month windows, summed
 * from the ledger's tables at each call; a window left out reads as
 * nothing spent, and an unknown account is the ledger's NOT_FOUND when
 * one is summed. */
gboolean
tally_pg_store_sum_windows (TallyRulesStore    *rules,
                            const char         *account_id,
                            const TallyPolicy  *policy,
                            gint64              now,
                            gboolean            daily,
                            gboolean            monthly,
                            TallySpend         *spend,
                            GError            **error)
{
  gint64 day_start, month_start;
  TallyAccount account;

  tally_policy_window (policy, TALLY_LIMIT_DAILY, now, &day_start, &spend->daily_resets_at);
  tally_policy_window (policy, TALLY_LIMIT_MONTHLY, now, &month_start, &spend->monthly_resets_at);
  spend->daily_spent = 0;
  spend->monthly_spent = 0;

  if (!daily && !monthly)
    return TRUE;
  if (!tally_rules_store_lookup_account (rules, account_id, &account, error))
    return FALSE;
  if (daily && !sum_consumption (rules, account_id, day_start, spend->daily_resets_at,
                                 &spend->daily_spent, error))
    return FALSE;
  return !monthly || sum_consumption (rules, account_id, month_start, spend->monthly_resets_at,
                                      &spend->monthly_spent, error);
}

/* As tally_store_policy_spend_for_caps(): only the windows that have a
 * cap are summed. */
static gboolean
pg_policy_spend_for_caps (TallyRulesStore    *rules,
                          const char         *account_id,
                          const TallyPolicy  *policy,
                          gint64              now,
                          TallySpend         *spend,
                          GError            **error)
{
  TallyCaps caps;

  tally_policy_effective_caps (policy, &caps);
  return tally_pg_store_sum_windows (rules, account_id, policy, now, caps.daily > 0,
                                     caps.monthly > 0, spend, error);
}

/* --- devices and synced operations --- */

static void
read_device (const PGresult *res,
             TallyDevice    *out)
{
  memset (out, 0, sizeof *out);
  tally_pg_copy_text (res, 0, 0, out->lease_account_id, sizeof out->lease_account_id);
  tally_pg_copy_text (res, 0, 1, out->lease_id, sizeof out->lease_id);
  out->lease_amount = tally_pg_get_int64 (res, 0, 2);
  out->lease_spent = tally_pg_get_int64 (res, 0, 3);
  out->lease_expires_at = tally_pg_get_int64 (res, 0, 4);
  out->created_at = tally_pg_get_int64 (res, 0, 5);
}

/* @lock: keep the row locked to the end of the transaction. */
static gboolean
find_device (TallyPg      *pg,
             const char   *user_id,
             const char   *device,
             gboolean      lock,
             TallyDevice  *out,
             GError      **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, device);
  res = tally_pg_run (pg, lock
                      ? "SELECT " TALLY_STORE_DEVICE_COLUMNS "FROM devices "
                        "WHERE user_id = $1 AND device = $2 FOR UPDATE"
                      : "SELECT " TALLY_STORE_DEVICE_COLUMNS "FROM devices "
                        "WHERE user_id = $1 AND device = $2",
                      &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such device");

  read_device (res, out);
  return TRUE;
}

static gboolean
pg_find_device (TallyRulesStore  *rules,
                const char       *user_id,
                const char       *device,
                TallyDevice      *out,
                GError          **error)
{
  return find_device (tally_pg_store_pg (rules), user_id, device, FALSE, out, error);
}

/* SQLite's INSERT OR REPLACE: the row as given, whoever wrote last. */
static gboolean
pg_save_device (TallyRulesStore    *rules,
                const char         *user_id,
                const char         *device,
                const TallyDevice  *row,
                GError            **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, device);
  tally_pg_params_add_text (&params, row->lease_account_id);
  tally_pg_params_add_text (&params, row->lease_id[0] != '\0' ? row->lease_id : NULL);
  tally_pg_params_add_int64 (&params, row->lease_amount);
  tally_pg_params_add_int64 (&params, row->lease_spent);
  tally_pg_params_add_int64 (&params, row->lease_expires_at);
  tally_pg_params_add_int64 (&params, row->created_at);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO devices (user_id, device, " TALLY_STORE_DEVICE_COLUMNS
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                               "ON CONFLICT (user_id, device) DO UPDATE "
                               "SET lease_account_id = excluded.lease_account_id, "
                               "lease_id = excluded.lease_id, "
                               "lease_amount = excluded.lease_amount, "
                               "lease_spent = excluded.lease_spent, "
                               "lease_expires_at = excluded.lease_expires_at, "
                               "created_at = excluded.created_at",
                               &params, error);
}

static gboolean
pg_find_sync_op (TallyRulesStore    *rules,
                 const char         *id,
                 TallySyncOpRecord  *record,
                 GError            **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT user_id, digest, result FROM sync_ops WHERE id = $1", &params,
                      error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such operation");

  tally_sync_op_record_clear (record);
  tally_pg_copy_text (res, 0, 0, record->user_id, sizeof record->user_id);
  tally_pg_copy_text (res, 0, 1, record->digest, sizeof record->digest);
  record->result = g_strdup (PQgetvalue (res, 0, 2));
  return TRUE;
}

/* Two servers applying one operation at once: the second insert waits
 * for the first's commit, then the primary key refuses it (CONSTRAINT)
 * and its whole transaction, charges included, is rolled back; the
 * client's retry finds the recorded answer. */
static gboolean
pg_add_sync_op (TallyRulesStore  *rules,
                const char       *id,
                const char       *user_id,
                const char       *device,
                const char       *digest,
                const char       *result,
                GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, device);
  tally_pg_params_add_text (&params, digest);
  tally_pg_params_add_text (&params, result);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO sync_ops (id, user_id, device, digest, result, "
                               "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                               &params, error);
}

/* --- giving a device's lease back --- */

/* The device's row stays locked (FOR UPDATE) from its read to the end
 * of the transaction: a second server releasing the same lease waits,
 * then reads the row without one and releases nothing. */
static gboolean
pg_release_lease (TallyRulesStore  *rules,
                  const char       *user_id,
                  const char       *device,
                  gboolean         *released,
                  GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyDevice row;

  *released = FALSE;
  if (!find_device (tally_pg_store_pg (rules), user_id, device, TRUE, &row, &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (row.lease_id[0] == '\0')
    return TRUE;
  if (!tally_leases_release_hold (rules, row.lease_id, released, error))
    return FALSE;

  row.lease_id[0] = '\0';
  row.lease_amount = 0;
  row.lease_spent = 0;
  row.lease_expires_at = 0;
  return pg_save_device (rules, user_id, device, &row, error);
}

void
tally_pg_store_runs_init (TallyRulesStoreInterface *iface)
{
  iface->find_run = pg_find_run;
  iface->insert_run = pg_insert_run;
  iface->complete_run = pg_complete_run;
  iface->record_run_key = pg_record_run_key;
  iface->list_expiring_runs = pg_list_expiring_runs;
  iface->read_run_status = pg_read_run_status;
  iface->load_policy = pg_load_policy;
  iface->policy_spend_for_caps = pg_policy_spend_for_caps;
  iface->find_device = pg_find_device;
  iface->save_device = pg_save_device;
  iface->find_sync_op = pg_find_sync_op;
  iface->add_sync_op = pg_add_sync_op;
  iface->release_lease = pg_release_lease;
}
