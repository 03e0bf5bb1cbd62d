/* test-sync-responsiveness.c: the main loop keeps answering while a
 * 10,000-transfer sync is written into an empty cache
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under build-aux/desktop-session (the session keeps its token in
 * the keyring) against a real tally-server whose ledger was given the
 * user's transfers while it was stopped, as tests/bench/app-bench.c does.
 * The app's own TallySession signs in with an empty cache and syncs them
 * all, ten answers of 1,000; a high-priority 5 ms timeout measures the
 * longest gap between two of its dispatches meanwhile, less the time the
 * main thread stood in the kernel's run queue (the machine may be busy
 * with other work: that is not the app's stall). A commit hook on the
 * connection the UI thread reads with counts what was written through it:
 * nothing, whatever the disk's speed.
 */

#include "config.h"

#include <string.h>

#include "tally.h"
#include "tally-cache.h"
#include "tally-secret.h"
#include "tally-session.h"
#include "tally-sync.h"

#include "tally-ledger-sqlite.h"

#include "tally-cache-test.h"
#include "tally-test-server.h"

#define N_TRANSFERS   10000
#define BATCH_SIZE    1000
#define PROBE_MS      5
/* The bound is for the build users run. AddressSanitizer makes every
 * allocation and memory access several times dearer, so a sanitized build
 * is held to a looser one; what it checks besides is the same. */
#ifdef TALLY_TEST_SANITIZED
#define MAX_STALL_MS  150
#else
#define MAX_STALL_MS  50
#endif
#define WAIT_SECONDS  60

/* --- the server's ledger, written while it is stopped --- */

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

/* As the server records them: a purchase every fifty transfers, and tool
 * runs between, each a hold and then its post for what the run cost (the
 * last of every fifty settled at once). Returns what the transfer adds to
 * the balance. */
static gint64
fill_transfer (TallyTransfer *t,
               const char    *account_id,
               guint          k,
               char           hold_id[TALLY_UUID_LEN])
{
  g_autofree char *id = g_uuid_string_random ();
  guint j = k % 50;
  gint64 cost = 1 + k % 7;

  if (j == 0)
    {
      tally_transfer_init (t, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                           account_id, 1000, TALLY_TRANSFER_KIND_PURCHASE);
      tally_transfer_set_description (t, "Credit pack");
      return 1000;
    }

  if (j % 2 == 0)
    {
      tally_transfer_init (t, id, "", "", cost, TALLY_TRANSFER_KIND_CONSUMPTION);
      t->flags = TALLY_TRANSFER_FLAG_POST_PENDING;
      tally_transfer_set_pending_id (t, hold_id);
      t->units = 1 + k % 500;
      tally_transfer_set_tool_id (t, "word-count");
      tally_transfer_set_ref (t, hold_id);
      return -cost;
    }

  tally_transfer_init (t, id, account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION),
                       j == 49 ? cost : 7, TALLY_TRANSFER_KIND_CONSUMPTION);
  if (j != 49)
    t->flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_set_tool_id (t, "word-count");
  tally_transfer_set_ref (t, id);
  tally_transfer_set_description (t, "Word count and readability");
  g_strlcpy (hold_id, id, TALLY_UUID_LEN);
  return j == 49 ? -cost : 0;
}

/* Returns what the transfers add to the account's balance; *@last_seq
 * is the ledger's last seq after them. */
