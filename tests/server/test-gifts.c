/* test-gifts.c: gift credits and referrals, settled through the fake
 * Stripe and the demo provider
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-test-stripe.h"

#define N_RACERS 10
#define BONUS    100

static TestServer *stripe;
static TestServer *demo;
static TestFakeStripe *fake_stripe;
static TestServer *fake;

/* --- helpers --- */

static TestResponse *
checkout_body (TestServer *server,
               const char *token,
               const char *body)
{
  return test_request (server, "POST", "/v1/checkout", token, body);
}

/* POST /v1/checkout of the starter pack (500 credits), a gift to @email
 * unless it is NULL; the session id. */
static char *
checkout (TestServer *server,
          const char *token,
          const char *email)
{
  g_autofree char *body = email != NULL
                          ? g_strdup_printf ("{\"pack\": \"starter\", \"gift_email\": \"%s\"}",
                                             email)
                          : g_strdup ("{\"pack\": \"starter\"}");
  g_autoptr(TestResponse) response = checkout_body (server, token, body);

  g_test_message ("checkout → %u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "session_id"));
}

/* The payment id the server put in the session's metadata. */
static char *
session_payment_id (const char *session_id)
{
  g_autofree char *path = g_strconcat ("/_test/sessions/", session_id, NULL);
  g_autoptr(TestResponse) session = test_request (fake, "GET", path, NULL, NULL);

  g_assert_cmpuint (session->status, ==, 200);
  return g_strdup (test_response_string (session, "metadata.payment_id"));
}

static void
expect_outcome (const char *event,
                const char *expected)
{
  g_autofree char *outcome = test_stripe_deliver (fake, event);

  g_assert_cmpstr (outcome, ==, expected);
}

static char *
completed_event (const char *session_id)
{
  return g_strdup_printf ("{\"id\": \"evt_%s\", \"object\": \"event\", "
                          "\"type\": \"checkout.session.completed\", "
                          "\"data\": {\"object\": {\"id\": \"%s\", "
                          "\"object\": \"checkout.session\", \"payment_status\": \"paid\", "
                          "\"payment_intent\": \"pi_%s\"}}}",
                          session_id, session_id, session_id);
}

static char *
refund_event (const char *session_id)
{
  g_autofree char *payment_id = session_payment_id (session_id);

  return g_strdup_printf ("{\"id\": \"evt_r_%s\", \"object\": \"event\", "
                          "\"type\": \"charge.refunded\", \"data\": {\"object\": {"
                          "\"id\": \"ch_%s\", \"object\": \"charge\", \"amount\": 500, "
                          "\"amount_refunded\": 500, \"payment_intent\": \"pi_%s\", "
                          "\"metadata\": {\"payment_id\": \"%s\"}}}}",
                          session_id, session_id, session_id, payment_id);
}

/* Checkout and its settlement: a paid pack, for @email or oneself. */
static char *
buy (const char *token,
     const char *email,
     const char *expected)
{
  g_autofree char *session_id = checkout (stripe, token, email);
  g_autofree char *event = completed_event (session_id);

  expect_outcome (event, expected);
  return g_steal_pointer (&session_id);
}

static TestResponse *
register_user (TestServer *server,
               const char *email,
               const char *extra)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\", "
                                           "\"name\": \"Ana\"%s}", email, TEST_PASSWORD,
                                           extra != NULL ? extra : "");

  return test_request (server, "POST", "/v1/auth/register", NULL, body);
}

static char *
login (TestServer *server,
       const char *email,
       gint64     *gift_credits)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email,
                                           TEST_PASSWORD);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/login", NULL, body);

  g_assert_cmpuint (response->status, ==, 200);
  if (gift_credits != NULL)
    *gift_credits = test_response_int (response, "gift_credits");
  return g_strdup (test_response_string (response, "token"));
}

