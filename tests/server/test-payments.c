/* test-payments.c: credit packs, checkout, Stripe's webhook, the demo provider
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tally-receipt.h"
#include "tally-test-stripe.h"

/* Lease taken on a device's first sync: how a test holds credits, so that
 * a refund finds the balance short. */
#define LEASE          "400"

static TestServer *demo;
static TestServer *stripe;
static TestFakeStripe *fake_stripe;
/* Its API, called through the harness like a server. */
static TestServer *fake;

/* --- the fake Stripe --- */

/* The most attempts any one Idempotency-Key had. */
static gint64
fake_most_attempts (void)
{
  g_autoptr(TestResponse) stats = test_request (fake, "GET", "/_test/stats", NULL, NULL);
  JsonObject *keys = json_node_get_object (test_response_member (stats, "keys"));
  g_autoptr(GList) members = json_object_get_members (keys);
  gint64 most = 0;

  for (GList *l = members; l != NULL; l = l->next)
    most = MAX (most, json_object_get_int_member (keys, l->data));

  return most;
}

/* The payment id the server put in the session's metadata. */
static char *
session_payment_id (const char *session_id)
{
  g_autofree char *path = g_strconcat ("/_test/sessions/", session_id, NULL);
  g_autoptr(TestResponse) session = test_request (fake, "GET", path, NULL, NULL);

  g_assert_cmpuint (session->status, ==, 200);
  g_assert_cmpstr (test_response_string (session, "object"), ==, "checkout.session");
  g_assert_cmpstr (test_response_string (session, "client_reference_id"), ==,
                   test_response_string (session, "metadata.payment_id"));
  return g_strdup (test_response_string (session, "metadata.payment_id"));
}

/* Delivers @event through the fake, signed; @query tampers with it.
 * Returns the webhook's status; @outcome, if given, its outcome. */
static guint
deliver (const char  *event,
         const char  *query,
         char       **outcome)
{
  g_autofree char *path = g_strconcat ("/_test/deliver", query != NULL ? query : "", NULL);
  g_autoptr(TestResponse) delivered = test_request (fake, "POST", path, NULL, event);
  g_autoptr(JsonNode) answer = NULL;
  guint status;

  g_assert_cmpuint (delivered->status, ==, 200);
  status = test_response_int (delivered, "status");
  g_test_message ("webhook %s → %u %s", query ? query : "", status,
                  test_response_string (delivered, "body"));
  answer = json_from_string (test_response_string (delivered, "body"), NULL);
  if (outcome != NULL)
    {
      JsonObject *object = answer != NULL ? json_node_get_object (answer) : NULL;

      *outcome = g_strdup (object != NULL && json_object_has_member (object, "outcome")
                           ? json_object_get_string_member (object, "outcome")
                           : "");
    }
  return status;
}

static char *
completed_event (const char *session_id,
                 const char *type,
                 const char *payment_status,
                 const char *intent)
{
  return g_strdup_printf ("{\"id\": \"evt_%s\", \"object\": \"event\", \"type\": \"%s\", "
                          "\"data\": {\"object\": {\"id\": \"%s\", "
                          "\"object\": \"checkout.session\", \"payment_status\": \"%s\", "
                          "\"payment_intent\": \"%s\"}}}",
                          intent, type, session_id, payment_status, intent);
}

static char *
refund_event (const char *payment_id,
              const char *intent,
              gint64      amount,
              gint64      refunded)
{
  return g_strdup_printf ("{\"id\": \"evt_r_%s_%" G_GINT64_FORMAT "\", \"object\": \"event\", "
                          "\"type\": \"charge.refunded\", \"data\": {\"object\": {"
                          "\"id\": \"ch_%s\", \"object\": \"charge\", \"amount\": %"
                          G_GINT64_FORMAT ", \"amount_refunded\": %" G_GINT64_FORMAT ", "
                          "\"payment_intent\": \"%s\", \"metadata\": {\"payment_id\": \"%s\"}}}}",
                          intent, refunded, intent, amount, refunded, intent,
                          payment_id != NULL ? payment_id : "");
}

/* --- helpers on the server --- */

static gint64
balance_of (TestServer *server,
            const char *token,
            const char *member)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  g_autofree char *path = g_strconcat ("accounts.0.", member, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  return test_response_int (me, path);
}

static gint64
balance (TestServer *server,
         const char *token)
{
  return balance_of (server, token, "balance");
}

/* POST /v1/checkout for @pack; the session id. */
static char *
checkout (TestServer *server,
          const char *token,
          const char *pack)
{
  g_autofree char *body = g_strdup_printf ("{\"pack\": \"%s\"}", pack);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/checkout", token, body);

  g_test_message ("checkout → %u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (test_response_string (response, "url"));
  return g_strdup (test_response_string (response, "session_id"));
}

/* How many payments of @session_id meet @condition (SQL). */
static gint64
payment_count (TestServer *server,
               const char *session_id,
               const char *condition)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM payments "
                                          "WHERE session_id = '%s' AND %s",
                                          session_id, condition);

  return test_server_count (server, sql);
}

/* The payment's row, which must be there, has @status. */
static void
assert_payment_status (TestServer *server,
                       const char *session_id,
                       const char *status)
{
  g_autofree char *condition = g_strdup_printf ("status = '%s'", status);

  g_assert_null (strchr (session_id, '\''));
  g_assert_cmpint (payment_count (server, session_id, "TRUE"), ==, 1);
  g_assert_cmpint (payment_count (server, session_id, condition), ==, 1);
}

/* An integer column of the payment's row, read from the server's store.
 * Session ids are the server's own or the fake Stripe's: no quote. */
static gint64
payment_column (TestServer *server,
                const char *session_id,
                const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM payments WHERE session_id = '%s'",
                                          column, session_id);

  g_assert_null (strchr (session_id, '\''));
  g_assert_cmpint (payment_count (server, session_id, "TRUE"), ==, 1);
  return test_server_count (server, sql);
}

/* Delivers @event and checks the webhook answered 200 with @expected. */
static void
expect_outcome (const char *event,
                const char *query,
                const char *expected)
{
  g_autofree char *outcome = NULL;

  g_assert_cmpuint (deliver (event, query, &outcome), ==, 200);
  g_assert_cmpstr (outcome, ==, expected);
}

/* --- packs --- */

static void
test_packs (void)
{
  g_autoptr(TestResponse) packs = test_request (demo, "GET", "/v1/packs", NULL, NULL);

  g_assert_cmpuint (packs->status, ==, 200);
  g_assert_cmpstr (test_response_string (packs, "packs.0.id"), ==, "starter");
  g_assert_cmpstr (test_response_string (packs, "packs.0.name"), ==, "Starter");
  g_assert_cmpint (test_response_int (packs, "packs.0.credits"), ==, 500);
  g_assert_cmpint (test_response_int (packs, "packs.0.price.amount"), ==, 500);
  g_assert_cmpstr (test_response_string (packs, "packs.0.price.currency"), ==, "eur");
  g_assert_cmpint (json_array_get_length (json_node_get_array (test_response_member (packs,
                                                                                     "packs"))),
                   ==, 3);
}

/* --- the whole purchase through Stripe --- */

