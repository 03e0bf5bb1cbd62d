/* test-cache-upgrade.c: a cache the previous release left with runs made
 * offline, opened by this one: no run lost, none charged twice
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is built as the release with the app's cache at schema 2 (or
 * 3) wrote it: its migrations (the cache's own list, up to that one),
 * its first sync's answer mirrored, then its rows by SQL, in its columns,
 * with its ops' JSON. Then TallySync (or a whole TallySession) syncs it
 * against a real tally-server.
 */

#include "config.h"

#include <string.h>

#include "tally-cache.h"
#include "tally-cache-private.h"
#include "tally-client.h"
#include "tally-json.h"
#include "tally-secret.h"
#include "tally-session.h"
#include "tally-sync.h"
#include "tally-sync-op.h"
#include "tally-cache-test.h"
#include "tally-test-server.h"

#define LEASE_AMOUNT 50
#define WAIT_SECONDS 30

static TestServer *server;
static char *admin_token;

/* A run an older release made offline. */
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

/* The device's first sync on @pool (NULL: the user's own account) from
 * @cursor, as an older release made it: the server leases it
 * LEASE_AMOUNT. Returns the answer. */
static JsonObject *
first_sync (const char *token,
            const char *device_id,
            const char *pool,
            gint64      cursor)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(TestResponse) response = NULL;
  JsonObject *answer;

  json_object_set_string_member (body, "device", device_id);
  if (pool != NULL)
    json_object_set_string_member (body, "account_id", pool);
  json_object_set_int_member (body, "cursor", cursor);
  json_object_set_array_member (body, "ops", json_array_new ());
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  response = test_request (server, "POST", "/v1/sync", token, text);
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

static void
read_lease (JsonObject *answer,
            JsonObject **lease,
            gint64      *expires_at)
{
  *lease = json_object_get_object_member (answer, "lease");
  g_assert_nonnull (*lease);
  g_assert_true (tally_json_parse_time (json_object_get_string_member (*lease, "expires_at"),
                                        expires_at));
}

/* A cache file with the app's tables at @version, as the release with
 * that schema left it after the first sync of the device @device_id
 * (@answer): the mirror, the device's id, cursor and lease. */
static TallyLedger *
old_cache_new (const char *path,
               guint       version,
               const char *device_id,
               JsonObject *answer)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  const char * const *migrations;
  TallyLedger *ledger;
  JsonObject *lease;
  guint n_migrations;
  gint64 expires_at;
  sqlite3 *db;

  migrations = tally_cache_list_migrations (&n_migrations);
  g_assert_cmpuint (n_migrations, >, version);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_migrate_component (ledger, "app", migrations, version, &error));
  g_assert_no_error (error);
  db = tally_ledger_get_sqlite (ledger);
  g_assert_cmpint (app_schema_version (db), ==, version);
  mirror_answer (ledger, answer);

  read_lease (answer, &lease, &expires_at);
  exec_sql (db, sqlite3_mprintf ("INSERT INTO sync_state (singleton, device_id, cursor, lease_id, "
                                 "lease_amount, lease_remaining, lease_expires_at) "
                                 "VALUES (1, %Q, %lld, %Q, %lld, %lld, %lld)", device_id,
                                 (long long) json_object_get_int_member (answer, "cursor"),
                                 json_object_get_string_member (lease, "id"),
                                 (long long) json_object_get_int_member (lease, "amount"),
                                 (long long) json_object_get_int_member (lease, "remaining"),
                                 (long long) expires_at));
  return ledger;
}

/* @run in the outbox in the columns schema 2 had (no account_id: every
 * run was paid from the user's own account). */
static void
add_schema_2_run (TallyLedger  *ledger,
                  const OldRun *run)
{
  g_autofree char *text = old_op_text (run);

  exec_sql (tally_ledger_get_sqlite (ledger),
            sqlite3_mprintf ("INSERT INTO outbox (id, op, cost, added_at) "
                             "VALUES (%Q, %Q, %lld, %lld)", run->id, text,
                             (long long) run->cost, (long long) g_get_real_time ()));
}

/* @run in the outbox in the columns schema 3 had: paid from @pool, with
 * no team's name. */
static void
add_schema_3_run (TallyLedger  *ledger,
                  const OldRun *run,
                  const char   *pool)
{
  g_autofree char *text = old_op_text (run);

  exec_sql (tally_ledger_get_sqlite (ledger),
            sqlite3_mprintf ("INSERT INTO outbox (id, op, cost, added_at, account_id) "
                             "VALUES (%Q, %Q, %lld, %lld, %Q)", run->id, text,
                             (long long) run->cost, (long long) g_get_real_time (), pool));
}

