/* test-cache-upgrade.c: a cache the previous release left with runs made
 * offline, opened by this one: no run lost, none charged twice
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is built as the release with the app's cache at schema 2
 * wrote it: its migrations (the cache's own list, up to 2), then its rows
 * by SQL, in its columns, with its ops' JSON. Then TallySync syncs it
 * against a real tally-server, as the session would.
 */

#include "config.h"

#include <string.h>

#include "tally-cache.h"
#include "tally-cache-private.h"
#include "tally-client.h"
#include "tally-json.h"
#include "tally-sync.h"
#include "tally-sync-op.h"
#include "tally-cache-test.h"
#include "tally-test-server.h"

#define LEASE_AMOUNT 50
#define WAIT_SECONDS 30

static TestServer *server;
static char *admin_token;

/* A run the previous release made offline. */
typedef struct
{
  char        id[TALLY_UUID_LEN];
  const char *outcome;
  gint64      units;
  gint64      cost;
} OldRun;

/* The op as that release's tally_cache_outbox_add_run_async() wrote it:
 * built member by member, created_at by g_date_time_format_iso8601(). */
static char *
old_op_text (const OldRun *run)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created_at = g_date_time_format_iso8601 (now);
  g_autoptr(JsonObject) op = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (op, "id", run->id);
  json_object_set_string_member (op, "type", "run");
  json_object_set_string_member (op, "tool", "image-convert");
  json_object_set_int_member (op, "units", run->units);
  json_object_set_string_member (op, "outcome", run->outcome);
  json_object_set_int_member (op, "cost", run->cost);
  json_object_set_string_member (op, "created_at", created_at);
  json_node_set_object (node, op);
  return json_to_string (node, FALSE);
}

/* The device's first sync, as the previous release made it: the server
 * leases it LEASE_AMOUNT. Returns the answer. */
static JsonObject *
first_sync (const char *token,
            const char *device_id)
{
  g_autofree char *body = g_strdup_printf ("{\"device\": \"%s\", \"cursor\": 0, \"ops\": []}",
                                           device_id);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/sync", token, body);
  JsonObject *answer;

  g_assert_cmpuint (response->status, ==, 200);
  answer = json_node_get_object (response->json);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (answer, "lease"),
                                               "remaining"), ==, LEASE_AMOUNT);
  g_assert_cmpint (json_object_get_int_member (answer, "cursor"), >, 0);
  return json_object_ref (answer);
}

/* The other side of a transfer (a system account, the lease's account),
 * known to the mirror by its id alone. */
static void
mirror_counterparty (TallyLedger   *ledger,
                     const char    *account_id,
                     TallyTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  if (tally_ledger_lookup_account (ledger, account_id, &account, NULL))
    return;
  tally_account_init (&account, account_id,
                      transfer->kind == TALLY_TRANSFER_KIND_LEASE ? TALLY_ACCOUNT_KIND_LEASE
                                                                  : TALLY_ACCOUNT_KIND_SYSTEM,
                      TALLY_ACCOUNT_FLAG_NONE, "", "UTC");
  g_assert_true (tally_ledger_mirror_account (ledger, &account, &error));
  g_assert_no_error (error);
}

/* @object mirrored as that release's cache mirrored an answer: through
 * libtally's mirror, whose tables the app's migrations leave alone. */
static void
mirror_answer (TallyLedger *ledger,
               JsonObject  *object)
{
  g_auto(TallyCacheAnswer) answer = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_cache_decode_answer (object, &answer, &error));
  g_assert_true (tally_ledger_begin (ledger, &error));
  for (guint i = 0; i < answer.accounts->len; i++)
    g_assert_true (tally_ledger_mirror_account (ledger, &g_array_index (answer.accounts,
                                                                        TallyAccount, i),
                                                &error));
  for (guint i = 0; i < answer.transfers->len; i++)
    {
      TallyTransfer *transfer = &g_array_index (answer.transfers, TallyTransfer, i);

      mirror_counterparty (ledger, transfer->debit_account_id, transfer);
      mirror_counterparty (ledger, transfer->credit_account_id, transfer);
    }
  g_assert_true (tally_ledger_mirror_transfers (ledger, (TallyTransfer *) answer.transfers->data,
                                                answer.transfers->len, &error));
  g_assert_true (tally_ledger_commit (ledger, &error));
  g_assert_no_error (error);
}

