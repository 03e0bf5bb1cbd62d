/* store-bench.c: runs per second through the store interface, SQLite
 * against PostgreSQL with 1, 2 and 4 writers, next to pgbench
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. tally-server cannot run on
 * PostgreSQL yet, so this measures what a server's writer does for each
 * run, without HTTP: a "writer" is a thread with a store connection of
 * its own, standing for one server process. It runs groups as the group
 * commit does: begin, K runs (authorize, then complete, each call in a
 * savepoint of its own, through tally_runs_*()), commit. K is the number
 * of clients over the number of writers, each client a user of its own.
 * SQLite has one writer (one TallyStore opened as tally-server opens it:
 * durable, the WAL synced before a commit returns); PostgreSQL has 1, 2
 * and 4 (a TallyPgStore each, on one database of a cluster the bench
 * starts, fsync on). pgbench's TPC-B on the same cluster, at the same
 * client counts for the same time, is the baseline. The books must
 * balance on both stores after the load.
 *
 * Environment: BENCH_SECONDS (default 5 per measurement).
 */

#include "config.h"

#include <string.h>

#include "tally-pg.h"
#include "tally-pg-store.h"
#include "tally-runs.h"
#include "tally-store.h"
#include "tally-test-common.h"
#include "tally-test-postgres.h"
#include "tally-writer.h"

#define MAX_CLIENTS 32
#define MAX_WRITERS 4
#define GRANT G_GINT64_CONSTANT (1000000000000)
#define HOLD_TIMEOUT 600
/* image-resize: 1 credit plus 1 per 2 images, at least 2. */
#define RUN_TOOL "image-resize"
#define RUN_INPUTS "{\"images\": 4}"
#define RUN_UNITS 4
/* Debian's PostgreSQL 15, as tally-test-postgres.c runs it. */
#define PGBENCH "/usr/lib/postgresql/15/bin/pgbench"

static const guint client_counts[] = { 8, 32 };
static const guint pg_writer_counts[] = { 1, 2, 4 };

/* What the rules record for a run: the API's JSON is not the cost here. */
static char *
authorize_answer (const TallyAuthorizeResult *result,
                  guint                      *status)
{
  *status = 201;
  return g_strdup_printf ("{\"held\": %" G_GINT64_FORMAT "}", result->held);
}

static char *
complete_answer (const TallyCompleteResult *result,
                 guint                     *status)
{
  *status = 200;
  return g_strdup_printf ("{\"charged\": %" G_GINT64_FORMAT "}", result->run.charged);
}

static const TallyRunsAnswers answers = { authorize_answer, complete_answer };

/* One server process's writer: its store connection, and the rules,
 * audit log and tools it calls them with. */
typedef struct
{
  TallyRulesStore   *store;
  TallyWriter       *writer;
  TallyAudit        *audit;
  TallyToolRegistry *registry;
  TallyRuns          runs;
  JsonNode          *inputs;
} Writer;

static void
writer_init (Writer          *w,
             TallyRulesStore *store)
{
  g_autoptr(GError) error = NULL;

  w->store = g_object_ref (store);
  w->writer = tally_writer_new (store);
  w->audit = tally_audit_new (store, w->writer);
  w->registry = tally_tool_registry_new ();
  tally_tool_registry_load_directory (w->registry, g_getenv ("TALLY_TOOLS_DIR"), NULL, &error);
  g_assert_no_error (error);
  w->inputs = json_from_string (RUN_INPUTS, &error);
  g_assert_no_error (error);

  w->runs = (TallyRuns) { store, w->audit, w->registry, HOLD_TIMEOUT, &answers };
}

static void
writer_clear (Writer *w)
{
  g_clear_pointer (&w->inputs, json_node_unref);
  g_clear_object (&w->registry);
  g_clear_object (&w->audit);
  g_clear_object (&w->writer);
  g_clear_object (&w->store);
}

static void
check (gboolean    ok,
       GError     *error,
       const char *what)
{
  if (!ok)
    g_error ("%s: %s", what, error != NULL ? error->message : "failed");
}

/* In a savepoint of its own, as the writer runs each request. */
static void
authorize_run (Writer          *w,
               const TallyUser *user,
               const char      *id)
{
  g_auto(TallyAuthorizeResult) result = { 0 };
  g_autoptr(GError) error = NULL;
  TallyAuthorizeRequest request = { 0 };

  g_strlcpy (request.id, id, sizeof request.id);
  request.tool = RUN_TOOL;
  request.inputs = json_node_get_object (w->inputs);
  check (tally_rules_store_begin_write (w->store, &error) &&
         tally_runs_authorize (&w->runs, user, NULL, &request, &result, &error) &&
         tally_rules_store_end_write (w->store, &error), error, "authorize");
  if (result.outcome != TALLY_AUTHORIZE_AUTHORIZED)
    g_error ("authorize: outcome %d", result.outcome);
}

