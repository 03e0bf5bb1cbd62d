/* test-subscriptions.c: plans, Checkout in subscription mode against the
 * fake Stripe and the demo provider, invoices paid once, failed renewals,
 * cancelling at the period's end and the end itself
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-test-stripe.h"

/* data/plans.json */
#define BASIC_CREDITS 1000

static TestServer *demo;
static TestServer *stripe;
static TestFakeStripe *fake_stripe;
static TestServer *fake;

static TestResponse *
subscribe (TestServer *server,
           const char *token,
           const char *plan)
{
  g_autofree char *body = g_strdup_printf ("{\"plan\": \"%s\"}", plan);

  return test_request (server, "POST", "/v1/subscriptions", token, body);
}

static TestResponse *
current (TestServer *server,
         const char *token)
{
  TestResponse *response = test_request (server, "GET", "/v1/me/subscription", token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

static gboolean
has_no_subscription (TestServer *server,
                     const char *token)
{
  g_autoptr(TestResponse) response = current (server, token);

  return JSON_NODE_HOLDS_NULL (test_response_member (response, "subscription"));
}

/* The path of the demo page the answer's url names. */
static char *
url_path (TestResponse *response)
{
  g_autoptr(GUri) uri = g_uri_parse (test_response_string (response, "url"), G_URI_FLAGS_NONE,
                                     NULL);

  g_assert_nonnull (uri);
  return g_strdup (g_uri_get_path (uri));
}

/* --- plans --- */

static void
test_plans (void)
{
  g_autoptr(TestResponse) plans = test_request (demo, "GET", "/v1/plans", NULL, NULL);
  JsonArray *list;

  g_assert_cmpuint (plans->status, ==, 200);
  list = json_node_get_array (test_response_member (plans, "plans"));
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  g_assert_cmpstr (test_response_string (plans, "plans.0.id"), ==, "basic");
  g_assert_cmpstr (test_response_string (plans, "plans.0.name"), ==, "Basic");
  g_assert_cmpint (test_response_int (plans, "plans.0.credits_per_period"), ==, BASIC_CREDITS);
  g_assert_cmpstr (test_response_string (plans, "plans.0.interval"), ==, "month");
  g_assert_cmpint (test_response_int (plans, "plans.0.price.amount"), ==, 900);
  g_assert_cmpstr (test_response_string (plans, "plans.0.price.currency"), ==, "eur");
}

/* --- the demo provider --- */

static void
test_demo_flow (void)
{
  g_autofree char *token = test_user_new (demo, "demo-subscriber@example.com", NULL);
  g_autoptr(TestResponse) started = subscribe (demo, token, "basic");
  g_autofree char *page_path = NULL, *pay = NULL;
  g_autoptr(TestResponse) page = NULL, paid = NULL, again = NULL, second = NULL;
  g_autoptr(TestResponse) now = NULL, cancelled = NULL, twice = NULL, after = NULL;
  g_autoptr(GDateTime) period_end = NULL;

  g_assert_cmpuint (started->status, ==, 200);
  g_assert_true (g_str_has_prefix (test_response_string (started, "session_id"), "cs_demo_"));
  page_path = url_path (started);
  g_assert_true (g_str_has_prefix (page_path, "/demo/subscribe/"));
  /* Not paid yet: no subscription to show. */
  g_assert_true (has_no_subscription (demo, token));

  page = test_request (demo, "GET", page_path, NULL, NULL);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_nonnull (strstr (page->body, "<button>Subscribe</button>"));
  g_assert_nonnull (strstr (page->body, "9.00 EUR"));

  pay = g_strconcat (page_path, "/pay", NULL);
  paid = test_request (demo, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_nonnull (strstr (paid->body, "credited"));
  g_assert_cmpint (test_balance (demo, token), ==, BASIC_CREDITS);

  now = current (demo, token);
  g_assert_true (g_uuid_string_is_valid (test_response_string (now, "subscription.id")));
  g_assert_cmpstr (test_response_string (now, "subscription.plan"), ==, "basic");
  g_assert_cmpstr (test_response_string (now, "subscription.status"), ==, "active");
  g_assert_false (json_node_get_boolean (test_response_member (now,
                                                               "subscription."
                                                               "cancel_at_period_end")));
  period_end = g_date_time_new_from_iso8601 (test_response_string (now,
                                                                   "subscription."
                                                                   "current_period_end"),
                                             NULL);
  g_assert_nonnull (period_end);
  g_assert_cmpint (g_date_time_to_unix (period_end), >,
                   g_get_real_time () / G_USEC_PER_SEC + 27 * 86400);

  /* Subscribe acts once; one subscription at a time. */
  again = test_request (demo, "POST", pay, NULL, NULL);
  test_assert_error (again, 409, "checkout_closed", NULL);
  second = subscribe (demo, token, "plus");
  test_assert_error (second, 409, "already_subscribed", NULL);
  g_assert_cmpint (test_balance (demo, token), ==, BASIC_CREDITS);

  cancelled = test_request (demo, "DELETE", "/v1/me/subscription", token, NULL);
  g_assert_cmpuint (cancelled->status, ==, 200);
  g_assert_cmpstr (test_response_string (cancelled, "subscription.id"), ==,
                   test_response_string (now, "subscription.id"));
  g_assert_cmpstr (test_response_string (cancelled, "subscription.status"), ==, "active");
  g_assert_true (json_node_get_boolean (test_response_member (cancelled,
                                                              "subscription."
                                                              "cancel_at_period_end")));
  twice = test_request (demo, "DELETE", "/v1/me/subscription", token, NULL);
  g_assert_cmpuint (twice->status, ==, 200);
  g_assert_cmpstr (twice->body, ==, cancelled->body);
  after = current (demo, token);
  g_assert_cmpstr (after->body, ==, cancelled->body);
  /* Cancelling keeps what was granted. */
  g_assert_cmpint (test_balance (demo, token), ==, BASIC_CREDITS);
}

/* Polls @server until @token's balance is at least @credits (10 s at most). */
static gint64
wait_for_balance (TestServer *server,
                  const char *token,
                  gint64      credits)
{
  gint64 now = 0;

  for (guint i = 0; i < 200 && (now = test_balance (server, token)) < credits; i++)
    g_usleep (50 * 1000);
  g_assert_cmpint (now, >=, credits);
  return now;
}

/* The demo provider renews by itself (here every 2 s): each period's
 * invoice grants once; after a cancel the period's end ends it and
 * nothing more is granted. */
static void
test_demo_renewals (void)
{
  const char *args[] = { "--demo-period=2", NULL };
  g_autoptr(TestServer) quick = test_server_start (args);
  g_autofree char *token = test_user_new (quick, "renewing@example.com", NULL);
  g_autoptr(TestResponse) started = subscribe (quick, token, "basic");
  g_autofree char *page = url_path (started);
  g_autofree char *pay = g_strconcat (page, "/pay", NULL);
  g_autoptr(TestResponse) paid = test_request (quick, "POST", pay, NULL, NULL);
  g_autoptr(TestResponse) cancelled = NULL;
  g_autoptr(JsonArray) items = NULL;
  gint64 ended;
  guint purchases = 0;

  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_cmpint (test_balance (quick, token), ==, BASIC_CREDITS);
  wait_for_balance (quick, token, 3 * BASIC_CREDITS);

  cancelled = test_request (quick, "DELETE", "/v1/me/subscription", token, NULL);
  g_assert_cmpuint (cancelled->status, ==, 200);
  for (guint i = 0; i < 200 && !has_no_subscription (quick, token); i++)
    g_usleep (50 * 1000);
  g_assert_true (has_no_subscription (quick, token));
  ended = test_balance (quick, token);
  g_assert_cmpint (ended % BASIC_CREDITS, ==, 0);
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpint (test_balance (quick, token), ==, ended);

  items = test_list_transactions (quick, token);
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    "kind"), "purchase"))
      purchases++;
  g_assert_cmpint (purchases * BASIC_CREDITS, ==, ended);

  test_server_stop (quick, FALSE);
  test_server_check_ledger (quick);
}

