/* test-concurrency.c: many clients spending one account at once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <tally.h>

#include "tally-test-server.h"

#define N_CLIENTS       8
#define RUNS_PER_CLIENT 40
/* Fewer credits than the runs would cost: the account runs dry halfway,
 * so later authorizations race for the last credits and get 402. */
#define GRANT           400

/* image-resize costs 1 + ceil (images / 2), at least 2: a hold of 2 to 6
 * for 1 to 10 images, settled lower when fewer were done. */
#define TOOL       "image-resize"
#define MAX_IMAGES 10

typedef struct
{
  char   id[37];
  gint64 held;
  gint64 charged;
} Run;

typedef struct
{
  TestServer *server;
  char       *token;
  GRand      *rand;
  GArray     *runs;
  guint       n_refused;
} Client;

static char *
sign_in (TestServer *server,
         guint       index)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"spender@example.com\", \"password\": "
                                           "\"%s\", \"device\": \"client-%u\"}", TEST_PASSWORD,
                                           index);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/login", NULL, body);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "token"));
}

/* Settles @run: succeeded with some of its images, or failed. */
static void
complete (Client      *client,
          SoupSession *session,
          Run         *run,
          gint64       images)
{
  gboolean succeeded = g_rand_int_range (client->rand, 0, 4) != 0;
  gint64 done = g_rand_int_range (client->rand, 1, (gint32) images + 1);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", run->id);
  g_autofree char *body = succeeded
                          ? g_strdup_printf ("{\"outcome\": \"succeeded\", \"units\": %"
                                             G_GINT64_FORMAT "}", done)
                          : g_strdup ("{\"outcome\": \"failed\"}");
  g_autoptr(TestResponse) response = test_request_on (client->server, session, "POST", path,
                                                      client->token, body);

  g_assert_cmpuint (response->status, ==, 200);
  run->charged = test_response_int (response, "run.charged");
  g_assert_cmpint (run->charged, >=, 0);
  g_assert_cmpint (run->charged, <=, run->held);
  g_assert_cmpint (test_response_int (response, "run.released"), ==, run->held - run->charged);
  if (!succeeded)
    g_assert_cmpint (run->charged, ==, 0);

  /* A retry of the same completion is the same answer, not a second charge. */
  if (g_rand_int_range (client->rand, 0, 5) == 0)
    {
      g_autoptr(TestResponse) again = test_request_on (client->server, session, "POST", path,
                                                       client->token, body);

      g_assert_cmpuint (again->status, ==, 200);
      g_assert_cmpint (test_response_int (again, "run.charged"), ==, run->charged);
    }
}

static void
authorize_and_complete (Client      *client,
                        SoupSession *session)
{
  gint64 images = g_rand_int_range (client->rand, 1, MAX_IMAGES + 1);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"" TOOL "\", "
                                           "\"inputs\": {\"images\": %" G_GINT64_FORMAT "}}",
                                           id, images);
  g_autoptr(TestResponse) response = test_request_on (client->server, session, "POST", "/v1/runs",
                                                      client->token, body);
  Run run = { { 0 } };

  if (response->status == 402)
    {
      g_assert_cmpstr (test_response_error (response), ==, "insufficient_credits");
      client->n_refused++;
      return;
    }

  g_assert_cmpuint (response->status, ==, 201);
  g_strlcpy (run.id, id, sizeof run.id);
  run.held = test_response_int (response, "run.held");
  g_assert_cmpint (run.held, >=, 2);

  complete (client, session, &run, images);
  g_array_append_val (client->runs, run);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = 0; i < RUNS_PER_CLIENT; i++)
    authorize_and_complete (client, session);

  return NULL;
}

/* Every run is one item of the history, posted at -charged or voided at
 * 0; the posted items add up to the balance. */
