/* test-privacy.c: admins manage users; export and erasure of one's data
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-audit.h"
#include "tally-test-rig.h"
#include "tally-test-server.h"

#define ERASE_EMAIL "zelda.quux@example.com"
#define ERASE_NAME "Zelda Quuxworth"

/* --- helpers --- */

/* Webhooks may point at this computer, as the tests' do. */
static const char * const private_hooks[] = { "--webhooks-allow-private=true", NULL };

static char *
sign_in (TestServer *server,
         const char *email,
         const char *device)
{
  g_autofree char *body = NULL;
  g_autoptr(TestResponse) login = NULL;

  body = device != NULL ?
         g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" TEST_PASSWORD "\", "
                          "\"device\": \"%s\"}", email, device) :
         g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" TEST_PASSWORD "\"}", email);
  login = test_request (server, "POST", "/v1/auth/login", NULL, body);
  g_assert_cmpuint (login->status, ==, 200);
  return g_strdup (test_response_string (login, "token"));
}

/* Registers @email with @name; the user's id and account's. */
static void
register_named (TestServer *server,
                const char *email,
                const char *name,
                char        user_id[37],
                char        account_id[37])
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"name\": \"%s\", "
                                           "\"password\": \"" TEST_PASSWORD "\"}", email, name);
  g_autoptr(TestResponse) reply = test_request (server, "POST", "/v1/auth/register", NULL, body);

  g_assert_cmpuint (reply->status, ==, 201);
  g_strlcpy (user_id, test_response_string (reply, "user.id"), 37);
  g_strlcpy (account_id, test_response_string (reply, "account.id"), 37);
}

static char *
id_of (TestServer *server,
       const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  return g_strdup (test_response_string (me, "user.id"));
}

static TestResponse *
update_user (TestServer *server,
             const char *token,
             const char *user_id,
             const char *body)
{
  g_autofree char *path = g_strdup_printf ("/v1/admin/users/%s", user_id);

  return test_request (server, "PUT", path, token, body);
}

static TestResponse *
erase_user (TestServer *server,
            const char *token,
            const char *user_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/admin/users/%s", user_id);

  return test_request (server, "DELETE", path, token, NULL);
}

static void
assert_audit_verifies (TestServer *server,
                       const char *admin)
{
  g_autoptr(TestResponse) verify = test_request (server, "GET", "/v1/admin/audit/verify", admin,
                                                 NULL);

  g_assert_cmpuint (verify->status, ==, 200);
  if (!json_node_get_boolean (test_response_member (verify, "ok")))
    g_error ("The audit chain is broken: %s", verify->body);
}

/* The newest audit record of @action, as the admin API lists it. */
static JsonObject *
newest_record (TestResponse *page,
               const char   *action)
{
  return test_audit_find (json_node_get_array (test_response_member (page, "items")), action);
}

/* --- GET /v1/admin/users --- */

static void
test_list_users (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *member = test_user_new (server, "plain@example.com", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TestResponse) found = NULL;
  g_autoptr(TestResponse) none = NULL;
  g_autoptr(TestResponse) refused = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *long_q = NULL;
  char user_id[37], account_id[37];
  guint pages = 0;

  register_named (server, "anna.berg@example.com", "Anna Berg", user_id, account_id);
  register_named (server, "carl@example.com", "Carl 50%_off", user_id, account_id);
  test_grant (server, admin, account_id, 70);

  /* Every user, one a page, each once. */
  do
    {
      g_autofree char *path = cursor != NULL ?
                              g_strdup_printf ("/v1/admin/users?limit=1&cursor=%s", cursor) :
                              g_strdup ("/v1/admin/users?limit=1");
      g_autoptr(TestResponse) page = test_request (server, "GET", path, admin, NULL);

      g_assert_cmpuint (page->status, ==, 200);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (
                          test_response_member (page, "items"))), ==, 1);
      g_assert_true (g_hash_table_add (seen, g_strdup (test_response_string (page,
                                                                             "items.0.email"))));
      g_clear_pointer (&cursor, g_free);
      cursor = g_strdup (test_response_string (page, "next_cursor"));
      pages++;
    }
  while (cursor != NULL);
  g_assert_cmpuint (pages, ==, 4);
  g_assert_true (g_hash_table_contains (seen, "boss@example.com"));
  g_assert_true (g_hash_table_contains (seen, "plain@example.com"));

  /* Search over email and name, literal. */
  found = test_request (server, "GET", "/v1/admin/users?q=50%25_", admin, NULL);
  g_assert_cmpuint (found->status, ==, 200);
  g_assert_cmpstr (test_response_string (found, "items.0.email"), ==, "carl@example.com");
  g_assert_cmpstr (test_response_string (found, "items.0.name"), ==, "Carl 50%_off");
  g_assert_cmpstr (test_response_string (found, "items.0.role"), ==, "member");
  g_assert_false (json_node_get_boolean (test_response_member (found, "items.0.disabled")));
  g_assert_cmpstr (test_response_string (found, "items.0.id"), ==, user_id);
  g_assert_cmpstr (test_response_string (found, "items.0.accounts.0.id"), ==, account_id);
  g_assert_cmpint (test_response_int (found, "items.0.accounts.0.balance"), ==, 70);
  g_assert_null (test_response_member (found, "items.1"));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (found, "next_cursor")));

  g_clear_pointer (&found, test_response_free);
  found = test_request (server, "GET", "/v1/admin/users?q=ANNA", admin, NULL);
  g_assert_cmpstr (test_response_string (found, "items.0.email"), ==, "anna.berg@example.com");
  none = test_request (server, "GET", "/v1/admin/users?q=nobody-here", admin, NULL);
  g_assert_null (test_response_member (none, "items.0"));

  /* Bad input. */
  refused = test_request (server, "GET", "/v1/admin/users?cursor=forged", admin, NULL);
  test_assert_error (refused, 400, "invalid_field", "cursor");
  g_clear_pointer (&refused, test_response_free);
  refused = test_request (server, "GET", "/v1/admin/users?limit=0", admin, NULL);
  test_assert_error (refused, 400, "invalid_field", "limit");
  g_clear_pointer (&refused, test_response_free);
  long_q = g_strdup_printf ("/v1/admin/users?q=%0300d", 7);
  refused = test_request (server, "GET", long_q, admin, NULL);
  test_assert_error (refused, 400, "invalid_field", "q");
  g_clear_pointer (&refused, test_response_free);
  refused = test_request (server, "GET", "/v1/admin/users", member, NULL);
  test_assert_error (refused, 403, "forbidden", NULL);
}

/* Each item carries the user's limits as GET /v1/me gives them: an
 * admin's ceiling, the user's own cap and the one in force. */