static void
exec_sql (sqlite3 *db,
          char    *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_free (sql);
}

static gint64
app_schema_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gint64 version = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT version FROM components WHERE name = 'app'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

/* The cache file at app schema 2 after its first sync (@answer) and
 * @runs made offline: the mirror, the device's id, cursor and lease, and
 * the runs in the outbox in the columns schema 2 had (no account_id:
 * every run was paid from the user's own account). */
static void
write_schema_2_cache (const char   *path,
                      const char   *device_id,
                      JsonObject   *answer,
                      const OldRun *runs,
                      guint         n_runs)
{
  JsonObject *lease = json_object_get_object_member (answer, "lease");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *migrations;
  guint n_migrations;
  gint64 expires_at;
  sqlite3 *db;

  migrations = tally_cache_list_migrations (&n_migrations);
  g_assert_cmpuint (n_migrations, >, 2);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_migrate_component (ledger, "app", migrations, 2, &error));
  g_assert_no_error (error);
  db = tally_ledger_get_sqlite (ledger);
  g_assert_cmpint (app_schema_version (db), ==, 2);
  mirror_answer (ledger, answer);

  g_assert_true (tally_json_parse_time (json_object_get_string_member (lease, "expires_at"),
                                        &expires_at));
  exec_sql (db, sqlite3_mprintf ("INSERT INTO sync_state (singleton, device_id, cursor, lease_id, "
                                 "lease_amount, lease_remaining, lease_expires_at) "
                                 "VALUES (1, %Q, %lld, %Q, %lld, %lld, %lld)", device_id,
                                 (long long) json_object_get_int_member (answer, "cursor"),
                                 json_object_get_string_member (lease, "id"),
                                 (long long) json_object_get_int_member (lease, "amount"),
                                 (long long) json_object_get_int_member (lease, "remaining"),
                                 (long long) expires_at));
  for (guint i = 0; i < n_runs; i++)
    {
      g_autofree char *text = old_op_text (&runs[i]);

      exec_sql (db, sqlite3_mprintf ("INSERT INTO outbox (id, op, cost, added_at) "
                                     "VALUES (%Q, %Q, %lld, %lld)", runs[i].id, text,
                                     (long long) runs[i].cost, (long long) g_get_real_time ()));
    }
}

/* --- what the server says --- */

static gint64
server_figure (const char *token,
               const char *account_id,
               const char *field)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  JsonArray *accounts = json_node_get_array (test_response_member (me, "accounts"));

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = json_array_get_object_element (accounts, i);

      if (g_str_equal (json_object_get_string_member (account, "id"), account_id))
        return json_object_get_int_member (account, field);
    }
  g_assert_not_reached ();
}

/* Items of the user's history on the server that @op_id made. */
static guint
count_items_of_op (const char *token,
                   const char *op_id)
{
  g_autoptr(JsonArray) served = test_list_transactions (server, token);
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (served); i++)
    {
      JsonObject *item = json_array_get_object_element (served, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (item, "run_id", NULL),
                     op_id) == 0 ||
          g_strcmp0 (json_object_get_string_member (item, "id"), op_id) == 0)
        count++;
    }
  return count;
}

static guint
count_items (const char *token)
{
  g_autoptr(JsonArray) served = test_list_transactions (server, token);

  return json_array_get_length (served);
}

/* --- TallySync's rounds --- */

typedef struct
{
  TallySync *sync;
  guint      rounds;
} Rounds;

