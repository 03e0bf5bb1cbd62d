/* test-app-german.c: the app in German
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window under LANGUAGE=de, with the built translation (po/de.po, as
 * _build/po/de/LC_MESSAGES/tally.mo): the Overview and Buy Credits show
 * German strings, and credits, money and dates follow the German locale.
 * Screenshots: overview-de.png, purchase-de.png.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "tally-app-test.h"

static TestServer *server;

/* de_DE.UTF-8 where it exists (build-aux/install-deps generates it), else
 * C.UTF-8 with LANGUAGE=de: the messages are German either way, the
 * numbers and dates only with the German locale. Returns whether that
 * locale is in use. */
static gboolean
use_german (void)
{
  gboolean german_locale = setlocale (LC_ALL, "de_DE.UTF-8") != NULL;

  if (!german_locale)
    setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "de", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return german_locale;
}

/* The translation itself is found and used, plurals included. */
static void
test_messages (void)
{
  g_autofree char *one = tally_format_credits (1);
  g_autofree char *many = tally_format_credits (2);

  g_assert_cmpstr (_("Overview"), ==, "Übersicht");
  g_assert_cmpstr (one, ==, "1 Credit");
  g_assert_cmpstr (many, ==, "2 Credits");
}

/* Thousands, decimals and the currency after the amount, as in German. */
static void
test_numbers (void)
{
  g_autofree char *credits = tally_format_credits (12345);
  g_autofree char *price = tally_format_price (123456, "eur");
  g_autofree char *other = tally_format_price (500, "chf");

  if (setlocale (LC_NUMERIC, NULL) == NULL || !g_str_has_prefix (setlocale (LC_NUMERIC, NULL), "de"))
    {
      /* build-aux/install-deps generates it: without it the test cannot
       * say anything about German numbers, which is a failure, not a skip. */
      g_test_fail_printf ("no de_DE.UTF-8 locale: run build-aux/install-deps");
      return;
    }

  g_assert_cmpstr (credits, ==, "12.345 Credits");
  g_assert_cmpstr (price, ==, "1.234,56 €");
  g_assert_cmpstr (other, ==, "5,00 CHF");
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError **error = data;
  g_autoptr(JsonObject) answer = tally_client_call_finish (TALLY_CLIENT (source), result,
                                                           NULL, error);

  g_assert_null (answer);
  g_assert_nonnull (*error);
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* The app asks the server for the user's languages (Accept-Language), so
 * what the server refuses comes in German too. */
static void
test_server_errors (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (body, "email", "niemand@example.com");
  json_object_set_string_member (body, "password", "falsches Passwort");
  tally_client_call_async (client, "POST", "/v1/auth/login", body, NULL, on_signed_in, &error);
  wait_for (error_set, &error, "the refused sign-in");

  g_assert_cmpstr (error->message, ==, "Die E-Mail-Adresse oder das Passwort ist falsch");
}

static void
test_window (void)
{
  g_autofree char *admin = test_admin_new (server, "admin-de@example.com");
  g_autofree char *token = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%x");
  char account_id[37];
  GtkWidget *window;

  token = test_user_new (server, "greta@example.com", account_id);
  test_grant (server, admin, account_id, 1500);
  window = signed_in_window (server, token);

  /* The balance, in the header bar and on the Overview. */
  wait_for_credits (window, 1500);
  show_view (window, "overview");
  wait_for_widget (window, is_button_labelled, "Werkzeug _ausführen");
  wait_for_widget (window, is_button_labelled, "Credits _kaufen");
  wait_for_widget (window, is_label_with, "Ausgaben");
  wait_for_widget (window, is_label_with, "Letzte Aktivitäten");
  wait_for_widget (window, is_label_with, "Übersicht");
  /* The grant in the latest activity, dated as the locale writes dates. */
  wait_for_widget (window, is_label_containing, today);
  if (g_str_has_prefix (setlocale (LC_TIME, NULL), "de"))
    {
      g_autofree char *german = g_date_time_format (now, "%d.%m.%Y");

      g_assert_cmpstr (today, ==, german);
    }
  save_screenshot (window, "overview-de.png");

  /* Buy Credits: the packs' prices in euros, written the German way. */
  show_view (window, "purchase");
  wait_for_widget (window, is_label_with, "Credit-Pakete");
  if (g_str_has_prefix (setlocale (LC_NUMERIC, NULL), "de"))
    wait_for_widget (window, is_label_containing, "5,00 €");
  save_screenshot (window, "purchase-de.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);
  if (!use_german ())
    g_test_message ("no de_DE.UTF-8 locale: German messages in C.UTF-8");

  g_test_add_func ("/german/messages", test_messages);
  g_test_add_func ("/german/numbers", test_numbers);
  g_test_add_func ("/german/server-errors", test_server_errors);
  g_test_add_func ("/german/window", test_window);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
