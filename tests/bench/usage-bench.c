/* usage-bench.c: GET /v1/usage over a year of a heavy user's history
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. It starts a real tally-server,
 * registers a user, writes 1,000,000 transfers of the user's account into
 * the server's ledger over the year that ends now (runs held and posted,
 * offline runs, a purchase now and then, six tools), and then times, for
 * granularity=day over that year:
 *
 * - the request over HTTP on loopback, as a client sees it;
 * - tally_usage_report_compute() on a connection of its own: the server's work
 *   without the HTTP;
 * - and, as baselines on the same rows: a plain COUNT(*) of the year's
 *   consumption transfers over the (account, kind, seq) index, and the
 *   year's consumption summed from the transfers themselves
 *   (tally_ledger_sum_consumption(), joins to each run's settlement).
 *
 * Each figure is the best and the median of a few runs, with a warm page
 * cache: the server answers from memory when the chart is opened twice.
 */

#include "config.h"

#include <sqlite3.h>

#include "tally.h"
#include "tally-store.h"
#include "tally-usage-report.h"

#include "tally-test-server.h"

#define N_TRANSFERS 1000000
#define N_TIMES     7
#define YEAR        (G_GINT64_CONSTANT (365) * 24 * 3600 * G_USEC_PER_SEC)

static const char * const tools[] = {
  "image-resize", "pdf-merge", "text-summary", "qr-code", "csv-clean", "json-format",
};

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

/* One event: a purchase every 50, an offline run every 10, else a run
 * held and posted in the same batch. Returns how many transfers. */
