/* test-admin.c: granting credits, and who may
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

static TestResponse *
grant (const char *token,
       const char *body)
{
  return test_request (server, "POST", "/v1/admin/grants", token, body);
}

static char *
grant_body (const char *account_id,
            const char *amount,
            const char *reason)
{
  return g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": %s, \"reason\": \"%s\"}",
                          account_id, amount, reason);
}

static void
test_grant_as_admin (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "grantee@example.com", account);
  g_autofree char *body = grant_body (account, "250", "Welcome credits");
  g_autoptr(TestResponse) granted = grant (admin, body);
  g_autoptr(TestResponse) list = NULL;
  const char *id;

  g_assert_cmpuint (granted->status, ==, 201);
  id = test_response_string (granted, "transfer.id");
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (test_response_string (granted, "transfer.kind"), ==, "grant");
  g_assert_cmpint (test_response_int (granted, "transfer.amount"), ==, 250);
  g_assert_cmpstr (test_response_string (granted, "transfer.account_id"), ==, account);
  g_assert_cmpstr (test_response_string (granted, "transfer.description"), ==,
                   "Welcome credits");
  g_assert_nonnull (test_response_string (granted, "transfer.created_at"));
  g_assert_cmpint (test_response_int (granted, "transfer.seq"), >, 0);
  g_assert_cmpint (test_balance (server, token), ==, 250);

  list = test_request (server, "GET", "/v1/transactions", token, NULL);
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==, id);
  g_assert_cmpstr (test_response_string (list, "items.0.kind"), ==, "grant");
  g_assert_cmpstr (test_response_string (list, "items.0.status"), ==, "posted");
  g_assert_cmpint (test_response_int (list, "items.0.amount"), ==, 250);
}

static void
test_grant_idempotent (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "twice@example.com", account);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"account_id\": \"%s\", "
                                           "\"amount\": 40, \"reason\": \"Refund\"}", id, account);
  g_autofree char *other = g_strdup_printf ("{\"id\": \"%s\", \"account_id\": \"%s\", "
                                            "\"amount\": 41, \"reason\": \"Refund\"}", id,
                                            account);
  g_autoptr(TestResponse) first = grant (admin, body);
  g_autoptr(TestResponse) again = grant (admin, body);
  g_autoptr(TestResponse) conflict = grant (admin, other);

  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpstr (test_response_string (first, "transfer.id"), ==, id);
  g_assert_cmpuint (again->status, ==, 201);
  g_assert_cmpstr (again->body, ==, first->body);
  test_assert_error (conflict, 409, "idempotency_conflict", NULL);
  g_assert_cmpint (test_balance (server, token), ==, 40);
}

static void
test_grant_roles (void)
{
  char account[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account);
  g_autofree char *body = grant_body (account, "10", "Self-service");
  g_autoptr(TestResponse) as_member = grant (member, body);
  g_autoptr(TestResponse) anonymous = grant (NULL, body);
  g_autoptr(TestResponse) bogus = grant ("not-a-token", body);

  test_assert_error (as_member, 403, "forbidden", NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
  test_assert_error (bogus, 401, "unauthorized", NULL);
  g_assert_cmpint (test_balance (server, member), ==, 0);
}

static void
test_grant_unknown_account (void)
{
  g_autofree char *unknown = grant_body ("6d1c1a52-5a4e-4f62-9e4b-3a8c5d8e7f10", "10", "Gift");
  /* The grants account itself, and the consumption account: not people. */
  g_autofree char *system = grant_body ("00000000-0000-4000-8000-000000000004", "10", "Gift");
  g_autoptr(TestResponse) missing = grant (admin, unknown);
  g_autoptr(TestResponse) not_a_user = grant (admin, system);

  test_assert_error (missing, 404, "not_found", NULL);
  test_assert_error (not_a_user, 404, "not_found", NULL);
}

static void
test_grant_bad_bodies (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "bad-grant@example.com", account);
  static const struct
  {
    const char *amount;
    const char *reason;
    const char *field;
  } cases[] = {
    { "0", "Gift", "amount" },
    { "-5", "Gift", "amount" },
    { "1000000000001", "Gift", "amount" },
    { "\"10\"", "Gift", "amount" },
    { "1.5", "Gift", "amount" },
    { "null", "Gift", "amount" },
    { "10", "", "reason" },
    { "10", "   ", "reason" },
  };
  g_autoptr(GString) long_reason = g_string_new (NULL);
  g_autofree char *too_long = NULL, *no_reason = NULL, *bad_account = NULL;
  g_autoptr(TestResponse) long_response = NULL, missing = NULL, malformed = NULL;
  g_autoptr(TestResponse) not_json = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = grant_body (account, cases[i].amount, cases[i].reason);
      g_autoptr(TestResponse) response = grant (admin, body);

      test_assert_error (response, 400, "invalid_field", cases[i].field);
    }

  while (long_reason->len < 257)
    g_string_append_c (long_reason, 'r');
  too_long = grant_body (account, "10", long_reason->str);
  long_response = grant (admin, too_long);
  test_assert_error (long_response, 400, "invalid_field", "reason");

  no_reason = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 10}", account);
  missing = grant (admin, no_reason);
  test_assert_error (missing, 400, "invalid_field", "reason");
  bad_account = grant_body ("12345", "10", "Gift");
  malformed = grant (admin, bad_account);
  test_assert_error (malformed, 400, "invalid_field", "account_id");
  not_json = grant (admin, "{\"account_id\": ");
  test_assert_error (not_json, 400, "invalid_json", NULL);

  g_assert_cmpint (test_balance (server, token), ==, 0);
}

