/* tally-store-alerts.c: alert settings, fired alerts and held alert emails
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-alerts.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static const char * const kinds[] = {
  [TALLY_ALERT_SPEND] = "spend",
  [TALLY_ALERT_LOW_BALANCE] = "low_balance",
};

static const char * const windows[] = {
  [TALLY_ALERT_WINDOW_NONE] = NULL,
  [TALLY_ALERT_WINDOW_DAY] = "day",
  [TALLY_ALERT_WINDOW_MONTH] = "month",
  [TALLY_ALERT_WINDOW_RUN] = "run",
};

const char *
tally_alert_kind_to_string (TallyAlertKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kinds), NULL);

  return kinds[kind];
}

const char *
tally_alert_window_to_string (TallyAlertWindow window)
{
  g_return_val_if_fail ((guint) window < G_N_ELEMENTS (windows), NULL);

  return windows[window];
}

TallyAlertKind
tally_alert_kind_from_string (const char *text)
{
  return g_strcmp0 (text, kinds[TALLY_ALERT_SPEND]) == 0 ? TALLY_ALERT_SPEND
                                                         : TALLY_ALERT_LOW_BALANCE;
}

TallyAlertWindow
tally_alert_window_from_string (const char *text)
{
  for (guint i = 1; i < G_N_ELEMENTS (windows); i++)
    if (g_strcmp0 (text, windows[i]) == 0)
      return (TallyAlertWindow) i;

  return TALLY_ALERT_WINDOW_NONE;
}

void
tally_alert_clear (TallyAlert *alert)
{
  g_clear_pointer (&alert->message, g_free);
}

/* --- settings --- */

void
tally_alert_settings_init_defaults (TallyAlertSettings *settings)
{
  static const gint64 defaults[] = { 50, 80, 100 };

  memset (settings, 0, sizeof *settings);
  settings->n_thresholds = G_N_ELEMENTS (defaults);
  memcpy (settings->thresholds, defaults, sizeof defaults);
  settings->low_balance = -1;
  settings->low_balance_armed = TRUE;
  settings->app = TRUE;
  settings->desktop = TRUE;
  settings->email = TRUE;
  settings->webhook = TRUE;
}

char *
tally_alert_thresholds_to_text (const TallyAlertSettings *settings)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < settings->n_thresholds; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            settings->thresholds[i]);

  return g_string_free (text, FALSE);
}

void
tally_alert_thresholds_from_text (const char         *text,
                                  TallyAlertSettings *settings)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ",", TALLY_ALERT_THRESHOLDS_MAX);

  settings->n_thresholds = 0;
  for (guint i = 0; parts[i] != NULL && parts[i][0] != '\0'; i++)
    settings->thresholds[settings->n_thresholds++] = g_ascii_strtoll (parts[i], NULL, 10);
}

static void
read_settings (sqlite3_stmt       *stmt,
               TallyAlertSettings *settings)
{
  tally_alert_thresholds_from_text ((const char *) sqlite3_column_text (stmt, 0), settings);
  settings->low_balance = sqlite3_column_type (stmt, 1) == SQLITE_NULL
                            ? -1 : sqlite3_column_int64 (stmt, 1);
  settings->low_balance_armed = sqlite3_column_int (stmt, 2) != 0;
  settings->app = sqlite3_column_int (stmt, 3) != 0;
  settings->desktop = sqlite3_column_int (stmt, 4) != 0;
  settings->email = sqlite3_column_int (stmt, 5) != 0;
  settings->webhook = sqlite3_column_int (stmt, 6) != 0;
  tally_store_copy_text (stmt, 7, settings->quiet_start, sizeof settings->quiet_start);
  tally_store_copy_text (stmt, 8, settings->quiet_end, sizeof settings->quiet_end);
}

gboolean
tally_store_load_alert_settings (TallyStore          *self,
                                 const char          *user_id,
                                 TallyAlertSettings  *settings,
                                 GError             **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LOAD_ALERT_SETTINGS, error);
  int rc;

  tally_alert_settings_init_defaults (settings);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_settings (stmt, settings);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           column,
                   const char   *text)
{
  if (text[0] != '\0')
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

gboolean
tally_store_save_alert_settings (TallyStore                *self,
                                 const char                *user_id,
                                 const TallyAlertSettings  *settings,
                                 gint64                     now,
                                 GError                   **error)
{
  g_autofree char *thresholds = tally_alert_thresholds_to_text (settings);
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            TALLY_STORE_SAVE_ALERT_SETTINGS, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, thresholds, -1, SQLITE_TRANSIENT);
  if (settings->low_balance >= 0)
    sqlite3_bind_int64 (stmt, 3, settings->low_balance);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int (stmt, 4, settings->low_balance_armed);
  sqlite3_bind_int (stmt, 5, settings->app);
  sqlite3_bind_int (stmt, 6, settings->desktop);
  sqlite3_bind_int (stmt, 7, settings->email);
  sqlite3_bind_int (stmt, 8, settings->webhook);
  bind_text_or_null (stmt, 9, settings->quiet_start);
  bind_text_or_null (stmt, 10, settings->quiet_end);
  sqlite3_bind_int64 (stmt, 11, now);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_set_low_balance_armed (TallyStore  *self,
                                   const char  *user_id,
                                   gboolean     armed,
                                   gboolean    *changed,
                                   GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SET_LOW_BALANCE_ARMED, error);
  sqlite3 *db;

  *changed = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int (stmt, 1, armed ? 1 : 0);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *changed = sqlite3_changes (db) == 1;
  return TRUE;
}

