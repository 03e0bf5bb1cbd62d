/* app-bench.c: the app over a cache of a million transfers
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. It fills a cache ledger with
 * 1,000,000 transfers of one account, then measures, in a real window (run
 * it under build-aux/desktop-session): the time from creating a window
 * with a header bar and a TallyHistoryPage to its first frame, to the
 * first frame that shows rows, to the full count (the scrollbar's size),
 * and to the frame after a jump to the middle of the list; the resident
 * memory; and the time per estimate while typing (the tool page's work
 * per keystroke: the inputs as JSON, the words counted, min, typical from
 * the user's past runs, max). The cache is written by a child process
 * first, so this one's memory is the app's alone.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally.h"
#include "tally-history-model.h"
#include "tally-history-page.h"
#include "tally-history-row.h"

#define N_TRANSFERS  1000000
#define BATCH_SIZE   8190
#define N_ESTIMATES  10000
#define USER_ID      "5d2f7a1c-0b6e-4c1d-9a8e-3f4b5c6d7e8f"
#define ESTIMATE_TOOL "text-summary"

typedef struct
{
  GtkWidget *page;
  gint64     start;
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
      tally_transfer_init (t, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), USER_ID,
                           1000, TALLY_TRANSFER_KIND_PURCHASE);
      tally_transfer_set_description (t, "Credit pack");
      return;
    }

  tally_transfer_init (t, id, USER_ID, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION),
                       1 + k % 7, TALLY_TRANSFER_KIND_CONSUMPTION);
  if (k % 100 == 1)
    t->flags = TALLY_TRANSFER_FLAG_PENDING;
  t->units = 1 + k % 5000;
  tally_transfer_set_tool_id (t, tools[which]);
  tally_transfer_set_ref (t, id);
  tally_transfer_set_description (t, descriptions[which]);
}

static void
create_cache (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, BATCH_SIZE);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, BATCH_SIZE);
  TallyAccount account;

  g_assert_no_error (error);
  tally_account_init (&account, USER_ID, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Bench", "UTC");
  g_assert_true (tally_ledger_create_account (ledger, &account, &error));

  /* One transfer a minute, ending now. */
  fake_now = g_get_real_time () - (gint64) N_TRANSFERS * 60 * G_USEC_PER_SEC;
  tally_ledger_set_clock (ledger, fake_clock, NULL);

  for (guint done = 0; done < N_TRANSFERS; done += BATCH_SIZE)
    {
      guint n = MIN (BATCH_SIZE, N_TRANSFERS - done);

      for (guint i = 0; i < n; i++)
        fill_transfer (&batch[i], done + i);
      fake_now += (gint64) n * 60 * G_USEC_PER_SEC;
      g_assert_true (tally_ledger_create_transfers (ledger, batch, n, results, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < n; i++)
        g_assert_cmpint (results[i], ==, TALLY_TRANSFER_OK);
    }
}

static void
create_cache_in_child (const char *self_path,
                       const char *path)
{
  const char *argv[] = { self_path, "--create", path, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* VmRSS or VmHWM of this process, in MB. */
static double
memory_mb (const char *field)
{
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;

  lines = g_strsplit (status, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], field))
      return g_ascii_strtod (lines[i] + strlen (field) + 1, NULL) / 1024.0;

  return -1;
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* A row on screen with its item bound: its title label has text. */
static gboolean
shows_rows (GtkWidget *page)
{
  GtkWidget *row = find_descendant (page, TALLY_TYPE_HISTORY_ROW);
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
  if (!tally_history_model_get_loading (model) && t->counted == 0)
    t->counted = g_get_monotonic_time ();
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
                Timeline    *t)
{
  GtkWidget *window = gtk_window_new ();
  TallyHistoryModel *model;

  t->page = g_object_new (TALLY_TYPE_HISTORY_PAGE, NULL);
  model = tally_history_page_get_model (TALLY_HISTORY_PAGE (t->page));
  g_signal_connect (model, "notify::loading", G_CALLBACK (loading_changed), t);
  tally_history_page_set_source (TALLY_HISTORY_PAGE (t->page), ledger, USER_ID);
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
  GtkWidget *list = find_descendant (t->page, GTK_TYPE_LIST_VIEW);
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));

  t->jump_shown = 0;
  t->jump_start = g_get_monotonic_time ();
  gtk_adjustment_set_value (adjustment,
                            (gtk_adjustment_get_upper (adjustment) -
                             gtk_adjustment_get_page_size (adjustment)) / 2);
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
print_estimates (TallyLedger *ledger)
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
  past = tally_ledger_recent_run_costs (ledger, USER_ID, ESTIMATE_TOOL, 64, &error);
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

static void
remove_scratch (const char *dir,
                const char *path)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("tally-app-bench-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  Timeline t = { 0 };
  GtkWidget *window;
  gint64 start;
  double rss_before, rss_shown, rss_jump;
  guint fetched, n_items;

  /* The cache is written by a child process, so that what writing it
   * cost is not counted in the memory of this one. */
  if (argc == 3 && g_str_equal (argv[1], "--create"))
    {
      create_cache (argv[2]);
      return 0;
    }

  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  start = g_get_monotonic_time ();
  create_cache_in_child (argv[0], path);
  g_print ("cache: %d transfers written in %.1f s\n", N_TRANSFERS,
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  /* As the app starts: the cache opened, then the window. */
  start = g_get_monotonic_time ();
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  g_print ("cache opened in %.1f ms\n", (g_get_monotonic_time () - start) / 1000.0);

  rss_before = memory_mb ("VmRSS:");
  t.start = g_get_monotonic_time ();
  window = history_window (ledger, &t);
  run_until (&t.first_frame, "the first frame");
  run_until (&t.rows_shown, "rows");
  run_until (&t.counted, "the count");
  rss_shown = memory_mb ("VmRSS:");

  jump_to_middle (&t);
  run_until (&t.jump_shown, "the middle of the list");
  rss_jump = memory_mb ("VmRSS:");
  fetched = tally_history_model_get_n_pages_fetched (
              tally_history_page_get_model (TALLY_HISTORY_PAGE (t.page)));
  n_items = g_list_model_get_n_items (G_LIST_MODEL (tally_history_page_get_model (
                                                      TALLY_HISTORY_PAGE (t.page))));

  g_print ("\n| measure                        | value       | target         |\n");
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
  {
    guint n_found;
    double ms = time_search (tally_history_page_get_model (TALLY_HISTORY_PAGE (t.page)),
                             "minutes", &n_found);

    g_print ("| search, to full count          | %8.1f ms | (in a thread)  |\n", ms);
    g_print ("|   (\"minutes\" in %u of them)   |             |                |\n", n_found);
  }
  print_estimates (ledger);
  g_print ("| peak resident memory (VmHWM)   | %8.1f MB | under 150 MB   |\n",
           memory_mb ("VmHWM:"));
  g_print ("\nhistory items: %u; pages read from the cache up to the jump: %u\n",
           n_items, fetched);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&ledger);
  remove_scratch (dir, path);
  return 0;
}