static void
test_stripe_purchase (void)
{
  g_autofree char *token = test_user_new (stripe, "buyer@example.com", NULL);
  gint64 customers = test_stripe_stat (fake, "customers");
  gint64 sessions = test_stripe_stat (fake, "sessions");
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *again = NULL;
  g_autofree char *event = completed_event (session_id, "checkout.session.completed", "paid",
                                            "pi_buyer");
  g_autofree char *payment_id = session_payment_id (session_id);
  g_autoptr(TestResponse) metrics = NULL;

  g_assert_true (g_str_has_prefix (session_id, "cs_test_"));
  g_assert_true (g_uuid_string_is_valid (payment_id));
  g_assert_cmpint (test_stripe_stat (fake, "customers"), ==, customers + 1);
  g_assert_cmpint (test_stripe_stat (fake, "sessions"), ==, sessions + 1);
  g_assert_cmpint (balance (stripe, token), ==, 0);

  expect_outcome (event, NULL, "credited");
  g_assert_cmpint (balance (stripe, token), ==, 500);
  expect_outcome (event, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 500);
  assert_payment_status (stripe, session_id, "paid");

  /* A second purchase reuses the account's customer. */
  again = checkout (stripe, token, "standard");
  g_assert_cmpstr (again, !=, session_id);
  g_assert_cmpint (test_stripe_stat (fake, "customers"), ==, customers + 1);
  g_assert_cmpint (test_stripe_stat (fake, "sessions"), ==, sessions + 2);

  metrics = test_request (stripe, "GET", "/metrics", NULL, NULL);
  g_assert_nonnull (strstr (metrics->body, "tally_payments_total{outcome=\"credited\"}"));
  g_assert_nonnull (strstr (metrics->body, "tally_payments_total{outcome=\"duplicate\"}"));
}

/* --- signatures: nothing is read or credited without a good one --- */

static void
test_stripe_signatures (void)
{
  g_autofree char *token = test_user_new (stripe, "signatures@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *event = completed_event (session_id, "checkout.session.completed", "paid",
                                            "pi_signatures");
  g_autoptr(TestResponse) unsigned_post = NULL;
  g_autoptr(TestResponse) garbage = NULL;

  g_assert_cmpuint (deliver (event, "?secret=whsec_wrong", NULL), ==, 400);
  g_assert_cmpuint (deliver (event, "?age=301", NULL), ==, 400);
  g_assert_cmpuint (deliver (event, "?age=-400", NULL), ==, 400);
  g_assert_cmpuint (deliver (event, "?tamper=1", NULL), ==, 400);

  unsigned_post = test_request (stripe, "POST", "/v1/webhooks/stripe", NULL, event);
  g_assert_cmpuint (unsigned_post->status, ==, 400);
  g_assert_cmpstr (test_response_error (unsigned_post), ==, "invalid_signature");
  g_assert_cmpint (balance (stripe, token), ==, 0);

  /* A signed body that is not an event is refused, and changes nothing. */
  g_assert_cmpuint (deliver ("[1, 2]", NULL, NULL), ==, 400);
  garbage = test_request (stripe, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (garbage, "accounts.0.balance"), ==, 0);

  /* Two v1 values, neither by our secret. */
  g_assert_cmpuint (deliver (event, "?secret=whsec_a&old_secret=whsec_b", NULL), ==, 400);
  g_assert_cmpint (balance (stripe, token), ==, 0);

  /* A little old is fine: Stripe retries for days, each signed afresh. */
  expect_outcome (event, "?age=200", "credited");
  g_assert_cmpint (balance (stripe, token), ==, 500);
  /* Our v1 after another one (a secret being rolled) verifies too. */
  expect_outcome (event, "?old_secret=whsec_rolled", "duplicate");
}

static void
test_stripe_unknown_session (void)
{
  g_autofree char *event = completed_event ("cs_test_nobody", "checkout.session.completed",
                                            "paid", "pi_nobody");
  g_autofree char *other = g_strdup ("{\"id\": \"evt_x\", \"object\": \"event\", "
                                     "\"type\": \"customer.created\", \"data\": {\"object\": "
                                     "{\"id\": \"cus_x\"}}}");

  expect_outcome (event, NULL, "ignored");
  expect_outcome (other, NULL, "ignored");
}

/* --- order, repetition and delay --- */

static void
test_stripe_async_order (void)
{
  g_autofree char *token = test_user_new (stripe, "async@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *unpaid = completed_event (session_id, "checkout.session.completed", "unpaid",
                                             "pi_async");
  g_autofree char *succeeded = completed_event (session_id,
                                                "checkout.session.async_payment_succeeded",
                                                "paid", "pi_async");
  g_autofree char *paid = completed_event (session_id, "checkout.session.completed", "paid",
                                           "pi_async");

  /* The bank debit succeeds before Stripe's completed event arrives. */
  expect_outcome (succeeded, NULL, "credited");
  expect_outcome (unpaid, NULL, "pending");
  expect_outcome (succeeded, NULL, "duplicate");
  expect_outcome (paid, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 500);
}

static void
test_stripe_async_failed (void)
{
  g_autofree char *token = test_user_new (stripe, "declined@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *failed = completed_event (session_id, "checkout.session.async_payment_failed",
                                             "unpaid", "pi_declined");

  expect_outcome (failed, NULL, "failed");
  expect_outcome (failed, NULL, "duplicate");
  assert_payment_status (stripe, session_id, "failed");
  g_assert_cmpint (balance (stripe, token), ==, 0);
}

/* A refund delivered before the purchase it refunds: credited and taken
 * back, and the late purchase event changes nothing. */