/* 256 characters are allowed; a description holds 255 bytes, so the
 * longest reasons are cut, at a character boundary. */
static void
test_grant_longest_reason (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "long@example.com", account);
  g_autoptr(GString) ascii = g_string_new (NULL);
  g_autoptr(GString) wide = g_string_new (NULL);
  g_autofree char *ascii_body = NULL, *wide_body = NULL;
  g_autoptr(TestResponse) ascii_grant = NULL, wide_grant = NULL;
  const char *description;

  while (ascii->len < 256)
    g_string_append_c (ascii, 'a');
  for (guint i = 0; i < 100; i++)
    g_string_append (wide, "€");

  ascii_body = grant_body (account, "1", ascii->str);
  ascii_grant = grant (admin, ascii_body);
  g_assert_cmpuint (ascii_grant->status, ==, 201);
  g_assert_cmpuint (strlen (test_response_string (ascii_grant, "transfer.description")), ==, 255);

  wide_body = grant_body (account, "1", wide->str);
  wide_grant = grant (admin, wide_body);
  g_assert_cmpuint (wide_grant->status, ==, 201);
  description = test_response_string (wide_grant, "transfer.description");
  g_assert_true (g_utf8_validate (description, -1, NULL));
  g_assert_cmpuint (strlen (description), ==, 255);
  g_assert_cmpint (g_utf8_strlen (description, -1), ==, 85);

  g_assert_cmpint (test_balance (server, token), ==, 2);
}

/* A grant's credits may expire: the transfer and GET /v1/me say when,
 * and sending the grant again must say the same. */
static void
test_grant_expiring (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "expiring-grantee@example.com", account);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 10);
  g_autofree char *expires = g_date_time_format (later, "%Y-%m-%dT%H:%M:%S.000000Z");
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"account_id\": \"%s\", "
                                           "\"amount\": 70, \"reason\": \"Trial\", "
                                           "\"expires_at\": \"%s\"}", id, account, expires);
  g_autofree char *no_expiry = g_strdup_printf ("{\"id\": \"%s\", \"account_id\": \"%s\", "
                                                "\"amount\": 70, \"reason\": \"Trial\"}",
                                                id, account);
  g_autofree char *past = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 70, "
                                           "\"reason\": \"Trial\", "
                                           "\"expires_at\": \"2020-01-01T00:00:00Z\"}", account);
  g_autofree char *date_only = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 70, "
                                                "\"reason\": \"Trial\", "
                                                "\"expires_at\": \"2099-01-01\"}", account);
  g_autoptr(TestResponse) granted = grant (admin, body);
  g_autoptr(TestResponse) again = grant (admin, body);
  g_autoptr(TestResponse) without = grant (admin, no_expiry);
  g_autoptr(TestResponse) in_the_past = grant (admin, past);
  g_autoptr(TestResponse) no_time = grant (admin, date_only);
  g_autoptr(TestResponse) me = NULL;

  g_assert_cmpuint (granted->status, ==, 201);
  g_assert_cmpstr (test_response_string (granted, "transfer.expires_at"), ==, expires);
  g_assert_cmpuint (again->status, ==, 201);
  g_assert_cmpstr (again->body, ==, granted->body);
  test_assert_error (without, 409, "idempotency_conflict", "id");
  test_assert_error (in_the_past, 400, "invalid_field", "expires_at");
  test_assert_error (no_time, 400, "invalid_field", "expires_at");

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 70);
  g_assert_cmpint (test_response_int (me, "accounts.0.expiring.0.amount"), ==, 70);
  g_assert_cmpstr (test_response_string (me, "accounts.0.expiring.0.expires_at"), ==, expires);
}

/* A team's pool may hold credits that expire too: GET /v1/me lists them
 * under the pool's account. */
static void
test_grant_expiring_to_team (void)
{
  g_autofree char *token = test_user_new (server, "pool-owner@example.com", NULL);
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", token,
                                               "{\"name\": \"Expiring pool\"}");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 3);
  g_autofree char *expires = g_date_time_format (later, "%Y-%m-%dT%H:%M:%S.000000Z");
  g_autofree char *body = NULL;
  g_autoptr(TestResponse) granted = NULL, me = NULL;

  g_assert_cmpuint (team->status, ==, 201);
  body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 40, \"reason\": \"Pilot\", "
                          "\"expires_at\": \"%s\"}",
                          test_response_string (team, "team.account_id"), expires);
  granted = grant (admin, body);
  g_assert_cmpuint (granted->status, ==, 201);

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpstr (test_response_string (me, "accounts.1.kind"), ==, "team");
  g_assert_cmpint (test_response_int (me, "accounts.1.expiring.0.amount"), ==, 40);
  g_assert_cmpstr (test_response_string (me, "accounts.1.expiring.0.expires_at"), ==, expires);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (me, "accounts.0.expiring"))), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/admin/grant", test_grant_as_admin);
  g_test_add_func ("/admin/grant-idempotent", test_grant_idempotent);
  g_test_add_func ("/admin/grant-roles", test_grant_roles);
  g_test_add_func ("/admin/grant-unknown-account", test_grant_unknown_account);
  g_test_add_func ("/admin/grant-bad-bodies", test_grant_bad_bodies);
  g_test_add_func ("/admin/grant-longest-reason", test_grant_longest_reason);
  g_test_add_func ("/admin/grant-expiring", test_grant_expiring);
  g_test_add_func ("/admin/grant-expiring-to-team", test_grant_expiring_to_team);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
