/* test-offline.c: runs against the lease while the server is away, and
 * the outbox draining when it is back
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in a real X server (build-aux/desktop-session) against a real
 * tally-server that the test stops and starts again.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-balance-widget.h"
#include "tally-cache.h"
#include "tally-offline-banner.h"
#include "tally-sync.h"
#include "tally-tool-page.h"
#include "tally-window.h"

#include "tally-app-test.h"

/* Small, so that a long text costs more than the lease holds. */
#define LEASE_AMOUNT 3

static TestServer *server;

/* The banner is found even while hidden: its revealer is what hides. */
static TallyOfflineBanner *
find_banner (GtkWidget *root)
{
  if (TALLY_IS_OFFLINE_BANNER (root))
    return TALLY_OFFLINE_BANNER (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TallyOfflineBanner *found = find_banner (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
banner_shown (gpointer data)
{
  TallyOfflineBanner *banner = find_banner (data);

  return banner != NULL && tally_offline_banner_get_revealed (banner);
}

static gboolean
banner_hidden (gpointer data)
{
  TallyOfflineBanner *banner = find_banner (data);

  return banner != NULL && !tally_offline_banner_get_revealed (banner);
}

typedef struct
{
  GtkWidget  *window;
  const char *token;
  const char *account_id;
  gint64      lease;
} Session;

/* The first sync took the lease: the server holds it, the cache knows. */
static gboolean
lease_taken (gpointer data)
{
  Session *session = data;
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", session->token, NULL);
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (session->window)));
  TallyCacheLease lease;

  if (cache == NULL || test_response_int (me, "accounts.0.held") != session->lease)
    return FALSE;

  tally_cache_get_lease (cache, &lease);
  return lease.remaining == session->lease;
}

/* Opens a window on @session's token, showing @credits, and waits for the
 * first sync to lease @lease of them. */
static void
open_leased_window (Session *session,
                    gint64   credits,
                    gint64   lease)
{
  session->window = signed_in_window (server, session->token);
  wait_for_credits (session->window, credits);
  session->lease = lease;
  wait_for (lease_taken, session, "the first sync's lease");
}

static gboolean
outbox_empty (gpointer data)
{
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (data)));

  return cache != NULL && tally_cache_outbox_count (cache) == 0;
}

/* @n_words words: at 1 credit per 2,000 words, 4,001 may cost 3. */
static char *
long_text (guint n_words)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_words; i++)
    g_string_append (text, "word ");
  return g_string_free (text, FALSE);
}

static gint64
server_balance (const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return test_response_int (me, "accounts.0.balance");
}

static void
assert_cache_agrees (GtkWidget  *window,
                     const char *account_id,
                     const char *token)
{
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (window)));
  TallyAccount account;

  g_assert_true (tally_cache_lookup_account (cache, account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==, server_balance (token));
}

/* Offline: a run within the lease goes into the outbox, one beyond it is
 * refused. */
static void
run_offline (GtkWidget *window,
             GFile     *folder)
{
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (window)));
  g_autofree char *words = long_text (4001);
  TallyOfflineBanner *banner;
  TallyToolPage *page;
  GtkWidget *balance;

  page = open_tool_page (window, "Word count and readability");
  tally_tool_page_set_output_folder (page, folder);
  set_tool_text (window, "One small step. Another one!");
  wait_for_widget (window, is_label_with, "For 5 words of input");
  click (window, "_Run");
  wait_for_widget (window, is_label_with, "Charged 1 credit (offline, will sync)");

  /* The op is in the outbox before the user hears of it. */
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 1);
  g_assert_cmpint (tally_cache_outbox_spent (cache), ==, 1);
  wait_for (banner_shown, window, "the offline banner");
  banner = find_banner (window);
  g_assert_true (g_str_has_prefix (tally_offline_banner_get_text (banner),
                                   "You are offline. 2 credits of your offline allowance "
                                   "left, until "));
  balance = wait_for_widget (window, is_balance_widget, NULL);
  g_assert_cmpint (tally_balance_widget_get_offline_spent (TALLY_BALANCE_WIDGET (balance)), ==, 1);
  wait_for_credits (window, 99);
  save_screenshot (window, "offline.png");

  /* More than the 2 credits the lease has left. */
  set_tool_text (window, words);
  click (window, "_Run");
  wait_for_widget (window, is_label_with,
                   "This run could cost up to 3 credits, more than the 2 left of your offline "
                   "allowance. Connect to run it.");
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 1);
}