static void
test_stripe_refund_before_purchase (void)
{
  g_autofree char *token = test_user_new (stripe, "early-refund@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *payment_id = session_payment_id (session_id);
  g_autofree char *refund = refund_event (payment_id, "pi_early", 500, 500);
  g_autofree char *paid = completed_event (session_id, "checkout.session.completed", "paid",
                                           "pi_early");

  expect_outcome (refund, NULL, "refunded");
  g_assert_cmpint (balance (stripe, token), ==, 0);
  expect_outcome (paid, NULL, "duplicate");
  expect_outcome (refund, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 0);
  assert_payment_status (stripe, session_id, "refunded");
}

/* --- refunds and disputes --- */

static void
test_stripe_refunds (void)
{
  g_autofree char *token = test_user_new (stripe, "refund@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *paid = completed_event (session_id, "checkout.session.completed", "paid",
                                           "pi_refund");
  g_autofree char *partial = refund_event (NULL, "pi_refund", 500, 200);
  g_autofree char *full = refund_event (NULL, "pi_refund", 500, 500);
  g_autoptr(TestResponse) list = NULL;

  expect_outcome (paid, NULL, "credited");
  /* Found by its PaymentIntent: this charge carries no payment id. */
  expect_outcome (partial, NULL, "refunded");
  g_assert_cmpint (balance (stripe, token), ==, 300);
  expect_outcome (partial, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 300);
  expect_outcome (full, NULL, "refunded");
  g_assert_cmpint (balance (stripe, token), ==, 0);
  g_assert_cmpint (payment_column (stripe, session_id, "short"), ==, 0);

  list = test_request (stripe, "GET", "/v1/transactions", token, NULL);
  g_assert_cmpstr (test_response_string (list, "items.0.kind"), ==, "adjustment");
  g_assert_cmpint (test_response_int (list, "items.0.amount"), ==, -300);
  g_assert_cmpstr (test_response_string (list, "items.2.kind"), ==, "purchase");
  g_assert_cmpint (test_response_int (list, "items.2.amount"), ==, 500);
}

/* Credits held by an offline lease cannot be taken back: the refund
 * takes what is available and the payment is flagged short. */
static void
test_stripe_refund_short (void)
{
  g_autofree char *token = test_user_new (stripe, "short@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *paid = completed_event (session_id, "checkout.session.completed", "paid",
                                           "pi_short");
  g_autofree char *full = refund_event (NULL, "pi_short", 500, 500);
  g_autoptr(TestResponse) sync = NULL;

  expect_outcome (paid, NULL, "credited");
  sync = test_request (stripe, "POST", "/v1/sync", token,
                       "{\"device\": \"laptop\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpuint (sync->status, ==, 200);
  g_assert_cmpint (balance_of (stripe, token, "available"), ==, 100);

  expect_outcome (full, NULL, "short");
  g_assert_cmpint (balance_of (stripe, token, "available"), ==, 0);
  g_assert_cmpint (balance (stripe, token), ==, 400);
  g_assert_cmpint (payment_column (stripe, session_id, "short"), ==, 1);
  g_assert_cmpint (payment_column (stripe, session_id, "short_by"), ==, 400);

  /* Again: the share was already dealt with, nothing more is taken. */
  expect_outcome (full, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 400);
}

static void
test_stripe_dispute (void)
{
  g_autofree char *token = test_user_new (stripe, "dispute@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, token, "starter");
  g_autofree char *paid = completed_event (session_id, "checkout.session.completed", "paid",
                                           "pi_dispute");
  const char *dispute = "{\"id\": \"evt_dp\", \"object\": \"event\", "
                        "\"type\": \"charge.dispute.created\", \"data\": {\"object\": {"
                        "\"id\": \"dp_1\", \"object\": \"dispute\", \"charge\": \"ch_dispute\", "
                        "\"amount\": 500, \"payment_intent\": \"pi_dispute\", "
                        "\"reason\": \"fraudulent\"}}}";

  expect_outcome (paid, NULL, "credited");
  expect_outcome (dispute, NULL, "disputed");
  g_assert_cmpint (balance (stripe, token), ==, 0);
  expect_outcome (dispute, NULL, "duplicate");
  g_assert_cmpint (balance (stripe, token), ==, 0);
  assert_payment_status (stripe, session_id, "disputed");
}

/* --- the billing portal --- */

static void
test_stripe_portal (void)
{
  g_autofree char *token = test_user_new (stripe, "portal@example.com", NULL);
  g_autoptr(TestResponse) before = test_request (stripe, "POST", "/v1/billing/portal", token,
                                                 NULL);
  g_autoptr(TestResponse) portal = NULL;
  g_autoptr(TestResponse) anonymous = NULL;
  g_autoptr(TestResponse) on_demo = NULL;
  g_autofree char *demo_token = test_user_new (demo, "portal@example.com", NULL);
  g_autofree char *session_id = NULL;
  gint64 portals = test_stripe_stat (fake, "portals");

  /* No customer until the first checkout. */
  g_assert_cmpuint (before->status, ==, 404);
  g_assert_cmpstr (test_response_error (before), ==, "not_found");

  session_id = checkout (stripe, token, "starter");
  portal = test_request (stripe, "POST", "/v1/billing/portal", token, NULL);
  g_assert_cmpuint (portal->status, ==, 200);
  g_assert_true (g_str_has_prefix (test_response_string (portal, "url"),
                                   "https://billing.stripe.com/p/session/"));
  g_assert_cmpint (test_stripe_stat (fake, "portals"), ==, portals + 1);

  anonymous = test_request (stripe, "POST", "/v1/billing/portal", NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);
  on_demo = test_request (demo, "POST", "/v1/billing/portal", demo_token, NULL);
  g_assert_cmpuint (on_demo->status, ==, 404);
}

/* --- Stripe failing: retried with the same Idempotency-Key --- */

static void
test_stripe_retries (void)
{
  g_autofree char *token = test_user_new (stripe, "retry@example.com", NULL);
  g_autofree char *first = checkout (stripe, token, "starter");
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  gint64 sessions = test_stripe_stat (fake, "sessions");
  gint64 replays;

  /* The customer exists now: the failures hit the session's creation. */
  test_stripe_control (fake, "/_test/fail", "{\"statuses\": [500, 429, 503]}");
  second = checkout (stripe, token, "starter");
  g_assert_cmpstr (second, !=, first);
  g_assert_cmpint (test_stripe_stat (fake, "sessions"), ==, sessions + 1);
  g_assert_cmpint (fake_most_attempts (), ==, 4);

  /* Created, then the answer lost: the retry is answered from the first. */
  replays = test_stripe_stat (fake, "replays");
  test_stripe_control (fake, "/_test/fail", "{\"count\": 1, \"status\": 500, \"after\": true}");
  third = checkout (stripe, token, "starter");
  g_assert_cmpint (test_stripe_stat (fake, "sessions"), ==, sessions + 2);
  g_assert_cmpint (test_stripe_stat (fake, "replays"), ==, replays + 1);
  g_assert_nonnull (third);
}

static void
test_stripe_unavailable (void)
{
  g_autofree char *token = test_user_new (stripe, "unavailable@example.com", NULL);
  gint64 sessions = test_stripe_stat (fake, "sessions");
  g_autoptr(TestResponse) response = NULL;

  test_stripe_control (fake, "/_test/fail", "{\"count\": 4, \"status\": 500}");
  response = test_request (stripe, "POST", "/v1/checkout", token, "{\"pack\": \"starter\"}");
  g_assert_cmpuint (response->status, ==, 503);
  g_assert_cmpstr (test_response_error (response), ==, "payment_provider_unavailable");
  g_assert_cmpint (test_stripe_stat (fake, "sessions"), ==, sessions);
  test_stripe_control (fake, "/_test/fail", "{\"count\": 0}");
}

/* --- the demo provider --- */

static char *
demo_checkout (const char *token,
               char      **page)
{
  g_autoptr(TestResponse) response = test_request (demo, "POST", "/v1/checkout", token,
                                                   "{\"pack\": \"starter\"}");
  const char *url, *session_id;

  g_assert_cmpuint (response->status, ==, 200);
  url = test_response_string (response, "url");
  session_id = test_response_string (response, "session_id");
  g_assert_true (g_str_has_prefix (session_id, "cs_demo_"));
  g_assert_true (g_str_has_prefix (url, demo->base_url));
  *page = g_strdup (url + strlen (demo->base_url));
  return g_strdup (session_id);
}

static void
test_demo_pay (void)
{
  g_autofree char *token = test_user_new (demo, "demo@example.com", NULL);
  g_autofree char *page_path = NULL;
  g_autofree char *session_id = demo_checkout (token, &page_path);
  g_autofree char *pay = g_strconcat (page_path, "/pay", NULL);
  g_autoptr(TestResponse) page = test_request (demo, "GET", page_path, NULL, NULL);
  g_autoptr(TestResponse) paid = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autoptr(TestResponse) after = NULL;

  g_assert_cmpuint (page->status, ==, 200);
  g_assert_nonnull (strstr (page->body, "<button>Pay</button>"));
  g_assert_nonnull (strstr (page->body, "/decline"));
  g_assert_nonnull (strstr (page->body, "5.00 EUR"));

  paid = test_request (demo, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_nonnull (strstr (paid->body, "credited"));
  g_assert_cmpint (balance (demo, token), ==, 500);

  /* Pay acts once: pressed again, it is refused and credits nothing. */
  again = test_request (demo, "POST", pay, NULL, NULL);
  test_assert_error (again, 409, "checkout_closed", NULL);
  g_assert_cmpint (balance (demo, token), ==, 500);

  after = test_request (demo, "GET", page_path, NULL, NULL);
  g_assert_nonnull (strstr (after->body, "paid"));
}

/* The page's path without its key: "/demo/checkout/cs_demo_…". */
static char *
without_key (const char *page_path)
{
  return g_strndup (page_path, strrchr (page_path, '/') - page_path);
}

static void
assert_not_paid (const char *path,
                 const char *token)
{
  g_autoptr(TestResponse) response = test_request (demo, "POST", path, NULL, NULL);

  g_test_message ("POST %s → %u", path, response->status);
  g_assert_cmpuint (response->status, >=, 400);
  g_assert_cmpuint (response->status, <, 500);
  g_assert_cmpint (balance (demo, token), ==, 0);
}

/* Only the URL the checkout answered pays it: not the session id alone,
 * not another checkout's key (another user's, or the same user's), not a
 * made-up key. */
static void
test_demo_pay_needs_key (void)
{
  g_autofree char *token = test_user_new (demo, "demo-key@example.com", NULL);
  g_autofree char *other = test_user_new (demo, "demo-key-other@example.com", NULL);
  g_autofree char *page_path = NULL;
  g_autofree char *other_page = NULL;
  g_autofree char *second_page = NULL;
  g_autofree char *session_id = demo_checkout (token, &page_path);
  g_autofree char *other_session = demo_checkout (other, &other_page);
  g_autofree char *second_session = demo_checkout (token, &second_page);
  g_autofree char *bare = without_key (page_path);
  const char *key = strrchr (page_path, '/') + 1;
  const char *other_key = strrchr (other_page, '/') + 1;
  const char *second_key = strrchr (second_page, '/') + 1;
  g_autofree char *bare_pay = g_strconcat (bare, "/pay", NULL);
  g_autofree char *others_key = g_strconcat (bare, "/", other_key, "/pay", NULL);
  g_autofree char *seconds_key = g_strconcat (bare, "/", second_key, "/pay", NULL);
  g_autofree char *made_up = g_strdup (key);
  g_autofree char *made_up_pay = NULL;
  g_autofree char *short_pay = g_strconcat (bare, "/", "00", "/pay", NULL);
  g_autofree char *pay = g_strconcat (page_path, "/pay", NULL);
  g_autoptr(TestResponse) bare_page = test_request (demo, "GET", bare, NULL, NULL);
  g_autoptr(TestResponse) paid = NULL;

  /* 256 bits, as hex. */
  g_assert_cmpuint (strlen (key), ==, 64);
  g_assert_cmpstr (key, !=, other_key);
  g_assert_cmpstr (key, !=, second_key);
  g_assert_cmpuint (bare_page->status, ==, 404);

  made_up[0] = made_up[0] == '0' ? '1' : '0';
  made_up_pay = g_strconcat (bare, "/", made_up, "/pay", NULL);
  assert_not_paid (bare_pay, token);
  assert_not_paid (others_key, token);
  assert_not_paid (seconds_key, token);
  assert_not_paid (made_up_pay, token);
  assert_not_paid (short_pay, token);

  paid = test_request (demo, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_cmpint (balance (demo, token), ==, 500);
  g_assert_cmpint (balance (demo, other), ==, 0);
}

static void
test_demo_decline (void)
{
  g_autofree char *token = test_user_new (demo, "demo-decline@example.com", NULL);
  g_autofree char *page_path = NULL;
  g_autofree char *session_id = demo_checkout (token, &page_path);
  g_autofree char *decline = g_strconcat (page_path, "/decline", NULL);
  g_autoptr(TestResponse) declined = test_request (demo, "POST", decline, NULL, NULL);
  g_autoptr(TestResponse) after = test_request (demo, "GET", page_path, NULL, NULL);
  g_autoptr(TestResponse) unknown = test_request (demo, "GET", "/demo/checkout/cs_demo_nothing",
                                                  NULL, NULL);

  g_assert_cmpuint (declined->status, ==, 200);
  g_assert_nonnull (strstr (declined->body, "declined"));
  g_assert_cmpint (balance (demo, token), ==, 0);
  g_assert_nonnull (strstr (after->body, "failed"));
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpstr (test_response_error (unknown), ==, "not_found");
}

/* --- the app hears the payment land --- */

typedef struct
{
  SoupWebsocketConnection *connection;
  GError                  *error;
  gboolean                 connected;
  gboolean                 has_payment;
  JsonNode                *payment;
} Listener;

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            Listener                *listener)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  if (listener->payment == NULL && node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
      g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "type",
                                                             ""), "payment") == 0)
    {
      listener->payment = g_steal_pointer (&node);
      listener->has_payment = TRUE;
    }
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Listener *listener = data;

  listener->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                                &listener->error);
  if (listener->connection != NULL)
    g_signal_connect (listener->connection, "message", G_CALLBACK (on_message), listener);
  listener->connected = TRUE;
}

