/* test-cache-reset.c: the app's cache starts its mirror over when the
 * server was restored from a backup, and loses none of its offline runs
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tally-cache.h"
#include "tally-client.h"
#include "tally-sync.h"
#include "tally-cache-test.h"
#include "tally-test-server.h"

#define WAIT_SECONDS 30

typedef struct
{
  TestServer *server;
  char       *admin_token;
  char       *token;
  char        account_id[37];
  char       *cache_path;
  TallyCache *cache;
} Fixture;

static guint n_fixtures;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *args[] = { "--lease-amount=50", NULL };
  g_autofree char *name = g_strdup_printf ("cache-%u.db", ++n_fixtures);
  g_autoptr(GError) error = NULL;

  fixture->server = test_server_start (args);
  fixture->admin_token = test_admin_new (fixture->server, "reset-admin@example.com");
  fixture->token = test_user_new (fixture->server, "reset@example.com", fixture->account_id);
  test_grant (fixture->server, fixture->admin_token, fixture->account_id, 100);

  fixture->cache_path = g_build_filename (g_get_user_cache_dir (), "caches", name, NULL);
  fixture->cache = tally_cache_open (fixture->cache_path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->cache);
  g_clear_pointer (&fixture->server, test_server_free);
  g_clear_pointer (&fixture->admin_token, g_free);
  g_clear_pointer (&fixture->token, g_free);
  g_clear_pointer (&fixture->cache_path, g_free);
}

/* --- the server's data folder, backed up and restored --- */

static void
copy_files (const char *from,
            const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *target = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        continue;
      g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (target, contents, (gssize) length, NULL));
    }
}

static void
remove_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!g_file_test (child, G_FILE_TEST_IS_DIR))
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
}

/* A copy of the stopped server's files, taken between two runs of it. */
static char *
back_up_server (TestServer *server)
{
  char *backup = g_build_filename (server->dir, "backup", NULL);

  test_server_stop (server, FALSE);
  copy_files (server->data_dir, backup);
  test_server_restart (server);
  return backup;
}

static void
restore_server (TestServer *server,
                const char *backup)
{
  test_server_stop (server, FALSE);
  remove_files (server->data_dir);
  copy_files (backup, server->data_dir);
  test_server_restart (server);
}

/* --- POST /v1/sync as the cache sends it --- */

static TestResponse *
post_sync (Fixture *fixture)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_string_member (body, "device", tally_cache_get_device_id (fixture->cache));
  json_object_set_int_member (body, "cursor", tally_cache_get_cursor (fixture->cache));
  json_object_set_array_member (body, "ops", tally_cache_outbox_peek (fixture->cache, 1000));
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);

  return test_request (fixture->server, "POST", "/v1/sync", fixture->token, text);
}

static void
sync_directly (Fixture *fixture)
{
  g_autoptr(TestResponse) response = post_sync (fixture);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_true (tally_cache_apply_sync_answer (fixture->cache,
                                                json_node_get_object (response->json), &error));
  g_assert_no_error (error);
}

static void
add_op (TallyCache *cache,
        const char *id,
        const char *tool)
{
  g_autoptr(JsonObject) op = json_object_new ();
  g_autoptr(GError) error = NULL;

  /* 20 units of image-convert cost 1 + ceil (20 / 4). */
  json_object_set_string_member (op, "id", id);
  json_object_set_string_member (op, "type", "run");
  json_object_set_string_member (op, "tool", tool);
  json_object_set_int_member (op, "units", 20);
  json_object_set_string_member (op, "outcome", "succeeded");
  json_object_set_int_member (op, "cost", 6);
  g_assert_true (tally_cache_outbox_add (cache, op, &error));
  g_assert_no_error (error);
}

/* --- the cache's history against the server's --- */

