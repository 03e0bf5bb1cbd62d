/* test-recharge.c: auto-recharge against the fake Stripe: lost answers,
 * crashes between the charge and the credit, declines, backoff and pause
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-stripe.h"

/* The starter pack, as data/packs.json sells it. */
#define PACK_CREDITS   500

/* Looks up stale recharges after a second. */
static TestServer *quick;
/* Looks them up after the default hour: only webhooks settle. */
static TestServer *patient;
/* Waits two seconds after a decline before another attempt. */
static TestServer *backoff;
static TestFakeStripe *fake_stripe;
/* Its API, called through the harness like a server. */
static TestServer *fake;

/* --- the fake Stripe --- */

/* A member of the newest PaymentIntent the fake made, as Stripe lists
 * them. */
static char *
newest_intent_string (const char *member)
{
  g_autofree char *path = g_strconcat ("data.0.", member, NULL);
  g_autoptr(TestResponse) list = test_request (fake, "GET", "/v1/payment_intents",
                                               TEST_STRIPE_SECRET_KEY, NULL);

  g_assert_cmpuint (list->status, ==, 200);
  return g_strdup (test_response_string (list, path));
}

static char *
newest_intent (void)
{
  return newest_intent_string ("id");
}

/* A payment_intent.* event for the newest intent, as Stripe sends it. */
static char *
intent_event (const char *type,
              const char *status)
{
  g_autofree char *intent = newest_intent ();
  g_autofree char *payment_id = newest_intent_string ("metadata.payment_id");

  return g_strdup_printf ("{\"id\": \"evt_%s_%s\", \"object\": \"event\", \"type\": \"%s\", "
                          "\"data\": {\"object\": {\"id\": \"%s\", "
                          "\"object\": \"payment_intent\", \"status\": \"%s\", "
                          "\"metadata\": {\"payment_id\": \"%s\"}}}}",
                          intent, status, type, intent, status, payment_id);
}

/* Delivers @event signed to @server's webhook; its outcome. */
static char *
deliver (TestServer *server,
         const char *event)
{
  test_stripe_send_webhooks_to (fake, server);
  return test_stripe_deliver (fake, event);
}

/* Stripe's own payment_intent.succeeded for the newest intent, late,
 * after the server settled the recharge by itself: nothing more. */
static void
expect_late_success_duplicate (TestServer *server)
{
  g_autofree char *event = intent_event ("payment_intent.succeeded", "succeeded");
  g_autofree char *outcome = deliver (server, event);

  g_assert_cmpstr (outcome, ==, "duplicate");
}

/* --- the server's side --- */

typedef struct
{
  TestServer *server;
  char       *token;
  char       *admin;
  char        account_id[37];
} User;

static void
user_free (User *user)
{
  g_free (user->token);
  g_free (user->admin);
  g_free (user);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (User, user_free)

static char *
checkout (User *user)
{
  g_autoptr(TestResponse) response = test_request (user->server, "POST", "/v1/checkout",
                                                   user->token, "{\"pack\": \"starter\"}");

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "session_id"));
}

/* A user with a Stripe customer (a first checkout, never paid) and
 * @credits granted. */
static User *
user_new (TestServer *server,
          const char *name,
          gint64      credits)
{
  User *user = g_new0 (User, 1);
  g_autofree char *email = g_strdup_printf ("%s@example.com", name);
  g_autofree char *admin_email = g_strdup_printf ("%s-admin@example.com", name);
  g_autofree char *session_id = NULL;

  user->server = server;
  user->token = test_user_new (server, email, user->account_id);
  user->admin = test_admin_new (server, admin_email);
  session_id = checkout (user);
  test_grant (server, user->admin, user->account_id, credits);
  return user;
}

static gint64
balance (User *user)
{
  g_autoptr(TestResponse) me = test_request (user->server, "GET", "/v1/me", user->token, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  return test_response_int (me, "accounts.0.available");
}

static void
set_auto_recharge (User *user)
{
  g_autoptr(TestResponse) response = test_request (user->server, "PUT", "/v1/me/auto-recharge",
                                                   user->token,
                                                   "{\"enabled\": true, \"threshold\": 500, "
                                                   "\"pack\": \"starter\", \"monthly_cap\": 10}");

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (response, "paused")));
}