/* --- alerts --- */

static void
read_alert (sqlite3_stmt *stmt,
            TallyAlert   *alert)
{
  memset (alert, 0, sizeof *alert);
  alert->seq = sqlite3_column_int64 (stmt, 0);
  tally_store_copy_text (stmt, 1, alert->id, sizeof alert->id);
  tally_store_copy_text (stmt, 2, alert->user_id, sizeof alert->user_id);
  tally_store_copy_text (stmt, 3, alert->account_id, sizeof alert->account_id);
  alert->kind = tally_alert_kind_from_string ((const char *) sqlite3_column_text (stmt, 4));
  alert->window = tally_alert_window_from_string ((const char *) sqlite3_column_text (stmt, 5));
  tally_store_copy_text (stmt, 6, alert->window_key, sizeof alert->window_key);
  alert->threshold = sqlite3_column_int64 (stmt, 7);
  alert->amount = sqlite3_column_int64 (stmt, 8);
  alert->limit = sqlite3_column_int64 (stmt, 9);
  alert->message = g_strdup ((const char *) sqlite3_column_text (stmt, 10));
  alert->created_at = sqlite3_column_int64 (stmt, 11);
}

gboolean
tally_store_insert_alert (TallyStore        *self,
                          const TallyAlert  *alert,
                          gboolean          *inserted,
                          GError           **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_ALERT, error);
  const char *window = tally_alert_window_to_string (alert->window);

  *inserted = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, alert->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, alert->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, alert->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, tally_alert_kind_to_string (alert->kind), -1, SQLITE_STATIC);
  if (window != NULL)
    sqlite3_bind_text (stmt, 5, window, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 5);
  sqlite3_bind_text (stmt, 6, alert->window_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, alert->threshold);
  sqlite3_bind_int64 (stmt, 8, alert->amount);
  sqlite3_bind_int64 (stmt, 9, alert->limit);
  sqlite3_bind_text (stmt, 10, alert->message, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 11, alert->created_at);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (tally_ledger_get_sqlite (tally_store_get_ledger (self))) == 1;
  return TRUE;
}

GArray *
tally_store_list_alerts (TallyStore  *self,
                         const char  *user_id,
                         gint64       since,
                         gint64       until,
                         gint64       before_seq,
                         guint        limit,
                         gint64      *next_before_seq,
                         GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LIST_ALERTS, error);
  g_autoptr(GArray) alerts = NULL;
  int rc;

  *next_before_seq = 0;
  if (stmt == NULL)
    return NULL;

  alerts = g_array_new (FALSE, TRUE, sizeof (TallyAlert));
  g_array_set_clear_func (alerts, (GDestroyNotify) tally_alert_clear);
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, before_seq);
  sqlite3_bind_int64 (stmt, 3, since);
  sqlite3_bind_int64 (stmt, 4, until);
  /* One more than asked: whether there is a next page. */
  sqlite3_bind_int64 (stmt, 5, (gint64) limit + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyAlert alert;

      read_alert (stmt, &alert);
      g_array_append_val (alerts, alert);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  if (alerts->len > limit)
    {
      g_array_set_size (alerts, limit);
      *next_before_seq = g_array_index (alerts, TallyAlert, limit - 1).seq;
    }
  return g_steal_pointer (&alerts);
}

gboolean
tally_store_find_alert (TallyStore  *self,
                        const char  *id,
                        TallyAlert  *alert,
                        GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_ALERT, error);
  int rc;

  memset (alert, 0, sizeof *alert);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_alert (stmt, alert);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such alert");
  return FALSE;
}

/* --- emails held for quiet hours --- */

gboolean
tally_store_hold_alert_email (TallyStore  *self,
                              const char  *alert_id,
                              const char  *user_id,
                              gint64       send_after,
                              GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_HOLD_ALERT_EMAIL, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, alert_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, send_after);
  return tally_store_step_done (self, stmt, error);
}

GPtrArray *
tally_store_due_alert_emails (TallyStore  *self,
                              gint64       now,
                              GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_DUE_ALERT_EMAILS, error);
  g_autoptr(GPtrArray) ids = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_bind_int64 (stmt, 1, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

gboolean
tally_store_release_alert_email (TallyStore  *self,
                                 const char  *alert_id,
                                 gboolean    *released,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_RELEASE_ALERT_EMAIL, error);
  sqlite3 *db;

  *released = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, alert_id, -1, SQLITE_TRANSIENT);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *released = sqlite3_changes (db) == 1;
  return TRUE;
}

gboolean
tally_store_next_alert_email (TallyStore  *self,
                              gint64      *at,
                              GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "SELECT MIN(send_after) FROM alert_emails",
                                            error);
  gboolean found = FALSE;
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      *at = sqlite3_column_int64 (stmt, 0);
      found = TRUE;
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
  return found;
}