static void
test_list_users_limits (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *token = test_user_new (server, "capped@example.com", NULL);
  g_autofree char *user_id = id_of (server, token);
  g_autofree char *limits_path = NULL;
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) found = NULL;
  g_autoptr(TestResponse) updated = NULL;

  limits_path = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                                 test_response_string (me, "accounts.0.id"));
  reply = test_request (server, "PUT", limits_path, admin, "{\"daily\": 100}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "PUT", "/v1/me/limits", token, "{\"monthly\": 500}");
  g_assert_cmpuint (reply->status, ==, 200);

  found = test_request (server, "GET", "/v1/admin/users?q=capped", admin, NULL);
  g_assert_cmpuint (found->status, ==, 200);
  g_assert_cmpstr (test_response_string (found, "items.0.id"), ==, user_id);
  g_assert_cmpint (test_response_int (found, "items.0.limits.daily.ceiling"), ==, 100);
  g_assert_cmpint (test_response_int (found, "items.0.limits.daily.cap"), ==, 100);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (found,
                                                             "items.0.limits.daily.user")));
  g_assert_cmpint (test_response_int (found, "items.0.limits.monthly.user"), ==, 500);
  g_assert_cmpint (test_response_int (found, "items.0.limits.monthly.cap"), ==, 500);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (found,
                                                             "items.0.limits.monthly.ceiling")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (found,
                                                             "items.0.limits.per_run.cap")));
  g_assert_cmpint (test_response_int (found, "items.0.limits.daily.spent"), ==, 0);
  g_assert_cmpstr (test_response_string (found, "items.0.limits.timezone"), ==, "UTC");

  /* The user PUT answers with is the same item. */
  updated = update_user (server, admin, user_id, "{\"disabled\": true}");
  g_assert_cmpuint (updated->status, ==, 200);
  g_assert_cmpint (test_response_int (updated, "limits.daily.ceiling"), ==, 100);
  g_assert_cmpint (test_response_int (updated, "limits.monthly.cap"), ==, 500);
}

/* --- PUT /v1/admin/users/{id} --- */

static void
test_update_user (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *admin_id = id_of (server, admin);
  g_autofree char *member = test_user_new (server, "promoted@example.com", NULL);
  g_autofree char *member_id = id_of (server, member);
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupWebsocketConnection) socket = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) audit = NULL;
  JsonObject *record, *details;

  /* Bad input changes nothing. */
  reply = update_user (server, admin, member_id, "{\"role\": \"team_owner\"}");
  test_assert_error (reply, 400, "invalid_field", "role");
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, member_id, "{\"role\": 1}");
  test_assert_error (reply, 400, "invalid_field", "role");
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, member_id, "{\"disabled\": \"yes\"}");
  test_assert_error (reply, 400, "invalid_field", "disabled");
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, member_id, "{\"role\": ");
  test_assert_error (reply, 400, "invalid_json", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, unknown, "{\"role\": \"admin\"}");
  test_assert_error (reply, 404, "not_found", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, "not-a-uuid", "{\"role\": \"admin\"}");
  test_assert_error (reply, 404, "not_found", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, member, admin_id, "{\"role\": \"member\"}");
  test_assert_error (reply, 403, "forbidden", NULL);
  g_clear_pointer (&reply, test_response_free);

  /* The only admin may not step down or lock themselves out. */
  reply = update_user (server, admin, admin_id, "{\"role\": \"member\"}");
  test_assert_error (reply, 409, "last_admin", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, admin, admin_id, "{\"disabled\": true}");
  test_assert_error (reply, 409, "last_admin", NULL);
  g_clear_pointer (&reply, test_response_free);

  /* Promoted: the member may now call an admin route. */
  reply = update_user (server, admin, member_id, "{\"role\": \"admin\"}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpstr (test_response_string (reply, "id"), ==, member_id);
  g_assert_cmpstr (test_response_string (reply, "email"), ==, "promoted@example.com");
  g_assert_cmpstr (test_response_string (reply, "role"), ==, "admin");
  g_assert_false (json_node_get_boolean (test_response_member (reply, "disabled")));
  g_assert_nonnull (test_response_string (reply, "accounts.0.id"));
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/admin/users", member, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);

  /* With two admins, the first may step down; then the second is last. */
  reply = update_user (server, admin, admin_id, "{\"role\": \"member\"}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  reply = update_user (server, member, member_id, "{\"disabled\": true}");
  test_assert_error (reply, 409, "last_admin", NULL);
  g_clear_pointer (&reply, test_response_free);

  /* Disabling signs out at once: token and WebSocket. */
  socket = test_events_open (server, session, admin);
  reply = update_user (server, member, admin_id, "{\"disabled\": true}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (json_node_get_boolean (test_response_member (reply, "disabled")));
  g_assert_cmpstr (test_response_string (reply, "role"), ==, "member");
  g_assert_true (test_iterate_until (test_socket_closed, socket, 2));
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me", admin, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);

  /* Audited, with what changed. */
  audit = test_request (server, "GET", "/v1/admin/audit?action=admin.user_updated", member,
                        NULL);
  record = newest_record (audit, "admin.user_updated");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "actor"), ==, member_id);
  g_assert_cmpstr (json_object_get_string_member (record, "target"), ==, admin_id);
  details = json_object_get_object_member (record, "details");
  g_assert_true (json_object_get_boolean_member (details, "disabled"));
  g_assert_false (json_object_get_boolean_member (details, "previous_disabled"));
  g_assert_cmpstr (json_object_get_string_member (details, "role"), ==, "member");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (audit, "items"))), ==, 3);
  assert_audit_verifies (server, member);
}

/* --- erasure --- */

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size, length = strlen (needle);
  const char *data = g_bytes_get_data (bytes, &size);

  for (gsize i = 0; data != NULL && i + length <= size; i++)
    {
      if (data[i] == needle[0] && memcmp (data + i, needle, length) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Every row of every table of PostgreSQL's store, as text (a bytea
 * column in hex): its files keep freed rows and WAL until recycled
 * (docs/privacy.md), so what an erasure can promise there is what the
 * rows hold, VACUUMed. */
static void
assert_in_no_row (TestServer *server,
                  const char *needle)
{
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autofree char *hits = NULL;

  for (const char *c = needle; *c != '\0'; c++)
    g_string_append_printf (hex, "%02x", (guint8) *c);
  hits = g_strdup_printf (
    "SELECT count(*) FROM information_schema.tables t "
    "WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') "
    "  AND strpos (CAST (query_to_xml (format ('SELECT 1 AS hit FROM %%I.%%I x "
    "    WHERE strpos (CAST (x AS text), %%L) > 0 OR strpos (CAST (x AS text), %%L) > 0 "
    "    LIMIT 1', t.table_schema, t.table_name, '%s', '%s'), false, true, '') AS text), "
    "    'hit') > 0", needle, hex->str);

  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_schema = current_schema ()"), >, 0);
  g_assert_cmpint (test_server_count (server, hits), ==, 0);
  /* The erasure's VACUUM ran, on its own connection. */
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM pg_stat_user_tables "
                                      "WHERE relname = 'users' AND vacuum_count > 0"), ==, 1);
}

