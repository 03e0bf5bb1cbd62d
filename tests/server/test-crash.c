/* test-crash.c: SIGKILL under load, again and again; nothing acknowledged
 * is lost, nothing is applied twice or by half
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <tally.h>

#include "tally-test-server.h"

/* CI's rounds; tests/attack/crash-campaign asks for more with
 * TALLY_CRASH_ROUNDS. */
#define N_ROUNDS  20
#define N_CLIENTS 8
/* Enough that no run is refused: this test is about crashes. */
#define GRANT     10000000
#define TOOL      "image-resize"

/* How far a run got, as its client knows it: a stage is reached when its
 * request is sent, and acknowledged when the 2xx came back. */
typedef enum
{
  STAGE_AUTHORIZE_SENT,
  STAGE_AUTHORIZED,
  STAGE_COMPLETE_SENT,
  STAGE_COMPLETED,
} Stage;

typedef struct
{
  char    id[37];
  Stage   stage;
  char   *authorize_body;
  char   *complete_body;
  gint64  held;
  gint64  charged;
} CrashRun;

typedef struct
{
  TestServer *server;
  char       *token;
  char        account_id[37];
  gint64      granted;

  /* id → CrashRun, shared with the client threads. */
  GMutex      lock;
  GHashTable *runs;
} Crash;

static void
crash_run_free (gpointer data)
{
  CrashRun *run = data;

  g_free (run->authorize_body);
  g_free (run->complete_body);
  g_free (run);
}

/* --- the clients --- */

typedef struct
{
  Crash *crash;
  GRand *rand;
} Client;

static void
set_stage (Crash    *crash,
           CrashRun *run,
           Stage     stage)
{
  g_mutex_lock (&crash->lock);
  run->stage = stage;
  g_mutex_unlock (&crash->lock);
}

static CrashRun *
new_run (Client *client)
{
  CrashRun *run = g_new0 (CrashRun, 1);
  g_autofree char *id = g_uuid_string_random ();
  gint32 images = g_rand_int_range (client->rand, 1, 11);
  gboolean succeeds = g_rand_int_range (client->rand, 0, 4) != 0;

  g_strlcpy (run->id, id, sizeof run->id);
  run->authorize_body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"" TOOL "\", "
                                         "\"inputs\": {\"images\": %d}}", id, images);
  run->complete_body = succeeds
                       ? g_strdup_printf ("{\"outcome\": \"succeeded\", \"units\": %d}",
                                          g_rand_int_range (client->rand, 1, images + 1))
                       : g_strdup ("{\"outcome\": \"failed\"}");

  /* Recorded before it is sent: a crash may leave it either way. */
  g_mutex_lock (&client->crash->lock);
  g_hash_table_insert (client->crash->runs, run->id, run);
  g_mutex_unlock (&client->crash->lock);
  return run;
}

/* Sends the run's next request; FALSE when the server is gone. */
static gboolean
advance (Crash       *crash,
         SoupSession *session,
         CrashRun    *run)
{
  gboolean authorizing = run->stage == STAGE_AUTHORIZE_SENT;
  g_autofree char *path = authorizing ? g_strdup ("/v1/runs")
                                      : g_strdup_printf ("/v1/runs/%s/complete", run->id);
  g_autoptr(TestResponse) response = test_request_on (crash->server, session, "POST", path,
                                                      crash->token,
                                                      authorizing ? run->authorize_body
                                                                  : run->complete_body);

  if (response->status == 0)
    return FALSE;

  if (authorizing)
    {
      g_assert_cmpuint (response->status, ==, 201);
      run->held = test_response_int (response, "run.held");
      set_stage (crash, run, STAGE_AUTHORIZED);
    }
  else
    {
      g_assert_cmpuint (response->status, ==, 200);
      run->charged = test_response_int (response, "run.charged");
      set_stage (crash, run, STAGE_COMPLETED);
    }

  return TRUE;
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  Crash *crash = client->crash;
  g_autoptr(SoupSession) session = test_session_new ();

  for (;;)
    {
      CrashRun *run = new_run (client);

      if (!advance (crash, session, run))
        break;
      set_stage (crash, run, STAGE_COMPLETE_SENT);
      if (!advance (crash, session, run))
        break;
    }

  g_rand_free (client->rand);
  g_free (client);
  return NULL;
}

/* --- what must hold after a crash --- */

