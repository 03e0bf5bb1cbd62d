/* test-cache.c: the app's local cache, against real sync answers of a real
 * tally-server, and killed while it writes
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tally-cache.h"
#include "tally-export.h"
#include "tally-ledger-sqlite.h"
#include "tally-sync-op.h"
#include "tally-transfer-json.h"
#include "tally-cache-test.h"
#include "tally-test-server.h"

/* Started by the first test that needs it, the sync tests, which GLib
 * runs after the others: the kill test forks, best done before libsoup
 * has threads. */
static TestServer *server;
static char *admin_token;
static guint n_users;
static guint n_caches;

static TestServer *
get_server (void)
{
  const char *args[] = { "--lease-amount=50", NULL };

  if (server == NULL)
    {
      server = test_server_start (args);
      admin_token = test_admin_new (server, "cache-admin@example.com");
    }
  return server;
}

static char *
new_cache_path (void)
{
  g_autofree char *name = g_strdup_printf ("cache-%u.db", ++n_caches);

  return g_build_filename (g_get_user_cache_dir (), "caches", name, NULL);
}

static TallyCache *
open_cache (const char *path)
{
  g_autoptr(GError) error = NULL;
  TallyCache *cache = tally_cache_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cache);
  return cache;
}

static JsonObject *
run_op (const char *id,
        const char *tool,
        gint64      units,
        gint64      cost)
{
  JsonObject *op = json_object_new ();

  json_object_set_string_member (op, "id", id);
  json_object_set_string_member (op, "type", "run");
  json_object_set_string_member (op, "tool", tool);
  json_object_set_int_member (op, "units", units);
  json_object_set_string_member (op, "outcome", "succeeded");
  json_object_set_int_member (op, "cost", cost);
  json_object_set_string_member (op, "created_at", "2026-03-01T10:00:00.000Z");
  return op;
}

static void
add_op (TallyCache *cache,
        const char *id,
        const char *tool,
        gint64      units,
        gint64      cost)
{
  g_autoptr(JsonObject) op = run_op (id, tool, units, cost);
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_cache_outbox_add (cache, op, &error));
  g_assert_no_error (error);
}

/* --- paths, documents, outbox --- */

static void
test_build_path (void)
{
  const char *user = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
  g_autofree char *path = tally_cache_build_path ("https://tally.example.com", user);
  g_autofree char *upper = tally_cache_build_path ("https://tally.example.com",
                                                   "1B4E28BA-2FA1-11D2-883F-0016D3CCA427");
  g_autofree char *other = tally_cache_build_path ("http://127.0.0.1:8470", user);
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "tally", "cache", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *hash = g_path_get_basename (dir);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_cmpstr (parent, ==, folder);
  g_assert_cmpuint (strlen (hash), ==, 16);
  for (const char *c = hash; *c; c++)
    g_assert_true (g_ascii_isxdigit (*c));
  g_assert_cmpstr (base, ==, "1b4e28ba-2fa1-11d2-883f-0016d3cca427.db");
  g_assert_cmpstr (upper, ==, path);
  g_assert_cmpstr (other, !=, path);

  /* Names from the network never leave the folder. */
  g_assert_null (tally_cache_build_path ("https://tally.example.com", "../../../etc/passwd"));
  g_assert_null (tally_cache_build_path ("https://tally.example.com", ""));
  g_assert_null (tally_cache_build_path ("https://tally.example.com", NULL));
  g_assert_null (tally_cache_build_path ("https://tally.example.com",
                                         "1b4e28ba-2fa1-11d2-883f-0016d3cca427/.."));
}