static TestResponse *
get_auto_recharge (User *user)
{
  TestResponse *response = test_request (user->server, "GET", "/v1/me/auto-recharge",
                                         user->token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

static gboolean
settings_bool (User       *user,
               const char *member)
{
  g_autoptr(TestResponse) settings = get_auto_recharge (user);

  return json_node_get_boolean (test_response_member (settings, member));
}

static gint64
settings_int (User       *user,
              const char *member)
{
  g_autoptr(TestResponse) settings = get_auto_recharge (user);

  return test_response_int (settings, member);
}

/* Waits (15 s at most) for the available balance to be @expected. */
static void
wait_for_balance (User   *user,
                  gint64  expected)
{
  for (guint i = 0; i < 300 && balance (user) != expected; i++)
    g_usleep (50 * 1000);
  g_assert_cmpint (balance (user), ==, expected);
}

/* Waits for a recharge in flight (@in_flight) or none, with @failures. */
static void
wait_for_state (User     *user,
                gboolean  in_flight,
                gint64    failures)
{
  for (guint i = 0; i < 300; i++)
    {
      if (settings_bool (user, "in_flight") == in_flight &&
          settings_int (user, "failures") == failures)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("auto-recharge never had in_flight = %d and failures = %" G_GINT64_FORMAT,
           in_flight, failures);
}

static void
wait_for_stat (const char *name,
               gint64      expected)
{
  for (guint i = 0; i < 300 && test_stripe_stat (fake, name) != expected; i++)
    g_usleep (50 * 1000);
  g_assert_cmpint (test_stripe_stat (fake, name), ==, expected);
}

static void
wait_for_metric (TestServer *server,
                 const char *line)
{
  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);

      if (strstr (metrics->body, line) != NULL)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("no %s in the metrics", line);
}

/* A commit that touches the account: what triggers a look at it. */
static void
touch (User *user)
{
  test_grant (user->server, user->admin, user->account_id, 1);
}

/* --- a lost answer --- */

/* The charge is made but its answer lost: the retry, with the same key,
 * gets the same intent back. One charge, credited once. */
static void
test_lost_answer (void)
{
  g_autoptr(User) user = user_new (quick, "lost", 100);
  gint64 intents = test_stripe_stat (fake, "payment_intents");
  gint64 replays = test_stripe_stat (fake, "replays");

  test_stripe_control (fake, "/_test/fail", "{\"count\": 1, \"status\": 500, \"after\": true}");
  set_auto_recharge (user);

  wait_for_balance (user, 100 + PACK_CREDITS);
  wait_for_state (user, FALSE, 0);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);
  g_assert_cmpint (test_stripe_stat (fake, "replays"), ==, replays + 1);
}

/* Every attempt's answer is lost: no failure is counted, the recharge
 * stays in flight, and once it is stale the next commit looks it up. */
static void
test_unanswered (void)
{
  g_autoptr(User) user = user_new (quick, "unanswered", 100);
  gint64 intents = test_stripe_stat (fake, "payment_intents");
  gint64 lookups = test_stripe_stat (fake, "intent_lookups");

  test_stripe_control (fake, "/_test/fail",
                       "{\"statuses\": [500, 502, 503, 500], \"after\": true}");
  set_auto_recharge (user);
  wait_for_stat ("payment_intents", intents + 1);

  /* Four attempts, all unanswered: in flight, nothing counted. */
  wait_for_metric (quick, "tally_payments_total{outcome=\"recharge_unanswered\"}");
  g_assert_true (settings_bool (user, "in_flight"));
  g_assert_cmpint (settings_int (user, "failures"), ==, 0);
  g_assert_cmpint (balance (user), ==, 100);

  /* Stale after a second: the account's next commit looks it up. */
  g_usleep (1100 * 1000);
  touch (user);
  wait_for_balance (user, 101 + PACK_CREDITS);
  wait_for_state (user, FALSE, 0);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);
  g_assert_cmpint (test_stripe_stat (fake, "intent_lookups"), ==, lookups + 1);

  expect_late_success_duplicate (quick);
  g_assert_cmpint (balance (user), ==, 101 + PACK_CREDITS);
}

