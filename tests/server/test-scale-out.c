/* test-scale-out.c: several tally-server processes on one PostgreSQL
 * database (issue 19)
 *
 * Whatever TALLY_TEST_STORE says, these tests run on PostgreSQL: each
 * makes a database on the binary's own cluster and starts two real
 * servers on it. Sessions, balances and live events must not depend on
 * which server a request reaches; a server killed under load loses nothing
 * it acknowledged; a database outage is a 503 that ends by itself.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-postgres.h"
#include "tally-test-server.h"

/* image-resize on 10 images holds 6 credits and, completed with 10
 * units, charges them. */
#define RUN_INPUTS  "{\"images\": 10}"
#define RUN_COST    6
#define WAIT_US     (5 * G_USEC_PER_SEC)

typedef struct
{
  char       *url;
  TestServer *a;
  TestServer *b;
  char       *admin;
} Pair;

static Pair *
pair_new (void)
{
  Pair *pair = g_new0 (Pair, 1);

  pair->url = test_postgres_database_new ();
  pair->a = test_server_start_on (pair->url, NULL);
  pair->b = test_server_start_on (pair->url, NULL);
  pair->admin = test_admin_new (pair->a, "admin@example.com");
  return pair;
}

static void
pair_free (Pair *pair)
{
  g_clear_pointer (&pair->a, test_server_free);
  g_clear_pointer (&pair->b, test_server_free);
  g_free (pair->admin);
  g_free (pair->url);
  g_free (pair);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pair, pair_free)

static char *
run_body (const char *id)
{
  return g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", \"inputs\": "
                          RUN_INPUTS "}", id);
}

static TestResponse *
authorize_on (TestServer  *server,
              SoupSession *session,
              const char  *token,
              const char  *id)
{
  g_autofree char *body = run_body (id);

  return test_request_on (server, session, "POST", "/v1/runs", token, body);
}

static TestResponse *
complete_on (TestServer  *server,
             SoupSession *session,
             const char  *token,
             const char  *id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);

  return test_request_on (server, session, "POST", path, token,
                          "{\"units\": 10, \"outcome\": \"succeeded\"}");
}

static TestResponse *
get_run (TestServer *server,
         const char *token,
         const char *id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", id);

  return test_request (server, "GET", path, token, NULL);
}

/* --- /scale-out/alternating-runs --- */

static void
test_alternating_runs (void)
{
  g_autoptr(Pair) pair = pair_new ();
  char account_id[37];
  g_autofree char *token = test_user_new (pair->a, "alternating@example.com", account_id);
  gint64 charged = 0;

  /* The session made on A is known to B: it is a row, not a server's. */
  test_grant (pair->b, pair->admin, account_id, 500);
  g_assert_cmpint (test_balance (pair->b, token), ==, 500);
  g_assert_cmpint (test_balance (pair->a, token), ==, 500);

  for (guint i = 0; i < 20; i++)
    {
      TestServer *holder = i % 2 == 0 ? pair->a : pair->b;
      TestServer *completer = i % 2 == 0 ? pair->b : pair->a;
      g_autofree char *id = g_uuid_string_random ();
      g_autoptr(TestResponse) held = authorize_on (holder, holder->session, token, id);
      g_autoptr(TestResponse) done = NULL;
      g_autoptr(TestResponse) seen = NULL;

      g_assert_cmpuint (held->status, ==, 201);
      g_assert_cmpint (test_response_int (held, "run.held"), ==, RUN_COST);
      done = complete_on (completer, completer->session, token, id);
      g_assert_cmpuint (done->status, ==, 200);
      g_assert_cmpint (test_response_int (done, "run.charged"), ==, RUN_COST);
      charged += test_response_int (done, "run.charged");

      /* The holder sees the other server's completion at once. */
      seen = get_run (holder, token, id);
      g_assert_cmpuint (seen->status, ==, 200);
      g_assert_cmpstr (test_response_string (seen, "run.status"), ==, "succeeded");
    }

  g_assert_cmpint (charged, ==, 20 * RUN_COST);
  g_assert_cmpint (test_balance (pair->a, token), ==, 500 - 20 * RUN_COST);
  g_assert_cmpint (test_balance (pair->b, token), ==, 500 - 20 * RUN_COST);
  test_server_check_ledger (pair->a);
}