/* An op the server will refuse: its tool left the catalogue. */
static void
add_retired_tool_op (GtkWidget *window)
{
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (window)));
  g_autoptr(JsonObject) op = json_object_new ();
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  gboolean added;

  json_object_set_string_member (op, "id", id);
  json_object_set_string_member (op, "type", "run");
  json_object_set_string_member (op, "tool", "retired-tool");
  json_object_set_int_member (op, "units", 1);
  json_object_set_string_member (op, "outcome", "succeeded");
  json_object_set_int_member (op, "cost", 1);
  json_object_set_string_member (op, "created_at", "2026-11-26T10:00:00Z");
  added = tally_cache_outbox_add (cache, op, &error);
  g_assert_no_error (error);
  g_assert_true (added);
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 2);
}

static void
test_offline_runs (void)
{
  g_autofree char *admin = test_admin_new (server, "offline-admin@example.com");
  g_autofree char *dir = g_dir_make_tmp ("tally-app-offline-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *token = NULL;
  char account_id[37];
  Session session;
  GtkWidget *window;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  token = test_user_new (server, "olive@example.com", account_id);
  test_grant (server, admin, account_id, 100);
  session.token = token;
  open_leased_window (&session, 100, LEASE_AMOUNT);
  window = session.window;
  g_assert_false (tally_offline_banner_get_revealed (find_banner (window)));

  test_server_stop (server, FALSE);
  run_offline (window, folder);
  add_retired_tool_op (window);

  /* Back: the app syncs by itself, and both sides agree. The refused op
   * is answered too, and the user told. */
  test_server_restart (server);
  wait_for (outbox_empty, window, "the outbox to drain");
  wait_for (banner_hidden, window, "the banner to hide");
  wait_for_widget (window, is_label_with,
                   "An offline run of retired-tool was not accepted, so nothing was charged: "
                   "the tool is no longer in the catalogue.");
  wait_for_credits (window, 99);
  g_assert_cmpint (server_balance (token), ==, 99);
  assert_cache_agrees (window, account_id, token);
  gtk_window_destroy (GTK_WINDOW (window));

  /* A start without the server opens on the cache, not on an error. */
  test_server_stop (server, FALSE);
  window = signed_in_window (server, token);
  wait_for_credits (window, 99);
  wait_for (banner_shown, window, "the offline banner at start");
  show_view (window, "tools");
  wait_for_widget (window, is_action_row_titled, "Word count and readability");
  test_server_restart (server);
  wait_for (banner_hidden, window, "the banner to hide after an offline start");
  gtk_window_destroy (GTK_WINDOW (window));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  test_remove_tree (dir);
}

/* POST /v1/sync requests the server has answered, from its metrics. */
static guint64
sync_requests (void)
{
  g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);
  g_auto(GStrv) lines = g_strsplit (metrics->body, "\n", -1);
  guint64 total = 0;

  g_assert_cmpuint (metrics->status, ==, 200);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *value = strrchr (lines[i], ' ');

      if (g_str_has_prefix (lines[i], "tally_http_requests_total{") &&
          strstr (lines[i], "\"/v1/sync\"") != NULL && value != NULL)
        total += g_ascii_strtoull (value + 1, NULL, 10);
    }

  return total;
}

static gboolean
sync_idle (gpointer data)
{
  return !tally_sync_get_syncing (data);
}

/* Asked for five times while a round runs: one more round, not five. */
static void
assert_syncs_coalesce (TallySync *sync)
{
  guint64 before;

  wait_for (sync_idle, sync, "the sync to rest");
  before = sync_requests ();
  for (guint i = 0; i < 5; i++)
    tally_sync_now (sync);
  g_assert_true (tally_sync_get_syncing (sync));
  wait_for (sync_idle, sync, "the coalesced rounds");
  g_assert_cmpuint (sync_requests () - before, ==, 2);
}

/* The cache has caught up with the server: same balance, and a new lease
 * of what the run left. */
static gboolean
cache_caught_up (gpointer data)
{
  Session *session = data;
  TallyCache *cache = tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (session->window)));
  TallyCacheLease lease;
  TallyAccount account;

  tally_cache_get_lease (cache, &lease);
  return tally_cache_lookup_account (cache, session->account_id, &account) &&
         tally_account_balance (&account) == server_balance (session->token) &&
         lease.id[0] != '\0' && lease.remaining == session->lease;
}

/* Online, with every credit held by the lease: the server gives the lease
 * back to pay for the run (the app sends its device id), the run reads as
 * any other, and the next sync takes a new lease of what is left. */