static TestResponse *
change_plan (TestServer *server,
             const char *token,
             const char *plan)
{
  g_autofree char *body = g_strdup_printf ("{\"plan\": \"%s\"}", plan);

  return test_request (server, "PUT", "/v1/me/subscription", token, body);
}

/* Subscribes @token to basic on the demo page. */
static void
demo_subscribe (const char *token)
{
  g_autoptr(TestResponse) started = subscribe (demo, token, "basic");
  g_autofree char *page_path = url_path (started);
  g_autofree char *pay = g_strconcat (page_path, "/pay", NULL);
  g_autoptr(TestResponse) paid = test_request (demo, "POST", pay, NULL, NULL);

  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_cmpint (test_balance (demo, token), ==, BASIC_CREDITS);
}

/* An upgrade grants the difference for what is left of the month, at
 * once; a downgrade grants nothing and waits for the next invoice. */
static void
test_demo_change (void)
{
  g_autofree char *token = test_user_new (demo, "demo-changer@example.com", NULL);
  g_autoptr(TestResponse) up = NULL, again = NULL, down = NULL, unknown = NULL;
  gint64 after_upgrade;

  demo_subscribe (token);
  up = change_plan (demo, token, "plus");
  g_assert_cmpuint (up->status, ==, 200);
  g_assert_cmpstr (test_response_string (up, "subscription.plan"), ==, "plus");
  g_assert_cmpstr (test_response_string (up, "subscription.status"), ==, "active");
  after_upgrade = test_balance (demo, token);
  /* (5000 - 1000) credits × (what is left of the month) ÷ (the month). */
  g_assert_cmpint (after_upgrade, >=, BASIC_CREDITS + 3990);
  g_assert_cmpint (after_upgrade, <=, BASIC_CREDITS + 4000);

  again = change_plan (demo, token, "plus");
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpint (test_balance (demo, token), ==, after_upgrade);

  down = change_plan (demo, token, "basic");
  g_assert_cmpuint (down->status, ==, 200);
  g_assert_cmpstr (test_response_string (down, "subscription.plan"), ==, "basic");
  g_assert_cmpint (test_balance (demo, token), ==, after_upgrade);

  unknown = change_plan (demo, token, "platinum");
  test_assert_error (unknown, 400, "invalid_field", "plan");
}