/* --- /scale-out/race-one-account --- */

#define RACE_RUNS    40
#define RACE_BALANCE 100

typedef struct
{
  TestServer *server;
  char       *token;
  /* The ids of the runs this client was granted. */
  GPtrArray  *held;
  guint       refused;
} Racer;

static gpointer
race_thread (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = 0; i < RACE_RUNS; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autoptr(TestResponse) r = authorize_on (racer->server, session, racer->token, id);

      if (r->status == 201)
        g_ptr_array_add (racer->held, g_steal_pointer (&id));
      else if (r->status == 402)
        racer->refused++;
      else
        g_error ("Run %s through port %u: %u %s", id, racer->server->port, r->status, r->body);
    }

  return NULL;
}

static void
test_race_one_account (void)
{
  g_autoptr(Pair) pair = pair_new ();
  char account_id[37];
  g_autofree char *token = test_user_new (pair->a, "race@example.com", account_id);
  g_autofree char *other = NULL;
  Racer racers[2] = {
    { pair->a, token, g_ptr_array_new_with_free_func (g_free), 0 },
    { pair->b, NULL, g_ptr_array_new_with_free_func (g_free), 0 },
  };
  GThread *threads[2];
  guint n_held = 0;
  gint64 charged = 0;

  /* The same account signed in twice: a client each side. */
  {
    g_autoptr(TestResponse) login = test_request (pair->b, "POST", "/v1/auth/login", NULL,
                                                  "{\"email\": \"race@example.com\", "
                                                  "\"password\": \"" TEST_PASSWORD "\"}");

    g_assert_cmpuint (login->status, ==, 200);
    other = g_strdup (test_response_string (login, "token"));
    racers[1].token = other;
  }
  test_grant (pair->a, pair->admin, account_id, RACE_BALANCE);

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("racer", race_thread, &racers[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < 2; i++)
    {
      g_test_message ("port %u: %u held, %u refused", racers[i].server->port,
                      racers[i].held->len, racers[i].refused);
      g_assert_cmpuint (racers[i].held->len + racers[i].refused, ==, RACE_RUNS);
      n_held += racers[i].held->len;
    }
  /* Exactly what the balance allows: no more, and none refused early. */
  g_assert_cmpuint (n_held, ==, RACE_BALANCE / RUN_COST);
  {
    g_autoptr(TestResponse) me = test_request (pair->b, "GET", "/v1/me", token, NULL);

    g_assert_cmpuint (me->status, ==, 200);
    g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, RACE_BALANCE);
    g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, n_held * RUN_COST);
    g_assert_cmpint (test_response_int (me, "accounts.0.available"), ==,
                     RACE_BALANCE - n_held * RUN_COST);
  }

  /* Each completed on the server that did not hold it. */
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < racers[i].held->len; j++)
      {
        TestServer *completer = racers[1 - i].server;
        g_autoptr(TestResponse) done = complete_on (completer, completer->session, token,
                                                    racers[i].held->pdata[j]);

        g_assert_cmpuint (done->status, ==, 200);
        charged += test_response_int (done, "run.charged");
      }

  g_assert_cmpint (charged, ==, n_held * RUN_COST);
  g_assert_cmpint (test_balance (pair->a, token), ==, RACE_BALANCE - charged);
  g_assert_cmpint (test_balance (pair->b, token), >=, 0);
  g_assert_cmpint (test_balance (pair->b, token), ==, RACE_BALANCE - charged);
  for (guint i = 0; i < 2; i++)
    g_ptr_array_unref (racers[i].held);
  test_server_check_ledger (pair->a);
}

/* --- /scale-out/events-across-servers --- */

typedef struct
{
  GQueue messages;
} Inbox;

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            Inbox                   *inbox)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  JsonNode *node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_queue_push_tail (&inbox->messages, node);
}

/* The next message of @type within 5 s, or NULL. */
static JsonObject *
inbox_wait (Inbox      *inbox,
            const char *type)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (g_get_monotonic_time () < deadline)
    {
      while (!g_queue_is_empty (&inbox->messages))
        {
          g_autoptr(JsonNode) node = g_queue_pop_head (&inbox->messages);
          JsonObject *object = json_node_get_object (node);

          if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""),
                         type) == 0)
            return json_object_ref (object);
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }

  return NULL;
}

