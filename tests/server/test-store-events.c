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

#include <glib/gstdio.h>

#include "tally-store-runs.h"

#define USER_ID    "6f1c1a8e-3b52-4f0e-9c39-0a5e2f1d7b10"
#define ACCOUNT_ID "0d9b6a1c-7f4e-4e26-8a51-3c2b9e8f4a21"

typedef struct
{
  char        *dir;
  char        *path;
  TallyLedger *ledger;
  TallyStore  *store;
} Rig;

static void
rig_setup (Rig           *rig,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  rig->dir = g_dir_make_tmp ("test-store-events-XXXXXX", &error);
  g_assert_no_error (error);
  rig->path = g_build_filename (rig->dir, "ledger.db", NULL);
  rig->ledger = tally_ledger_open (rig->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  rig->store = tally_store_new (rig->ledger, &error);
  g_assert_no_error (error);
}

static void
rig_teardown (Rig           *rig,
              gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_clear_object (&rig->store);
  g_clear_object (&rig->ledger);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (rig->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (rig->dir);
  g_free (rig->path);
  g_free (rig->dir);
}

static void
add_run (TallyStore     *store,
         const char     *id,
         TallyRunStatus  status)
{
  g_autoptr(GError) error = NULL;
  TallyRun run = { 0 };

  g_strlcpy (run.id, id, sizeof run.id);
  g_strlcpy (run.user_id, USER_ID, sizeof run.user_id);
  g_strlcpy (run.account_id, ACCOUNT_ID, sizeof run.account_id);
  g_strlcpy (run.tool_id, "image-resize", sizeof run.tool_id);
  g_strlcpy (run.request_digest, "digest", sizeof run.request_digest);
  run.status = status;
  run.held = 5;
  run.authorize_status = 201;
  run.authorize_body = (char *) "{}";
  run.created_at = 1;
  run.hold_expires_at = 1000;
  g_assert_true (tally_store_insert_run (store, &run, "{}", &error));
  g_assert_no_error (error);
}

static void
test_store_events_run_status (Rig           *rig,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char status[32] = "untouched";
  char small[4];
  gboolean found = TRUE;

  add_run (rig->store, "held", TALLY_RUN_STATUS_AUTHORIZED);
  add_run (rig->store, "cancelled", TALLY_RUN_STATUS_CANCELLED);

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
test_store_events_data_version (Rig           *rig,
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
  add_run (rig->store, "own", TALLY_RUN_STATUS_AUTHORIZED);
  after_own = data_version (rig->store);
  g_assert_cmpint (after_own, ==, before);

  add_run (other, "theirs", TALLY_RUN_STATUS_AUTHORIZED);
  g_assert_cmpint (data_version (rig->store), !=, after_own);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/store-events/run-status", Rig, NULL, rig_setup, test_store_events_run_status,
              rig_teardown);
  g_test_add ("/store-events/data-version", Rig, NULL, rig_setup,
              test_store_events_data_version, rig_teardown);

  return g_test_run ();
}
