/* test-audit.c: the audit log — what is recorded, who may read it, and that
 * tampering shows
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-audit.h"
#include "tally-test-rig.h"
#include "tally-test-server.h"

#define WRONG_PASSWORD "not the right password at all"

static TestResponse *
audit_get (TestServer *server,
           const char *token,
           const char *query)
{
  g_autofree char *path = g_strconcat ("/v1/admin/audit", query, NULL);
  TestResponse *response = test_request (server, "GET", path, token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

static JsonArray *
items_of (TestResponse *response)
{
  return json_node_get_array (test_response_member (response, "items"));
}

/* A refused sign-in is recorded by a write of its own, after the answer:
 * waits until @query finds at least @n records. */
static TestResponse *
audit_wait (TestServer *server,
            const char *token,
            const char *query,
            guint       n)
{
  TestResponse *response = NULL;

  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&response, test_response_free);
      response = audit_get (server, token, query);
      if (json_array_get_length (items_of (response)) >= n)
        break;
      g_usleep (20 * 1000);
    }

  return response;
}

static void
assert_record (JsonArray  *items,
               const char *action,
               const char *actor,
               const char *outcome)
{
  JsonObject *item = test_audit_find (items, action);

  if (item == NULL)
    g_error ("No audit record “%s”", action);
  if (actor != NULL)
    g_assert_cmpstr (json_object_get_string_member (item, "actor"), ==, actor);
  g_assert_cmpstr (json_object_get_string_member (item, "outcome"), ==, outcome);
  g_assert_true (json_object_has_member (item, "id"));
  g_assert_true (json_object_has_member (item, "seq"));
  g_assert_true (json_object_has_member (item, "time"));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (item, "details")));
}

static char *
user_id_of (TestServer *server,
            const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return g_strdup (test_response_string (me, "user.id"));
}

static TestResponse *
post (TestServer *server,
      const char *path,
      const char *token,
      const char *body)
{
  return test_request (server, "POST", path, token, body);
}

static char *
run_body (const char *id,
          guint       images)
{
  return g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                          "\"inputs\": {\"images\": %u}}", id, images);
}

/* Does one of everything the audit log records. Returns the tokens given
 * out, which must never appear in it. */
static GPtrArray *
do_everything (TestServer *server,
               const char *admin,
               const char *member,
               const char *account_id)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *run = g_uuid_string_random ();
  g_autofree char *big = g_uuid_string_random ();
  g_autofree char *capped = g_uuid_string_random ();
  g_autofree char *op = g_uuid_string_random ();
  g_autofree char *body = run_body (run, 2);
  g_autofree char *big_body = run_body (big, 1000);
  g_autofree char *capped_body = run_body (capped, 10);
  g_autofree char *complete = g_strdup_printf ("/v1/runs/%s/complete", run);
  g_autofree char *limits = g_strdup_printf ("/v1/admin/accounts/%s/limits", account_id);
  g_autofree char *sync = NULL;
  TestResponse *r;

  r = post (server, "/v1/auth/login", NULL,
            "{\"email\": \"member@example.com\", \"password\": \"" WRONG_PASSWORD "\"}");
  g_assert_cmpuint (r->status, ==, 401);
  test_response_free (r);
  r = post (server, "/v1/auth/login", NULL,
            "{\"email\": \"member@example.com\", \"password\": \"" TEST_PASSWORD "\", "
            "\"device\": \"laptop\"}");
  g_assert_cmpuint (r->status, ==, 200);
  g_ptr_array_add (tokens, g_strdup (test_response_string (r, "token")));
  test_response_free (r);
  r = post (server, "/v1/auth/logout", g_ptr_array_index (tokens, 0), NULL);
  g_assert_cmpuint (r->status, ==, 204);
  test_response_free (r);

  test_grant (server, admin, account_id, 100);
  r = post (server, "/v1/runs", member, body);
  g_assert_cmpuint (r->status, ==, 201);
  test_response_free (r);
  r = post (server, complete, member, "{\"outcome\": \"succeeded\", \"units\": 2}");
  g_assert_cmpuint (r->status, ==, 200);
  test_response_free (r);
  r = post (server, "/v1/runs", member, big_body);
  g_assert_cmpuint (r->status, ==, 402);
  test_response_free (r);

  r = test_request (server, "PUT", limits, admin, "{\"monthly\": 100000}");
  g_assert_cmpuint (r->status, ==, 200);
  test_response_free (r);
  r = test_request (server, "PUT", "/v1/me/limits", member, "{\"per_run\": 1}");
  g_assert_cmpuint (r->status, ==, 200);
  test_response_free (r);
  r = post (server, "/v1/runs", member, capped_body);
  g_assert_cmpuint (r->status, ==, 403);
  test_response_free (r);
  r = test_request (server, "PUT", "/v1/me/limits", member, "{\"per_run\": null}");
  test_response_free (r);

  sync = g_strdup_printf ("{\"device\": \"phone\", \"cursor\": 0, \"ops\": [{\"id\": \"%s\", "
                          "\"type\": \"run\", \"tool\": \"image-resize\", \"units\": 1, "
                          "\"outcome\": \"failed\", \"cost\": 0, "
                          "\"created_at\": \"2026-03-01T10:00:00.000Z\"}]}", op);
  r = post (server, "/v1/sync", member, sync);
  g_assert_cmpuint (r->status, ==, 200);
  test_response_free (r);
  return tokens;
}