/* Registers (with the sender's name "Ana") and signs in. */
static char *
new_user (TestServer *server,
          const char *email,
          gint64     *gift_credits)
{
  g_autoptr(TestResponse) registered = register_user (server, email, NULL);

  g_assert_cmpuint (registered->status, ==, 201);
  if (gift_credits != NULL)
    *gift_credits = test_response_int (registered, "gift_credits");
  return login (server, email, NULL);
}

static const char *
first_sent_status (TestServer *server,
                   const char *token,
                   TestResponse **keep)
{
  *keep = test_request (server, "GET", "/v1/me/gifts", token, NULL);
  g_assert_cmpuint ((*keep)->status, ==, 200);
  return test_response_string (*keep, "sent.0.status");
}

static char *referral_code (const char *token);

/* --- gifts --- */

/* The webhook three times: the gift waits once, nobody's balance moves
 * until the address signs up; then it arrives once. */
static void
test_gift_settled_once (void)
{
  g_autofree char *buyer = new_user (stripe, "giver@example.com", NULL);
  g_autofree char *session_id = checkout (stripe, buyer, "Friend@Example.com");
  g_autofree char *event = completed_event (session_id);
  g_autofree char *friend = NULL;
  g_autoptr(TestResponse) sent = NULL;
  g_autoptr(TestResponse) received = NULL;
  gint64 claimed = -1;

  expect_outcome (event, "gift_waiting");
  expect_outcome (event, "duplicate");
  expect_outcome (event, "duplicate");
  g_assert_cmpint (test_balance (stripe, buyer), ==, 0);
  g_assert_cmpstr (first_sent_status (stripe, buyer, &sent), ==, "waiting");
  g_assert_cmpstr (test_response_string (sent, "sent.0.email"), ==, "friend@example.com");
  g_assert_cmpint (test_response_int (sent, "sent.0.credits"), ==, 500);

  friend = new_user (stripe, "friend@example.com", &claimed);
  g_assert_cmpint (claimed, ==, 500);
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  g_free (login (stripe, "friend@example.com", &claimed));
  g_assert_cmpint (claimed, ==, 0);
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);

  received = test_request (stripe, "GET", "/v1/me/gifts", friend, NULL);
  g_assert_cmpstr (test_response_string (received, "received.0.from"), ==, "Ana");
  g_assert_cmpint (test_response_int (received, "received.0.credits"), ==, 500);
  g_assert_nonnull (test_response_string (received, "received.0.claimed_at"));
  g_clear_pointer (&sent, test_response_free);
  g_assert_cmpstr (first_sent_status (stripe, buyer, &sent), ==, "claimed");

  /* Delivered again after the claim: still nothing more. */
  expect_outcome (event, "duplicate");
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  g_assert_cmpint (test_balance (stripe, buyer), ==, 0);
  test_server_check_ledger (stripe);
}

/* The transfers of a sync answer that are gifts. */
static guint
gift_transfers (TestResponse *synced)
{
  JsonArray *transfers = json_node_get_array (test_response_member (synced, "transfers"));
  guint gifts = 0;

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      JsonObject *transfer = json_array_get_object_element (transfers, i);

      gifts += g_strcmp0 (json_object_get_string_member_with_default (transfer, "description",
                                                                      ""), "Gift") == 0;
    }
  return gifts;
}

/* A recipient already signed in, whose app never signs in again, gets
 * the gift with their next sync, in its answer, once. */
