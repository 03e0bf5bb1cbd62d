/* test-languages.c: the server's error messages in the client's language
 *
 * The app shows the server's messages, so the server words them in the
 * first language of Accept-Language it has a translation for (German
 * here, which needs the de_DE.UTF-8 locale build-aux/install-deps makes),
 * and in English otherwise.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

#define NOT_JSON_DE "Der Anfragekörper ist kein JSON"
#define NOT_JSON_EN "The request body is not JSON"

/* POST /v1/estimate with a body that is not JSON, asking for @languages. */
static TestResponse *
bad_json_in (const char *languages)
{
  g_autoptr(SoupSession) session = test_session_new ();

  if (languages != NULL)
    g_object_set (session, "accept-language", languages, NULL);
  return test_request_on (server, session, "POST", "/v1/estimate", admin, "{\"tool\": 'x'}");
}

static void
assert_message_starts (TestResponse *response,
                       const char   *start)
{
  test_assert_error (response, 400, "invalid_json", NULL);
  g_assert_true (g_str_has_prefix (test_response_string (response, "error.message"), start));
}

static void
test_german (void)
{
  g_autoptr(TestResponse) german = bad_json_in ("de-AT, de;q=0.9, en;q=0.8");
  g_autoptr(TestResponse) english = bad_json_in (NULL);

  assert_message_starts (german, NOT_JSON_DE);
  assert_message_starts (english, NOT_JSON_EN);
  /* Only the words change: the code and field a client acts on do not. */
  g_assert_cmpstr (test_response_error (german), ==, test_response_error (english));
}

static void
test_negotiation (void)
{
  struct { const char *header; const char *start; } cases[] = {
    /* The first language the server has wins, whatever comes after. */
    { "fr-FR, fr;q=0.9, de;q=0.5", NOT_JSON_DE },
    { "de;q=0.2, en;q=0.9", NOT_JSON_EN },
    { "fr", NOT_JSON_EN },
    /* q=0 means "not this one". */
    { "de;q=0", NOT_JSON_EN },
    { "DE-ch", NOT_JSON_DE },
    /* Nonsense is no language: English. */
    { ";;;,,,=q", NOT_JSON_EN },
    { "*", NOT_JSON_EN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = bad_json_in (cases[i].header);

      g_test_message ("Accept-Language: %s", cases[i].header);
      assert_message_starts (response, cases[i].start);
    }
}

static TestResponse *
authorize_in (const char *languages,
              const char *token,
              const char *id)
{
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-convert\", "
                                           "\"inputs\": {\"images\": 40}}", id);

  g_object_set (session, "accept-language", languages, NULL);
  return test_request_on (server, session, "POST", "/v1/runs", token, body);
}

/* A refusal is decided after the group commit, away from the request's
 * handler: it is still in the client's language, with plural forms. */
static void
test_refusal (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "sprache@example.com", account);
  g_autofree char *first = g_uuid_string_random ();
  g_autofree char *second = g_uuid_string_random ();
  g_autoptr(TestResponse) limits = NULL, german = NULL, english = NULL;

  test_grant (server, admin, account, 5);
  german = authorize_in ("de", token, first);
  test_assert_error (german, 402, "insufficient_credits", NULL);
  g_assert_cmpstr (test_response_string (german, "error.message"), ==,
                   "Diese Ausführung kann 11 Credits kosten, verfügbar sind 5");

  test_grant (server, admin, account, 100);
  limits = test_request (server, "PUT", "/v1/me/limits", token, "{\"daily\": 1}");
  g_assert_cmpuint (limits->status, ==, 200);
  english = authorize_in ("en", token, second);
  test_assert_error (english, 403, "limit_exceeded", NULL);
  g_assert_cmpstr (test_response_string (english, "error.message"), ==,
                   "This run may cost 11 credits, which goes over the daily cap of 1 credits "
                   "(0 spent today)");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/languages/german", test_german);
  g_test_add_func ("/languages/negotiation", test_negotiation);
  g_test_add_func ("/languages/refusal", test_refusal);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