static void
check_history (TestServer *server,
               const char *token,
               GHashTable *runs,
               gint64      balance)
{
  g_autoptr(JsonArray) items = test_list_transactions (server, token);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 posted = 0;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *status = json_object_get_string_member (item, "status");
      const char *run_id = json_object_get_string_member_with_default (item, "run_id", NULL);
      gint64 amount = json_object_get_int_member (item, "amount");
      const Run *run;

      if (g_str_equal (status, "posted"))
        posted += amount;
      if (json_object_get_null_member (item, "run_id"))
        continue;

      run = g_hash_table_lookup (runs, run_id);
      g_assert_nonnull (run);
      g_assert_true (g_hash_table_add (seen, (gpointer) run_id));
      if (run->charged > 0)
        {
          g_assert_cmpstr (status, ==, "posted");
          g_assert_cmpint (amount, ==, -run->charged);
        }
      else
        g_assert_true (g_str_equal (status, "voided") ||
                       (g_str_equal (status, "posted") && amount == 0));
    }

  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (runs));
  g_assert_cmpint (posted, ==, balance);
}

/* The store itself, after a clean stop: every invariant, and the
 * account's columns as the API said. */
static void
check_ledger (TestServer *server,
              const char *account_id,
              gint64      balance)
{
  g_autofree char *path = test_server_ledger_path (server);
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  test_server_stop (server, FALSE);
  if (test_store_is_postgres ())
    {
      /* Its ids are UUIDs there, not SQLite's 16-byte blobs. */
      g_autofree char *posted = g_strdup_printf ("SELECT credits_posted - debits_posted "
                                                 "FROM accounts WHERE id = '%s'", account_id);
      g_autofree char *held = g_strdup_printf ("SELECT debits_pending FROM accounts "
                                               "WHERE id = '%s'", account_id);

      test_server_check_ledger (server);
      g_assert_cmpint (test_server_count (server, posted), ==, balance);
      g_assert_cmpint (test_server_count (server, held), ==, 0);
      return;
    }

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  tally_ledger_check (ledger, &error);
  g_assert_no_error (error);

  g_assert_true (tally_ledger_lookup_account (ledger, account_id, &account, &error));
  g_assert_cmpint (tally_account_balance (&account), ==, balance);
  g_assert_cmpint (tally_account_held (&account), ==, 0);
}

static void
test_one_account_many_clients (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = NULL, *token = NULL;
  g_autoptr(GHashTable) runs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TestResponse) me = NULL;
  Client clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  char account_id[37];
  gint64 charged = 0, balance;
  guint n_refused = 0;

  token = test_user_new (server, "spender@example.com", account_id);
  admin = test_admin_new (server, "admin@example.com");
  test_grant (server, admin, account_id, GRANT);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = (Client) { server, sign_in (server, i), g_rand_new_with_seed (g_test_rand_int ()),
                              g_array_new (FALSE, FALSE, sizeof (Run)), 0 };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      for (guint j = 0; j < clients[i].runs->len; j++)
        {
          Run *run = &g_array_index (clients[i].runs, Run, j);

          charged += run->charged;
          g_hash_table_insert (runs, run->id, run);
        }
      n_refused += clients[i].n_refused;
    }

  g_test_message ("%u runs, %u refused for want of credits, %" G_GINT64_FORMAT " charged",
                  g_hash_table_size (runs), n_refused, charged);
  /* The account did run dry, or nothing raced for the last credits. */
  g_assert_cmpuint (n_refused, >, 0);

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  balance = test_response_int (me, "accounts.0.balance");
  g_assert_cmpint (balance, ==, GRANT - charged);
  g_assert_cmpint (balance, >=, 0);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, 0);
  g_assert_cmpint (test_response_int (me, "accounts.0.available"), ==, balance);

  check_history (server, token, runs, balance);
  check_ledger (server, account_id, balance);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_free (clients[i].token);
      g_rand_free (clients[i].rand);
      g_array_unref (clients[i].runs);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/concurrency/one-account-many-clients", test_one_account_many_clients);

  return g_test_run ();
}
