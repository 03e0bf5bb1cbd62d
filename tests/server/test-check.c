/* test-check.c: `tally-server check`, the operator's ledger and audit check
 *
 * A clean store (data directory or PostgreSQL database) passes with exit
 * status 0; a ledger whose balances disagree with its transfers, or an
 * audit record changed after it was written, fails with 1 and says what
 * broke; a directory (or a database) with no ledger is 2.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tally-test-postgres.h"
#include "tally-test-server.h"

/* A data directory with a user, a grant and a few audit records, the
 * server stopped. */
static TestServer *
stopped_server_with_history (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *token = NULL;
  char account[37];

  token = test_user_new (server, "checked@example.com", account);
  test_grant (server, admin, account, 500);
  test_server_stop (server, FALSE);
  return server;
}

/* On the server's store, its data folder or its PostgreSQL database. */
static int
run_check (TestServer  *server,
           char       **out)
{
  g_autofree char *store = test_server_store_option (server);
  const char *args[] = { "check", store, NULL };

  return test_server_command (args, NULL, out, NULL);
}

static void
test_clean (void)
{
  g_autoptr(TestServer) server = stopped_server_with_history ();
  g_autofree char *out = NULL;

  g_assert_cmpint (run_check (server, &out), ==, 0);
  g_assert_nonnull (strstr (out, "ledger: every invariant holds"));
  g_assert_nonnull (strstr (out, "every link holds"));
}

static void
test_ledger_broken (void)
{
  g_autoptr(TestServer) server = stopped_server_with_history ();
  g_autofree char *out = NULL;

  /* Credits from nowhere: a balance no transfer explains, changed behind
   * the server's back as a disk or a person might. */
  test_server_exec (server, "UPDATE accounts SET credits_posted = credits_posted + 1 "
                            "WHERE num = (SELECT MAX (num) FROM accounts)");
  g_assert_cmpint (run_check (server, &out), ==, 1);
  g_assert_nonnull (strstr (out, "ledger: BROKEN"));
}

static void
test_audit_broken (void)
{
  g_autoptr(TestServer) server = stopped_server_with_history ();
  g_autofree char *out = NULL;

  test_server_exec (server, "UPDATE audit SET outcome = 'denied' "
                            "WHERE seq = (SELECT MIN (seq) FROM audit)");
  g_assert_cmpint (run_check (server, &out), ==, 1);
  g_assert_nonnull (strstr (out, "ledger: every invariant holds"));
  g_assert_nonnull (strstr (out, "audit: BROKEN at record"));
}

/* On PostgreSQL: a database tally-server migrate never made ready. */
static void
test_no_ledger_database (void)
{
  /* A database made ready first starts the cluster. */
  g_autofree char *ready = test_postgres_database_new ();
  const char *admin_url = tally_test_postgres_get_url (test_postgres_cluster ());
  g_autofree char *empty_url = tally_test_postgres_get_database_url (test_postgres_cluster (),
                                                                     "check_empty");
  /* For test_server_exec () and test_server_count () on those databases. */
  TestServer admin = { .store_url = (char *) admin_url };
  TestServer empty = { .store_url = empty_url };
  g_autofree char *option = g_strdup_printf ("--store-url=%s", empty_url);
  const char *args[] = { "check", option, NULL };
  g_autofree char *err = NULL;

  test_server_exec (&admin, "CREATE DATABASE check_empty");
  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), ==, 2);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "migrate"));
  /* Nothing was made there: the database has no tables still. */
  g_assert_cmpint (test_server_count (&empty, "SELECT count (*) FROM information_schema.tables "
                                              "WHERE table_schema = 'public'"), ==, 0);
}

/* On SQLite: a data folder with no ledger file. */
static void
test_no_ledger_folder (void)
{
  g_autofree char *empty = g_dir_make_tmp ("tally-check-XXXXXX", NULL);
  g_autofree char *err = NULL;
  g_autofree char *dir = g_strdup_printf ("--data-dir=%s", empty);
  const char *args[] = { "check", dir, NULL };

  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "There is no ledger"));
  /* Nothing was made there: the folder is still empty. */
  g_assert_cmpint (g_rmdir (empty), ==, 0);
}

static void
test_no_ledger (void)
{
  if (test_store_is_postgres ())
    test_no_ledger_database ();
  else
    test_no_ledger_folder ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/check/clean", test_clean);
  g_test_add_func ("/check/ledger-broken", test_ledger_broken);
  g_test_add_func ("/check/audit-broken", test_audit_broken);
  g_test_add_func ("/check/no-ledger", test_no_ledger);

  return g_test_run ();
}
