/* test-app-plans.c: Buy Credits → Plans and Redeem a Code, and credits
 * that expire, against a real server
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Subscribing goes through the demo provider end to end: the test stands
 * in for the browser and presses Subscribe on the demo page.
 */

#include "config.h"

#include "tally-app-test.h"
#include "tally-purchase-page.h"
#include "tally-window.h"

static TestServer *server;
static char *admin;

static void
create_code (const char *code,
             int         max_redemptions,
             GDateTime  *expires_at)
{
  g_autofree char *at = expires_at != NULL ? g_date_time_format_iso8601 (expires_at) : NULL;
  g_autofree char *expiry = at != NULL ? g_strdup_printf (", \"expires_at\": \"%s\"", at)
                                       : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"credits\": 500,"
                                           " \"max_redemptions\": %d%s}", code, max_redemptions,
                                           expiry);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/admin/promo-codes",
                                                   admin, body);

  g_assert_cmpuint (response->status, ==, 201);
}

static GtkWidget *
new_window (const char *email,
            TallyClient *client,
            GSettings  *settings,
            int         height)
{
  GtkWidget *window = signed_up_window (server, client, settings, email);

  /* Tall enough that the plans and the code show below the packs. */
  gtk_window_set_default_size (GTK_WINDOW (window), 900, height);
  return window;
}

static void
redeem (GtkWidget  *window,
        const char *code)
{
  type_into (window, "Promo code", code);
  click (window, "_Redeem");
}

static gboolean
past (gpointer data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_compare (now, data) > 0;
}

/* Bad input is refused before anything is sent; each refusal of the
 * server shows in its words; a good code adds its credits. */
static void
test_redeem (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *other = test_user_new (server, "redeem-other@example.com", NULL);
  g_autoptr(TestResponse) taken = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) soon = g_date_time_add_seconds (now, 2);
  GtkWidget *window;

  create_code ("WELCOME26", 10, NULL);
  create_code ("ONLYONE", 1, NULL);
  create_code ("BRIEFLY", 10, soon);
  taken = test_request (server, "POST", "/v1/promo-codes/redeem", other,
                        "{\"code\": \"onlyone\"}");
  g_assert_cmpuint (taken->status, ==, 201);

  window = new_window ("redeem@example.com", client, settings, 1100);
  open_purchase_page (window);
  wait_for_widget (window, is_label_with, "Redeem a Code");

  redeem (window, "");
  wait_for_widget (window, is_label_with, "Type the code you were given first.");
  redeem (window, "no way!");
  wait_for_widget (window, is_label_with,
                   "A code has 3 to 32 letters, digits, hyphens or underscores.");
  redeem (window, "NOSUCHCODE");
  wait_for_widget (window, is_label_with, "There is no such promo code");
  redeem (window, "ONLYONE");
  wait_for_widget (window, is_label_with,
                   "This promo code has been redeemed as often as it may be");

  wait_for (past, soon, "the code BRIEFLY to expire");
  redeem (window, "BRIEFLY");
  wait_for_widget (window, is_label_with, "This promo code has expired");

  /* Enter in the entry redeems too. */
  type_into (window, "Promo code", " welcome26 ");
  g_signal_emit_by_name (wait_for_widget (window, is_row_titled, "Promo code"), "entry-activated");
  wait_for_widget (window, is_label_with, "Code redeemed: 500 credits added");
  wait_for_credits (window, 500);
  g_assert_null (find_widget (window, is_label_with, "There is no such promo code"));
  save_screenshots (window, "redeem");

  redeem (window, "WELCOME26");
  wait_for_widget (window, is_label_with, "You have redeemed this promo code already");
  wait_for_credits (window, 500);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
answer_dialog (const char *body,
               const char *button)
{
  GtkWidget *dialog = NULL;

  wait_for (message_dialog_shown, &dialog, "the confirmation");
  wait_for_widget (dialog, is_label_containing, body);
  click (dialog, button);
}

static char *subscriber_token;

/* The subscriber's balance on the server is above @data. */
static gboolean
balance_above (gpointer data)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", subscriber_token, NULL);

  return test_response_int (me, "accounts.0.balance") > GPOINTER_TO_INT (data);
}

/* Plans listed; Subscribe through the demo provider; the current plan
 * shown with its renewal; a switch to a smaller plan; a cancellation
 * that says the credits stay. */