static void
test_events_across_servers (void)
{
  g_autoptr(Pair) pair = pair_new ();
  char account_id[37];
  g_autofree char *token = test_user_new (pair->a, "events@example.com", account_id);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupWebsocketConnection) socket = test_events_open (pair->b, session, token);
  g_autoptr(JsonObject) balance = NULL, run = NULL;
  g_autoptr(TestResponse) held = NULL, done = NULL;
  Inbox inbox = { G_QUEUE_INIT };
  gint64 started;

  g_signal_connect (socket, "message", G_CALLBACK (on_message), &inbox);

  /* A grant through A, seen on B's socket. */
  started = g_get_monotonic_time ();
  test_grant (pair->a, pair->admin, account_id, 250);
  balance = inbox_wait (&inbox, "balance");
  g_assert_nonnull (balance);
  g_test_message ("B pushed A's grant %.0f ms after it was sent",
                  (g_get_monotonic_time () - started) / 1000.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (balance,
                                                                                 "account"),
                                                  "id"), ==, account_id);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (balance,
                                                                              "account"),
                                               "balance"), ==, 250);

  /* A run made and completed through A, seen on B's socket. */
  held = authorize_on (pair->a, pair->a->session, token, id);
  g_assert_cmpuint (held->status, ==, 201);
  done = complete_on (pair->a, pair->a->session, token, id);
  g_assert_cmpuint (done->status, ==, 200);
  for (;;)
    {
      g_clear_pointer (&run, json_object_unref);
      run = inbox_wait (&inbox, "run");
      g_assert_nonnull (run);
      if (g_strcmp0 (json_object_get_string_member (json_object_get_object_member (run, "run"),
                                                    "status"), "succeeded") == 0)
        break;
    }
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (run, "run"),
                                                  "id"), ==, id);

  g_signal_handlers_disconnect_by_data (socket, &inbox);
  soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  test_iterate_until (test_socket_closed, socket, 5);
  g_queue_clear_full (&inbox.messages, (GDestroyNotify) json_node_unref);
  test_server_check_ledger (pair->a);
}

/* --- /scale-out/sigkill-under-load --- */

#define N_LOAD_CLIENTS 4

typedef struct
{
  GMutex      lock;
  /* id → "held" or "charged", for each acknowledged step */
  GHashTable *acknowledged;
  gboolean    stop;
} Load;

typedef struct
{
  Load       *load;
  TestServer *server;
  const char *token;
} Loader;

static void
acknowledge (Load       *load,
             const char *id,
             const char *step)
{
  g_mutex_lock (&load->lock);
  g_hash_table_replace (load->acknowledged, g_strdup (id), (gpointer) step);
  g_mutex_unlock (&load->lock);
}

/* Runs until told to stop or its server is gone (status 0). */
static gpointer
load_thread (gpointer data)
{
  Loader *loader = data;
  g_autoptr(SoupSession) session = test_session_new ();

  while (!g_atomic_int_get (&loader->load->stop))
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autoptr(TestResponse) held = authorize_on (loader->server, session, loader->token, id);
      g_autoptr(TestResponse) done = NULL;

      if (held->status == 0)
        break;
      g_assert_cmpuint (held->status, ==, 201);
      acknowledge (loader->load, id, "held");
      done = complete_on (loader->server, session, loader->token, id);
      if (done->status == 0)
        break;
      g_assert_cmpuint (done->status, ==, 200);
      acknowledge (loader->load, id, "charged");
    }

  return NULL;
}

