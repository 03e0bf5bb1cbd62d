/* test-auth.c: register, sign in, sign out, throttling, bad input
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;

static void
test_register_and_login (void)
{
  g_autoptr(TestResponse) registered = NULL, again = NULL, login = NULL, logout = NULL;
  g_autoptr(TestResponse) after = NULL;
  g_autofree char *token = NULL;

  registered = test_request (server, "POST", "/v1/auth/register", NULL,
                             "{\"email\": \"Ann@Example.com\", \"password\": \""
                             TEST_PASSWORD "\", \"name\": \"Ann\"}");
  g_assert_cmpuint (registered->status, ==, 201);
  g_assert_cmpstr (test_response_string (registered, "user.email"), ==, "ann@example.com");
  g_assert_cmpstr (test_response_string (registered, "user.role"), ==, "member");
  g_assert_cmpint (test_response_int (registered, "account.balance"), ==, 0);

  again = test_request (server, "POST", "/v1/auth/register", NULL,
                        "{\"email\": \"ann@example.COM\", \"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (again->status, ==, 409);
  g_assert_cmpstr (test_response_error (again), ==, "email_taken");

  login = test_request (server, "POST", "/v1/auth/login", NULL,
                        "{\"email\": \"ann@example.com\", \"password\": \"" TEST_PASSWORD "\", "
                        "\"device\": \"laptop\"}");
  g_assert_cmpuint (login->status, ==, 200);
  token = g_strdup (test_response_string (login, "token"));
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_nonnull (test_response_string (login, "expires_at"));

  logout = test_request (server, "POST", "/v1/auth/logout", token, NULL);
  g_assert_cmpuint (logout->status, ==, 204);
  after = test_request (server, "POST", "/v1/auth/logout", token, NULL);
  g_assert_cmpuint (after->status, ==, 401);
  g_assert_cmpstr (test_response_error (after), ==, "unauthorized");
}

static void
test_login_failures_look_alike (void)
{
  g_autoptr(TestResponse) unknown = NULL, wrong = NULL;
  g_autofree char *token = test_user_new (server, "bea@example.com", NULL);

  unknown = test_request (server, "POST", "/v1/auth/login", NULL,
                          "{\"email\": \"nobody@example.com\", \"password\": \"" TEST_PASSWORD "\"}");
  wrong = test_request (server, "POST", "/v1/auth/login", NULL,
                        "{\"email\": \"bea@example.com\", \"password\": \"not the password\"}");
  g_assert_cmpuint (unknown->status, ==, 401);
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpstr (unknown->body, ==, wrong->body);
}

static void
test_login_throttled (void)
{
  g_autofree char *token = test_user_new (server, "cy@example.com", NULL);
  g_autoptr(TestResponse) blocked = NULL, right = NULL;

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(TestResponse) wrong = test_request (server, "POST", "/v1/auth/login", NULL,
                                                    "{\"email\": \"cy@example.com\", "
                                                    "\"password\": \"not the password\"}");

      g_assert_cmpuint (wrong->status, ==, 401);
    }

  /* Even the right password waits now: the account is under attack. */
  right = test_request (server, "POST", "/v1/auth/login", NULL,
                        "{\"email\": \"cy@example.com\", \"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (right->status, ==, 429);
  g_assert_cmpstr (test_response_error (right), ==, "rate_limited");
  g_assert_nonnull (right->retry_after);
  g_assert_cmpint (g_ascii_strtoll (right->retry_after, NULL, 10), >, 0);
}

static void
test_bad_bodies (void)
{
  static const struct
  {
    const char *body;
    guint       status;
    const char *code;
  } cases[] = {
    { "", 400, "invalid_json" },
    { "{", 400, "invalid_json" },
    { "[1, 2]", 400, "invalid_json" },
    { "\"text\"", 400, "invalid_json" },
    { "{\"email\": 5, \"password\": \"" TEST_PASSWORD "\"}", 400, "invalid_field" },
    { "{\"email\": \"a@example.com\"}", 400, "invalid_field" },
    { "{\"email\": \"a@example.com\", \"password\": \"short\"}", 400, "invalid_field" },
    { "{\"email\": \"not an email\", \"password\": \"" TEST_PASSWORD "\"}", 400, "invalid_field" },
    { "{\"email\": \"x@example.com'); DROP TABLE users;--\", \"password\": \"" TEST_PASSWORD "\"}",
      400, "invalid_field" },
    { "{\"email\": \"a@example.com\", \"password\": [\"" TEST_PASSWORD "\"]}", 400,
      "invalid_field" },
    /* A lone surrogate: json-glib decodes it to invalid UTF-8. */
    { "{\"email\": \"a\\ud83d@example.com\", \"password\": \"" TEST_PASSWORD "\"}", 400,
      "invalid_json" },
    { "{\"email\": \"a:\\ud83dctil\": ", 400, "invalid_json" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/register", NULL,
                                                       cases[i].body);

      g_test_message ("%s -> %u %s", cases[i].body, response->status, response->body);
      g_assert_cmpuint (response->status, ==, cases[i].status);
      g_assert_cmpstr (test_response_error (response), ==, cases[i].code);
    }
}

static void
test_deep_and_huge_bodies (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) huge = g_string_new ("{\"email\": \"");
  g_autoptr(TestResponse) nested = NULL, large = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  nested = test_request (server, "POST", "/v1/auth/login", NULL, deep->str);
  g_assert_cmpuint (nested->status, ==, 400);
  g_assert_cmpstr (test_response_error (nested), ==, "invalid_json");

  while (huge->len < 2 * 1024 * 1024)
    g_string_append (huge, "aaaaaaaaaaaaaaaa");
  g_string_append (huge, "\"}");
  large = test_request (server, "POST", "/v1/auth/register", NULL, huge->str);
  g_assert_cmpuint (large->status, ==, 413);
  g_assert_cmpstr (test_response_error (large), ==, "body_too_large");
}

static void
test_unknown_route (void)
{
  g_autoptr(TestResponse) missing = test_request (server, "GET", "/v1/nothing", NULL, NULL);
  g_autoptr(TestResponse) method = test_request (server, "GET", "/v1/auth/login", NULL, NULL);

  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_cmpstr (test_response_error (missing), ==, "not_found");
  g_assert_cmpuint (method->status, ==, 405);
}

static void
test_bad_tokens (void)
{
  const char *tokens[] = { "", "garbage", "Bearer", "' OR 1=1 --",
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/logout",
                                                       tokens[i], NULL);

      g_assert_cmpuint (response->status, ==, 401);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/auth/register-and-login", test_register_and_login);
  g_test_add_func ("/auth/failures-look-alike", test_login_failures_look_alike);
  g_test_add_func ("/auth/throttled", test_login_throttled);
  g_test_add_func ("/auth/bad-bodies", test_bad_bodies);
  g_test_add_func ("/auth/deep-and-huge-bodies", test_deep_and_huge_bodies);
  g_test_add_func ("/auth/unknown-route", test_unknown_route);
  g_test_add_func ("/auth/bad-tokens", test_bad_tokens);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
