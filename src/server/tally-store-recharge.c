/* tally-store-recharge.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-private.h"
#include "tally-store-recharge.h"
#include "tally-store-sql.h"

static void
read_settings (sqlite3_stmt          *stmt,
               TallyRechargeSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  tally_store_copy_text (stmt, 0, settings->account_id, sizeof settings->account_id);
  tally_store_copy_text (stmt, 1, settings->user_id, sizeof settings->user_id);
  settings->enabled = sqlite3_column_int (stmt, 2) != 0;
  settings->threshold = sqlite3_column_int64 (stmt, 3);
  tally_store_copy_text (stmt, 4, settings->pack_id, sizeof settings->pack_id);
  settings->monthly_cap = sqlite3_column_int64 (stmt, 5);
  settings->failures = sqlite3_column_int64 (stmt, 6);
  settings->paused = sqlite3_column_int (stmt, 7) != 0;
  tally_store_copy_text (stmt, 8, settings->in_flight, sizeof settings->in_flight);
}

gboolean
tally_store_find_recharge_settings (TallyStore             *self,
                                    const char             *account_id,
                                    TallyRechargeSettings  *settings,
                                    GError                **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_RECHARGE_SETTINGS_COLUMNS
                                            "FROM auto_recharge WHERE account_id = ?", error);
  int rc;

  memset (settings, 0, sizeof *settings);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_settings (stmt, settings);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

gboolean
tally_store_save_recharge_settings (TallyStore                   *self,
                                    const TallyRechargeSettings  *settings,
                                    GError                      **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SAVE_RECHARGE_SETTINGS, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, settings->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, settings->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, settings->enabled);
  sqlite3_bind_int64 (stmt, 4, settings->threshold);
  sqlite3_bind_text (stmt, 5, settings->pack_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, settings->monthly_cap);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
  return tally_store_step_done (self, stmt, error);
}

GPtrArray *
tally_store_list_stale_recharges (TallyStore  *self,
                                  gint64       before,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT a.in_flight FROM auto_recharge a "
                                            "JOIN recharges r ON r.payment_id = a.in_flight "
                                            "WHERE a.in_flight IS NOT NULL "
                                            "AND r.created_at < ?", error);
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, before);
  list = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  return g_steal_pointer (&list);
}

/* Steps @stmt, its parameters bound, for at most one row and reads the
 * row's first column into @value; the step's result code. */
static int
step_int64 (sqlite3_stmt *stmt,
            gint64       *value)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return rc;
}

gboolean
tally_store_find_recharge (TallyStore  *self,
                           const char  *payment_id,
                           gint64      *started_at,
                           GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT created_at FROM recharges "
                                            "WHERE payment_id = ?", error);
  int rc;

  *started_at = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, payment_id, -1, SQLITE_STATIC);
  rc = step_int64 (stmt, started_at);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

gboolean
tally_store_last_declined_recharge (TallyStore  *self,
                                    const char  *account_id,
                                    gint64      *started_at,
                                    GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT COALESCE(MAX(created_at), 0) "
                                            "FROM recharges WHERE account_id = ? "
                                            "AND status = 'failed'", error);

  *started_at = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  if (step_int64 (stmt, started_at) != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_clear_recharge_failures (TallyStore  *self,
                                     const char  *account_id,
                                     GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE auto_recharge SET failures = 0, paused = 0 "
                                            "WHERE account_id = ?", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_count_recharges (TallyStore  *self,
                             const char  *account_id,
                             gint64       since,
                             gint64      *count,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT COUNT(*) FROM recharges "
                                            "WHERE account_id = ? AND created_at >= ? "
                                            "AND status != 'failed'", error);

  *count = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, since);
  if (step_int64 (stmt, count) != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_start_recharge (TallyStore  *self,
                            const char  *account_id,
                            const char  *payment_id,
                            GError     **error)
{
  sqlite3_stmt *insert = tally_store_prepare (self,
                                              "INSERT INTO recharges (payment_id, account_id, "
                                              "status, created_at) VALUES (?, ?, 'pending', ?)",
                                              error);
  sqlite3_stmt *update = NULL;

  if (insert == NULL)
    return FALSE;

  sqlite3_bind_text (insert, 1, payment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 3, g_get_real_time ());
  if (!tally_store_step_done (self, insert, error))
    return FALSE;

  update = tally_store_prepare (self,
                                "UPDATE auto_recharge SET in_flight = ? WHERE account_id = ?",
                                error);
  if (update == NULL)
    return FALSE;

  sqlite3_bind_text (update, 1, payment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (update, 2, account_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, update, error);
}

/* The CASE below counts on these values. */
G_STATIC_ASSERT (TALLY_RECHARGE_SUCCEEDED == 0 && TALLY_RECHARGE_DECLINED == 1);

static const char *
recharge_status (TallyRechargeOutcome outcome)
{
  return outcome == TALLY_RECHARGE_SUCCEEDED ? "succeeded" : "failed";
}

gboolean
tally_store_finish_recharge (TallyStore            *self,
                             const char            *account_id,
                             const char            *payment_id,
                             TallyRechargeOutcome   outcome,
                             GError               **error)
{
  sqlite3_stmt *recharge = tally_store_prepare (self,
                                                "UPDATE recharges SET status = ? "
                                                "WHERE payment_id = ?", error);
  sqlite3_stmt *settings = NULL;

  if (recharge == NULL)
    return FALSE;

  sqlite3_bind_text (recharge, 1, recharge_status (outcome), -1, SQLITE_STATIC);
  sqlite3_bind_text (recharge, 2, payment_id, -1, SQLITE_STATIC);
  if (!tally_store_step_done (self, recharge, error))
    return FALSE;

  /* Only the recharge in flight counts: one ended before already did. */
  settings = tally_store_prepare (self,
                                  "UPDATE auto_recharge SET in_flight = NULL, "
                                  "failures = CASE ?1 WHEN 0 THEN 0 WHEN 1 THEN failures + 1 "
                                  "ELSE failures END, "
                                  "paused = CASE ?1 WHEN 1 THEN failures + 1 >= ?2 "
                                  "ELSE paused END "
                                  "WHERE account_id = ?3 AND in_flight = ?4", error);
  if (settings == NULL)
    return FALSE;

  sqlite3_bind_int (settings, 1, outcome);
  sqlite3_bind_int (settings, 2, TALLY_RECHARGE_MAX_FAILURES);
  sqlite3_bind_text (settings, 3, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (settings, 4, payment_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, settings, error);
}