static void
count_round (TallySync  *sync,
             GParamSpec *pspec,
             Rounds     *rounds)
{
  if (!tally_sync_get_syncing (sync))
    rounds->rounds++;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Asks for a sync and waits until a round has ended, online. */
static void
sync_round (Rounds *rounds)
{
  guint before = rounds->rounds;
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, timed_out, &expired);

  tally_sync_now (rounds->sync);
  while ((rounds->rounds == before || tally_sync_get_syncing (rounds->sync)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for a sync round");
  g_source_remove (timeout);
  g_assert_true (tally_sync_get_online (rounds->sync));
}

/* The cache's mirror of the user's account is the server's. */
static void
assert_mirror_as_server (TallyCache *cache,
                         const char *token,
                         const char *account_id)
{
  g_autoptr(JsonArray) served = test_list_transactions (server, token);
  g_autoptr(GArray) cached = cache_test_statement (cache, account_id);
  TallyAccount account;

  g_assert_true (tally_cache_lookup_account (cache, account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==,
                   server_figure (token, account_id, "balance"));
  g_assert_cmpint (tally_account_held (&account), ==, server_figure (token, account_id, "held"));
  g_assert_cmpuint (cached->len, ==, json_array_get_length (served));
  cache_test_assert_clean (cache);
}

/* --- the upgrade --- */

/* What the cache holds once opened: the runs waiting, in their order, on
 * the user's own account, and the lease bounding what may be spent. */
static void
assert_runs_kept (TallyCache   *cache,
                  const char   *device_id,
                  JsonObject   *answer,
                  const char   *pool,
                  const OldRun *runs,
                  guint         n_runs,
                  gint64        spent)
{
  g_autoptr(JsonArray) ops = tally_cache_outbox_peek_for (cache, NULL, 100);
  g_auto(GStrv) pools = tally_cache_list_pools (cache);
  TallyCacheLease kept;

  g_assert_cmpstr (tally_cache_get_device_id (cache), ==, device_id);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, n_runs);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, NULL), ==, n_runs);
  g_assert_cmpuint (tally_cache_outbox_count_for (cache, pool), ==, 0);
  g_assert_cmpuint (g_strv_length (pools), ==, 0);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, spent);
  g_assert_cmpuint (json_array_get_length (ops), ==, n_runs);
  for (guint i = 0; i < n_runs; i++)
    {
      TallySyncOpFault fault;
      TallySyncOp op;

      g_assert_true (tally_sync_op_from_json (json_array_get_object_element (ops, i), &op,
                                              &fault));
      g_assert_cmpstr (op.id, ==, runs[i].id);
      g_assert_cmpint (op.cost, ==, runs[i].cost);
    }

  g_assert_cmpint (tally_cache_get_cursor (cache), ==,
                   json_object_get_int_member (answer, "cursor"));
  tally_cache_get_lease (cache, &kept);
  g_assert_cmpstr (kept.id, ==, json_object_get_string_member (
                                  json_object_get_object_member (answer, "lease"), "id"));
  g_assert_cmpint (kept.remaining, ==, LEASE_AMOUNT);
}

/* A user who ran tools offline with the previous release updates the app:
 * every queued run is kept, on the user's own account (not on the pool of
 * the team the user is in), the lease still bounds what may be spent
 * offline, and one sync charges each run once; another changes nothing. */
