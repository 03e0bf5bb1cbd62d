/* test-promos.c: promo codes — created by admins, redeemed once per user,
 * never more often than they allow, even all at once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-test-server.h"

#define N_RACERS 20
#define RACE_MAX 5

static TestServer *server;
static char *admin;

static TestResponse *
create (const char *token,
        const char *body)
{
  return test_request (server, "POST", "/v1/admin/promo-codes", token, body);
}

static TestResponse *
redeem (const char *token,
        const char *code)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\"}", code);

  return test_request (server, "POST", "/v1/promo-codes/redeem", token, body);
}

static void
create_code (const char *code,
             gint64      credits,
             gint64      max_redemptions)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"credits\": %" G_GINT64_FORMAT
                                           ", \"max_redemptions\": %" G_GINT64_FORMAT "}",
                                           code, credits, max_redemptions);
  g_autoptr(TestResponse) created = create (admin, body);

  g_assert_cmpuint (created->status, ==, 201);
}

/* The code named @code in the admin's list, or NULL. */
static JsonObject *
listed (TestResponse *list,
        const char   *code)
{
  JsonArray *items = json_node_get_array (test_response_member (list, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "code"), code))
        return item;
    }

  return NULL;
}

static gint64
redemptions_of (const char *code)
{
  g_autoptr(TestResponse) list = test_request (server, "GET", "/v1/admin/promo-codes", admin,
                                               NULL);
  JsonObject *item;

  g_assert_cmpuint (list->status, ==, 200);
  item = listed (list, code);
  g_assert_nonnull (item);
  return json_object_get_int_member (item, "redemptions");
}

static void
test_create_and_list (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 30);
  g_autofree char *expires = g_date_time_format (later, "%Y-%m-%dT%H:%M:%S.000000Z");
  g_autofree char *body = g_strdup_printf ("{\"code\": \"Spring-2027\", \"credits\": 150, "
                                           "\"max_redemptions\": 100, \"expires_at\": \"%s\"}",
                                           expires);
  g_autoptr(TestResponse) created = create (admin, body);
  g_autoptr(TestResponse) again = create (admin, "{\"code\": \"SPRING-2027\", \"credits\": 1, "
                                                 "\"max_redemptions\": 1}");
  g_autoptr(TestResponse) list = NULL;
  JsonObject *item;

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_uuid_string_is_valid (test_response_string (created, "promo_code.id")));
  /* Codes are matched in any case, and shown upper case. */
  g_assert_cmpstr (test_response_string (created, "promo_code.code"), ==, "SPRING-2027");
  g_assert_cmpint (test_response_int (created, "promo_code.credits"), ==, 150);
  g_assert_cmpint (test_response_int (created, "promo_code.max_redemptions"), ==, 100);
  g_assert_cmpint (test_response_int (created, "promo_code.redemptions"), ==, 0);
  g_assert_cmpstr (test_response_string (created, "promo_code.expires_at"), ==, expires);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (created,
                                                             "promo_code."
                                                             "credits_expire_after_days")));
  test_assert_error (again, 409, "code_taken", NULL);

  list = test_request (server, "GET", "/v1/admin/promo-codes", admin, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  item = listed (list, "SPRING-2027");
  g_assert_nonnull (item);
  g_assert_cmpint (json_object_get_int_member (item, "credits"), ==, 150);
  g_assert_cmpstr (json_object_get_string_member (item, "id"), ==,
                   test_response_string (created, "promo_code.id"));
}

static void
assert_refused (const char *body,
                const char *field)
{
  g_autoptr(TestResponse) response = create (admin, body);

  test_assert_error (response, 400, field != NULL ? "invalid_field" : "invalid_json", field);
}