static void
complete_run (Writer          *w,
              const TallyUser *user,
              const char      *id)
{
  g_auto(TallyCompleteResult) result = { 0 };
  g_autoptr(GError) error = NULL;
  TallyCompleteRequest request = { RUN_UNITS, TALLY_RUN_OUTCOME_SUCCEEDED };

  check (tally_rules_store_begin_write (w->store, &error) &&
         tally_runs_complete (&w->runs, user, id, &request, &result, &error) &&
         tally_rules_store_end_write (w->store, &error), error, "complete");
  if (result.outcome != TALLY_COMPLETE_COMPLETED)
    g_error ("complete: outcome %d", result.outcome);
}

/* One writer's share of a measurement: its K clients, and what it did. */
typedef struct
{
  Writer          *writer;
  const TallyUser *users;
  guint            n_users;
  gint64           deadline;
  guint            runs;
  /* Each group's latency, begin to commit returned, in µs. */
  GArray          *latencies;
} Shift;

/* One run for each of the shift's clients, in one transaction. */
static void
run_group (Shift *shift)
{
  Writer *w = shift->writer;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 latency;

  check (tally_rules_store_begin (w->store, &error), error, "begin");
  for (guint i = 0; i < shift->n_users; i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      authorize_run (w, &shift->users[i], id);
      complete_run (w, &shift->users[i], id);
    }
  check (tally_rules_store_commit (w->store, &error), error, "commit");

  latency = g_get_monotonic_time () - start;
  g_array_append_val (shift->latencies, latency);
  shift->runs += shift->n_users;
}

static gpointer
run_shift (gpointer data)
{
  Shift *shift = data;

  while (g_get_monotonic_time () < shift->deadline)
    run_group (shift);
  return NULL;
}

/* One untimed group of one run: the connection's first statements and
 * the tools' first pricing are not what the bench measures. */
static void
warm_up (Writer          *w,
         const TallyUser *user)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  Shift shift = { w, user, 1, 0, 0, latencies };

  run_group (&shift);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The @percent percentile of sorted @values, in ms: the smallest value
 * with at least that share of them at or below it. */
static double
percentile_ms (GArray *values,
               guint   percent)
{
  guint rank = (values->len * percent + 99) / 100;

  if (values->len == 0)
    return 0;
  return g_array_index (values, gint64, MAX (rank, 1) - 1) / 1000.0;
}

typedef struct
{
  const char *store;
  guint       n_writers;
  guint       n_clients;
  double      runs_per_second;
  double      p50_ms;
  double      p99_ms;
  guint       groups;
  /* PostgreSQL: how many writers waited for the ledger's advisory lock,
   * on average over the samples; < 0 on SQLite. */
  double      waiting;
} Figures;

/* SQLite's rows, then PostgreSQL's. */
#define N_ROWS (G_N_ELEMENTS (client_counts) * (1 + G_N_ELEMENTS (pg_writer_counts)))

/* How many connections of @watcher's database wait for an advisory
 * lock (the ledger's: the bench takes no other), sampled until
 * @deadline; the mean. */
static double
sample_lock_waits (TallyPg *watcher,
                   gint64   deadline)
{
  gint64 sum = 0;
  guint samples = 0;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PGresult) res = tally_pg_exec (watcher, "SELECT count(*) FROM pg_stat_activity "
                                               "WHERE datname = current_database() "
                                               "AND wait_event = 'advisory'", 0, NULL, &error);

      g_assert_no_error (error);
      sum += tally_pg_get_int64 (res, 0, 0);
      samples++;
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  return samples > 0 ? (double) sum / samples : 0;
}

/* @n_clients clients spread over @n_writers writers for @seconds; with
 * @watcher, how many waited for the ledger's lock. */
static Figures
measure (Writer          *writers,
         guint            n_writers,
         const TallyUser *users,
         guint            n_clients,
         double           seconds,
         TallyPg         *watcher)
{
  guint per_writer = n_clients / n_writers;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Shift shifts[MAX_WRITERS] = { 0 };
  GThread *threads[MAX_WRITERS];
  gint64 start = g_get_monotonic_time ();
  guint runs = 0;
  gint64 elapsed;
  gint64 deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  Figures figures = { NULL, n_writers, n_clients };

  for (guint w = 0; w < n_writers; w++)
    {
      shifts[w] = (Shift) { &writers[w], users + w * per_writer, per_writer, deadline, 0,
                            g_array_new (FALSE, FALSE, sizeof (gint64)) };
      threads[w] = g_thread_new ("writer", run_shift, &shifts[w]);
    }
  figures.waiting = watcher != NULL ? sample_lock_waits (watcher, deadline) : -1;
  for (guint w = 0; w < n_writers; w++)
    {
      g_thread_join (threads[w]);
      runs += shifts[w].runs;
      g_array_append_vals (all, shifts[w].latencies->data, shifts[w].latencies->len);
      g_array_unref (shifts[w].latencies);
    }
  elapsed = g_get_monotonic_time () - start;

  g_array_sort (all, compare_gint64);
  figures.runs_per_second = (double) runs * G_USEC_PER_SEC / elapsed;
  figures.p50_ms = percentile_ms (all, 50);
  figures.p99_ms = percentile_ms (all, 99);
  figures.groups = all->len;
  return figures;
}