static void
test_points (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autofree char *member_id = user_id_of (server, member);
  g_autofree char *admin_id = user_id_of (server, admin);
  g_autoptr(GPtrArray) tokens = do_everything (server, admin, member, account_id);
  g_autoptr(TestResponse) page = NULL;
  g_autoptr(TestResponse) throttled = NULL;
  JsonArray *items;
  JsonObject *refused;

  page = audit_get (server, admin, "?limit=500");
  items = items_of (page);
  assert_record (items, "auth.register", member_id, "ok");
  assert_record (items, "auth.login", member_id, "ok");
  assert_record (items, "auth.login_failed", member_id, "refused");
  assert_record (items, "auth.logout", member_id, "ok");
  assert_record (items, "admin.grant", admin_id, "ok");
  assert_record (items, "run.authorized", member_id, "ok");
  assert_record (items, "run.succeeded", member_id, "ok");
  assert_record (items, "limits.changed", member_id, "ok");
  assert_record (items, "sync.applied", member_id, "ok");
  g_assert_cmpstr (json_object_get_string_member (test_audit_find (items, "auth.login_failed"),
                                                  "target"), ==, "member@example.com");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     test_audit_find (items, "auth.login_failed"), "details"), "reason"), ==,
                   "bad_credentials");

  /* The newest refusal is the 403, with the limit that was hit. */
  refused = test_audit_find (items, "run.refused");
  g_assert_nonnull (refused);
  g_assert_cmpstr (json_object_get_string_member (refused, "outcome"), ==, "refused");
  {
    JsonObject *details = json_object_get_object_member (refused, "details");
    JsonObject *error = json_object_get_object_member (details, "error");

    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "limit_exceeded");
    g_assert_cmpstr (json_object_get_string_member (error, "limit"), ==, "per_run");
  }

  /* An unknown address is signed in as nobody. */
  {
    g_autoptr(TestResponse) r = post (server, "/v1/auth/login", NULL,
                                      "{\"email\": \"nobody@example.com\", "
                                      "\"password\": \"" WRONG_PASSWORD "\"}");
    g_autoptr(TestResponse) nobody = audit_wait (server, admin,
                                                 "?action=auth.login_failed&q=nobody%40example",
                                                 1);

    g_assert_cmpuint (json_array_get_length (items_of (nobody)), ==, 1);
    assert_record (items_of (nobody), "auth.login_failed", "anonymous", "refused");
  }
}

/* Too many failed sign-ins: the refusals are recorded as throttled. */
static void
test_throttled (void)
{
  const char *args[] = { "--login-attempts=1", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autoptr(TestResponse) page = NULL;
  JsonObject *item;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) r = post (server, "/v1/auth/login", NULL,
                                        "{\"email\": \"x@example.com\", "
                                        "\"password\": \"" WRONG_PASSWORD "\"}");
    }

  page = audit_wait (server, admin, "?action=auth.login_failed", 3);
  g_assert_cmpuint (json_array_get_length (items_of (page)), ==, 3);
  item = json_array_get_object_element (items_of (page), 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "details"),
                                                  "reason"), ==, "throttled");
}

