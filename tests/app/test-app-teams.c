/* test-app-teams.c: Preferences → API Keys and the Team page, against a
 * real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is done through the widgets and checked through the server's
 * API; a key made in the window is used for real requests.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-client.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

static struct
{
  TallyClient *client;
  GSettings   *settings;
  GtkWidget   *window;
} session;

static const char *
session_token (void)
{
  if (session.window == NULL)
    {
      session.client = tally_client_new (server->base_url);
      session.settings = g_settings_new (APPLICATION_ID);
      session.window = signed_up_window (server, session.client, session.settings,
                                         "teams@example.com");
    }
  return tally_client_get_token (session.client);
}

static void
session_end (void)
{
  if (session.window != NULL)
    gtk_window_destroy (GTK_WINDOW (session.window));
  g_clear_object (&session.settings);
  g_clear_object (&session.client);
}

/* --- helpers --- */

static void
set_color_scheme (AdwColorScheme scheme)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

static gboolean
is_button_tooltipped (GtkWidget  *widget,
                      const char *tooltip)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_selectable_label (GtkWidget  *widget,
                     const char *unused)
{
  return GTK_IS_LABEL (widget) && gtk_label_get_selectable (GTK_LABEL (widget)) &&
         gtk_label_get_text (GTK_LABEL (widget))[0] != '\0' &&
         gtk_widget_has_css_class (widget, "monospace");
}

static gboolean
is_label_containing (GtkWidget  *widget,
                     const char *text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
is_switch (GtkWidget  *widget,
           const char *unused)
{
  return GTK_IS_SWITCH (widget);
}

static GtkWidget *
row_control (GtkWidget   *root,
             const char  *title,
             WidgetMatch  match)
{
  GtkWidget *row = wait_for_widget (root, is_action_row_titled, title);
  GtkWidget *control = find_widget (row, match, NULL);

  g_assert_nonnull (control);
  return control;
}

typedef struct
{
  GdkClipboard *clipboard;
  char         *text;
} ClipboardRead;

static void
clipboard_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (read->text == NULL)
    read->text = g_strdup ("");
}

static char *
clipboard_text (GtkWidget *widget)
{
  ClipboardRead read = { gtk_widget_get_clipboard (widget), NULL };

  gdk_clipboard_read_text_async (read.clipboard, NULL, clipboard_read, &read);
  wait_for (string_ready, &read.text, "the clipboard's text");
  return read.text;
}

static gboolean
dialog_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !message_dialog_shown (&found);
}

static gboolean
preferences_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !preferences_shown (&found);
}

static gboolean
widget_gone (gpointer data)
{
  const char **what = data;

  return find_widget (GTK_WIDGET (what[0]), is_action_row_titled, what[1]) == NULL;
}

/* --- API keys --- */

static GtkWidget *
open_api_keys (void)
{
  GtkWidget *prefs;

  session_token ();
  prefs = open_preferences (session.window);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "api-keys");
  settle (prefs);
  return prefs;
}

static char *
create_key (GtkWidget  *prefs,
            const char *name,
            gboolean    can_run,
            int         rate)
{
  GtkWidget *dialog = NULL;
  g_autofree char *copied = NULL;
  char *key;

  type_into (prefs, "Key name", name);
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "May run tools", is_switch)), can_run);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (prefs, "Requests a minute",
                                                           is_spin_button)), rate);
  click (prefs, "Create _Key");
  wait_for (message_dialog_shown, &dialog, "the new key");
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "API Key Created");
  key = g_strdup (gtk_label_get_text (GTK_LABEL (wait_for_widget (dialog, is_selectable_label,
                                                                  NULL))));
  g_assert_true (g_str_has_prefix (key, "tly_"));
  click (dialog, "_Copy Key");
  wait_for_widget (dialog, is_button_labelled, "Copied");
  copied = clipboard_text (dialog);
  g_assert_cmpstr (copied, ==, key);
  return key;
}

static void
close_dialog (const char *button)
{
  GtkWidget *dialog = NULL;

  wait_for (message_dialog_shown, &dialog, "a dialog");
  click (dialog, button);
  wait_for (dialog_gone, NULL, "the dialog to close");
}

/* A key made in the window works for a GET, is listed by its prefix only
 * (never the key), and once revoked after a confirmation is refused. */
static void
test_api_keys (void)
{
  GtkWidget *prefs = open_api_keys ();
  g_autofree char *key = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) refused = NULL;
  GtkWidget *dialog = NULL;
  const char *gone[] = { (const char *) prefs, "deploy script" };

  wait_for_widget (prefs, is_action_row_titled, "No keys yet");

  /* A name is needed: nothing is sent without one. */
  click (prefs, "Create _Key");
  wait_for_widget (prefs, is_label_starting, "The key was not created: give it a name first");

  key = create_key (prefs, "deploy script", TRUE, 120);
  wait_for (message_dialog_shown, &dialog, "the new key");
  save_screenshot (dialog, "api-keys-created.png");
  close_dialog ("_Done");

  me = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (test_response_string (me, "user.email"), ==, "teams@example.com");

  list = test_request (server, "GET", "/v1/me/api-keys", session_token (), NULL);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_null (strstr (list->body, key));
  g_assert_cmpint (test_response_int (list, "items.0.rate_limit"), ==, 120);
  prefix = g_strndup (key, 8);
  g_assert_cmpstr (test_response_string (list, "items.0.prefix"), ==, prefix);

  /* In the window: name, prefix, scope and rate; never the key. */
  expected = g_strdup_printf ("%s… · Read and run · 120 requests a minute", prefix);
  wait_for_widget (prefs, is_action_row_titled, "deploy script");
  wait_for_widget (prefs, is_label_starting, expected);
  g_assert_null (find_widget (prefs, is_label_containing, key));
  g_assert_null (find_widget (prefs, is_action_row_titled, "No keys yet"));

  g_free (create_key (prefs, "read-only dashboard", FALSE, 60));
  close_dialog ("_Done");
  wait_for_widget (prefs, is_action_row_titled, "read-only dashboard");

  set_color_scheme (ADW_COLOR_SCHEME_FORCE_LIGHT);
  settle (prefs);
  save_screenshot (prefs, "api-keys-light.png");
  set_color_scheme (ADW_COLOR_SCHEME_FORCE_DARK);
  settle (prefs);
  save_screenshot (prefs, "api-keys-dark.png");
  set_color_scheme (ADW_COLOR_SCHEME_DEFAULT);

  /* Revoking asks first; cancelled, the key still works. */
  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped,
                                          "Revoke the key deploy script"), "clicked");
  close_dialog ("_Cancel");
  g_clear_pointer (&me, test_response_free);
  me = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (me->status, ==, 200);

  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped,
                                          "Revoke the key deploy script"), "clicked");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  click (dialog, "_Revoke");
  wait_for (dialog_gone, NULL, "the confirmation to close");
  wait_for_widget (prefs, is_label_with, "Key revoked");
  wait_for (widget_gone, gone, "the revoked key's row to go");
  refused = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (refused->status, ==, 401);
  wait_for_widget (prefs, is_action_row_titled, "read-only dashboard");

  gtk_window_close (GTK_WINDOW (prefs));
  wait_for (preferences_gone, NULL, "the preferences window to close");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/app-teams/api-keys", test_api_keys);

  server = test_server_start (NULL);
  status = g_test_run ();
  session_end ();
  test_server_free (server);
  return status;
}