static void
test_open_and_reopen (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *device = g_strdup (tally_cache_get_device_id (cache));
  TallyCacheLease lease;
  TallyAccount account;

  g_assert_true (g_uuid_string_is_valid (device));
  g_assert_cmpint (tally_cache_get_cursor (cache), ==, 0);
  tally_cache_get_lease (cache, &lease);
  g_assert_cmpstr (lease.id, ==, "");
  g_assert_false (tally_cache_lookup_account (cache, "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                                              &account));
  g_assert_true (tally_ledger_is_mirror (tally_cache_get_ledger (cache)));

  /* The device keeps its id for good. */
  g_clear_object (&cache);
  cache = open_cache (path);
  g_assert_cmpstr (tally_cache_get_device_id (cache), ==, device);
  cache_test_assert_clean (cache);
}

static void
test_documents (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autoptr(JsonNode) me = json_from_string ("{\"user\": {\"name\": \"Ada\"}, \"n\": 3}", NULL);
  g_autoptr(JsonNode) newer = json_from_string ("[1, 2, 3]", NULL);
  g_autoptr(JsonNode) read = NULL;
  g_autoptr(JsonNode) reread = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (tally_cache_get_document (cache, "me"));
  g_assert_true (tally_cache_set_document (cache, "me", me, &error));
  g_assert_no_error (error);
  read = tally_cache_get_document (cache, "me");
  g_assert_true (json_node_equal (read, me));

  g_assert_true (tally_cache_set_document (cache, "tools", newer, &error));
  g_assert_true (tally_cache_set_document (cache, "tools", me, &error));
  g_assert_no_error (error);

  g_clear_object (&cache);
  cache = open_cache (path);
  reread = tally_cache_get_document (cache, "tools");
  g_assert_true (json_node_equal (reread, me));
  g_assert_null (tally_cache_get_document (cache, "packs"));
}

/* When the writer last stored @name; closing the cache waits for it. */
static gint64
document_saved_at (TallyCache **cache,
                   const char  *path,
                   const char  *name)
{
  sqlite3_stmt *stmt = NULL;
  gint64 saved_at = -1;

  g_clear_object (cache);
  *cache = open_cache (path);
  g_assert_cmpint (sqlite3_prepare_v2 (tally_ledger_get_sqlite (tally_cache_get_ledger (*cache)),
                                       "SELECT saved_at FROM documents WHERE name = ?", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    saved_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return saved_at;
}

/* /v1/me comes after every run: one the file holds is not written again,
 * and only the last of those queued together is kept. */
static void
test_documents_written_when_changed (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autoptr(JsonNode) me = json_from_string ("{\"spent\": 1}", NULL);
  g_autoptr(JsonNode) later = json_from_string ("{\"spent\": 2}", NULL);
  g_autoptr(JsonNode) last = json_from_string ("{\"spent\": 3}", NULL);
  g_autoptr(JsonNode) read = NULL;
  gint64 first, again;

  g_assert_true (tally_cache_set_document (cache, "me", me, NULL));
  first = document_saved_at (&cache, path, "me");
  g_assert_cmpint (first, >, 0);

  g_usleep (2000);
  g_assert_true (tally_cache_set_document (cache, "me", me, NULL));
  again = document_saved_at (&cache, path, "me");
  g_assert_cmpint (again, ==, first);

  g_assert_true (tally_cache_set_document (cache, "me", later, NULL));
  g_assert_true (tally_cache_set_document (cache, "me", last, NULL));
  read = tally_cache_get_document (cache, "me");
  g_assert_true (json_node_equal (read, last));
  g_assert_cmpint (document_saved_at (&cache, path, "me"), >, first);
  g_clear_pointer (&read, json_node_unref);
  read = tally_cache_get_document (cache, "me");
  g_assert_true (json_node_equal (read, last));
}

static void
count_changed (TallyCache *cache,
               guint      *n)
{
  (*n)++;
}

static void
test_outbox (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *a = g_uuid_string_random ();
  g_autofree char *b = g_uuid_string_random ();
  g_autofree char *c = g_uuid_string_random ();
  g_autoptr(JsonArray) first_two = NULL;
  g_autoptr(JsonArray) all = NULL;
  guint n_changed = 0;

  g_signal_connect (cache, "changed", G_CALLBACK (count_changed), &n_changed);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 0);

  add_op (cache, a, "image-convert", 8, 3);
  add_op (cache, b, "image-rotate", 2, 5);
  add_op (cache, c, "pdf-merge", 1, 0);
  g_assert_cmpuint (n_changed, ==, 3);

  /* The same id again changes nothing. */
  add_op (cache, b, "image-rotate", 2, 5);
  g_assert_cmpuint (n_changed, ==, 3);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 3);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 8);

  first_two = tally_cache_outbox_peek (cache, 2);
  g_assert_cmpuint (json_array_get_length (first_two), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (first_two, 0),
                                                  "id"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (first_two, 1),
                                                  "id"), ==, b);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (first_two, 0),
                                               "units"), ==, 8);

  g_clear_object (&cache);
  cache = open_cache (path);
  all = tally_cache_outbox_peek (cache, 100);
  g_assert_cmpuint (json_array_get_length (all), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (all, 2), "id"),
                   ==, c);
}

static void
assert_op_refused (TallyCache *cache,
                   JsonObject *op)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_cache_outbox_add (cache, op, &error));
  g_assert_error (error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_OP);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
}

static void
test_outbox_refuses_bad_ops (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *id = g_uuid_string_random ();
  const char *members[] = { "id", "type", "tool", "units", "outcome", "cost" };

  g_autoptr(JsonObject) not_uuid = run_op ("not-a-uuid", "image-convert", 8, 3);
  g_autoptr(JsonObject) negative = run_op (id, "image-convert", 8, -1);
  g_autoptr(JsonObject) outcome = run_op (id, "image-convert", 8, 3);
  g_autoptr(JsonObject) no_zone = run_op (id, "image-convert", 8, 3);
  g_autoptr(JsonObject) fraction = run_op (id, "image-convert", 8, 3);

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autoptr(JsonObject) missing = run_op (id, "image-convert", 8, 3);

      json_object_remove_member (missing, members[i]);
      assert_op_refused (cache, missing);
    }

  assert_op_refused (cache, not_uuid);
  assert_op_refused (cache, negative);
  json_object_set_string_member (outcome, "outcome", "exploded");
  assert_op_refused (cache, outcome);
  json_object_set_string_member (no_zone, "created_at", "2026-03-01T10:00:00");
  assert_op_refused (cache, no_zone);
  json_object_set_double_member (fraction, "units", 2.5);
  assert_op_refused (cache, fraction);
}

/* --- durability: a child adds ops until it is killed --- */

static G_NORETURN void
add_ops_until_killed (const char *path,
                      int         report_fd)
{
  g_autoptr(GError) error = NULL;
  TallyCache *cache = tally_cache_open (path, &error);

  if (cache == NULL)
    _exit (2);

  for (;;)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *line = g_strconcat (id, "\n", NULL);
      g_autoptr(JsonObject) op = run_op (id, "image-convert", 4, 2);
      gsize done = 0;

      if (!tally_cache_outbox_add (cache, op, NULL))
        _exit (3);

      /* Reported only once the call has returned. */
      while (done < strlen (line))
        {
          ssize_t n = write (report_fd, line + done, strlen (line) - done);

          if (n < 0 && errno != EINTR)
            _exit (4);
          if (n > 0)
            done += (gsize) n;
        }
    }
}

static void
read_available (int      fd,
                GString *reported,
                int      timeout_ms)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  char buffer[4096];
  ssize_t n;

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return;
  n = read (fd, buffer, sizeof buffer);
  if (n > 0)
    g_string_append_len (reported, buffer, n);
}

/* Runs a writer child for a random while and kills it; returns what it
 * reported, whole lines only. */
