/* test-app.c: the app's window against a real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in a real X server with a D-Bus session and an unlocked keyring
 * (build-aux/desktop-session): the token goes into gnome-keyring and
 * comes back out, and the balance arrives over the WebSocket.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "tally-balance-widget.h"
#include "tally-client.h"
#include "tally-purchase-page.h"
#include "tally-secret.h"
#include "tally-tool-page.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

static void
test_sign_up_and_live_balance (void)
{
  g_autofree char *admin = test_admin_new (server, "root@example.com");
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *stored = NULL;
  g_autofree char *account_id = NULL;
  g_autoptr(TestResponse) me = NULL;
  GtkWidget *window;

  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  gtk_window_present (GTK_WINDOW (window));

  /* No token in the keyring yet: the welcome page. */
  type_into (window, "Server address", server->base_url);
  type_into (window, "Email address", "dana@example.com");
  type_into (window, "Password", TEST_PASSWORD);
  type_into (window, "Your name (for a new account)", "Dana");
  save_screenshot (window, "sign-in.png");
  click (window, "_Create Account");

  {
    g_autofree char *zero = tally_format_credits (0);

    wait_for_widget (window, is_label_with, zero);
  }

  /* The token went to the keyring, not to a file (it is written in the
   * background, so look until it is there). */
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      g_clear_pointer (&stored, g_free);
      stored = keyring_token (server->base_url);
      if (g_strcmp0 (stored, tally_client_get_token (client)) == 0)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpstr (stored, ==, tally_client_get_token (client));
  g_assert_cmpuint (strlen (stored), ==, 43);

  /* An admin grant shows up live, pushed by the server. */
  me = test_request (server, "GET", "/v1/me", stored, NULL);
  account_id = g_strdup (test_response_string (me, "user.account_id"));
  test_grant (server, admin, account_id, 1250);
  {
    g_autofree char *granted = tally_format_credits (1250);

    wait_for_widget (window, is_label_with, granted);
    /* Said in words too, once the cache has it. */
    wait_for_widget (window, is_label_starting, "You received 1250 credits: ");
  }
  save_screenshot (window, "overview.png");

  /* Signing out forgets the token everywhere. */
  gtk_widget_activate_action (window, "win.sign-out", NULL);
  wait_for_widget (window, is_button_labelled, "_Sign In");
  g_clear_pointer (&stored, g_free);
  stored = keyring_token (server->base_url);
  g_assert_cmpstr (stored, ==, "");

  gtk_window_destroy (GTK_WINDOW (window));
}

static char *
write_input (const char *dir,
             const char *name,
             gsize       size)
{
  g_autofree char *contents = g_malloc (size);
  char *path = g_build_filename (dir, name, NULL);

  memset (contents, 'x', size);
  g_assert_true (g_file_set_contents (path, contents, (gssize) size, NULL));
  return path;
}

/* The two files given to File checksums: 3 MB in all. */
static void
give_files (TallyToolPage *page,
            const char    *dir)
{
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autofree char *small = write_input (dir, "notes.txt", 6);
  g_autofree char *large = write_input (dir, "photo.raw", 2500000);
  g_autoptr(GFile) first = g_file_new_for_path (small);
  g_autoptr(GFile) second = g_file_new_for_path (large);

  g_list_store_append (files, first);
  g_list_store_append (files, second);
  tally_tool_page_set_files (page, "files", G_LIST_MODEL (files));
}