/* Runs the main loop until @done or five seconds have passed. */
static void
wait_for (const gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!*done && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static void
test_demo_live_event (void)
{
  g_autofree char *token = test_user_new (demo, "demo-live@example.com", NULL);
  g_autofree char *url = g_strconcat (demo->base_url, "/v1/events", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *page_path = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *pay = NULL;
  g_autoptr(TestResponse) paid = NULL;
  Listener listener = { 0, };
  JsonObject *payment;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, &listener);
  wait_for (&listener.connected);
  g_assert_no_error (listener.error);
  g_assert_nonnull (listener.connection);

  session_id = demo_checkout (token, &page_path);
  pay = g_strconcat (page_path, "/pay", NULL);
  paid = test_request (demo, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);

  wait_for (&listener.has_payment);
  g_assert_nonnull (listener.payment);
  payment = json_object_get_object_member (json_node_get_object (listener.payment), "payment");
  g_assert_cmpstr (json_object_get_string_member (payment, "status"), ==, "paid");
  g_assert_cmpint (json_object_get_int_member (payment, "credits"), ==, 500);
  g_assert_cmpstr (json_object_get_string_member (payment, "ref"), ==, session_id);

  g_signal_handlers_disconnect_by_data (listener.connection, &listener);
  soup_websocket_connection_close (listener.connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (soup_websocket_connection_get_state (listener.connection) != SOUP_WEBSOCKET_STATE_CLOSED)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&listener.connection);
  g_clear_pointer (&listener.payment, json_node_unref);
}

/* The demo's secret is its own: an event signed with anything else is
 * refused. */
static void
test_demo_webhook_secret (void)
{
  g_autoptr(TestResponse) response = test_request (demo, "POST", "/v1/webhooks/stripe", NULL,
                                                   "{\"type\": \"checkout.session.completed\"}");

  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpstr (test_response_error (response), ==, "invalid_signature");
}

/* --- bad requests --- */

static void
test_bad_bodies (void)
{
  g_autofree char *token = test_user_new (demo, "bad-checkout@example.com", NULL);
  static const struct
  {
    const char *body;
    const char *code;
  } cases[] = {
    { "{\"pack\": \"no-such-pack\"}", "invalid_field" },
    { "{\"pack\": 5}", "invalid_field" },
    { "{\"pack\": null}", "invalid_field" },
    { "{\"pack\": [\"starter\"]}", "invalid_field" },
    { "{}", "invalid_field" },
    { "{\"pack\": ", "invalid_json" },
    { "[\"starter\"]", "invalid_json" },
  };
  g_autoptr(TestResponse) anonymous = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = test_request (demo, "POST", "/v1/checkout", token,
                                                       cases[i].body);

      g_test_message ("%s → %u %s", cases[i].body, response->status, response->body);
      g_assert_cmpuint (response->status, ==, 400);
      g_assert_cmpstr (test_response_error (response), ==, cases[i].code);
      if (g_str_equal (cases[i].code, "invalid_field"))
        g_assert_cmpstr (test_response_string (response, "error.field"), ==, "pack");
    }

  anonymous = test_request (demo, "POST", "/v1/checkout", NULL, "{\"pack\": \"starter\"}");
  g_assert_cmpuint (anonymous->status, ==, 401);
  g_assert_cmpstr (test_response_error (anonymous), ==, "unauthorized");
}