static void
test_sigkill_under_load (void)
{
  g_autoptr(Pair) pair = pair_new ();
  char account_id[37];
  g_autofree char *token = test_user_new (pair->a, "sigkill@example.com", account_id);
  Load load = { .acknowledged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  Loader loaders[N_LOAD_CLIENTS];
  GThread *threads[N_LOAD_CLIENTS];
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;
  gint64 charged = 0, held = 0;
  guint n_before = 0, n_killed;

  g_mutex_init (&load.lock);
  test_grant (pair->b, pair->admin, account_id, 1000000);
  for (guint i = 0; i < N_LOAD_CLIENTS; i++)
    {
      loaders[i] = (Loader) { &load, i % 2 == 0 ? pair->a : pair->b, token };
      threads[i] = g_thread_new ("loader", load_thread, &loaders[i]);
    }

  g_usleep (G_USEC_PER_SEC);
  g_mutex_lock (&load.lock);
  n_before = g_hash_table_size (load.acknowledged);
  g_mutex_unlock (&load.lock);
  test_server_stop (pair->a, TRUE);
  g_mutex_lock (&load.lock);
  n_killed = g_hash_table_size (load.acknowledged);
  g_mutex_unlock (&load.lock);
  /* B keeps serving after A died. */
  g_usleep (G_USEC_PER_SEC / 2);
  g_atomic_int_set (&load.stop, TRUE);
  for (guint i = 0; i < N_LOAD_CLIENTS; i++)
    g_thread_join (threads[i]);
  g_test_message ("%u runs acknowledged before the kill, %u in all", n_before,
                  g_hash_table_size (load.acknowledged));
  g_assert_cmpuint (n_before, >, 0);
  /* More than A's clients' last answers, still on their way, could be. */
  g_assert_cmpuint (g_hash_table_size (load.acknowledged), >, n_killed + N_LOAD_CLIENTS / 2);

  /* Every acknowledged run exists, through B, as acknowledged; one whose
   * completion was not answered is completed again through B. */
  g_hash_table_iter_init (&iter, load.acknowledged);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(TestResponse) run = get_run (pair->b, token, key);
      g_autoptr(TestResponse) again = NULL;
      const char *status;

      g_assert_cmpuint (run->status, ==, 200);
      status = test_response_string (run, "run.status");
      if (g_str_equal (value, "charged"))
        {
          g_assert_cmpstr (status, ==, "succeeded");
          continue;
        }
      g_assert_true (g_str_equal (status, "authorized") || g_str_equal (status, "succeeded"));
      again = complete_on (pair->b, pair->b->session, token, key);
      g_assert_cmpuint (again->status, ==, 200);
      g_assert_cmpint (test_response_int (again, "run.charged"), ==, RUN_COST);
    }

  /* Nothing doubled: no transfer twice in the history, and the balance
   * fell by exactly one charge per acknowledged run. Holds left are of
   * runs whose start the kill left unanswered, one per client at most. */
  items = test_list_transactions (pair->b, token);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *id = json_object_get_string_member (item, "id");

      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, (gpointer) id);
    }
  {
    g_autoptr(TestResponse) me = test_request (pair->b, "GET", "/v1/me", token, NULL);

    g_assert_cmpuint (me->status, ==, 200);
    charged = 1000000 - test_response_int (me, "accounts.0.balance");
    held = test_response_int (me, "accounts.0.held");
  }
  g_test_message ("%" G_GINT64_FORMAT " charged, %" G_GINT64_FORMAT " still held", charged, held);
  g_assert_cmpint (charged, ==, (gint64) g_hash_table_size (load.acknowledged) * RUN_COST);
  g_assert_cmpint (held % RUN_COST, ==, 0);
  g_assert_cmpint (held, <=, N_LOAD_CLIENTS * RUN_COST);

  g_hash_table_unref (load.acknowledged);
  g_mutex_clear (&load.lock);
  test_server_check_ledger (pair->b);
}

/* --- /scale-out/postgres-restart --- */

/* 503 with a message, never a 500, a 401 or a hang. */
static void
assert_unavailable (TestResponse *response,
                    const char   *code)
{
  g_assert_cmpuint (response->status, ==, 503);
  g_assert_nonnull (response->json);
  g_assert_cmpstr (test_response_error (response), ==, code);
  g_assert_nonnull (test_response_string (response, "error.message"));
  g_assert_cmpstr (test_response_string (response, "error.message"), !=, "");
}