static GStrv
run_and_kill_writer (const char *path)
{
  g_autoptr(GString) reported = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + g_random_int_range (20, 400) * 1000;
  int fds[2];
  int status;
  pid_t pid;
  char *last_newline;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      add_ops_until_killed (path, fds[1]);
    }

  close (fds[1]);
  while (g_get_monotonic_time () < deadline)
    read_available (fds[0], reported, 5);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  while (TRUE)
    {
      gsize before = reported->len;

      read_available (fds[0], reported, 0);
      if (reported->len == before)
        break;
    }
  close (fds[0]);

  /* A line cut by the kill was not reported whole. */
  last_newline = strrchr (reported->str, '\n');
  g_string_truncate (reported, last_newline ? (gsize) (last_newline - reported->str) : 0);
  return reported->len > 0 ? g_strsplit (reported->str, "\n", -1) : g_new0 (char *, 1);
}

static void
assert_integrity (TallyCache *cache)
{
  sqlite3 *db = tally_ledger_get_sqlite (tally_cache_get_ledger (cache));
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  cache_test_assert_clean (cache);
}

/* Every op reported is in the outbox. */
static void
assert_all_present (GHashTable *reported,
                    JsonArray  *ops)
{
  g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id;

  for (guint i = 0; i < json_array_get_length (ops); i++)
    g_hash_table_add (present, (gpointer) json_object_get_string_member (
                        json_array_get_object_element (ops, i), "id"));

  g_hash_table_iter_init (&iter, reported);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_assert_true (g_hash_table_contains (present, id));
}

static void
test_outbox_durable_after_kill (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(GHashTable) reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TallyCache) created = open_cache (path);

  /* Created once, so every child only adds. */
  g_clear_object (&created);

  for (guint round = 0; round < 6; round++)
    {
      g_auto(GStrv) ids = run_and_kill_writer (path);
      g_autoptr(TallyCache) cache = open_cache (path);
      g_autoptr(JsonArray) ops = tally_cache_outbox_peek (cache, G_MAXUINT);
      guint n_ops = json_array_get_length (ops);

      for (guint i = 0; ids[i] != NULL; i++)
        g_hash_table_add (reported, g_strdup (ids[i]));

      /* At most the op being added when each kill came is there unreported. */
      g_assert_cmpuint (g_hash_table_size (reported), >, 0);
      assert_all_present (reported, ops);
      g_assert_cmpuint (n_ops, <=, g_hash_table_size (reported) + round + 1);
      g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 2 * (gint64) n_ops);
      assert_integrity (cache);
      g_test_message ("round %u: %u ops reported in all, %u in the outbox", round,
                      g_hash_table_size (reported), n_ops);
    }
}

/* --- real answers of a real server --- */

static char *
funded_user (char   account_id[37],
             gint64 credits)
{
  g_autofree char *email = g_strdup_printf ("cache-%u@example.com", ++n_users);
  char *token = test_user_new (get_server (), email, account_id);

  if (credits > 0)
    test_grant (server, admin_token, account_id, credits);
  return token;
}

/* Authorizes a run of image-convert over 40 images (held 11) and, unless
 * @outcome is NULL, completes it with 20 units (charged 6 when it
 * succeeded). */
static char *
run_on_server (const char *token,
               const char *outcome)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-convert\", "
                                           "\"inputs\": {\"images\": 40}}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autofree char *done = g_strdup_printf ("{\"units\": 20, \"outcome\": \"%s\"}", outcome);
  g_autoptr(TestResponse) authorized = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) completed = NULL;

  g_assert_cmpuint (authorized->status, ==, 201);
  if (outcome != NULL)
    {
      completed = test_request (server, "POST", path, token, done);
      g_assert_cmpuint (completed->status, ==, 200);
    }
  return g_steal_pointer (&id);
}

static char *
complete_on_server (const char *token,
                    const char *id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) completed = test_request (server, "POST", path, token,
                                                    "{\"units\": 20, \"outcome\": \"succeeded\"}");

  g_assert_cmpuint (completed->status, ==, 200);
  return g_strdup (id);
}

/* POST /v1/sync as the cache would send it. */
static JsonObject *
sync_answer (TallyCache *cache,
             const char *token)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(TestResponse) response = NULL;

  json_object_set_string_member (body, "device", tally_cache_get_device_id (cache));
  json_object_set_int_member (body, "cursor", tally_cache_get_cursor (cache));
  json_object_set_array_member (body, "ops", tally_cache_outbox_peek (cache, 1000));
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);

  response = test_request (server, "POST", "/v1/sync", token, text);
  g_assert_cmpuint (response->status, ==, 200);
  return json_object_ref (json_node_get_object (response->json));
}

static void
apply (TallyCache *cache,
       JsonObject *answer)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_cache_apply_sync_answer (cache, answer, &error));
  g_assert_no_error (error);
}

static void
assert_account_as_server (TallyCache *cache,
                          const char *token,
                          const char *account_id)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  TallyAccount account;

  g_assert_cmpuint (me->status, ==, 200);
  g_assert_true (tally_cache_lookup_account (cache, account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==,
                   test_response_int (me, "accounts.0.balance"));
  g_assert_cmpint (tally_account_available (&account), ==,
                   test_response_int (me, "accounts.0.available"));
  g_assert_cmpint (tally_account_held (&account), ==, test_response_int (me, "accounts.0.held"));
}

/* The history read from the cache is GET /v1/transactions, item by item. */
static void
assert_history_as_server (TallyCache *cache,
                          const char *token,
                          const char *account_id)
{
  g_autoptr(JsonArray) served = test_list_transactions (server, token);
  g_autoptr(GArray) cached = cache_test_statement (cache, account_id);

  g_assert_cmpuint (cached->len, ==, json_array_get_length (served));
  for (guint i = 0; i < cached->len; i++)
    {
      TallyStatementItem *item = &g_array_index (cached, TallyStatementItem, i);
      JsonObject *other = json_array_get_object_element (served, i);

      g_assert_cmpstr (item->id, ==, json_object_get_string_member (other, "id"));
      g_assert_cmpstr (tally_transfer_kind_to_string (item->kind), ==,
                       json_object_get_string_member (other, "kind"));
      g_assert_cmpstr (tally_item_status_to_string (item->status), ==,
                       json_object_get_string_member (other, "status"));
      g_assert_cmpint (item->amount, ==, json_object_get_int_member (other, "amount"));
    }
}

