/* test-app-alerts.c: Preferences → Alerts, live alerts and their history,
 * against a real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Settings are changed through their widgets and read back through the
 * server's API; alerts are made by real runs crossing a real daily cap,
 * and arrive on the real event stream.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-alerts-window.h"
#include "tally-client.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

/* One user, their window in an application (desktop notifications need
 * one) and a notification service, for every test. */
static struct
{
  AdwApplication      *application;
  TallyClient         *client;
  GSettings           *settings;
  GtkWidget           *window;
  NotificationService  notifications;
  char                *admin;
} session;

static const char *
session_token (void)
{
  if (session.window == NULL)
    {
      g_autoptr(GError) error = NULL;

      notification_service_start (&session.notifications);
      session.application = adw_application_new (APPLICATION_ID ".AlertsTest",
                                                 G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (G_APPLICATION (session.application), NULL,
                                             &error));
      g_assert_no_error (error);
      session.client = tally_client_new (server->base_url);
      session.settings = g_settings_new (APPLICATION_ID);
      session.window = signed_up_app_window (server, session.application, session.client,
                                             session.settings, "alerts@example.com");
      session.admin = test_admin_new (server, "alerts-admin@example.com");
    }
  return tally_client_get_token (session.client);
}

static void
session_end (void)
{
  if (session.window != NULL)
    gtk_window_destroy (GTK_WINDOW (session.window));
  if (session.application != NULL)
    {
      g_application_quit (G_APPLICATION (session.application));
      notification_service_stop (&session.notifications);
    }
  g_clear_object (&session.application);
  g_clear_object (&session.settings);
  g_clear_object (&session.client);
  g_clear_pointer (&session.admin, g_free);
}

/* --- helpers --- */

static gboolean
is_button_tooltipped (GtkWidget  *widget,
                      const char *tooltip)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

/* A toast's words, not a row's title. */
static gboolean
is_toast_with (GtkWidget  *widget,
               const char *text)
{
  return is_label_with (widget, text) &&
         gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW) == NULL;
}

static gboolean
is_expander_row_titled (GtkWidget  *widget,
                        const char *title)
{
  return ADW_IS_EXPANDER_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
sensitive (gpointer data)
{
  return gtk_widget_is_sensitive (data);
}

/* Preferences → Alerts, once the server's settings are shown: the page
 * cannot be changed before. */
static GtkWidget *
open_alerts_preferences (void)
{
  GtkWidget *prefs;

  session_token ();
  prefs = open_preferences (session.window);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "alerts");
  settle (prefs);
  wait_for (sensitive, wait_for_widget (prefs, is_button_labelled, "Save _Alerts"),
            "the alert settings to load");
  return prefs;
}

static gboolean
preferences_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !preferences_shown (&found);
}

static void
close_window (GtkWidget *window)
{
  gtk_window_close (GTK_WINDOW (window));
  wait_for (preferences_gone, NULL, "the preferences window to close");
}

static TestResponse *
get_alert_settings (void)
{
  TestResponse *settings = test_request (server, "GET", "/v1/me/alerts", session_token (), NULL);

  g_assert_cmpuint (settings->status, ==, 200);
  return settings;
}

/* The thresholds the server has, as "50,80,100". */
static char *
server_thresholds (void)
{
  g_autoptr(TestResponse) settings = get_alert_settings ();
  JsonArray *thresholds = json_node_get_array (test_response_member (settings, "thresholds"));
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (thresholds); i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            json_array_get_int_element (thresholds, i));
  return g_string_free (text, FALSE);
}

static void
add_threshold (GtkWidget *prefs,
               int        percent)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (prefs, "New threshold",
                                                           is_spin_button)), percent);
  click (prefs, "A_dd");
}

static gboolean
is_scrolled_window (GtkWidget  *widget,
                    const char *unused)
{
  return GTK_IS_SCROLLED_WINDOW (widget);
}

/* The page from its top, where the thresholds are. */
static void
scroll_to_top (GtkWidget *prefs)
{
  GtkWidget *scrolled = wait_for_widget (prefs, is_scrolled_window, NULL);

  gtk_window_set_focus (GTK_WINDOW (prefs), NULL);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            0);
}

/* The page from its end, where the webhooks are. */
static void
scroll_to_end (GtkWidget *prefs)
{
  GtkWidget *scrolled = wait_for_widget (prefs, is_scrolled_window, NULL);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  settle (prefs);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
}

static void
set_color_scheme (AdwColorScheme scheme)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

/* --- the preferences --- */

/* Each change goes through its widget; what the server has afterwards is
 * read through its API. Bad input is refused in words and sends nothing. */