static guint
fill_event (TallyTransfer *t,
            const char    *account_id,
            guint          k)
{
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *post_id = g_uuid_string_random ();
  const char *tool = tools[k % G_N_ELEMENTS (tools)];

  if (k % 50 == 0)
    {
      tally_transfer_init (t, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                           account_id, 5000, TALLY_TRANSFER_KIND_PURCHASE);
      return 1;
    }

  tally_transfer_init (t, id, account_id, consumption, 2 + k % 9,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (t, tool);
  tally_transfer_set_ref (t, id);
  if (k % 10 == 1)
    return 1;

  t->flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_init (t + 1, post_id, "", "", 1 + k % 2, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_pending_id (t + 1, id);
  tally_transfer_set_tool_id (t + 1, tool);
  t[1].flags = TALLY_TRANSFER_FLAG_POST_PENDING;
  return 2;
}

/* Into the server's own ledger (the server stopped), one event every
 * minute or so, the last a minute ago; a transaction every 20,000. */
static void
fill (const char *path,
      const char *account_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  /* ~560,000 events make a million transfers. */
  gint64 step = YEAR / 560000;
  guint written = 0;

  g_assert_no_error (error);
  fake_now = g_get_real_time () - YEAR + G_USEC_PER_SEC;
  tally_ledger_set_clock (ledger, fake_clock, NULL);

  g_assert_true (tally_ledger_begin (ledger, &error));
  for (guint k = 0; written < N_TRANSFERS; k++)
    {
      TallyTransfer batch[2];
      TallyTransferResult results[2];
      guint n = fill_event (batch, account_id, k);

      n = MIN (n, N_TRANSFERS - written);
      g_assert_true (tally_ledger_create_transfers (ledger, batch, n, results, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < n; i++)
        g_assert_cmpint (results[i], ==, TALLY_TRANSFER_OK);
      written += n;
      fake_now = MIN (fake_now + step, g_get_real_time () - 60 * G_USEC_PER_SEC);

      if (written % 20000 < n)
        {
          g_assert_true (tally_ledger_commit (ledger, &error) &&
                         tally_ledger_begin (ledger, &error));
          g_assert_no_error (error);
        }
    }
  g_assert_true (tally_ledger_commit (ledger, &error));
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        gint64     *times)
{
  qsort (times, N_TIMES, sizeof (gint64), compare_times);
  g_print ("%-58s best %8.2f ms  median %8.2f ms\n", what, times[0] / 1000.0,
           times[N_TIMES / 2] / 1000.0);
}

static gint64
total_spent (TestResponse *response)
{
  JsonArray *by_tool = json_node_get_array (test_response_member (response, "by_tool"));
  gint64 total = 0;

  for (guint i = 0; i < json_array_get_length (by_tool); i++)
    total += json_object_get_int_member (json_array_get_object_element (by_tool, i), "spent");

  return total;
}

static void
time_http (TestServer *server,
           const char *token,
           const char *path)
{
  gint64 times[N_TIMES];

  for (guint i = 0; i < N_TIMES; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(TestResponse) response = test_request (server, "GET", path, token, NULL);
      JsonArray *buckets;

      times[i] = g_get_monotonic_time () - start;
      g_assert_cmpuint (response->status, ==, 200);
      buckets = json_node_get_array (test_response_member (response, "buckets"));
      if (i == 0)
        g_print ("usage-bench: %u day buckets, %" G_GINT64_FORMAT " credits spent in them\n",
                 json_array_get_length (buckets), total_spent (response));
    }
  report ("GET /v1/usage?granularity=day, a year, over HTTP", times);
}

static void
time_compute (TallyLedger                 *ledger,
              const TallyUsageReportQuery *query)
{
  g_autoptr(TallyStore) store = tally_store_new_reader (ledger);

  gint64 times[N_TIMES];

  for (guint i = 0; i < N_TIMES; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(TallyUsageReport) usage = tally_usage_report_compute (TALLY_API_STORE (store), query,
                                                                      &error);

      times[i] = g_get_monotonic_time () - start;
      g_assert_no_error (error);
    }
  report ("tally_usage_report_compute(), day buckets over the year", times);
}

static void
time_count (const char            *path,
            const TallyUsageReportQuery *query,
            gint64                *n_rows)
{
  gint64 times[N_TIMES];
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT COUNT (*) FROM transfers "
                                       "WHERE debit_account = (SELECT num FROM accounts "
                                       "  WHERE id = ?) AND kind = 2 AND seq >= "
                                       "(SELECT MIN (seq) FROM transfers WHERE created_at >= ?)",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < N_TIMES; i++)
    {
      guint8 id[16];
      gint64 start;

      tally_uuid_to_bytes (query->account_id, id);
      sqlite3_bind_blob (stmt, 1, id, sizeof id, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, query->since);
      start = g_get_monotonic_time ();
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      *n_rows = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      times[i] = g_get_monotonic_time () - start;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  report ("baseline: COUNT(*) of the year's consumption transfers", times);
}

static void
time_raw_sum (TallyLedger           *ledger,
              const TallyUsageReportQuery *query)
{
  gint64 times[N_TIMES];
  gint64 spent = 0;

  for (guint i = 0; i < N_TIMES; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      g_assert_true (tally_ledger_sum_consumption (ledger, query->account_id, query->since,
                                                   query->until, &spent, &error));
      times[i] = g_get_monotonic_time () - start;
    }
  report ("baseline: the year's consumption summed from the transfers", times);
}

/* Whole seconds: the range the HTTP request asks for is the same. */
static char *
format_utc (gint64 microseconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ledger_path = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TallyLedger) reader = NULL;
  g_autoptr(GError) error = NULL;
  TallyUsageReportQuery query = { 0 };
  gint64 fill_start, n_rows = 0;

  g_test_init (&argc, &argv, NULL);

  server = test_server_start_quiet (NULL);
  token = test_user_new (server, "heavy@example.com", query.account_id);
  ledger_path = test_server_ledger_path (server);

  test_server_stop (server, FALSE);
  fill_start = g_get_monotonic_time ();
  fill (ledger_path, query.account_id);
  g_print ("usage-bench: %d transfers written in %.1f s\n", N_TRANSFERS,
           (g_get_monotonic_time () - fill_start) / 1e6);
  test_server_restart (server);

  query.granularity = TALLY_PERIOD_DAY;
  query.now = g_get_real_time ();
  query.until = query.now - query.now % G_USEC_PER_SEC;
  query.since = query.until - YEAR;
  since = format_utc (query.since);
  until = format_utc (query.until);
  path = g_strdup_printf ("/v1/usage?granularity=day&since=%s&until=%s", since, until);

  reader = tally_ledger_open (ledger_path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);

  time_http (server, token, path);
  time_compute (reader, &query);
  time_count (ledger_path, &query, &n_rows);
  g_print ("usage-bench: the count is %" G_GINT64_FORMAT " transfers\n", n_rows);
  time_raw_sum (reader, &query);
  g_print ("target: GET /v1/usage?granularity=day over a year with 1,000,000 transfers "
           "< 50 ms on the server\n");

  return 0;
}