static void
test_demo_change_without_subscription (void)
{
  g_autofree char *token = test_user_new (demo, "demo-nochange@example.com", NULL);
  g_autoptr(TestResponse) none = change_plan (demo, token, "plus");
  g_autoptr(TestResponse) number = test_request (demo, "PUT", "/v1/me/subscription", token,
                                                 "{\"plan\": 1}");

  test_assert_error (none, 404, "not_found", NULL);
  test_assert_error (number, 400, "invalid_field", "plan");
}

static void
test_demo_page_needs_key (void)
{
  g_autofree char *token = test_user_new (demo, "demo-keyless@example.com", NULL);
  g_autoptr(TestResponse) started = subscribe (demo, token, "plus");
  g_autofree char *page_path = url_path (started);
  g_autofree char *without = g_strndup (page_path, strrchr (page_path, '/') - page_path);
  g_autofree char *wrong = g_strconcat (without, "/", "0000000000000000000000000000000000000000"
                                        "000000000000000000000000", "/pay", NULL);
  g_autoptr(TestResponse) refused = test_request (demo, "POST", wrong, NULL, NULL);
  g_autoptr(TestResponse) bare = test_request (demo, "GET", without, NULL, NULL);

  test_assert_error (refused, 404, "not_found", NULL);
  g_assert_cmpuint (bare->status, ==, 404);
  g_assert_cmpint (test_balance (demo, token), ==, 0);
  g_assert_true (has_no_subscription (demo, token));
}