/* Every file of the data directory, byte for byte. */
static void
assert_nowhere (TestServer *server,
                const char *needle)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint files = 0;

  if (test_store_is_postgres ())
    {
      assert_in_no_row (server, needle);
      return;
    }
  dir = g_dir_open (server->data_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (server->data_dir, name, NULL);
      g_autoptr(GMappedFile) file = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      file = g_mapped_file_new (path, FALSE, NULL);
      g_assert_nonnull (file);
      bytes = g_mapped_file_get_bytes (file);
      g_test_message ("%s: %zu bytes", name, g_bytes_get_size (bytes));
      if (bytes_contain (bytes, needle))
        g_error ("“%s” is still in %s", needle, path);
      files++;
    }
  g_assert_cmpuint (files, >, 0);
}

/* A user with something of everything: a grant, runs, a payment,
 * invoice details with their name, a device named after them, a refused
 * sign-in, their own caps, a low-balance alert and a webhook. */
static char *
busy_user (TestServer *server,
           const char *admin,
           const char *email,
           const char *name,
           char        user_id[37],
           char        account_id[37])
{
  g_autofree char *device = g_strdup_printf ("%s's laptop", name);
  g_autofree char *token = NULL;
  g_autofree char *run_body = NULL;
  g_autofree char *run_id = g_uuid_string_random ();
  g_autofree char *details = g_strdup_printf ("{\"company\": \"%s Ltd\", \"address\": "
                                              "\"1 Road\", \"vat_id\": \"DE123\"}", name);
  g_autofree char *bad_login = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"wrong\"}",
                                                email);
  g_autofree char *hook = g_strdup_printf ("{\"url\": \"http://127.0.0.1:9/hook?for=%s\"}",
                                           email);
  g_autofree char *second_id = g_uuid_string_random ();
  g_autofree char *second_run = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                                 "\"inputs\": {\"text\": \"y\"}}", second_id);
  g_autoptr(TestResponse) reply = NULL;

  register_named (server, email, name, user_id, account_id);
  token = sign_in (server, email, device);
  test_grant (server, admin, account_id, 1000);

  run_body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", \"inputs\": "
                              "{\"text\": \"%s\"}}", run_id, name);
  reply = test_request (server, "POST", "/v1/runs", token, run_body);
  g_assert_cmpuint (reply->status, ==, 201);
  g_clear_pointer (&reply, test_response_free);
  {
    g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", run_id);

    reply = test_request (server, "POST", path, token, "{\"units\": 1, \"outcome\": "
                          "\"succeeded\"}");
    g_assert_cmpuint (reply->status, ==, 200);
    g_clear_pointer (&reply, test_response_free);
  }

  reply = test_request (server, "POST", "/v1/checkout", token, "{\"pack\": \"starter\"}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "PUT", "/v1/me/invoice-details", token, details);
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  /* A refused sign-in is recorded by a write of its own, answered before
   * it commits: the writes after it here are committed after it. */
  reply = test_request (server, "POST", "/v1/auth/login", NULL, bad_login);
  g_assert_cmpuint (reply->status, ==, 401);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "PUT", "/v1/me/limits", token, "{\"daily\": 600}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  /* Alerts, and a webhook whose address says who it is for. */
  reply = test_request (server, "PUT", "/v1/me/alerts", token, "{\"low_balance\": 100000}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "POST", "/v1/me/webhooks", token, hook);
  g_assert_cmpuint (reply->status, ==, 201);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "POST", "/v1/runs", token, second_run);
  g_assert_cmpuint (reply->status, ==, 201);
  g_clear_pointer (&reply, test_response_free);
  return g_steal_pointer (&token);
}

static void
test_erase_me (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupWebsocketConnection) socket = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) audit = NULL;
  g_autofree char *token = NULL;
  g_autofree char *second = NULL;
  char user_id[37], account_id[37], new_id[37], new_account[37];
  JsonObject *record;

  token = busy_user (server, admin, ERASE_EMAIL, ERASE_NAME, user_id, account_id);
  second = sign_in (server, ERASE_EMAIL, NULL);
  socket = test_events_open (server, session, token);

  /* Bad input: nothing is erased. */
  reply = test_request (server, "DELETE", "/v1/me", token, "{\"password\": \"wrong\"}");
  test_assert_error (reply, 403, "forbidden", "password");
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token, "{}");
  test_assert_error (reply, 400, "invalid_field", "password");
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token, "{\"password\": 12}");
  test_assert_error (reply, 400, "invalid_field", "password");
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token, "nope");
  test_assert_error (reply, 400, "invalid_json", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);

  reply = test_request (server, "DELETE", "/v1/me", token,
                        "{\"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (reply->status, ==, 204);
  g_clear_pointer (&reply, test_response_free);

  /* Every session ends at once. */
  g_assert_true (test_iterate_until (test_socket_closed, socket, 2));
  reply = test_request (server, "GET", "/v1/me", token, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me", second, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token,
                        "{\"password\": \"" TEST_PASSWORD "\"}");
  test_assert_error (reply, 401, "unauthorized", NULL);
  g_clear_pointer (&reply, test_response_free);

  /* Erasing again is a clear 404, and the user is gone from the list. */
  reply = erase_user (server, admin, user_id);
  test_assert_error (reply, 404, "not_found", NULL);
  g_assert_nonnull (strstr (test_response_string (reply, "error.message"), "erased already"));
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/admin/users?q=zelda", admin, NULL);
  g_assert_null (test_response_member (reply, "items.0"));
  g_clear_pointer (&reply, test_response_free);

  /* The books and the chain hold; the erasure is on record, by the user. */
  assert_audit_verifies (server, admin);
  audit = test_request (server, "GET", "/v1/admin/audit?action=user.erased", admin, NULL);
  record = newest_record (audit, "user.erased");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "actor"), ==, user_id);
  g_assert_true (json_object_get_null_member (record, "actor_email"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (record,
                                                                                  "details"),
                                                  "by"), ==, "self");
  g_clear_pointer (&reply, test_response_free);

  /* Not a byte of the email or the name is left in any file. */
  assert_nowhere (server, ERASE_EMAIL);
  assert_nowhere (server, ERASE_NAME);
  test_server_check_ledger (server);

  /* The address is free again, for a new user. */
  register_named (server, ERASE_EMAIL, ERASE_NAME, new_id, new_account);
  g_assert_cmpstr (new_id, !=, user_id);
  g_assert_cmpstr (new_account, !=, account_id);
  g_clear_pointer (&token, g_free);
  token = sign_in (server, ERASE_EMAIL, NULL);
  reply = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (reply, "accounts.0.balance"), ==, 0);
}