/* --- payments, invoice details and receipts --- */

/* The id of the newest payment GET /v1/payments lists for @token. */
static char *
newest_payment_id (const char *token)
{
  g_autoptr(TestResponse) list = test_request (demo, "GET", "/v1/payments", token, NULL);

  g_assert_cmpuint (list->status, ==, 200);
  return g_strdup (test_response_string (list, "items.0.id"));
}

/* Buys the starter pack with the demo provider; returns the payment id. */
static char *
demo_purchase (const char *token)
{
  g_autofree char *page_path = NULL;
  g_autofree char *session_id = demo_checkout (token, &page_path);
  g_autofree char *pay = g_strconcat (page_path, "/pay", NULL);
  g_autoptr(TestResponse) paid = test_request (demo, "POST", pay, NULL, NULL);

  g_assert_cmpuint (paid->status, ==, 200);
  return newest_payment_id (token);
}

static void
test_payments_list (void)
{
  g_autofree char *token = test_user_new (demo, "list@example.com", NULL);
  g_autofree char *other = test_user_new (demo, "list-other@example.com", NULL);
  g_autofree char *paid_id = demo_purchase (token);
  g_autofree char *page_path = NULL;
  g_autofree char *open_session = demo_checkout (token, &page_path);
  g_autofree char *open_id = newest_payment_id (token);
  g_autoptr(TestResponse) list = test_request (demo, "GET", "/v1/payments", token, NULL);
  g_autoptr(TestResponse) others = test_request (demo, "GET", "/v1/payments", other, NULL);
  g_autoptr(TestResponse) anonymous = test_request (demo, "GET", "/v1/payments", NULL, NULL);

  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpint (json_array_get_length (json_node_get_array (test_response_member (list,
                                                                                    "items"))),
                   ==, 2);
  /* Newest first: the checkout left open, then the one paid. */
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==, open_id);
  g_assert_cmpstr (test_response_string (list, "items.0.status"), ==, "open");
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (list, "items.0.paid_at")));
  g_assert_cmpstr (test_response_string (list, "items.1.id"), ==, paid_id);
  g_assert_cmpstr (test_response_string (list, "items.1.status"), ==, "paid");
  g_assert_cmpstr (test_response_string (list, "items.1.pack"), ==, "starter");
  g_assert_cmpint (test_response_int (list, "items.1.credits"), ==, 500);
  g_assert_cmpint (test_response_int (list, "items.1.amount"), ==, 500);
  g_assert_cmpstr (test_response_string (list, "items.1.currency"), ==, "eur");
  g_assert_cmpstr (test_response_string (list, "items.1.provider"), ==, "demo");
  g_assert_nonnull (test_response_string (list, "items.1.created_at"));
  g_assert_nonnull (test_response_string (list, "items.1.paid_at"));

  g_assert_cmpuint (others->status, ==, 200);
  g_assert_cmpint (json_array_get_length (json_node_get_array (test_response_member (others,
                                                                                    "items"))),
                   ==, 0);
  g_assert_cmpuint (anonymous->status, ==, 401);
}

static void
expect_invalid_details (const char *token,
                        const char *body,
                        const char *field)
{
  g_autoptr(TestResponse) response = test_request (demo, "PUT", "/v1/me/invoice-details", token,
                                                   body);

  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpstr (test_response_error (response), ==, "invalid_field");
  g_assert_cmpstr (test_response_string (response, "error.field"), ==, field);
}

static void
test_invoice_details (void)
{
  g_autofree char *token = test_user_new (demo, "details@example.com", NULL);
  g_autofree char *long_company = g_strnfill (201, 'x');
  g_autofree char *too_long = g_strdup_printf ("{\"company\": \"%s\"}", long_company);
  g_autoptr(TestResponse) before = test_request (demo, "GET", "/v1/me/invoice-details", token,
                                                 NULL);
  g_autoptr(TestResponse) set = NULL;
  g_autoptr(TestResponse) after = NULL;
  g_autoptr(TestResponse) cleared = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (before, "company")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (before, "vat_id")));

  expect_invalid_details (token, "{\"company\": \"A\", \"iban\": \"x\"}", "iban");
  expect_invalid_details (token, too_long, "company");
  expect_invalid_details (token, "{\"vat_id\": 12}", "vat_id");
  expect_invalid_details (token, "{\"vat_id\": \"BE\\n0123\"}", "vat_id");

  set = test_request (demo, "PUT", "/v1/me/invoice-details", token,
                      "{\"company\": \"Acme Ltd\", \"address\": \"1 Main St\\nGhent\", "
                      "\"vat_id\": \"BE0123456789\"}");
  g_assert_cmpuint (set->status, ==, 200);
  g_assert_cmpstr (test_response_string (set, "address"), ==, "1 Main St\nGhent");

  after = test_request (demo, "GET", "/v1/me/invoice-details", token, NULL);
  g_assert_cmpstr (test_response_string (after, "company"), ==, "Acme Ltd");
  g_assert_cmpstr (test_response_string (after, "vat_id"), ==, "BE0123456789");

  /* A PUT replaces all three. */
  cleared = test_request (demo, "PUT", "/v1/me/invoice-details", token, "{}");
  g_assert_cmpuint (cleared->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (cleared, "company")));
}