static void
test_postgres_restart (void)
{
  g_autoptr(Pair) pair = pair_new ();
  char account_id[37];
  g_autofree char *token = test_user_new (pair->a, "outage@example.com", account_id);
  g_autofree char *id = g_uuid_string_random ();
  TallyTestPostgres *cluster = test_postgres_cluster ();
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupWebsocketConnection) socket = NULL;
  g_autoptr(JsonObject) message = NULL;
  Inbox inbox = { G_QUEUE_INIT };
  gint64 started, back_after;

  test_grant (pair->a, pair->admin, account_id, 100);
  /* A socket held through the outage: its session could not be checked
   * meanwhile, which does not end it. */
  socket = test_events_open (pair->b, session, token);
  g_signal_connect (socket, "message", G_CALLBACK (on_message), &inbox);
  tally_test_postgres_stop (cluster);
  /* B's events poll the store at least once while it is down. */
  test_iterate_until (test_socket_closed, socket, 1.5);
  g_assert_cmpint (soup_websocket_connection_get_state (socket), ==,
                   SOUP_WEBSOCKET_STATE_OPEN);

  {
    gint64 asked = g_get_monotonic_time ();
    g_autoptr(TestResponse) health = test_request (pair->a, "GET", "/healthz", NULL, NULL);
    g_autoptr(TestResponse) me = test_request (pair->a, "GET", "/v1/me", token, NULL);
    g_autoptr(TestResponse) run = authorize_on (pair->a, pair->a->session, token, id);
    /* A public route that reads the store, on the other server. */
    g_autoptr(TestResponse) login = test_request (pair->b, "POST", "/v1/auth/login", NULL,
                                                  "{\"email\": \"outage@example.com\", "
                                                  "\"password\": \"" TEST_PASSWORD "\"}");
    /* A write through the writer, on the other server. */
    g_autoptr(TestResponse) signup = test_request (pair->b, "POST", "/v1/auth/register", NULL,
                                                   "{\"email\": \"during@example.com\", "
                                                   "\"password\": \"" TEST_PASSWORD "\"}");
    gint64 took = g_get_monotonic_time () - asked;

    g_test_message ("five requests answered in %.0f ms during the outage; sign-up: %u %s",
                    took / 1000.0, signup->status, signup->body);
    /* Answered at once, not after a timeout. */
    g_assert_cmpint (took, <, 3 * G_USEC_PER_SEC);
    g_test_message ("during the outage: /healthz %u %s; /v1/me %u %s; POST /v1/runs %u %s",
                    health->status, health->body, me->status, me->body, run->status, run->body);
    assert_unavailable (health, "unhealthy");
    assert_unavailable (me, "storage_unavailable");
    g_assert_cmpstr (test_response_string (me, "error.message"), ==,
                     "The database is unavailable; try again shortly");
    g_assert_cmpstr (me->retry_after, ==, "5");
    assert_unavailable (run, "storage_unavailable");
    g_assert_cmpstr (run->retry_after, ==, "5");
    assert_unavailable (login, "storage_unavailable");
    assert_unavailable (signup, "storage_unavailable");
  }

  tally_test_postgres_restart (cluster);
  started = g_get_monotonic_time ();
  for (;;)
    {
      g_autoptr(TestResponse) health = test_request (pair->a, "GET", "/healthz", NULL, NULL);

      if (health->status == 200)
        break;
      g_assert_cmpuint (health->status, ==, 503);
      g_assert_cmpint (g_get_monotonic_time () - started, <, WAIT_US);
      g_usleep (100 * 1000);
    }
  back_after = g_get_monotonic_time () - started;
  g_test_message ("healthy again %.0f ms after PostgreSQL started", back_after / 1000.0);

  /* Both servers serve again, with no restart of theirs. */
  {
    g_autoptr(TestResponse) run = authorize_on (pair->a, pair->a->session, token, id);
    g_autoptr(TestResponse) done = complete_on (pair->b, pair->b->session, token, id);

    g_assert_cmpuint (run->status, ==, 201);
    g_assert_cmpuint (done->status, ==, 200);
    g_assert_cmpint (test_balance (pair->a, token), ==, 100 - RUN_COST);
    g_assert_cmpint (test_balance (pair->b, token), ==, 100 - RUN_COST);
  }

  /* The socket lived through it, and hears of the run completed on B. */
  for (;;)
    {
      g_clear_pointer (&message, json_object_unref);
      message = inbox_wait (&inbox, "run");
      g_assert_nonnull (message);
      if (g_strcmp0 (json_object_get_string_member (json_object_get_object_member (message,
                                                                                   "run"),
                                                    "id"), id) == 0)
        break;
    }
  g_signal_handlers_disconnect_by_data (socket, &inbox);
  soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  test_iterate_until (test_socket_closed, socket, 5);
  g_queue_clear_full (&inbox.messages, (GDestroyNotify) json_node_unref);
  test_server_check_ledger (pair->a);
}