static void
test_lease_pays_online (void)
{
  g_autofree char *admin = test_admin_new (server, "lease-admin@example.com");
  g_autofree char *dir = g_dir_make_tmp ("tally-app-lease-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *token = NULL;
  char account_id[37];
  Session session;
  TallyToolPage *page;
  GtkWidget *window;

  token = test_user_new (server, "lena@example.com", account_id);
  test_grant (server, admin, account_id, 2);
  session.token = token;
  open_leased_window (&session, 2, 2);
  window = session.window;

  page = open_tool_page (window, "Word count and readability");
  tally_tool_page_set_output_folder (page, folder);
  set_tool_text (window, "Small steps.");
  wait_for_widget (window, is_label_with, "For 2 words of input");
  click (window, "_Run");
  wait_for_widget (window, is_label_with, "Charged 1 credit");
  g_assert_cmpuint (tally_cache_outbox_count (tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (window)))), ==,
                    0);
  wait_for_credits (window, 1);
  g_assert_cmpint (server_balance (token), ==, 1);
  session.account_id = account_id;
  session.lease = 1;
  wait_for (cache_caught_up, &session, "the cache to catch up, with a new lease");
  assert_cache_agrees (window, account_id, token);
  g_assert_false (tally_offline_banner_get_revealed (find_banner (window)));
  assert_syncs_coalesce (tally_session_get_sync (tally_window_get_session (TALLY_WINDOW (window))));

  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (dir);
}

/* --- a team's pool --- */

/* @field ("balance", "held") of @account_id in GET /v1/me as @token. */
static gint64
account_figure (const char *token,
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

typedef struct
{
  GtkWidget  *window;
  const char *token;
  const char *pool;
  /* The runs on the pool the outbox is to hold. */
  guint       waiting;
} PoolSession;

static TallyCache *
pool_cache (PoolSession *session)
{
  return tally_session_get_cache (tally_window_get_session (TALLY_WINDOW (session->window)));
}

/* The device holds a lease of LEASE_AMOUNT on the pool: the server says
 * so, and the cache knows it. */
static gboolean
pool_lease_taken (gpointer data)
{
  PoolSession *session = data;
  TallyCacheLease lease;

  if (pool_cache (session) == NULL ||
      account_figure (session->token, session->pool, "held") != LEASE_AMOUNT)
    return FALSE;
  return tally_cache_get_pool_lease (pool_cache (session), session->pool, &lease, NULL) &&
         lease.remaining == LEASE_AMOUNT;
}

static gboolean
pool_outbox_empty (gpointer data)
{
  PoolSession *session = data;

  return tally_cache_outbox_count_for (pool_cache (session), session->pool) == 0;
}

/* "Paid from" lists the pool (from the server, or the cache offline). */
static gboolean
payers_listed (gpointer data)
{
  GtkWidget *row = data;
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (row));

  return gtk_widget_get_visible (row) && model != NULL && g_list_model_get_n_items (model) == 2;
}

