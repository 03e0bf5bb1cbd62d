/* tally-test-stores.c: a TallyRulesStore on each store, for contract tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <tally-ledger-sqlite.h>

#include "tally-test-postgres.h"
#include "tally-store-runs.h"
#include "tally-test-stores.h"

struct _StoreMaker
{
  const char *name;
  void      (*make) (StoreFixture *fixture);
};

/* Started on the first PostgreSQL test; each test has a database. */
static TallyTestPostgres *cluster;

/* SQLite: TallyStore on a ledger file in a temporary folder. */
static void
make_sqlite (StoreFixture *fixture)
{
  test_rig_setup (&fixture->base, NULL);
  fixture->store = TALLY_RULES_STORE (fixture->base.store);
  test_rig_user_new (&fixture->base, "contract@example.com", TALLY_ROLE_MEMBER, &fixture->user);
}

static char *
create_database (void)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("contract_%u", ++counter);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPg) admin = NULL;

  if (cluster == NULL)
    cluster = tally_test_postgres_start ();
  admin = tally_pg_connect (tally_test_postgres_get_url (cluster), &error);
  g_assert_no_error (error);
  g_assert_true (tally_pg_exec_command (admin, sql, 0, NULL, &error));
  g_assert_no_error (error);
  return tally_test_postgres_get_database_url (cluster, name);
}

/* PostgreSQL: TallyPgStore on a database of a cluster of the test's own. */
static void
make_postgres (StoreFixture *fixture)
{
  g_autofree char *url = create_database ();
  g_autoptr(GError) error = NULL;

  fixture->pg_store = tally_pg_store_new (url, &error);
  g_assert_no_error (error);
  fixture->store = TALLY_RULES_STORE (fixture->pg_store);
  stores_user_new (fixture, "Contract@example.com", TALLY_ROLE_MEMBER, &fixture->user);
}

void
stores_user_new (StoreFixture *fixture,
                 const char   *email,
                 TallyRole     role,
                 TallyUser    *user)
{
  g_autoptr(GError) error = NULL;

  if (fixture->pg_store == NULL)
    {
      test_rig_user_new (&fixture->base, email, role, user);
      return;
    }
  stores_begin (fixture);
  g_assert_true (tally_pg_store_create_user (fixture->pg_store, email, "Test", "not-a-hash", role,
                                             user, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

void
stores_set_clock (StoreFixture   *fixture,
                  TallyClockFunc  func,
                  gpointer        data)
{
  if (fixture->pg_store == NULL)
    tally_ledger_set_clock (fixture->base.ledger, func, data);
  else
    tally_pg_ledger_set_clock (tally_pg_store_get_ledger (fixture->pg_store), func, data);
}

gint64
stores_available (StoreFixture *fixture,
                  const char   *account_id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_rules_store_lookup_account (fixture->store, account_id, &account, &error));
  g_assert_no_error (error);
  return tally_account_available (&account);
}

void
stores_save_policy (StoreFixture      *fixture,
                    const char        *account_id,
                    const TallyPolicy *policy)
{
  g_autoptr(GError) error = NULL;

  if (fixture->pg_store == NULL)
    tally_store_save_policy (fixture->base.store, account_id, policy, &error);
  else
    tally_pg_store_save_policy (fixture->pg_store, account_id, policy, &error);
  g_assert_no_error (error);
}

const char *
stores_name (gconstpointer maker)
{
  return ((const StoreMaker *) maker)->name;
}

void
stores_setup (StoreFixture  *fixture,
              gconstpointer  data)
{
  const StoreMaker *maker = data;

  maker->make (fixture);
}

void
stores_teardown (StoreFixture  *fixture,
                 gconstpointer  data)
{
  if (fixture->pg_store != NULL)
    g_clear_object (&fixture->pg_store);
  else
    test_rig_teardown (&fixture->base, data);
}

/* Every invariant of the ledger, on whichever store. */
void
stores_assert_clean (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  if (fixture->pg_store == NULL)
    {
      test_rig_assert_clean (&fixture->base);
      return;
    }
  g_assert_true (tally_pg_ledger_check (tally_pg_store_get_ledger (fixture->pg_store), &error));
  g_assert_no_error (error);
}

const char *
stores_grants_account (void)
{
  return tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS);
}

/* A grant through the interface; its transfer's seq. */
gint64
stores_grant (StoreFixture *fixture,
       gint64   amount)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  TallyTransferResult result;
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, stores_grants_account (), fixture->user.account_id, amount,
                       TALLY_TRANSFER_KIND_GRANT);
  g_assert_true (tally_rules_store_create_transfers (fixture->store, &transfer, 1, &result,
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
  return transfer.seq;
}

gint64
stores_balance (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_rules_store_lookup_account (fixture->store, fixture->user.account_id,
                                                   &account, &error));
  g_assert_no_error (error);
  return tally_account_balance (&account);
}