/* Text typed in, a run above confirm-above: it asks first. */
static void
run_text_statistics (GtkWidget  *window,
                     GSettings  *settings,
                     const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *report_path = g_build_filename (dir, "text-statistics.txt", NULL);
  g_autofree char *report = NULL;
  TallyToolPage *page = open_tool_page (window, "Word count and readability");
  GtkWidget *dialog = NULL;

  tally_tool_page_set_output_folder (page, folder);
  set_tool_text (window, "One small step. Another one!");
  wait_for_widget (window, is_label_with, "For 5 words of input");
  g_settings_set_int64 (settings, "confirm-above", 0);
  click (window, "_Run");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  save_screenshot (dialog, "tool-confirm.png");
  click (dialog, "_Run");
  wait_for_widget (window, is_label_with, "Charged 1 credit");
  g_settings_reset (settings, "confirm-above");

  g_assert_true (g_file_get_contents (report_path, &report, NULL, NULL));
  g_assert_nonnull (strstr (report, "Words: 5\n"));
  g_assert_nonnull (strstr (report, "Sentences: 2\n"));
}

/* A number input: the compression level, then a .gz next to the input. */
static void
run_gzip (GtkWidget  *window,
          const char *dir)
{
  g_autofree char *output = g_build_filename (dir, "notes.txt.gz", NULL);
  TallyToolPage *page = open_tool_page (window, "Compress files");
  GtkWidget *level;

  give_files (page, dir);
  level = wait_for_widget (window, is_spin_button, NULL);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (level)), ==, 6);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (level), 9);
  wait_for_widget (window, is_label_with, "Usually about 2 credits; at most 2 credits");
  click (window, "_Run");
  wait_for_widget (window, is_label_with, "Charged 2 credits");
  g_assert_true (g_file_test (output, G_FILE_TEST_IS_REGULAR));
}

static gint64
available_credits (const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return test_response_int (me, "accounts.0.available");
}

static void
test_run_refused (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-app-refused-XXXXXX", NULL);
  g_autofree char *token = NULL;
  char account_id[37];
  TallyToolPage *page;
  GtkWidget *window;

  token = test_user_new (server, "frank@example.com", account_id);
  window = signed_in_window (server, token);
  wait_for_credits (window, 0);

  page = open_tool_page (window, "File checksums");
  give_files (page, dir);
  wait_for_widget (window, is_label_with, "For 3 MB of input");
  click (window, "_Run");
  wait_for_widget (window, is_label_with,
                   "Not enough credits: this run may cost up to 1 credit and you have 0 "
                   "available. Buy credits or pick a smaller input.");
  save_screenshot (window, "tool-refused.png");
  g_assert_cmpint (available_credits (token), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (dir);
}

/* A run of Word count and readability through the API, settled at what
 * @words words cost. */
static void
run_through_api (const char *token,
                 guint       words)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autofree char *complete = g_strdup_printf ("{\"units\": %u, \"outcome\": \"succeeded\"}",
                                               words);
  g_autoptr(TestResponse) authorized = NULL;
  g_autoptr(TestResponse) completed = NULL;

  for (guint i = 0; i < words; i++)
    g_string_append (text, "word ");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "tool");
  json_builder_add_string_value (builder, "text-statistics");
  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text->str);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  authorized = test_request (server, "POST", "/v1/runs", token, body);
  g_assert_cmpuint (authorized->status, ==, 201);
  completed = test_request (server, "POST", path, token, complete);
  g_assert_cmpuint (completed->status, ==, 200);
}

/* The typical cost is the user's own: the median of their latest runs,
 * read from the local cache as they type. */