/* The receipt's bytes, which may hold NULs, unlike a TestResponse. */
static GBytes *
fetch_pdf_from (TestServer  *server,
                const char  *path,
                const char  *token,
                char       **content_type)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GBytes *pdf;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  pdf = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  *content_type = g_strdup (soup_message_headers_get_content_type (
                              soup_message_get_response_headers (msg), NULL));
  return pdf;
}

static GBytes *
fetch_pdf (const char  *path,
           const char  *token,
           char       **content_type)
{
  return fetch_pdf_from (demo, path, token, content_type);
}

/* Minor units as the currency counts them, in integers. */
static void
test_format_amount (void)
{
  const struct
  {
    gint64      amount;
    const char *currency;
    const char *expected;
  } cases[] = {
    { 500, "eur", "5.00 EUR" },
    { 5, "eur", "0.05 EUR" },
    { 123456789, "usd", "1234567.89 USD" },
    { 1000, "jpy", "1000 JPY" },
    { 1234, "kwd", "1.234 KWD" },
    /* The app's pack of 10000 fils says the same (test-app /app/format-price). */
    { 10000, "kwd", "10.000 KWD" },
    { 1500, "isk", "1500 ISK" },
    { 5, "tnd", "0.005 TND" },
    { 12345, "clf", "1.2345 CLF" },
    { -250, "eur", "-2.50 EUR" },
    { G_MININT64, "eur", "-92233720368547758.08 EUR" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *formatted = tally_format_amount (cases[i].amount, cases[i].currency);

      g_assert_cmpstr (formatted, ==, cases[i].expected);
    }
}

/* Runs poppler-utils' @program (build-aux/debian-packages installs it). */
static void
run_poppler (const char * const *argv)
{
  g_autofree char *program = g_find_program_in_path (argv[0]);
  g_autoptr(GError) error = NULL;
  int status;

  if (program == NULL)
    g_error ("%s is missing: install poppler-utils (build-aux/debian-packages)", argv[0]);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* The PDF's text, as pdftotext reads it. */
static char *
pdf_text (const char *pdf_path)
{
  g_autofree char *txt_path = g_strconcat (pdf_path, ".txt", NULL);
  const char *argv[] = { "pdftotext", "-layout", pdf_path, txt_path, NULL };
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  run_poppler (argv);
  g_file_get_contents (txt_path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Kept under the build dir, to look at. */
static void
pdf_screenshot (const char *pdf_path)
{
  g_autofree char *png = g_build_filename (g_getenv ("TALLY_TEST_OUTPUT_DIR"),
                                           "receipt-screenshot", NULL);
  g_autofree char *png_file = g_strconcat (png, ".png", NULL);
  const char *argv[] = { "pdftoppm", "-png", "-r", "100", "-singlefile", pdf_path, png, NULL };

  g_remove (png_file);
  run_poppler (argv);
  g_assert_true (g_file_test (png_file, G_FILE_TEST_IS_REGULAR));
  g_test_message ("Receipt screenshot: %s", png_file);
}

static void
test_demo_receipt (void)
{
  g_autofree char *token = test_user_new (demo, "receipt@example.com", NULL);
  g_autofree char *other = test_user_new (demo, "receipt-other@example.com", NULL);
  g_autoptr(TestResponse) details = NULL;
  g_autofree char *payment_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autofree char *pdf_path = g_build_filename (g_getenv ("TALLY_TEST_OUTPUT_DIR"),
                                                "receipt-test.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  details = test_request (demo, "PUT", "/v1/me/invoice-details", token,
                          "{\"company\": \"Receipt Test GmbH\", "
                          "\"address\": \"Hauptstraße 1\\n10115 Berlin\", "
                          "\"vat_id\": \"DE123456789\"}");
  g_assert_cmpuint (details->status, ==, 200);
  payment_id = demo_purchase (token);
  path = g_strdup_printf ("/v1/payments/%s/receipt", payment_id);

  pdf = fetch_pdf (path, token, &content_type);
  g_assert_cmpstr (content_type, ==, "application/pdf");
  g_assert_cmpuint (g_bytes_get_size (pdf), >, 4);
  g_assert_cmpmem (g_bytes_get_data (pdf, NULL), 5, "%PDF-", 5);

  g_file_set_contents (pdf_path, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf), &error);
  g_assert_no_error (error);
  text = pdf_text (pdf_path);
  g_test_message ("Receipt text:\n%s", text);
  g_assert_nonnull (strstr (text, "5.00 EUR"));
  g_assert_nonnull (strstr (text, "Starter"));
  g_assert_nonnull (strstr (text, "500"));
  g_assert_nonnull (strstr (text, "Receipt Test GmbH"));
  g_assert_nonnull (strstr (text, "DE123456789"));
  g_assert_nonnull (strstr (text, "receipt@example.com"));
  g_assert_nonnull (strstr (text, "Receipt number: R-"));
  g_assert_nonnull (strstr (text, "Payment reference"));
  g_assert_nonnull (strstr (text, "pi_demo_"));
  pdf_screenshot (pdf_path);

  {
    g_autoptr(TestResponse) theirs = test_request (demo, "GET", path, other, NULL);
    g_autoptr(TestResponse) anonymous = test_request (demo, "GET", path, NULL, NULL);

    g_assert_cmpuint (theirs->status, ==, 404);
    g_assert_cmpstr (test_response_error (theirs), ==, "not_found");
    g_assert_cmpuint (anonymous->status, ==, 401);
  }
}

/* A checkout never paid has no receipt. */
static void
test_receipt_unpaid (void)
{
  g_autofree char *token = test_user_new (demo, "unpaid@example.com", NULL);
  g_autofree char *page_path = NULL;
  g_autofree char *session_id = demo_checkout (token, &page_path);
  g_autofree char *payment_id = newest_payment_id (token);
  g_autofree char *path = g_strdup_printf ("/v1/payments/%s/receipt", payment_id);
  g_autoptr(TestResponse) response = test_request (demo, "GET", path, token, NULL);
  g_autoptr(TestResponse) unknown = test_request (demo, "GET", "/v1/payments/nope/receipt", token,
                                                  NULL);

  g_assert_cmpuint (response->status, ==, 404);
  g_assert_cmpuint (unknown->status, ==, 404);
}

/* --- auto-recharge --- */

static char *stripe_admin;

/* A user of the Stripe server with a Stripe customer (made by a first
 * checkout, never paid) and @credits granted. */
static char *
recharge_user (const char *email,
               gint64      credits)
{
  char account_id[37];
  g_autofree char *token = test_user_new (stripe, email, account_id);
  g_autofree char *session_id = checkout (stripe, token, "starter");

  if (stripe_admin == NULL)
    stripe_admin = test_admin_new (stripe, "recharge-admin@example.com");
  test_grant (stripe, stripe_admin, account_id, credits);
  return g_steal_pointer (&token);
}

static TestResponse *
set_auto_recharge (const char *token,
                   gint64      threshold,
                   gint64      monthly_cap)
{
  g_autofree char *body = g_strdup_printf ("{\"enabled\": true, \"threshold\": %"
                                           G_GINT64_FORMAT ", \"pack\": \"starter\", "
                                           "\"monthly_cap\": %" G_GINT64_FORMAT "}",
                                           threshold, monthly_cap);
  TestResponse *response = test_request (stripe, "PUT", "/v1/me/auto-recharge", token, body);

  g_test_message ("auto-recharge → %u %s", response->status, response->body);
  return response;
}

static TestResponse *
get_auto_recharge (const char *token)
{
  return test_request (stripe, "GET", "/v1/me/auto-recharge", token, NULL);
}

/* Waits (10 s at most) until no recharge is in flight and @member of the
 * settings is @value. */
static void
wait_for_recharge (const char *token,
                   const char *member,
                   gint64      value)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(TestResponse) settings = get_auto_recharge (token);
      JsonNode *node = test_response_member (settings, member);
      gint64 now = JSON_NODE_HOLDS_VALUE (node) &&
                   json_node_get_value_type (node) == G_TYPE_BOOLEAN
                   ? json_node_get_boolean (node) : json_node_get_int (node);

      if (!json_node_get_boolean (test_response_member (settings, "in_flight")) && now == value)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("auto-recharge never had %s = %" G_GINT64_FORMAT, member, value);
}

static void
test_recharge_settings (void)
{
  g_autofree char *token = test_user_new (stripe, "recharge-settings@example.com", NULL);
  g_autoptr(TestResponse) before = get_auto_recharge (token);
  g_autoptr(TestResponse) bad_pack = NULL;
  g_autoptr(TestResponse) bad_cap = NULL;
  g_autoptr(TestResponse) on_demo = NULL;
  g_autofree char *demo_token = test_user_new (demo, "recharge-demo@example.com", NULL);

  g_assert_cmpuint (before->status, ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (before, "enabled")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (before, "pack")));

  bad_pack = test_request (stripe, "PUT", "/v1/me/auto-recharge", token,
                           "{\"enabled\": true, \"threshold\": 10, \"pack\": \"nope\", "
                           "\"monthly_cap\": 1}");
  g_assert_cmpuint (bad_pack->status, ==, 400);
  g_assert_cmpstr (test_response_string (bad_pack, "error.field"), ==, "pack");
  bad_cap = set_auto_recharge (token, 10, 0);
  g_assert_cmpuint (bad_cap->status, ==, 400);
  g_assert_cmpstr (test_response_string (bad_cap, "error.field"), ==, "monthly_cap");

  on_demo = test_request (demo, "PUT", "/v1/me/auto-recharge", demo_token,
                          "{\"enabled\": true, \"threshold\": 10, \"pack\": \"starter\", "
                          "\"monthly_cap\": 1}");
  g_assert_cmpuint (on_demo->status, ==, 400);
  g_assert_cmpstr (test_response_string (on_demo, "error.field"), ==, "enabled");
}

typedef struct
{
  const char *token;
  guint       status;
} RunClient;

static gpointer
run_client (gpointer data)
{
  RunClient *client = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                           "\"inputs\": {\"text\": \"x\"}}", id);
  g_autoptr(TestResponse) response = test_request_on (stripe, session, "POST", "/v1/runs",
                                                      client->token, body);

  client->status = response->status;
  return NULL;
}