/* Nothing secret ever reaches the log: not a password, not a token. */
static void
test_no_secrets (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autoptr(GPtrArray) tokens = do_everything (server, admin, member, account_id);
  g_autoptr(TestResponse) export = test_request (server, "GET", "/v1/admin/audit/export", admin,
                                                 NULL);

  g_assert_cmpuint (export->status, ==, 200);
  g_assert_nonnull (strstr (export->body, "auth.login"));
  g_assert_null (strstr (export->body, TEST_PASSWORD));
  g_assert_null (strstr (export->body, WRONG_PASSWORD));
  g_assert_null (strstr (export->body, admin));
  g_assert_null (strstr (export->body, member));
  for (guint i = 0; i < tokens->len; i++)
    g_assert_null (strstr (export->body, g_ptr_array_index (tokens, i)));
}

/* --- filters and pages --- */

static void
assert_all (TestResponse *page,
            const char   *member,
            const char   *value)
{
  JsonArray *items = items_of (page);

  g_assert_cmpuint (json_array_get_length (items), >, 0);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_has_suffix (value, "."))
        g_assert_true (g_str_has_prefix (json_object_get_string_member (item, member), value));
      else
        g_assert_cmpstr (json_object_get_string_member (item, member), ==, value);
    }
}

static void
test_filters (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autofree char *other = test_user_new (server, "50%_off@example.com", NULL);
  g_autofree char *member_id = user_id_of (server, member);
  g_autoptr(GPtrArray) tokens = do_everything (server, admin, member, account_id);
  g_autofree char *by_actor = g_strdup_printf ("?actor=%s", member_id);
  TestResponse *r;

  r = audit_get (server, admin, by_actor);
  assert_all (r, "actor", member_id);
  test_response_free (r);
  r = audit_get (server, admin, "?action=run.authorized");
  assert_all (r, "action", "run.authorized");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 1);
  test_response_free (r);
  r = audit_get (server, admin, "?action=run.");
  assert_all (r, "action", "run.");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 4);
  test_response_free (r);
  /* "run" alone is an action, not a prefix. */
  r = audit_get (server, admin, "?action=run");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 0);
  test_response_free (r);

  /* Literal search: % and _ match only themselves. */
  r = audit_get (server, admin, "?q=50%25_off");
  assert_all (r, "action", "auth.");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 2);
  test_response_free (r);
  r = audit_get (server, admin, "?q=5%25%25_");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 0);
  test_response_free (r);
  r = audit_get (server, admin, "?q=limit_exceeded");
  assert_all (r, "action", "run.refused");
  test_response_free (r);

  r = audit_get (server, admin, "?until=2000-01-01");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 0);
  test_response_free (r);
  r = audit_get (server, admin, "?since=2000-01-01T00:00:00Z&action=auth.register");
  g_assert_cmpuint (json_array_get_length (items_of (r)), ==, 2);
  test_response_free (r);

  r = audit_get (server, admin, "?outcome=refused");
  assert_all (r, "outcome", "refused");
  test_response_free (r);
  r = audit_get (server, admin, "?outcome=ok&action=run.");
  assert_all (r, "outcome", "ok");
  assert_all (r, "action", "run.");
  test_response_free (r);
  r = test_request (server, "GET", "/v1/admin/audit?outcome=done", admin, NULL);
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_cmpstr (test_response_string (r, "error.field"), ==, "outcome");
  test_response_free (r);

  r = test_request (server, "GET", "/v1/admin/audit?since=yesterday", admin, NULL);
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_cmpstr (test_response_string (r, "error.field"), ==, "since");
  test_response_free (r);
  r = test_request (server, "GET", "/v1/admin/audit?limit=0", admin, NULL);
  g_assert_cmpuint (r->status, ==, 400);
  test_response_free (r);
}

