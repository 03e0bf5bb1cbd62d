/* usage-bench.c: the Usage page over a cache of a million transfers
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. Writes 1,000,000 transfers of one
 * account into a ledger file, one a minute ending now (almost two years:
 * tool runs, a hold now and then, a purchase every fifty), then measures,
 * each in a process of its own so each memory figure is one page's alone:
 *
 * - a bare window with a TallyHistoryPage: the time to rows shown and to
 *   the full count, and the resident memory;
 * - a bare window with a TallyUsagePage: the time from the window shown to
 *   the first frame with the chart's bars (the last 30 days' pass), to the
 *   year's pass shown, and the resident memory;
 * - tally_usage_compute() alone, both passes.
 *
 * Run it under build-aux/desktop-session.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bench-window.h"
#include "tally.h"
#include "tally-history-model.h"
#include "tally-history-page.h"
#include "tally-history-row.h"
#include "tally-usage-page.h"

#define N_TRANSFERS 1000000
#define BATCH_SIZE  8190

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

static void
fill_transfer (TallyTransfer *t,
               const char    *account_id,
               guint          k)
{
  static const char * const tools[] = { "image-resize", "pdf-merge", "text-summary", "word-count" };
  g_autofree char *id = g_uuid_string_random ();

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
  tally_transfer_set_tool_id (t, tools[k % G_N_ELEMENTS (tools)]);
  tally_transfer_set_ref (t, id);
  tally_transfer_set_description (t, "A run");
}

static void
fill (const char *path,
      char        account_id[TALLY_UUID_LEN])
{
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, BATCH_SIZE);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, BATCH_SIZE);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  fake_now = g_get_real_time () - (gint64) N_TRANSFERS * 60 * G_USEC_PER_SEC;
  tally_ledger_set_clock (ledger, fake_clock, NULL);

  g_strlcpy (account_id, id, TALLY_UUID_LEN);
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_USER, 0, "Bench", "Europe/Berlin");
  g_assert_true (tally_ledger_create_account (ledger, &account, &error));

  for (guint done = 0; done < N_TRANSFERS; done += BATCH_SIZE)
    {
      guint n = MIN (BATCH_SIZE, N_TRANSFERS - done);

      for (guint i = 0; i < n; i++)
        fill_transfer (&batch[i], account_id, done + i);
      fake_now += (gint64) n * 60 * G_USEC_PER_SEC;
      g_assert_true (tally_ledger_create_transfers (ledger, batch, n, results, &error));
      g_assert_no_error (error);
    }
}

static GtkWidget *
bare_window (GtkWidget *page)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_titlebar (GTK_WINDOW (window), adw_header_bar_new ());
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  return window;
}

static void
run_while (gboolean  (*busy) (gpointer),
           gpointer    data,
           const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (busy (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* The History page */

typedef struct
{
  GtkWidget *page;
  gint64     rows_shown;
  double     rss_rows;
} HistoryTimes;

static void
history_painted (GdkFrameClock *clock,
                 HistoryTimes  *t)
{
  if (t->rows_shown == 0 && bench_find_mapped (t->page, TALLY_TYPE_HISTORY_ROW) != NULL)
    {
      t->rows_shown = g_get_monotonic_time ();
      t->rss_rows = bench_memory_mb ("VmRSS:");
    }
}

static void
history_realized (GtkWidget    *window,
                  HistoryTimes *t)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (history_painted), t);
}

static gboolean
no_rows_yet (gpointer data)
{
  return ((HistoryTimes *) data)->rows_shown == 0;
}

static gboolean
still_counting (gpointer data)
{
  return tally_history_model_get_loading (data);
}

static void
measure_history (const char *path,
                 const char *account_id)
{
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, NULL);
  HistoryTimes t = { 0 };
  TallyHistoryModel *model;
  GtkWidget *window;
  gint64 start;
  double counted_ms;

  t.page = g_object_new (TALLY_TYPE_HISTORY_PAGE, NULL);
  model = tally_history_page_get_model (TALLY_HISTORY_PAGE (t.page));
  window = bare_window (t.page);
  g_signal_connect (window, "realize", G_CALLBACK (history_realized), &t);
  start = g_get_monotonic_time ();
  tally_history_page_set_source (TALLY_HISTORY_PAGE (t.page), ledger, account_id);
  gtk_window_present (GTK_WINDOW (window));
  run_while (no_rows_yet, &t, "the history's rows");
  run_while (still_counting, model, "the history's count");
  counted_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_print ("| History: window to rows shown       | %8.1f ms |                    |\n",
           (t.rows_shown - start) / 1000.0);
  g_print ("| History: window to full count       | %8.1f ms | (in a thread)      |\n",
           counted_ms);
  g_print ("| History: resident memory, rows      | %8.1f MB |                    |\n",
           t.rss_rows);
  g_print ("| History: resident memory, counted   | %8.1f MB |                    |\n",
           bench_memory_mb ("VmRSS:"));
  g_print ("| History: peak resident memory       | %8.1f MB |                    |\n",
           bench_memory_mb ("VmHWM:"));
  /* For the parent, which compares. */
  g_printerr ("history-peak-mb=%.1f\n", bench_memory_mb ("VmHWM:"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The Usage page */

typedef struct
{
  TallyUsagePage *page;
  gint64          first_frame;
  gint64          chart_drawn;
  double          rss_chart;
} UsageTimes;

static void
usage_painted (GdkFrameClock *clock,
               UsageTimes    *t)
{
  if (t->first_frame == 0)
    t->first_frame = g_get_monotonic_time ();
  if (t->chart_drawn == 0 &&
      tally_bar_chart_get_n_bars (tally_usage_page_get_chart (t->page)) > 0)
    {
      t->chart_drawn = g_get_monotonic_time ();
      t->rss_chart = bench_memory_mb ("VmRSS:");
    }
}

static void
usage_realized (GtkWidget  *window,
                UsageTimes *t)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (usage_painted), t);
}