static void
assert_as_server (Fixture *fixture)
{
  g_autoptr(JsonArray) served = test_list_transactions (fixture->server, fixture->token);
  g_autoptr(GArray) cached = cache_test_statement (fixture->cache, fixture->account_id);
  g_autoptr(TestResponse) me = test_request (fixture->server, "GET", "/v1/me", fixture->token,
                                             NULL);
  TallyAccount account;

  g_assert_cmpuint (cached->len, ==, json_array_get_length (served));
  for (guint i = 0; i < cached->len; i++)
    {
      TallyStatementItem *item = &g_array_index (cached, TallyStatementItem, i);
      JsonObject *other = json_array_get_object_element (served, i);

      g_assert_cmpstr (item->id, ==, json_object_get_string_member (other, "id"));
      g_assert_cmpint (item->amount, ==, json_object_get_int_member (other, "amount"));
    }

  g_assert_true (tally_cache_lookup_account (fixture->cache, fixture->account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==,
                   test_response_int (me, "accounts.0.balance"));
  g_assert_cmpint (tally_account_held (&account), ==, test_response_int (me, "accounts.0.held"));
  cache_test_assert_clean (fixture->cache);
}

/* Items of the server's history that @op_id made. */
static guint
count_items_of_op (Fixture    *fixture,
                   const char *op_id)
{
  g_autoptr(JsonArray) served = test_list_transactions (fixture->server, fixture->token);
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (served); i++)
    {
      JsonObject *item = json_array_get_object_element (served, i);
      const char *run_id = json_object_get_string_member_with_default (item, "run_id", NULL);

      if (g_strcmp0 (run_id, op_id) == 0 ||
          g_strcmp0 (json_object_get_string_member (item, "id"), op_id) == 0)
        count++;
    }
  return count;
}

/* --- the cache on its own --- */

static void
test_reset_keeps_app_tables (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *device_id = g_strdup (tally_cache_get_device_id (fixture->cache));
  g_autofree char *pending = g_uuid_string_random ();
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(JsonNode) document = json_from_string ("{\"balance\": 100}", NULL);
  g_autoptr(JsonNode) kept = NULL;
  g_autoptr(JsonArray) rejected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TestResponse) refused = NULL;
  TallyCacheLease lease;
  TallyAccount account;
  gint64 cursor;

  sync_directly (fixture);
  g_assert_true (tally_cache_set_document (fixture->cache, "me", document, &error));
  g_assert_no_error (error);
  /* One op the server rejects, kept among the rejected ones, and one that
   * waits in the outbox. */
  add_op (fixture->cache, unknown, "no-such-tool");
  sync_directly (fixture);
  add_op (fixture->cache, pending, "image-convert");
  cursor = tally_cache_get_cursor (fixture->cache);
  g_assert_cmpint (cursor, >, 0);

  g_assert_true (tally_cache_reset_mirror (fixture->cache, &error));
  g_assert_no_error (error);

  /* The mirror and the sync state are gone... */
  g_assert_cmpint (tally_cache_get_cursor (fixture->cache), ==, 0);
  tally_cache_get_lease (fixture->cache, &lease);
  g_assert_cmpstr (lease.id, ==, "");
  g_assert_false (tally_cache_lookup_account (fixture->cache, fixture->account_id, &account));
  cache_test_assert_clean (fixture->cache);

  /* ...what is the app's own stays, and all of it through a reopen. */
  g_clear_object (&fixture->cache);
  fixture->cache = tally_cache_open (fixture->cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tally_cache_get_cursor (fixture->cache), ==, 0);
  g_assert_cmpstr (tally_cache_get_device_id (fixture->cache), ==, device_id);
  g_assert_cmpuint (tally_cache_outbox_count (fixture->cache), ==, 1);
  kept = tally_cache_get_document (fixture->cache, "me");
  g_assert_nonnull (kept);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (kept), "balance"), ==, 100);

  /* The server brings it all back from cursor 0, the op with it. */
  sync_directly (fixture);
  g_assert_cmpint (tally_cache_get_cursor (fixture->cache), >, cursor);
  g_assert_cmpuint (tally_cache_outbox_count (fixture->cache), ==, 0);
  assert_as_server (fixture);
  g_assert_cmpuint (count_items_of_op (fixture, pending), ==, 1);
  rejected = tally_cache_list_rejected (fixture->cache);
  g_assert_cmpuint (json_array_get_length (rejected), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 0),
                                                  "id"), ==, unknown);

  /* A cursor 0 is never past the server's ledger; a made-up one is. */
  refused = test_request (fixture->server, "POST", "/v1/sync", fixture->token,
                          "{\"device\": \"0b6c0a43-0d0a-4e55-9d32-0d4c4f6f5d10\", "
                          "\"cursor\": 999999, \"ops\": []}");
  g_assert_cmpuint (refused->status, ==, 400);
  g_assert_cmpstr (test_response_error (refused), ==, "invalid_field");
  g_assert_cmpstr (test_response_string (refused, "error.field"), ==, "cursor");
}

/* --- TallySync against a server restored from a backup --- */

