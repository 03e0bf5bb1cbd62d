/* tally-test-rig.c: a real ledger and store, or a whole TallyServer, on a
 * temporary SQLite file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-rig.h"

/* A folder named after the test program, so that one left behind by a
 * crash says whose it is. */
static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  g_autofree char *template = g_strconcat (program, "-XXXXXX", NULL);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
test_rig_setup (TestRig       *rig,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  rig->dir = make_dir ();
  rig->path = g_build_filename (rig->dir, "ledger.db", NULL);
  rig->ledger = tally_ledger_open (rig->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  rig->store = tally_store_new (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_setup_server (TestRig       *rig,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  rig->dir = make_dir ();
  rig->config = tally_config_new ();
  g_free (rig->config->data_dir);
  rig->config->data_dir = g_strdup (rig->dir);
  g_free (rig->config->tools_dir);
  rig->config->tools_dir = g_strdup (g_getenv ("TALLY_TOOLS_DIR"));

  rig->server = tally_server_new (rig->config, &error);
  g_assert_no_error (error);
  rig->ledger = g_object_ref (tally_server_get_ledger (rig->server));
  rig->store = g_object_ref (tally_server_get_store (rig->server));
}

void
test_rig_teardown (TestRig       *rig,
                   gconstpointer  data)
{
  g_clear_object (&rig->store);
  g_clear_object (&rig->ledger);
  g_clear_object (&rig->server);
  g_clear_pointer (&rig->config, tally_config_free);
  g_assert_true (test_remove_tree (rig->dir));
  g_clear_pointer (&rig->path, g_free);
  g_clear_pointer (&rig->dir, g_free);
}

void
test_rig_begin (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  tally_ledger_begin (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_commit (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  tally_ledger_commit (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_user_new (TestRig    *rig,
                   const char *email,
                   TallyRole   role,
                   TallyUser  *user)
{
  g_autoptr(GError) error = NULL;

  test_rig_begin (rig);
  tally_store_create_user (rig->store, email, "Test", "not-a-hash", role, user, &error);
  g_assert_no_error (error);
  test_rig_commit (rig);
}

gint64
test_rig_available (TestRig    *rig,
                    const char *account_id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  tally_ledger_lookup_account (rig->ledger, account_id, &account, &error);
  g_assert_no_error (error);
  return tally_account_available (&account);
}

void
test_rig_assert_clean (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_check (rig->ledger, &error));
  g_assert_no_error (error);
}

void
test_rig_add_run (TallyStore     *store,
                  const char     *id,
                  TallyRunStatus  status,
                  gint64          held,
                  gint64          hold_expires_at)
{
  g_autoptr(GError) error = NULL;
  TallyRun run = { 0 };

  g_strlcpy (run.id, id, sizeof run.id);
  g_strlcpy (run.user_id, TEST_RIG_USER_ID, sizeof run.user_id);
  g_strlcpy (run.account_id, TEST_RIG_ACCOUNT_ID, sizeof run.account_id);
  g_strlcpy (run.tool_id, "image-resize", sizeof run.tool_id);
  g_strlcpy (run.request_digest, "digest", sizeof run.request_digest);
  run.status = status;
  run.held = held;
  run.authorize_status = 201;
  run.authorize_body = (char *) "{}";
  run.created_at = 1;
  run.hold_expires_at = hold_expires_at;
  g_assert_true (tally_store_insert_run (store, &run, "{}", &error));
  g_assert_no_error (error);
}