static void
test_bad_bodies (void)
{
  g_autoptr(TestResponse) before = test_request (server, "GET", "/v1/admin/promo-codes", admin,
                                                 NULL);
  g_autoptr(TestResponse) after = NULL;

  assert_refused ("{\"code\": \"NEG\", \"credits\": -5, \"max_redemptions\": 1}", "credits");
  assert_refused ("{\"code\": \"ZERO\", \"credits\": 0, \"max_redemptions\": 1}", "credits");
  assert_refused ("{\"code\": \"HUGE\", \"credits\": 1000000000001, \"max_redemptions\": 1}",
                  "credits");
  assert_refused ("{\"code\": \"HUGER\", \"credits\": 99999999999999999999, "
                  "\"max_redemptions\": 1}", "credits");
  assert_refused ("{\"code\": \"FRACTION\", \"credits\": 1.5, \"max_redemptions\": 1}",
                  "credits");
  assert_refused ("{\"code\": \"TEXT\", \"credits\": \"10\", \"max_redemptions\": 1}",
                  "credits");
  assert_refused ("{\"code\": \"NOCREDITS\", \"max_redemptions\": 1}", "credits");
  assert_refused ("{\"code\": \"NOMAX\", \"credits\": 10}", "max_redemptions");
  assert_refused ("{\"code\": \"MAXZERO\", \"credits\": 10, \"max_redemptions\": 0}",
                  "max_redemptions");
  assert_refused ("{\"code\": \"MAXHUGE\", \"credits\": 10, \"max_redemptions\": 10000001}",
                  "max_redemptions");
  assert_refused ("{\"credits\": 10, \"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": \"AB\", \"credits\": 10, \"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": \"HAS SPACE\", \"credits\": 10, \"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": \"CAFÉ\", \"credits\": 10, \"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\", \"credits\": 10, "
                  "\"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": 42, \"credits\": 10, \"max_redemptions\": 1}", "code");
  assert_refused ("{\"code\": \"PAST\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"expires_at\": \"2020-01-01T00:00:00Z\"}", "expires_at");
  assert_refused ("{\"code\": \"DATEONLY\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"expires_at\": \"2099-01-01\"}", "expires_at");
  assert_refused ("{\"code\": \"NOZONE\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"expires_at\": \"2099-01-01T00:00:00\"}", "expires_at");
  assert_refused ("{\"code\": \"GARBLED\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"expires_at\": \"soon\"}", "expires_at");
  assert_refused ("{\"code\": \"DAYSZERO\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"credits_expire_after_days\": 0}", "credits_expire_after_days");
  assert_refused ("{\"code\": \"DAYSHUGE\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"credits_expire_after_days\": 3651}", "credits_expire_after_days");
  assert_refused ("{\"code\": \"DAYSTEXT\", \"credits\": 10, \"max_redemptions\": 1, "
                  "\"credits_expire_after_days\": \"30\"}", "credits_expire_after_days");
  assert_refused ("{\"code\": \"BROKEN\", \"credits\": 10,", NULL);
  assert_refused ("[1, 2]", NULL);

  after = test_request (server, "GET", "/v1/admin/promo-codes", admin, NULL);
  g_assert_cmpstr (after->body, ==, before->body);
}

static void
test_redeem (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "redeemer@example.com", account);
  g_autoptr(TestResponse) redeemed = NULL, twice = NULL, unknown = NULL, nonsense = NULL;
  g_autoptr(TestResponse) list = NULL, bad = NULL, missing = NULL;

  create_code ("WELCOME-50", 50, 10);
  redeemed = redeem (token, "welcome-50");
  g_assert_cmpuint (redeemed->status, ==, 201);
  g_assert_true (g_uuid_string_is_valid (test_response_string (redeemed, "transfer.id")));
  g_assert_cmpstr (test_response_string (redeemed, "transfer.kind"), ==, "grant");
  g_assert_cmpint (test_response_int (redeemed, "transfer.amount"), ==, 50);
  g_assert_cmpstr (test_response_string (redeemed, "transfer.account_id"), ==, account);
  g_assert_cmpstr (test_response_string (redeemed, "transfer.description"), ==,
                   "Promo code WELCOME-50");
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (redeemed, "transfer.expires_at")));
  g_assert_cmpint (test_balance (server, token), ==, 50);

  twice = redeem (token, "WELCOME-50");
  test_assert_error (twice, 409, "already_redeemed", NULL);
  unknown = redeem (token, "NO-SUCH-CODE");
  test_assert_error (unknown, 404, "not_found", NULL);
  nonsense = redeem (token, "no such code!");
  test_assert_error (nonsense, 404, "not_found", NULL);
  bad = test_request (server, "POST", "/v1/promo-codes/redeem", token, "{\"code\": 50}");
  test_assert_error (bad, 400, "invalid_field", "code");
  missing = test_request (server, "POST", "/v1/promo-codes/redeem", token, "{}");
  test_assert_error (missing, 400, "invalid_field", "code");
  g_assert_cmpint (test_balance (server, token), ==, 50);
  g_assert_cmpint (redemptions_of ("WELCOME-50"), ==, 1);

  list = test_request (server, "GET", "/v1/transactions", token, NULL);
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==,
                   test_response_string (redeemed, "transfer.id"));
  g_assert_cmpstr (test_response_string (list, "items.0.kind"), ==, "grant");
  g_assert_cmpint (test_response_int (list, "items.0.amount"), ==, 50);
}