static void
assert_lease_as_answer (TallyCache *cache,
                        JsonObject *answer)
{
  JsonObject *lease = json_object_get_object_member (answer, "lease");
  TallyCacheLease cached;

  tally_cache_get_lease (cache, &cached);
  g_assert_nonnull (lease);
  g_assert_cmpstr (cached.id, ==, json_object_get_string_member (lease, "id"));
  g_assert_cmpint (cached.amount, ==, json_object_get_int_member (lease, "amount"));
  g_assert_cmpint (cached.remaining, ==, json_object_get_int_member (lease, "remaining"));
  g_assert_cmpint (cached.expires_at, >, g_get_real_time ());
}

/* --- the writer thread --- */

typedef struct
{
  GThread  *thread;
  gboolean  returned;
  gboolean  applied;
  GError   *error;
  gint64    cursor;
  guint     n_changed;
  /* n_changed when the task returned. */
  guint     n_changed_before;
} Applied;

static void
changed_on_thread (TallyCache *cache,
                   Applied    *applied)
{
  g_assert_true (g_thread_self () == applied->thread);
  applied->n_changed++;
}

static void
answer_applied (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Applied *applied = data;

  g_assert_true (g_thread_self () == applied->thread);
  applied->applied = tally_cache_apply_sync_answer_finish (TALLY_CACHE (source), result,
                                                          &applied->error);
  /* What the write committed is what the cache shows by now. */
  applied->cursor = tally_cache_get_cursor (TALLY_CACHE (source));
  applied->n_changed_before = applied->n_changed;
  applied->returned = TRUE;
}

static void
wait_applied (Applied *applied)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!applied->returned && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (applied->returned);
}

/* A write asked for just before the cache's last reference goes is made,
 * and answered on the thread that asked; one whose caller cancelled is
 * answered as cancelled. */
static void
test_writer_outlives_its_callers (void)
{
  char account_id[37];
  g_autofree char *token = funded_user (account_id, 30);
  g_autofree char *path = new_cache_path ();
  TallyCache *cache = open_cache (path);
  g_autoptr(JsonObject) answer = sync_answer (cache, token);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonObject) bad = json_object_new ();
  Applied applied = { g_thread_self () };
  Applied cancelled = { g_thread_self () };
  Applied refused = { g_thread_self () };
  gint64 cursor = json_object_get_int_member (answer, "cursor");

  g_signal_connect (cache, "changed", G_CALLBACK (changed_on_thread), &applied);
  tally_cache_apply_sync_answer_async (cache, answer, NULL, answer_applied, &applied);
  tally_cache_apply_sync_answer_async (cache, answer, cancellable, answer_applied, &cancelled);
  g_cancellable_cancel (cancellable);
  /* Refused before it reaches the writer, yet answered the same way. */
  tally_cache_apply_sync_answer_async (cache, bad, NULL, answer_applied, &refused);
  g_object_unref (cache);

  wait_applied (&applied);
  g_assert_no_error (applied.error);
  g_assert_true (applied.applied);
  g_assert_cmpint (applied.cursor, ==, cursor);
  /* ::changed came just before. */
  g_assert_cmpuint (applied.n_changed_before, ==, 1);
  /* The writer may have begun it before the cancel: it says cancelled
   * either way. */
  wait_applied (&cancelled);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_applied (&refused);
  g_assert_error (refused.error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_ANSWER);
  g_clear_error (&cancelled.error);
  g_clear_error (&refused.error);

  /* The last task returned, the cache is gone and its thread joined: the
   * file has the answer. */
  cache = open_cache (path);
  g_assert_cmpint (tally_cache_get_cursor (cache), ==, cursor);
  assert_account_as_server (cache, token, account_id);
  cache_test_assert_clean (cache);
  g_object_unref (cache);
}

static void
test_sync_real_answer (void)
{
  char account_id[37];
  g_autofree char *token = funded_user (account_id, 100);
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *posted = run_on_server (token, "succeeded");
  g_autofree char *voided = run_on_server (token, "failed");
  g_autofree char *open = run_on_server (token, NULL);
  g_autofree char *settled = NULL;
  g_autoptr(JsonObject) first = sync_answer (cache, token);
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(GArray) history = NULL;
  TallyAccount before, after;
  guint n_changed = 0;

  g_signal_connect (cache, "changed", G_CALLBACK (count_changed), &n_changed);
  apply (cache, first);
  g_assert_cmpuint (n_changed, ==, 1);
  g_assert_cmpint (tally_cache_get_cursor (cache), ==,
                   json_object_get_int_member (first, "cursor"));
  assert_account_as_server (cache, token, account_id);
  assert_history_as_server (cache, token, account_id);
  assert_lease_as_answer (cache, first);
  cache_test_assert_clean (cache);

  /* The posted run is one item: its settled cost. */
  history = cache_test_statement (cache, account_id);
  for (guint i = 0; i < history->len; i++)
    {
      TallyStatementItem *item = &g_array_index (history, TallyStatementItem, i);

      if (g_str_equal (item->id, posted))
        g_assert_cmpint (item->amount, ==, -6);
      if (g_str_equal (item->id, voided))
        g_assert_cmpint (item->status, ==, TALLY_ITEM_STATUS_VOIDED);
      if (g_str_equal (item->id, open))
        g_assert_cmpint (item->status, ==, TALLY_ITEM_STATUS_PENDING);
    }

  /* The same answer again changes nothing. */
  g_assert_true (tally_cache_lookup_account (cache, account_id, &before));
  apply (cache, first);
  g_assert_true (tally_cache_lookup_account (cache, account_id, &after));
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  g_assert_cmpint (tally_cache_get_cursor (cache), ==,
                   json_object_get_int_member (first, "cursor"));

  /* Later: the open run ends and credits come in; the next answer has
   * only what is new, a post among it. */
  settled = complete_on_server (token, open);
  test_grant (server, admin_token, account_id, 25);
  second = sync_answer (cache, token);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (second, "transfers")),
                    ==, 2);
  apply (cache, second);
  assert_account_as_server (cache, token, account_id);
  assert_history_as_server (cache, token, account_id);
  cache_test_assert_clean (cache);

  /* And it all survives a reopen. */
  g_clear_object (&cache);
  cache = open_cache (path);
  assert_account_as_server (cache, token, account_id);
  g_assert_cmpint (tally_cache_get_cursor (cache), ==,
                   json_object_get_int_member (second, "cursor"));
}