static void
test_bad_input (void)
{
  g_autofree char *token = test_user_new (demo, "demo-bad@example.com", NULL);
  g_autoptr(TestResponse) unknown = subscribe (demo, token, "platinum");
  g_autoptr(TestResponse) number = test_request (demo, "POST", "/v1/subscriptions", token,
                                                 "{\"plan\": 7}");
  g_autoptr(TestResponse) missing = test_request (demo, "POST", "/v1/subscriptions", token, "{}");
  g_autoptr(TestResponse) broken = test_request (demo, "POST", "/v1/subscriptions", token,
                                                 "{\"plan\":");
  g_autoptr(TestResponse) nothing = test_request (demo, "DELETE", "/v1/me/subscription", token,
                                                  NULL);
  g_autoptr(TestResponse) anonymous = subscribe (demo, NULL, "basic");

  test_assert_error (unknown, 400, "invalid_field", "plan");
  test_assert_error (number, 400, "invalid_field", "plan");
  test_assert_error (missing, 400, "invalid_field", "plan");
  test_assert_error (broken, 400, "invalid_json", NULL);
  test_assert_error (nothing, 404, "not_found", NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
  g_assert_true (has_no_subscription (demo, token));
}

/* --- Stripe --- */

typedef struct
{
  char      *subscription;
  char      *invoice;
  JsonArray *events;
  JsonArray *statuses;
} Delivered;

static void
delivered_free (Delivered *delivered)
{
  g_free (delivered->subscription);
  g_free (delivered->invoice);
  json_array_unref (delivered->events);
  json_array_unref (delivered->statuses);
  g_free (delivered);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Delivered, delivered_free)

/* One of the fake's subscription controls; every event it delivered was
 * answered 200. */
static Delivered *
control (const char *path,
         const char *body)
{
  g_autoptr(TestResponse) response = test_request (fake, "POST", path, NULL, body);
  Delivered *delivered = g_new0 (Delivered, 1);
  JsonNode *invoice;

  g_test_message ("%s %s → %u %s", path, body, response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  delivered->subscription = g_strdup (test_response_string (response, "subscription"));
  invoice = test_response_member (response, "invoice");
  delivered->invoice = JSON_NODE_HOLDS_NULL (invoice) ? NULL
                                                      : g_strdup (json_node_get_string (invoice));
  delivered->events = json_array_ref (json_node_get_array (test_response_member (response,
                                                                                 "events")));
  delivered->statuses = json_array_ref (json_node_get_array (test_response_member (response,
                                                                                   "statuses")));
  for (guint i = 0; i < json_array_get_length (delivered->statuses); i++)
    g_assert_cmpint (json_array_get_int_element (delivered->statuses, i), ==, 200);
  return delivered;
}

/* Subscribes @token through Checkout and the fake's payment of it; with
 * @invoice_first, the invoice's event outruns the session's. */
static Delivered *
stripe_subscribe_ordered (const char *token,
                          gboolean    invoice_first)
{
  g_autoptr(TestResponse) started = subscribe (stripe, token, "basic");
  g_autofree char *path = NULL, *body = NULL;
  g_autoptr(TestResponse) session = NULL;
  const char *session_id;

  g_test_message ("subscribe → %u %s", started->status, started->body);
  g_assert_cmpuint (started->status, ==, 200);
  g_assert_true (g_str_has_prefix (test_response_string (started, "url"),
                                   "https://checkout.stripe.com/"));
  session_id = test_response_string (started, "session_id");

  path = g_strconcat ("/_test/sessions/", session_id, NULL);
  session = test_request (fake, "GET", path, NULL, NULL);
  g_assert_cmpuint (session->status, ==, 200);
  g_assert_cmpstr (test_response_string (session, "mode"), ==, "subscription");
  g_assert_true (g_uuid_string_is_valid (test_response_string (session,
                                                               "subscription_data.metadata."
                                                               "subscription_id")));
  g_assert_true (has_no_subscription (stripe, token));

  body = g_strdup_printf ("{\"session\": \"%s\", \"invoice_first\": %s}", session_id,
                          invoice_first ? "true" : "false");
  return control ("/_test/subscribe", body);
}

static Delivered *
stripe_subscribe (const char *token)
{
  return stripe_subscribe_ordered (token, FALSE);
}

static char *
subscription_body (const Delivered *delivered,
                   gboolean         fail)
{
  return g_strdup_printf ("{\"subscription\": \"%s\", \"fail\": %s}", delivered->subscription,
                          fail ? "true" : "false");
}

static void
test_stripe_checkout (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-subscriber@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autoptr(TestResponse) now = current (stripe, token);
  g_autofree char *path = g_strconcat ("/_test/subscriptions/", first->subscription, NULL);
  g_autoptr(TestResponse) at_stripe = test_request (fake, "GET", path, NULL, NULL);
  g_autoptr(GDateTime) period_end = NULL;

  g_assert_cmpuint (json_array_get_length (first->events), ==, 2);
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);
  g_assert_cmpstr (test_response_string (now, "subscription.status"), ==, "active");
  g_assert_cmpstr (test_response_string (now, "subscription.plan"), ==, "basic");
  period_end = g_date_time_new_from_iso8601 (test_response_string (now,
                                                                   "subscription."
                                                                   "current_period_end"),
                                             NULL);
  g_assert_cmpint (g_date_time_to_unix (period_end), ==,
                   test_response_int (at_stripe, "items.data.0.current_period_end"));
}

/* The renewal's invoice.paid, delivered three times: credits once. */
static void
test_stripe_invoice_once (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-thrice@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *body = subscription_body (first, FALSE);
  g_autoptr(Delivered) renewal = control ("/_test/renew", body);
  const char *event = json_array_get_string_element (renewal->events, 0);
  g_autofree char *second = NULL, *third = NULL, *first_again = NULL;
  g_autoptr(JsonArray) items = NULL;
  guint purchases = 0;

  g_assert_cmpint (test_balance (stripe, token), ==, 2 * BASIC_CREDITS);
  second = test_stripe_deliver (fake, event);
  third = test_stripe_deliver (fake, event);
  g_assert_cmpstr (second, ==, "duplicate");
  g_assert_cmpstr (third, ==, "duplicate");
  /* The first invoice, late: nothing either. */
  first_again = test_stripe_deliver (fake, json_array_get_string_element (first->events, 1));
  g_assert_cmpstr (first_again, ==, "duplicate");
  g_assert_cmpint (test_balance (stripe, token), ==, 2 * BASIC_CREDITS);

  items = test_list_transactions (stripe, token);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "kind"), "purchase"))
        {
          purchases++;
          g_assert_cmpint (json_object_get_int_member (item, "amount"), ==, BASIC_CREDITS);
        }
    }
  g_assert_cmpuint (purchases, ==, 2);
}