static void
test_erase_by_admin (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *admin_id = id_of (server, admin);
  g_autofree char *deputy = NULL;
  g_autofree char *deputy_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(TestResponse) reply = NULL;
  char user_id[37], account_id[37];

  token = busy_user (server, admin, "ygritte@example.com", "Ygritte Wildling", user_id,
                     account_id);

  /* The only admin may not erase themselves, either way. */
  reply = erase_user (server, admin, admin_id);
  test_assert_error (reply, 409, "last_admin", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", admin, "{\"password\": \"" TEST_PASSWORD "\"}");
  test_assert_error (reply, 409, "last_admin", NULL);
  g_clear_pointer (&reply, test_response_free);

  reply = erase_user (server, admin, unknown);
  test_assert_error (reply, 404, "not_found", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = erase_user (server, admin, "x");
  test_assert_error (reply, 404, "not_found", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = erase_user (server, token, admin_id);
  test_assert_error (reply, 403, "forbidden", NULL);
  g_clear_pointer (&reply, test_response_free);

  reply = erase_user (server, admin, user_id);
  g_assert_cmpuint (reply->status, ==, 204);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me", token, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);
  g_clear_pointer (&reply, test_response_free);
  reply = erase_user (server, admin, user_id);
  test_assert_error (reply, 404, "not_found", NULL);
  g_clear_pointer (&reply, test_response_free);

  /* With a second admin, the first may go. */
  deputy = test_admin_new (server, "deputy@example.com");
  deputy_id = id_of (server, deputy);
  reply = test_request (server, "DELETE", "/v1/me", admin, "{\"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (reply->status, ==, 204);
  g_clear_pointer (&reply, test_response_free);

  /* Nor does the shell list them. */
  {
    g_autofree char *store = test_server_store_option (server);
    const char *args[] = { "user", "list", store, NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint (test_server_command (args, NULL, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "deputy@example.com"));
    g_assert_null (strstr (out, "erased"));
    g_assert_null (strstr (out, "boss@example.com"));
  }

  assert_audit_verifies (server, deputy);
  assert_nowhere (server, "ygritte@example.com");
  assert_nowhere (server, "Ygritte Wildling");
  assert_nowhere (server, "boss@example.com");
  test_server_check_ledger (server);
  g_assert_nonnull (deputy_id);
}

/* Wrong passwords count as failed sign-ins: guessing is slowed down the
 * same way, and the right one still works once the wait is over. */
static void
test_erase_throttled (void)
{
  const char *args[] = { "--login-attempts=1", NULL };
  g_autoptr(TestServer) server = test_server_start (args);
  g_autofree char *token = test_user_new (server, "guessed@example.com", NULL);
  g_autoptr(TestResponse) reply = NULL;
  gint64 wait;
  guint tries;

  for (tries = 0; tries < 5; tries++)
    {
      g_clear_pointer (&reply, test_response_free);
      reply = test_request (server, "DELETE", "/v1/me", token, "{\"password\": \"guess\"}");
      if (reply->status == 429)
        break;
      test_assert_error (reply, 403, "forbidden", "password");
    }
  test_assert_error (reply, 429, "rate_limited", NULL);
  g_assert_nonnull (reply->retry_after);
  wait = g_ascii_strtoll (reply->retry_after, NULL, 10);
  g_assert_cmpint (wait, >=, 1);

  /* While it waits, not even the right password erases. */
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token,
                        "{\"password\": \"" TEST_PASSWORD "\"}");
  test_assert_error (reply, 429, "rate_limited", NULL);

  g_usleep ((wait + 1) * G_USEC_PER_SEC);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "DELETE", "/v1/me", token,
                        "{\"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (reply->status, ==, 204);
}

/* Runs keep going for everyone while one user is erased: each answer is
 * a clear one, and nothing of anyone else is lost. */
typedef struct
{
  TestServer *server;
  const char *token;
  guint       n_runs;
  guint       accepted;
  guint       unauthorized;
} Runner;

static gpointer
run_many (gpointer data)
{
  Runner *runner = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = 0; i < runner->n_runs; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                               "\"inputs\": {\"text\": \"x\"}}", id);
      g_autoptr(TestResponse) reply = test_request_on (runner->server, session, "POST",
                                                       "/v1/runs", runner->token, body);

      if (reply->status == 201)
        runner->accepted++;
      else if (reply->status == 401)
        runner->unauthorized++;
      else
        g_error ("Unexpected answer %u: %s", reply->status, reply->body);
    }
  return NULL;
}

static void
test_erase_concurrent (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *leaving = NULL;
  g_autofree char *staying = NULL;
  g_autoptr(TestResponse) reply = NULL;
  char leaving_id[37], leaving_account[37], staying_id[37], staying_account[37];
  Runner runners[2];
  GThread *threads[2];

  register_named (server, "leaving@example.com", "Leaving Person", leaving_id, leaving_account);
  register_named (server, "staying@example.com", "Staying Person", staying_id, staying_account);
  leaving = sign_in (server, "leaving@example.com", NULL);
  staying = sign_in (server, "staying@example.com", NULL);
  test_grant (server, admin, leaving_account, 100000);
  test_grant (server, admin, staying_account, 100000);

  runners[0] = (Runner) { server, leaving, 30, 0, 0 };
  runners[1] = (Runner) { server, staying, 30, 0, 0 };
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("runner", run_many, &runners[i]);

  g_usleep (50 * 1000);
  reply = erase_user (server, admin, leaving_id);
  g_assert_cmpuint (reply->status, ==, 204);

  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  /* The one erased was cut off cleanly; the other lost nothing. */
  g_assert_cmpuint (runners[0].accepted + runners[0].unauthorized, ==, 30);
  g_assert_cmpuint (runners[1].accepted, ==, 30);
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/transactions?limit=500", staying, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (reply, "items"))), ==, 31);

  assert_audit_verifies (server, admin);
  test_server_check_ledger (server);
  assert_nowhere (server, "leaving@example.com");
}

/* --- GET /v1/me/export --- */

static JsonObject *
object_at (JsonNode   *root,
           const char *name)
{
  return json_object_get_object_member (json_node_get_object (root), name);
}

static JsonArray *
array_at (JsonNode   *root,
          const char *name)
{
  return json_object_get_array_member (json_node_get_object (root), name);
}

static gboolean
has_action (JsonArray  *audit,
            const char *action)
{
  for (guint i = 0; i < json_array_get_length (audit); i++)
    {
      if (g_str_equal (json_object_get_string_member (json_array_get_object_element (audit, i),
                                                      "action"), action))
        return TRUE;
    }
  return FALSE;
}

/* What the export must list of API keys and teams. */
typedef struct
{
  char *team_id;
  char *live_id;
  char *live_key;
  char *revoked_id;
  char *revoked_key;
} Memberships;

static void
memberships_clear (Memberships *m)
{
  g_free (m->team_id);
  g_free (m->live_id);
  g_free (m->live_key);
  g_free (m->revoked_id);
  g_free (m->revoked_key);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Memberships, memberships_clear)

static TestResponse *
make_key (TestServer *server,
          const char *token,
          const char *body,
          char      **id,
          char      **key)
{
  TestResponse *made = test_request (server, "POST", "/v1/me/api-keys", token, body);

  g_assert_cmpuint (made->status, ==, 201);
  *id = g_strdup (test_response_string (made, "id"));
  *key = g_strdup (test_response_string (made, "key"));
  return made;
}

/* @token gets a key it used and one it revoked, and joins a team of
 * @owner's as a member with a daily cap. */
static void
add_memberships (TestServer  *server,
                 const char  *token,
                 const char  *user_id,
                 const char  *owner,
                 Memberships *m)
{
  g_autoptr(TestResponse) live = NULL;
  g_autoptr(TestResponse) revoked = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autofree char *path = NULL;
  g_autofree char *invitation = NULL;

  live = make_key (server, token, "{\"name\": \"Laptop\", \"scopes\": [\"read\"]}",
                   &m->live_id, &m->live_key);
  revoked = make_key (server, token, "{\"name\": \"Old CI\", \"scopes\": [\"read\", \"run\"], "
                      "\"rate_limit\": 30}", &m->revoked_id, &m->revoked_key);
  /* The use is written before the revocation is answered: the writer
   * commits in order. */
  reply = test_request (server, "GET", "/v1/me", m->live_key, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  path = g_strdup_printf ("/v1/me/api-keys/%s", m->revoked_id);
  reply = test_request (server, "DELETE", path, token, NULL);
  g_assert_cmpuint (reply->status, ==, 204);
  g_clear_pointer (&reply, test_response_free);

  reply = test_request (server, "POST", "/v1/teams", owner, "{\"name\": \"Night shift\"}");
  g_assert_cmpuint (reply->status, ==, 201);
  m->team_id = g_strdup (test_response_string (reply, "team.id"));
  g_clear_pointer (&reply, test_response_free);
  g_free (path);
  path = g_strdup_printf ("/v1/teams/%s/invitations", m->team_id);
  reply = test_request (server, "POST", path, owner,
                        "{\"email\": \"exporter@example.com\", \"role\": \"member\"}");
  g_assert_cmpuint (reply->status, ==, 201);
  invitation = g_strdup_printf ("/v1/invitations/%s/accept", test_response_string (reply, "token"));
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "POST", invitation, token, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_clear_pointer (&reply, test_response_free);
  g_free (path);
  path = g_strdup_printf ("/v1/teams/%s/members/%s", m->team_id, user_id);
  reply = test_request (server, "PUT", path, owner, "{\"daily_cap\": 40}");
  g_assert_cmpuint (reply->status, ==, 200);
}

static JsonObject *
item_with_id (JsonArray  *items,
              const char *id)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, "id"), id) == 0)
        return item;
    }
  return NULL;
}