typedef struct
{
  /* run id → item */
  GHashTable *items;
  gint64      posted;
  gint64      pending;
  /* Requests the server applied and the kill left unanswered. */
  guint       n_applied_unanswered;
} History;

static void
history_load (History    *history,
              Crash      *crash,
              JsonArray  *items)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  history->items = g_hash_table_new (g_str_hash, g_str_equal);
  history->posted = history->pending = 0;
  history->n_applied_unanswered = 0;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *status = json_object_get_string_member (item, "status");
      gint64 amount = json_object_get_int_member (item, "amount");

      /* Each transfer once. */
      g_assert_true (g_hash_table_add (ids, (gpointer) json_object_get_string_member (item, "id")));
      if (g_str_equal (status, "posted"))
        history->posted += amount;
      else if (g_str_equal (status, "pending"))
        history->pending += amount;

      if (json_object_get_null_member (item, "run_id"))
        continue;

      {
        const char *run_id = json_object_get_string_member (item, "run_id");

        /* A run nobody asked for is not there; each run is one item. */
        g_assert_true (g_hash_table_contains (crash->runs, run_id));
        g_assert_true (g_hash_table_insert (history->items, (gpointer) run_id, item));
      }
    }
}

/* The item of a run whose authorization was acknowledged. Returns what it
 * takes from the balance. */
static gint64
check_authorized_run (const CrashRun *run,
                      JsonObject     *item)
{
  const char *status;
  gint64 amount;

  if (item == NULL)
    g_error ("Run %s was authorized (201) and is missing after the crash", run->id);

  status = json_object_get_string_member (item, "status");
  amount = json_object_get_int_member (item, "amount");

  switch (run->stage)
    {
    case STAGE_AUTHORIZED:
      g_assert_cmpstr (status, ==, "pending");
      g_assert_cmpint (amount, ==, -run->held);
      return 0;
    case STAGE_COMPLETE_SENT:
      /* Completed or not, but whole: settled within the hold, or not at all. */
      if (g_str_equal (status, "pending"))
        g_assert_cmpint (amount, ==, -run->held);
      else if (g_str_equal (status, "voided"))
        g_assert_cmpint (amount, ==, 0);
      else
        g_assert_true (g_str_equal (status, "posted") && amount <= 0 && -amount <= run->held);
      return g_str_equal (status, "posted") ? -amount : 0;
    case STAGE_COMPLETED:
      if (run->charged > 0)
        {
          g_assert_cmpstr (status, ==, "posted");
          g_assert_cmpint (amount, ==, -run->charged);
        }
      else
        g_assert_true (g_str_equal (status, "voided") || amount == 0);
      return run->charged;
    case STAGE_AUTHORIZE_SENT:
    default:
      g_assert_not_reached ();
    }
}

static void
check_run (const CrashRun *run,
           History        *history,
           gint64         *charged)
{
  JsonObject *item = g_hash_table_lookup (history->items, run->id);

  if (run->stage == STAGE_COMPLETE_SENT && item != NULL &&
      !g_str_equal (json_object_get_string_member (item, "status"), "pending"))
    history->n_applied_unanswered++;

  if (run->stage != STAGE_AUTHORIZE_SENT)
    {
      *charged += check_authorized_run (run, item);
      return;
    }

  /* Sent and never answered: there as a hold, or not there at all. */
  if (item != NULL)
    {
      history->n_applied_unanswered++;
      g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, "pending");
      g_assert_cmpint (json_object_get_int_member (item, "amount"), <, 0);
    }
}

/* Over HTTP, on the restarted server. */
static guint
check_account (Crash *crash)
{
  g_autoptr(JsonArray) items = test_list_transactions (crash->server, crash->token);
  g_autoptr(TestResponse) me = test_request (crash->server, "GET", "/v1/me", crash->token, NULL);
  History history;
  GHashTableIter iter;
  gpointer value;
  gint64 charged = 0, balance;

  history_load (&history, crash, items);

  g_hash_table_iter_init (&iter, crash->runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    check_run (value, &history, &charged);

  g_assert_cmpuint (me->status, ==, 200);
  balance = test_response_int (me, "accounts.0.balance");
  g_assert_cmpint (balance, ==, crash->granted - charged);
  g_assert_cmpint (balance, ==, history.posted);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, -history.pending);

  g_hash_table_unref (history.items);
  return history.n_applied_unanswered;
}