/* --- refunds of an invoice --- */

static gint64
invoice_amount (const char *invoice_id)
{
  g_autofree char *path = g_strconcat ("/_test/invoices/", invoice_id, NULL);
  g_autoptr(TestResponse) invoice = test_request (fake, "GET", path, NULL, NULL);

  g_assert_cmpuint (invoice->status, ==, 200);
  return test_response_int (invoice, "amount_paid");
}

/* Stripe's charge.refunded for the charge that paid @invoice_id, as API
 * versions before 2025-03-31 send it (the charge names its invoice). */
static char *
invoice_refund_event (const char *invoice_id,
                      gint64      refunded)
{
  return g_strdup_printf ("{\"id\": \"evt_r_%s_%" G_GINT64_FORMAT "\", \"object\": \"event\", "
                          "\"type\": \"charge.refunded\", \"data\": {\"object\": {"
                          "\"id\": \"ch_%s\", \"object\": \"charge\", \"amount\": %"
                          G_GINT64_FORMAT ", \"amount_refunded\": %" G_GINT64_FORMAT ", "
                          "\"invoice\": \"%s\", \"payment_intent\": \"pi_%s\"}}}",
                          invoice_id, refunded, invoice_id, invoice_amount (invoice_id),
                          refunded, invoice_id, invoice_id);
}

/* A renewal refunded in two halves, each delivered twice: the invoice's
 * grant comes back once, half by half; the other month's stays. */
static void
test_stripe_refund_invoice (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-refunded@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *body = subscription_body (first, FALSE);
  g_autoptr(Delivered) renewal = control ("/_test/renew", body);
  gint64 amount = invoice_amount (renewal->invoice);
  g_autofree char *half = invoice_refund_event (renewal->invoice, amount / 2);
  g_autofree char *whole = invoice_refund_event (renewal->invoice, amount);
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;

  g_assert_cmpint (test_balance (stripe, token), ==, 2 * BASIC_CREDITS);
  o1 = test_stripe_deliver (fake, half);
  o2 = test_stripe_deliver (fake, half);
  g_assert_cmpstr (o1, ==, "refunded");
  g_assert_cmpstr (o2, ==, "duplicate");
  g_assert_cmpint (test_balance (stripe, token), ==,
                        2 * BASIC_CREDITS - BASIC_CREDITS * (amount / 2) / amount);
  o3 = test_stripe_deliver (fake, whole);
  o4 = test_stripe_deliver (fake, whole);
  g_assert_cmpstr (o3, ==, "refunded");
  g_assert_cmpstr (o4, ==, "duplicate");
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);
}