/* Keys as GET /v1/me/api-keys lists them, plus revoked_at: never a key
 * or its hash. */
static void
assert_exported_keys (TestServer        *server,
                      const char        *token,
                      TestResponse      *export,
                      const Memberships *m)
{
  g_autoptr(TestResponse) listed = test_request (server, "GET", "/v1/me/api-keys", token, NULL);
  JsonArray *keys = json_node_get_array (json_object_get_member (
                                           json_node_get_object (export->json), "api_keys"));
  JsonObject *live = item_with_id (keys, m->live_id);
  JsonObject *revoked = item_with_id (keys, m->revoked_id);
  JsonObject *item;
  g_autofree char *prefix = g_strndup (m->live_key, 8);

  g_assert_cmpuint (json_array_get_length (keys), ==, 2);
  g_assert_nonnull (live);
  g_assert_nonnull (revoked);
  g_assert_cmpstr (test_response_string (listed, "items.0.id"), ==, m->live_id);
  g_assert_null (test_response_member (listed, "items.1"));
  item = json_node_get_object (test_response_member (listed, "items.0"));
  for (const char *const *name = (const char *const[]) { "name", "prefix", "created_at",
                                                         "last_used_at", NULL };
       *name != NULL; name++)
    g_assert_cmpstr (json_object_get_string_member (live, *name), ==,
                     json_object_get_string_member (item, *name));
  g_assert_cmpstr (json_object_get_string_member (live, "prefix"), ==, prefix);
  g_assert_cmpint (json_object_get_int_member (live, "rate_limit"), ==,
                   json_object_get_int_member (item, "rate_limit"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (live, "scopes")), ==, 1);
  g_assert_nonnull (json_object_get_string_member (live, "last_used_at"));
  g_assert_true (json_object_get_null_member (live, "revoked_at"));

  g_assert_cmpstr (json_object_get_string_member (revoked, "name"), ==, "Old CI");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (revoked, "scopes")), ==,
                    2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (revoked,
                                                                                "scopes"), 1),
                   ==, "run");
  g_assert_cmpint (json_object_get_int_member (revoked, "rate_limit"), ==, 30);
  g_assert_nonnull (json_object_get_string_member (revoked, "created_at"));
  g_assert_true (json_object_get_null_member (revoked, "last_used_at"));
  g_assert_nonnull (json_object_get_string_member (revoked, "revoked_at"));

  for (guint i = 0; i < 2; i++)
    {
      JsonObject *key = i == 0 ? live : revoked;

      g_assert_false (json_object_has_member (key, "key"));
      g_assert_false (json_object_has_member (key, "key_hash"));
    }
  g_assert_null (strstr (export->body, m->live_key));
  g_assert_null (strstr (export->body, m->revoked_key));
}