static void
test_gift_arrives_with_sync (void)
{
  const char *empty = "{\"device\": \"desk\", \"cursor\": 0, \"ops\": []}";
  g_autofree char *friend = new_user (stripe, "signed-in@example.com", NULL);
  g_autofree char *buyer = new_user (stripe, "sync-giver@example.com", NULL);
  g_autofree char *session_id = NULL;
  g_autoptr(TestResponse) first = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autoptr(TestResponse) sent = NULL;
  gint64 claimed = -1;

  /* A first sync: the device has its lease, so the next empty one would
   * change nothing but for the gift. */
  first = test_request (stripe, "POST", "/v1/sync", friend, empty);
  g_assert_cmpuint (first->status, ==, 200);
  g_clear_pointer (&first, test_response_free);
  session_id = buy (buyer, "signed-in@example.com", "gift_waiting");
  g_assert_cmpint (test_balance (stripe, friend), ==, 0);

  first = test_request (stripe, "POST", "/v1/sync", friend, empty);
  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpuint (gift_transfers (first), ==, 1);
  g_assert_cmpint (test_response_int (first, "accounts.0.balance"), ==, 500);
  g_assert_cmpstr (first_sent_status (stripe, buyer, &sent), ==, "claimed");

  /* Synced again, or signed in again: nothing more arrives. */
  again = test_request (stripe, "POST", "/v1/sync", friend, empty);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpint (test_response_int (again, "accounts.0.balance"), ==, 500);
  g_free (login (stripe, "signed-in@example.com", &claimed));
  g_assert_cmpint (claimed, ==, 0);
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  g_assert_cmpint (test_balance (stripe, buyer), ==, 0);
  test_server_check_ledger (stripe);
}

typedef struct
{
  guint  status;
  gint64 gift_credits;
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *body = g_strdup_printf ("{\"email\": \"racer@example.com\", "
                                           "\"password\": \"%s\"}", TEST_PASSWORD);
  g_autoptr(TestResponse) response = test_request_on (stripe, session, "POST", "/v1/auth/login",
                                                      NULL, body);

  racer->status = response->status;
  if (response->status == 200)
    racer->gift_credits = test_response_int (response, "gift_credits");
  return NULL;
}

/* Ten sign-ins at once of the address a gift waits for: one of them
 * receives it, once. */
static void
test_gift_claim_race (void)
{
  g_autofree char *buyer = new_user (stripe, "racing-giver@example.com", NULL);
  g_autofree char *friend = new_user (stripe, "racer@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "racer@example.com", "gift_waiting");
  Racer racers[N_RACERS] = { { 0 } };
  GThread *threads[N_RACERS];
  gint64 total = 0;
  guint winners = 0;
  g_autoptr(JsonArray) items = NULL;

  for (guint i = 0; i < N_RACERS; i++)
    threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (racers[i].status, ==, 200);
      total += racers[i].gift_credits;
      winners += racers[i].gift_credits > 0;
    }

  g_assert_cmpint (total, ==, 500);
  g_assert_cmpuint (winners, ==, 1);
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  items = test_list_transactions (stripe, friend);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "description"), ==, "Gift");
  test_server_check_ledger (stripe);
}

