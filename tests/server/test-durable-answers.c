/* test-durable-answers.c: a write is answered only once its fdatasync
 * returned, while the server goes on answering meanwhile
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-server.h"

/* The server's syncer sleeps this long before each fdatasync. */
#define SYNC_DELAY_MS "1000"
#define GRANT         100

typedef struct
{
  TestServer *server;
  char       *token;
  char       *id;
  guint       status;
  gint64      took;
  gint        answered;
} Authorize;

static TestServer *
start_slow_syncing (void)
{
  TestServer *server;

  g_setenv ("TALLY_TEST_SYNC_DELAY_MS", SYNC_DELAY_MS, TRUE);
  server = test_server_start (NULL);
  g_unsetenv ("TALLY_TEST_SYNC_DELAY_MS");
  return server;
}

static char *
funded_user (TestServer *server,
             const char *email)
{
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char account[37];
  char *token = test_user_new (server, email, account);

  test_grant (server, admin, account, GRANT);
  return token;
}

static gpointer
authorize_thread (gpointer data)
{
  Authorize *run = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"text-statistics\", "
                                           "\"inputs\": {\"text\": \"durable\"}}", run->id);
  gint64 started = g_get_monotonic_time ();
  g_autoptr(TestResponse) response = test_request_on (run->server, session, "POST", "/v1/runs",
                                                      run->token, body);

  run->took = g_get_monotonic_time () - started;
  run->status = response->status;
  g_atomic_int_set (&run->answered, TRUE);
  return NULL;
}

static gboolean
run_is_visible (Authorize *run)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", run->id);
  g_autoptr(TestResponse) response = test_request (run->server, "GET", path, run->token, NULL);

  return response->status == 200;
}

/* Polls until the run is committed (a read sees it): FALSE if its answer
 * came first. */
static gboolean
wait_until_visible (Authorize *run)
{
  while (!g_atomic_int_get (&run->answered))
    if (run_is_visible (run))
      return !g_atomic_int_get (&run->answered);

  return FALSE;
}

static void
test_answer_after_sync (void)
{
  g_autoptr(TestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = g_uuid_string_random ();
  Authorize run = { NULL, NULL, id, 0, 0, FALSE };
  GThread *thread;
  guint healthz_meanwhile = 0;

  /* The syncer's fsync delay is SQLite's: PostgreSQL's commits are durable. */
  if (test_skip_unless_sqlite ())
    return;

  server = start_slow_syncing ();
  token = funded_user (server, "durable@example.com");
  run.server = server;
  run.token = token;

  thread = g_thread_new ("authorize", authorize_thread, &run);

  /* Committed and readable, yet not answered: the syncer holds it. */
  g_assert_true (wait_until_visible (&run));
  /* Reads and health checks do not wait for the disk. */
  while (!g_atomic_int_get (&run.answered))
    {
      g_autoptr(TestResponse) health = test_request (server, "GET", "/healthz", NULL, NULL);

      if (health->status == 200 && !g_atomic_int_get (&run.answered))
        healthz_meanwhile++;
    }
  g_thread_join (thread);

  g_assert_cmpuint (run.status, ==, 201);
  /* A lower bound only: the server slept that long before answering. */
  g_assert_cmpint (run.took, >=, g_ascii_strtoll (SYNC_DELAY_MS, NULL, 10) * 1000);
  g_assert_cmpuint (healthz_meanwhile, >, 0);
}

/* Killed between the commit and its fdatasync: the client never had an
 * answer. A process crash keeps what the kernel was given, so the run is
 * there after the restart, with the ledger balanced. */
static void
test_kill_before_sync (void)
{
  g_autoptr(TestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = g_uuid_string_random ();
  Authorize run = { NULL, NULL, id, 0, 0, FALSE };
  g_autoptr(TestResponse) me = NULL;
  GThread *thread;

  /* The syncer's fsync delay is SQLite's: PostgreSQL's commits are durable. */
  if (test_skip_unless_sqlite ())
    return;

  server = start_slow_syncing ();
  token = funded_user (server, "killed@example.com");
  run.server = server;
  run.token = token;

  thread = g_thread_new ("authorize", authorize_thread, &run);
  g_assert_true (wait_until_visible (&run));
  test_server_stop (server, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (run.status, ==, 0);

  test_server_restart (server);
  g_assert_true (run_is_visible (&run));
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, GRANT);
  g_assert_cmpint (test_response_int (me, "accounts.0.available") +
                   test_response_int (me, "accounts.0.held"), ==, GRANT);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/durable-answers/answer-after-sync", test_answer_after_sync);
  g_test_add_func ("/durable-answers/kill-before-sync", test_kill_before_sync);

  return g_test_run ();
}
