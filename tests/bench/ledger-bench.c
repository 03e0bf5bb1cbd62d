/* ledger-bench.c: transfers per second, against bare SQLite inserts
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. For each batch size it measures
 * tally_ledger_create_transfers() on a fresh, durable ledger
 * (synchronous=FULL), then, in the same run, a bare loop of SQLite inserts
 * of rows of the same size into the same table with the same indexes, one
 * transaction per batch, and the ratio of the two.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tally.h"

#define N_ACCOUNTS 1000

typedef struct
{
  guint batch_size;
  guint n_batches;
} Scenario;

static const Scenario scenarios[] = {
  { 1, 400 },
  { 100, 200 },
  { 8190, 50 },
};

typedef struct
{
  char dir[256];
  char path[512];
} Scratch;

static void
scratch_init (Scratch    *scratch,
              const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-bench-XXXXXX", NULL);

  g_assert_nonnull (dir);
  g_strlcpy (scratch->dir, dir, sizeof scratch->dir);
  g_snprintf (scratch->path, sizeof scratch->path, "%s/%s", dir, name);
}

static void
scratch_clear (Scratch *scratch)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (scratch->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (scratch->dir);
}

static TallyLedger *
open_funded_ledger (Scratch *scratch,
                    char     accounts[N_ACCOUNTS][TALLY_UUID_LEN])
{
  g_autoptr(GError) error = NULL;
  TallyLedger *ledger = tally_ledger_open (scratch->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_autofree TallyTransfer *grants = g_new0 (TallyTransfer, N_ACCOUNTS);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, N_ACCOUNTS);

  g_assert_no_error (error);
  for (guint i = 0; i < N_ACCOUNTS; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      TallyAccount account;

      g_strlcpy (accounts[i], id, TALLY_UUID_LEN);
      tally_account_init (&account, id, TALLY_ACCOUNT_KIND_USER,
                          TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Bench", NULL);
      g_assert_true (tally_ledger_create_account (ledger, &account, NULL));

      {
        g_autofree char *grant_id = g_uuid_string_random ();

        tally_transfer_init (&grants[i], grant_id,
                             tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS), id,
                             G_GINT64_CONSTANT (1000000000000), TALLY_TRANSFER_KIND_GRANT);
      }
    }
  g_assert_true (tally_ledger_create_transfers (ledger, grants, N_ACCOUNTS, results, NULL));
  return ledger;
}

/* A tool run's charge between two random accounts, as the server makes. */
static void
fill_transfer (TallyTransfer *t,
               GRand         *rand,
               char           accounts[N_ACCOUNTS][TALLY_UUID_LEN])
{
  g_autofree char *id = g_uuid_string_random ();
  guint debit = g_rand_int_range (rand, 0, N_ACCOUNTS);
  guint credit = (debit + 1 + g_rand_int_range (rand, 0, N_ACCOUNTS - 1)) % N_ACCOUNTS;

  tally_transfer_init (t, id, accounts[debit], accounts[credit],
                       g_rand_int_range (rand, 1, 50), TALLY_TRANSFER_KIND_CONSUMPTION);
  t->units = g_rand_int_range (rand, 1, 20);
  tally_transfer_set_tool_id (t, "image-resize");
  tally_transfer_set_ref (t, id);
  tally_transfer_set_description (t, "Resize images");
}