/* --- a crash between the charge and the credit --- */

/* Charges the fake made, whether it took or declined them. */
static gint64
charges_made (void)
{
  return test_stripe_stat (fake, "payment_intents") + test_stripe_stat (fake, "declines");
}

/* Charges with the answer held back, and kills @server once the fake has
 * made the charge. */
static void
crash_after_charge (User *user)
{
  gint64 made = charges_made ();

  test_stripe_control (fake, "/_test/fail",
                       "{\"count\": 1, \"status\": 0, \"delay_ms\": 10000, \"after\": true}");
  set_auto_recharge (user);
  for (guint i = 0; i < 300 && charges_made () == made; i++)
    g_usleep (20 * 1000);
  g_assert_cmpint (charges_made (), ==, made + 1);

  test_server_stop (user->server, TRUE);
}

/* Restarted, the server finds the stale recharge at once and asks Stripe. */
static void
test_crash_startup (void)
{
  g_autoptr(User) user = user_new (quick, "crash-startup", 100);
  gint64 intents = test_stripe_stat (fake, "payment_intents");

  crash_after_charge (user);
  g_usleep (1200 * 1000);
  test_server_restart (quick);

  wait_for_balance (user, 100 + PACK_CREDITS);
  wait_for_state (user, FALSE, 0);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);

  expect_late_success_duplicate (quick);
  g_assert_cmpint (balance (user), ==, 100 + PACK_CREDITS);
}

/* Restarted, the recharge waits in flight (not stale yet): Stripe's
 * webhook settles it, once. */
static void
test_crash_webhook (void)
{
  g_autoptr(User) user = user_new (patient, "crash-webhook", 100);
  gint64 intents = test_stripe_stat (fake, "payment_intents");
  g_autofree char *event = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;

  crash_after_charge (user);
  test_server_restart (patient);
  g_usleep (300 * 1000);
  g_assert_true (settings_bool (user, "in_flight"));
  g_assert_cmpint (balance (user), ==, 100);

  /* Commits meanwhile start no second charge. */
  touch (user);
  g_usleep (300 * 1000);
  g_assert_true (settings_bool (user, "in_flight"));

  event = intent_event ("payment_intent.succeeded", "succeeded");
  first = deliver (patient, event);
  g_assert_cmpstr (first, ==, "credited");
  again = deliver (patient, event);
  g_assert_cmpstr (again, ==, "duplicate");
  g_assert_cmpint (balance (user), ==, 101 + PACK_CREDITS);
  wait_for_state (user, FALSE, 0);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);
}

/* The charge was declined and the server died before it heard: the
 * payment_failed webhook ends the recharge as a failure. */
static void
test_crash_declined (void)
{
  g_autoptr(User) user = user_new (patient, "crash-declined", 100);
  g_autofree char *event = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;

  test_stripe_control (fake, "/_test/decline", "{\"count\": 1}");
  crash_after_charge (user);
  test_server_restart (patient);

  event = intent_event ("payment_intent.payment_failed", "requires_payment_method");
  first = deliver (patient, event);
  g_assert_cmpstr (first, ==, "failed");
  again = deliver (patient, event);
  g_assert_cmpstr (again, ==, "duplicate");
  wait_for_state (user, FALSE, 1);
  g_assert_cmpint (balance (user), ==, 100);
}

/* A checkout's own intent is credited through its session, never here. */
static void
test_checkout_intent_ignored (void)
{
  g_autoptr(User) user = user_new (patient, "checkout-intent", 100);
  g_autofree char *event = g_strdup ("{\"id\": \"evt_pi_checkout\", \"object\": \"event\", "
                                     "\"type\": \"payment_intent.succeeded\", \"data\": "
                                     "{\"object\": {\"id\": \"pi_checkout\", \"object\": "
                                     "\"payment_intent\", \"status\": \"succeeded\", "
                                     "\"metadata\": {}}}}");
  g_autofree char *outcome = deliver (patient, event);

  g_assert_cmpstr (outcome, ==, "ignored");
  g_assert_cmpint (balance (user), ==, 100);
}

