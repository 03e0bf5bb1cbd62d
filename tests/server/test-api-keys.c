/* test-api-keys.c: API keys — made, listed, used, limited and revoked
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

#define KEYS "/v1/me/api-keys"
#define READ_KEY "{\"name\": \"Reports\", \"scopes\": [\"read\"]}"
#define RUN_KEY "{\"name\": \"CI\", \"scopes\": [\"read\", \"run\"]}"

static char *
funded_user (const char *email,
             char        account_id[37])
{
  char *token = test_user_new (server, email, account_id);

  test_grant (server, admin, account_id, 1000);
  return token;
}

/* Makes a key as @token; returns the key, with its id in @id. */
static char *
new_key (TestServer *on,
         const char *token,
         const char *body,
         char        id[37])
{
  g_autoptr(TestResponse) response = test_request (on, "POST", KEYS, token, body);

  g_assert_cmpuint (response->status, ==, 201);
  if (id != NULL)
    g_strlcpy (id, test_response_string (response, "id"), 37);
  return g_strdup (test_response_string (response, "key"));
}

static TestResponse *
run_with (const char *token)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                           "\"inputs\": {\"text\": \"x\"}}", id);

  return test_request (server, "POST", "/v1/runs", token, body);
}

static void
test_create_and_list (void)
{
  g_autofree char *token = test_user_new (server, "keys-list@example.com", NULL);
  g_autoptr(TestResponse) created = test_request (server, "POST", KEYS, token,
                                                  "{\"name\": \"Nightly\", \"scopes\": "
                                                  "[\"read\", \"run\"], \"rate_limit\": 120}");
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) me = NULL;
  const char *key = test_response_string (created, "key");
  JsonArray *items;

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_str_has_prefix (key, "tly_"));
  g_assert_cmpuint (strlen (key), ==, 4 + 43);
  g_assert_cmpstr (test_response_string (created, "name"), ==, "Nightly");
  g_assert_cmpstr (test_response_string (created, "scopes.1"), ==, "run");
  g_assert_nonnull (test_response_string (created, "created_at"));

  list = test_request (server, "GET", KEYS, token, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  items = json_object_get_array_member (json_node_get_object (list->json), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==,
                   test_response_string (created, "id"));
  g_assert_cmpuint (strlen (test_response_string (list, "items.0.prefix")), ==, 8);
  g_assert_true (g_str_has_prefix (key, test_response_string (list, "items.0.prefix")));
  g_assert_cmpint (test_response_int (list, "items.0.rate_limit"), ==, 120);
  g_assert_cmpstr (test_response_string (list, "items.0.scopes.0"), ==, "read");
  g_assert_nonnull (test_response_member (list, "items.0.last_used_at"));
  g_assert_null (test_response_string (list, "items.0.last_used_at"));
  g_assert_null (test_response_member (list, "items.0.key"));
  /* Not the key, nor the part of it after the prefix. */
  g_assert_null (strstr (list->body, key));
  g_assert_null (strstr (list->body, key + 8));

  /* The key signs in as its user, and its use is noted. */
  me = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (test_response_string (me, "user.email"), ==, "keys-list@example.com");
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&list, test_response_free);
      list = test_request (server, "GET", KEYS, token, NULL);
      if (test_response_string (list, "items.0.last_used_at") != NULL)
        break;
      g_usleep (20 * 1000);
    }
  g_assert_nonnull (test_response_string (list, "items.0.last_used_at"));
  g_assert_null (strstr (list->body, key));
}