/* One user a client, each granted more than the bench can spend. */
static void
add_users (TallyRulesStore *store,
           TallyUser        users[MAX_CLIENTS])
{
  g_autoptr(GError) error = NULL;

  check (tally_rules_store_begin (store, &error), error, "begin");
  for (guint i = 0; i < MAX_CLIENTS; i++)
    {
      g_autofree char *email = g_strdup_printf ("client%u@example.com", i);
      g_autofree char *grant_id = g_uuid_string_random ();
      TallyTransferResult result;
      TallyTransfer grant;

      if (TALLY_IS_PG_STORE (store))
        check (tally_pg_store_create_user (TALLY_PG_STORE (store), email, "Bench", "not-a-hash",
                                           TALLY_ROLE_MEMBER, &users[i], &error), error, "user");
      else
        check (tally_store_create_user (TALLY_STORE (store), email, "Bench", "not-a-hash",
                                        TALLY_ROLE_MEMBER, &users[i], &error), error, "user");

      tally_transfer_init (&grant, grant_id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                           users[i].account_id, GRANT, TALLY_TRANSFER_KIND_GRANT);
      check (tally_rules_store_create_transfers (store, &grant, 1, &result, &error), error,
             "grant");
      g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
    }
  check (tally_rules_store_commit (store, &error), error, "commit");
}

/* Says what it measured, as it goes: the bench takes a minute. */
static void
log_row (const Figures *f)
{
  g_printerr ("store-bench: %s, %u writers, %u clients: %.0f runs/s\n", f->store, f->n_writers,
              f->n_clients, f->runs_per_second);
}

/* SQLite: one writer, on a ledger file opened as tally-server opens it. */
static guint
bench_sqlite (double   seconds,
              Figures *rows)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("store-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "ledger.db", NULL);
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(TallyStore) store = NULL;
  TallyUser users[MAX_CLIENTS];
  Writer writer = { 0 };

  g_assert_no_error (error);
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  store = tally_store_new (ledger, &error);
  g_assert_no_error (error);
  writer_init (&writer, TALLY_RULES_STORE (store));
  add_users (writer.store, users);
  warm_up (&writer, &users[0]);

  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    {
      rows[c] = measure (&writer, 1, users, client_counts[c], seconds, NULL);
      rows[c].store = "SQLite";
      log_row (&rows[c]);
    }

  /* Each commit's WAL sync was announced to this thread's main context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  writer_clear (&writer);
  check (tally_ledger_check (ledger, &error), error, "SQLite ledger check");
  g_clear_object (&store);
  g_clear_object (&ledger);
  test_remove_tree (dir);
  return G_N_ELEMENTS (client_counts);
}

static char *
create_database (TallyTestPostgres *cluster,
                 const char        *name)
{
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPg) admin = tally_pg_connect (tally_test_postgres_get_url (cluster), &error);

  g_assert_no_error (error);
  check (tally_pg_exec_command (admin, sql, 0, NULL, &error), error, sql);
  return tally_test_postgres_get_database_url (cluster, name);
}

/* PostgreSQL: 1, 2 and 4 writers on one database. */
static guint
bench_postgres (TallyTestPostgres *cluster,
                double             seconds,
                Figures           *rows)
{
  g_autofree char *url = create_database (cluster, "bench");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPg) watcher = tally_pg_connect (url, &error);
  Writer writers[MAX_WRITERS] = { 0 };
  TallyUser users[MAX_CLIENTS];
  guint n_rows = 0;

  g_assert_no_error (error);
  for (guint w = 0; w < MAX_WRITERS; w++)
    {
      g_autoptr(TallyPgStore) store = tally_pg_store_new (url, &error);

      g_assert_no_error (error);
      writer_init (&writers[w], TALLY_RULES_STORE (store));
    }
  add_users (writers[0].store, users);
  for (guint w = 0; w < MAX_WRITERS; w++)
    warm_up (&writers[w], &users[w]);

  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    for (guint n = 0; n < G_N_ELEMENTS (pg_writer_counts); n++)
      {
        Figures *f = &rows[n_rows++];

        *f = measure (writers, pg_writer_counts[n], users, client_counts[c], seconds, watcher);
        f->store = "PostgreSQL";
        log_row (f);
      }

  check (tally_pg_ledger_check (tally_pg_store_get_ledger (TALLY_PG_STORE (writers[0].store)),
                                &error), error, "PostgreSQL ledger check");
  for (guint w = 0; w < MAX_WRITERS; w++)
    writer_clear (&writers[w]);
  return n_rows;
}

