/* test-app-gifts.c: Buy Credits → Buy as a Gift and the referral link,
 * and a received gift told, against a real server
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The gift is paid through the demo provider end to end: the test stands
 * in for the browser and presses Pay on the demo page.
 */

#include "config.h"

#include "tally-app-test.h"
#include "tally-gifts-box.h"
#include "tally-purchase-page.h"
#include "tally-session.h"
#include "tally-sync.h"
#include "tally-window.h"

#define FRIEND "gift-friend@example.com"

static TestServer *server;

static gboolean
is_gifts_box (GtkWidget  *widget,
              const char *unused)
{
  return TALLY_IS_GIFTS_BOX (widget);
}

static gboolean
token_stored (gpointer data)
{
  g_autofree char *token = keyring_token (server->base_url);

  return g_strcmp0 (token, data) == 0;
}

/* A new user signed up in the window with a referral code: an unknown
 * code first, refused in the server's words, then @code. */
static GtkWidget *
signed_up_with_code (TallyClient *client,
                     GSettings   *settings,
                     const char  *email,
                     const char  *code)
{
  GtkWidget *window = sign_up_form (server, NULL, client, settings, email, "Robin");

  type_into (window, "Referral code (for a new account, optional)", "NOSUCH99");
  click (window, "_Create Account");
  wait_for_widget (window, is_label_containing, "There is no such referral code");
  type_into (window, "Referral code (for a new account, optional)", code);
  click (window, "_Create Account");
  wait_for_credits (window, 0);
  return window;
}

/* The gift: refused without an address; paid, its credits wait for the
 * address and the buyer's balance stays; the link copied; the friend
 * who signs up is told who gave what. */