static void
test_scopes (void)
{
  char account_id[37];
  g_autofree char *token = funded_user ("keys-scopes@example.com", account_id);
  g_autofree char *reader = new_key (server, token, READ_KEY, NULL);
  char runner_id[37];
  g_autofree char *runner = new_key (server, token, RUN_KEY, runner_id);
  g_autoptr(TestResponse) refused = run_with (reader);
  g_autoptr(TestResponse) transactions = NULL;
  g_autoptr(TestResponse) estimate = NULL;
  g_autoptr(TestResponse) ran = NULL;
  g_autoptr(TestResponse) completed = NULL;
  g_autoptr(TestResponse) read_complete = NULL;
  g_autoptr(TestResponse) made = NULL;
  g_autoptr(TestResponse) limits = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) usage = NULL;
  g_autoptr(TestResponse) session_run = NULL;
  g_autofree char *complete_path = NULL;

  /* A read key may not spend, and nothing was held. */
  test_assert_error (refused, 403, "forbidden", NULL);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.available"), ==, 1000);

  transactions = test_request (server, "GET", "/v1/transactions", reader, NULL);
  g_assert_cmpuint (transactions->status, ==, 200);
  estimate = test_request (server, "POST", "/v1/estimate", reader,
                           "{\"tool\": \"qr-code\", \"inputs\": {\"text\": \"x\"}}");
  g_assert_cmpuint (estimate->status, ==, 200);

  /* A run key runs and completes. */
  ran = run_with (runner);
  g_assert_cmpuint (ran->status, ==, 201);
  complete_path = g_strdup_printf ("/v1/runs/%s/complete", test_response_string (ran, "run.id"));
  read_complete = test_request (server, "POST", complete_path, reader,
                                "{\"outcome\": \"succeeded\", \"units\": 1}");
  test_assert_error (read_complete, 403, "forbidden", NULL);
  completed = test_request (server, "POST", complete_path, runner,
                            "{\"outcome\": \"succeeded\", \"units\": 1}");
  g_assert_cmpuint (completed->status, ==, 200);
  g_assert_cmpstr (test_response_string (completed, "run.status"), ==, "succeeded");

  /* The usage tells what each key spent; a run of the session is no
   * key's. */
  session_run = run_with (token);
  g_assert_cmpuint (session_run->status, ==, 201);
  usage = test_request (server, "GET", "/v1/usage", token, NULL);
  g_assert_cmpuint (usage->status, ==, 200);
  g_assert_cmpstr (test_response_string (usage, "by_key.0.key_id"), ==, runner_id);
  g_assert_cmpstr (test_response_string (usage, "by_key.0.name"), ==, "CI");
  g_assert_cmpint (test_response_int (usage, "by_key.0.spent"), ==,
                   test_response_int (completed, "run.charged"));
  g_assert_cmpint (test_response_int (usage, "by_key.0.runs"), ==, 1);
  g_assert_null (test_response_member (usage, "by_key.1"));

  /* No key, whatever its scopes, makes keys or changes settings. */
  made = test_request (server, "POST", KEYS, runner, READ_KEY);
  test_assert_error (made, 403, "forbidden", NULL);
  limits = test_request (server, "PUT", "/v1/me/limits", runner, "{\"monthly\": 5}");
  test_assert_error (limits, 403, "forbidden", NULL);
}

static void
test_revoke (void)
{
  g_autofree char *token = test_user_new (server, "keys-revoke@example.com", NULL);
  g_autofree char *other = test_user_new (server, "keys-revoke-other@example.com", NULL);
  char id[37];
  g_autofree char *key = new_key (server, token, READ_KEY, id);
  g_autofree char *path = g_strdup_printf (KEYS "/%s", id);
  g_autoptr(TestResponse) before = test_request (server, "GET", "/v1/me", key, NULL);
  g_autoptr(TestResponse) by_other = test_request (server, "DELETE", path, other, NULL);
  g_autoptr(TestResponse) by_key = test_request (server, "DELETE", path, key, NULL);
  g_autoptr(TestResponse) revoked = NULL;
  g_autoptr(TestResponse) after = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autoptr(TestResponse) bad = NULL;
  g_autoptr(TestResponse) list = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  test_assert_error (by_other, 404, "not_found", NULL);
  test_assert_error (by_key, 403, "forbidden", NULL);

  revoked = test_request (server, "DELETE", path, token, NULL);
  g_assert_cmpuint (revoked->status, ==, 204);
  /* At once: the very next request. */
  after = test_request (server, "GET", "/v1/me", key, NULL);
  test_assert_error (after, 401, "unauthorized", NULL);

  again = test_request (server, "DELETE", path, token, NULL);
  test_assert_error (again, 404, "not_found", NULL);
  bad = test_request (server, "DELETE", KEYS "/not-a-uuid", token, NULL);
  test_assert_error (bad, 404, "not_found", NULL);
  list = test_request (server, "GET", KEYS, token, NULL);
  g_assert_null (test_response_member (list, "items.0"));

  /* Both are audited, by prefix, never with the key. */
  {
    g_autofree char *audit_path = g_strdup_printf ("/v1/admin/audit?action=api_key.&q=%s", id);
    g_autoptr(TestResponse) audit = test_request (server, "GET", audit_path, admin, NULL);

    g_assert_cmpuint (audit->status, ==, 200);
    g_assert_nonnull (strstr (audit->body, "\"api_key.create\""));
    g_assert_nonnull (strstr (audit->body, "\"api_key.revoke\""));
    g_assert_null (strstr (audit->body, key + 8));
  }
}

static void
test_rate_limit (void)
{
  g_autofree char *token = test_user_new (server, "keys-rate@example.com", NULL);
  g_autofree char *key = new_key (server, token, "{\"name\": \"Slow\", \"scopes\": [\"read\"], "
                                  "\"rate_limit\": 3}", NULL);
  g_autoptr(TestResponse) limited = NULL;
  g_autoptr(TestResponse) session = NULL;
  gint64 retry_after;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "GET", "/v1/me", key, NULL);

      g_assert_cmpuint (response->status, ==, 200);
    }

  limited = test_request (server, "GET", "/v1/me", key, NULL);
  test_assert_error (limited, 429, "rate_limited", NULL);
  g_assert_nonnull (limited->retry_after);
  retry_after = g_ascii_strtoll (limited->retry_after, NULL, 10);
  /* Three a minute: a token every 20 s. */
  g_assert_cmpint (retry_after, >=, 1);
  g_assert_cmpint (retry_after, <=, 20);

  /* The user's own session is not limited by the key. */
  session = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpuint (session->status, ==, 200);
}