void
stores_begin (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_begin (fixture->store, &error));
  g_assert_no_error (error);
}

void
stores_commit (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_commit (fixture->store, &error));
  g_assert_no_error (error);
}

void
stores_begin_write (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_begin_write (fixture->store, &error));
  g_assert_no_error (error);
}

void
stores_end_write (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_end_write (fixture->store, &error));
  g_assert_no_error (error);
}

static const StoreMaker sqlite_maker = { "sqlite", make_sqlite };
static const StoreMaker postgres_maker = { "postgres", make_postgres };

const StoreMaker * const stores_makers[] = { &sqlite_maker, &postgres_maker };

static void
stores_add_for (const StoreMaker  *maker,
         const char        *name,
         StoreTestFunc  func)
{
  g_autofree char *path = g_strdup_printf ("/rules-store/%s/%s", maker->name, name);

  g_test_add (path, StoreFixture, maker, stores_setup, func, stores_teardown);
}

/* On every store: what each must do alike. */
void
stores_add (const char  *name,
     StoreTestFunc  func)
{
  stores_add_for (&sqlite_maker, name, func);
  stores_add_for (&postgres_maker, name, func);
}

int
stores_run (void)
{
  int status = g_test_run ();

  g_clear_pointer (&cluster, tally_test_postgres_free);
  return status;
}

gboolean
stores_skip_on_sqlite (StoreFixture *fixture)
{
  if (fixture->pg_store != NULL)
    return FALSE;

  g_test_skip ("One server writes a SQLite store");
  return TRUE;
}

typedef struct
{
  TallyPgStore  *store;
  StoreRaceFunc  func;
  gpointer       data;
  gboolean       ok;
  GError        *error;
} Racer;

static gpointer
run_racer (gpointer data)
{
  Racer *racer = data;
  TallyRulesStore *store = TALLY_RULES_STORE (racer->store);

  racer->ok = tally_rules_store_begin (store, &racer->error) &&
              racer->func (store, racer->data, &racer->error) &&
              tally_rules_store_commit (store, &racer->error);
  return NULL;
}

/* Waits until a connection to @pg's database waits on a lock. */
static void
wait_for_lock_wait (TallyPg *pg)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PGresult) res = tally_pg_exec (pg, "SELECT count(*) FROM pg_stat_activity "
                                               "WHERE datname = current_database() "
                                               "AND wait_event_type = 'Lock'", 0, NULL, &error);

      g_assert_no_error (error);
      if (tally_pg_get_int64 (res, 0, 0) > 0)
        return;
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_not_reached ();
}

void
stores_race (StoreFixture  *fixture,
             StoreRaceFunc  func,
             gpointer       data)
{
  const char *url = tally_pg_store_get_url (fixture->pg_store);
  g_autoptr(TallyPgStore) store = NULL;
  g_autoptr(TallyPg) watcher = NULL;
  g_autoptr(GError) error = NULL;
  Racer racer = { 0 };
  GThread *thread;

  store = tally_pg_store_new (url, &error);
  g_assert_no_error (error);
  watcher = tally_pg_connect (url, &error);
  g_assert_no_error (error);

  racer = (Racer) { store, func, data };
  thread = g_thread_new ("second-server", run_racer, &racer);
  wait_for_lock_wait (watcher);
  stores_commit (fixture);
  g_thread_join (thread);

  g_assert_no_error (racer.error);
  g_assert_true (racer.ok);
}

/* @sql, the same text on either store, in a transaction of its own. */
void
stores_exec (StoreFixture *fixture,
             const char   *sql)
{
  g_autoptr(GError) error = NULL;
  char *message = NULL;

  if (fixture->pg_store == NULL)
    {
      if (sqlite3_exec (tally_ledger_get_sqlite (fixture->base.ledger), sql, NULL, NULL,
                        &message) != SQLITE_OK)
        g_error ("%s: %s", sql, message);
      return;
    }

  g_assert_true (tally_pg_run_command (tally_pg_store_get_pg (fixture->pg_store), sql, NULL,
                                       &error));
  g_assert_no_error (error);
}

/* The one number @sql, text both stores accept, selects. */
gint64
stores_count (StoreFixture *fixture,
              const char   *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  if (fixture->pg_store == NULL)
    {
      g_assert_cmpint (sqlite3_prepare_v2 (tally_ledger_get_sqlite (fixture->base.ledger), sql,
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      count = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      return count;
    }

  res = tally_pg_run (tally_pg_store_get_pg (fixture->pg_store), sql, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return tally_pg_get_int64 (res, 0, 0);
}
