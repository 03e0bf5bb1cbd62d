/* test-alert-types.c: alerts, alert settings and webhooks typed from
 * replies of every shape and back to request bodies; alerts kept once in
 * the cache
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server: the replies are written here, wrong on
 * purpose. G_DEBUG=fatal-warnings makes a json-glib critical fail the
 * test too.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "tally-alert.h"
#include "tally-alert-settings.h"
#include "tally-cache.h"
#include "tally-client.h"
#include "tally-webhook.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

#define SPEND_ALERT "{\"id\": \"a1\", \"kind\": \"spend\", \"window\": \"month\", " \
                    "\"threshold\": 80, \"amount\": 1600, \"limit\": 2000, " \
                    "\"created_at\": \"2026-12-06T10:00:00Z\", \"message\": \"80%\"}"

/* --- alerts --- */

static void
test_alert_spend (void)
{
  g_autoptr(JsonObject) object = parse_object (SPEND_ALERT);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAlert) alert = tally_alert_new_from_json (object, &error);
  g_autofree char *text = NULL;
  g_autofree char *heading = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (tally_alert_get_id (alert), ==, "a1");
  g_assert_cmpint (tally_alert_get_kind (alert), ==, TALLY_ALERT_KIND_SPEND);
  g_assert_cmpstr (tally_alert_get_window (alert), ==, "month");
  g_assert_cmpint (tally_alert_get_created_us (alert), ==, G_GINT64_CONSTANT (1796551200000000));
  text = tally_alert_describe (alert);
  g_assert_cmpstr (text, ==, "You have spent 80% of your monthly cap: 1600 of 2000 credits.");
  heading = tally_alert_describe_short (alert);
  g_assert_cmpstr (heading, ==, "80% of your monthly cap spent");
}

static void
test_alert_low_balance (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"a2\", \"kind\": \"low_balance\", "
                                               "\"window\": null, \"threshold\": 100, "
                                               "\"amount\": 90, \"limit\": 100, "
                                               "\"created_at\": \"2026-12-06T10:00:00Z\", "
                                               "\"message\": null}");
  g_autoptr(TallyAlert) alert = tally_alert_new_from_json (object, NULL);
  g_autofree char *text = NULL;

  g_assert_nonnull (alert);
  g_assert_null (tally_alert_get_window (alert));
  g_assert_cmpstr (tally_alert_get_message (alert), ==, "");
  text = tally_alert_describe (alert);
  g_assert_cmpstr (text, ==,
                   "Your balance is low: 90 credits left; you asked to be told at 100 credits.");
}

/* Each of these is no alert: it must not show as one. */
static void
test_alert_malformed (void)
{
  static const char * const replies[] = {
    "{}",
    "{\"id\": \"\", \"kind\": \"spend\", \"threshold\": 1, \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
    "{\"id\": 7, \"kind\": \"spend\", \"threshold\": 1, \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
    "{\"id\": \"x\", \"kind\": \"weather\", \"threshold\": 1, \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
    "{\"id\": \"x\", \"kind\": \"spend\", \"threshold\": 1, \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"yesterday\"}",
    "{\"id\": \"x\", \"kind\": \"spend\", \"threshold\": \"80\", \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
    "{\"id\": \"x\", \"kind\": \"spend\", \"threshold\": 80, \"amount\": 1.5, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
    "{\"id\": \"x\", \"kind\": \"spend\", \"threshold\": true, \"amount\": 1, \"limit\": 1, "
    "\"created_at\": \"2026-12-06T10:00:00Z\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonObject) object = parse_object (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyAlert) alert = tally_alert_new_from_json (object, &error);

      g_assert_null (alert);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "An alert from the server cannot be read"));
    }
}

/* --- settings --- */

static void
test_settings_defaults (void)
{
  g_autoptr(TallyAlertSettings) settings = tally_alert_settings_new_from_json (NULL);
  g_autoptr(JsonObject) body = tally_alert_settings_to_json (settings);
  g_autofree char *text = to_string (body);

  g_assert_cmpstr (text, ==,
                   "{\"thresholds\":[50,80,100],\"low_balance\":null,\"channels\":{\"app\":true,"
                   "\"desktop\":true,\"email\":true,\"webhook\":false},\"quiet_hours\":null}");
}

static void
test_settings_round_trip (void)
{
  static const char json[] =
    "{\"thresholds\":[10,90],\"low_balance\":250,\"channels\":{\"app\":false,"
    "\"desktop\":true,\"email\":false,\"webhook\":true},\"quiet_hours\":{\"start\":\"22:00\","
    "\"end\":\"07:30\"}}";
  g_autoptr(JsonObject) object = parse_object (json);
  g_autoptr(TallyAlertSettings) settings = tally_alert_settings_new_from_json (object);
  g_autoptr(JsonObject) body = tally_alert_settings_to_json (settings);
  g_autofree char *text = to_string (body);

  g_assert_cmpstr (text, ==, json);
}

/* Out of range, repeated, of the wrong type or beyond ten: left out, so
 * a save never sends what the server refuses. Wrong types keep defaults. */
