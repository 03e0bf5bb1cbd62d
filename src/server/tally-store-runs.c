/* tally-store-runs.c: runs and spend policies
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-runs.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static const char * const run_statuses[] = {
  [TALLY_RUN_STATUS_AUTHORIZED] = "authorized",
  [TALLY_RUN_STATUS_SUCCEEDED] = "succeeded",
  [TALLY_RUN_STATUS_FAILED] = "failed",
  [TALLY_RUN_STATUS_CANCELLED] = "cancelled",
  [TALLY_RUN_STATUS_EXPIRED] = "expired",
  [TALLY_RUN_STATUS_REFUSED] = "refused",
};

const char *
tally_run_status_to_string (TallyRunStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (run_statuses), NULL);

  return run_statuses[status];
}

gboolean
tally_run_status_from_string (const char     *str,
                              TallyRunStatus *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_statuses); i++)
    {
      if (g_strcmp0 (str, run_statuses[i]) == 0)
        {
          *status = (TallyRunStatus) i;
          return TRUE;
        }
    }

  return FALSE;
}

void
tally_run_clear (TallyRun *run)
{
  g_clear_pointer (&run->authorize_body, g_free);
  g_clear_pointer (&run->complete_body, g_free);
}

static void
read_rule (sqlite3_stmt   *stmt,
           int             first,
           TallyPriceRule *rule)
{
  rule->base = sqlite3_column_int64 (stmt, first);
  rule->rate = sqlite3_column_int64 (stmt, first + 1);
  rule->per = sqlite3_column_int64 (stmt, first + 2);
  rule->minimum = sqlite3_column_int64 (stmt, first + 3);
  rule->min_units = sqlite3_column_int64 (stmt, first + 4);
  rule->max_units = sqlite3_column_int64 (stmt, first + 5);
  rule->typical_units = rule->min_units;
}

static void
read_run (sqlite3_stmt *stmt,
          TallyRun     *run)
{
  memset (run, 0, sizeof *run);
  tally_store_copy_text (stmt, 0, run->id, sizeof run->id);
  tally_store_copy_text (stmt, 1, run->user_id, sizeof run->user_id);
  tally_store_copy_text (stmt, 2, run->account_id, sizeof run->account_id);
  tally_store_copy_text (stmt, 3, run->tool_id, sizeof run->tool_id);
  tally_store_copy_text (stmt, 4, run->request_digest, sizeof run->request_digest);
  if (!tally_run_status_from_string ((const char *) sqlite3_column_text (stmt, 5), &run->status))
    run->status = TALLY_RUN_STATUS_REFUSED;
  run->held = sqlite3_column_int64 (stmt, 6);
  run->charged = sqlite3_column_int64 (stmt, 7);
  run->units = sqlite3_column_type (stmt, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 8);
  read_rule (stmt, 9, &run->rule);
  run->authorize_status = (guint) sqlite3_column_int (stmt, 15);
  run->authorize_body = g_strdup ((const char *) sqlite3_column_text (stmt, 16));
  tally_store_copy_text (stmt, 17, run->complete_digest, sizeof run->complete_digest);
  run->complete_status = (guint) sqlite3_column_int (stmt, 18);
  run->complete_body = g_strdup ((const char *) sqlite3_column_text (stmt, 19));
  run->created_at = sqlite3_column_int64 (stmt, 20);
  run->completed_at = sqlite3_column_int64 (stmt, 21);
  run->hold_expires_at = sqlite3_column_int64 (stmt, 22);
}

gboolean
tally_store_find_run (TallyStore  *self,
                      const char  *id,
                      TallyRun    *run,
                      GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self, "SELECT " TALLY_STORE_RUN_COLUMNS "FROM runs WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_run (stmt, run);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such run");
  return FALSE;
}

static void
bind_rule (sqlite3_stmt         *stmt,
           int                   first,
           const TallyPriceRule *rule)
{
  sqlite3_bind_int64 (stmt, first, rule->base);
  sqlite3_bind_int64 (stmt, first + 1, rule->rate);
  sqlite3_bind_int64 (stmt, first + 2, rule->per);
  sqlite3_bind_int64 (stmt, first + 3, rule->minimum);
  sqlite3_bind_int64 (stmt, first + 4, rule->min_units);
  sqlite3_bind_int64 (stmt, first + 5, rule->max_units);
}

gboolean
tally_store_insert_run (TallyStore      *self,
                        const TallyRun  *run,
                        const char      *inputs,
                        GError         **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self,
                              "INSERT INTO runs (id, user_id, account_id, tool_id, "
                              "request_digest, inputs, status, held, authorize_status, "
                              "authorize_body, created_at, hold_expires_at, price_base, "
                              "price_rate, price_per, price_minimum, price_min_units, "
                              "price_max_units) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, run->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, run->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, run->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, run->tool_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, run->request_digest, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, inputs, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, tally_run_status_to_string (run->status), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, run->held);
  sqlite3_bind_int (stmt, 9, (int) run->authorize_status);
  sqlite3_bind_text (stmt, 10, run->authorize_body, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 11, run->created_at);
  sqlite3_bind_int64 (stmt, 12, run->hold_expires_at);
  bind_rule (stmt, 13, &run->rule);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_complete_run (TallyStore      *self,
                          const TallyRun  *run,
                          GError         **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self,
                              "UPDATE runs SET status = ?, charged = ?, units = ?, "
                              "complete_digest = ?, complete_status = ?, complete_body = ?, "
                              "completed_at = ? WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, tally_run_status_to_string (run->status), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, run->charged);
  if (run->units >= 0)
    sqlite3_bind_int64 (stmt, 3, run->units);
  sqlite3_bind_text (stmt, 4, run->complete_digest, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, (int) run->complete_status);
  sqlite3_bind_text (stmt, 6, run->complete_body, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, run->completed_at);
  sqlite3_bind_text (stmt, 8, run->id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

/* An unknown zone reads as UTC: a limit check never fails on it. */
static void
init_policy (TallyPolicy *policy,
             const char  *timezone)
{
  tally_policy_init (policy, NULL);
  if (timezone != NULL && !tally_policy_set_timezone (policy, timezone, NULL))
    tally_policy_set_timezone (policy, NULL, NULL);
}