static void
test_sync_offline_ops (void)
{
  char account_id[37];
  g_autofree char *token = funded_user (account_id, 100);
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *paid = g_uuid_string_random ();
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(JsonObject) leased = sync_answer (cache, token);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonArray) rejected = NULL;
  g_autoptr(JsonArray) none = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *entry;
  TallyCacheLease lease;

  apply (cache, leased);
  tally_cache_get_lease (cache, &lease);
  g_assert_cmpint (lease.remaining, ==, 50);

  /* Offline: 20 units of image-convert cost 1 + ceil (20 / 4). */
  add_op (cache, paid, "image-convert", 20, 6);
  add_op (cache, unknown, "no-such-tool", 1, 2);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 8);

  answer = sync_answer (cache, token);
  apply (cache, answer);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 0);
  assert_account_as_server (cache, token, account_id);
  assert_history_as_server (cache, token, account_id);
  assert_lease_as_answer (cache, answer);
  cache_test_assert_clean (cache);

  rejected = tally_cache_list_rejected (cache);
  g_assert_cmpuint (json_array_get_length (rejected), ==, 1);
  entry = json_array_get_object_element (rejected, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==, unknown);
  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, "unknown_tool");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "op"),
                                                  "tool"), ==, "no-such-tool");

  g_assert_true (tally_cache_dismiss_rejected (cache, unknown, &error));
  g_assert_no_error (error);
  none = tally_cache_list_rejected (cache);
  g_assert_cmpuint (json_array_get_length (none), ==, 0);
}

/* --- a team's pool --- */

static void
pool_written (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Applied *applied = data;

  applied->applied = tally_cache_write_pool_finish (TALLY_CACHE (source), result,
                                                    &applied->error);
  applied->returned = TRUE;
}

static void
op_added (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Applied *applied = data;

  applied->applied = tally_cache_outbox_add_finish (TALLY_CACHE (source), result,
                                                    &applied->error);
  applied->returned = TRUE;
}

/* An op on @pool, the pool of the team @team_name. */
static void
add_pool_op (TallyCache *cache,
             const char *pool,
             const char *team_name,
             const char *id)
{
  g_autoptr(JsonObject) op = run_op (id, "image-convert", 20, 6);
  Applied added = { g_thread_self () };

  tally_cache_outbox_add_on_async (cache, op, pool, team_name, NULL, op_added, &added);
  wait_applied (&added);
  g_assert_no_error (added.error);
  g_assert_true (added.applied);
}

/* tally_cache_outbox_add_run_async() for @outcome and @tool, waited for. */
static gboolean
add_run (TallyCache  *cache,
         const char  *id,
         const char  *tool,
         const char  *outcome,
         GError     **error)
{
  Applied added = { g_thread_self () };

  tally_cache_outbox_add_run_async (cache, NULL, NULL, id, tool, outcome, -1, 4, NULL,
                                    op_added, &added);
  wait_applied (&added);
  if (added.error != NULL)
    g_propagate_error (error, added.error);
  return added.applied;
}

/* The app's offline run goes into the outbox as libtally writes a SyncOp
 * (units below 0, nothing measured, as 0), and what it cannot write is
 * refused naming the member. */
static void
test_outbox_run_op (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *long_tool = g_strnfill (TALLY_TOOL_ID_MAX, 't');
  g_autoptr(JsonArray) ops = NULL;
  g_autoptr(GError) error = NULL;
  TallySyncOpFault fault;
  TallySyncOp op;

  g_assert_false (add_run (cache, id, "image-convert", "exploded", &error));
  g_assert_error (error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_OP);
  g_assert_nonnull (strstr (error->message, "“outcome”"));
  g_clear_error (&error);
  g_assert_false (add_run (cache, id, long_tool, "failed", &error));
  g_assert_error (error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_OP);
  g_assert_nonnull (strstr (error->message, "“tool”"));
  g_clear_error (&error);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);

  g_assert_true (add_run (cache, id, "image-convert", "cancelled", &error));
  g_assert_no_error (error);
  ops = tally_cache_outbox_peek (cache, 10);
  g_assert_cmpuint (json_array_get_length (ops), ==, 1);
  g_assert_true (tally_sync_op_from_json (json_array_get_object_element (ops, 0), &op, &fault));
  g_assert_cmpstr (op.id, ==, id);
  g_assert_cmpstr (op.tool, ==, "image-convert");
  g_assert_cmpint (op.outcome, ==, TALLY_RUN_OUTCOME_CANCELLED);
  g_assert_cmpint (op.units, ==, 0);
  g_assert_cmpint (op.cost, ==, 4);
  g_assert_cmpint (op.created_at, >, 0);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 4);
}

