/* tally-api-alerts.c: GET/PUT /v1/me/alerts and GET /v1/alerts
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tally-alerts.h"
#include "tally-api.h"
#include "tally-api-json.h"
#include "tally-api-decoders.h"
#include "tally-api-query.h"
#include "tally-server.h"

/* --- decoding --- */

static gboolean
decode_thresholds (JsonObject                *body,
                   TallyAlertSettingsRequest *out,
                   TallyProblem              *problem)
{
  JsonArray *array = NULL;
  guint n;

  if (!tally_json_get_array (body, "thresholds", TALLY_FIELD_OPTIONAL, &array, problem))
    return FALSE;
  if (array == NULL)
    {
      if (json_object_has_member (body, "thresholds"))
        {
          tally_problem_invalid (problem, "thresholds", "“thresholds” must be a list");
          return FALSE;
        }
      return TRUE;
    }

  n = json_array_get_length (array);
  if (n > TALLY_ALERT_THRESHOLDS_MAX)
    {
      tally_problem_invalid (problem, "thresholds", "“thresholds” may hold at most %d values",
                             TALLY_ALERT_THRESHOLDS_MAX);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) < 1 || json_node_get_int (node) > 100)
        {
          tally_problem_invalid (problem, "thresholds",
                                 "“thresholds” must be whole numbers from 1 to 100");
          return FALSE;
        }
      out->thresholds[i] = json_node_get_int (node);
    }

  out->has_thresholds = TRUE;
  out->n_thresholds = n;
  return TRUE;
}

static gboolean
decode_low_balance (JsonObject                *body,
                    TallyAlertSettingsRequest *out,
                    TallyProblem              *problem)
{
  JsonNode *node = json_object_get_member (body, "low_balance");

  if (node == NULL)
    return TRUE;

  out->has_low_balance = TRUE;
  out->low_balance = -1;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  return tally_json_get_int (body, "low_balance", TALLY_FIELD_REQUIRED, 0, TALLY_API_AMOUNT_MAX,
                             &out->low_balance, problem);
}

static gboolean
decode_channel (JsonObject   *channels,
                const char   *name,
                gboolean     *has,
                gboolean     *value,
                TallyProblem *problem)
{
  JsonNode *node = json_object_get_member (channels, name);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_autofree char *field = g_strconcat ("channels.", name, NULL);

      tally_problem_invalid (problem, field, "“%s” must be true or false", field);
      return FALSE;
    }

  *has = TRUE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
decode_channels (JsonObject                *body,
                 TallyAlertSettingsRequest *out,
                 TallyProblem              *problem)
{
  JsonObject *channels = NULL;

  if (!tally_json_get_object (body, "channels", TALLY_FIELD_OPTIONAL, &channels, problem))
    return FALSE;
  if (channels == NULL)
    {
      if (json_object_has_member (body, "channels"))
        {
          tally_problem_invalid (problem, "channels", "“channels” must be an object");
          return FALSE;
        }
      return TRUE;
    }

  return decode_channel (channels, "app", &out->has_app, &out->app, problem) &&
         decode_channel (channels, "desktop", &out->has_desktop, &out->desktop, problem) &&
         decode_channel (channels, "email", &out->has_email, &out->email, problem) &&
         decode_channel (channels, "webhook", &out->has_webhook, &out->webhook, problem);
}

/* "HH:MM", 00:00 to 23:59. */
static gboolean
decode_time (JsonObject   *quiet,
             const char   *name,
             char          out[TALLY_ALERT_TIME_LEN],
             TallyProblem *problem)
{
  g_autofree char *field = g_strconcat ("quiet_hours.", name, NULL);
  JsonNode *node = json_object_get_member (quiet, name);
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    goto invalid;

  text = json_node_get_string (node);
  if (strlen (text) != 5 || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1]) ||
      text[2] != ':' || !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]) ||
      (text[0] - '0') * 10 + (text[1] - '0') > 23 || text[3] > '5')
    goto invalid;

  g_strlcpy (out, text, TALLY_ALERT_TIME_LEN);
  return TRUE;

invalid:
  tally_problem_invalid (problem, field, "“%s” must be a time “HH:MM”", field);
  return FALSE;
}