static void
test_settings_malformed (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"thresholds\": [0, 101, -5, 50, 50, \"60\", "
                                               "70.5, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "
                                               "\"low_balance\": \"lots\", \"channels\": "
                                               "{\"app\": 1, \"email\": false}, "
                                               "\"quiet_hours\": {\"start\": \"late\"}}");
  g_autoptr(TallyAlertSettings) settings = tally_alert_settings_new_from_json (object);
  static const int expected[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 50 };

  g_assert_cmpuint (settings->n_thresholds, ==, TALLY_ALERT_MAX_THRESHOLDS);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (settings->thresholds[i], ==, expected[i]);
  g_assert_false (settings->has_low_balance);
  g_assert_true (settings->app);
  g_assert_false (settings->email);
  g_assert_false (settings->has_quiet_hours);
}

static void
test_settings_edit_thresholds (void)
{
  g_autoptr(TallyAlertSettings) settings = tally_alert_settings_new ();

  g_assert_true (tally_alert_settings_add_threshold (settings, 65));
  g_assert_false (tally_alert_settings_add_threshold (settings, 65));
  g_assert_false (tally_alert_settings_add_threshold (settings, 0));
  g_assert_false (tally_alert_settings_add_threshold (settings, 101));
  g_assert_cmpint (settings->thresholds[1], ==, 65);
  g_assert_true (tally_alert_settings_remove_threshold (settings, 50));
  g_assert_false (tally_alert_settings_remove_threshold (settings, 50));
  g_assert_cmpuint (settings->n_thresholds, ==, 3);
  g_assert_cmpint (settings->thresholds[0], ==, 65);
  g_assert_cmpint (settings->thresholds[2], ==, 100);
}

/* --- webhooks --- */

static void
test_webhooks (void)
{
  g_autoptr(JsonObject) added = parse_object ("{\"id\": \"w1\", \"url\": \"https://h.example/x\", "
                                              "\"secret\": \"whsec_1\", \"created_at\": "
                                              "\"2026-12-06T10:00:00Z\"}");
  g_autoptr(JsonObject) no_url = parse_object ("{\"id\": \"w1\", \"url\": null}");
  g_autoptr(JsonObject) delivery = parse_object ("{\"event_id\": \"e1\", \"type\": \"alert\", "
                                                 "\"status\": \"delivered\", \"attempts\": 2, "
                                                 "\"last_attempt_at\": null, "
                                                 "\"response_status\": 200}");
  g_autoptr(JsonObject) no_event = parse_object ("{\"status\": \"pending\"}");
  g_autoptr(TallyWebhook) webhook = tally_webhook_new_from_json (added, NULL);
  g_autoptr(TallyWebhookDelivery) sent = tally_webhook_delivery_new_from_json (delivery, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *described = NULL;

  g_assert_cmpstr (webhook->secret, ==, "whsec_1");
  g_assert_nonnull (webhook->created);
  g_assert_null (tally_webhook_new_from_json (no_url, &error));
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
  g_clear_error (&error);
  g_assert_null (tally_webhook_delivery_new_from_json (no_event, &error));
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);

  described = tally_webhook_delivery_describe (sent);
  g_assert_cmpstr (described, ==, "Delivered · 2 tries · HTTP 200");
}

/* --- the cache --- */

static void
test_cache_alerts (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-alert-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyCache) cache = tally_cache_open (path, &error);
  g_autoptr(JsonObject) older = parse_object (SPEND_ALERT);
  g_autoptr(JsonObject) newer = parse_object ("{\"id\": \"a3\", \"kind\": \"spend\"}");
  g_autoptr(JsonArray) listed = NULL;
  gboolean added = FALSE;

  g_assert_no_error (error);
  g_assert_true (tally_cache_add_alert (cache, "a1", 100, older, &added, &error));
  g_assert_true (added);
  /* Live, then again in a page: kept once. */
  g_assert_true (tally_cache_add_alert (cache, "a1", 100, older, &added, &error));
  g_assert_false (added);
  g_assert_true (tally_cache_add_alert (cache, "a3", 200, newer, &added, &error));
  g_assert_true (added);
  g_assert_no_error (error);

  listed = tally_cache_list_alerts (cache, 10);
  g_assert_cmpuint (json_array_get_length (listed), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (listed, 0),
                                                  "id"), ==, "a3");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (listed, 1),
                                               "amount"), ==, 1600);
  g_clear_pointer (&listed, json_array_unref);
  listed = tally_cache_list_alerts (cache, 1);
  g_assert_cmpuint (json_array_get_length (listed), ==, 1);

  g_clear_object (&cache);
  g_remove (path);
  g_remove (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alert-types/alert/spend", test_alert_spend);
  g_test_add_func ("/alert-types/alert/low-balance", test_alert_low_balance);
  g_test_add_func ("/alert-types/alert/malformed", test_alert_malformed);
  g_test_add_func ("/alert-types/settings/defaults", test_settings_defaults);
  g_test_add_func ("/alert-types/settings/round-trip", test_settings_round_trip);
  g_test_add_func ("/alert-types/settings/malformed", test_settings_malformed);
  g_test_add_func ("/alert-types/settings/edit-thresholds", test_settings_edit_thresholds);
  g_test_add_func ("/alert-types/webhooks", test_webhooks);
  g_test_add_func ("/alert-types/cache", test_cache_alerts);

  return g_test_run ();
}