/* What was spent of the month stays spent: only the unspent rest comes
 * back, and the balance never goes below zero. */
static void
test_stripe_refund_invoice_spent (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-spent@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *run_id = g_uuid_string_random ();
  g_autofree char *run_body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                               "\"inputs\": {\"text\": \"x\"}}", run_id);
  g_autofree char *complete = g_strconcat ("/v1/runs/", run_id, "/complete", NULL);
  g_autoptr(TestResponse) run = test_request (stripe, "POST", "/v1/runs", token, run_body);
  g_autoptr(TestResponse) done = NULL;
  g_autofree char *refund = invoice_refund_event (first->invoice, invoice_amount (first->invoice));
  g_autofree char *outcome = NULL, *again = NULL;
  gint64 charged;

  g_assert_cmpuint (run->status, ==, 201);
  done = test_request (stripe, "POST", complete, token,
                       "{\"outcome\": \"succeeded\", \"units\": 1}");
  g_assert_cmpuint (done->status, ==, 200);
  charged = test_response_int (done, "run.charged");
  g_assert_cmpint (charged, >, 0);
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS - charged);

  outcome = test_stripe_deliver (fake, refund);
  g_assert_cmpstr (outcome, ==, "short");
  g_assert_cmpint (test_balance (stripe, token), ==, 0);
  again = test_stripe_deliver (fake, refund);
  g_assert_cmpstr (again, ==, "duplicate");
  g_assert_cmpint (test_balance (stripe, token), ==, 0);
}

static void
test_stripe_failed_renewal (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-declined@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *failing = subscription_body (first, TRUE);
  g_autofree char *paying = subscription_body (first, FALSE);
  g_autoptr(Delivered) failed = control ("/_test/renew", failing);
  g_autoptr(TestResponse) past_due = current (stripe, token);
  g_autoptr(Delivered) recovered = NULL;
  g_autoptr(TestResponse) active = NULL;

  g_assert_cmpuint (json_array_get_length (failed->events), ==, 2);
  g_assert_cmpstr (test_response_string (past_due, "subscription.status"), ==, "past_due");
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);

  /* Stripe's retry pays: active again, and the month's credits. */
  recovered = control ("/_test/renew", paying);
  active = current (stripe, token);
  g_assert_cmpstr (test_response_string (active, "subscription.status"), ==, "active");
  g_assert_cmpint (test_balance (stripe, token), ==, 2 * BASIC_CREDITS);
}

static void
test_stripe_cancel_and_end (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-leaver@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *path = g_strconcat ("/_test/subscriptions/", first->subscription, NULL);
  g_autofree char *failing = subscription_body (first, TRUE);
  g_autofree char *body = g_strdup_printf ("{\"subscription\": \"%s\"}", first->subscription);
  g_autoptr(Delivered) failed = control ("/_test/renew", failing);
  g_autoptr(TestResponse) cancelled = NULL, at_stripe = NULL, again = NULL;
  g_autoptr(Delivered) ended = NULL;
  g_autofree char *late = NULL, *late_end = NULL;

  cancelled = test_request (stripe, "DELETE", "/v1/me/subscription", token, NULL);
  g_assert_cmpuint (cancelled->status, ==, 200);
  g_assert_true (json_node_get_boolean (test_response_member (cancelled,
                                                              "subscription."
                                                              "cancel_at_period_end")));
  at_stripe = test_request (fake, "GET", path, NULL, NULL);
  g_assert_true (json_node_get_boolean (test_response_member (at_stripe,
                                                              "cancel_at_period_end")));

  /* The period ends: the subscription is over, its credits stay. */
  ended = control ("/_test/end", body);
  g_assert_true (has_no_subscription (stripe, token));
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);

  /* An older update arriving late does not bring it back. */
  late = test_stripe_deliver (fake, json_array_get_string_element (failed->events, 1));
  g_assert_cmpstr (late, ==, "ignored");
  late_end = test_stripe_deliver (fake, json_array_get_string_element (ended->events, 0));
  g_assert_cmpstr (late_end, ==, "duplicate");
  g_assert_true (has_no_subscription (stripe, token));

  /* And a new one may start. */
  again = subscribe (stripe, token, "plus");
  g_assert_cmpuint (again->status, ==, 200);
}

