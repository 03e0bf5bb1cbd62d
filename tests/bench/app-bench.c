/* app-bench.c: the app over a cache of a million transfers
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. It starts a real tally-server,
 * registers a user, writes 1,000,000 transfers of the user's account into
 * the server's ledger, and mirrors them into the user's cache file as a
 * full sync would have (same ids, seq and times; the cursor at the
 * server's last seq). Then, under build-aux/desktop-session:
 *
 * - the app's real window (TallyWindow, its token in the keyring) opening
 *   on that cache, once with the server reachable and once after it
 *   stopped (an offline start): the time from tally_window_new() to the
 *   first frame, to the History page showing rows, to its full count,
 *   and the resident memory;
 * - a bare window with a header bar and a TallyHistoryPage on the same
 *   cache: the same times, the frame after a jump to the middle of the
 *   list, a search; and the time per estimate while typing (the tool
 *   page's work per keystroke: the inputs as JSON, the words counted,
 *   min, typical from the user's past runs, max).
 *
 * The transfers are written, and each real window measured, by a child
 * process of its own, so that each memory figure is one app's alone.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bench-window.h"
#include "tally.h"
#include "tally-cache.h"
#include "tally-client.h"
#include "tally-history-model.h"
#include "tally-history-page.h"
#include "tally-history-row.h"
#include "tally-secret.h"
#include "tally-sync.h"
#include "tally-window.h"

#include "tally-test-server.h"

#define N_TRANSFERS   1000000
#define BATCH_SIZE    8190
#define N_ESTIMATES   10000
#define ESTIMATE_TOOL "text-summary"

/* The registered user, and where the app keeps their cache. */
typedef struct
{
  TestServer *server;
  char       *token;
  char       *user_id;
  char        account_id[37];
  char       *cache_path;
} Session;

typedef struct
{
  GtkWidget *page;
  gint64     start;
  /* The real window only: the token read, the cache opened, the History
   * page's first page of items read from it, the first frame after the
   * token was read. */
  gint64     signed_in;
  gint64     source_set;
  gint64     first_items;
  gint64     app_frame;
  gint64     first_frame;
  gint64     rows_shown;
  gint64     counted;
  gint64     jump_start;
  gint64     jump_shown;
} Timeline;

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

/* Mostly tool runs (a hold now and then still pending), a purchase every
 * fifty: a heavy user's years. */
static void
fill_transfer (TallyTransfer *t,
               const char    *account_id,
               guint          k)
{
  static const char * const tools[] = { "image-resize", "pdf-merge", ESTIMATE_TOOL, "word-count" };
  static const char * const descriptions[] = {
    "Resize holiday photos", "Merge quarterly reports", "Summarize the minutes", "Count words",
  };
  g_autofree char *id = g_uuid_string_random ();
  guint which = k % G_N_ELEMENTS (tools);

  if (k % 50 == 0)
    {
      tally_transfer_init (t, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                           account_id, 1000, TALLY_TRANSFER_KIND_PURCHASE);
      tally_transfer_set_description (t, "Credit pack");
      return;
    }

  tally_transfer_init (t, id, account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), 1 + k % 7,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  if (k % 100 == 1)
    t->flags = TALLY_TRANSFER_FLAG_PENDING;
  t->units = 1 + k % 5000;
  tally_transfer_set_tool_id (t, tools[which]);
  tally_transfer_set_ref (t, id);
  tally_transfer_set_description (t, descriptions[which]);
}

/* Into the server's own ledger (the server stopped): one transfer a
 * minute, ending now. */
static void
fill_server_ledger (TallyLedger *ledger,
                    const char  *account_id)
{
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, BATCH_SIZE);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, BATCH_SIZE);
  g_autoptr(GError) error = NULL;

  fake_now = g_get_real_time () - (gint64) N_TRANSFERS * 60 * G_USEC_PER_SEC;
  tally_ledger_set_clock (ledger, fake_clock, NULL);

  for (guint done = 0; done < N_TRANSFERS; done += BATCH_SIZE)
    {
      guint n = MIN (BATCH_SIZE, N_TRANSFERS - done);

      for (guint i = 0; i < n; i++)
        fill_transfer (&batch[i], account_id, done + i);
      fake_now += (gint64) n * 60 * G_USEC_PER_SEC;
      g_assert_true (tally_ledger_create_transfers (ledger, batch, n, results, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < n; i++)
        g_assert_cmpint (results[i], ==, TALLY_TRANSFER_OK);
    }
}