/* The user's own membership of each team: not the pool, not the others. */
static void
assert_exported_teams (TestResponse      *export,
                       const Memberships *m)
{
  JsonArray *teams = json_node_get_array (json_object_get_member (
                                            json_node_get_object (export->json), "teams"));
  JsonObject *team;

  g_assert_cmpuint (json_array_get_length (teams), ==, 1);
  team = json_array_get_object_element (teams, 0);
  g_assert_cmpstr (json_object_get_string_member (team, "id"), ==, m->team_id);
  g_assert_cmpstr (json_object_get_string_member (team, "name"), ==, "Night shift");
  g_assert_cmpstr (json_object_get_string_member (team, "role"), ==, "member");
  g_assert_cmpint (json_object_get_int_member (team, "daily_cap"), ==, 40);
  g_assert_true (json_object_get_null_member (team, "monthly_cap"));
  g_assert_nonnull (json_object_get_string_member (team, "joined_at"));
  g_assert_cmpuint (json_object_get_size (team), ==, 6);
}

static void
test_export (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *admin_id = id_of (server, admin);
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) history = NULL;
  g_autoptr(TestResponse) payments = NULL;
  g_autoptr(TestResponse) alerts = NULL;
  g_auto(Memberships) memberships = { 0 };
  char user_id[37], account_id[37], other_id[37], other_account[37];
  JsonObject *user, *settings, *account, *details;
  JsonArray *transactions, *audit;
  JsonNode *root;

  token = busy_user (server, admin, "exporter@example.com", "Erin Exporter", user_id,
                     account_id);
  other = busy_user (server, admin, "bystander@example.com", "Bob Bystander", other_id,
                     other_account);
  add_memberships (server, token, user_id, other, &memberships);

  reply = test_request (server, "GET", "/v1/me/export", token, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  root = reply->json;
  assert_exported_keys (server, token, reply, &memberships);
  assert_exported_teams (reply, &memberships);

  user = object_at (root, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "id"), ==, user_id);
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, "exporter@example.com");
  g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, "Erin Exporter");
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "member");
  g_assert_cmpstr (json_object_get_string_member (user, "account_id"), ==, account_id);
  g_assert_false (json_object_get_boolean_member (user, "disabled"));
  g_assert_nonnull (json_object_get_string_member (user, "created_at"));

  g_assert_cmpuint (json_array_get_length (array_at (root, "accounts")), ==, 1);
  account = json_array_get_object_element (array_at (root, "accounts"), 0);
  g_assert_cmpstr (json_object_get_string_member (account, "id"), ==, account_id);
  g_assert_cmpstr (json_object_get_string_member (account, "kind"), ==, "user");
  g_assert_cmpint (json_object_get_int_member (account, "balance"), <, 1000);

  /* The history, item for item as GET /v1/transactions gives it. */
  history = test_request (server, "GET", "/v1/transactions", token, NULL);
  transactions = array_at (root, "transactions");
  g_assert_cmpuint (json_array_get_length (transactions), ==,
                    json_array_get_length (json_node_get_array (
                      test_response_member (history, "items"))));
  g_assert_cmpuint (json_array_get_length (transactions), ==, 3);
  for (guint i = 0; i < json_array_get_length (transactions); i++)
    {
      g_autofree char *mine = json_to_string (json_array_get_element (transactions, i), FALSE);
      g_autofree char *listed = json_to_string (json_array_get_element (json_node_get_array (
                                  test_response_member (history, "items")), i), FALSE);

      g_assert_cmpstr (mine, ==, listed);
    }

  payments = test_request (server, "GET", "/v1/payments", token, NULL);
  g_assert_cmpuint (json_array_get_length (array_at (root, "payments")), ==, 1);
  {
    JsonObject *payment = json_array_get_object_element (array_at (root, "payments"), 0);

    g_assert_cmpstr (json_object_get_string_member (payment, "id"), ==,
                     test_response_string (payments, "items.0.id"));
    g_assert_cmpstr (json_object_get_string_member (payment, "pack"), ==, "starter");
    g_assert_cmpint (json_object_get_int_member (payment, "credits"), ==, 500);
    g_assert_cmpint (json_object_get_int_member (payment, "amount"), ==, 500);
    g_assert_cmpstr (json_object_get_string_member (payment, "currency"), ==, "eur");
    g_assert_cmpstr (json_object_get_string_member (payment, "status"), ==, "open");
  }
  /* The low-balance alert the second run's hold fired, as GET /v1/alerts has it. */
  alerts = test_request (server, "GET", "/v1/alerts", token, NULL);
  g_assert_cmpuint (json_array_get_length (array_at (root, "alerts")), ==, 1);
  {
    JsonObject *alert = json_array_get_object_element (array_at (root, "alerts"), 0);

    g_assert_cmpstr (json_object_get_string_member (alert, "id"), ==,
                     test_response_string (alerts, "items.0.id"));
    g_assert_cmpstr (json_object_get_string_member (alert, "kind"), ==, "low_balance");
    g_assert_cmpint (json_object_get_int_member (alert, "threshold"), ==, 100000);
    g_assert_cmpint (json_object_get_int_member (alert, "amount"), ==,
                     test_response_int (alerts, "items.0.amount"));
    g_assert_cmpstr (json_object_get_string_member (alert, "message"), ==,
                     test_response_string (alerts, "items.0.message"));
  }

  settings = object_at (root, "settings");
  details = json_object_get_object_member (settings, "invoice_details");
  g_assert_cmpstr (json_object_get_string_member (details, "company"), ==, "Erin Exporter Ltd");
  g_assert_cmpstr (json_object_get_string_member (details, "address"), ==, "1 Road");
  g_assert_cmpstr (json_object_get_string_member (details, "vat_id"), ==, "DE123");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_object_get_object_member (settings, "limits"), "daily"), "user"), ==,
                   600);
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (
                    settings, "auto_recharge"), "enabled"));
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (
                    settings, "consent"), "marketing_opt_in"));
  g_assert_cmpstr (json_object_get_string_member (settings, "timezone"), ==, "UTC");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (settings, "alerts"),
                                               "low_balance"), ==, 100000);
  {
    JsonArray *webhooks = json_object_get_array_member (settings, "webhooks");
    JsonObject *webhook = json_array_get_object_element (webhooks, 0);

    g_assert_cmpuint (json_array_get_length (webhooks), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (webhook, "url"), ==,
                     "http://127.0.0.1:9/hook?for=exporter@example.com");
    g_assert_false (json_object_has_member (webhook, "secret"));
  }

  /* The audit records about them: each of their own actions, and the
   * admin's grant without naming the admin. */
  audit = array_at (root, "audit");
  g_assert_true (has_action (audit, "auth.register"));
  g_assert_true (has_action (audit, "auth.login"));
  g_assert_true (has_action (audit, "auth.login_failed"));
  g_assert_true (has_action (audit, "admin.grant"));
  g_assert_true (has_action (audit, "run.authorized"));
  g_assert_true (has_action (audit, "run.succeeded"));
  g_assert_true (has_action (audit, "limits.changed"));
  for (guint i = 0; i < json_array_get_length (audit); i++)
    {
      JsonObject *record = json_array_get_object_element (audit, i);
      const char *actor = json_object_get_string_member (record, "actor");

      g_assert_true (g_str_equal (actor, user_id) || g_str_equal (actor, "staff") ||
                     g_str_equal (actor, "system") || g_str_equal (actor, "anonymous"));
      g_assert_false (json_object_has_member (record, "actor_email"));
    }

  /* Nothing about anyone else. */
  g_assert_null (strstr (reply->body, "bystander@example.com"));
  g_assert_null (strstr (reply->body, "Bob Bystander"));
  g_assert_null (strstr (reply->body, other_id));
  g_assert_null (strstr (reply->body, other_account));
  g_assert_null (strstr (reply->body, "boss@example.com"));
  g_assert_null (strstr (reply->body, admin_id));

  /* An admin's export has their grants to others, without the others. */
  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me/export", admin, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (has_action (array_at (reply->json, "audit"), "admin.grant"));
  g_assert_nonnull (strstr (reply->body, admin_id));
  g_assert_null (strstr (reply->body, user_id));
  g_assert_null (strstr (reply->body, account_id));
  g_assert_null (strstr (reply->body, other_account));
  g_assert_null (strstr (reply->body, "exporter@example.com"));

  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me/export", NULL, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);
}