static void
test_typical_from_own_runs (void)
{
  g_autofree char *admin = test_admin_new (server, "admin-typical@example.com");
  g_autofree char *token = NULL;
  char account_id[37];
  GtkWidget *window;

  token = test_user_new (server, "tess@example.com", account_id);
  test_grant (server, admin, account_id, 100);
  window = signed_in_window (server, token);
  wait_for_credits (window, 100);
  open_tool_page (window, "Word count and readability");
  wait_for_widget (window, is_label_with, "Usually about 1 credit; at most 50 credits");

  /* Five runs of 6,000 words: 3 credits each. */
  for (guint i = 0; i < 5; i++)
    run_through_api (token, 6000);
  wait_for_credits (window, 85);
  wait_for_widget (window, is_label_with, "Usually about 3 credits; at most 50 credits");
  /* Said with the number of runs it comes from. */
  wait_for_widget (window, is_label_with,
                   "Your usual cost: 3 credits (the middle of your last 5 runs)");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The admin who grants the tool-run tests their credits. */
static const char *
runs_admin (void)
{
  static char *admin;

  if (admin == NULL)
    admin = test_admin_new (server, "admin-runs@example.com");
  return admin;
}

/* A window signed in for a new user (@data, an email) with 100 credits,
 * and a folder for what the tools read and write. */
typedef struct
{
  char      *dir;
  char      *token;
  GtkWidget *window;
} ToolRun;

static void
tool_run_set_up (ToolRun       *run,
                 gconstpointer  data)
{
  char account_id[37];

  run->dir = g_dir_make_tmp ("tally-app-run-XXXXXX", NULL);
  g_assert_nonnull (run->dir);
  run->token = test_user_new (server, data, account_id);
  test_grant (server, runs_admin (), account_id, 100);
  run->window = signed_in_window (server, run->token);
  wait_for_credits (run->window, 100);
}

static void
tool_run_tear_down (ToolRun       *run,
                    gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (run->window));
  test_remove_tree (run->dir);
  g_free (run->dir);
  g_free (run->token);
}

/* File checksums with its two files picked, estimated. */
static TallyToolPage *
pick_files (ToolRun *run)
{
  TallyToolPage *page = open_tool_page (run->window, "File checksums");

  give_files (page, run->dir);
  wait_for_widget (run->window, is_label_with, "Usually about 1 credit; at most 1 credit");
  return page;
}

/* File checksums run from the window, charged. */
static void
run_checksums (ToolRun *run)
{
  pick_files (run);
  click (run->window, "_Run");
  wait_for_widget (run->window, is_label_with, "Charged 1 credit");
}

/* The estimate follows the files as they are picked. */
static void
test_run_estimate (ToolRun       *run,
                   gconstpointer  data)
{
  TallyToolPage *page = open_tool_page (run->window, "File checksums");

  wait_for_widget (run->window, is_label_with, "Usually about 1 credit; at most 200 credits");
  give_files (page, run->dir);
  wait_for_widget (run->window, is_label_with, "For 3 MB of input");
  wait_for_widget (run->window, is_label_with, "Usually about 1 credit; at most 1 credit");
  save_screenshot (run->window, "tool-page.png");
}

/* Run: the tool writes its file, the server charges what it measured. */
static void
test_run_charged (ToolRun       *run,
                  gconstpointer  data)
{
  g_autofree char *output = g_build_filename (run->dir, "notes.txt.sha256", NULL);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "xxxxxx", -1);
  g_autofree char *listing = NULL;

  run_checksums (run);
  save_screenshot (run->window, "tool-result.png");
  g_assert_true (g_file_get_contents (output, &listing, NULL, NULL));
  g_assert_true (g_str_has_prefix (listing, expected));
  g_assert_nonnull (strstr (listing, "  notes.txt\n"));
  g_assert_nonnull (strstr (listing, "  photo.raw\n"));
  wait_for_credits (run->window, 99);
  g_assert_cmpint (available_credits (run->token), ==, 99);
}

/* History shows the charge; so do the Overview's latest activity and
 * today's spending. */
static void
test_run_charge_shown (ToolRun       *run,
                       gconstpointer  data)
{
  run_checksums (run);

  show_view (run->window, "history");
  wait_for_widget (run->window, is_label_with, "File checksums");
  wait_for_widget (run->window, is_label_with, "\u22121 credit");
  save_screenshot (run->window, "tool-history.png");

  show_view (run->window, "overview");
  wait_for_widget (run->window, is_label_with, "File checksums");
  wait_for_widget (run->window, is_label_with, "1 credit, no cap");
}