/* invoice.paid before checkout.session.completed: the invoice names the
 * subscription in its metadata, so it is found and credited all the same,
 * and the session's event, late, changes nothing. */
static void
test_stripe_invoice_first (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-early-invoice@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe_ordered (token, TRUE);
  g_autoptr(TestResponse) now = current (stripe, token);
  g_autofree char *again = NULL;

  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);
  g_assert_cmpstr (test_response_string (now, "subscription.status"), ==, "active");
  g_assert_nonnull (test_response_string (now, "subscription.current_period_end"));
  again = test_stripe_deliver (fake, json_array_get_string_element (first->events, 1));
  g_assert_cmpstr (again, ==, "duplicate");
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);
}

/* At Stripe: the item's price changes, an upgrade is invoiced at once
 * (its invoice.paid credits nothing more: the change did), a downgrade
 * only at the next renewal, which grants the new plan's credits. */
static void
test_stripe_change (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-changer@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autofree char *path = g_strconcat ("/_test/subscriptions/", first->subscription, NULL);
  g_autofree char *renewing = subscription_body (first, FALSE);
  g_autoptr(TestResponse) up = NULL, at_stripe = NULL, invoice = NULL, down = NULL;
  g_autoptr(TestResponse) after_down = NULL;
  g_autoptr(Delivered) renewal = NULL, second_renewal = NULL;
  g_autofree char *invoice_path = NULL, *event = NULL, *outcome = NULL;
  gint64 after_upgrade;

  up = change_plan (stripe, token, "plus");
  g_test_message ("change → %u %s", up->status, up->body);
  g_assert_cmpuint (up->status, ==, 200);
  g_assert_cmpstr (test_response_string (up, "subscription.plan"), ==, "plus");
  after_upgrade = test_balance (stripe, token);
  g_assert_cmpint (after_upgrade, >=, BASIC_CREDITS + 3990);
  g_assert_cmpint (after_upgrade, <=, BASIC_CREDITS + 4000);

  at_stripe = test_request (fake, "GET", path, NULL, NULL);
  g_assert_cmpint (test_response_int (at_stripe, "items.data.0.price.unit_amount"), ==, 3900);
  invoice_path = g_strconcat ("/_test/invoices/",
                              test_response_string (at_stripe, "latest_invoice"), NULL);
  invoice = test_request (fake, "GET", invoice_path, NULL, NULL);
  g_assert_cmpuint (invoice->status, ==, 200);
  g_assert_cmpstr (test_response_string (invoice, "billing_reason"), ==, "subscription_update");
  event = g_strdup_printf ("{\"id\": \"evt_proration\", \"object\": \"event\", "
                           "\"type\": \"invoice.paid\", \"data\": {\"object\": %s}}",
                           invoice->body);
  outcome = test_stripe_deliver (fake, event);
  g_assert_cmpstr (outcome, ==, "ignored");
  g_assert_cmpint (test_balance (stripe, token), ==, after_upgrade);

  renewal = control ("/_test/renew", renewing);
  g_assert_cmpint (test_balance (stripe, token), ==, after_upgrade + 5000);

  down = change_plan (stripe, token, "basic");
  g_assert_cmpuint (down->status, ==, 200);
  g_assert_cmpint (test_balance (stripe, token), ==, after_upgrade + 5000);
  after_down = test_request (fake, "GET", path, NULL, NULL);
  g_assert_cmpint (test_response_int (after_down, "items.data.0.price.unit_amount"), ==, 900);
  g_assert_cmpstr (test_response_string (after_down, "latest_invoice"), ==, renewal->invoice);

  second_renewal = control ("/_test/renew", renewing);
  g_assert_cmpint (test_balance (stripe, token), ==, after_upgrade + 5000 + BASIC_CREDITS);
}