/* Ten runs at once take the balance from 505 to 495, below 500: one
 * recharge, held in flight by a slow Stripe while the others commit. */
static void
test_recharge_once (void)
{
  g_autofree char *token = recharge_user ("recharge-once@example.com", 505);
  gint64 intents = test_stripe_stat (fake, "payment_intents");
  g_autoptr(TestResponse) settings = set_auto_recharge (token, 500, 1);
  g_autoptr(TestResponse) payments = NULL;
  g_autoptr(TestResponse) higher = NULL;
  RunClient clients[10];
  GThread *threads[G_N_ELEMENTS (clients)];

  g_assert_cmpuint (settings->status, ==, 200);
  g_assert_true (json_node_get_boolean (test_response_member (settings, "enabled")));
  test_stripe_control (fake, "/_test/fail", "{\"count\": 1, \"status\": 0, \"delay_ms\": 800}");

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = (RunClient) { token, 0 };
      threads[i] = g_thread_new ("run", run_client, &clients[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (clients[i].status, ==, 201);
    }

  wait_for_recharge (token, "failures", 0);
  for (guint i = 0; i < 100 && balance_of (stripe, token, "available") != 995; i++)
    g_usleep (50 * 1000);
  g_assert_cmpint (balance_of (stripe, token, "available"), ==, 995);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);

  payments = test_request (stripe, "GET", "/v1/payments", token, NULL);
  g_assert_cmpstr (test_response_string (payments, "items.0.status"), ==, "paid");
  g_assert_cmpstr (test_response_string (payments, "items.0.provider"), ==, "stripe");
  g_assert_cmpint (test_response_int (payments, "items.0.credits"), ==, 500);

  /* The monthly cap of one is spent: below a higher threshold, nothing. */
  higher = set_auto_recharge (token, 2000, 1);
  g_assert_cmpuint (higher->status, ==, 200);
  g_usleep (500 * 1000);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);
  g_assert_cmpint (balance_of (stripe, token, "available"), ==, 995);
}

/* --- currencies: ISO 4217's minor units, Stripe's where it differs --- */