gboolean
tally_store_load_policy (TallyStore   *self,
                         const char   *account_id,
                         const char   *timezone,
                         TallyPolicy  *policy,
                         GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  init_policy (policy, timezone);
  stmt = tally_store_prepare (self,
                              "SELECT " TALLY_STORE_POLICY_COLUMNS
                              "FROM policies WHERE account_id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      policy->ceiling.per_run = sqlite3_column_int64 (stmt, 0);
      policy->ceiling.daily = sqlite3_column_int64 (stmt, 1);
      policy->ceiling.monthly = sqlite3_column_int64 (stmt, 2);
      policy->user.per_run = sqlite3_column_int64 (stmt, 3);
      policy->user.daily = sqlite3_column_int64 (stmt, 4);
      policy->user.monthly = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  return TRUE;
}

gboolean
tally_store_save_policy (TallyStore         *self,
                         const char         *account_id,
                         const TallyPolicy  *policy,
                         GError            **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self, TALLY_STORE_SAVE_POLICY, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, policy->ceiling.per_run);
  sqlite3_bind_int64 (stmt, 3, policy->ceiling.daily);
  sqlite3_bind_int64 (stmt, 4, policy->ceiling.monthly);
  sqlite3_bind_int64 (stmt, 5, policy->user.per_run);
  sqlite3_bind_int64 (stmt, 6, policy->user.daily);
  sqlite3_bind_int64 (stmt, 7, policy->user.monthly);
  return tally_store_step_done (self, stmt, error);
}

/* What the account spent in its current day and month windows; a window
 * left out reads as nothing spent. */
static gboolean
sum_windows (TallyStore         *self,
             const char         *account_id,
             const TallyPolicy  *policy,
             gint64              now,
             gboolean            daily,
             gboolean            monthly,
             TallySpend         *spend,
             GError            **error)
{
  TallyLedger *ledger = tally_store_get_ledger (self);
  gint64 day_start, month_start;

  tally_policy_window (policy, TALLY_LIMIT_DAILY, now, &day_start, &spend->daily_resets_at);
  tally_policy_window (policy, TALLY_LIMIT_MONTHLY, now, &month_start, &spend->monthly_resets_at);
  spend->daily_spent = 0;
  spend->monthly_spent = 0;

  if (daily && !tally_ledger_sum_consumption (ledger, account_id, day_start,
                                              spend->daily_resets_at, &spend->daily_spent, error))
    return FALSE;

  return !monthly || tally_ledger_sum_consumption (ledger, account_id, month_start,
                                                   spend->monthly_resets_at,
                                                   &spend->monthly_spent, error);
}

gboolean
tally_store_policy_spend (TallyStore         *self,
                          const char         *account_id,
                          const TallyPolicy  *policy,
                          gint64              now,
                          TallySpend         *spend,
                          GError            **error)
{
  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  return sum_windows (self, account_id, policy, now, TRUE, TRUE, spend, error);
}

/* The same, but only the windows that have a cap: an account without caps
 * costs its authorizations no scan at all. */
gboolean
tally_store_policy_spend_for_caps (TallyStore         *self,
                                   const char         *account_id,
                                   const TallyPolicy  *policy,
                                   gint64              now,
                                   TallySpend         *spend,
                                   GError            **error)
{
  TallyCaps caps;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  tally_policy_effective_caps (policy, &caps);
  return sum_windows (self, account_id, policy, now, caps.daily > 0, caps.monthly > 0, spend,
                      error);
}

GArray *
tally_store_list_expiring_runs (TallyStore  *self,
                                gint64       after,
                                gint64       until,
                                GError     **error)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, TRUE, sizeof (TallyRun));
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT id, user_id, tool_id, held FROM runs "
                                            "WHERE status = 'authorized' AND held > 0 "
                                            "AND hold_expires_at > ? AND hold_expires_at <= ?",
                                            error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after);
  sqlite3_bind_int64 (stmt, 2, until);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyRun run = { 0 };

      tally_store_copy_text (stmt, 0, run.id, sizeof run.id);
      tally_store_copy_text (stmt, 1, run.user_id, sizeof run.user_id);
      tally_store_copy_text (stmt, 2, run.tool_id, sizeof run.tool_id);
      run.held = sqlite3_column_int64 (stmt, 3);
      g_array_append_val (runs, run);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&runs);
}

gboolean
tally_store_read_run_status (TallyStore  *self,
                             const char  *id,
                             char        *status,
                             gsize        size,
                             gboolean    *found,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "SELECT status FROM runs WHERE id = ?", error);
  int rc;

  *found = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (*found)
    tally_store_copy_text (stmt, 0, status, size);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}