/* A declined card refuses the upgrade: nothing changes. */
static void
test_stripe_change_declined (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-declined-upgrade@example.com", NULL);
  g_autoptr(Delivered) first = stripe_subscribe (token);
  g_autoptr(TestResponse) refused = NULL, now = NULL;

  test_stripe_control (fake, "/_test/decline", "{\"count\": 1}");
  refused = change_plan (stripe, token, "business");
  test_assert_error (refused, 402, "payment_declined", NULL);
  now = current (stripe, token);
  g_assert_cmpstr (test_response_string (now, "subscription.plan"), ==, "basic");
  g_assert_cmpint (test_balance (stripe, token), ==, BASIC_CREDITS);
}

static void
test_stripe_unavailable (void)
{
  g_autofree char *token = test_user_new (stripe, "stripe-down@example.com", NULL);
  g_autoptr(TestResponse) refused = NULL;

  test_stripe_control (fake, "/_test/fail", "{\"count\": 8, \"status\": 500}");
  refused = subscribe (stripe, token, "basic");
  test_stripe_control (fake, "/_test/fail", "{\"count\": 0}");
  test_assert_error (refused, 503, "payment_provider_unavailable", NULL);
  g_assert_true (has_no_subscription (stripe, token));
}

static gboolean
audit_has (TestResponse *page,
           const char   *action)
{
  JsonArray *items = json_node_get_array (test_response_member (page, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "action"), action) &&
          g_str_equal (json_object_get_string_member (item, "outcome"), "ok"))
        return TRUE;
    }

  return FALSE;
}

/* The demo flow above started a subscription and cancelled it. */
static void
test_audited (void)
{
  g_autofree char *admin = test_admin_new (demo, "subscriptions-admin@example.com");
  g_autoptr(TestResponse) page = test_request (demo, "GET",
                                               "/v1/admin/audit?action=subscription.&limit=500",
                                               admin, NULL);

  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (audit_has (page, "subscription.checkout"));
  g_assert_true (audit_has (page, "subscription.cancel"));
  g_assert_true (audit_has (page, "subscription.change"));
}

/* After all of it, the file: every invariant of the ledger. */
static void
test_ledger_check (void)
{
  TestServer *servers[] = { demo, stripe };

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      test_server_stop (servers[i], FALSE);
      test_server_check_ledger (servers[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  fake_stripe = test_fake_stripe_start ();
  fake = fake_stripe->api;
  stripe = test_stripe_server_start (fake, NULL);
  demo = test_server_start (NULL);
  test_stripe_send_webhooks_to (fake, stripe);

  g_test_add_func ("/subscriptions/api/plans", test_plans);
  g_test_add_func ("/subscriptions/demo/flow", test_demo_flow);
  g_test_add_func ("/subscriptions/demo/page-needs-key", test_demo_page_needs_key);
  g_test_add_func ("/subscriptions/demo/change", test_demo_change);
  g_test_add_func ("/subscriptions/demo/renewals", test_demo_renewals);
  g_test_add_func ("/subscriptions/demo/change-without-subscription",
                   test_demo_change_without_subscription);
  g_test_add_func ("/subscriptions/api/bad-input", test_bad_input);
  g_test_add_func ("/subscriptions/stripe/checkout", test_stripe_checkout);
  g_test_add_func ("/subscriptions/stripe/invoice-once", test_stripe_invoice_once);
  g_test_add_func ("/subscriptions/stripe/failed-renewal", test_stripe_failed_renewal);
  g_test_add_func ("/subscriptions/stripe/refund-invoice", test_stripe_refund_invoice);
  g_test_add_func ("/subscriptions/stripe/refund-invoice-spent",
                   test_stripe_refund_invoice_spent);
  g_test_add_func ("/subscriptions/stripe/cancel-and-end", test_stripe_cancel_and_end);
  g_test_add_func ("/subscriptions/stripe/invoice-first", test_stripe_invoice_first);
  g_test_add_func ("/subscriptions/stripe/change", test_stripe_change);
  g_test_add_func ("/subscriptions/stripe/change-declined", test_stripe_change_declined);
  g_test_add_func ("/subscriptions/stripe/unavailable", test_stripe_unavailable);
  g_test_add_func ("/subscriptions/audit/audited", test_audited);
  g_test_add_func ("/subscriptions/finally/ledger-check", test_ledger_check);

  status = g_test_run ();

  test_server_free (stripe);
  test_server_free (demo);
  test_fake_stripe_free (fake_stripe);
  return status;
}