/* What a full sync would leave in the cache: every transfer of the
 * account, as the server made it, and the cursor at the server's last
 * seq, so the app's next sync asks only for what is new. */
static void
mirror_into_cache (TallyLedger *origin,
                   const char  *account_id,
                   const char  *cache_path)
{
  const char * const account_ids[] = { account_id, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyCache) cache = tally_cache_open (cache_path, &error);
  g_autoptr(JsonObject) answer = json_object_new ();
  TallyLedger *mirror;
  TallyAccount account;
  gint64 after = 0;
  guint n_mirrored = 0;

  g_assert_no_error (error);
  mirror = tally_cache_get_ledger (cache);
  g_assert_true (tally_ledger_lookup_account (origin, account_id, &account, &error));
  g_assert_true (tally_ledger_mirror_account (mirror, &account, &error));

  for (;;)
    {
      g_autoptr(GArray) batch = tally_ledger_transfers_after (origin, account_ids, after,
                                                              BATCH_SIZE, &error);

      g_assert_no_error (error);
      if (batch->len == 0)
        break;
      g_assert_true (tally_ledger_begin (mirror, &error) &&
                     tally_ledger_mirror_transfers (mirror, (TallyTransfer *) batch->data,
                                                    batch->len, &error) &&
                     tally_ledger_commit (mirror, &error));
      g_assert_no_error (error);
      after = g_array_index (batch, TallyTransfer, batch->len - 1).seq;
      n_mirrored += batch->len;
    }
  g_assert_cmpuint (n_mirrored, ==, N_TRANSFERS);

  /* The cursor moves as a sync answer moves it: an answer with nothing
   * more to send. */
  json_object_set_int_member (answer, "cursor", tally_ledger_get_last_seq (origin));
  json_object_set_array_member (answer, "results", json_array_new ());
  json_object_set_array_member (answer, "accounts", json_array_new ());
  json_object_set_array_member (answer, "transfers", json_array_new ());
  g_assert_true (tally_cache_apply_sync_answer (cache, answer, &error));
  g_assert_no_error (error);
}

static void
fill (const char *server_ledger_path,
      const char *account_id,
      const char *cache_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = tally_ledger_open (server_ledger_path,
                                                     TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);

  g_assert_no_error (error);
  fill_server_ledger (ledger, account_id);
  mirror_into_cache (ledger, account_id, cache_path);
}

/* Runs this program again with @args; its output goes where ours does. */
static void
run_child (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status;

  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  fflush (stdout);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_CHILD_INHERITS_STDIN,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A row on screen with its item bound: its title label has text. */
static gboolean
shows_rows (GtkWidget *page)
{
  GtkWidget *row = bench_find_mapped (page, TALLY_TYPE_HISTORY_ROW);
  GtkWidget *text = row ? gtk_widget_get_first_child (row) : NULL;
  GtkWidget *title = text ? gtk_widget_get_first_child (text) : NULL;

  return GTK_IS_LABEL (title) && gtk_label_get_text (GTK_LABEL (title))[0] != '\0';
}

static void
after_paint (GdkFrameClock *clock,
             Timeline      *t)
{
  gint64 now = g_get_monotonic_time ();

  if (t->first_frame == 0)
    t->first_frame = now;
  if (t->app_frame == 0 && t->signed_in != 0)
    t->app_frame = now;
  if (t->rows_shown == 0 && shows_rows (t->page))
    t->rows_shown = now;
  if (t->jump_start > 0 && t->jump_shown == 0 && shows_rows (t->page))
    t->jump_shown = now;
}

static void
window_realized (GtkWidget *window,
                 Timeline  *t)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint), t);
}