static void
test_paging (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autoptr(GPtrArray) tokens = do_everything (server, admin, member, account_id);
  g_autoptr(TestResponse) all = audit_get (server, admin, "?limit=1000");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint n_all = json_array_get_length (items_of (all));
  gint64 last_seq = G_MAXINT64;
  guint pages = 0;

  g_assert_cmpuint (n_all, >, 6);
  g_assert_null (json_node_get_string (test_response_member (all, "next_cursor")));

  do
    {
      g_autofree char *query = cursor ? g_strdup_printf ("?limit=3&cursor=%s", cursor)
                                      : g_strdup ("?limit=3");
      g_autoptr(TestResponse) page = audit_get (server, admin, query);
      JsonArray *items = items_of (page);
      const char *next = json_node_get_string (test_response_member (page, "next_cursor"));

      g_assert_cmpuint (json_array_get_length (items), <=, 3);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          gint64 seq = json_object_get_int_member (item, "seq");

          /* Newest first, each once. */
          g_assert_cmpint (seq, <, last_seq);
          last_seq = seq;
          g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (item,
                                                                                          "id"))));
        }
      g_free (cursor);
      cursor = g_strdup (next);
      if (cursor != NULL)
        {
          for (const char *c = cursor; *c; c++)
            g_assert_true (g_ascii_isalnum (*c) || *c == '-' || *c == '_');
        }
      pages++;
    }
  while (cursor != NULL);

  g_assert_cmpuint (g_hash_table_size (seen), ==, n_all);
  g_assert_cmpuint (pages, ==, (n_all + 2) / 3);

  /* An edited cursor is refused, not read as some other page. */
  {
    g_autoptr(TestResponse) first = audit_get (server, admin, "?limit=2");
    g_autofree char *edited = g_strdup (test_response_string (first, "next_cursor"));
    const char *bad[] = { NULL, "AAAAAAAAAAAAAAAA", "short", "!!!!!!!!!!!!!!!!" };

    edited[3] = edited[3] == 'A' ? 'B' : 'A';
    bad[0] = edited;
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strdup_printf ("/v1/admin/audit?cursor=%s", bad[i]);
        g_autoptr(TestResponse) r = test_request (server, "GET", path, admin, NULL);

        g_assert_cmpuint (r->status, ==, 400);
        g_assert_cmpstr (test_response_error (r), ==, "invalid_field");
        g_assert_cmpstr (test_response_string (r, "error.field"), ==, "cursor");
      }
  }

  /* Larger than 500 is 500. */
  {
    g_autoptr(TestResponse) r = audit_get (server, admin, "?limit=100000");

    g_assert_cmpuint (json_array_get_length (items_of (r)), ==, n_all);
  }
}

/* --- export and verify --- */

static guint8 *
hex_decode (const char *hex,
            gsize      *length)
{
  gsize n = strlen (hex) / 2;
  guint8 *bytes = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    bytes[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) * 16 +
                         g_ascii_xdigit_value (hex[2 * i + 1]));
  if (length != NULL)
    *length = n;
  return bytes;
}

/* Format 2: the digests are what the chain hashes; each field whose key is
 * still there must match its digest. */
static void
read_sealed (JsonObject       *object,
             TallyAuditRecord *record)
{
  JsonArray *keys, *digests;

  record->format = json_object_get_int_member (object, "format");
  if (record->format < 2)
    return;

  keys = json_object_get_array_member (object, "field_keys");
  digests = json_object_get_array_member (object, "field_digests");
  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    {
      g_autofree guint8 *key = hex_decode (json_array_get_string_element (keys, i), NULL);
      g_autofree guint8 *digest = hex_decode (json_array_get_string_element (digests, i), NULL);
      guint8 computed[TALLY_AUDIT_HASH_LEN];

      memcpy (record->field_keys[i], key, TALLY_AUDIT_HASH_LEN);
      memcpy (record->field_digests[i], digest, TALLY_AUDIT_HASH_LEN);
      tally_audit_field_digest (key, tally_audit_sealed_text (record, i), computed);
      g_assert_cmpmem (computed, TALLY_AUDIT_HASH_LEN, digest, TALLY_AUDIT_HASH_LEN);
    }
}