/* A refund before anyone claimed the gift cancels it: nothing arrives. */
static void
test_gift_refund_before_claim (void)
{
  g_autofree char *buyer = new_user (stripe, "regretful@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "never@example.com", "gift_waiting");
  g_autofree char *refund = refund_event (session_id);
  g_autofree char *friend = NULL;
  g_autoptr(TestResponse) sent = NULL;
  gint64 claimed = -1;

  expect_outcome (refund, "gift_cancelled");
  expect_outcome (refund, "duplicate");
  g_assert_cmpstr (first_sent_status (stripe, buyer, &sent), ==, "cancelled");

  friend = new_user (stripe, "never@example.com", &claimed);
  g_assert_cmpint (claimed, ==, 0);
  g_assert_cmpint (test_balance (stripe, friend), ==, 0);
  g_assert_cmpint (test_balance (stripe, buyer), ==, 0);
  test_server_check_ledger (stripe);
}

/* A dispute, like a refund, cancels a gift nobody claimed. */
static void
test_gift_dispute (void)
{
  g_autofree char *buyer = new_user (stripe, "disputer@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "disputed@example.com", "gift_waiting");
  g_autofree char *dispute = g_strdup_printf ("{\"id\": \"evt_dp_%s\", \"object\": \"event\", "
                                              "\"type\": \"charge.dispute.created\", "
                                              "\"data\": {\"object\": {\"id\": \"dp_%s\", "
                                              "\"object\": \"dispute\", \"charge\": \"ch_%s\", "
                                              "\"amount\": 500, \"payment_intent\": \"pi_%s\"}}}",
                                              session_id, session_id, session_id, session_id);
  g_autofree char *friend = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM payments WHERE session_id = '%s' "
                                          "AND status = 'disputed'", session_id);
  gint64 claimed = -1;

  expect_outcome (dispute, "gift_cancelled");
  expect_outcome (dispute, "duplicate");
  g_assert_cmpint (test_server_count (stripe, sql), ==, 1);
  friend = new_user (stripe, "disputed@example.com", &claimed);
  g_assert_cmpint (claimed, ==, 0);
  g_assert_cmpint (test_balance (stripe, friend), ==, 0);
  test_server_check_ledger (stripe);
}

/* After the claim, a refund takes the credits back from who got them. */
static void
test_gift_refund_after_claim (void)
{
  g_autofree char *buyer = new_user (stripe, "late-regret@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "lucky@example.com", "gift_waiting");
  g_autofree char *refund = refund_event (session_id);
  g_autofree char *friend = new_user (stripe, "lucky@example.com", NULL);

  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  expect_outcome (refund, "refunded");
  expect_outcome (refund, "duplicate");
  g_assert_cmpint (test_balance (stripe, friend), ==, 0);
  g_assert_cmpint (test_balance (stripe, buyer), ==, 0);
  test_server_check_ledger (stripe);
}

static void
assert_refused (const char *token,
                const char *body,
                const char *field)
{
  g_autoptr(TestResponse) response = checkout_body (stripe, token, body);

  test_assert_error (response, 400, "invalid_field", field);
}

static void
test_gift_bad_input (void)
{
  g_autofree char *token = new_user (stripe, "careless@example.com", NULL);
  g_autofree char *huge = g_strnfill (300, 'a');
  g_autofree char *huge_body = g_strdup_printf ("{\"pack\": \"starter\", "
                                                "\"gift_email\": \"%s@example.com\"}", huge);
  g_autoptr(TestResponse) malformed = NULL;
  gint64 payments = test_server_count (stripe, "SELECT count(*) FROM payments");
  gint64 gifts = test_server_count (stripe, "SELECT count(*) FROM gifts");

  assert_refused (token, "{\"pack\": \"starter\", \"gift_email\": \"not-an-address\"}",
                  "gift_email");
  assert_refused (token, "{\"pack\": \"starter\", \"gift_email\": 42}", "gift_email");
  assert_refused (token, "{\"pack\": \"starter\", \"gift_email\": [\"a@example.com\"]}",
                  "gift_email");
  assert_refused (token, huge_body, "gift_email");
  assert_refused (token, "{\"pack\": \"starter\", \"gift_email\": \"CARELESS@example.com\"}",
                  "gift_email");
  assert_refused (token, "{\"pack\": \"nope\", \"gift_email\": \"b@example.com\"}", "pack");
  malformed = checkout_body (stripe, token, "{\"pack\": \"starter\", \"gift_email\": ");
  test_assert_error (malformed, 400, "invalid_json", NULL);

  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM payments"), ==, payments);
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM gifts"), ==, gifts);
  test_server_check_ledger (stripe);
}

/* Erasing the recipient erases the address from the gifts it received
 * and the user's referral code; the ledger keeps the credits' rows. */
static void
test_gift_erasure (void)
{
  g_autofree char *buyer = new_user (stripe, "erasing-giver@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "forget-me@example.com", "gift_waiting");
  g_autofree char *friend = new_user (stripe, "forget-me@example.com", NULL);
  g_autofree char *code = referral_code (friend);
  g_autofree char *body = g_strdup_printf ("{\"password\": \"%s\"}", TEST_PASSWORD);
  g_autoptr(TestResponse) erased = NULL;

  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  erased = test_request (stripe, "DELETE", "/v1/me", friend, body);
  g_assert_cmpuint (erased->status, ==, 204);
  /* =, not LIKE: PostgreSQL refuses LIKE on the case-blind email collation. */
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM gifts "
                                      "WHERE email = 'forget-me@example.com'"), ==, 0);
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM gifts WHERE status = 'claimed' "
                                      "AND email = 'erased-' || payment_id"), ==, 1);
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM referral_codes r "
                                      "LEFT JOIN users u ON u.id = r.user_id "
                                      "WHERE u.id IS NULL OR u.erased_at IS NOT NULL"), ==, 0);
  test_server_check_ledger (stripe);
}