static void
loading_changed (TallyHistoryModel *model,
                 GParamSpec        *pspec,
                 Timeline          *t)
{
  gboolean loading = tally_history_model_get_loading (model);

  if (loading && t->source_set == 0)
    t->source_set = g_get_monotonic_time ();
  /* Not a reload's first page: every transfer counted. */
  if (!loading && t->counted == 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (model)) >= N_TRANSFERS)
    t->counted = g_get_monotonic_time ();
}

static void
items_changed (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               Timeline   *t)
{
  if (t->first_items == 0 && g_list_model_get_n_items (model) > 0)
    t->first_items = g_get_monotonic_time ();
}

static void
main_stack_changed (GtkStack   *stack,
                    GParamSpec *pspec,
                    Timeline   *t)
{
  if (t->signed_in == 0 && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "app") == 0)
    t->signed_in = g_get_monotonic_time ();
}

static void
run_until (gint64     *when,
           const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*when == 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* A search over every description: the first page and the count both
 * come from the worker thread. */
static double
time_search (TallyHistoryModel *model,
             const char        *text,
             guint             *n_found)
{
  TallyStatementQuery filter = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + 60 * G_USEC_PER_SEC;

  filter.search = text;
  tally_history_model_set_filter (model, &filter);
  while (tally_history_model_get_loading (model) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  *n_found = g_list_model_get_n_items (G_LIST_MODEL (model));
  return (g_get_monotonic_time () - start) / 1000.0;
}

static GtkWidget *
history_window (TallyLedger *ledger,
                const char  *account_id,
                Timeline    *t)
{
  GtkWidget *window = gtk_window_new ();
  TallyHistoryModel *model;

  t->page = g_object_new (TALLY_TYPE_HISTORY_PAGE, NULL);
  model = tally_history_page_get_model (TALLY_HISTORY_PAGE (t->page));
  g_signal_connect (model, "notify::loading", G_CALLBACK (loading_changed), t);
  tally_history_page_set_source (TALLY_HISTORY_PAGE (t->page), ledger, account_id);
  if (!tally_history_model_get_loading (model))
    t->counted = g_get_monotonic_time ();

  gtk_window_set_titlebar (GTK_WINDOW (window), adw_header_bar_new ());
  gtk_window_set_child (GTK_WINDOW (window), t->page);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  g_signal_connect (window, "realize", G_CALLBACK (window_realized), t);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
jump_to_middle (Timeline *t)
{
  GtkWidget *list = bench_find_mapped (t->page, GTK_TYPE_LIST_VIEW);
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));

  t->jump_shown = 0;
  t->jump_start = g_get_monotonic_time ();
  gtk_adjustment_set_value (adjustment,
                            (gtk_adjustment_get_upper (adjustment) -
                             gtk_adjustment_get_page_size (adjustment)) / 2);
}

/* Template children are found before the window is shown, mapped or not. */
static GtkWidget *
find_child_of_type (GtkWidget *root,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child_of_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* As a user starts the app: last session's settings, the History page
 * chosen at once. */
static GtkWidget *
app_window (const char *server_url,
            const char *user_id,
            Timeline   *t)
{
  g_autoptr(TallyClient) client = tally_client_new (server_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  TallyHistoryModel *model;
  GtkStack *main_stack;
  GtkWidget *window;

  g_settings_set_string (settings, "last-user-id", user_id);
  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 700);

  t->start = g_get_monotonic_time ();
  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  main_stack = GTK_STACK (find_child_of_type (window, GTK_TYPE_STACK));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack), ==, "loading");
  g_signal_connect (main_stack, "notify::visible-child-name", G_CALLBACK (main_stack_changed), t);
  t->page = find_child_of_type (window, TALLY_TYPE_HISTORY_PAGE);
  model = tally_history_page_get_model (TALLY_HISTORY_PAGE (t->page));
  g_signal_connect (model, "notify::loading", G_CALLBACK (loading_changed), t);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed), t);
  adw_view_stack_set_visible_child_name (
    ADW_VIEW_STACK (find_child_of_type (window, ADW_TYPE_VIEW_STACK)), "history");
  g_signal_connect (window, "realize", G_CALLBACK (window_realized), t);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* The first sync runs or fails by itself; the window closes after it. */