static gboolean
decode_quiet_hours (JsonObject                *body,
                    TallyAlertSettingsRequest *out,
                    TallyProblem              *problem)
{
  JsonNode *node = json_object_get_member (body, "quiet_hours");
  JsonObject *quiet;

  if (node == NULL)
    return TRUE;

  out->has_quiet_hours = TRUE;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tally_problem_invalid (problem, "quiet_hours",
                             "“quiet_hours” must be {start, end} or null");
      return FALSE;
    }

  quiet = json_node_get_object (node);
  return decode_time (quiet, "start", out->quiet_start, problem) &&
         decode_time (quiet, "end", out->quiet_end, problem);
}

gboolean
tally_api_decode_alert_settings (JsonObject                *body,
                                 TallyAlertSettingsRequest *out,
                                 TallyProblem              *problem)
{
  memset (out, 0, sizeof *out);

  return decode_thresholds (body, out, problem) &&
         decode_low_balance (body, out, problem) &&
         decode_channels (body, out, problem) &&
         decode_quiet_hours (body, out, problem);
}

/* --- answers --- */

JsonObject *
tally_api_alert_settings_json (const TallyAlertSettings *settings)
{
  JsonObject *object = json_object_new ();
  JsonObject *channels = json_object_new ();
  JsonArray *thresholds = json_array_new ();

  for (guint i = 0; i < settings->n_thresholds; i++)
    json_array_add_int_element (thresholds, settings->thresholds[i]);
  json_object_set_array_member (object, "thresholds", thresholds);
  if (settings->low_balance >= 0)
    json_object_set_int_member (object, "low_balance", settings->low_balance);
  else
    json_object_set_null_member (object, "low_balance");

  json_object_set_boolean_member (channels, "app", settings->app);
  json_object_set_boolean_member (channels, "desktop", settings->desktop);
  json_object_set_boolean_member (channels, "email", settings->email);
  json_object_set_boolean_member (channels, "webhook", settings->webhook);
  json_object_set_object_member (object, "channels", channels);

  if (settings->quiet_start[0] != '\0')
    {
      JsonObject *quiet = json_object_new ();

      json_object_set_string_member (quiet, "start", settings->quiet_start);
      json_object_set_string_member (quiet, "end", settings->quiet_end);
      json_object_set_object_member (object, "quiet_hours", quiet);
    }
  else
    json_object_set_null_member (object, "quiet_hours");

  return object;
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

static void
handle_get_settings (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(JsonObject) body = NULL;
  TallyAlertSettings settings;

  if (!tally_rules_store_load_alert_settings (TALLY_RULES_STORE (store),
                                              tally_request_get_user (request)->id, &settings,
                                              NULL))
    {
      respond_storage_error (request);
      return;
    }

  body = tally_api_alert_settings_json (&settings);
  tally_request_respond_object (request, 200, body);
}

typedef struct
{
  TallyRequest              *request;
  TallyAlertSettingsRequest  decoded;
  TallyAlertSettings         settings;
} SettingsJob;

static void
settings_job_free (gpointer data)
{
  SettingsJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
settings_write (gpointer   data,
                GError   **error)
{
  SettingsJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_alerts_save_settings (tally_server_get_alerts (server),
                                     tally_request_get_user (job->request)->id, &job->decoded,
                                     &job->settings, error);
}

static void
settings_done (gpointer      data,
               const GError *error)
{
  SettingsJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  body = tally_api_alert_settings_json (&job->settings);
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_put_settings (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  SettingsJob *job;

  job = g_new0 (SettingsJob, 1);
  if (body == NULL || !tally_api_decode_alert_settings (body, &job->decoded, &problem))
    {
      g_free (job);
      tally_request_respond_problem (request, &problem);
      return;
    }

  job->request = tally_request_ref (request);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       settings_write, settings_done, job, settings_job_free);
}

/* --- history --- */

static void
respond_alerts (TallyRequest *request,
                GArray       *alerts,
                gint64        next_before_seq)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items = json_array_new ();

  for (guint i = 0; i < alerts->len; i++)
    json_array_add_object_element (items,
                                   tally_alert_to_json (&g_array_index (alerts, TallyAlert, i)));
  json_object_set_array_member (body, "items", items);

  if (next_before_seq > 0)
    {
      g_autofree char *cursor = tally_api_cursor_encode (next_before_seq, "alerts");

      json_object_set_string_member (body, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (body, "next_cursor");

  tally_request_respond_object (request, 200, body);
}

static void
handle_list (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(GArray) alerts = NULL;
  gint64 since = 0, until = 0, before_seq = 0, next = 0;
  guint limit;

  if (!tally_api_parse_time_range (request, &since, &until, &problem) ||
      !tally_api_parse_page (request, "alerts", &limit, &before_seq, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  alerts = tally_api_store_list_alerts (store, tally_request_get_user (request)->id, since, until,
                                        before_seq, limit, &next, NULL);
  if (alerts == NULL)
    {
      respond_storage_error (request);
      return;
    }

  respond_alerts (request, alerts, next);
}

/* --- unsubscribing from alert emails, without signing in --- */

static char *
page (const char *title,
      const char *body)
{
  g_autofree char *head = g_markup_printf_escaped ("<!DOCTYPE html>\n<html><head><meta "
                                                   "charset=\"utf-8\"><title>%s</title></head>\n"
                                                   "<body><h1>%s</h1>\n", title, title);

  return g_strconcat (head, body, "\n</body></html>\n", NULL);
}

/* The user the link was made for; FALSE (answered) when it is not one of
 * ours. */
static gboolean
link_user (TallyRequest *request,
           char          user_id[TALLY_UUID_LEN])
{
  TallyAlerts *alerts = tally_server_get_alerts (tally_request_get_server (request));
  const char *token = tally_api_query_value (request, "token");

  if (!tally_alerts_check_unsubscribe_token (alerts, token, user_id))
    {
      g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

      tally_problem_invalid (&problem, "token", "This unsubscribe link is not valid");
      tally_request_respond_problem (request, &problem);
      return FALSE;
    }

  return TRUE;
}

static void
handle_unsubscribe_page (TallyRequest *request)
{
  char user_id[TALLY_UUID_LEN];
  g_autofree char *form = NULL;

  if (!link_user (request, user_id))
    return;

  form = g_markup_printf_escaped ("<p>%s</p>\n<form method=\"post\" action=\"?token=%s\">"
                                  "<button>%s</button></form>",
                                  _("Stop the alert emails Tally sends you? Alerts still show in "
                                    "the app."),
                                  tally_api_query_value (request, "token"),
                                  _("Stop alert emails"));
  tally_request_respond_text (request, 200, "text/html; charset=utf-8",
                              page (_("Alert emails"), form));
}

typedef struct
{
  TallyRequest       *request;
  char                user_id[TALLY_UUID_LEN];
  TallyAlertSettings  settings;
} UnsubscribeJob;

static void
unsubscribe_job_free (gpointer data)
{
  UnsubscribeJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
unsubscribe_write (gpointer   data,
                   GError   **error)
{
  UnsubscribeJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_alerts_unsubscribe_email (tally_server_get_alerts (server), job->user_id,
                                         &job->settings, error);
}

static void
unsubscribe_done (gpointer      data,
                  const GError *error)
{
  UnsubscribeJob *job = data;
  g_autofree char *body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  body = g_markup_printf_escaped ("<p>%s</p>",
                                  _("Tally sends you no more alert emails. You can turn them on "
                                    "again in Tally's Preferences (Alerts)."));
  tally_request_respond_text (job->request, 200, "text/html; charset=utf-8",
                              page (_("Alert emails are off"), body));
}

static void
handle_unsubscribe (TallyRequest *request)
{
  UnsubscribeJob *job = g_new0 (UnsubscribeJob, 1);

  if (!link_user (request, job->user_id))
    {
      g_free (job);
      return;
    }

  job->request = tally_request_ref (request);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       unsubscribe_write, unsubscribe_done, job, unsubscribe_job_free);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/me/alerts", handle_get_settings, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/alerts", handle_put_settings, TALLY_ROUTE_AUTH },
  { "GET", "/v1/alerts", handle_list, TALLY_ROUTE_AUTH },
  { "GET", TALLY_ALERTS_UNSUBSCRIBE_PATH, handle_unsubscribe_page, TALLY_ROUTE_PUBLIC },
  { "POST", TALLY_ALERTS_UNSUBSCRIBE_PATH, handle_unsubscribe, TALLY_ROUTE_PUBLIC },
};

void
tally_api_alerts_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