/* What a reader does with the export alone: each line's hash, recomputed
 * from its own fields, and the link to the line before. */
static void
check_exported_chain (const char *text,
                      guint       expected_lines)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prev = NULL;
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *prev_hash = NULL;
      g_autofree guint8 *hash = NULL;
      TallyAuditRecord record = { 0 };
      guint8 computed[TALLY_AUDIT_HASH_LEN];
      JsonObject *object;
      gsize length;

      if (lines[i][0] == '\0')
        {
          g_assert_null (lines[i + 1]);
          break;
        }

      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      object = json_node_get_object (node);
      if (prev != NULL)
        g_assert_cmpstr (json_object_get_string_member (object, "prev_hash"), ==, prev);

      record.seq = json_object_get_int_member (object, "seq");
      g_strlcpy (record.id, json_object_get_string_member (object, "id"), sizeof record.id);
      record.time = json_object_get_int_member (object, "time_us");
      record.actor = (char *) json_object_get_string_member (object, "actor");
      record.actor_email = (char *) json_object_get_string_member (object, "actor_email");
      record.action = (char *) json_object_get_string_member (object, "action");
      record.target = (char *) json_object_get_string_member (object, "target");
      record.outcome = (char *) json_object_get_string_member (object, "outcome");
      record.details = (char *) json_object_get_string_member (object, "details_text");
      prev_hash = hex_decode (json_object_get_string_member (object, "prev_hash"), &length);
      g_assert_cmpuint (length, ==, TALLY_AUDIT_HASH_LEN);
      memcpy (record.prev_hash, prev_hash, TALLY_AUDIT_HASH_LEN);
      hash = hex_decode (json_object_get_string_member (object, "hash"), &length);
      read_sealed (object, &record);
      tally_audit_record_hash (&record, computed);
      g_assert_cmpmem (computed, TALLY_AUDIT_HASH_LEN, hash, length);

      g_free (prev);
      prev = g_strdup (json_object_get_string_member (object, "hash"));
      n++;
    }

  g_assert_cmpuint (n, ==, expected_lines);
}

static void
assert_verified (TestServer *server,
                 const char *admin)
{
  g_autoptr(TestResponse) verify = test_request (server, "GET", "/v1/admin/audit/verify", admin,
                                                 NULL);

  g_assert_cmpuint (verify->status, ==, 200);
  if (!json_node_get_boolean (test_response_member (verify, "ok")))
    g_error ("The audit chain is broken: %s", verify->body);
  g_assert_cmpint (test_response_int (verify, "records"), >, 0);
}

static void
test_export_and_verify (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autoptr(GPtrArray) tokens = do_everything (server, admin, member, account_id);
  g_autoptr(TestResponse) export = NULL;
  g_autoptr(TestResponse) verify = NULL;
  g_autoptr(TestResponse) all = audit_get (server, admin, "?limit=500");
  guint n = json_array_get_length (items_of (all));

  assert_verified (server, admin);
  export = test_request (server, "GET", "/v1/admin/audit/export", admin, NULL);
  g_assert_cmpuint (export->status, ==, 200);
  check_exported_chain (export->body, n);

  /* One record changed behind the server's back. */
  test_server_stop (server, FALSE);
  test_server_exec (server, "UPDATE audit SET target = 'tampered' WHERE seq = 4");
  test_server_restart (server);

  verify = test_request (server, "GET", "/v1/admin/audit/verify", admin, NULL);
  g_assert_cmpuint (verify->status, ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (verify, "ok")));
  g_assert_cmpint (test_response_int (verify, "broken_at"), ==, 4);
  g_assert_nonnull (strstr (test_response_string (verify, "message"), "changed"));
}

static void
test_removed_record (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *member = test_user_new (server, "member@example.com", NULL);
  g_autoptr(TestResponse) verify = NULL;

  test_server_stop (server, FALSE);
  test_server_exec (server, "DELETE FROM audit WHERE seq = 2");
  test_server_restart (server);

  verify = test_request (server, "GET", "/v1/admin/audit/verify", admin, NULL);
  g_assert_false (json_node_get_boolean (test_response_member (verify, "ok")));
  g_assert_cmpint (test_response_int (verify, "broken_at"), ==, 3);
}