static void
wait_for_sync_to_rest (GtkWidget *window)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  TallySync *sync;

  while ((sync = tally_session_get_sync (tally_window_get_session (TALLY_WINDOW (window)))) == NULL ||
         tally_sync_get_syncing (sync))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the first sync");
      g_main_context_iteration (NULL, TRUE);
    }
}

/* A child process: the real window, on the cache of @user_id. */
static void
measure_app_window (const char *server_url,
                    const char *user_id,
                    const char *label)
{
  Timeline t = { 0 };
  GtkWidget *window;
  double rss_before, rss_shown, rss_counted;

  rss_before = bench_memory_mb ("VmRSS:");
  window = app_window (server_url, user_id, &t);
  run_until (&t.first_frame, "the first frame");
  run_until (&t.rows_shown, "rows");
  rss_shown = bench_memory_mb ("VmRSS:");
  run_until (&t.counted, "the count");
  rss_counted = bench_memory_mb ("VmRSS:");

  g_print ("\nThe app's window, %s (TallyWindow opened on the History page):\n\n", label);
  g_print ("| measure                        | value       | target         |\n");
  g_print ("|--------------------------------|-------------|----------------|\n");
  g_print ("| window to first frame          | %8.1f ms | under 500 ms   |\n",
           (t.first_frame - t.start) / 1000.0);
  g_print ("|   token read from the keyring  | %8.1f ms |                |\n",
           (t.signed_in - t.start) / 1000.0);
  g_print ("|   cache opened (/v1/me or not) | %8.1f ms |                |\n",
           (t.source_set - t.start) / 1000.0);
  g_print ("|   first page of History read   | %8.1f ms |                |\n",
           (t.first_items - t.start) / 1000.0);
  g_print ("|   first frame after the token  | %8.1f ms |                |\n",
           (t.app_frame - t.start) / 1000.0);
  g_print ("| window to History rows shown   | %8.1f ms | under 500 ms   |\n",
           (t.rows_shown - t.start) / 1000.0);
  g_print ("| window to full count           | %8.1f ms | (in a thread)  |\n",
           (t.counted - t.start) / 1000.0);
  g_print ("| resident memory, no window yet | %8.1f MB |                |\n", rss_before);
  g_print ("| resident memory, rows shown    | %8.1f MB | under 150 MB   |\n", rss_shown);
  g_print ("| resident memory, full count    | %8.1f MB | under 150 MB   |\n", rss_counted);
  g_print ("| peak resident memory (VmHWM)   | %8.1f MB | under 150 MB   |\n",
           bench_memory_mb ("VmHWM:"));
  g_print ("history items: %u\n",
           g_list_model_get_n_items (G_LIST_MODEL (tally_history_page_get_model (
                                                     TALLY_HISTORY_PAGE (t.page)))));

  wait_for_sync_to_rest (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* What the tool page does on each keystroke, with @past_costs as the
 * user's history. Returns the microseconds of each call, sorted. */
static GArray *
time_estimates (TallyTool *tool,
                GArray    *past_costs)
{
  GArray *timings = g_array_sized_new (FALSE, FALSE, sizeof (double), N_ESTIMATES);
  g_autoptr(GString) text = g_string_new (NULL);

  while (text->len < 60000)
    g_string_append (text, "The committee met on Tuesday and agreed the budget. ");

  for (guint i = 0; i < N_ESTIMATES; i++)
    {
      g_autoptr(JsonObject) inputs = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *typed = NULL;
      /* From a few characters to a long document, as typing and pasting go. */
      gsize length = 1 + ((gsize) i * 7919) % (text->len - 1);
      TallyEstimate estimate;
      gint64 start = g_get_monotonic_time ();
      double elapsed;

      typed = g_strndup (text->str, length);
      json_object_set_string_member (inputs, "text", typed);
      json_object_set_int_member (inputs, "sentences", 5);
      g_assert_true (tally_tool_estimate (tool, inputs, (const gint64 *) past_costs->data,
                                          past_costs->len, &estimate, &error));
      elapsed = g_get_monotonic_time () - start;
      g_array_append_val (timings, elapsed);
    }

  return timings;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
print_estimates (TallyLedger *ledger,
                 const char  *account_id)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) past = NULL;
  g_autoptr(GArray) timings = NULL;
  const char *dir = g_getenv ("TALLY_TOOLS_DIR");
  double sum = 0;
  gint64 start;
  TallyTool *tool;

  g_assert_true (tally_tool_registry_load_directory (registry, dir ? dir : TALLY_TOOLS_SOURCE_DIR,
                                                     NULL, &error));
  g_assert_no_error (error);
  tool = tally_tool_registry_lookup (registry, ESTIMATE_TOOL);
  g_assert_nonnull (tool);

  start = g_get_monotonic_time ();
  past = tally_ledger_recent_run_costs (ledger, account_id, ESTIMATE_TOOL, 64, &error);
  g_assert_no_error (error);
  g_print ("past runs of %s: %u, read in %.2f ms (once per tool page)\n", ESTIMATE_TOOL,
           past->len, (g_get_monotonic_time () - start) / 1000.0);

  timings = time_estimates (tool, past);
  for (guint i = 0; i < timings->len; i++)
    sum += g_array_index (timings, double, i);
  g_array_sort (timings, compare_doubles);

  g_print ("| estimate while typing (mean)   | %8.1f µs | under 1 ms     |\n", sum / timings->len);
  g_print ("| estimate while typing (p99)    | %8.1f µs | under 1 ms     |\n",
           g_array_index (timings, double, timings->len * 99 / 100));
  g_print ("| estimate while typing (max)    | %8.1f µs |                |\n",
           g_array_index (timings, double, timings->len - 1));
}

/* The cache file the window opened: the data folder is the session's. */
static void
remove_cache (const char *path)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static void
bool_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  gboolean *done = data;

  *done = TRUE;
}