static void
test_redeem_expired (void)
{
  g_autofree char *token = test_user_new (server, "late@example.com", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) soon = g_date_time_add_seconds (now, 2);
  g_autofree char *expires = g_date_time_format (soon, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *body = g_strdup_printf ("{\"code\": \"BRIEF\", \"credits\": 5, "
                                           "\"max_redemptions\": 10, \"expires_at\": \"%s\"}",
                                           expires);
  g_autoptr(TestResponse) created = create (admin, body);
  g_autoptr(TestResponse) expired = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  g_usleep (2500 * 1000);
  expired = redeem (token, "BRIEF");
  test_assert_error (expired, 410, "expired", NULL);
  g_assert_cmpint (test_balance (server, token), ==, 0);
  g_assert_cmpint (redemptions_of ("BRIEF"), ==, 0);
}

static void
test_redeem_used_up (void)
{
  g_autofree char *first = test_user_new (server, "first@example.com", NULL);
  g_autofree char *second = test_user_new (server, "second@example.com", NULL);
  g_autoptr(TestResponse) won = NULL, lost = NULL, again = NULL;

  create_code ("ONLY-ONE", 7, 1);
  won = redeem (first, "ONLY-ONE");
  g_assert_cmpuint (won->status, ==, 201);
  lost = redeem (second, "ONLY-ONE");
  test_assert_error (lost, 410, "expired", NULL);
  /* Who has it already hears that, not that it is gone. */
  again = redeem (first, "ONLY-ONE");
  test_assert_error (again, 409, "already_redeemed", NULL);
  g_assert_cmpint (test_balance (server, second), ==, 0);
}

typedef struct
{
  char  *token;
  guint  status;
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(TestResponse) response = NULL;

  response = test_request_on (server, session, "POST", "/v1/promo-codes/redeem", racer->token,
                              "{\"code\": \"RACE\"}");
  racer->status = response->status;
  return NULL;
}

/* Twenty users redeem a code that allows five, all at once: exactly five
 * get its credits, and the ledger agrees. */
static void
test_redeem_concurrent (void)
{
  Racer racers[N_RACERS];
  GThread *threads[N_RACERS];
  guint won = 0, gone = 0;
  gint64 granted = 0;

  create_code ("RACE", 30, RACE_MAX);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_autofree char *email = g_strdup_printf ("racer%u@example.com", i);

      racers[i] = (Racer) { test_user_new (server, email, NULL), 0 };
    }

  for (guint i = 0; i < N_RACERS; i++)
    threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      if (racers[i].status == 201)
        won++;
      else if (racers[i].status == 410)
        gone++;
      else
        g_error ("A racer got %u", racers[i].status);
      granted += test_balance (server, racers[i].token);
      g_free (racers[i].token);
    }

  g_assert_cmpuint (won, ==, RACE_MAX);
  g_assert_cmpuint (gone, ==, N_RACERS - RACE_MAX);
  g_assert_cmpint (granted, ==, 30 * RACE_MAX);
  g_assert_cmpint (redemptions_of ("RACE"), ==, RACE_MAX);
}

static void
test_roles (void)
{
  g_autofree char *member = test_user_new (server, "promo-member@example.com", NULL);
  g_autoptr(TestResponse) as_member = create (member, "{\"code\": \"MINE\", \"credits\": 10, "
                                                      "\"max_redemptions\": 1}");
  g_autoptr(TestResponse) list = test_request (server, "GET", "/v1/admin/promo-codes", member,
                                               NULL);
  g_autoptr(TestResponse) anonymous = redeem (NULL, "WELCOME-50");

  test_assert_error (as_member, 403, "forbidden", NULL);
  test_assert_error (list, 403, "forbidden", NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

static gboolean
audit_has (TestResponse *page,
           const char   *action,
           const char   *target)
{
  JsonArray *items = json_node_get_array (test_response_member (page, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "action"), action) &&
          g_str_equal (json_object_get_string_member (item, "target"), target) &&
          g_str_equal (json_object_get_string_member (item, "outcome"), "ok"))
        return TRUE;
    }

  return FALSE;
}

static void
test_audited (void)
{
  g_autofree char *token = test_user_new (server, "audited@example.com", NULL);
  g_autoptr(TestResponse) redeemed = NULL, page = NULL;

  create_code ("AUDITED", 3, 2);
  redeemed = redeem (token, "AUDITED");
  g_assert_cmpuint (redeemed->status, ==, 201);

  page = test_request (server, "GET", "/v1/admin/audit?action=promo_code.&limit=500", admin,
                       NULL);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (audit_has (page, "promo_code.redeem", "AUDITED"));
  g_clear_pointer (&page, test_response_free);
  page = test_request (server, "GET", "/v1/admin/audit?action=admin.promo_code.&limit=500",
                       admin, NULL);
  g_assert_true (audit_has (page, "admin.promo_code.create", "AUDITED"));
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* A run of the cheapest tool, authorized and completed: what it cost. */
static gint64
run_once (const char *token)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                           "\"inputs\": {\"text\": \"x\"}}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) authorized = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) completed = NULL;

  g_assert_cmpuint (authorized->status, ==, 201);
  completed = test_request (server, "POST", path, token,
                            "{\"outcome\": \"succeeded\", \"units\": 1}");
  g_assert_cmpuint (completed->status, ==, 200);
  return test_response_int (completed, "run.charged");
}