static void
test_subscribe (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *url = NULL;
  g_autoptr(TestResponse) subscription = NULL;
  TallyPurchasePage *page;
  GtkWidget *window;

  window = new_window ("subscriber@example.com", client, settings, 1000);
  subscriber_token = g_strdup (tally_client_get_token (client));
  page = open_purchase_page (window);
  tally_purchase_page_set_uri_opener (page, catch_uri, &url);
  wait_for_widget (window, is_action_row_titled, "Basic");
  wait_for_widget (window, is_label_with, "€9.00 a month");
  wait_for_widget (window, is_label_with, "5000 credits every month");
  wait_for_widget (window, is_action_row_titled, "Business");

  click_in_row (window, "Plus", "Subscribe");
  wait_for (string_ready, &url, "the checkout URL");
  wait_for_widget (window, is_label_starting, "Finish subscribing to Plus in your browser");
  press_on_demo_page (server, url, "/demo/subscribe/", "pay");

  wait_for_widget (window, is_action_row_titled, "Your plan: Plus");
  wait_for_widget (window, is_label_with, "You subscribed to Plus");
  wait_for_widget (window, is_label_starting, "Renews on ");
  wait_for_credits (window, 5000);
  save_screenshots (window, "plans");

  /* More credits: the difference now, and its share of the credits. */
  click_in_row (window, "Business", "Switch");
  answer_dialog ("You pay the difference for the rest of this month now and get the extra "
                 "credits for it at once; from your next renewal on, €179.00 a month.",
                 "_Switch");
  wait_for_widget (window, is_action_row_titled, "Your plan: Business");
  wait_for_widget (window, is_label_with, "Your plan is now Business");
  /* Granted before the server answered the change. */
  g_assert_true (balance_above (GINT_TO_POINTER (5000)));

  /* Fewer credits: nothing charged now. */
  click_in_row (window, "Basic", "Switch");
  answer_dialog ("Nothing is charged now and this month's credits stay; from your next renewal "
                 "on, €9.00 a month.", "_Switch");
  wait_for_widget (window, is_action_row_titled, "Your plan: Basic");
  wait_for_widget (window, is_label_with, "Your plan is now Basic");

  click_in_row (window, "Your plan: Basic", "_Cancel Plan…");
  answer_dialog ("and is not renewed. The credits you already received stay yours.",
                 "_Cancel Plan");
  wait_for_widget (window, is_label_starting, "Cancelled · ends on ");
  wait_for_widget (window, is_label_starting, "Your plan ends on ");
  g_assert_null (find_widget (window, is_button_labelled, "Switch"));

  subscription = test_request (server, "GET", "/v1/me/subscription",
                               tally_client_get_token (client), NULL);
  g_assert_cmpstr (test_response_string (subscription, "subscription.plan"), ==, "basic");
  g_assert_true (json_node_get_boolean (test_response_member (subscription,
                                        "subscription.cancel_at_period_end")));
  g_clear_pointer (&subscriber_token, g_free);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
grant_expiring (const char *account_id,
                gint64      amount,
                GDateTime  *expires_at)
{
  g_autofree char *at = g_date_time_format_iso8601 (expires_at);
  g_autofree char *body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": %" G_GINT64_FORMAT
                                           ", \"reason\": \"Welcome gift\", \"expires_at\": \"%s\"}",
                                           account_id, amount, at);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/admin/grants", admin,
                                                   body);

  g_assert_cmpuint (response->status, ==, 201);
}

static char *
expiring_text (gint64     credits,
               GDateTime *at)
{
  g_autofree char *day = tally_format_day (at);

  return g_strdup_printf ("%" G_GINT64_FORMAT " %s expire on %s", credits,
                          credits == 1 ? "credit" : "credits", day);
}

/* The Overview names the soonest lot; once it expires, History shows the
 * expiry and the Overview the next lot. */
static void
test_expiring (void)
{
  char account_id[37];
  g_autofree char *token = test_user_new (server, "expiring@example.com", account_id);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 40);
  g_autoptr(GDateTime) soon = NULL;
  g_autofree char *later_text = expiring_text (120, later);
  g_autofree char *soon_text = NULL;
  GtkWidget *window = signed_in_window (server, token);

  wait_for_credits (window, 0);
  g_assert_null (find_widget (window, is_label_starting, "0 credits expire"));
  grant_expiring (account_id, 120, later);
  wait_for_widget (window, is_label_with, later_text);
  save_screenshot (window, "expiring.png");

  /* Burnt first, and gone in a few seconds: counted from now, as a slow
   * (sanitized) build may have taken longer than that to get here. */
  g_clear_pointer (&now, g_date_time_unref);
  now = g_date_time_new_now_utc ();
  soon = g_date_time_add_seconds (now, 8);
  soon_text = expiring_text (30, soon);
  grant_expiring (account_id, 30, soon);
  wait_for_widget (window, is_label_with, soon_text);
  wait_for_credits (window, 150);

  wait_for_credits (window, 120);
  wait_for_widget (window, is_label_with, later_text);
  show_view (window, "history");
  wait_for_widget (window, is_label_with, "\u221230 credits");
  wait_for_widget (window, is_label_with, "Credits expired");
  save_screenshot (window, "expiry-history.png");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/app-plans/redeem", test_redeem);
  g_test_add_func ("/app-plans/subscribe", test_subscribe);
  g_test_add_func ("/app-plans/expiring", test_expiring);

  server = app_test_server_start ();
  admin = test_admin_new (server, "plans-admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