static void
test_preferences (void)
{
  GtkWidget *prefs = open_alerts_preferences ();
  g_autoptr(TestResponse) saved = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  /* The server's defaults, each with its remove button. */
  wait_for_widget (prefs, is_action_row_titled, "50% of a cap");
  wait_for_widget (prefs, is_action_row_titled, "80% of a cap");
  wait_for_widget (prefs, is_action_row_titled, "100% of a cap");
  wait_for_widget (prefs, is_label_with, "To alerts@example.com");
  before = server_thresholds ();
  g_assert_cmpstr (before, ==, "50,80,100");

  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped,
                                          "Remove the alert at 100%"), "clicked");
  add_threshold (prefs, 90);
  wait_for_widget (prefs, is_action_row_titled, "90% of a cap");
  g_assert_null (find_widget (prefs, is_action_row_titled, "100% of a cap"));

  /* A repeat is refused here, in words. */
  add_threshold (prefs, 90);
  wait_for_widget (prefs, is_label_with, "There is an alert at 90% already");

  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "Tell me when the balance is low",
                                                  is_switch)), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (prefs, "At or below",
                                                           is_spin_button)), 200);
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "By email", is_switch)), FALSE);
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "Quiet hours for email", is_switch)),
                         TRUE);

  /* Not a time of day: refused before anything is sent. */
  type_into (prefs, "From (HH:MM)", "7pm");
  click (prefs, "Save _Alerts");
  wait_for_widget (prefs, is_label_with,
                   "Your alerts were not saved: “7pm” is not a time of day like 22:00");
  after = server_thresholds ();
  g_assert_cmpstr (after, ==, "50,80,100");
  g_clear_pointer (&after, g_free);

  type_into (prefs, "From (HH:MM)", "22:30");
  type_into (prefs, "Until (HH:MM)", "06:45");
  click (prefs, "Save _Alerts");
  wait_for_widget (prefs, is_label_with, "Alerts saved");

  saved = get_alert_settings ();
  g_test_message ("saved: %s", saved->body);
  after = server_thresholds ();
  g_assert_cmpstr (after, ==, "50,80,90");
  g_assert_cmpint (test_response_int (saved, "low_balance"), ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (saved, "channels.email")));
  g_assert_true (json_node_get_boolean (test_response_member (saved, "channels.app")));
  g_assert_true (json_node_get_boolean (test_response_member (saved, "channels.desktop")));
  g_assert_cmpstr (test_response_string (saved, "quiet_hours.start"), ==, "22:30");
  g_assert_cmpstr (test_response_string (saved, "quiet_hours.end"), ==, "06:45");

  scroll_to_top (prefs);
  set_color_scheme (ADW_COLOR_SCHEME_FORCE_LIGHT);
  save_screenshot (prefs, "alerts-preferences-light.png");
  set_color_scheme (ADW_COLOR_SCHEME_FORCE_DARK);
  save_screenshot (prefs, "alerts-preferences-dark.png");
  gtk_window_set_default_size (GTK_WINDOW (prefs), 360, 640);
  scroll_to_top (prefs);
  save_screenshot (prefs, "alerts-preferences-narrow-dark.png");
  set_color_scheme (ADW_COLOR_SCHEME_DEFAULT);
  close_window (prefs);
}

/* Ten thresholds at most: the eleventh cannot be added, and the ten are
 * what the server keeps. */
static void
test_ten_thresholds (void)
{
  static const int more[] = { 10, 20, 30, 40, 60, 70, 95 };
  GtkWidget *prefs = open_alerts_preferences ();
  g_autofree char *saved = NULL;
  GtkWidget *add;

  wait_for_widget (prefs, is_action_row_titled, "50% of a cap");
  for (guint i = 0; i < G_N_ELEMENTS (more); i++)
    add_threshold (prefs, more[i]);
  wait_for_widget (prefs, is_label_with, "At most 10 thresholds: remove one first");
  add = wait_for_widget (prefs, is_button_labelled, "A_dd");
  g_assert_false (gtk_widget_is_sensitive (add));

  click (prefs, "Save _Alerts");
  wait_for_widget (prefs, is_label_with, "Alerts saved");
  saved = server_thresholds ();
  g_assert_cmpstr (saved, ==, "10,20,30,40,50,60,70,80,90,95");
  close_window (prefs);
}

/* --- live alerts --- */

/* A run of Word count and readability through the API: 2000 words cost
 * a credit. */