/* The lease of @answer, the first sync on @pool, as schema 3 kept it. */
static void
add_schema_3_pool_lease (TallyLedger *ledger,
                         const char  *pool,
                         JsonObject  *answer)
{
  JsonObject *lease;
  gint64 expires_at;

  read_lease (answer, &lease, &expires_at);
  exec_sql (tally_ledger_get_sqlite (ledger),
            sqlite3_mprintf ("INSERT INTO pool_leases (account_id, cursor, lease_id, "
                             "lease_amount, lease_remaining, lease_expires_at) "
                             "VALUES (%Q, %lld, %Q, %lld, %lld, %lld)", pool,
                             (long long) json_object_get_int_member (answer, "cursor"),
                             json_object_get_string_member (lease, "id"),
                             (long long) json_object_get_int_member (lease, "amount"),
                             (long long) json_object_get_int_member (lease, "remaining"),
                             (long long) expires_at));
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
  /* Rounds ended, and before the one awaited. */
  guint      rounds;
  guint      before;
} Rounds;

static void
count_round (TallySync  *sync,
             GParamSpec *pspec,
             Rounds     *rounds)
{
  if (!tally_sync_get_syncing (sync))
    rounds->rounds++;
}

/* Within WAIT_SECONDS. */
static void
run_until (gboolean  (*done) (gpointer),
           gpointer    data,
           const char *what)
{
  cache_test_run_until (done, data, WAIT_SECONDS, what);
}

static gboolean
round_ended (gpointer data)
{
  Rounds *rounds = data;

  return rounds->rounds != rounds->before && !tally_sync_get_syncing (rounds->sync);
}