/* Erasing the buyer leaves the recipient's gift nameless: the ledger's
 * transfer never held the name, and "from" is read from the account. */
static void
test_gift_sender_erased (void)
{
  g_autofree char *buyer = new_user (stripe, "vanishing-giver@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "kept-friend@example.com", "gift_waiting");
  g_autofree char *friend = new_user (stripe, "kept-friend@example.com", NULL);
  g_autofree char *body = g_strdup_printf ("{\"password\": \"%s\"}", TEST_PASSWORD);
  g_autoptr(TestResponse) before = test_request (stripe, "GET", "/v1/me/gifts", friend, NULL);
  g_autoptr(TestResponse) erased = NULL;
  g_autoptr(TestResponse) after = NULL;

  g_assert_cmpstr (test_response_string (before, "received.0.from"), ==, "Ana");
  erased = test_request (stripe, "DELETE", "/v1/me", buyer, body);
  g_assert_cmpuint (erased->status, ==, 204);
  after = test_request (stripe, "GET", "/v1/me/gifts", friend, NULL);
  g_assert_cmpstr (test_response_string (after, "received.0.from"), ==, "");
  g_assert_cmpint (test_response_int (after, "received.0.credits"), ==, 500);
  g_assert_cmpint (test_balance (stripe, friend), ==, 500);
  test_server_check_ledger (stripe);
}

/* The data export holds the user's gifts and referral figures, and no
 * one else's address. */
static void
test_gift_export (void)
{
  g_autofree char *buyer = new_user (stripe, "exporting-giver@example.com", NULL);
  g_autofree char *session_id = buy (buyer, "exported-friend@example.com", "gift_waiting");
  g_autofree char *friend = new_user (stripe, "exported-friend@example.com", NULL);
  g_autoptr(TestResponse) sent = test_request (stripe, "GET", "/v1/me/export", buyer, NULL);
  g_autoptr(TestResponse) received = test_request (stripe, "GET", "/v1/me/export", friend, NULL);

  g_assert_cmpuint (sent->status, ==, 200);
  g_assert_cmpstr (test_response_string (sent, "gifts.sent.0.status"), ==, "claimed");
  g_assert_true (json_node_get_boolean (test_response_member (sent, "payments.0.gift")));
  g_assert_cmpint (test_response_int (sent, "gifts.sent.0.credits"), ==, 500);
  g_assert_null (strstr (sent->body, "exported-friend@example.com"));
  g_assert_cmpuint (received->status, ==, 200);
  g_assert_cmpint (test_response_int (received, "gifts.received.0.credits"), ==, 500);
  g_assert_null (strstr (received->body, "exporting-giver@example.com"));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (received, "gifts.referral.code")));
}