static gboolean
no_chart_yet (gpointer data)
{
  return ((UsageTimes *) data)->chart_drawn == 0;
}

static gboolean
usage_incomplete (gpointer data)
{
  return !tally_usage_page_is_complete (data);
}

static void
measure_usage (const char *path,
               const char *account_id,
               double      history_peak)
{
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, NULL);
  UsageTimes t = { 0 };
  GtkWidget *window;
  gint64 start;
  double complete_ms, peak;

  t.page = g_object_new (TALLY_TYPE_USAGE_PAGE, NULL);
  window = bare_window (GTK_WIDGET (t.page));
  g_signal_connect (window, "realize", G_CALLBACK (usage_realized), &t);
  tally_usage_page_set_source (t.page, ledger, account_id, 50000);
  /* Nothing is read until the page is shown. */
  start = g_get_monotonic_time ();
  gtk_window_present (GTK_WINDOW (window));
  run_while (no_chart_yet, &t, "the chart");
  run_while (usage_incomplete, t.page, "the year's pass");
  complete_ms = (g_get_monotonic_time () - start) / 1000.0;
  peak = bench_memory_mb ("VmHWM:");

  g_print ("| Usage: page shown to first frame    | %8.1f ms |                    |\n",
           (t.first_frame - start) / 1000.0);
  g_print ("| Usage: page shown to chart drawn    | %8.1f ms | under 200 ms       |\n",
           (t.chart_drawn - start) / 1000.0);
  g_print ("| Usage: page shown to the year shown | %8.1f ms | (in a thread)      |\n",
           complete_ms);
  g_print ("| Usage: resident memory, chart       | %8.1f MB |                    |\n",
           t.rss_chart);
  g_print ("| Usage: resident memory, year shown  | %8.1f MB |                    |\n",
           bench_memory_mb ("VmRSS:"));
  g_print ("| Usage: peak resident memory         | %8.1f MB | History's + 20 MB  |\n", peak);
  if (history_peak > 0)
    g_print ("| Usage peak − History peak           | %+8.1f MB | under +20 MB       |\n",
             peak - history_peak);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* tally_usage_compute() alone, on a read connection, as the worker. */
static void
measure_compute (const char *path,
                 const char *account_id)
{
  gint64 opened = g_get_monotonic_time ();
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_READ_ONLY, NULL);
  double open_ms = (g_get_monotonic_time () - opened) / 1000.0;
  TallyUsageQuery quick = { .now = g_get_real_time (), .n_days = 30, .n_weeks = 1,
                            .n_months = 1 };
  TallyUsageQuery full = { .now = quick.now, .n_days = 30, .n_weeks = 26, .n_months = 12 };
  g_autoptr(TallyUsage) a = NULL;
  g_autoptr(TallyUsage) b = NULL;
  gint64 start;
  double quick_ms;

  g_strlcpy (quick.account_id, account_id, sizeof quick.account_id);
  g_strlcpy (full.account_id, account_id, sizeof full.account_id);
  start = g_get_monotonic_time ();
  a = tally_usage_compute (ledger, &quick, NULL, NULL);
  quick_ms = (g_get_monotonic_time () - start) / 1000.0;
  start = g_get_monotonic_time ();
  b = tally_usage_compute (ledger, &full, NULL, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);

  g_print ("| a read connection opened            | %8.1f ms |                    |\n", open_ms);
  g_print ("| tally_usage_compute, 30 days        | %8.1f ms |                    |\n", quick_ms);
  g_print ("| tally_usage_compute, 12 months      | %8.1f ms |                    |\n",
           (g_get_monotonic_time () - start) / 1000.0);
  g_print ("\nruns in the last 12 months: %u of %d transfers\n",
           b->kinds[TALLY_TRANSFER_KIND_CONSUMPTION].count, N_TRANSFERS);
}

/* Runs this program again with @args; returns what it wrote to stderr. */
static char *
run_child (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  char *err = NULL;
  int status;

  fflush (stdout);
  g_assert_true (g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_CHILD_INHERITS_STDIN |
                               G_SPAWN_CHILD_INHERITS_STDOUT, NULL, NULL, NULL, &err,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return err;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *history = NULL;
  g_autofree char *peak = NULL;
  char account_id[TALLY_UUID_LEN];
  const char *found;
  gint64 start;

  if (argc == 4 && g_str_equal (argv[1], "--history"))
    {
      bench_init_gtk ();
      measure_history (argv[2], argv[3]);
      return 0;
    }
  if (argc == 5 && g_str_equal (argv[1], "--usage"))
    {
      bench_init_gtk ();
      measure_usage (argv[2], argv[3], g_ascii_strtod (argv[4], NULL));
      return 0;
    }

  dir = g_dir_make_tmp ("tally-usage-bench-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "cache.db", NULL);
  start = g_get_monotonic_time ();
  fill (path, account_id);
  g_print ("%d transfers written in %.1f s\n\n", N_TRANSFERS,
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  g_print ("| measure                             | value       | target             |\n");
  g_print ("|-------------------------------------|-------------|--------------------|\n");
  history = run_child ((const char * const[]) { argv[0], "--history", path, account_id, NULL });
  found = strstr (history, "history-peak-mb=");
  peak = g_strdup (found ? found + strlen ("history-peak-mb=") : "0");
  g_strchomp (peak);
  g_free (run_child ((const char * const[]) { argv[0], "--usage", path, account_id, peak,
                                              NULL }));
  measure_compute (path, account_id);

  for (guint i = 0; i < 3; i++)
    {
      static const char * const suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
  g_rmdir (dir);
  return 0;
}