/* POST /v1/sync on @pool with the ops waiting on it, applied. */
static JsonObject *
sync_pool (TallyCache *cache,
           const char *token,
           const char *pool)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(TestResponse) response = NULL;
  Applied applied = { g_thread_self () };
  gint64 cursor;
  TallyCacheLease lease;
  JsonObject *answer;

  tally_cache_get_pool_lease (cache, pool, &lease, &cursor);
  json_object_set_string_member (body, "device", tally_cache_get_device_id (cache));
  json_object_set_string_member (body, "account_id", pool);
  json_object_set_int_member (body, "cursor", cursor);
  json_object_set_array_member (body, "ops", tally_cache_outbox_peek_for (cache, pool, 1000));
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  response = test_request (server, "POST", "/v1/sync", token, text);
  g_assert_cmpuint (response->status, ==, 200);
  answer = json_object_ref (json_node_get_object (response->json));

  tally_cache_apply_pool_answer_async (cache, pool, answer, NULL, pool_written, &applied);
  wait_applied (&applied);
  g_assert_no_error (applied.error);
  g_assert_true (applied.applied);
  return answer;
}

/* Ops on a pool wait apart from the user's own; the pool's answer settles
 * only them and records the pool's lease and cursor, not the user's; a
 * pool refused rejects only its ops, with the reason given and the team's
 * name recorded with the op, which outlives the membership. */
static void
test_pool_ops (void)
{
  char account_id[37];
  g_autofree char *token = funded_user (account_id, 10);
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *own = g_uuid_string_random ();
  g_autofree char *charged = g_uuid_string_random ();
  g_autofree char *refused = g_uuid_string_random ();
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", token,
                                               "{\"name\": \"Cache\"}");
  g_autoptr(JsonObject) leased = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonArray) rejected = NULL;
  g_auto(GStrv) pools = NULL;
  g_auto(GStrv) none = NULL;
  Applied refusal = { g_thread_self () };
  TallyCacheLease lease;
  JsonObject *item;
  const char *pool;
  gint64 cursor;

  g_assert_cmpuint (team->status, ==, 201);
  pool = test_response_string (team, "team.account_id");
  test_grant (server, admin_token, pool, 100);
  g_assert_false (tally_cache_get_pool_lease (cache, pool, &lease, &cursor));

  /* The first sync on the pool leases it. */
  leased = sync_pool (cache, token, pool);
  g_assert_true (tally_cache_get_pool_lease (cache, pool, &lease, &cursor));
  g_assert_cmpint (lease.remaining, ==, 50);
  g_assert_cmpint (cursor, ==, json_object_get_int_member (leased, "cursor"));
  g_assert_cmpint (tally_cache_get_cursor (cache), ==, 0);
  tally_cache_get_lease (cache, &lease);
  g_assert_cmpstr (lease.id, ==, "");

  add_op (cache, own, "image-convert", 20, 6);
  add_pool_op (cache, pool, "Cache", charged);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 2);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, NULL), ==, 1);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, pool), ==, 1);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 6);
  g_assert_cmpint (tally_cache_outbox_spent_for (cache, pool), ==, 6);
  pools = tally_cache_list_pools (cache);
  g_assert_cmpuint (g_strv_length (pools), ==, 1);
  g_assert_cmpstr (pools[0], ==, pool);

  /* Charged to the pool: the pool's op settled, the user's waits. */
  answer = sync_pool (cache, token, pool);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, pool), ==, 0);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, NULL), ==, 1);
  g_assert_true (tally_cache_get_pool_lease (cache, pool, &lease, &cursor));
  g_assert_cmpint (lease.remaining, ==,
                   json_object_get_int_member (json_object_get_object_member (answer, "lease"),
                                               "remaining"));
  g_assert_cmpint (cursor, ==, json_object_get_int_member (answer, "cursor"));

  /* The pool refused: its op rejected, its lease forgotten. */
  add_pool_op (cache, pool, "Cache", refused);
  /* A name given later is for ops queued without one only. */
  tally_cache_name_pool_ops (cache, pool, "Renamed");
  tally_cache_refuse_pool_async (cache, pool, "not_member", NULL, pool_written, &refusal);
  wait_applied (&refusal);
  g_assert_no_error (refusal.error);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, pool), ==, 0);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, NULL), ==, 1);
  g_assert_false (tally_cache_get_pool_lease (cache, pool, &lease, &cursor));
  none = tally_cache_list_pools (cache);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  rejected = tally_cache_list_rejected (cache);
  g_assert_cmpuint (json_array_get_length (rejected), ==, 1);
  item = json_array_get_object_element (rejected, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "id"), ==, refused);
  g_assert_cmpstr (json_object_get_string_member (item, "reason"), ==, "not_member");
  g_assert_cmpstr (json_object_get_string_member (item, "account_id"), ==, pool);
  g_assert_cmpstr (json_object_get_string_member (item, "team_name"), ==, "Cache");

  /* Closed and opened again, the rejected op still names its team. */
  g_clear_object (&cache);
  cache = open_cache (path);
  g_clear_pointer (&rejected, json_array_unref);
  rejected = tally_cache_list_rejected (cache);
  g_assert_cmpuint (json_array_get_length (rejected), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 0),
                                                  "team_name"), ==, "Cache");
}

typedef void (*Corrupt) (JsonObject *answer);

static JsonObject *
nth_transfer (JsonObject *answer,
              guint       n)
{
  return json_array_get_object_element (json_object_get_array_member (answer, "transfers"), n);
}

static guint
n_transfers (JsonObject *answer)
{
  return json_array_get_length (json_object_get_array_member (answer, "transfers"));
}

static void
amount_as_text (JsonObject *answer)
{
  json_object_set_string_member (nth_transfer (answer, n_transfers (answer) - 1), "amount", "6");
}

static void
time_missing (JsonObject *answer)
{
  json_object_remove_member (nth_transfer (answer, 0), "created_at");
}

