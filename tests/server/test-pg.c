/* test-pg.c: TallyPg on a real PostgreSQL 15 cluster of the test's own:
 * parameters, error codes by SQLSTATE (constraint, deadlock, write skew,
 * outage), reconnection after a restart, and migrations
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg.h"
#include "tally-test-postgres.h"

#define PASSWORD "s3cr3t-Pa55"

static TallyTestPostgres *cluster;

static TallyPg *
connect_to (const char *url)
{
  g_autoptr(GError) error = NULL;
  TallyPg *pg = tally_pg_connect (url, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pg);
  return pg;
}

static TallyPg *
connect_cluster (void)
{
  return connect_to (tally_test_postgres_get_url (cluster));
}

static void
exec_ok (TallyPg    *pg,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_pg_exec_command (pg, sql, 0, NULL, &error));
  g_assert_no_error (error);
}

static gint64
query_int64 (TallyPg    *pg,
             const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = tally_pg_exec (pg, sql, 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return tally_pg_get_int64 (res, 0, 0);
}

/* A database of the test's own, so each test starts from nothing. */
static char *
create_database (const char *name)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);

  exec_ok (pg, sql);
  return tally_test_postgres_get_database_url (cluster, name);
}

static void
test_connect (void)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;

  res = tally_pg_exec (pg, "SELECT 9007199254740993::bigint, NULL::text, 'x'", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  g_assert_cmpint (tally_pg_get_int64 (res, 0, 0), ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_false (tally_pg_is_null (res, 0, 0));
  g_assert_true (tally_pg_is_null (res, 0, 1));
  g_assert_cmpstr (PQgetvalue (res, 0, 2), ==, "x");
  g_assert_false (tally_pg_in_transaction (pg));

  /* With a password in the URL: trust authentication ignores it. */
  {
    g_autofree char *url = g_strdup_printf ("postgresql://postgres:%s@%s", PASSWORD,
                                            tally_test_postgres_get_url (cluster) +
                                            strlen ("postgresql://"));
    g_autoptr(TallyPg) with_password = connect_to (url);

    g_assert_cmpint (query_int64 (with_password, "SELECT 1"), ==, 1);
  }
}

static void
assert_unavailable_without_password (const char *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPg) pg = tally_pg_connect (url, &error);

  g_test_message ("%s: %s", url, error ? error->message : "connected");
  g_assert_null (pg);
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "Could not connect to PostgreSQL at "));
  g_assert_null (strstr (error->message, PASSWORD));
  g_assert_null (strstr (error->message, "s3cr3t"));
  g_assert_nonnull (strstr (error->message, "****"));
}

static void
test_bad_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPg) pg = NULL;

  /* No such socket, the password in the user info, in the query, in a
   * conninfo string, percent-encoded, and in URLs libpq cannot parse. */
  assert_unavailable_without_password ("postgresql://tally:" PASSWORD
                                       "@/tally?host=/nonexistent-tally-dir&port=5999");
  assert_unavailable_without_password ("postgresql:///tally?host=/nonexistent-tally-dir"
                                       "&password=" PASSWORD);
  assert_unavailable_without_password ("host=/nonexistent-tally-dir user=tally "
                                       "password=" PASSWORD);
  assert_unavailable_without_password ("host=/nonexistent-tally-dir user=tally "
                                       "password='" PASSWORD " and more'");
  assert_unavailable_without_password ("postgresql://tally:s3cr3t%2DPa55"
                                       "@/tally?host=/nonexistent-tally-dir");
  assert_unavailable_without_password ("postgresql://tally:" PASSWORD "%zz@/tally");
  assert_unavailable_without_password ("postgresql://tally:" PASSWORD "@[::1/tally");
  assert_unavailable_without_password ("postgresql://tally:s3cr3t@" PASSWORD
                                       "@/tally?host=/nonexistent-tally-dir");
  assert_unavailable_without_password ("postgresql://tally:" PASSWORD "@/tally?bogus=1");

  /* The reason stays: libpq's own words on what failed. */
  pg = tally_pg_connect ("postgresql:///tally?host=/nonexistent-tally-dir&port=5999", &error);
  g_assert_null (pg);
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "/nonexistent-tally-dir/.s.PGSQL.5999"));
  g_assert_nonnull (strstr (error->message, "No such file or directory"));
}