/* The file as the killed server left it, before anything opens it to
 * write: every invariant of the ledger. */
static void
check_ledger_file (Crash *crash)
{
  g_autofree char *path = test_server_ledger_path (crash->server);
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  tally_ledger_check (ledger, &error);
  g_assert_no_error (error);
}

/* What an operator runs after a crash says the same, and that the audit
 * chain holds too. */
static void
check_data_dir (Crash *crash)
{
  g_autofree char *dir = g_strdup_printf ("--data-dir=%s", crash->server->data_dir);
  const char *args[] = { "check", dir, NULL };
  g_autofree char *out = NULL;
  int status = test_server_command (args, NULL, &out, NULL);

  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "every link holds"));
}

static guint
crash_rounds (void)
{
  const char *rounds = g_getenv ("TALLY_CRASH_ROUNDS");

  return rounds != NULL ? (guint) g_ascii_strtoull (rounds, NULL, 10) : N_ROUNDS;
}

/* What a client does when it comes back: sends again what got no answer.
 * The same request is the same answer, and charges once. */
static void
retry_unanswered (Crash *crash)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, crash->runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CrashRun *run = value;

      if (run->stage == STAGE_AUTHORIZE_SENT)
        g_assert_true (advance (crash, crash->server->session, run));
      if (run->stage == STAGE_AUTHORIZED)
        run->stage = STAGE_COMPLETE_SENT;
      if (run->stage == STAGE_COMPLETE_SENT)
        g_assert_true (advance (crash, crash->server->session, run));
    }
}

/* --- the rounds --- */

static void
load_then_kill (Crash *crash,
                GRand *rand)
{
  GThread *threads[N_CLIENTS];

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      Client *client = g_new0 (Client, 1);

      client->crash = crash;
      client->rand = g_rand_new_with_seed (g_rand_int (rand));
      threads[i] = g_thread_new ("client", client_thread, client);
    }

  /* Long enough for hundreds of requests, and a different moment each
   * round: in a commit, between them, while answering. */
  g_usleep (g_rand_int_range (rand, 100, 400) * 1000);
  test_server_stop (crash->server, TRUE);

  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);
}

static guint
count_at_stage (Crash *crash,
                Stage  stage)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, crash->runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((CrashRun *) value)->stage == stage;

  return n;
}

static void
test_kill_under_load (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autofree char *admin = NULL;
  Crash crash = { 0 };
  guint n_unanswered = 0, n_applied = 0;

  crash.server = test_server_start_quiet (NULL);

  g_mutex_init (&crash.lock);
  crash.runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, crash_run_free);
  crash.token = test_user_new (crash.server, "crash@example.com", crash.account_id);
  admin = test_admin_new (crash.server, "admin@example.com");
  test_grant (crash.server, admin, crash.account_id, GRANT);
  crash.granted = GRANT;

  for (guint round = 0; round < crash_rounds (); round++)
    {
      guint before = g_hash_table_size (crash.runs);
      guint applied;

      load_then_kill (&crash, rand);
      check_ledger_file (&crash);
      check_data_dir (&crash);
      test_server_restart (crash.server);

      n_unanswered += count_at_stage (&crash, STAGE_AUTHORIZE_SENT) +
                      count_at_stage (&crash, STAGE_COMPLETE_SENT);
      applied = check_account (&crash);
      n_applied += applied;
      g_test_message ("round %u: %u runs, %u without an answer, %u of them applied", round,
                      g_hash_table_size (crash.runs) - before,
                      count_at_stage (&crash, STAGE_AUTHORIZE_SENT) +
                      count_at_stage (&crash, STAGE_COMPLETE_SENT), applied);

      retry_unanswered (&crash);
      check_account (&crash);
    }

  g_test_message ("%u kills, %u runs in all; %u requests were cut by a kill, %u of them applied",
                  crash_rounds (), g_hash_table_size (crash.runs), n_unanswered, n_applied);
  g_assert_cmpuint (n_unanswered, >, 0);

  test_server_stop (crash.server, FALSE);
  check_ledger_file (&crash);

  g_hash_table_unref (crash.runs);
  g_mutex_clear (&crash.lock);
  g_free (crash.token);
  test_server_free (crash.server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash/kill-under-load", test_kill_under_load);

  return g_test_run ();
}