static void
test_access (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *member = test_user_new (server, "member@example.com", NULL);
  const char *paths[] = { "/v1/admin/audit", "/v1/admin/audit/export", "/v1/admin/audit/verify" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(TestResponse) anonymous = test_request (server, "GET", paths[i], NULL, NULL);
      g_autoptr(TestResponse) as_member = test_request (server, "GET", paths[i], member, NULL);

      g_assert_cmpuint (anonymous->status, ==, 401);
      g_assert_cmpstr (test_response_error (anonymous), ==, "unauthorized");
      g_assert_cmpuint (as_member->status, ==, 403);
      g_assert_cmpstr (test_response_error (as_member), ==, "forbidden");
    }
}

/* A hold nobody completes is recorded once when the sweep releases it,
 * and not again by the sweeps after a restart. */
static guint
count_expired (TestServer *server,
               const char *admin)
{
  g_autoptr(TestResponse) page = audit_get (server, admin, "?action=run.expired");

  return json_array_get_length (items_of (page));
}

static void
test_expired (void)
{
  const char *args[] = { "--hold-timeout=1", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autofree char *run = g_uuid_string_random ();
  g_autofree char *body = run_body (run, 4);
  g_autoptr(TestResponse) authorized = NULL;
  g_autoptr(TestResponse) page = NULL;
  JsonObject *item;

  test_grant (server, admin, account_id, 100);
  authorized = post (server, "/v1/runs", member, body);
  g_assert_cmpuint (authorized->status, ==, 201);

  /* The sweep runs every 5 seconds. */
  for (guint i = 0; i < 150 && count_expired (server, admin) == 0; i++)
    g_usleep (100 * 1000);

  page = audit_get (server, admin, "?action=run.expired");
  g_assert_cmpuint (json_array_get_length (items_of (page)), ==, 1);
  item = json_array_get_object_element (items_of (page), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "actor"), ==, "system");
  g_assert_cmpstr (json_object_get_string_member (item, "target"), ==, run);
  g_assert_cmpstr (json_object_get_string_member (item, "outcome"), ==, "failed");

  test_server_restart (server);
  g_usleep (6 * G_USEC_PER_SEC);
  g_assert_cmpuint (count_expired (server, admin), ==, 1);
  assert_verified (server, admin);
}

/* --- retention --- */

/* Makes the first @n records @days old and hashes the chain again, as if
 * they had been written then. */
static void
age_records (TestServer *server,
             guint       n,
             gint64      days)
{
  g_autofree char *path = test_server_ledger_path (server);
  g_autofree char *sql = g_strdup_printf ("UPDATE audit SET time = time - %" G_GINT64_FORMAT
                                          " WHERE seq <= %u", days * 86400 * G_USEC_PER_SEC, n);

  test_server_exec (server, sql);
  if (server->store_url != NULL)
    test_rig_rehash_audit_pg (server->store_url);
  else
    test_rig_rehash_audit (path, FALSE);
}

/* The audit.pruned records, newest first, once @n of them are there. */
static TestResponse *
wait_for_pruned (TestServer *server,
                 const char *admin,
                 guint       n)
{
  TestResponse *pruned = NULL;

  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&pruned, test_response_free);
      pruned = audit_get (server, admin, "?action=audit.pruned");
      if (json_array_get_length (items_of (pruned)) >= n)
        break;
      g_usleep (50 * 1000);
    }
  return pruned;
}

/* A long backlog goes a batch a write, oldest first, each batch on record
 * and the chain whole after each. */
