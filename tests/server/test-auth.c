/* test-auth.c: register, sign in, sign out, throttling, bad input
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"
#include "tally-throttle.h"

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

static TestResponse *
log_in (TestServer *on,
        const char *email,
        const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}",
                                           email, password);

  return test_request (on, "POST", "/v1/auth/login", NULL, body);
}

/* The right password gets in once the delay the failures set has passed:
 * a 429 says how long (a second or two here, never the old 15 minutes). */
static void
assert_gets_in_after_delay (TestServer *on,
                            const char *email)
{
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(TestResponse) right = log_in (on, email, TEST_PASSWORD);
      gint64 wait;

      if (right->status == 200)
        return;
      g_assert_cmpuint (right->status, ==, 429);
      g_assert_cmpstr (test_response_error (right), ==, "rate_limited");
      g_assert_nonnull (right->retry_after);
      wait = g_ascii_strtoll (right->retry_after, NULL, 10);
      g_test_message ("429, Retry-After: %" G_GINT64_FORMAT, wait);
      g_assert_cmpint (wait, >, 0);
      g_assert_cmpint (wait, <=, 2);
      g_usleep (wait * G_USEC_PER_SEC);
    }
  g_assert_not_reached ();
}

/* Ten wrong passwords no longer lock the owner out: the next attempt
 * waits a second, and the right password works after it. */
static void
test_login_throttled (void)
{
  g_autofree char *token = test_user_new (server, "cy@example.com", NULL);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(TestResponse) wrong = log_in (server, "cy@example.com", "not the password");

      g_assert_cmpuint (wrong->status, ==, 401);
    }
  assert_gets_in_after_delay (server, "cy@example.com");

  /* And it starts afresh: a wrong password is a plain 401 again. */
  {
    g_autoptr(TestResponse) wrong = log_in (server, "cy@example.com", "not the password");

    g_assert_cmpuint (wrong->status, ==, 401);
  }
}

#define S(n) ((gint64) (n) * G_USEC_PER_SEC)

/* The delays, on a clock of our own: free failures, then 1 s, 2 s, 4 s …
 * up to the cap; an attempt while one runs is refused and not counted; a
 * quiet key is forgotten. */
static void
test_throttle_backoff (void)
{
  g_autoptr(TallyThrottle) throttle = tally_throttle_new_backoff (3, 10);
  gint64 now = S (1000);
  gint64 retry_after = 0;
  static const gint64 delays[] = { 1, 2, 4, 8, 10, 10 };

  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (tally_throttle_is_blocked (throttle, "k", now, NULL));
      tally_throttle_record_failure (throttle, "k", now);
    }

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      g_assert_false (tally_throttle_is_blocked (throttle, "k", now, NULL));
      tally_throttle_record_failure (throttle, "k", now);
      g_assert_true (tally_throttle_is_blocked (throttle, "k", now, &retry_after));
      g_assert_cmpint (retry_after, ==, delays[i]);
      g_assert_true (tally_throttle_is_blocked (throttle, "k", now + S (delays[i]) - 1, NULL));
      /* Other keys are not held up. */
      g_assert_false (tally_throttle_is_blocked (throttle, "other", now, NULL));
      now += S (delays[i]);
    }

  /* Quiet for the longest delay after the last one ended: forgotten. */
  g_assert_false (tally_throttle_is_blocked (throttle, "k", now + S (10), NULL));
  now += S (10);
  tally_throttle_record_failure (throttle, "k", now);
  g_assert_false (tally_throttle_is_blocked (throttle, "k", now, NULL));

  /* A success clears the account's count. */
  tally_throttle_record_failure (throttle, "k", now);
  tally_throttle_record_failure (throttle, "k", now);
  g_assert_true (tally_throttle_is_blocked (throttle, "k", now, NULL));
  tally_throttle_reset (throttle, "k");
  g_assert_false (tally_throttle_is_blocked (throttle, "k", now, NULL));

  /* An address's attempt that succeeded is taken back, and its delay. */
  tally_throttle_record_failure (throttle, "a", now);
  tally_throttle_record_failure (throttle, "a", now + 1);
  tally_throttle_record_failure (throttle, "a", now + 2);
  g_assert_true (tally_throttle_is_blocked (throttle, "a", now + 2, NULL));
  tally_throttle_forgive (throttle, "a", now + 2);
  g_assert_false (tally_throttle_is_blocked (throttle, "a", now + 2, NULL));
}

/* One address may sign up signups-per-hour times; then 429 with
 * Retry-After, and no account is made. */
static void
test_signups_limited (void)
{
  const char *args[] = { "--signups-per-hour=3", NULL };
  g_autoptr(TestServer) limited = test_server_start (args);
  g_autoptr(TestResponse) refused = NULL;
  g_autoptr(TestResponse) login = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"email\": \"many%u@example.com\", "
                                               "\"password\": \"" TEST_PASSWORD "\"}", i);
      g_autoptr(TestResponse) made = test_request (limited, "POST", "/v1/auth/register", NULL,
                                                   body);

      g_assert_cmpuint (made->status, ==, 201);
    }

  refused = test_request (limited, "POST", "/v1/auth/register", NULL,
                          "{\"email\": \"one-too-many@example.com\", "
                          "\"password\": \"" TEST_PASSWORD "\"}");
  test_assert_error (refused, 429, "rate_limited", NULL);
  g_assert_nonnull (refused->retry_after);
  g_assert_cmpint (g_ascii_strtoll (refused->retry_after, NULL, 10), >, 0);
  g_assert_cmpint (g_ascii_strtoll (refused->retry_after, NULL, 10), <=, 3600);

  login = log_in (limited, "one-too-many@example.com", TEST_PASSWORD);
  g_assert_cmpuint (login->status, ==, 401);
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
  g_test_add_func ("/auth/throttle-backoff", test_throttle_backoff);
  g_test_add_func ("/auth/signups-limited", test_signups_limited);
  g_test_add_func ("/auth/bad-bodies", test_bad_bodies);
  g_test_add_func ("/auth/deep-and-huge-bodies", test_deep_and_huge_bodies);
  g_test_add_func ("/auth/unknown-route", test_unknown_route);
  g_test_add_func ("/auth/bad-tokens", test_bad_tokens);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