static void
assert_refused (const char *token,
                const char *body,
                const char *field)
{
  g_autoptr(TestResponse) response = test_request (server, "POST", KEYS, token, body);

  test_assert_error (response, 400, field != NULL ? "invalid_field" : "invalid_json", field);
}

static void
test_bad_input (void)
{
  g_autofree char *token = test_user_new (server, "keys-bad@example.com", NULL);
  g_autofree char *long_name = g_strnfill (101, 'n');
  g_autofree char *too_long = g_strdup_printf ("{\"name\": \"%s\", \"scopes\": [\"read\"]}",
                                               long_name);
  g_autoptr(TestResponse) list = NULL;

  assert_refused (token, "{\"scopes\": [\"read\"]}", "name");
  assert_refused (token, "{\"name\": \"  \", \"scopes\": [\"read\"]}", "name");
  assert_refused (token, "{\"name\": 7, \"scopes\": [\"read\"]}", "name");
  assert_refused (token, "{\"name\": \"a\\nb\", \"scopes\": [\"read\"]}", "name");
  assert_refused (token, too_long, "name");
  assert_refused (token, "{\"name\": \"x\"}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": \"read\"}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": []}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"write\"]}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"run\"]}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\", \"read\"]}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\", 1]}", "scopes");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"], \"rate_limit\": 0}",
                  "rate_limit");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"], \"rate_limit\": -5}",
                  "rate_limit");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"], \"rate_limit\": 10001}",
                  "rate_limit");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"], "
                  "\"rate_limit\": 99999999999999999999}", "rate_limit");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"], \"rate_limit\": \"9\"}",
                  "rate_limit");
  assert_refused (token, "{\"name\": \"x\", \"scopes\": [\"read\"]", NULL);

  /* Nothing was made. */
  list = test_request (server, "GET", KEYS, token, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_null (test_response_member (list, "items.0"));
}

/* --- the log --- */

static TestServer *
start_logging_to (const char *log_path)
{
  int saved = dup (STDERR_FILENO);
  int log = open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  TestServer *logged;

  g_assert_cmpint (saved, >=, 0);
  g_assert_cmpint (log, >=, 0);
  dup2 (log, STDERR_FILENO);
  close (log);
  logged = test_server_start (NULL);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  return logged;
}

/* Neither the key nor any Authorization header reaches the log, whether
 * the key is accepted, refused for its scope, limited or revoked. */
static void
test_never_logged (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-keys-log-XXXXXX", NULL);
  g_autofree char *log_path = g_build_filename (dir, "server.log", NULL);
  TestServer *logged = start_logging_to (log_path);
  g_autofree char *token = test_user_new (logged, "keys-log@example.com", NULL);
  char id[37];
  g_autofree char *key = new_key (logged, token, "{\"name\": \"Log\", \"scopes\": [\"read\"], "
                                  "\"rate_limit\": 2}", id);
  g_autofree char *path = g_strdup_printf (KEYS "/%s", id);
  g_autofree char *contents = NULL;

  for (guint i = 0; i < 4; i++)
    test_response_free (test_request (logged, "GET", "/v1/me", key, NULL));
  test_response_free (test_request (logged, "POST", "/v1/runs", key, "{}"));
  test_response_free (test_request (logged, "DELETE", path, token, NULL));
  test_response_free (test_request (logged, "GET", "/v1/me", key, NULL));
  test_server_stop (logged, FALSE);
  test_server_free (logged);

  g_assert_true (g_file_get_contents (log_path, &contents, NULL, NULL));
  /* The log is there, with the key's requests in it. */
  g_assert_nonnull (strstr (contents, "\"route\":\"/v1/me\""));
  g_assert_null (strstr (contents, key));
  g_assert_null (strstr (contents, key + 8));
  g_assert_null (strstr (contents, token));
  g_assert_null (g_strstr_len (contents, -1, "Bearer"));
  g_assert_null (g_strstr_len (contents, -1, "Authorization"));
  g_unlink (log_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api-keys/create-and-list", test_create_and_list);
  g_test_add_func ("/api-keys/scopes", test_scopes);
  g_test_add_func ("/api-keys/revoke", test_revoke);
  g_test_add_func ("/api-keys/rate-limit", test_rate_limit);
  g_test_add_func ("/api-keys/bad-input", test_bad_input);
  g_test_add_func ("/api-keys/never-logged", test_never_logged);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "keys-admin@example.com");
  status = g_test_run ();

  g_free (admin);
  test_server_free (server);
  return status;
}