static void
test_retention_batches (void)
{
  const char *args[] = { "--audit-retention-days=1", "--audit-prune-batch=2", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *one = test_user_new (server, "one@example.com", NULL);
  g_autofree char *two = test_user_new (server, "two@example.com", NULL);
  g_autoptr(TestResponse) pruned = NULL;
  g_autoptr(TestResponse) oldest = NULL;
  static const gint64 through[] = { 5, 4, 2 };
  JsonArray *items;

  test_server_stop (server, FALSE);
  age_records (server, 5, 3);
  test_server_restart (server);

  pruned = wait_for_pruned (server, admin, 3);
  items = items_of (pruned);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (through); i++)
    {
      JsonObject *details = json_object_get_object_member (json_array_get_object_element (items,
                                                                                           i),
                                                           "details");

      g_assert_cmpint (json_object_get_int_member (details, "through_seq"), ==, through[i]);
      g_assert_cmpint (json_object_get_int_member (details, "from_seq"), ==,
                       i == 2 ? 1 : through[i + 1] + 1);
    }

  oldest = audit_get (server, admin, "?limit=500");
  items = items_of (oldest);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                     items, json_array_get_length (items) - 1), "seq"), ==, 6);
  assert_verified (server, admin);
}

static void
test_retention (void)
{
  const char *args[] = { "--audit-retention-days=1", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *one = test_user_new (server, "one@example.com", NULL);
  g_autofree char *two = test_user_new (server, "two@example.com", NULL);
  g_autoptr(TestResponse) pruned = NULL;
  g_autoptr(TestResponse) oldest = NULL;
  JsonObject *details;

  test_server_stop (server, FALSE);
  age_records (server, 2, 3);
  test_server_restart (server);
  assert_verified (server, admin);

  /* The sweep runs at start, in the writer: wait for its record. */
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&pruned, test_response_free);
      pruned = audit_get (server, admin, "?action=audit.pruned");
      if (json_array_get_length (items_of (pruned)) > 0)
        break;
      g_usleep (50 * 1000);
    }

  g_assert_cmpuint (json_array_get_length (items_of (pruned)), ==, 1);
  details = json_object_get_object_member (json_array_get_object_element (items_of (pruned), 0),
                                           "details");
  g_assert_cmpint (json_object_get_int_member (details, "through_seq"), ==, 2);
  oldest = audit_get (server, admin, "?limit=500");
  {
    JsonArray *items = items_of (oldest);
    JsonObject *last = json_array_get_object_element (items, json_array_get_length (items) - 1);

    g_assert_cmpint (json_object_get_int_member (last, "seq"), ==, 3);
  }
  assert_verified (server, admin);

  /* And again after a restart, from the anchor. */
  test_server_restart (server);
  assert_verified (server, admin);
}

/* Records the test made, for a backlog: @n copies of the first one after
 * the last, each with an id of its own (the chain is hashed again by
 * age_records()). */
static gint64
add_backlog (TestServer *server,
             guint       n)
{
  g_autofree char *sql = g_strdup_printf (
    "WITH RECURSIVE k (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %u) "
    "INSERT INTO audit (seq, id, time, actor, actor_email, action, target, outcome, details, "
    "  prev_hash, hash, format, field_keys, field_digests) "
    "SELECT (SELECT max (seq) FROM audit) + i, "
    "  '00000000-0000-4000-8000-' || (100000000000 + i), "
    "  a.time, a.actor, a.actor_email, a.action, a.target, a.outcome, a.details, a.prev_hash, "
    "  a.hash, a.format, a.field_keys, a.field_digests "
    "FROM k, audit a WHERE a.seq = 1", n);
  test_server_exec (server, sql);
  return test_server_count (server, "SELECT max (seq) FROM audit");
}

/* Records older than a day, read beside the server. */
static gint64
count_old_records (TestServer *server)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM audit WHERE time < %"
                                          G_GINT64_FORMAT,
                                          g_get_real_time () - (gint64) 86400 * G_USEC_PER_SEC);

  return test_server_count (server, sql);
}

/* A health check, a grant and a run (authorized, then completed), each
 * answered; the longest wait goes into *@longest. */