/* Cancelled before the tool started: nothing charged, nothing held. */
static void
test_run_cancelled (ToolRun       *run,
                    gconstpointer  data)
{
  pick_files (run);
  click (run->window, "_Run");
  click (run->window, "_Cancel");
  wait_for_widget (run->window, is_label_with, "Cancelled.");
  wait_for_widget (run->window, is_label_with, "Nothing was charged");
  g_assert_cmpint (available_credits (run->token), ==, 100);
}

/* From a tool back to the catalogue. */
static void
test_run_back_to_catalogue (ToolRun       *run,
                            gconstpointer  data)
{
  TallyToolPage *page = open_tool_page (run->window, "File checksums");

  gtk_widget_activate_action (GTK_WIDGET (page), "tools.back", NULL);
  wait_for_widget (run->window, is_action_row_titled, "Word count and readability");
}

static void
test_run_confirm_above (ToolRun       *run,
                        gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  run_text_statistics (run->window, settings, run->dir);
  wait_for_credits (run->window, 99);
}

static void
test_run_number_input (ToolRun       *run,
                       gconstpointer  data)
{
  run_gzip (run->window, run->dir);
  wait_for_credits (run->window, 98);
}

/* A daily cap that this run would pass: refused, saying when it resets. */
static void
test_run_over_daily_cap (ToolRun       *run,
                         gconstpointer  data)
{
  g_autoptr(TestResponse) limits = NULL;

  /* 4 credits spent today: 8,000 words at 2,000 a credit. */
  run_through_api (run->token, 8000);
  wait_for_credits (run->window, 96);
  limits = test_request (server, "PUT", "/v1/me/limits", run->token, "{\"daily\": 4}");
  g_assert_cmpuint (limits->status, ==, 200);

  show_view (run->window, "tools");
  pick_files (run);
  click (run->window, "_Run");
  wait_for_widget (run->window, is_label_starting,
                   "Over your daily limit of 4 credits: 4 credits already spent today, and this "
                   "run may cost up to 1 credit. The limit resets ");
  save_screenshot (run->window, "tool-over-limit.png");
  g_assert_cmpint (available_credits (run->token), ==, 96);
}

static void
test_format_price (void)
{
  g_autofree char *euros = tally_format_price (1000, "EUR");
  g_autofree char *francs = tally_format_price (1005, "chf");
  g_autofree char *yen = tally_format_price (500, "jpy");
  g_autofree char *per_credit = tally_format_price_per_credit (2000, "eur", 2200);
  g_autofree char *per_credit_even = tally_format_price_per_credit (500, "eur", 500);
  /* As the receipt says it: ISO 4217's minor units. */
  g_autofree char *dinars = tally_format_price (10000, "kwd");
  g_autofree char *kronur = tally_format_price (900, "isk");
  g_autofree char *dinar_per_credit = tally_format_price_per_credit (10000, "kwd", 1000);

  g_assert_cmpstr (euros, ==, "€10.00");
  g_assert_cmpstr (francs, ==, "10.05 CHF");
  g_assert_cmpstr (yen, ==, "500 JPY");
  g_assert_cmpstr (per_credit, ==, "€0.0091");
  g_assert_cmpstr (per_credit_even, ==, "€0.0100");
  g_assert_cmpstr (dinars, ==, "10.000 KWD");
  g_assert_cmpstr (kronur, ==, "900 ISK");
  g_assert_cmpstr (dinar_per_credit, ==, "0.01000 KWD");
}

/* Above confirm-purchase-above it asks; the buyer declines in the
 * browser: the server says so live, nothing is credited, and the page
 * leaves the wait with the failure in words. */
static void
decline_pro (GtkWidget         *window,
             TallyPurchasePage *page,
             char             **url,
             const char        *token)
{
  GtkWidget *dialog = NULL;

  g_clear_pointer (url, g_free);
  click_in_row (window, "Pro", "Buy");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  wait_for_widget (dialog, is_label_with, "You will pay €100.00 for 12000 credits in your browser.");
  save_screenshot (dialog, "purchase-confirm.png");
  click (dialog, "_Buy");
  wait_for (string_ready, url, "the checkout URL");
  wait_for_widget (window, is_label_with, "Waiting for the payment…");
  press_on_demo_page (server, *url, "/demo/checkout/cs_demo_", "decline");

  wait_for_widget (window, is_label_starting, "The payment did not go through");
  g_assert_false (tally_purchase_page_get_pending (page));
  g_assert_cmpint (available_credits (token), ==, 500);
  wait_for_credits (window, 500);
}