/* --- declines: backoff, then pause --- */

/* Three declines, each after the backoff; commits during it try nothing. */
static void
decline_until_paused (User *user)
{
  gint64 declines = test_stripe_stat (fake, "declines");

  test_stripe_control (fake, "/_test/decline", "{\"count\": 3}");
  set_auto_recharge (user);
  wait_for_state (user, FALSE, 1);

  /* Within the backoff, a commit starts nothing. */
  touch (user);
  g_usleep (500 * 1000);
  g_assert_cmpint (test_stripe_stat (fake, "declines"), ==, declines + 1);
  g_assert_cmpint (settings_int (user, "failures"), ==, 1);

  g_usleep (2000 * 1000);
  touch (user);
  wait_for_state (user, FALSE, 2);
  g_usleep (2100 * 1000);
  touch (user);
  wait_for_state (user, FALSE, 3);
  g_assert_true (settings_bool (user, "paused"));
  g_assert_cmpint (test_stripe_stat (fake, "declines"), ==, declines + 3);

  /* Paused: after the backoff, still nothing. */
  g_usleep (2100 * 1000);
  touch (user);
  g_usleep (500 * 1000);
  g_assert_cmpint (test_stripe_stat (fake, "declines"), ==, declines + 3);
  g_assert_cmpint (balance (user), ==, 104);
}

static void
test_pause_then_resume (void)
{
  g_autoptr(User) user = user_new (backoff, "resume", 100);
  gint64 intents;

  decline_until_paused (user);
  intents = test_stripe_stat (fake, "payment_intents");

  /* Saving the settings again resumes at once. */
  set_auto_recharge (user);
  wait_for_balance (user, 104 + PACK_CREDITS);
  wait_for_state (user, FALSE, 0);
  g_assert_cmpint (test_stripe_stat (fake, "payment_intents"), ==, intents + 1);
}

static void
test_pause_then_purchase (void)
{
  g_autoptr(User) user = user_new (backoff, "purchase", 100);
  g_autofree char *session_id = NULL;
  g_autofree char *event = NULL;
  g_autofree char *outcome = NULL;

  decline_until_paused (user);

  /* A pack bought by hand: the card works again. */
  session_id = checkout (user);
  event = g_strdup_printf ("{\"id\": \"evt_%s\", \"object\": \"event\", \"type\": "
                           "\"checkout.session.completed\", \"data\": {\"object\": {"
                           "\"id\": \"%s\", \"object\": \"checkout.session\", "
                           "\"payment_status\": \"paid\", \"payment_intent\": \"pi_%s\"}}}",
                           session_id, session_id, session_id);
  outcome = deliver (backoff, event);
  g_assert_cmpstr (outcome, ==, "credited");
  g_assert_cmpint (balance (user), ==, 104 + PACK_CREDITS);
  g_assert_false (settings_bool (user, "paused"));
  g_assert_cmpint (settings_int (user, "failures"), ==, 0);
}

static TestServer *
start_stripe_server (const char *extra)
{
  const char *args[] = { extra, NULL };

  return test_stripe_server_start (fake, args);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  fake_stripe = test_fake_stripe_start ();
  fake = fake_stripe->api;
  quick = start_stripe_server ("--recharge-settle-after=1");
  patient = start_stripe_server (NULL);
  backoff = start_stripe_server ("--recharge-retry-after=2");

  g_test_add_func ("/recharge/lost-answer", test_lost_answer);
  g_test_add_func ("/recharge/unanswered", test_unanswered);
  g_test_add_func ("/recharge/crash-startup", test_crash_startup);
  g_test_add_func ("/recharge/crash-webhook", test_crash_webhook);
  g_test_add_func ("/recharge/crash-declined", test_crash_declined);
  g_test_add_func ("/recharge/checkout-intent-ignored", test_checkout_intent_ignored);
  g_test_add_func ("/recharge/pause-then-resume", test_pause_then_resume);
  g_test_add_func ("/recharge/pause-then-purchase", test_pause_then_purchase);

  status = g_test_run ();

  test_server_free (quick);
  test_server_free (patient);
  test_server_free (backoff);
  test_fake_stripe_free (fake_stripe);
  return status;
}