static void
run_words (guint words)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonObject) inputs = json_object_new ();
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) root = json_node_alloc ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autofree char *complete = g_strdup_printf ("{\"units\": %u, \"outcome\": \"succeeded\"}",
                                               words);
  g_autoptr(TestResponse) authorized = NULL;
  g_autoptr(TestResponse) completed = NULL;

  for (guint i = 0; i < words; i++)
    g_string_append (text, "word ");
  json_object_set_string_member (inputs, "text", text->str);
  json_object_set_string_member (request, "id", id);
  json_object_set_string_member (request, "tool", "text-statistics");
  json_object_set_object_member (request, "inputs", json_object_ref (inputs));
  json_node_init_object (root, request);
  body = json_to_string (root, FALSE);

  authorized = test_request (server, "POST", "/v1/runs", session_token (), body);
  g_assert_cmpuint (authorized->status, ==, 201);
  completed = test_request (server, "POST", path, session_token (), complete);
  g_assert_cmpuint (completed->status, ==, 200);
}

static gboolean
events_connected (gpointer data)
{
  gboolean connected = FALSE;

  g_object_get (data, "events-connected", &connected, NULL);
  return connected;
}

static gboolean
window_inactive (gpointer data)
{
  return !gtk_window_is_active (GTK_WINDOW (data));
}

static gboolean
alerts_window_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (TALLY_IS_ALERTS_WINDOW (toplevel) && gtk_widget_get_mapped (toplevel))
        {
          *(GtkWidget **) data = toplevel;
          return TRUE;
        }
    }
  return FALSE;
}

static GtkWidget *
open_alerts_window (GtkWidget *window)
{
  GtkWidget *alerts = NULL;

  g_assert_true (gtk_widget_activate_action (window, "win.show-alerts", NULL));
  wait_for (alerts_window_shown, &alerts, "the alerts window");
  return alerts;
}

#define HALF_TEXT "You have spent 50% of your daily cap: 5 of 10 credits."
#define MOST_TEXT "You have spent 80% of your daily cap: 8 of 10 credits."

/* The grant's notification may come too: the alert's is looked for. */
static gboolean
notified_half (gpointer data)
{
  NotificationService *service = data;

  for (guint i = 0; i < service->bodies->len; i++)
    if (g_str_equal (g_ptr_array_index (service->bodies, i), HALF_TEXT))
      return TRUE;
  return FALSE;
}

/* Runs cross 50 % and then 80 % of a daily cap of 10 credits: each alert
 * comes as a toast (in short, with Show), as a desktop notification while
 * the window is in the background, in the Overview and in the alerts
 * window (in full). */
static void
test_live (void)
{
  const char *token = session_token ();
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  g_autoptr(TestResponse) cap = NULL;
  g_autoptr(TestResponse) thresholds = NULL;
  GtkWidget *window = session.window;
  GtkWidget *elsewhere;
  GtkWidget *alerts = NULL;
  GtkWidget *prefs = NULL;

  /* Spend alerts only: the low balance of /alerts/preferences is off. */
  thresholds = test_request (server, "PUT", "/v1/me/alerts", token,
                             "{\"thresholds\": [50, 80], \"low_balance\": null, "
                             "\"channels\": {\"app\": true, \"desktop\": true}}");
  g_assert_cmpuint (thresholds->status, ==, 200);
  test_grant (server, session.admin, test_response_string (me, "user.account_id"), 100);
  wait_for_credits (window, 100);
  cap = test_request (server, "PUT", "/v1/me/limits", token, "{\"daily\": 10}");
  g_assert_cmpuint (cap->status, ==, 200);
  show_view (window, "overview");
  /* An alert made before the stream is open is only in the history. */
  wait_for (events_connected, session.client, "the event stream");

  /* Another window in front: the alert is news from the background. */
  elsewhere = gtk_window_new ();
  gtk_window_present (GTK_WINDOW (elsewhere));
  wait_for (window_inactive, window, "the window to go to the background");

  set_color_scheme (ADW_COLOR_SCHEME_FORCE_LIGHT);
  run_words (10000);
  wait_for_widget (window, is_toast_with, "50% of your daily cap spent");
  wait_for (notified_half, &session.notifications, "the alert's desktop notification");
  wait_for_widget (window, is_action_row_titled, HALF_TEXT);
  gtk_window_destroy (GTK_WINDOW (elsewhere));
  save_screenshot (window, "alert-live-light.png");

  set_color_scheme (ADW_COLOR_SCHEME_FORCE_DARK);
  run_words (6000);
  wait_for_widget (window, is_toast_with, "80% of your daily cap spent");
  wait_for_widget (window, is_action_row_titled, MOST_TEXT);
  save_screenshot (window, "alert-live-dark.png");

  /* The toast's Show opens the alerts window. */
  click (window, "_Show");
  wait_for (alerts_window_shown, &alerts, "the alerts window");
  wait_for_widget (alerts, is_action_row_titled, MOST_TEXT);
  wait_for_widget (alerts, is_action_row_titled, HALF_TEXT);
  save_screenshot (alerts, "alerts-list-dark.png");

  /* Its Alert Settings leads to Preferences → Alerts. */
  g_signal_emit_by_name (wait_for_widget (alerts, is_button_tooltipped, "Alert Settings"),
                         "clicked");
  wait_for (preferences_shown, &prefs, "the preferences window");
  g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (prefs)),
                   ==, "alerts");
  g_assert_false (alerts_window_shown (&alerts));
  close_window (prefs);
  set_color_scheme (ADW_COLOR_SCHEME_DEFAULT);
}