static void
cursor_negative (JsonObject *answer)
{
  json_object_set_int_member (answer, "cursor", -1);
}

static void
status_unknown (JsonObject *answer)
{
  JsonArray *results = json_object_get_array_member (answer, "results");

  json_object_set_string_member (json_array_get_object_element (results, 0), "status", "maybe");
}

static void
lease_time_wrong (JsonObject *answer)
{
  json_object_set_string_member (json_object_get_object_member (answer, "lease"), "expires_at",
                                 "tomorrow");
}

static void
account_kind_unknown (JsonObject *answer)
{
  JsonArray *accounts = json_object_get_array_member (answer, "accounts");

  json_object_set_string_member (json_array_get_object_element (accounts, 0), "kind", "wizard");
}

static void
seq_out_of_order (JsonObject *answer)
{
  json_object_set_int_member (nth_transfer (answer, 1), "seq",
                              json_object_get_int_member (nth_transfer (answer, 0), "seq"));
}

static void
transfers_not_array (JsonObject *answer)
{
  json_object_set_string_member (answer, "transfers", "none");
}

/* Impossible rather than malformed: a grant that debits the user, so the
 * account ends below zero, which its origin never lets happen. */
static void
grant_reversed (JsonObject *answer)
{
  JsonObject *grant = nth_transfer (answer, 0);
  g_autofree char *debit = g_strdup (json_object_get_string_member (grant, "debit_account_id"));

  g_assert_cmpstr (json_object_get_string_member (grant, "kind"), ==, "grant");
  json_object_set_string_member (grant, "debit_account_id",
                                 json_object_get_string_member (grant, "credit_account_id"));
  json_object_set_string_member (grant, "credit_account_id", debit);
}

/* The grants account said to be a user's: never overdrawn, although every
 * grant debits it. */
static void
system_account_as_user (JsonObject *answer)
{
  JsonArray *accounts = json_object_get_array_member (answer, "accounts");
  JsonObject *grants = json_object_new ();

  json_object_set_string_member (grants, "id",
                                 json_object_get_string_member (nth_transfer (answer, 0),
                                                                "debit_account_id"));
  json_object_set_string_member (grants, "kind", "user");
  json_object_set_string_member (grants, "name", "Grants");
  json_array_add_object_element (accounts, grants);
}

static void
assert_nothing_applied (TallyCache *cache,
                        const char *account_id)
{
  TallyCacheLease lease;
  TallyAccount account;

  g_assert_cmpint (tally_cache_get_cursor (cache), ==, 0);
  g_assert_cmpint (tally_ledger_get_last_seq (tally_cache_get_ledger (cache)), ==, 0);
  g_assert_false (tally_cache_lookup_account (cache, account_id, &account));
  tally_cache_get_lease (cache, &lease);
  g_assert_cmpstr (lease.id, ==, "");
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 1);
}

/* A deep copy: json_node_copy() shares objects. */
static JsonObject *
copy_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = json_to_string (node, FALSE);
  copy = json_from_string (text, NULL);
  return json_object_ref (json_node_get_object (copy));
}

/* A copy of @answer without the pending transfer a post settles: well
 * formed, but the mirror cannot follow it. */
static JsonObject *
without_pending (JsonObject *answer)
{
  JsonObject *copy = copy_object (answer);
  JsonArray *transfers = json_object_get_array_member (copy, "transfers");
  const char *pending_id = NULL;

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      JsonNode *node = json_object_get_member (json_array_get_object_element (transfers, i),
                                               "pending_id");

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        pending_id = json_node_get_string (node);
    }
  g_assert_nonnull (pending_id);

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      JsonObject *t = json_array_get_object_element (transfers, i);

      if (g_str_equal (json_object_get_string_member (t, "id"), pending_id))
        {
          json_array_remove_element (transfers, i);
          break;
        }
    }

  return copy;
}

