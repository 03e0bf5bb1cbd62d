/* test-store-events.c: what the WebSocket hub (tally-events.c) reads from
 * the store, called directly on a real ledger in a temporary folder: a
 * run's status as written, and the data version that tells another
 * process's commits from the server's own
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-rig.h"

static void
test_store_events_run_status (TestRig       *rig,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char status[32] = "untouched";
  char small[4];
  gboolean found = TRUE;

  test_rig_add_run (rig->store, "held", TALLY_RUN_STATUS_AUTHORIZED, 5, 1000);
  test_rig_add_run (rig->store, "cancelled", TALLY_RUN_STATUS_CANCELLED, 5, 1000);

  g_assert_true (tally_store_read_run_status (rig->store, "nobody", status, sizeof status,
                                              &found, &error));
  g_assert_false (found);
  g_assert_cmpstr (status, ==, "untouched");

  /* As written: "authorized" is for the hub to read, not the store. */
  g_assert_true (tally_store_read_run_status (rig->store, "held", status, sizeof status,
                                              &found, &error));
  g_assert_true (found);
  g_assert_cmpstr (status, ==, "authorized");
  g_assert_true (tally_store_read_run_status (rig->store, "cancelled", status, sizeof status,
                                              &found, &error));
  g_assert_true (found);
  g_assert_cmpstr (status, ==, "cancelled");

  /* A buffer too small gets a terminated prefix. */
  g_assert_true (tally_store_read_run_status (rig->store, "cancelled", small, sizeof small,
                                              &found, &error));
  g_assert_cmpstr (small, ==, "can");
  g_assert_no_error (error);
}

static gint64
data_version (TallyStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 version = -1;

  g_assert_true (tally_store_read_data_version (store, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, >=, 0);
  return version;
}

static void
test_store_events_data_version (TestRig       *rig,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) other_ledger = NULL;
  g_autoptr(TallyStore) other = NULL;
  gint64 before, after_own;

  /* Another connection to the same file, as `tally-server user disable`
   * opens. */
  other_ledger = tally_ledger_open (rig->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  other = tally_store_new (other_ledger, &error);
  g_assert_no_error (error);

  before = data_version (rig->store);
  test_rig_add_run (rig->store, "own", TALLY_RUN_STATUS_AUTHORIZED, 5, 1000);
  after_own = data_version (rig->store);
  g_assert_cmpint (after_own, ==, before);

  test_rig_add_run (other, "theirs", TALLY_RUN_STATUS_AUTHORIZED, 5, 1000);
  g_assert_cmpint (data_version (rig->store), !=, after_own);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  test_rig_add ("/store-events/run-status", test_store_events_run_status);
  test_rig_add ("/store-events/data-version", test_store_events_data_version);

  return g_test_run ();
}