static void
test_gift_and_referral (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(TallyClient) friend_client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *url = NULL;
  g_autoptr(TestResponse) gifts = NULL;
  g_autofree char *copied = NULL;
  TallyPurchasePage *page;
  TallyGiftsBox *box;
  GtkWidget *window, *friend_window;

  window = signed_up_window (server, client, settings, "gift-buyer@example.com");
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 1400);
  page = open_purchase_page (window);
  tally_purchase_page_set_uri_opener (page, catch_uri, &url);
  box = TALLY_GIFTS_BOX (wait_for_widget (window, is_gifts_box, NULL));

  /* The referral link, and what it earned so far. */
  wait_for_widget (window, is_label_containing, "0 friends signed up with your link");
  g_assert_true (g_str_has_prefix (tally_gifts_box_get_link (box), server->base_url));
  click (window, "_Copy");
  wait_for_widget (window, is_label_with, "Referral link copied");
  copied = clipboard_text (window);
  g_assert_cmpstr (copied, ==, tally_gifts_box_get_link (box));

  /* On, without an address: nothing is started. */
  gtk_switch_set_active (GTK_SWITCH (wait_for_widget (window, is_switch, NULL)), TRUE);
  click_in_row (window, "Starter", "Buy");
  wait_for_widget (window, is_label_with, "Enter the email address the gift goes to");
  g_assert_null (url);
  g_assert_false (tally_purchase_page_get_pending (page));
  save_screenshots (window, "gift-form");

  type_into (window, "Recipient’s email address", FRIEND);
  click_in_row (window, "Starter", "Buy");
  wait_for (string_ready, &url, "the checkout URL");
  wait_for_widget (window, is_label_with, "Finish it in your browser: Starter, 500 credits for "
                   "€5.00, a gift to " FRIEND ".");
  press_on_demo_page (server, url, NULL, "pay");
  wait_for_widget (window, is_label_with, "Gift paid: 500 credits wait for " FRIEND);
  g_assert_false (tally_purchase_page_get_pending (page));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (find_widget (window, is_switch, NULL))));
  wait_for_credits (window, 0);
  /* A receipt that says it was a gift; no "Top Up" of a pack given away. */
  wait_for_widget (window, is_label_containing, " · Paid · Gift");
  g_assert_null (find_widget (window, is_button_labelled, "Top Up"));
  save_screenshots (window, "gift-paid");

  gifts = test_request (server, "GET", "/v1/me/gifts", tally_client_get_token (client), NULL);
  g_assert_cmpstr (test_response_string (gifts, "sent.0.status"), ==, "waiting");
  g_assert_cmpstr (test_response_string (gifts, "sent.0.email"), ==, FRIEND);

  /* The friend signs up: the gift arrives, told by name. */
  friend_window = signed_up_window (server, friend_client, settings, FRIEND);
  wait_for_credits (friend_window, 500);
  wait_for_widget (friend_window, is_label_with, "Gale gave you 500 credits");
  save_screenshots (friend_window, "gift-received");

  gtk_window_destroy (GTK_WINDOW (friend_window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
app_settled (gpointer data)
{
  TallySession *session = tally_window_get_session (TALLY_WINDOW (data));
  TallySync *sync = tally_session_get_sync (session);
  gboolean connected = FALSE;

  g_object_get (tally_session_get_client (session), "events-connected", &connected, NULL);
  return connected && sync != NULL && !tally_sync_get_syncing (sync);
}

/* The friend already has the app open and signed in when the gift is
 * paid: it arrives at once, told by name, without signing in again. */
static void
test_gift_while_signed_in (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *buyer = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TestResponse) checkout = NULL;
  g_autoptr(TestResponse) paid = NULL;
  char account_id[37];
  GtkWidget *window;

  window = signed_up_window (server, client, settings, "open-app@example.com");
  wait_for_credits (window, 0);
  /* Settled: connected to the event stream, no sync under way, and none
   * due, so only the push can bring the gift. */
  wait_for (app_settled, window, "the app's first syncs and the event stream");

  buyer = test_user_new (server, "open-app-giver@example.com", account_id);
  checkout = test_request (server, "POST", "/v1/checkout", buyer,
                           "{\"pack\": \"starter\", \"gift_email\": \"open-app@example.com\"}");
  g_assert_cmpuint (checkout->status, ==, 200);
  path = g_strconcat (test_response_string (checkout, "url") + strlen (server->base_url), "/pay",
                      NULL);
  paid = test_request (server, "POST", path, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);

  wait_for_credits (window, 500);
  wait_for_widget (window, is_label_containing, "gave you 500 credits");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A friend signs up with the code of the link; their first purchase
 * earns both the bonus, and the referrer's Buy Credits says so. */
static void
test_referral_sign_up (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(TallyClient) friend_client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TestResponse) referral = NULL;
  g_autofree char *url = NULL;
  g_autofree char *code = NULL;
  TallyPurchasePage *page;
  GtkWidget *window, *friend_window;

  window = signed_up_window (server, client, settings, "referrer@example.com");
  /* The referrer's token reaches the keyring first, so that it cannot land
   * after the friend's window cleared it. */
  wait_for (token_stored, (gpointer) tally_client_get_token (client), "the keyring");
  referral = test_request (server, "GET", "/v1/me/referral", tally_client_get_token (client),
                           NULL);
  code = g_ascii_strdown (test_response_string (referral, "code"), -1);

  friend_window = signed_up_with_code (friend_client, settings, "referred@example.com", code);
  page = open_purchase_page (friend_window);
  tally_purchase_page_set_uri_opener (page, catch_uri, &url);
  click_in_row (friend_window, "Starter", "Buy");
  wait_for (string_ready, &url, "the checkout URL");
  press_on_demo_page (server, url, NULL, "pay");
  wait_for_credits (friend_window, 600);
  gtk_window_destroy (GTK_WINDOW (friend_window));

  wait_for_credits (window, 100);
  wait_for_widget (window, is_label_with, "You received 100 credits: Referral bonus");
  open_purchase_page (window);
  wait_for_widget (window, is_label_containing, "1 friend signed up with your link; you earned "
                   "100 credits.");
  save_screenshots (window, "referral");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/app-gifts/gift-and-referral", test_gift_and_referral);
  g_test_add_func ("/app-gifts/gift-while-signed-in", test_gift_while_signed_in);
  g_test_add_func ("/app-gifts/referral-sign-up", test_referral_sign_up);

  server = app_test_server_start ();
  status = g_test_run ();
  test_server_free (server);
  return status;
}