static char *
write_packs (const char *dir,
             const char *packs)
{
  char *path = g_build_filename (dir, "packs.json", NULL);
  g_autofree char *text = g_strdup_printf ("{\"packs\": [%s]}", packs);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* The session as the fake Stripe took it: amount_total in its units. */
static gint64
stripe_session_total (const char *session_id,
                      const char *currency)
{
  g_autofree char *path = g_strconcat ("/_test/sessions/", session_id, NULL);
  g_autoptr(TestResponse) session = test_request (fake, "GET", path, NULL, NULL);

  g_assert_cmpuint (session->status, ==, 200);
  g_assert_cmpstr (test_response_string (session, "currency"), ==, currency);
  return test_response_int (session, "amount_total");
}

static void
test_stripe_minor_units (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-packs-XXXXXX", NULL);
  g_autofree char *packs = write_packs (dir,
    "{\"id\": \"krona\", \"name\": \"Krónur\", \"credits\": 100, "
    "\"price\": {\"amount\": 1500, \"currency\": \"isk\"}}, "
    "{\"id\": \"dinar\", \"name\": \"Dinars\", \"credits\": 100, "
    "\"price\": {\"amount\": 10000, \"currency\": \"kwd\"}}, "
    "{\"id\": \"ariary\", \"name\": \"Ariary\", \"credits\": 100, "
    "\"price\": {\"amount\": 250000, \"currency\": \"mga\"}}");
  g_autofree char *packs_arg = g_strconcat ("--packs-file=", packs, NULL);
  const char *args[] = { packs_arg, NULL };
  g_autoptr(TestServer) server = test_stripe_server_start (fake, args);
  g_autofree char *token = test_user_new (server, "iso@example.com", NULL);
  g_autoptr(TestResponse) listed = test_request (server, "GET", "/v1/packs", NULL, NULL);
  g_autofree char *krona = NULL, *dinar = NULL, *ariary = NULL;

  /* The catalogue says ISO's units: 1500 krónur, 10.000 dinars. */
  g_assert_cmpint (test_response_int (listed, "packs.0.price.amount"), ==, 1500);
  g_assert_cmpint (test_response_int (listed, "packs.1.price.amount"), ==, 10000);

  /* Stripe takes ISK in hundredths, MGA in whole ariary, KWD as ISO. */
  krona = checkout (server, token, "krona");
  g_assert_cmpint (stripe_session_total (krona, "isk"), ==, 150000);
  dinar = checkout (server, token, "dinar");
  g_assert_cmpint (stripe_session_total (dinar, "kwd"), ==, 10000);
  ariary = checkout (server, token, "ariary");
  g_assert_cmpint (stripe_session_total (ariary, "mga"), ==, 2500);

  test_remove_tree (dir);
}

/* A KWD pack says 10.000 KWD on its checkout page and its receipt, as
 * the app says it (test-app /app/format-price). */
static void
test_demo_minor_units (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-packs-XXXXXX", NULL);
  g_autofree char *packs = write_packs (dir,
    "{\"id\": \"dinar\", \"name\": \"Dinars\", \"credits\": 100, "
    "\"price\": {\"amount\": 10000, \"currency\": \"kwd\"}}");
  g_autofree char *packs_arg = g_strconcat ("--packs-file=", packs, NULL);
  const char *args[] = { packs_arg, NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *token = test_user_new (server, "dinar@example.com", NULL);
  g_autoptr(TestResponse) checkout_answer = NULL, page = NULL, paid = NULL, list = NULL;
  g_autofree char *page_path = NULL, *pay = NULL, *receipt = NULL, *content_type = NULL;
  g_autofree char *pdf_path = g_build_filename (dir, "receipt.pdf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(GError) error = NULL;

  checkout_answer = test_request (server, "POST", "/v1/checkout", token,
                                  "{\"pack\": \"dinar\"}");
  g_assert_cmpuint (checkout_answer->status, ==, 200);
  page_path = g_strdup (test_response_string (checkout_answer, "url") +
                        strlen (server->base_url));
  page = test_request (server, "GET", page_path, NULL, NULL);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_nonnull (strstr (page->body, "100 credits for 10.000 KWD"));

  pay = g_strconcat (page_path, "/pay", NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  list = test_request (server, "GET", "/v1/payments", token, NULL);
  g_assert_cmpint (test_response_int (list, "items.0.amount"), ==, 10000);
  receipt = g_strdup_printf ("/v1/payments/%s/receipt",
                             test_response_string (list, "items.0.id"));

  pdf = fetch_pdf_from (server, receipt, token, &content_type);
  g_file_set_contents (pdf_path, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf), &error);
  g_assert_no_error (error);
  text = pdf_text (pdf_path);
  g_test_message ("Receipt text:\n%s", text);
  g_assert_nonnull (strstr (text, "10.000 KWD"));
  test_remove_tree (dir);
}

/* A price Stripe could only round is refused when the server starts. */
static void
test_stripe_inexact_price (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-packs-XXXXXX", NULL);
  g_autofree char *packs = write_packs (dir,
    "{\"id\": \"ariary\", \"name\": \"Ariary\", \"credits\": 100, "
    "\"price\": {\"amount\": 250050, \"currency\": \"mga\"}}");
  g_autofree char *packs_arg = g_strconcat ("--packs-file=", packs, NULL);
  g_autofree char *data_dir = g_strdup_printf ("--data-dir=%s", dir);
  const char *args[] = { packs_arg, data_dir, "--listen=127.0.0.1:1", NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), !=, 0);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "250050 mga"));
  g_assert_nonnull (strstr (err, "Stripe cannot charge it exactly"));
  test_remove_tree (dir);
}

/* --- configuration --- */

static void
test_stripe_needs_keys (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-payments-XXXXXX", NULL);
  g_autofree char *data_dir = g_strdup_printf ("--data-dir=%s", dir);
  const char *args[] = { "--payments-provider=stripe", data_dir, "--listen=127.0.0.1:1", NULL };
  const char *bad[] = { "--payments-provider=paypal", data_dir, "--listen=127.0.0.1:1", NULL };
  g_autofree char *err = NULL;
  g_autofree char *bad_err = NULL;

  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "secret-key"));
  g_assert_nonnull (strstr (err, "webhook-secret"));
  /* A bad value, like any other: exit status 2. */
  g_assert_cmpint (test_server_command (bad, NULL, NULL, &bad_err), ==, 2);
  g_assert_nonnull (strstr (bad_err, "paypal"));

  /* The ledger file (and its -wal, -shm) the refused server left. */
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *lease_args[] = { "--lease-amount=" LEASE, NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  fake_stripe = test_fake_stripe_start ();
  fake = fake_stripe->api;
  stripe = test_stripe_server_start (fake, lease_args);
  demo = test_server_start (NULL);
  test_stripe_send_webhooks_to (fake, stripe);

  g_test_add_func ("/payments/packs", test_packs);
  g_test_add_func ("/payments/stripe/purchase", test_stripe_purchase);
  g_test_add_func ("/payments/stripe/signatures", test_stripe_signatures);
  g_test_add_func ("/payments/stripe/unknown-session", test_stripe_unknown_session);
  g_test_add_func ("/payments/stripe/async-order", test_stripe_async_order);
  g_test_add_func ("/payments/stripe/async-failed", test_stripe_async_failed);
  g_test_add_func ("/payments/stripe/refund-before-purchase", test_stripe_refund_before_purchase);
  g_test_add_func ("/payments/stripe/refunds", test_stripe_refunds);
  g_test_add_func ("/payments/stripe/refund-short", test_stripe_refund_short);
  g_test_add_func ("/payments/stripe/dispute", test_stripe_dispute);
  g_test_add_func ("/payments/stripe/retries", test_stripe_retries);
  g_test_add_func ("/payments/stripe/unavailable", test_stripe_unavailable);
  g_test_add_func ("/payments/stripe/needs-keys", test_stripe_needs_keys);
  g_test_add_func ("/payments/stripe/minor-units", test_stripe_minor_units);
  g_test_add_func ("/payments/stripe/inexact-price", test_stripe_inexact_price);
  g_test_add_func ("/payments/demo/minor-units", test_demo_minor_units);
  g_test_add_func ("/payments/stripe/portal", test_stripe_portal);
  g_test_add_func ("/payments/demo/pay", test_demo_pay);
  g_test_add_func ("/payments/demo/pay-needs-key", test_demo_pay_needs_key);
  g_test_add_func ("/payments/demo/decline", test_demo_decline);
  g_test_add_func ("/payments/demo/webhook-secret", test_demo_webhook_secret);
  g_test_add_func ("/payments/demo/live-event", test_demo_live_event);
  g_test_add_func ("/payments/bad-bodies", test_bad_bodies);
  g_test_add_func ("/payments/list", test_payments_list);
  g_test_add_func ("/payments/format-amount", test_format_amount);
  g_test_add_func ("/payments/invoice-details", test_invoice_details);
  g_test_add_func ("/payments/receipt", test_demo_receipt);
  g_test_add_func ("/payments/receipt-unpaid", test_receipt_unpaid);
  g_test_add_func ("/payments/recharge/settings", test_recharge_settings);
  g_test_add_func ("/payments/recharge/once", test_recharge_once);

  status = g_test_run ();

  g_free (stripe_admin);
  test_server_free (stripe);
  test_server_free (demo);
  test_fake_stripe_free (fake_stripe);
  return status;
}