static gint64
fill_server_ledger (TestServer *server,
                    const char *account_id,
                    gint64     *last_seq)
{
  g_autofree char *path = test_server_ledger_path (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, BATCH_SIZE);
  TallyTransferResult results[BATCH_SIZE];
  char hold_id[TALLY_UUID_LEN] = "";
  gint64 added = 0;

  g_assert_no_error (error);
  /* One a minute, ending now. */
  fake_now = g_get_real_time () - (gint64) N_TRANSFERS * 60 * G_USEC_PER_SEC;
  tally_ledger_set_clock (ledger, fake_clock, NULL);
  for (guint done = 0; done < N_TRANSFERS; done += BATCH_SIZE)
    {
      for (guint i = 0; i < BATCH_SIZE; i++)
        added += fill_transfer (&batch[i], account_id, done + i, hold_id);
      fake_now += (gint64) BATCH_SIZE * 60 * G_USEC_PER_SEC;
      g_assert_true (tally_ledger_create_transfers (ledger, batch, BATCH_SIZE, results, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < BATCH_SIZE; i++)
        g_assert_cmpint (results[i], ==, TALLY_TRANSFER_OK);
    }

  *last_seq = tally_ledger_get_last_seq (ledger);
  return added;
}

/* --- the probe --- */

typedef struct
{
  gint64 last;
  gint64 last_delay;
  /* The longest gap between two dispatches, as the clock on the wall
   * saw it, and less the time the main thread stood ready in the
   * kernel's run queue while other processes had the CPUs. */
  gint64 longest;
  gint64 longest_own;
  guint  n_ticks;
  guint  source;
} Probe;

/* Nanoseconds the calling thread has waited for a CPU, -1 when the
 * kernel does not say (schedstat's second field). */
static gint64
run_queue_delay (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    return -1;
  fields = g_strsplit (g_strstrip (text), " ", -1);
  if (g_strv_length (fields) < 2)
    return -1;
  return g_ascii_strtoll (fields[1], NULL, 10);
}

static gboolean
probe_tick (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time ();
  gint64 delay = run_queue_delay ();
  gint64 gap = now - probe->last;
  gint64 own = gap;

  if (delay >= 0 && probe->last_delay >= 0)
    own = MAX (0, gap - (delay - probe->last_delay) / 1000);
  probe->longest = MAX (probe->longest, gap);
  probe->longest_own = MAX (probe->longest_own, own);
  probe->last = now;
  probe->last_delay = delay;
  probe->n_ticks++;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  probe->last = g_get_monotonic_time ();
  probe->last_delay = run_queue_delay ();
  probe->source = g_timeout_add_full (G_PRIORITY_HIGH, PROBE_MS, probe_tick, probe, NULL);
}

static void
probe_stop (Probe *probe)
{
  probe_tick (probe);
  g_clear_handle_id (&probe->source, g_source_remove);
}

/* --- the session --- */

/* Within WAIT_SECONDS. */
static void
run_until (gboolean  (*done) (gpointer),
           gpointer    data,
           const char *what)
{
  cache_test_run_until (done, data, WAIT_SECONDS, what);
}

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

static GThread *main_thread;
static guint n_changed;
/* Commits made through the connection the UI thread reads with. */
static guint n_ui_commits;

static int
count_commit (gpointer data)
{
  n_ui_commits++;
  return 0;
}

/* What the pages listen to comes on the main thread only. */
static void
cache_changed (TallyCache *cache,
               gpointer    data)
{
  g_assert_true (g_thread_self () == main_thread);
  n_changed++;
}

static void
cache_opened (TallySession *session,
              GParamSpec   *pspec,
              Probe        *probe)
{
  TallyCache *cache = tally_session_get_cache (session);

  if (cache == NULL || probe->source != 0)
    return;

  g_signal_connect (cache, "changed", G_CALLBACK (cache_changed), NULL);
  sqlite3_commit_hook (tally_ledger_get_sqlite (tally_cache_get_ledger (cache)), count_commit,
                       NULL);
  g_signal_connect (session, "ledger-changed", G_CALLBACK (cache_changed), NULL);
  probe_start (probe);
}

typedef struct
{
  TallySession *session;
  gint64        last_seq;
} Caught;

/* The first sync may also bring the device's lease. */
static guint
count_not_leases (GArray *transfers)
{
  guint n = 0;

  for (guint i = 0; i < transfers->len; i++)
    if (g_array_index (transfers, TallyTransfer, i).kind != TALLY_TRANSFER_KIND_LEASE)
      n++;
  return n;
}

/* Every transfer the server had is in the cache, and no round is left. */
static gboolean
caught_up (gpointer data)
{
  Caught *caught = data;
  TallySync *sync = tally_session_get_sync (caught->session);

  return sync != NULL && !tally_sync_get_syncing (sync) &&
         tally_cache_get_cursor (tally_session_get_cache (caught->session)) >= caught->last_seq;
}

static void
test_sync_keeps_main_loop_responsive (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TallySession) session = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(GArray) items = NULL;
  g_autofree char *token = NULL;
  char account_id[37];
  gboolean done = FALSE;
  Probe probe = { 0 };
  Caught caught = { 0 };
  TallyAccount account;
  TallyCache *cache;
  gint64 added;

  token = test_user_new (server, "fast@example.com", account_id);
  test_server_stop (server, FALSE);
  added = fill_server_ledger (server, account_id, &caught.last_seq);
  test_server_restart (server);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, added);

  /* Nobody signed in before: the session opens on the sign-in page. */
  tally_secret_clear_async (server->base_url, NULL, flag_done, &done);
  run_until (flag_set, &done, "the keyring");
  session = tally_session_new (client, settings);
  run_until (session_started, session, "the keyring lookup");
  g_assert_cmpint (tally_session_get_state (session), ==, TALLY_SESSION_STATE_SIGNED_OUT);

  /* The probe runs from the moment the empty cache opens and the first
   * sync starts. */
  g_signal_connect (session, "notify::cache", G_CALLBACK (cache_opened), &probe);
  done = FALSE;
  tally_session_sign_in_async (session, server->base_url, "fast@example.com", TEST_PASSWORD,
                               NULL, NULL, NULL, signed_in, &done);
  run_until (flag_set, &done, "the sign-in");

  caught.session = session;
  run_until (caught_up, &caught, "the sync of every transfer");
  probe_stop (&probe);
  g_signal_handlers_disconnect_by_data (session, &probe);

  g_test_message ("Longest main loop stall while %d transfers were synced: %.1f ms "
                  "(%.1f ms on the wall clock), over %u ticks; %u commits on the UI thread's "
                  "connection", N_TRANSFERS, probe.longest_own / 1000.0, probe.longest / 1000.0,
                  probe.n_ticks, n_ui_commits);
  g_assert_cmpint (probe.longest_own, <, MAX_STALL_MS * 1000);
  /* Not by chance: the UI thread's connection wrote nothing of it. */
  g_assert_cmpuint (n_ui_commits, ==, 0);

  /* Every transfer is in the cache, with the balance the server has. */
  cache = tally_session_get_cache (session);
  g_clear_pointer (&me, test_response_free);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_true (tally_cache_lookup_account (cache, account_id, &account));
  g_assert_cmpint (tally_account_balance (&account), ==, test_response_int (me,
                                                                           "accounts.0.balance"));
  g_assert_cmpint (tally_account_balance (&account), ==, added);
  items = tally_ledger_transfers_after (tally_cache_get_ledger (cache),
                                        (const char * const[]) { account_id, NULL }, 0,
                                        2 * N_TRANSFERS, NULL);
  g_assert_nonnull (items);
  g_assert_cmpuint (count_not_leases (items), ==, N_TRANSFERS);
  g_assert_cmpint (tally_session_get_balance (session), ==, added);
  cache_test_assert_clean (cache);
  /* One ::changed and one ::ledger-changed per answer at least. */
  g_assert_cmpuint (n_changed, >=, 2 * (N_TRANSFERS / BATCH_SIZE));
  g_signal_handlers_disconnect_by_func (cache, cache_changed, NULL);
  sqlite3_commit_hook (tally_ledger_get_sqlite (tally_cache_get_ledger (cache)), NULL, NULL);
  g_signal_handlers_disconnect_by_func (session, cache_changed, NULL);

  done = FALSE;
  tally_secret_clear_async (server->base_url, NULL, flag_done, &done);
  run_until (flag_set, &done, "the keyring");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = cache_test_make_home ("tally-test-sync-responsiveness-XXXXXX");
  int status;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/sync-responsiveness/10000-transfers", test_sync_keeps_main_loop_responsive);

  status = g_test_run ();
  test_remove_tree (home);
  return status;
}