/* With the server stopped, a new window opens on the cache: the alerts
 * are in the Overview and the alerts window all the same; the settings,
 * which are the server's, cannot be changed. */
static void
test_offline_history (void)
{
  const char *token = session_token ();
  GtkWidget *window;
  GtkWidget *alerts;
  GtkWidget *prefs;

  /* Only once the alerts were kept: this test follows /alerts/live. */
  wait_for_widget (session.window, is_action_row_titled, MOST_TEXT);
  test_server_stop (server, FALSE);
  window = signed_in_window (server, token);
  wait_for_widget (window, is_label_starting, "You are offline");
  wait_for_widget (window, is_action_row_titled, HALF_TEXT);

  alerts = open_alerts_window (window);
  wait_for_widget (alerts, is_action_row_titled, MOST_TEXT);
  wait_for_widget (alerts, is_action_row_titled, HALF_TEXT);
  save_screenshot (alerts, "alerts-list-offline.png");
  gtk_window_destroy (GTK_WINDOW (alerts));

  /* Preferences → Alerts says why it shows nothing, and saves nothing. */
  prefs = open_preferences (window);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "alerts");
  wait_for_widget (prefs, is_label_starting,
                   "Your alerts cannot be shown: The server cannot be reached");
  g_assert_false (gtk_widget_is_sensitive (wait_for_widget (prefs, is_button_labelled,
                                                            "Save _Alerts")));
  g_assert_false (gtk_widget_is_sensitive (row_control (prefs, "In the app", is_switch)));
  close_window (prefs);
  gtk_window_destroy (GTK_WINDOW (window));
  test_server_restart (server);
}

/* --- webhooks --- */

static gboolean
is_selectable_label (GtkWidget  *widget,
                     const char *unused)
{
  return GTK_IS_LABEL (widget) && gtk_label_get_selectable (GTK_LABEL (widget)) &&
         gtk_label_get_text (GTK_LABEL (widget))[0] != '\0';
}

static gboolean
dialog_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !message_dialog_shown (&found);
}

static gint64
server_webhook_count (void)
{
  g_autoptr(TestResponse) list = test_request (server, "GET", "/v1/me/webhooks",
                                               session_token (), NULL);

  g_assert_cmpuint (list->status, ==, 200);
  return json_array_get_length (json_node_get_array (test_response_member (list, "items")));
}

/* The secret is shown once, with a Copy button that copies it. */
static void
check_secret_dialog (void)
{
  GtkWidget *dialog = NULL;
  g_autofree char *copied = NULL;
  const char *secret;

  wait_for (message_dialog_shown, &dialog, "the webhook's secret");
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Webhook Added");
  secret = gtk_label_get_text (GTK_LABEL (wait_for_widget (dialog, is_selectable_label, NULL)));
  g_assert_cmpuint (strlen (secret), >=, 16);
  click (dialog, "_Copy Secret");
  wait_for_widget (dialog, is_button_labelled, "Copied");
  copied = clipboard_text (dialog);
  g_assert_cmpstr (copied, ==, secret);
  save_screenshot (dialog, "alerts-webhook-secret.png");
  click (dialog, "_Done");
  wait_for (dialog_gone, NULL, "the secret's dialog to close");
}

/* A receiver on this computer that takes every delivery. */
static void
receive (SoupServer        *receiver,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  (*(guint *) user_data)++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static gboolean
received (gpointer data)
{
  return *(guint *) data > 0;
}

/* The server's log says the delivery went: the app reads the same. */
static gboolean
delivery_logged (gpointer data)
{
  g_autofree char *path = g_strdup_printf ("/v1/me/webhooks/%s/deliveries", (char *) data);
  g_autoptr(TestResponse) deliveries = test_request (server, "GET", path, session_token (), NULL);
  JsonNode *status = test_response_member (deliveries, "items.0.status");

  return status != NULL && g_strcmp0 (json_node_get_string (status), "delivered") == 0;
}

static gboolean
is_any_expander_row (GtkWidget  *widget,
                     const char *unused)
{
  return ADW_IS_EXPANDER_ROW (widget);
}

static gboolean
webhook_row_gone (gpointer data)
{
  return find_widget (data, is_any_expander_row, NULL) == NULL;
}

static gboolean
is_action_row_starting (GtkWidget  *widget,
                        const char *title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title);
}