/* --- retention of sessions --- */

static gboolean
two_sessions_left (gpointer data)
{
  return test_server_count (data, "SELECT count(*) FROM sessions") == 2;
}

static gboolean
wait_for (gboolean (*done) (gpointer),
          gpointer   data)
{
  for (guint i = 0; i < 200 && !done (data); i++)
    g_usleep (10 * 1000);
  return done (data);
}

static void
restart_with (TestServer *server,
              const char *arg)
{
  const char *args[] = { arg, NULL };

  g_strfreev (server->extra_args);
  server->extra_args = g_strdupv ((GStrv) args);
  test_server_restart (server);
}

/* @n sessions of one user, each signed out a year ago. */
static void
add_ended_sessions (TestServer *server,
                    guint       n)
{
  /* A 32-byte token hash, as the server's own: no function makes one in
   * both stores. */
  const char *token_hash = test_store_is_postgres () ? "sha256 (CAST (CAST (i AS text) AS bytea))"
                                                     : "randomblob (32)";
  g_autofree char *sql = g_strdup_printf (
    "WITH RECURSIVE k (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %u) "
    "INSERT INTO sessions (token_hash, user_id, device, created_at, expires_at, revoked_at) "
    "SELECT %s, (SELECT min (id) FROM users), 'old', 1, "
    "  %" G_GINT64_FORMAT ", 2 FROM k",
    n, token_hash, g_get_real_time () + (gint64) 86400 * G_USEC_PER_SEC);

  test_server_exec (server, sql);
}

static void
test_session_retention (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *ended = test_user_new (server, "kept@example.com", NULL);
  g_autofree char *going_on = sign_in (server, "kept@example.com", NULL);
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) audit = NULL;
  JsonObject *record;

  reply = test_request (server, "POST", "/v1/auth/logout", ended, NULL);
  g_assert_cmpuint (reply->status, ==, 204);
  g_clear_pointer (&reply, test_response_free);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM sessions"), ==, 3);

  /* Within the default week, a session that ended is kept. */
  test_server_restart (server);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM sessions"), ==, 3);

  /* With no retention, it goes at start, with many more that ended long
   * ago (a sweep of several transactions); the live ones stay. */
  test_server_stop (server, FALSE);
  add_ended_sessions (server, 2500);
  restart_with (server, "--session-retention-days=0");
  g_assert_true (wait_for (two_sessions_left, server));
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM sessions"), ==, 2);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM sessions "
                                       "WHERE revoked_at IS NOT NULL"), ==, 0);
  reply = test_request (server, "GET", "/v1/me", going_on, NULL);
  g_assert_cmpuint (reply->status, ==, 200);

  /* The count is recorded once the sweep on its worker thread ended. */
  for (guint i = 0; i < 200; i++)
    {
      g_clear_pointer (&audit, test_response_free);
      audit = test_request (server, "GET", "/v1/admin/audit?action=sessions.pruned", admin,
                            NULL);
      if (newest_record (audit, "sessions.pruned") != NULL)
        break;
      g_usleep (10 * 1000);
    }
  record = newest_record (audit, "sessions.pruned");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "actor"), ==, "system");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (record, "details"),
                                               "sessions"), ==, 2501);
  assert_audit_verifies (server, admin);

  g_clear_pointer (&reply, test_response_free);
  reply = test_request (server, "GET", "/v1/me", ended, NULL);
  test_assert_error (reply, 401, "unauthorized", NULL);
}

/* --- marketing consent --- */