/* A failed payment (as a "payment" event with status "failed" says) ends
 * the wait with the failure in words; the one-click top-up starts it. */
static void
fail_top_up (GtkWidget   *window,
             TallyClient *client,
             char       **url)
{
  g_autoptr(JsonObject) message = json_object_new ();
  JsonObject *payment = json_object_new ();
  g_autofree char *session_id = NULL;
  const char *start;

  g_clear_pointer (url, g_free);
  click_in_row (window, "Starter", "Top Up");
  wait_for (string_ready, url, "the checkout URL");
  wait_for_widget (window, is_label_with, "Waiting for the payment…");

  /* …/demo/checkout/SESSION_ID/KEY */
  start = strstr (*url, "/demo/checkout/") + strlen ("/demo/checkout/");
  session_id = g_strndup (start, strcspn (start, "/"));
  json_object_set_string_member (payment, "status", "failed");
  json_object_set_string_member (payment, "ref", session_id);
  json_object_set_string_member (message, "type", "payment");
  json_object_set_object_member (message, "payment", payment);
  g_signal_emit_by_name (client, "event", message);
  wait_for_widget (window, is_label_starting, "The payment did not go through");
  save_screenshot (window, "purchase-failed.png");
}

static void
test_purchase (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_auto(GStrv) recent = NULL;
  g_autofree char *url = NULL;
  TallyPurchasePage *page;
  GtkWidget *window;

  g_settings_reset (settings, "recent-packs");
  window = signed_up_window (server, client, settings, "gale@example.com");

  /* The packs, with their prices; no browser in tests. */
  page = open_purchase_page (window);
  tally_purchase_page_set_uri_opener (page, catch_uri, &url);
  wait_for_widget (window, is_action_row_titled, "Starter");
  wait_for_widget (window, is_label_with, "€5.00");
  wait_for_widget (window, is_label_with, "500 credits · €0.0100 per credit");
  wait_for_widget (window, is_label_with, "2200 credits · €0.0091 per credit");
  wait_for_widget (window, is_label_with, "Credit Packs");
  save_screenshot (window, "purchase.png");

  /* Below the confirmation price: straight to the checkout page. */
  click_in_row (window, "Starter", "Buy");
  wait_for (string_ready, &url, "the checkout URL");
  wait_for_widget (window, is_label_with, "Waiting for the payment…");
  wait_for_widget (window, is_label_with,
                   "Finish it in your browser: Starter, 500 credits for €5.00.");
  save_screenshot (window, "purchase-pending.png");

  /* Paid in the "browser": the payment arrives over the WebSocket. */
  press_on_demo_page (server, url, "/demo/checkout/cs_demo_", "pay");
  wait_for_widget (window, is_label_with, "500 credits added");
  wait_for_widget (window, is_label_with, "Your balance: 500 credits");
  g_assert_false (tally_purchase_page_get_pending (page));
  save_screenshot (window, "purchase-done.png");

  /* Remembered, and offered first as a one-click top-up. */
  recent = g_settings_get_strv (settings, "recent-packs");
  g_assert_cmpuint (g_strv_length (recent), ==, 1);
  g_assert_cmpstr (recent[0], ==, "starter");
  wait_for_widget (window, is_label_with, "Top Up Again");
  g_assert_nonnull (find_widget (window, is_button_labelled, "Top Up"));

  decline_pro (window, page, &url, tally_client_get_token (client));
  fail_top_up (window, client, &url);
  g_assert_false (tally_purchase_page_get_pending (page));
  g_assert_cmpint (available_credits (tally_client_get_token (client)), ==, 500);

  g_settings_reset (settings, "recent-packs");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Every page, as a user with some history sees it, in one size and
 * style: the screenshots of the README and the metainfo come from here. */
static void
shoot_pages (TallyClient    *client,
             GSettings      *settings,
             int             width,
             AdwColorScheme  scheme,
             const char     *style)
{
  static const char * const pages[] = { "overview", "tools", "history", "purchase" };
  GtkWidget *window;
  AdwViewStack *stack;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), width, 640);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_credits (window, 1250);
  stack = ADW_VIEW_STACK (wait_for_widget (window, is_view_stack, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s-%s.png", pages[i],
                                               width < 600 ? "narrow" : "wide", style);

      adw_view_stack_set_visible_child_name (stack, pages[i]);
      save_screenshot (window, name);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_page_screenshots (void)
{
  g_autofree char *admin = test_admin_new (server, "shots-admin@example.com");
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TestResponse) me = NULL;
  GtkWidget *window = signed_up_window (server, client, settings, "iris@example.com");

  me = test_request (server, "GET", "/v1/me", tally_client_get_token (client), NULL);
  test_grant (server, admin, test_response_string (me, "user.account_id"), 1250);
  wait_for_credits (window, 1250);
  gtk_window_destroy (GTK_WINDOW (window));

  /* The same session, read back from the keyring by each new window. */
  shoot_pages (client, settings, 900, ADW_COLOR_SCHEME_FORCE_LIGHT, "light");
  shoot_pages (client, settings, 900, ADW_COLOR_SCHEME_FORCE_DARK, "dark");
  shoot_pages (client, settings, 360, ADW_COLOR_SCHEME_FORCE_LIGHT, "light");
  shoot_pages (client, settings, 360, ADW_COLOR_SCHEME_FORCE_DARK, "dark");
}