static void
test_parameters (void)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *hostile = "'); DROP TABLE pg_params; --";
  const char * const values[] = { hostile, NULL, "42" };

  exec_ok (pg, "CREATE TABLE pg_params (s TEXT, t TEXT, n BIGINT)");
  g_assert_true (tally_pg_exec_command (pg, "INSERT INTO pg_params VALUES ($1, $2, $3)",
                                        3, values, &error));
  g_assert_no_error (error);

  res = tally_pg_exec (pg, "SELECT s, t, n FROM pg_params WHERE s = $1", 1, values, &error);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  g_assert_cmpstr (PQgetvalue (res, 0, 0), ==, hostile);
  g_assert_true (tally_pg_is_null (res, 0, 1));
  g_assert_cmpint (tally_pg_get_int64 (res, 0, 2), ==, 42);
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM pg_params"), ==, 1);

  exec_ok (pg, "DROP TABLE pg_params");
}

static void
test_errors (void)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autoptr(GError) error = NULL;
  const char * const one[] = { "1" };

  exec_ok (pg, "CREATE TABLE pg_unique (id INTEGER PRIMARY KEY CHECK (id > 0))");
  g_assert_true (tally_pg_exec_command (pg, "INSERT INTO pg_unique VALUES ($1)", 1, one, NULL));

  g_assert_false (tally_pg_exec_command (pg, "INSERT INTO pg_unique VALUES ($1)", 1, one,
                                         &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_CONSTRAINT);
  g_assert_cmpstr (error->message, ==,
                   "PostgreSQL refused the change: duplicate key value violates unique "
                   "constraint \"pg_unique_pkey\" (SQLSTATE 23505)");
  g_assert_false (tally_pg_error_is_retry (error));
  g_clear_error (&error);

  g_assert_false (tally_pg_exec_command (pg, "INSERT INTO pg_unique VALUES (-1)", 0, NULL,
                                         &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "23514"));
  g_clear_error (&error);

  g_assert_null (tally_pg_exec (pg, "SELEKT 1", 0, NULL, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "PostgreSQL could not run the statement: "
                   "syntax error at or near \"SELEKT\" (SQLSTATE 42601)");
  g_clear_error (&error);

  /* A failed statement spoils its transaction: COMMIT does not pretend. */
  g_assert_true (tally_pg_begin (pg, NULL));
  g_assert_true (tally_pg_in_transaction (pg));
  g_assert_true (tally_pg_exec_command (pg, "INSERT INTO pg_unique VALUES (2)", 0, NULL, NULL));
  g_assert_false (tally_pg_exec_command (pg, "INSERT INTO pg_unique VALUES ($1)", 1, one,
                                         NULL));
  g_assert_false (tally_pg_commit (pg, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_FAILED);
  g_assert_false (tally_pg_in_transaction (pg));
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM pg_unique"), ==, 1);

  exec_ok (pg, "DROP TABLE pg_unique");
}

typedef struct
{
  TallyPg    *pg;
  const char *sql;
  GError     *error;
} Statement;

static gpointer
run_statement (gpointer data)
{
  Statement *statement = data;

  tally_pg_exec_command (statement->pg, statement->sql, 0, NULL, &statement->error);
  return NULL;
}

static void
wait_for_lock_waiters (TallyPg *pg,
                       gint64   n)
{
  for (guint i = 0; i < 600; i++)
    {
      if (query_int64 (pg, "SELECT count(*) FROM pg_stat_activity "
                           "WHERE wait_event_type = 'Lock'") >= n)
        return;
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_deadlock (void)
{
  g_autoptr(TallyPg) a = connect_cluster ();
  g_autoptr(TallyPg) b = connect_cluster ();
  g_autoptr(TallyPg) watcher = connect_cluster ();
  g_autoptr(GError) error = NULL;
  Statement blocked = { a, "UPDATE pg_deadlock SET n = n + 1 WHERE id = 2", NULL };
  GThread *thread;

  exec_ok (a, "CREATE TABLE pg_deadlock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  exec_ok (a, "INSERT INTO pg_deadlock VALUES (1, 0), (2, 0)");
  /* b finds the deadlock, long before a would look. */
  exec_ok (a, "SET deadlock_timeout = '60s'");
  exec_ok (b, "SET deadlock_timeout = '50ms'");

  g_assert_true (tally_pg_begin (a, NULL));
  exec_ok (a, "UPDATE pg_deadlock SET n = n + 1 WHERE id = 1");
  g_assert_true (tally_pg_begin (b, NULL));
  exec_ok (b, "UPDATE pg_deadlock SET n = n + 1 WHERE id = 2");

  thread = g_thread_new ("pg-deadlock", run_statement, &blocked);
  wait_for_lock_waiters (watcher, 1);
  g_assert_false (tally_pg_exec_command (b, "UPDATE pg_deadlock SET n = n + 1 WHERE id = 1",
                                         0, NULL, &error));
  g_thread_join (thread);

  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_RETRY);
  g_assert_true (tally_pg_error_is_retry (error));
  g_assert_true (g_str_has_prefix (error->message, "PostgreSQL rolled the transaction back "
                                                   "for it to run again: deadlock detected"));
  g_assert_nonnull (strstr (error->message, "(SQLSTATE 40P01)"));
  g_assert_no_error (blocked.error);
  g_assert_true (tally_pg_rollback (b, NULL));
  g_assert_true (tally_pg_commit (a, NULL));
  g_assert_cmpint (query_int64 (watcher, "SELECT sum(n) FROM pg_deadlock"), ==, 2);

  exec_ok (watcher, "DROP TABLE pg_deadlock");
}

/* The classic write skew: two transactions each see two doctors on call
 * and each lets a different one go. SERIALIZABLE lets only one commit. */
static void
test_write_skew (void)
{
  g_autoptr(TallyPg) a = connect_cluster ();
  g_autoptr(TallyPg) b = connect_cluster ();
  g_autoptr(GError) error = NULL;

  exec_ok (a, "CREATE TABLE pg_doctors (id INTEGER PRIMARY KEY, on_call BOOLEAN NOT NULL)");
  exec_ok (a, "INSERT INTO pg_doctors VALUES (1, TRUE), (2, TRUE)");

  g_assert_true (tally_pg_begin_serializable (a, NULL));
  g_assert_true (tally_pg_begin_serializable (b, NULL));
  g_assert_cmpint (query_int64 (a, "SELECT count(*) FROM pg_doctors WHERE on_call"), ==, 2);
  g_assert_cmpint (query_int64 (b, "SELECT count(*) FROM pg_doctors WHERE on_call"), ==, 2);
  exec_ok (a, "UPDATE pg_doctors SET on_call = FALSE WHERE id = 1");
  exec_ok (b, "UPDATE pg_doctors SET on_call = FALSE WHERE id = 2");
  g_assert_true (tally_pg_commit (a, NULL));

  g_assert_false (tally_pg_commit (b, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_RETRY);
  g_assert_nonnull (strstr (error->message, "could not serialize access"));
  g_assert_nonnull (strstr (error->message, "(SQLSTATE 40001)"));
  g_assert_false (tally_pg_in_transaction (b));
  g_assert_cmpint (query_int64 (b, "SELECT count(*) FROM pg_doctors WHERE on_call"), ==, 1);

  exec_ok (a, "DROP TABLE pg_doctors");
}

static void
assert_unavailable (TallyPg    *pg,
                    const char *words)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (tally_pg_exec (pg, "SELECT 1", 0, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_assert_false (tally_pg_error_is_retry (error));
  if (words != NULL)
    g_assert_nonnull (strstr (error->message, words));
}

/* pg_terminate_backend: the connection alone is lost. */
static void
test_terminated (void)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autoptr(TallyPg) admin = connect_cluster ();
  g_autofree char *pid = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          query_int64 (pg, "SELECT pg_backend_pid ()"));
  const char * const values[] = { pid };

  g_assert_true (tally_pg_exec_command (admin, "SELECT pg_terminate_backend ($1)", 1, values,
                                        NULL));
  assert_unavailable (pg, NULL);
  g_assert_cmpint (query_int64 (pg, "SELECT 2"), ==, 2);
  g_assert_cmpint (query_int64 (pg, "SELECT pg_backend_pid ()"), !=, g_ascii_strtoll (pid,
                                                                                    NULL, 10));
}

static void
test_outage (void)
{
  g_autoptr(TallyPg) pg = connect_cluster ();
  g_autoptr(GError) error = NULL;
  gint64 started;

  exec_ok (pg, "CREATE TABLE pg_outage (id INTEGER)");

  /* Down: the statement that finds out fails, then so does the reset. */
  tally_test_postgres_stop (cluster);
  assert_unavailable (pg, "Lost the connection to PostgreSQL: ");
  assert_unavailable (pg, "Could not reconnect to PostgreSQL: ");

  /* Up again: the same TallyPg works. */
  started = g_get_monotonic_time ();
  tally_test_postgres_restart (cluster);
  g_test_message ("PostgreSQL restarted in %.1f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (query_int64 (pg, "SELECT 3"), ==, 3);

  /* A transaction is not carried over to a new connection: its
   * statements fail until it is rolled back. */
  g_assert_true (tally_pg_begin (pg, NULL));
  exec_ok (pg, "INSERT INTO pg_outage VALUES (1)");
  tally_test_postgres_restart (cluster);
  assert_unavailable (pg, "Lost the connection to PostgreSQL: ");
  g_assert_true (tally_pg_in_transaction (pg));
  assert_unavailable (pg, "was lost during the transaction");
  g_assert_false (tally_pg_exec_command (pg, "INSERT INTO pg_outage VALUES (2)", 0, NULL,
                                         &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_true (tally_pg_rollback (pg, NULL));
  g_assert_false (tally_pg_in_transaction (pg));
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM pg_outage"), ==, 0);

  /* Committed once the loss is known: it says the transaction is gone. */
  g_assert_true (tally_pg_begin (pg, NULL));
  exec_ok (pg, "INSERT INTO pg_outage VALUES (3)");
  tally_test_postgres_restart (cluster);
  assert_unavailable (pg, NULL);
  g_assert_false (tally_pg_commit (pg, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "The connection to PostgreSQL was lost "
                                                   "during the transaction"));
  g_clear_error (&error);
  g_assert_false (tally_pg_in_transaction (pg));

  /* The COMMIT itself finds the connection lost: nobody knows. */
  g_assert_true (tally_pg_begin (pg, NULL));
  exec_ok (pg, "INSERT INTO pg_outage VALUES (4)");
  tally_test_postgres_restart (cluster);
  g_assert_false (tally_pg_commit (pg, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "The commit may or may not have happened: "
                                                   "Lost the connection to PostgreSQL: "));
  g_assert_false (tally_pg_in_transaction (pg));
  g_assert_true (tally_pg_rollback (pg, NULL));
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM pg_outage"), ==, 0);

  exec_ok (pg, "DROP TABLE pg_outage");
}

static const char * const migrations[] = {
  "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
  "INSERT INTO things VALUES (1, 'first')",
  "ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"
  "INSERT INTO things VALUES (2, 'second', 2)",
  "CREATE TABLE more_things (id INTEGER PRIMARY KEY)",
};

static int
version_of (TallyPg    *pg,
            const char *component)
{
  g_autoptr(GError) error = NULL;
  int version = -1;

  g_assert_true (tally_pg_component_version (pg, component, &version, &error));
  g_assert_no_error (error);
  return version;
}

static void
test_migrate (void)
{
  g_autofree char *url = create_database ("pg_migrate");
  g_autoptr(TallyPg) pg = connect_to (url);
  g_autoptr(GError) error = NULL;

  /* A new database: no components table yet. */
  g_assert_cmpint (version_of (pg, "things"), ==, 0);

  g_assert_true (tally_pg_migrate_component (pg, "things", migrations, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version_of (pg, "things"), ==, 2);
  g_assert_cmpint (version_of (pg, "other"), ==, 0);
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM things"), ==, 2);

  /* Again: nothing to do. */
  g_assert_true (tally_pg_migrate_component (pg, "things", migrations, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM things"), ==, 2);

  /* One more. */
  g_assert_true (tally_pg_migrate_component (pg, "things", migrations, 3, &error));
  g_assert_cmpint (version_of (pg, "things"), ==, 3);
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM more_things"), ==, 0);

  /* An older Tally is refused and changes nothing. */
  g_assert_false (tally_pg_migrate_component (pg, "things", migrations, 2, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_SCHEMA_TOO_NEW);
  g_assert_cmpstr (error->message, ==,
                   "The database's things tables have schema version 3; this Tally knows up "
                   "to 2. Upgrade Tally to use it; the database was left unchanged");
  g_clear_error (&error);
  g_assert_cmpint (version_of (pg, "things"), ==, 3);
  g_assert_false (tally_pg_in_transaction (pg));
}

static void
test_migrate_failure (void)
{
  static const char * const broken[] = {
    "CREATE TABLE first_half (id INTEGER)",
    "CREATE TABLE second_half (id INTEGER); INSERT INTO nowhere VALUES (1)",
  };
  g_autofree char *url = create_database ("pg_migrate_failure");
  g_autoptr(TallyPg) pg = connect_to (url);
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_pg_migrate_component (pg, "broken", broken, 2, &error));
  g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Migration 2 of the broken tables failed: "));
  g_assert_nonnull (strstr (error->message, "\"nowhere\" does not exist"));
  g_assert_false (tally_pg_in_transaction (pg));

  /* All or nothing: not even the components table is left. */
  g_assert_cmpint (version_of (pg, "broken"), ==, 0);
  g_assert_cmpint (query_int64 (pg, "SELECT count(*) FROM pg_tables "
                                    "WHERE schemaname = 'public'"), ==, 0);
}

typedef struct
{
  const char *url;
  gboolean    migrated;
  GError     *error;
} Migrator;

static gpointer
migrate_in_thread (gpointer data)
{
  Migrator *migrator = data;
  g_autoptr(TallyPg) pg = tally_pg_connect (migrator->url, &migrator->error);

  if (pg != NULL)
    migrator->migrated = tally_pg_migrate_component (pg, "race", migrations, 3,
                                                     &migrator->error);
  return NULL;
}

/* Two servers starting together on a new database: both wait for the
 * migration lock, held here, then one migrates and the other finds the
 * work done. */
static void
test_migrate_concurrently (void)
{
  g_autofree char *url = create_database ("pg_migrate_race");
  g_autoptr(TallyPg) holder = connect_to (url);
  Migrator migrators[2] = { { url, FALSE, NULL }, { url, FALSE, NULL } };
  GThread *threads[2];

  exec_ok (holder, "SELECT pg_advisory_lock (1413565529)");
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("pg-migrate", migrate_in_thread, &migrators[i]);
  wait_for_lock_waiters (holder, 2);
  exec_ok (holder, "SELECT pg_advisory_unlock (1413565529)");

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (migrators[i].error);
      g_assert_true (migrators[i].migrated);
    }

  g_assert_cmpint (version_of (holder, "race"), ==, 3);
  g_assert_cmpint (query_int64 (holder, "SELECT count(*) FROM things"), ==, 2);
  g_assert_cmpint (query_int64 (holder, "SELECT count(*) FROM components"), ==, 1);
}

/* A listening connection counts the notices of other server processes,
 * each once, and not those of the one it is told to ignore. */
static void
test_notifications (void)
{
  g_autoptr(TallyPg) listener = connect_cluster ();
  g_autoptr(TallyPg) own = connect_cluster ();
  g_autoptr(TallyPg) other = connect_cluster ();
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_assert_true (tally_pg_listen (listener, "tally test \"channel\"", &error));
  g_assert_no_error (error);
  g_assert_cmpint (tally_pg_get_socket (listener), >=, 0);

  exec_ok (own, "NOTIFY \"tally test \"\"channel\"\"\"");
  exec_ok (other, "NOTIFY \"tally test \"\"channel\"\"\"");
  exec_ok (other, "NOTIFY \"another channel\"");
  /* The backend sends what is pending before it reads the next command:
   * after this, every notice committed above has arrived. */
  g_assert_cmpint (query_int64 (listener, "SELECT 1"), ==, 1);

  g_assert_true (tally_pg_take_notifications (listener, tally_pg_get_backend_pid (own), &n,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);

  /* A lost connection says so, once its end has reached the socket. */
  {
    g_autofree char *terminate = g_strdup_printf ("SELECT pg_terminate_backend (%d)",
                                                  tally_pg_get_backend_pid (listener));
    gboolean lost = FALSE;

    exec_ok (other, terminate);
    for (guint i = 0; i < 250 && !lost; i++)
      {
        lost = !tally_pg_take_notifications (listener, 0, &n, &error);
        if (!lost)
          g_usleep (20 * 1000);
      }
    g_assert_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
  }
}

int
main (int   argc,
      char *argv[])
{
  gint64 started;
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pg/connect", test_connect);
  g_test_add_func ("/pg/bad-url", test_bad_url);
  g_test_add_func ("/pg/parameters", test_parameters);
  g_test_add_func ("/pg/errors", test_errors);
  g_test_add_func ("/pg/deadlock", test_deadlock);
  g_test_add_func ("/pg/write-skew", test_write_skew);
  g_test_add_func ("/pg/terminated", test_terminated);
  g_test_add_func ("/pg/outage", test_outage);
  g_test_add_func ("/pg/migrate", test_migrate);
  g_test_add_func ("/pg/migrate-failure", test_migrate_failure);
  g_test_add_func ("/pg/migrate-concurrently", test_migrate_concurrently);
  g_test_add_func ("/pg/notifications", test_notifications);

  /* One cluster for every test: initdb takes seconds. */
  cluster = tally_test_postgres_start ();
  started = g_get_monotonic_time ();
  status = g_test_run ();
  g_test_message ("The tests took %.1f s", (g_get_monotonic_time () - started) /
                  (double) G_USEC_PER_SEC);
  tally_test_postgres_free (cluster);
  return status;
}