static void
test_consent (void)
{
  g_autoptr(TestServer) server = test_server_start (private_hooks);
  g_autofree char *admin = test_admin_new (server, "boss@example.com");
  g_autofree char *token = test_user_new (server, "consent@example.com", NULL);
  g_autofree char *user_id = id_of (server, token);
  g_autofree char *first_time = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autoptr(TestResponse) audit = NULL;
  g_autoptr(TestResponse) export = NULL;
  static const struct
  {
    const char *body;
    const char *field;
  } bad[] = {
    { "{\"text_version\": \"v1\"}", "marketing_opt_in" },
    { "{\"marketing_opt_in\": \"yes\", \"text_version\": \"v1\"}", "marketing_opt_in" },
    { "{\"marketing_opt_in\": true}", "text_version" },
    { "{\"marketing_opt_in\": true, \"text_version\": 2}", "text_version" },
    { "{\"marketing_opt_in\": true, \"text_version\": \"\"}", "text_version" },
    { "{\"marketing_opt_in\": true, \"text_version\": \"version 2\"}", "text_version" },
    { "{\"marketing_opt_in\": true, \"text_version\": "
      "\"123456789012345678901234567890123\"}", "text_version" },
  };

  reply = test_request (server, "GET", "/v1/me/consent", token, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_false (json_node_get_boolean (test_response_member (reply, "marketing_opt_in")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (reply, "changed_at")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (reply, "text_version")));
  g_clear_pointer (&reply, test_response_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      reply = test_request (server, "PUT", "/v1/me/consent", token, bad[i].body);
      test_assert_error (reply, 400, "invalid_field", bad[i].field);
      g_clear_pointer (&reply, test_response_free);
    }

  reply = test_request (server, "PUT", "/v1/me/consent", token,
                        "{\"marketing_opt_in\": true, \"text_version\": \"2026-12\"}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (json_node_get_boolean (test_response_member (reply, "marketing_opt_in")));
  g_assert_cmpstr (test_response_string (reply, "text_version"), ==, "2026-12");
  first_time = g_strdup (test_response_string (reply, "changed_at"));
  g_assert_nonnull (first_time);
  g_clear_pointer (&reply, test_response_free);

  /* Said again: the time it was first given stays. */
  g_usleep (2 * G_USEC_PER_SEC / 1000);
  reply = test_request (server, "PUT", "/v1/me/consent", token,
                        "{\"marketing_opt_in\": true, \"text_version\": \"2026-12\"}");
  g_assert_cmpstr (test_response_string (reply, "changed_at"), ==, first_time);
  g_clear_pointer (&reply, test_response_free);

  reply = test_request (server, "PUT", "/v1/me/consent", token,
                        "{\"marketing_opt_in\": false, \"text_version\": \"2026-12\"}");
  g_assert_false (json_node_get_boolean (test_response_member (reply, "marketing_opt_in")));
  g_assert_cmpstr (test_response_string (reply, "changed_at"), !=, first_time);

  audit = test_request (server, "GET", "/v1/admin/audit?action=consent.changed", admin, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (audit, "items"))), ==, 2);
  g_assert_cmpstr (test_response_string (audit, "items.0.actor"), ==, user_id);
  g_assert_false (json_node_get_boolean (test_response_member (audit,
                                                               "items.0.details.marketing_opt_in")));
  g_assert_cmpstr (test_response_string (audit, "items.1.details.text_version"), ==, "2026-12");

  export = test_request (server, "GET", "/v1/me/export", token, NULL);
  g_assert_cmpstr (test_response_string (export, "settings.consent.changed_at"), ==,
                   test_response_string (reply, "changed_at"));
  g_assert_cmpstr (test_response_string (export, "settings.consent.text_version"), ==, "2026-12");
}

/* --- a chain written by 0.1.0 --- */

/* Turns every record back into format 1, the fields hashed as they are,
 * as 0.1.0 wrote them: the server must be stopped. */
static void
make_legacy (TestServer *server)
{
  g_autofree char *path = test_server_ledger_path (server);

  test_rig_rehash_audit (path, TRUE);
}

static gboolean
upgraded (gpointer data)
{
  return test_server_count (data, "SELECT count(*) FROM audit WHERE action = 'audit.upgraded'") > 0;
}

static void
test_legacy_chain (void)
{
  g_autoptr(TestServer) server = NULL;
  g_autofree char *admin = NULL;
  g_autoptr(TestResponse) reply = NULL;
  g_autofree char *token = NULL;
  char user_id[37], account_id[37];
  gint64 records;

  /* 0.1.0 wrote its chain to SQLite only, and the rig rewrites that file. */
  if (test_skip_unless_sqlite ())
    return;

  server = test_server_start (private_hooks);
  admin = test_admin_new (server, "boss@example.com");
  token = busy_user (server, admin, "legacy.lou@example.com", "Lou Legacy", user_id, account_id);
  test_server_stop (server, FALSE);
  make_legacy (server);
  records = test_server_count (server, "SELECT count(*) FROM audit WHERE format = 1");
  g_assert_cmpint (records, >, 5);

  /* The first start of this version rewrites the chain once, and says so. */
  test_server_restart (server);
  g_assert_true (wait_for (upgraded, server));
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM audit WHERE format < 2"), ==,
                   0);
  assert_audit_verifies (server, admin);
  reply = test_request (server, "GET", "/v1/admin/audit?action=audit.upgraded", admin, NULL);
  g_assert_cmpint (test_response_int (reply, "items.0.details.records"), ==, records);
  g_assert_cmpint (strlen (test_response_string (reply, "items.0.details.previous_head_hash")),
                   ==, 64);
  g_clear_pointer (&reply, test_response_free);

  /* Once only. */
  test_server_restart (server);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM audit "
                                              "WHERE action = 'audit.upgraded'"), ==, 1);

  /* And now the old records can be pseudonymised too. */
  reply = erase_user (server, admin, user_id);
  g_assert_cmpuint (reply->status, ==, 204);
  assert_audit_verifies (server, admin);
  assert_nowhere (server, "legacy.lou@example.com");
  assert_nowhere (server, "Lou Legacy");
  test_server_check_ledger (server);
}

/* A chain that no longer verifies is left as it is, for an admin to see. */
static void
test_legacy_chain_broken (void)
{
  g_autoptr(TestServer) server = NULL;
  g_autofree char *admin = NULL;
  g_autofree char *token = NULL;
  g_autofree char *after = NULL;
  g_autoptr(TestResponse) verify = NULL;

  /* 0.1.0 wrote its chain to SQLite only, and the rig rewrites that file. */
  if (test_skip_unless_sqlite ())
    return;

  server = test_server_start (private_hooks);
  admin = test_admin_new (server, "boss@example.com");
  token = test_user_new (server, "broken@example.com", NULL);
  test_server_stop (server, FALSE);
  make_legacy (server);
  test_server_exec (server, "UPDATE audit SET outcome = 'tampered' WHERE seq = 1");

  test_server_restart (server);
  /* A write answered: the one queued at start has run before it. */
  after = test_user_new (server, "after@example.com", NULL);
  verify = test_request (server, "GET", "/v1/admin/audit/verify", admin, NULL);
  g_assert_false (json_node_get_boolean (test_response_member (verify, "ok")));
  g_assert_cmpint (test_response_int (verify, "broken_at"), ==, 1);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM audit WHERE format = 1"), >, 0);
  g_assert_false (upgraded (server));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/privacy/admin-users/list", test_list_users);
  g_test_add_func ("/privacy/admin-users/limits", test_list_users_limits);
  g_test_add_func ("/privacy/admin-users/update", test_update_user);
  g_test_add_func ("/privacy/erase/me", test_erase_me);
  g_test_add_func ("/privacy/erase/by-admin", test_erase_by_admin);
  g_test_add_func ("/privacy/erase/concurrent", test_erase_concurrent);
  g_test_add_func ("/privacy/erase/throttled", test_erase_throttled);
  g_test_add_func ("/privacy/export", test_export);
  g_test_add_func ("/privacy/session-retention", test_session_retention);
  g_test_add_func ("/privacy/consent", test_consent);
  g_test_add_func ("/privacy/legacy-chain", test_legacy_chain);
  g_test_add_func ("/privacy/legacy-chain-broken", test_legacy_chain_broken);

  return g_test_run ();
}