/* --- what users and the server write, shown as plain text --- */

static gboolean
window_inactive (gpointer data)
{
  return !gtk_window_is_active (GTK_WINDOW (data));
}

typedef struct
{
  GtkWidget  *row;
  const char *text;
} RowWait;

static gboolean
row_mentions (gpointer data)
{
  RowWait *wait = data;
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (wait->row));

  return subtitle != NULL && strstr (subtitle, wait->text) != NULL;
}

/* A grant whose reason has markup's characters comes as a toast and, with
 * the window in the background, as a desktop notification, both saying
 * the reason as it was written; a file's name and an error about it show
 * as they are too. Any of them read as markup would log a warning, which
 * fails the test. */
static void
test_plain_text (void)
{
  static const char reason[] = "R&D <lab> bonus > 5";
  g_autofree char *admin = test_admin_new (server, "plain-admin@example.com");
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(AdwApplication) application = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) grant = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tally-plain-XXXXXX", NULL);
  g_autofree char *odd_name = g_build_filename (dir, "a&b <c> d.pdf", NULL);
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GFile) odd_file = g_file_new_for_path (odd_name);
  g_autofree char *body = NULL;
  g_autofree char *expected = NULL;
  NotificationService service = { 0 };
  RowWait file_row = { 0 };
  GtkWidget *window;
  GtkWidget *elsewhere;
  TallyToolPage *page;

  notification_service_start (&service);
  application = adw_application_new (APPLICATION_ID ".Test", G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);

  window = signed_up_app_window (server, application, client, settings, "plain@example.com");

  /* Another window in front: the grant is news from the background. */
  elsewhere = gtk_window_new ();
  gtk_window_present (GTK_WINDOW (elsewhere));
  wait_for (window_inactive, window, "the window to go to the background");

  me = test_request (server, "GET", "/v1/me", tally_client_get_token (client), NULL);
  body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 40, \"reason\": \"%s\"}",
                          test_response_string (me, "user.account_id"), reason);
  grant = test_request (server, "POST", "/v1/admin/grants", admin, body);
  g_assert_cmpuint (grant->status, ==, 201);

  expected = g_strdup_printf ("You received 40 credits: %s", reason);
  wait_for_widget (window, is_label_with, expected);
  wait_for (notified, &service, "a desktop notification");
  g_assert_cmpstr (g_ptr_array_index (service.bodies, 0), ==, expected);
  gtk_window_destroy (GTK_WINDOW (elsewhere));

  /* A file whose name has them, and is no PDF: the row names it, and the
   * error says so. */
  g_assert_true (g_file_set_contents (odd_name, "not a PDF", -1, NULL));
  page = open_tool_page (window, "Extract text from a PDF");
  g_list_store_append (files, odd_file);
  tally_tool_page_set_files (page, "file", G_LIST_MODEL (files));
  file_row.row = wait_for_widget (GTK_WIDGET (page), is_action_row_titled, "PDF file");
  file_row.text = "a&b <c> d.pdf";
  wait_for (row_mentions, &file_row, "the file's name in its row");
  file_row.text = "PDF";
  wait_for (row_mentions, &file_row, "why the file cannot be read");
  g_test_message ("The file row says: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (file_row.row)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (application));
  notification_service_stop (&service);
  test_remove_tree (dir);
}