static double
bench_ledger (const Scenario *scenario)
{
  static char accounts[N_ACCOUNTS][TALLY_UUID_LEN];
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, scenario->batch_size);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, scenario->batch_size);
  g_autoptr(TallyLedger) ledger = NULL;
  Scratch scratch;
  gint64 elapsed = 0;

  scratch_init (&scratch, "ledger.db");
  ledger = open_funded_ledger (&scratch, accounts);

  for (guint b = 0; b < scenario->n_batches; b++)
    {
      gint64 start;

      for (guint i = 0; i < scenario->batch_size; i++)
        fill_transfer (&batch[i], rand, accounts);

      start = g_get_monotonic_time ();
      g_assert_true (tally_ledger_create_transfers (ledger, batch, scenario->batch_size, results,
                                                    NULL));
      elapsed += g_get_monotonic_time () - start;

      for (guint i = 0; i < scenario->batch_size; i++)
        g_assert_cmpint (results[i], ==, TALLY_TRANSFER_OK);
    }

  g_assert_true (tally_ledger_check (ledger, NULL));
  g_clear_object (&ledger);
  scratch_clear (&scratch);

  return (double) scenario->batch_size * scenario->n_batches * G_USEC_PER_SEC / elapsed;
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* The same table and indexes (a ledger file's own), the same row sizes,
 * the same durability; only the ledger's work is missing. */
static double
bench_bare (const Scenario *scenario)
{
  static char accounts[N_ACCOUNTS][TALLY_UUID_LEN];
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, scenario->batch_size);
  g_autoptr(TallyLedger) ledger = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL;
  Scratch scratch;
  gint64 elapsed = 0;
  gint64 seq = N_ACCOUNTS;

  scratch_init (&scratch, "bare.db");
  ledger = open_funded_ledger (&scratch, accounts);
  g_clear_object (&ledger);

  g_assert_cmpint (sqlite3_open (scratch.path, &db), ==, SQLITE_OK);
  exec_or_die (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                   "PRAGMA cache_size = -65536");
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO transfers (seq, id, debit_account, "
                                       "credit_account, amount, pending_seq, units, timeout, "
                                       "flags, kind, ref, tool_id, description, created_at) "
                                       "VALUES (?, ?, ?, ?, ?, NULL, ?, 0, 0, ?, ?, ?, ?, ?)",
                                       -1, &insert, NULL), ==, SQLITE_OK);

  for (guint b = 0; b < scenario->n_batches; b++)
    {
      gint64 start;

      for (guint i = 0; i < scenario->batch_size; i++)
        fill_transfer (&batch[i], rand, accounts);

      start = g_get_monotonic_time ();
      exec_or_die (db, "BEGIN IMMEDIATE");
      for (guint i = 0; i < scenario->batch_size; i++)
        {
          const TallyTransfer *t = &batch[i];
          guint8 id[16];

          tally_uuid_to_bytes (t->id, id);
          sqlite3_bind_int64 (insert, 1, ++seq);
          sqlite3_bind_blob (insert, 2, id, 16, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (insert, 3, 7 + (seq % N_ACCOUNTS));
          sqlite3_bind_int64 (insert, 4, 7 + ((seq + 1) % N_ACCOUNTS));
          sqlite3_bind_int64 (insert, 5, t->amount);
          sqlite3_bind_int64 (insert, 6, t->units);
          sqlite3_bind_int (insert, 7, t->kind);
          sqlite3_bind_text (insert, 8, t->ref, -1, SQLITE_STATIC);
          sqlite3_bind_text (insert, 9, t->tool_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (insert, 10, t->description, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 11, g_get_real_time ());
          if (sqlite3_step (insert) != SQLITE_DONE)
            g_error ("insert: %s", sqlite3_errmsg (db));
          sqlite3_reset (insert);
        }
      exec_or_die (db, "COMMIT");
      elapsed += g_get_monotonic_time () - start;
    }

  sqlite3_finalize (insert);
  sqlite3_close (db);
  scratch_clear (&scratch);

  return (double) scenario->batch_size * scenario->n_batches * G_USEC_PER_SEC / elapsed;
}

int
main (int   argc,
      char *argv[])
{
  double ratio_at_largest = 0, rate_at_largest = 0;

  g_print ("ledger-bench: durable ledger (WAL, synchronous=FULL), %d accounts\n", N_ACCOUNTS);
  g_print ("%10s %12s %18s %18s %8s\n", "batch", "transfers", "ledger (tr/s)",
           "bare inserts (/s)", "ratio");

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      const Scenario *s = &scenarios[i];
      double ledger_rate = bench_ledger (s);
      double bare_rate = bench_bare (s);

      g_print ("%10u %12u %18.0f %18.0f %7.0f%%\n", s->batch_size,
               s->batch_size * s->n_batches, ledger_rate, bare_rate,
               100.0 * ledger_rate / bare_rate);
      ratio_at_largest = ledger_rate / bare_rate;
      rate_at_largest = ledger_rate;
    }

  g_print ("target at 8190 per batch: >= 50%% of bare inserts and > 200000 tr/s: %s\n",
           ratio_at_largest >= 0.5 && rate_at_largest > 200000 ? "met" : "NOT met");
  return 0;
}