/* The demo provider's Pay settles a gift the same way. */
static void
test_gift_demo (void)
{
  g_autofree char *buyer = new_user (demo, "demo-giver@example.com", NULL);
  g_autoptr(TestResponse) response = checkout_body (demo, buyer,
                                                    "{\"pack\": \"starter\", "
                                                    "\"gift_email\": \"demo-friend@example.com\"}");
  g_autofree char *pay = NULL;
  g_autoptr(TestResponse) paid = NULL;
  g_autofree char *friend = NULL;
  gint64 claimed = 0;

  g_assert_cmpuint (response->status, ==, 200);
  pay = g_strconcat (test_response_string (response, "url") + strlen (demo->base_url), "/pay",
                     NULL);
  paid = test_request (demo, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_cmpint (test_balance (demo, buyer), ==, 0);

  friend = new_user (demo, "demo-friend@example.com", &claimed);
  g_assert_cmpint (claimed, ==, 500);
  g_assert_cmpint (test_balance (demo, friend), ==, 500);
  test_server_check_ledger (demo);
}

/* --- referrals --- */

static char *
referral_code (const char *token)
{
  g_autoptr(TestResponse) response = test_request (stripe, "GET", "/v1/me/referral", token,
                                                   NULL);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (test_response_int (response, "bonus"), ==, BONUS);
  g_assert_true (g_str_has_suffix (test_response_string (response, "url"),
                                   test_response_string (response, "code")));
  return g_strdup (test_response_string (response, "code"));
}

static char *
referred_user (const char *email,
               const char *code)
{
  g_autofree char *extra = g_strdup_printf (", \"referral_code\": \"%s\"", code);
  g_autoptr(TestResponse) registered = register_user (stripe, email, extra);

  g_assert_cmpuint (registered->status, ==, 201);
  return login (stripe, email, NULL);
}

static void
test_referral_code (void)
{
  g_autofree char *token = new_user (stripe, "coder@example.com", NULL);
  g_autofree char *code = referral_code (token);
  g_autofree char *again = referral_code (token);
  g_autofree char *lower = g_ascii_strdown (code, -1);
  g_autofree char *path = g_strconcat ("/v1/referrals/", lower, NULL);
  g_autoptr(TestResponse) found = test_request (stripe, "GET", path, NULL, NULL);
  g_autoptr(TestResponse) unknown = test_request (stripe, "GET", "/v1/referrals/NOSUCHCODE",
                                                  NULL, NULL);

  g_assert_cmpint (strlen (code), ==, 8);
  g_assert_cmpstr (code, ==, again);
  g_assert_cmpuint (found->status, ==, 200);
  g_assert_cmpstr (test_response_string (found, "code"), ==, code);
  test_assert_error (unknown, 404, "not_found", NULL);
}

/* The first purchase, its webhook delivered twice, and a second
 * purchase: one bonus to each side. */
static void
test_referral_bonus_once (void)
{
  g_autofree char *referrer = new_user (stripe, "referrer@example.com", NULL);
  g_autofree char *code = referral_code (referrer);
  g_autofree char *referred = referred_user ("referred@example.com", code);
  g_autofree char *session_id = buy (referred, NULL, "credited");
  g_autofree char *event = completed_event (session_id);
  g_autofree char *second = NULL;
  g_autoptr(TestResponse) totals = NULL;

  expect_outcome (event, "duplicate");
  g_assert_cmpint (test_balance (stripe, referrer), ==, BONUS);
  g_assert_cmpint (test_balance (stripe, referred), ==, 500 + BONUS);

  second = buy (referred, NULL, "credited");
  g_assert_cmpint (test_balance (stripe, referrer), ==, BONUS);
  g_assert_cmpint (test_balance (stripe, referred), ==, 1000 + BONUS);

  totals = test_request (stripe, "GET", "/v1/me/referral", referrer, NULL);
  g_assert_cmpint (test_response_int (totals, "referred"), ==, 1);
  g_assert_cmpint (test_response_int (totals, "rewarded"), ==, 1);
  g_assert_cmpint (test_response_int (totals, "earned"), ==, BONUS);
  test_server_check_ledger (stripe);
}

static void
test_referral_self (void)
{
  g_autofree char *token = new_user (stripe, "narcissus@example.com", NULL);
  g_autofree char *code = referral_code (token);
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\"}", code);
  g_autoptr(TestResponse) response = test_request (stripe, "POST", "/v1/me/referrer", token,
                                                   body);

  test_assert_error (response, 400, "invalid_field", "code");
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM referrals r JOIN users u "
                                      "ON u.id = r.referred_user_id "
                                      "WHERE u.email = 'narcissus@example.com'"), ==, 0);
  test_server_check_ledger (stripe);
}