/* Asks for a sync and waits until a round has ended, online. */
static void
sync_round (Rounds *rounds)
{
  rounds->before = rounds->rounds;
  tally_sync_now (rounds->sync);
  run_until (round_ended, rounds, "a sync round");
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
  g_autoptr(TallyLedger) ledger = NULL;
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
  Rounds rounds = { NULL, 0, 0 };
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

  answer = first_sync (token, device_id, NULL, 0);
  ledger = old_cache_new (path, 2, device_id, answer);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    add_schema_2_run (ledger, &runs[i]);
  g_clear_object (&ledger);

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

/* --- a removed member's runs on the pool, queued at schema 3 --- */

static void
flag_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
session_started (gpointer data)
{
  return tally_session_get_state (data) != TALLY_SESSION_STATE_STARTING;
}

static gboolean
cache_opened (gpointer data)
{
  return tally_session_get_cache (data) != NULL;
}

static void
clear_keyring (void)
{
  gboolean done = FALSE;

  tally_secret_clear_async (server->base_url, NULL, flag_done, &done);
  run_until (flag_set, &done, "the keyring");
}

static void
signed_in (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_session_sign_in_finish (TALLY_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
keep_notice (TallySession *session,
             const char   *text,
             gboolean      desktop,
             GPtrArray    *notices)
{
  g_ptr_array_add (notices, g_strdup (text));
}

/* A notice naming the team came. */
static gboolean
team_named (gpointer data)
{
  GPtrArray *notices = data;

  for (guint i = 0; i < notices->len; i++)
    {
      if (strstr (g_ptr_array_index (notices, i), "Design Team") != NULL)
        return TRUE;
    }
  return FALSE;
}

/* @token, whose email is @email, joins @team as a member. */
static void
join_team (const char   *owner,
           TestResponse *team,
           const char   *email,
           const char   *token)
{
  g_autofree char *invite_path = g_strdup_printf ("/v1/teams/%s/invitations",
                                                  test_response_string (team, "team.id"));
  g_autofree char *invite = g_strdup_printf ("{\"email\": \"%s\", \"role\": \"member\"}",
                                             email);
  g_autoptr(TestResponse) invitation = test_request (server, "POST", invite_path, owner, invite);
  g_autofree char *accept_path = NULL;
  g_autoptr(TestResponse) joined = NULL;

  g_assert_cmpuint (invitation->status, ==, 201);
  accept_path = g_strdup_printf ("/v1/invitations/%s/accept",
                                 test_response_string (invitation, "token"));
  joined = test_request (server, "POST", accept_path, token, NULL);
  g_assert_cmpuint (joined->status, ==, 200);
}

/* The cached list of teams as the release at schema 3 kept it. */
static void
add_teams_document (TallyLedger  *ledger,
                    TestResponse *team)
{
  g_autofree char *body = g_strdup_printf ("{\"items\": [{\"id\": \"%s\", \"name\": \"%s\", "
                                           "\"account_id\": \"%s\", \"role\": \"member\"}]}",
                                           test_response_string (team, "team.id"),
                                           test_response_string (team, "team.name"),
                                           test_response_string (team, "team.account_id"));

  exec_sql (tally_ledger_get_sqlite (ledger),
            sqlite3_mprintf ("INSERT INTO documents (name, body, saved_at) "
                             "VALUES ('teams', %Q, %lld)", body,
                             (long long) g_get_real_time ()));
}

/* A member ran tools offline on the team's pool with the release at app
 * schema 3, which kept no team's name with the runs, and was removed from
 * the team before updating the app. Signed in with this release, the
 * runs are refused and charge nothing, and the one notice names the team,
 * from the teams that release listed (GET /v1/me no longer does). */
static void
test_schema_3_removed_member (void)
{
  char owner_account[37], account_id[37];
  g_autofree char *owner = test_user_new (server, "design-owner@example.com", owner_account);
  g_autofree char *token = test_user_new (server, "design-member@example.com", account_id);
  g_autofree char *device_id = g_uuid_string_random ();
  g_autofree char *path = NULL;
  g_autofree char *member_path = NULL;
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", owner,
                                               "{\"name\": \"Design Team\"}");
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) removed = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) pool_answer = NULL;
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TallySession) session = NULL;
  g_autoptr(GPtrArray) notices = g_ptr_array_new_with_free_func (g_free);
  OldRun runs[] = {
    { "", "succeeded", 20, 6 },
    { "", "succeeded", 8, 3 },
  };
  TallyCache *cache;
  gboolean done = FALSE;
  const char *pool;

  g_assert_cmpuint (team->status, ==, 201);
  pool = test_response_string (team, "team.account_id");
  test_grant (server, admin_token, account_id, 100);
  test_grant (server, admin_token, pool, 100);
  join_team (owner, team, "design-member@example.com", token);
  me = test_request (server, "GET", "/v1/me", token, NULL);

  /* That release synced the user's account and the pool, listed the
   * teams, then queued two runs on the pool offline. */
  answer = first_sync (token, device_id, NULL, 0);
  pool_answer = first_sync (token, device_id, pool, json_object_get_int_member (answer, "cursor"));
  path = tally_cache_build_path (server->base_url, test_response_string (me, "user.id"));
  ledger = old_cache_new (path, 3, device_id, answer);
  add_schema_3_pool_lease (ledger, pool, pool_answer);
  add_teams_document (ledger, team);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      g_strlcpy (runs[i].id, id, sizeof runs[i].id);
      add_schema_3_run (ledger, &runs[i], pool);
    }
  g_clear_object (&ledger);

  /* Removed by the owner meanwhile. */
  member_path = g_strdup_printf ("/v1/teams/%s/members/%s", test_response_string (team, "team.id"),
                                 test_response_string (me, "user.id"));
  removed = test_request (server, "DELETE", member_path, owner, NULL);
  g_assert_cmpuint (removed->status, ==, 204);

  /* This release signs in on that cache. */
  clear_keyring ();
  session = tally_session_new (client, settings);
  run_until (session_started, session, "the keyring lookup");
  g_signal_connect (session, "notice", G_CALLBACK (keep_notice), notices);
  tally_session_sign_in_async (session, server->base_url, "design-member@example.com",
                               TEST_PASSWORD, NULL, NULL, NULL, signed_in, &done);
  run_until (flag_set, &done, "the sign-in");
  run_until (cache_opened, session, "the cache");
  cache = tally_session_get_cache (session);
  g_assert_cmpstr (tally_cache_get_device_id (cache), ==, device_id);
  run_until (team_named, notices, "the notice naming the team");

  g_assert_true (g_ptr_array_find_with_equal_func (
    notices, "You are no longer a member of “Design Team”; 2 runs queued on its pool were not "
    "charged.", g_str_equal, NULL));
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
  g_assert_cmpint (server_figure (owner, pool, "balance"), ==, 100);
  g_assert_cmpint (server_figure (owner, pool, "held"), ==, 0);
  g_assert_cmpint (server_figure (token, account_id, "balance"), ==, 100);

  g_signal_handlers_disconnect_by_data (session, notices);
  clear_keyring ();
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
  g_test_add_func ("/cache-upgrade/schema-3-removed-member", test_schema_3_removed_member);

  server = test_server_start (args);
  admin_token = test_admin_new (server, "upgrade-admin@example.com");
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  test_remove_tree (home);
  return status;
}