/* --- /scale-out/sign-in-throttle --- */

static void
assert_wrong_password (TestServer *server,
                       const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": "
                                           "\"not the password\"}", email);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/login", NULL,
                                                   body);

  test_assert_error (response, 401, "unauthorized", NULL);
}

/* Failed sign-ins spread over two servers count once: the third, on
 * whichever server, starts the delay for both. */
static void
test_sign_in_throttle (void)
{
  const char * const args[] = { "--login-attempts=3", NULL };
  g_autofree char *url = test_postgres_database_new ();
  TestServer *a = test_server_start_on (url, args);
  TestServer *b = test_server_start_on (url, args);
  g_autofree char *token = test_user_new (a, "ida@example.com", NULL);
  g_autofree char *body = g_strdup_printf ("{\"email\": \"ida@example.com\", "
                                           "\"password\": \"%s\"}", TEST_PASSWORD);
  g_autoptr(TestResponse) refused = NULL;
  gint64 third;

  assert_wrong_password (a, "ida@example.com");
  assert_wrong_password (b, "ida@example.com");
  assert_wrong_password (a, "ida@example.com");
  third = g_get_monotonic_time ();
  g_assert_cmpint (test_server_count (b, "SELECT count(*) FROM shared_state "
                                         "WHERE key = 'login-email:ida@example.com' "
                                         "AND state LIKE 'b 3 %'"), ==, 1);

  /* Even the right password waits the delay (a second), on the other
   * server too. */
  refused = test_request (b, "POST", "/v1/auth/login", NULL, body);
  if (g_get_monotonic_time () - third < G_USEC_PER_SEC)
    {
      test_assert_error (refused, 429, "rate_limited", NULL);
      g_assert_nonnull (refused->retry_after);
    }
  else
    g_test_message ("slower than the delay: the 429 was not asked for");

  test_server_free (a);
  test_server_free (b);
}

/* --- /scale-out/key-rate-limit --- */

/* A key's rate limit counts its requests on every server: three a minute
 * spread over two servers, and the fourth, on either, is refused. */
static void
test_key_rate_limit (void)
{
  g_autoptr(Pair) pair = pair_new ();
  g_autofree char *token = test_user_new (pair->a, "kai@example.com", NULL);
  g_autoptr(TestResponse) created = NULL;
  g_autoptr(TestResponse) limited = NULL;
  TestServer *order[] = { pair->a, pair->b, pair->a };
  const char *key;

  created = test_request (pair->b, "POST", "/v1/me/api-keys", token,
                          "{\"name\": \"Slow\", \"scopes\": [\"read\"], \"rate_limit\": 3}");
  g_assert_cmpuint (created->status, ==, 201);
  key = test_response_string (created, "key");

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(TestResponse) response = test_request (order[i], "GET", "/v1/me", key, NULL);

      g_assert_cmpuint (response->status, ==, 200);
    }

  /* A token comes back every 20 s: none has by now. */
  limited = test_request (pair->b, "GET", "/v1/me", key, NULL);
  test_assert_error (limited, 429, "rate_limited", NULL);
  g_assert_nonnull (limited->retry_after);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scale-out/alternating-runs", test_alternating_runs);
  g_test_add_func ("/scale-out/race-one-account", test_race_one_account);
  g_test_add_func ("/scale-out/events-across-servers", test_events_across_servers);
  g_test_add_func ("/scale-out/sigkill-under-load", test_sigkill_under_load);
  g_test_add_func ("/scale-out/postgres-restart", test_postgres_restart);
  g_test_add_func ("/scale-out/sign-in-throttle", test_sign_in_throttle);
  g_test_add_func ("/scale-out/key-rate-limit", test_key_rate_limit);

  return g_test_run ();
}