static gboolean
is_combo_row_titled (GtkWidget  *widget,
                     const char *title)
{
  return ADW_IS_COMBO_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
pool_ops_waiting (gpointer data)
{
  PoolSession *session = data;

  return tally_cache_outbox_count_for (pool_cache (session), session->pool) == session->waiting;
}

/* A five-word run paid from the pool, offline: it waits in the outbox
 * with the pool's id, after the @session->waiting - 1 there. */
static void
run_on_pool_offline (PoolSession *session,
                     GFile       *folder)
{
  GtkWidget *window = session->window;
  TallyToolPage *page = open_tool_page (window, "Word count and readability");
  GtkWidget *payer;

  tally_tool_page_set_output_folder (page, folder);
  payer = wait_for_widget (GTK_WIDGET (page), is_combo_row_titled, "Paid from");
  wait_for (payers_listed, payer, "the pool in “Paid from”");
  adw_combo_row_set_selected (ADW_COMBO_ROW (payer), 1);
  set_tool_text (window, "One small step. Another one!");
  wait_for_widget (window, is_label_with, "For 5 words of input");
  click (window, "_Run");
  wait_for (pool_ops_waiting, session, "the run on the pool in the outbox");
  wait_for_widget (window, is_label_with, "Charged 1 credit (offline, will sync)");
  g_assert_cmpuint (tally_cache_outbox_count_for (pool_cache (session), NULL), ==, 0);
}

/* A team's member runs on its pool offline: the run spends the device's
 * lease on the pool, waits in the outbox with the pool's id, and is
 * charged to the pool once when the server is back, even when its op is
 * sent again. Then, removed from the team without the app hearing of it,
 * the member's next offline runs on the pool are refused on sync, told
 * once naming the team, and charge nothing. */
static void
test_offline_team_pool (void)
{
  g_autofree char *admin = test_admin_new (server, "pool-admin@example.com");
  g_autofree char *dir = g_dir_make_tmp ("tally-app-pool-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *owner = NULL;
  g_autofree char *token = NULL;
  g_autofree char *invite_path = NULL;
  g_autofree char *accept_path = NULL;
  g_autofree char *member_path = NULL;
  g_autoptr(TestResponse) team = NULL;
  g_autoptr(TestResponse) invitation = NULL;
  g_autoptr(TestResponse) joined = NULL;
  g_autoptr(TestResponse) removed = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(JsonArray) sent = NULL;
  char owner_account[37], account_id[37];
  Session session = { 0 };
  PoolSession pool = { 0 };
  TallyCache *cache;

  owner = test_user_new (server, "pool-owner@example.com", owner_account);
  token = test_user_new (server, "pool-member@example.com", account_id);
  test_grant (server, admin, account_id, 100);
  team = test_request (server, "POST", "/v1/teams", owner, "{\"name\": \"Field\"}");
  g_assert_cmpuint (team->status, ==, 201);
  test_grant (server, admin, test_response_string (team, "team.account_id"), 100);
  invite_path = g_strdup_printf ("/v1/teams/%s/invitations", test_response_string (team,
                                                                                   "team.id"));
  invitation = test_request (server, "POST", invite_path, owner,
                             "{\"email\": \"pool-member@example.com\", \"role\": \"member\"}");
  g_assert_cmpuint (invitation->status, ==, 201);
  accept_path = g_strdup_printf ("/v1/invitations/%s/accept",
                                 test_response_string (invitation, "token"));
  joined = test_request (server, "POST", accept_path, token, NULL);
  g_assert_cmpuint (joined->status, ==, 200);

  /* Online, the sync leases the pool too; the Team view says so. */
  session.token = token;
  open_leased_window (&session, 100, LEASE_AMOUNT);
  pool = (PoolSession) { session.window, token, test_response_string (team, "team.account_id"),
                         1 };
  wait_for (pool_lease_taken, &pool, "the lease on the pool");
  cache = pool_cache (&pool);
  show_view (session.window, "team");
  wait_for_widget (session.window, is_label_starting,
                   "3 credits may be spent here without the server, until ");
  settle (session.window);
  save_screenshot (session.window, "team-offline.png");

  /* Offline, on the pool: the op waits with the pool's id. */
  test_server_stop (server, FALSE);
  run_on_pool_offline (&pool, folder);
  g_assert_cmpint (tally_sync_get_pool_allowance (tally_session_get_sync (
                     tally_window_get_session (TALLY_WINDOW (session.window))), pool.pool), ==,
                   LEASE_AMOUNT - 1);
  sent = tally_cache_outbox_peek_for (cache, pool.pool, 1);

  /* Back: the pool is charged, the user's own account is not. */
  test_server_restart (server);
  wait_for (pool_outbox_empty, &pool, "the pool's outbox to drain");
  g_assert_cmpint (account_figure (owner, pool.pool, "balance"), ==, 99);
  g_assert_cmpint (server_balance (token), ==, 100);

  /* The same op sent again is not charged twice. */
  tally_cache_outbox_add_on_async (cache, json_array_get_object_element (sent, 0), pool.pool,
                                   "Field", NULL, NULL, NULL);
  wait_for (pool_ops_waiting, &pool, "the op in the outbox again");
  tally_sync_now (tally_session_get_sync (tally_window_get_session (TALLY_WINDOW (pool.window))));
  wait_for (pool_outbox_empty, &pool, "the op sent again to be answered");
  g_assert_cmpint (account_figure (owner, pool.pool, "balance"), ==, 99);

  /* Removed by the owner, with no word to the app (a removed member gets
   * no more events of the pool); then offline, a run on the pool from
   * the teams the cache lists. */
  me = test_request (server, "GET", "/v1/me", token, NULL);
  member_path = g_strdup_printf ("/v1/teams/%s/members/%s", test_response_string (team, "team.id"),
                                 test_response_string (me, "user.id"));
  removed = test_request (server, "DELETE", member_path, owner, NULL);
  g_assert_cmpuint (removed->status, ==, 204);
  test_server_stop (server, FALSE);
  run_on_pool_offline (&pool, folder);
  pool.waiting = 2;
  run_on_pool_offline (&pool, folder);

  test_server_restart (server);
  /* The notice names the team, recorded with the run: the app no longer
   * hears of it from the server. */
  wait_for_widget (session.window, is_label_with,
                   "You are no longer a member of “Field”; 2 runs queued on its pool were not "
                   "charged.");
  g_assert_cmpuint (tally_cache_outbox_count (cache), ==, 0);
  g_assert_cmpint (account_figure (owner, pool.pool, "balance"), ==, 99);
  g_assert_cmpint (account_figure (owner, pool.pool, "held"), ==, 0);
  g_assert_cmpint (server_balance (token), ==, 100);

  gtk_window_destroy (GTK_WINDOW (session.window));
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const server_args[] = { "--lease-amount", G_STRINGIFY (LEASE_AMOUNT), NULL };
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/offline/runs-and-sync", test_offline_runs);
  g_test_add_func ("/offline/lease-pays-online", test_lease_pays_online);
  g_test_add_func ("/offline/team-pool", test_offline_team_pool);

  server = test_server_start (server_args);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