static void
probe (TestServer *server,
       const char *admin,
       const char *member,
       const char *account_id,
       gint64     *longest)
{
  g_autofree char *run = g_uuid_string_random ();
  g_autofree char *body = run_body (run, 1);
  g_autofree char *complete = g_strdup_printf ("/v1/runs/%s/complete", run);
  g_autoptr(TestResponse) health = NULL;
  g_autoptr(TestResponse) authorized = NULL;
  g_autoptr(TestResponse) completed = NULL;
  gint64 start = g_get_monotonic_time ();

  health = test_request (server, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
  *longest = MAX (*longest, g_get_monotonic_time () - start);
  start = g_get_monotonic_time ();
  test_grant (server, admin, account_id, 100);
  *longest = MAX (*longest, g_get_monotonic_time () - start);
  start = g_get_monotonic_time ();
  authorized = post (server, "/v1/runs", member, body);
  g_assert_cmpuint (authorized->status, ==, 201);
  *longest = MAX (*longest, g_get_monotonic_time () - start);
  start = g_get_monotonic_time ();
  completed = post (server, complete, member, "{\"outcome\": \"succeeded\", \"units\": 1}");
  g_assert_cmpuint (completed->status, ==, 200);
  *longest = MAX (*longest, g_get_monotonic_time () - start);
}

/* A long backlog is deleted on a worker thread, a short transaction a
 * batch: health checks, grants and runs are answered while it runs, every batch
 * is on record, in order and without a gap, and the chain verifies. */
static void
test_retention_responsive (void)
{
  const char *args[] = { "--audit-retention-days=1", "--audit-prune-batch=100", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account_id[37];
  g_autofree char *member = test_user_new (server, "member@example.com", account_id);
  g_autoptr(TestResponse) pruned = NULL;
  g_autoptr(TestResponse) grants = NULL;
  g_autoptr(TestResponse) runs = NULL;
  gint64 last, longest = 0, next_from = 1;
  guint n_during = 0, n_probes = 0;
  JsonArray *items;

  test_server_stop (server, FALSE);
  last = add_backlog (server, 20000);
  age_records (server, last, 3);
  test_server_restart (server);

  /* Until nothing old is left: each probe answered while some still was
   * went between the sweep's transactions. */
  while (count_old_records (server) > 0)
    {
      /* Within one page of the records each probe leaves. */
      if (n_probes == 400)
        {
          g_usleep (10 * 1000);
          continue;
        }
      probe (server, admin, member, account_id, &longest);
      n_probes++;
      if (count_old_records (server) > 0)
        n_during++;
    }
  g_test_message ("%u probes, %u during the sweep; longest answer %" G_GINT64_FORMAT " ms",
                  n_probes, n_during, longest / 1000);
  g_assert_cmpuint (n_during, >, 0);

  pruned = audit_wait (server, admin, "?action=audit.pruned&limit=500", (last + 99) / 100);
  items = items_of (pruned);
  g_assert_cmpuint (json_array_get_length (items), ==, (last + 99) / 100);
  for (guint i = json_array_get_length (items); i-- > 0;)
    {
      JsonObject *details = json_object_get_object_member (json_array_get_object_element (items,
                                                                                           i),
                                                           "details");

      g_assert_cmpint (json_object_get_int_member (details, "from_seq"), ==, next_from);
      next_from = json_object_get_int_member (details, "through_seq") + 1;
    }
  g_assert_cmpint (next_from, ==, last + 1);

  /* Every grant and run made meanwhile is on record too. */
  grants = audit_get (server, admin, "?action=admin.grant&limit=500");
  g_assert_cmpuint (json_array_get_length (items_of (grants)), ==, n_probes);
  runs = audit_get (server, admin, "?action=run.succeeded&limit=500");
  g_assert_cmpuint (json_array_get_length (items_of (runs)), ==, n_probes);
  assert_verified (server, admin);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audit/points", test_points);
  g_test_add_func ("/audit/throttled", test_throttled);
  g_test_add_func ("/audit/no-secrets", test_no_secrets);
  g_test_add_func ("/audit/filters", test_filters);
  g_test_add_func ("/audit/paging", test_paging);
  g_test_add_func ("/audit/export-and-verify", test_export_and_verify);
  g_test_add_func ("/audit/removed-record", test_removed_record);
  g_test_add_func ("/audit/access", test_access);
  g_test_add_func ("/audit/expired", test_expired);
  g_test_add_func ("/audit/retention", test_retention);
  g_test_add_func ("/audit/retention-batches", test_retention_batches);
  g_test_add_func ("/audit/retention-responsive", test_retention_responsive);

  return g_test_run ();
}