static void
assert_referrer_refused (const char *token,
                         const char *body,
                         guint       status,
                         const char *code,
                         const char *field)
{
  g_autoptr(TestResponse) response = test_request (stripe, "POST", "/v1/me/referrer", token,
                                                   body);

  test_assert_error (response, status, code, field);
}

static void
test_referral_bad_input (void)
{
  g_autofree char *owner = new_user (stripe, "owner@example.com", NULL);
  g_autofree char *code = referral_code (owner);
  g_autofree char *good = g_strdup_printf ("{\"code\": \"%s\"}", code);
  g_autofree char *huge = g_strnfill (5000, 'A');
  g_autofree char *huge_body = g_strdup_printf (", \"referral_code\": \"%s\"", huge);
  g_autoptr(TestResponse) unknown = register_user (stripe, "unknown-code@example.com",
                                                   ", \"referral_code\": \"NOSUCH99\"");
  g_autoptr(TestResponse) wrong_type = register_user (stripe, "typed@example.com",
                                                      ", \"referral_code\": 12345678");
  g_autoptr(TestResponse) too_long = register_user (stripe, "long@example.com", huge_body);
  g_autoptr(TestResponse) added = NULL;
  g_autofree char *late = NULL, *late_session = NULL;
  gint64 users = test_server_count (stripe, "SELECT count(*) FROM users");
  gint64 referrals = test_server_count (stripe, "SELECT count(*) FROM referrals");
  g_autofree char *member = NULL;

  /* A refused sign-up wrote nothing: the address is still free. */
  test_assert_error (unknown, 404, "not_found", NULL);
  test_assert_error (wrong_type, 400, "invalid_field", "referral_code");
  test_assert_error (too_long, 400, "invalid_field", "referral_code");
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM users WHERE email IN "
                                      "('unknown-code@example.com', 'typed@example.com', "
                                      "'long@example.com')"), ==, 0);

  member = new_user (stripe, "unknown-code@example.com", NULL);
  users++;
  assert_referrer_refused (member, "{}", 400, "invalid_field", "code");
  assert_referrer_refused (member, "{\"code\": true}", 400, "invalid_field", "code");
  assert_referrer_refused (member, "{\"code\": \"NOSUCH99\"}", 404, "not_found", NULL);
  assert_referrer_refused (member, "{\"code\": ", 400, "invalid_json", NULL);
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM users"), ==, users);
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM referrals"), ==, referrals);

  added = test_request (stripe, "POST", "/v1/me/referrer", member, good);
  g_assert_cmpuint (added->status, ==, 201);
  assert_referrer_refused (member, good, 409, "already_referred", NULL);

  /* After a first purchase, a code is too late. */
  late = new_user (stripe, "late@example.com", NULL);
  late_session = buy (late, NULL, "credited");
  assert_referrer_refused (late, good, 409, "already_purchased", NULL);
  test_server_check_ledger (stripe);
}

/* A referred user's first purchase may be a gift: it earns the bonus
 * all the same (and the gift's credits still go to its address). */
static void
test_referral_gift_purchase (void)
{
  g_autofree char *referrer = new_user (stripe, "gift-referrer@example.com", NULL);
  g_autofree char *code = referral_code (referrer);
  g_autofree char *referred = referred_user ("gift-referred@example.com", code);
  g_autofree char *session_id = buy (referred, "gift-referred-friend@example.com",
                                     "gift_waiting");

  g_assert_cmpint (test_balance (stripe, referrer), ==, BONUS);
  g_assert_cmpint (test_balance (stripe, referred), ==, BONUS);
  test_server_check_ledger (stripe);
}