/* pgbench @args... on @url: its output, or NULL when it failed. */
static char *
pgbench (const char         *url,
         const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  g_ptr_array_add (argv, (gpointer) PGBENCH);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) url);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error))
    {
      g_printerr ("store-bench: pgbench: %s\n", error->message);
      return NULL;
    }
  if (!g_subprocess_get_successful (process))
    {
      g_printerr ("store-bench: pgbench failed:\n%s\n", output);
      return NULL;
    }
  return g_steal_pointer (&output);
}

/* TPC-B's transactions per second at @n_clients, or 0. */
static double
pgbench_tps (const char *url,
             guint       n_clients,
             double      seconds)
{
  g_autofree char *clients = g_strdup_printf ("%u", n_clients);
  g_autofree char *time = g_strdup_printf ("%.0f", MAX (1.0, seconds));
  const char * const args[] = { "-c", clients, "-j", clients, "-T", time, NULL };
  g_autofree char *output = pgbench (url, args);
  const char *tps = output != NULL ? strstr (output, "tps = ") : NULL;

  return tps != NULL ? g_ascii_strtod (tps + strlen ("tps = "), NULL) : 0;
}

/* TPC-B at each client count on a database of the same cluster: 0
 * where pgbench failed. */
static void
bench_pgbench (TallyTestPostgres *cluster,
               double             seconds,
               double             tps[G_N_ELEMENTS (client_counts)])
{
  g_autofree char *url = create_database (cluster, "pgbench");
  const char * const init[] = { "-i", "-s", "10", "-q", NULL };
  g_autofree char *output = pgbench (url, init);

  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    {
      tps[c] = output != NULL ? pgbench_tps (url, client_counts[c], seconds) : 0;
      g_printerr ("store-bench: pgbench, %u clients: %.0f TPS\n", client_counts[c], tps[c]);
    }
}

static double
tps_at (const double tps[G_N_ELEMENTS (client_counts)],
        guint        n_clients)
{
  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    if (client_counts[c] == n_clients)
      return tps[c];
  return 0;
}

static void
print_table (const Figures *rows,
             guint          n_rows,
             const double   tps[G_N_ELEMENTS (client_counts)])
{
  g_print ("%-10s %7s %7s %4s %9s %7s %13s %13s %12s %12s %13s\n", "store", "writers",
           "clients", "K", "runs/s", "groups", "group p50 ms", "group p99 ms", "lock waiters",
           "pgbench TPS", "runs/s / TPS");
  for (guint i = 0; i < n_rows; i++)
    {
      const Figures *f = &rows[i];
      double baseline = tps_at (tps, f->n_clients);
      g_autofree char *waiting = f->waiting < 0 ? g_strdup ("-")
                                                : g_strdup_printf ("%.2f", f->waiting);

      g_print ("%-10s %7u %7u %4u %9.0f %7u %13.2f %13.2f %12s %12.0f %13.2f\n", f->store,
               f->n_writers, f->n_clients, f->n_clients / f->n_writers, f->runs_per_second,
               f->groups, f->p50_ms, f->p99_ms, waiting, baseline,
               baseline > 0 ? f->runs_per_second / baseline : 0);
    }
}

static double
bench_seconds (void)
{
  const char *value = g_getenv ("BENCH_SECONDS");
  double seconds = value != NULL ? g_ascii_strtod (value, NULL) : 5;

  return seconds > 0 ? seconds : 5;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TallyTestPostgres) cluster = NULL;
  Figures rows[N_ROWS];
  double tps[G_N_ELEMENTS (client_counts)];
  double seconds = bench_seconds ();
  guint n_rows;

  n_rows = bench_sqlite (seconds, rows);
  cluster = tally_test_postgres_start ();
  n_rows += bench_postgres (cluster, seconds, rows + n_rows);
  bench_pgbench (cluster, seconds, tps);

  g_print ("store-bench: a run = authorize + complete through tally_runs_*(), each in a "
           "savepoint; a group = K runs in one transaction (begin to commit returned); "
           "%.0f s each; pgbench TPC-B -s 10 on the same cluster, fsync on\n", seconds);
  print_table (rows, n_rows, tps);
  g_print ("ledger checks after the load: SQLite and PostgreSQL pass\n");
  return 0;
}