typedef gboolean (*Condition) (Fixture  *fixture,
                               TallySync *sync,
                               gint64    value);

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (Fixture    *fixture,
          TallySync  *sync,
          Condition   condition,
          gint64      value,
          const char *what)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, timed_out, &expired);

  while (!condition (fixture, sync, value) && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout);
}

static gboolean
synced_past (Fixture   *fixture,
             TallySync *sync,
             gint64     cursor)
{
  return !tally_sync_get_syncing (sync) && tally_sync_get_online (sync) &&
         tally_cache_get_cursor (fixture->cache) > cursor;
}

static gboolean
outbox_synced (Fixture   *fixture,
               TallySync *sync,
               gint64     unused)
{
  return !tally_sync_get_syncing (sync) && tally_sync_get_online (sync) &&
         tally_cache_outbox_count (fixture->cache) == 0 &&
         tally_cache_get_cursor (fixture->cache) > 0;
}

static void
count_changed (TallyCache *cache,
               guint      *n_changed)
{
  (*n_changed)++;
}

static void
test_sync_recovers_from_restore (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(TallyClient) client = tally_client_new (fixture->server->base_url);
  g_autoptr(TallySync) sync = NULL;
  g_autofree char *device_id = g_strdup (tally_cache_get_device_id (fixture->cache));
  g_autofree char *op_id = g_uuid_string_random ();
  g_autofree char *backup = NULL;
  g_autoptr(GArray) history = NULL;
  gint64 backed_up, ahead, recovered;
  guint n_changed = 0, n_grants = 0;

  tally_client_set_token (client, fixture->token);
  sync = tally_sync_new (client, fixture->cache);

  /* The first sync takes the lease; the backup has it. */
  tally_sync_now (sync);
  wait_for (fixture, sync, synced_past, 0, "the first sync");
  backed_up = tally_cache_get_cursor (fixture->cache);
  backup = back_up_server (fixture->server);

  /* After the backup: credits come in and the app mirrors them, then runs
   * a tool offline. */
  test_grant (fixture->server, fixture->admin_token, fixture->account_id, 40);
  tally_sync_now (sync);
  wait_for (fixture, sync, synced_past, backed_up, "the sync after the backup");
  ahead = tally_cache_get_cursor (fixture->cache);
  add_op (fixture->cache, op_id, "image-convert");

  /* The server comes back from the backup: its ledger ends before the
   * app's cursor, which it refuses. The app starts its mirror over. */
  restore_server (fixture->server, backup);
  g_signal_connect (fixture->cache, "changed", G_CALLBACK (count_changed), &n_changed);
  tally_sync_now (sync);
  wait_for (fixture, sync, outbox_synced, 0, "the sync after the restore");

  recovered = tally_cache_get_cursor (fixture->cache);
  g_assert_cmpint (recovered, >, backed_up);
  g_assert_cmpint (recovered, !=, ahead);
  g_assert_cmpstr (tally_cache_get_device_id (fixture->cache), ==, device_id);
  g_assert_cmpuint (n_changed, >=, 2);
  assert_as_server (fixture);
  g_assert_cmpuint (count_items_of_op (fixture, op_id), ==, 1);

  /* The grant the backup lost is gone from the app's history too. */
  history = cache_test_statement (fixture->cache, fixture->account_id);
  for (guint i = 0; i < history->len; i++)
    {
      TallyStatementItem *item = &g_array_index (history, TallyStatementItem, i);

      g_assert_cmpint (item->amount, !=, 40);
      if (item->kind == TALLY_TRANSFER_KIND_GRANT)
        n_grants++;
    }
  g_assert_cmpuint (n_grants, ==, 1);

  /* Another round changes nothing: the op was applied once. */
  tally_sync_now (sync);
  wait_for (fixture, sync, outbox_synced, 0, "a quiet sync");
  g_assert_cmpint (tally_cache_get_cursor (fixture->cache), ==, recovered);
  g_assert_cmpuint (count_items_of_op (fixture, op_id), ==, 1);
  assert_as_server (fixture);

  g_signal_handlers_disconnect_by_data (fixture->cache, &n_changed);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = cache_test_make_home ("tally-test-cache-reset-XXXXXX");
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cache-reset/keeps-app-tables", Fixture, NULL, fixture_set_up,
              test_reset_keeps_app_tables, fixture_tear_down);
  g_test_add ("/cache-reset/sync-recovers-from-restore", Fixture, NULL, fixture_set_up,
              test_sync_recovers_from_restore, fixture_tear_down);

  status = g_test_run ();
  test_remove_tree (home);
  return status;
}