static JsonArray *
expiries (const char *token)
{
  g_autoptr(TestResponse) list = test_request (server, "GET", "/v1/transactions?type=expiry",
                                               token, NULL);

  g_assert_cmpuint (list->status, ==, 200);
  return json_array_ref (json_node_get_array (test_response_member (list, "items")));
}

/* Makes every lot's time come, in the file, the server stopped. */
static void
expire_all_lots_now (void)
{
  test_server_stop (server, FALSE);
  test_server_exec (server, "UPDATE lots SET expires_at = 1 WHERE closed = 0");
  test_server_restart (server);
}

/* The server's sweep runs every few seconds: waits for @n expiries. */
static JsonArray *
wait_for_expiries (const char *token,
                   guint       n)
{
  JsonArray *items = NULL;

  for (guint i = 0; i < 150; i++)
    {
      g_clear_pointer (&items, json_array_unref);
      items = expiries (token);
      if (json_array_get_length (items) >= n)
        break;
      g_usleep (100 * 1000);
    }

  return items;
}

/* A code's credits expire credits_expire_after_days after the
 * redemption; runs spend them before credits that never expire; at their
 * time the unspent rest expires, once, across restarts. */
static void
test_credits_expire (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "expiring@example.com", account);
  g_autoptr(TestResponse) created = NULL, redeemed = NULL, me = NULL, after = NULL;
  g_autoptr(JsonArray) first = NULL, second = NULL;
  gint64 created_at, expires_at, charged;

  test_grant (server, admin, account, 50);
  created = create (admin, "{\"code\": \"SHORT-LIVED\", \"credits\": 100, "
                           "\"max_redemptions\": 5, \"credits_expire_after_days\": 30}");
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpint (test_response_int (created, "promo_code.credits_expire_after_days"), ==, 30);

  redeemed = redeem (token, "SHORT-LIVED");
  g_assert_cmpuint (redeemed->status, ==, 201);
  created_at = parse_time (test_response_string (redeemed, "transfer.created_at"));
  expires_at = parse_time (test_response_string (redeemed, "transfer.expires_at"));
  g_assert_cmpint (expires_at - created_at, ==, G_GINT64_CONSTANT (30) * 86400 * G_USEC_PER_SEC);

  /* The promo credits came last but expire: the run spends them first. */
  charged = run_once (token);
  g_assert_cmpint (charged, >, 0);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 150 - charged);
  g_assert_cmpint (test_response_int (me, "accounts.0.expiring.0.amount"), ==, 100 - charged);
  g_assert_cmpstr (test_response_string (me, "accounts.0.expiring.0.expires_at"), ==,
                   test_response_string (redeemed, "transfer.expires_at"));

  expire_all_lots_now ();
  first = wait_for_expiries (token, 1);
  g_assert_cmpuint (json_array_get_length (first), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (first, 0),
                                               "amount"), ==, -(100 - charged));
  after = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (after, "accounts.0.balance"), ==, 50);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (after, "accounts.0.expiring"))), ==, 0);

  /* Restarted, and swept again: still one expiry. */
  test_server_restart (server);
  g_usleep (6 * G_USEC_PER_SEC);
  second = expiries (token);
  g_assert_cmpuint (json_array_get_length (second), ==, 1);
}

/* After all of it, the file itself: every invariant of the ledger. */
static void
test_ledger_check (void)
{
  test_server_stop (server, FALSE);
  test_server_check_ledger (server);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/promos/create-and-list", test_create_and_list);
  g_test_add_func ("/promos/bad-bodies", test_bad_bodies);
  g_test_add_func ("/promos/redeem", test_redeem);
  g_test_add_func ("/promos/redeem-expired", test_redeem_expired);
  g_test_add_func ("/promos/redeem-used-up", test_redeem_used_up);
  g_test_add_func ("/promos/redeem-concurrent", test_redeem_concurrent);
  g_test_add_func ("/promos/roles", test_roles);
  g_test_add_func ("/promos/audited", test_audited);
  g_test_add_func ("/promos/credits-expire", test_credits_expire);
  g_test_add_func ("/promos/ledger-check", test_ledger_check);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