/* The welcome page and the About window show the app's icon, an SVG: it
 * needs gdk-pixbuf's SVG loader, which GTK only recommends. */
static void
test_icon_loads (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TALLY_DATA_DIR"), "icons", "hicolor",
                                            "scalable", "apps", APPLICATION_ID ".svg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) icon = gdk_pixbuf_new_from_file_at_size (path, 128, 128, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (icon), ==, 128);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Desktop notifications go to the desktop's service, which
   * /app/plain-text provides, whatever else the machine has. */
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  app_test_init (&argc, &argv);

  g_test_add_func ("/app/sign-up-and-live-balance", test_sign_up_and_live_balance);
  g_test_add ("/app/run-tool/estimate", ToolRun, "erin-estimate@example.com",
              tool_run_set_up, test_run_estimate, tool_run_tear_down);
  g_test_add ("/app/run-tool/charged", ToolRun, "erin-charged@example.com",
              tool_run_set_up, test_run_charged, tool_run_tear_down);
  g_test_add ("/app/run-tool/charge-shown", ToolRun, "erin-shown@example.com",
              tool_run_set_up, test_run_charge_shown, tool_run_tear_down);
  g_test_add ("/app/run-tool/cancelled", ToolRun, "erin-cancelled@example.com",
              tool_run_set_up, test_run_cancelled, tool_run_tear_down);
  g_test_add ("/app/run-tool/back-to-catalogue", ToolRun, "erin-back@example.com",
              tool_run_set_up, test_run_back_to_catalogue, tool_run_tear_down);
  g_test_add ("/app/run-tool/confirm-above", ToolRun, "erin-confirm@example.com",
              tool_run_set_up, test_run_confirm_above, tool_run_tear_down);
  g_test_add ("/app/run-tool/number-input", ToolRun, "erin-gzip@example.com",
              tool_run_set_up, test_run_number_input, tool_run_tear_down);
  g_test_add ("/app/run-tool/over-daily-cap", ToolRun, "erin-cap@example.com",
              tool_run_set_up, test_run_over_daily_cap, tool_run_tear_down);
  g_test_add_func ("/app/run-refused", test_run_refused);
  g_test_add_func ("/app/typical-from-own-runs", test_typical_from_own_runs);
  g_test_add_func ("/app/format-price", test_format_price);
  g_test_add_func ("/app/purchase", test_purchase);
  g_test_add_func ("/app/page-screenshots", test_page_screenshots);
  g_test_add_func ("/app/plain-text", test_plain_text);
  g_test_add_func ("/app/icon-loads", test_icon_loads);

  server = app_test_server_start ();
  status = g_test_run ();
  test_server_free (server);
  return status;
}