/* An address the server refuses, in its words; one it takes, with its
 * secret; a delivery of an alert to it, in its log, and the alert without
 * a toast once the app channel is off; removed after a confirmation. */
static void
test_webhooks (void)
{
  guint port = test_free_port ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hook", port);
  g_autofree char *remove = g_strdup_printf ("Remove the webhook %s", url);
  g_autoptr(SoupServer) receiver = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TestResponse) webhooks = NULL;
  g_autoptr(TestResponse) settings = NULL;
  GtkWidget *prefs = open_alerts_preferences ();
  GtkWidget *dialog = NULL;
  GtkWidget *row;
  guint deliveries = 0;

  soup_server_add_handler (receiver, "/hook", receive, &deliveries, NULL);
  g_assert_true (soup_server_listen_local (receiver, port, 0, &error));
  g_assert_no_error (error);

  type_into (prefs, "New webhook address", "ftp://example.com/hook");
  click (prefs, "Add _Webhook");
  wait_for_widget (prefs, is_label_starting, "The webhook was not added: ");
  g_assert_cmpint (server_webhook_count (), ==, 0);

  type_into (prefs, "New webhook address", url);
  click (prefs, "Add _Webhook");
  check_secret_dialog ();
  g_assert_cmpint (server_webhook_count (), ==, 1);

  row = wait_for_widget (prefs, is_expander_row_titled, url);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  wait_for_widget (prefs, is_action_row_titled, "Nothing sent yet");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), FALSE);

  /* Alerts to webhooks and no longer in the app, through the page. */
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "In the app", is_switch)), FALSE);
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "To webhooks", is_switch)), TRUE);
  click (prefs, "Save _Alerts");
  wait_for_widget (prefs, is_label_with, "Alerts saved");

  /* 8 of the 10 credits of /alerts/live were spent today: one more
   * crosses 90 %, and the alert goes to the webhook. */
  settings = test_request (server, "PUT", "/v1/me/alerts", session_token (),
                           "{\"thresholds\": [90]}");
  g_assert_cmpuint (settings->status, ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (settings, "channels.app")));
  wait_for (events_connected, session.client, "the event stream, after the restart");
  run_words (2000);
  wait_for (received, &deliveries, "the alert at the webhook's receiver");

  /* In the Overview, but no toast: the app channel is off. */
  wait_for_widget (session.window, is_action_row_titled,
                   "You have spent 90% of your daily cap: 9 of 10 credits.");
  g_assert_null (find_widget (session.window, is_toast_with, "90% of your daily cap spent"));
  webhooks = test_request (server, "GET", "/v1/me/webhooks", session_token (), NULL);
  wait_for (delivery_logged, (gpointer) test_response_string (webhooks, "items.0.id"),
            "the delivery in the server's log");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  wait_for_widget (prefs, is_action_row_starting, "Delivered · 1 try · HTTP 200 · ");
  scroll_to_end (prefs);
  save_screenshot (prefs, "alerts-webhooks.png");

  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped, remove), "clicked");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  click (dialog, "_Remove");
  wait_for (dialog_gone, NULL, "the confirmation to close");
  wait_for_widget (prefs, is_label_with, "Webhook removed");
  g_assert_cmpint (server_webhook_count (), ==, 0);
  wait_for (webhook_row_gone, prefs, "the webhook's row to go");
  close_window (prefs);
}

int
main (int   argc,
      char *argv[])
{
  /* No offline lease: it would hold credits against the cap. */
  static const char * const server_args[] = { "--lease-amount", "0",
                                              "--webhooks-allow-private=true", NULL };
  int status;

  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  app_test_init (&argc, &argv);

  g_test_add_func ("/alerts/preferences", test_preferences);
  g_test_add_func ("/alerts/ten-thresholds", test_ten_thresholds);
  g_test_add_func ("/alerts/live", test_live);
  g_test_add_func ("/alerts/offline-history", test_offline_history);
  /* After the live alerts: one more crossing of the same daily cap. */
  g_test_add_func ("/alerts/webhooks", test_webhooks);

  server = test_server_start (server_args);
  status = g_test_run ();
  session_end ();
  test_server_free (server);
  return status;
}