static void
wait_for_flag (const gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

/* Signed in on an earlier run: the token is in the keyring. */
static void
store_token (const Session *session)
{
  gboolean done = FALSE;

  tally_secret_store_async (session->server->base_url, session->token, NULL, bool_done, &done);
  wait_for_flag (&done);
}

static void
forget_token (const Session *session)
{
  gboolean done = FALSE;

  tally_secret_clear_async (session->server->base_url, NULL, bool_done, &done);
  wait_for_flag (&done);
}

/* A user on a real server, with a million transfers on both sides. */
static void
prepare_session (Session    *session,
                 const char *self_path)
{
  g_autoptr(TestResponse) me = NULL;
  g_autofree char *server_ledger = NULL;
  gint64 start;

  session->server = test_server_start_quiet (NULL);
  session->token = test_user_new (session->server, "bench@example.com", session->account_id);
  me = test_request (session->server, "GET", "/v1/me", session->token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  session->user_id = g_strdup (test_response_string (me, "user.id"));
  session->cache_path = tally_cache_build_path (session->server->base_url, session->user_id);
  g_assert_nonnull (session->cache_path);

  /* The server's ledger is written while the server is stopped. */
  test_server_stop (session->server, FALSE);
  server_ledger = test_server_ledger_path (session->server);
  start = g_get_monotonic_time ();
  run_child ((const char * const[]) { self_path, "--fill", server_ledger, session->account_id,
                                      session->cache_path, NULL });
  g_print ("%d transfers written to the server's ledger and mirrored into the cache in %.1f s\n",
           N_TRANSFERS, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  test_server_restart (session->server);
  store_token (session);
}

static void
session_clear (Session *session)
{
  forget_token (session);
  g_clear_pointer (&session->server, test_server_free);
  remove_cache (session->cache_path);
  g_clear_pointer (&session->cache_path, g_free);
  g_clear_pointer (&session->user_id, g_free);
  g_clear_pointer (&session->token, g_free);
}

/* The bare page in this process, on the same cache. */
static void
measure_bare_page (const char *cache_path,
                   const char *account_id)
{
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  Timeline t = { 0 };
  GtkWidget *window;
  gint64 start;
  double rss_before, rss_shown, rss_jump;
  guint fetched, n_items, n_found;
  double search_ms;

  start = g_get_monotonic_time ();
  ledger = tally_ledger_open (cache_path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  g_print ("\nA bare window with a TallyHistoryPage (cache opened in %.1f ms):\n\n",
           (g_get_monotonic_time () - start) / 1000.0);

  rss_before = bench_memory_mb ("VmRSS:");
  t.start = g_get_monotonic_time ();
  window = history_window (ledger, account_id, &t);
  run_until (&t.first_frame, "the first frame");
  run_until (&t.rows_shown, "rows");
  run_until (&t.counted, "the count");
  rss_shown = bench_memory_mb ("VmRSS:");

  jump_to_middle (&t);
  run_until (&t.jump_shown, "the middle of the list");
  rss_jump = bench_memory_mb ("VmRSS:");
  fetched = tally_history_model_get_n_pages_fetched (
              tally_history_page_get_model (TALLY_HISTORY_PAGE (t.page)));
  n_items = g_list_model_get_n_items (G_LIST_MODEL (tally_history_page_get_model (
                                                      TALLY_HISTORY_PAGE (t.page))));

  g_print ("| measure                        | value       | target         |\n");
  g_print ("|--------------------------------|-------------|----------------|\n");
  g_print ("| window to first frame          | %8.1f ms | under 500 ms   |\n",
           (t.first_frame - t.start) / 1000.0);
  g_print ("| window to rows shown           | %8.1f ms | under 500 ms   |\n",
           (t.rows_shown - t.start) / 1000.0);
  g_print ("| window to full count           | %8.1f ms | (in a thread)  |\n",
           (t.counted - t.start) / 1000.0);
  g_print ("| jump to the middle, next frame | %8.1f ms |                |\n",
           (t.jump_shown - t.jump_start) / 1000.0);
  g_print ("| resident memory, no window yet | %8.1f MB |                |\n", rss_before);
  g_print ("| resident memory, rows shown    | %8.1f MB | under 150 MB   |\n", rss_shown);
  g_print ("| resident memory, after jump    | %8.1f MB | under 150 MB   |\n", rss_jump);
  search_ms = time_search (tally_history_page_get_model (TALLY_HISTORY_PAGE (t.page)),
                           "minutes", &n_found);
  g_print ("| search, to full count          | %8.1f ms | (in a thread)  |\n", search_ms);
  g_print ("|   (\"minutes\" in %u of them)   |             |                |\n", n_found);
  print_estimates (ledger, account_id);
  g_print ("| peak resident memory (VmHWM)   | %8.1f MB | under 150 MB   |\n",
           bench_memory_mb ("VmHWM:"));
  g_print ("\nhistory items: %u; pages read from the cache up to the jump: %u\n",
           n_items, fetched);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  Session session = { 0 };

  /* Children: the writer, then one per real window, so that what each
   * costs is counted in its own process only. */
  if (argc == 5 && g_str_equal (argv[1], "--fill"))
    {
      fill (argv[2], argv[3], argv[4]);
      return 0;
    }
  if (argc == 5 && g_str_equal (argv[1], "--window"))
    {
      bench_init_gtk ();
      measure_app_window (argv[2], argv[3], argv[4]);
      return 0;
    }

  bench_init_gtk ();
  prepare_session (&session, argv[0]);

  run_child ((const char * const[]) { argv[0], "--window", session.server->base_url,
                                      session.user_id, "server reachable", NULL });
  /* An offline start: the server is gone, the last user's cache opens. */
  test_server_stop (session.server, FALSE);
  run_child ((const char * const[]) { argv[0], "--window", session.server->base_url,
                                      session.user_id, "offline start", NULL });

  measure_bare_page (session.cache_path, session.account_id);
  session_clear (&session);
  return 0;
}