static void
test_malformed_answer_changes_nothing (void)
{
  static const Corrupt corruptions[] = {
    amount_as_text, time_missing, cursor_negative, status_unknown, lease_time_wrong,
    account_kind_unknown, seq_out_of_order, transfers_not_array,
  };
  static const Corrupt impossible[] = { grant_reversed, system_account_as_user };
  char account_id[37];
  g_autofree char *token = funded_user (account_id, 100);
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *op_id = g_uuid_string_random ();
  g_autofree char *posted = run_on_server (token, "succeeded");
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) unfollowable = NULL;
  g_autoptr(GError) error = NULL;

  /* An op the answer has a result for, so results are not empty. */
  add_op (cache, op_id, "no-such-tool", 1, 1);
  answer = sync_answer (cache, token);

  for (guint i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autoptr(JsonObject) broken = copy_object (answer);
      g_autoptr(GError) local_error = NULL;

      corruptions[i] (broken);
      g_assert_false (tally_cache_apply_sync_answer (cache, broken, &local_error));
      g_assert_error (local_error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_ANSWER);
      g_test_message ("refused: %s", local_error->message);
      assert_nothing_applied (cache, account_id);
    }

  /* Well formed but impossible: refused by the mirror, in the middle of
   * the transaction, which leaves nothing behind. */
  unfollowable = without_pending (answer);
  g_assert_false (tally_cache_apply_sync_answer (cache, unfollowable, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_nothing_applied (cache, account_id);
  cache_test_assert_clean (cache);

  /* Found by tests/fuzz/fuzz-sync-answer.c: balances a flagged account
   * forbids, which the mirror once took and tally_ledger_check() then
   * failed on. */
  for (guint i = 0; i < G_N_ELEMENTS (impossible); i++)
    {
      g_autoptr(JsonObject) broken = copy_object (answer);
      g_autoptr(GError) local_error = NULL;

      impossible[i] (broken);
      g_assert_false (tally_cache_apply_sync_answer (cache, broken, &local_error));
      g_assert_error (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
      g_test_message ("refused: %s", local_error->message);
      assert_nothing_applied (cache, account_id);
      cache_test_assert_clean (cache);
    }

  apply (cache, answer);
  assert_account_as_server (cache, token, account_id);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
}

/* --- how long a full page of transfers takes --- */

/* Written as the server writes it, with libtally's encoder. */
static JsonObject *
transfer_object (const char         *id,
                 gint64              seq,
                 TallyTransferKind   kind,
                 const char         *debit,
                 const char         *credit,
                 gint64              amount,
                 const char         *pending_id,
                 TallyTransferFlags  flags,
                 gint64              created_at)
{
  TallyTransfer t;

  tally_transfer_init (&t, id, debit, credit, amount, kind);
  t.seq = seq;
  t.flags = flags;
  t.units = 4;
  t.created_at = created_at;
  tally_transfer_set_pending_id (&t, pending_id);
  tally_transfer_set_tool_id (&t, "image-convert");
  tally_transfer_set_description (&t, "Run of Image convert");
  return tally_transfer_to_json (&t);
}

/* One grant, then 999 transfers of runs: holds and their posts, with
 * gaps in seq as another user's transfers would leave. */
static JsonObject *
full_page (const char *account_id)
{
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
  JsonObject *answer = json_object_new ();
  JsonArray *transfers = json_array_new ();
  JsonArray *accounts = json_array_new ();
  JsonObject *account = json_object_new ();
  gint64 time = g_get_real_time () - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  g_autofree char *grant_id = g_uuid_string_random ();
  g_autofree char *pending_id = NULL;

  json_array_add_object_element (transfers,
                                 transfer_object (grant_id, 1, TALLY_TRANSFER_KIND_GRANT,
                                                  tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                                                  account_id, 100000, NULL,
                                                  TALLY_TRANSFER_FLAG_NONE, time));
  for (gint64 i = 1; i < 1000; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      gint64 seq = 1 + 3 * i;

      if (i % 2 == 1)
        json_array_add_object_element (transfers,
                                       transfer_object (id, seq, TALLY_TRANSFER_KIND_CONSUMPTION,
                                                        account_id, consumption, 10, NULL,
                                                        TALLY_TRANSFER_FLAG_PENDING, time + i));
      else
        json_array_add_object_element (transfers,
                                       transfer_object (id, seq, TALLY_TRANSFER_KIND_CONSUMPTION,
                                                        account_id, consumption, 7, pending_id,
                                                        TALLY_TRANSFER_FLAG_POST_PENDING,
                                                        time + i));
      g_free (pending_id);
      pending_id = g_steal_pointer (&id);
    }

  json_object_set_string_member (account, "id", account_id);
  json_object_set_string_member (account, "kind", "user");
  json_object_set_string_member (account, "name", "Bench");
  json_object_set_int_member (account, "balance", 0);
  json_object_set_int_member (account, "available", 0);
  json_object_set_int_member (account, "held", 0);
  json_array_add_object_element (accounts, account);

  json_object_set_array_member (answer, "results", json_array_new ());
  json_object_set_array_member (answer, "transfers", transfers);
  json_object_set_array_member (answer, "accounts", accounts);
  json_object_set_int_member (answer, "cursor", 1 + 3 * 999);
  json_object_set_boolean_member (answer, "more", FALSE);
  json_object_set_null_member (answer, "lease");
  return answer;
}

static void
test_full_page_timing (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(TallyCache) cache = open_cache (path);
  g_autofree char *account_id = g_uuid_string_random ();
  g_autoptr(JsonObject) answer = full_page (account_id);
  gint64 start, elapsed;
  TallyAccount account;

  start = g_get_monotonic_time ();
  apply (cache, answer);
  elapsed = g_get_monotonic_time () - start;

  /* 500 holds of 10, 499 of them posted at 7, one still held. */
  g_assert_true (tally_cache_lookup_account (cache, account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==, 100000 - 499 * 7);
  g_assert_cmpint (tally_account_held (&account), ==, 10);
  cache_test_assert_clean (cache);

  /* A figure to read, never a pass or fail. */
  g_test_message ("applying a sync answer of 1,000 transfers took %" G_GINT64_FORMAT " ms",
                  elapsed / 1000);
  g_printerr ("# applying a sync answer of 1,000 transfers took %.1f ms\n", elapsed / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = cache_test_make_home ("tally-test-cache-XXXXXX");
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cache/path", test_build_path);
  g_test_add_func ("/cache/open-and-reopen", test_open_and_reopen);
  g_test_add_func ("/cache/documents", test_documents);
  g_test_add_func ("/cache/documents-written-when-changed", test_documents_written_when_changed);
  /* It forks: it runs before the sync tests start the server, and so
   * before libsoup has threads. */
  g_test_add_func ("/cache/outbox/durable-after-kill", test_outbox_durable_after_kill);
  g_test_add_func ("/cache/outbox/order-count-spent", test_outbox);
  g_test_add_func ("/cache/outbox/refuses-bad-ops", test_outbox_refuses_bad_ops);
  g_test_add_func ("/cache/outbox/run-op", test_outbox_run_op);
  g_test_add_func ("/cache/full-page-timing", test_full_page_timing);
  g_test_add_func ("/cache/sync/real-answer", test_sync_real_answer);
  g_test_add_func ("/cache/writer/outlives-its-callers", test_writer_outlives_its_callers);
  g_test_add_func ("/cache/sync/offline-ops", test_sync_offline_ops);
  g_test_add_func ("/cache/sync/pool-ops", test_pool_ops);
  g_test_add_func ("/cache/sync/malformed-answer-changes-nothing",
                   test_malformed_answer_changes_nothing);

  status = g_test_run ();
  g_clear_pointer (&server, test_server_free);
  g_free (admin_token);
  test_remove_tree (home);
  return status;
}