/* The server allows three bonuses for accounts signed up from one address
 * (every test here comes from 127.0.0.1): the fourth is refused. */
static void
test_referral_address_limit (void)
{
  g_autofree char *referrer = new_user (stripe, "popular@example.com", NULL);
  g_autofree char *code = referral_code (referrer);
  g_autofree char *second = referred_user ("second-referred@example.com", code);
  g_autofree char *third = referred_user ("third-referred@example.com", code);
  g_autofree char *s2 = NULL, *s3 = NULL;
  g_autoptr(TestResponse) totals = NULL;

  /* bonus-once's and gift-purchase's were rewarded; bad-input's member
   * never paid: still pending. */
  g_assert_cmpint (test_server_count (stripe, "SELECT count(*) FROM referrals "
                                      "WHERE status = 'rewarded'"), ==, 2);
  s2 = buy (second, NULL, "credited");
  g_assert_cmpint (test_balance (stripe, second), ==, 500 + BONUS);
  s3 = buy (third, NULL, "credited");
  g_assert_cmpint (test_balance (stripe, third), ==, 500);
  g_assert_cmpint (test_balance (stripe, referrer), ==, BONUS);

  totals = test_request (stripe, "GET", "/v1/me/referral", referrer, NULL);
  g_assert_cmpint (test_response_int (totals, "referred"), ==, 2);
  g_assert_cmpint (test_response_int (totals, "rewarded"), ==, 1);
  g_assert_cmpint (test_response_int (totals, "earned"), ==, BONUS);
  test_server_check_ledger (stripe);
}

/* After all of it, each server's ledger file: every invariant holds. */
static void
test_gifts_ledger_check (void)
{
  test_server_stop (stripe, FALSE);
  test_server_check_ledger (stripe);
  test_server_stop (demo, FALSE);
  test_server_check_ledger (demo);
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = {
    "--login-attempts=100", "--signups-per-hour=1000", "--referrals-bonus=100",
    "--referrals-max-per-address=3", NULL
  };
  int status;

  g_test_init (&argc, &argv, NULL);

  fake_stripe = test_fake_stripe_start ();
  fake = fake_stripe->api;
  stripe = test_stripe_server_start (fake, args);
  demo = test_server_start (args);
  test_stripe_send_webhooks_to (fake, stripe);

  g_test_add_func ("/gifts/settled-once", test_gift_settled_once);
  g_test_add_func ("/gifts/claim-race", test_gift_claim_race);
  g_test_add_func ("/gifts/arrives-with-sync", test_gift_arrives_with_sync);
  g_test_add_func ("/gifts/refund-before-claim", test_gift_refund_before_claim);
  g_test_add_func ("/gifts/refund-after-claim", test_gift_refund_after_claim);
  g_test_add_func ("/gifts/dispute", test_gift_dispute);
  g_test_add_func ("/gifts/bad-input", test_gift_bad_input);
  g_test_add_func ("/gifts/demo", test_gift_demo);
  g_test_add_func ("/gifts/erasure", test_gift_erasure);
  g_test_add_func ("/gifts/sender-erased", test_gift_sender_erased);
  g_test_add_func ("/gifts/export", test_gift_export);
  g_test_add_func ("/gifts/referral-code", test_referral_code);
  g_test_add_func ("/gifts/referral-bonus-once", test_referral_bonus_once);
  g_test_add_func ("/gifts/referral-self", test_referral_self);
  g_test_add_func ("/gifts/referral-bad-input", test_referral_bad_input);
  g_test_add_func ("/gifts/referral-gift-purchase", test_referral_gift_purchase);
  g_test_add_func ("/gifts/referral-address-limit", test_referral_address_limit);
  g_test_add_func ("/gifts/ledger-check", test_gifts_ledger_check);

  status = g_test_run ();

  test_server_free (stripe);
  test_server_free (demo);
  test_fake_stripe_free (fake_stripe);
  return status;
}
