/* tally-pg-store-alerts.c: alert settings, fired alerts and held alert
 * emails, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

/* --- settings --- */

static void
read_settings (const PGresult     *res,
               TallyAlertSettings *settings)
{
  tally_alert_thresholds_from_text (PQgetvalue (res, 0, 0), settings);
  settings->low_balance = tally_pg_is_null (res, 0, 1) ? -1 : tally_pg_get_int64 (res, 0, 1);
  settings->low_balance_armed = tally_pg_get_int64 (res, 0, 2) != 0;
  settings->app = tally_pg_get_int64 (res, 0, 3) != 0;
  settings->desktop = tally_pg_get_int64 (res, 0, 4) != 0;
  settings->email = tally_pg_get_int64 (res, 0, 5) != 0;
  settings->webhook = tally_pg_get_int64 (res, 0, 6) != 0;
  tally_pg_copy_text (res, 0, 7, settings->quiet_start, sizeof settings->quiet_start);
  tally_pg_copy_text (res, 0, 8, settings->quiet_end, sizeof settings->quiet_end);
}

/* The user's settings, or the defaults when they never saved any. */
static gboolean
pg_load_alert_settings (TallyRulesStore     *rules,
                        const char          *user_id,
                        TallyAlertSettings  *settings,
                        GError             **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_alert_settings_init_defaults (settings);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_LOAD_ALERT_SETTINGS, &params,
                      error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    read_settings (res, settings);
  return TRUE;
}

/* "" is stored as NULL. */
static void
add_text_or_null (TallyPgParams *params,
                  const char    *text)
{
  tally_pg_params_add_text (params, text[0] != '\0' ? text : NULL);
}

/* An upsert: of two servers saving at once, the later wins whole. */
static gboolean
pg_save_alert_settings (TallyRulesStore           *rules,
                        const char                *user_id,
                        const TallyAlertSettings  *settings,
                        gint64                     now,
                        GError                   **error)
{
  g_autofree char *thresholds = tally_alert_thresholds_to_text (settings);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, thresholds);
  if (settings->low_balance >= 0)
    tally_pg_params_add_int64 (&params, settings->low_balance);
  else
    tally_pg_params_add_text (&params, NULL);
  tally_pg_params_add_int64 (&params, settings->low_balance_armed ? 1 : 0);
  tally_pg_params_add_int64 (&params, settings->app ? 1 : 0);
  tally_pg_params_add_int64 (&params, settings->desktop ? 1 : 0);
  tally_pg_params_add_int64 (&params, settings->email ? 1 : 0);
  tally_pg_params_add_int64 (&params, settings->webhook ? 1 : 0);
  add_text_or_null (&params, settings->quiet_start);
  add_text_or_null (&params, settings->quiet_end);
  tally_pg_params_add_int64 (&params, now);
  return tally_pg_run_command (tally_pg_store_pg (rules), TALLY_STORE_SAVE_ALERT_SETTINGS,
                               &params, error);
}

static gboolean
pg_set_low_balance_armed (TallyRulesStore  *rules,
                          const char       *user_id,
                          gboolean          armed,
                          gboolean         *changed,
                          GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, armed ? 1 : 0);
  tally_pg_params_add_text (&params, user_id);
  return tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_SET_LOW_BALANCE_ARMED,
                              &params, changed, error);
}

/* --- alerts --- */

/* Row @row of TALLY_STORE_ALERT_COLUMNS. */
void
tally_pg_store_read_alert (const PGresult *res,
                           int             row,
                           TallyAlert     *alert)
{
  memset (alert, 0, sizeof *alert);
  alert->seq = tally_pg_get_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, alert->id, sizeof alert->id);
  tally_pg_copy_text (res, row, 2, alert->user_id, sizeof alert->user_id);
  tally_pg_copy_text (res, row, 3, alert->account_id, sizeof alert->account_id);
  alert->kind = tally_alert_kind_from_string (PQgetvalue (res, row, 4));
  /* NULL reads as "": no window. */
  alert->window = tally_alert_window_from_string (PQgetvalue (res, row, 5));
  tally_pg_copy_text (res, row, 6, alert->window_key, sizeof alert->window_key);
  alert->threshold = tally_pg_get_int64 (res, row, 7);
  alert->amount = tally_pg_get_int64 (res, row, 8);
  alert->limit = tally_pg_get_int64 (res, row, 9);
  alert->message = g_strdup (PQgetvalue (res, row, 10));
  alert->created_at = tally_pg_get_int64 (res, row, 11);
}

/* *@inserted is FALSE when the account's alert for this window and
 * threshold fired already, on this server or another: the unique key
 * decides. */
static gboolean
pg_insert_alert (TallyRulesStore   *rules,
                 const TallyAlert  *alert,
                 gboolean          *inserted,
                 GError           **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, alert->id);
  tally_pg_params_add_text (&params, alert->user_id);
  tally_pg_params_add_text (&params, alert->account_id);
  tally_pg_params_add_text (&params, tally_alert_kind_to_string (alert->kind));
  tally_pg_params_add_text (&params, tally_alert_window_to_string (alert->window));
  tally_pg_params_add_text (&params, alert->window_key);
  tally_pg_params_add_int64 (&params, alert->threshold);
  tally_pg_params_add_int64 (&params, alert->amount);
  tally_pg_params_add_int64 (&params, alert->limit);
  tally_pg_params_add_text (&params, alert->message);
  tally_pg_params_add_int64 (&params, alert->created_at);
  return tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_INSERT_ALERT, &params,
                              inserted, error);
}

static gboolean
pg_find_alert (TallyRulesStore  *rules,
               const char       *id,
               TallyAlert       *alert,
               GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (alert, 0, sizeof *alert);
  tally_pg_params_add_text (&params, id);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_FIND_ALERT, &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such alert");

  tally_pg_store_read_alert (res, 0, alert);
  return TRUE;
}

/* --- emails held for quiet hours --- */

static gboolean
pg_hold_alert_email (TallyRulesStore  *rules,
                     const char       *alert_id,
                     const char       *user_id,
                     gint64            send_after,
                     GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, alert_id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_int64 (&params, send_after);
  return tally_pg_run_command (tally_pg_store_pg (rules), TALLY_STORE_HOLD_ALERT_EMAIL, &params,
                               error);
}

static gboolean
pg_release_alert_email (TallyRulesStore  *rules,
                        const char       *alert_id,
                        gboolean         *released,
                        GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, alert_id);
  return tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_RELEASE_ALERT_EMAIL,
                              &params, released, error);
}

/* The ids of the held emails due at @now, oldest first. */
static GPtrArray *
pg_due_alert_emails (TallyRulesStore  *rules,
                     gint64            now,
                     GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GPtrArray *ids;

  tally_pg_params_add_int64 (&params, now);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_DUE_ALERT_EMAILS, &params, error);
  if (res == NULL)
    return NULL;

  ids = g_ptr_array_new_full (PQntuples (res), g_free);
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (ids, g_strdup (PQgetvalue (res, row, 0)));
  return ids;
}

void
tally_pg_store_alerts_init (TallyRulesStoreInterface *iface)
{
  iface->load_alert_settings = pg_load_alert_settings;
  iface->save_alert_settings = pg_save_alert_settings;
  iface->set_low_balance_armed = pg_set_low_balance_armed;
  iface->insert_alert = pg_insert_alert;
  iface->find_alert = pg_find_alert;
  iface->hold_alert_email = pg_hold_alert_email;
  iface->release_alert_email = pg_release_alert_email;
  iface->due_alert_emails = pg_due_alert_emails;
}