static void
test_schema_2_outbox (void)
{
  char account_id[37];
  g_autofree char *token = test_user_new (server, "upgrade@example.com", account_id);
  g_autofree char *device_id = g_uuid_string_random ();
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "caches", "upgrade.db",
                                            NULL);
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", token,
                                               "{\"name\": \"Upgrade\"}");
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(TallyCache) cache = NULL;
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(TallySync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rejected = NULL;
  /* image-convert costs 1 + ceil (units / 4) when it succeeds. */
  OldRun runs[] = {
    { "", "succeeded", 20, 6 },
    { "", "succeeded", 8, 3 },
    { "", "cancelled", 0, 0 },
  };
  const char *pools[2] = { NULL, NULL };
  Rounds rounds = { NULL, 0 };
  TallyCacheLease settled, pool_lease;
  gint64 cursor, balance;
  guint n_items;

  g_assert_cmpuint (team->status, ==, 201);
  pools[0] = test_response_string (team, "team.account_id");
  test_grant (server, admin_token, account_id, 100);
  test_grant (server, admin_token, pools[0], 100);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      g_strlcpy (runs[i].id, id, sizeof runs[i].id);
    }

  answer = first_sync (token, device_id);
  write_schema_2_cache (path, device_id, answer, runs, G_N_ELEMENTS (runs));

  /* Opened by this release: migrated, every run kept; and again. */
  cache = tally_cache_open (path, &error);
  g_assert_no_error (error);
  assert_runs_kept (cache, device_id, answer, pools[0], runs, G_N_ELEMENTS (runs), 9);
  cache_test_assert_clean (cache);
  g_clear_object (&cache);
  cache = tally_cache_open (path, &error);
  g_assert_no_error (error);
  assert_runs_kept (cache, device_id, answer, pools[0], runs, G_N_ELEMENTS (runs), 9);

  /* Offline, what may be spent is the lease less the runs waiting. */
  tally_client_set_token (client, token);
  sync = tally_sync_new (client, cache);
  g_assert_cmpint (tally_sync_get_allowance (sync), ==, LEASE_AMOUNT - 9);
  g_assert_cmpint (tally_sync_get_pool_allowance (sync, pools[0]), ==, 0);

  /* The session says the user may spend from the team's pool. */
  rounds.sync = sync;
  g_signal_connect (sync, "notify::syncing", G_CALLBACK (count_round), &rounds);
  tally_sync_set_pools (sync, pools);
  sync_round (&rounds);

  /* Each run charged once to the user, none to the pool. */
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
  rejected = tally_cache_list_rejected (cache);
  g_assert_cmpuint (json_array_get_length (rejected), ==, 0);
  g_assert_cmpuint (count_items_of_op (token, runs[0].id), ==, 1);
  g_assert_cmpuint (count_items_of_op (token, runs[1].id), ==, 1);
  g_assert_cmpint (server_figure (token, account_id, "balance"), ==, 100 - 9);
  g_assert_cmpint (server_figure (token, pools[0], "balance"), ==, 100);
  /* The pool was synced in the same round: leased, and nothing on it. */
  g_assert_true (tally_cache_get_pool_lease (cache, pools[0], &pool_lease, NULL));
  g_assert_cmpint (pool_lease.remaining, ==, LEASE_AMOUNT);
  g_assert_cmpint (server_figure (token, pools[0], "held"), ==, LEASE_AMOUNT);
  tally_cache_get_lease (cache, &settled);
  g_assert_cmpint (settled.remaining, ==, server_figure (token, account_id, "held"));
  g_assert_cmpint (tally_sync_get_allowance (sync), ==, settled.remaining);
  assert_mirror_as_server (cache, token, account_id);

  /* Another sync changes nothing. */
  cursor = tally_cache_get_cursor (cache);
  balance = server_figure (token, account_id, "balance");
  n_items = count_items (token);
  sync_round (&rounds);
  g_assert_cmpint (tally_cache_get_cursor (cache), ==, cursor);
  g_assert_cmpint (server_figure (token, account_id, "balance"), ==, balance);
  g_assert_cmpuint (count_items (token), ==, n_items);
  g_assert_cmpuint (count_items_of_op (token, runs[0].id), ==, 1);
  g_assert_cmpuint (count_items_of_op (token, runs[1].id), ==, 1);
  g_assert_cmpint (server_figure (token, pools[0], "balance"), ==, 100);
  assert_mirror_as_server (cache, token, account_id);

  g_signal_handlers_disconnect_by_data (sync, &rounds);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = cache_test_make_home ("tally-test-cache-upgrade-XXXXXX");
  const char *args[] = { "--lease-amount=" G_STRINGIFY (LEASE_AMOUNT), NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cache-upgrade/schema-2-outbox", test_schema_2_outbox);

  server = test_server_start (args);
  admin_token = test_admin_new (server, "upgrade-admin@example.com");
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  test_remove_tree (home);
  return status;
}
