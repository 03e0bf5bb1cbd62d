/* test-crash.c: SIGKILL under load, again and again; nothing acknowledged
 * is lost, nothing is applied twice or by half
 *
 * Two loads: runs alone, and a mixed one where runs, admin grants, offline
 * runs synced from two devices and Stripe's payment webhooks all write to
 * the same account at once.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <tally.h>

#include "tally-test-server.h"
#include "tally-test-stripe.h"

/* CI's rounds; tests/attack/crash-campaign asks for more with
 * TALLY_CRASH_ROUNDS. */
#define N_ROUNDS  20
#define N_MIXED_ROUNDS 10
#define N_CLIENTS 8
/* Enough that no run is refused: this test is about crashes. */
#define GRANT     10000000
#define TOOL      "image-resize"
/* The mixed load's devices set this much aside each: never short. */
#define LEASE     "1000000"
#define PACK      "starter"

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

/* A grant, an offline run or a payment: sent, then maybe acknowledged. */
typedef struct
{
  char      id[64];
  gboolean  acknowledged;
  /* What the client asked for: a grant's amount, an offline run's cost. */
  gint64    asked;
  /* What the acknowledgement said: an offline run's charge. */
  gint64    answered;
  /* What sends it again: a device's name and its op, or the event. */
  char     *device;
  char     *body;
  /* Seen in the account's history by the latest check. */
  gboolean  found;
} CrashWrite;

typedef struct
{
  TestServer *server;
  char       *token;
  char       *admin;
  char        account_id[37];
  gint64      granted;

  /* The mixed load's: the fake Stripe, and what a paid pack gives. */
  TestFakeStripe *stripe;
  gint64          pack_credits;

  /* id → CrashRun or CrashWrite, shared with the client threads. */
  GMutex      lock;
  GHashTable *runs;
  GHashTable *grants;
  GHashTable *ops;
  /* session id → CrashWrite */
  GHashTable *payments;
} Crash;

static void
crash_run_free (gpointer data)
{
  CrashRun *run = data;

  g_free (run->authorize_body);
  g_free (run->complete_body);
  g_free (run);
}

static void
crash_write_free (gpointer data)
{
  CrashWrite *write = data;

  g_free (write->device);
  g_free (write->body);
  g_free (write);
}

/* Recorded before it is sent: a crash may leave it either way. */
static CrashWrite *
crash_write_add (Crash      *crash,
                 GHashTable *writes,
                 const char *id,
                 gint64      asked,
                 const char *device,
                 char       *body)
{
  CrashWrite *write = g_new0 (CrashWrite, 1);

  g_strlcpy (write->id, id, sizeof write->id);
  write->asked = asked;
  write->device = g_strdup (device);
  write->body = body;
  g_mutex_lock (&crash->lock);
  g_hash_table_insert (writes, write->id, write);
  g_mutex_unlock (&crash->lock);
  return write;
}

static void
crash_write_acknowledge (Crash      *crash,
                         CrashWrite *write,
                         gint64      answered)
{
  g_mutex_lock (&crash->lock);
  write->acknowledged = TRUE;
  write->answered = answered;
  g_mutex_unlock (&crash->lock);
}

/* --- the clients --- */

typedef struct
{
  Crash *crash;
  GRand *rand;
  /* A device's name, for the offline runs it syncs. */
  char  *device;
} Client;

static void
client_free (Client *client)
{
  g_rand_free (client->rand);
  g_free (client->device);
  g_free (client);
}

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

  client_free (client);
  return NULL;
}

/* An admin's grant; FALSE when the server is gone. A grant sent again
 * with its id is the same grant. */
static gboolean
send_grant (Crash       *crash,
            SoupSession *session,
            CrashWrite  *grant)
{
  g_autoptr(TestResponse) response = test_request_on (crash->server, session, "POST",
                                                      "/v1/admin/grants", crash->admin,
                                                      grant->body);

  if (response->status == 0)
    return FALSE;
  g_assert_cmpuint (response->status, ==, 201);
  g_assert_cmpstr (test_response_string (response, "transfer.id"), ==, grant->id);
  crash_write_acknowledge (crash, grant, grant->asked);
  return TRUE;
}

static gpointer
grant_thread (gpointer data)
{
  Client *client = data;
  Crash *crash = client->crash;
  g_autoptr(SoupSession) session = test_session_new ();

  for (;;)
    {
      g_autofree char *id = g_uuid_string_random ();
      gint64 amount = g_rand_int_range (client->rand, 1, 1000);
      char *body = g_strdup_printf ("{\"id\": \"%s\", \"account_id\": \"%s\", \"amount\": %"
                                    G_GINT64_FORMAT ", \"reason\": \"Crash test\"}",
                                    id, crash->account_id, amount);

      if (!send_grant (crash, session, crash_write_add (crash, crash->grants, id, amount,
                                                        NULL, body)))
        break;
    }

  client_free (client);
  return NULL;
}

/* Offline runs, as a device sends them: its own estimate as the cost,
 * which the server charges at most. */
static CrashWrite *
new_op (Client *client)
{
  g_autofree char *id = g_uuid_string_random ();
  gint64 cost = g_rand_int_range (client->rand, 1, 200);
  char *body = g_strdup_printf ("{\"id\": \"%s\", \"type\": \"run\", \"tool\": \"" TOOL "\", "
                                "\"units\": %d, \"outcome\": \"succeeded\", \"cost\": %"
                                G_GINT64_FORMAT ", \"created_at\": \"2026-03-01T10:00:00.000Z\"}",
                                id, g_rand_int_range (client->rand, 1, 11), cost);

  return crash_write_add (client->crash, client->crash->ops, id, cost, client->device, body);
}

/* One POST /v1/sync of @ops (CrashWrite) from @device; FALSE when the
 * server is gone. Each op is applied, or was already. */
static gboolean
send_ops (Crash       *crash,
          SoupSession *session,
          const char  *device,
          GPtrArray   *ops)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(TestResponse) response = NULL;
  JsonArray *results;

  g_string_printf (body, "{\"device\": \"%s\", \"cursor\": 0, \"ops\": [", device);
  for (guint i = 0; i < ops->len; i++)
    g_string_append_printf (body, "%s%s", i > 0 ? ", " : "",
                            ((CrashWrite *) g_ptr_array_index (ops, i))->body);
  g_string_append (body, "]}");

  response = test_request_on (crash->server, session, "POST", "/v1/sync", crash->token, body->str);
  if (response->status == 0)
    return FALSE;
  g_assert_cmpuint (response->status, ==, 200);

  results = json_node_get_array (test_response_member (response, "results"));
  g_assert_cmpuint (json_array_get_length (results), ==, ops->len);
  for (guint i = 0; i < ops->len; i++)
    {
      CrashWrite *op = g_ptr_array_index (ops, i);
      JsonObject *result = json_array_get_object_element (results, i);
      const char *status = json_object_get_string_member (result, "status");

      g_assert_cmpstr (json_object_get_string_member (result, "id"), ==, op->id);
      if (!g_str_equal (status, "applied") && !g_str_equal (status, "duplicate"))
        g_error ("Offline run %s: %s", op->id, response->body);
      crash_write_acknowledge (crash, op, json_object_get_int_member (result, "charged"));
    }

  return TRUE;
}

static gpointer
device_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  /* Online first, for a lease to spend offline. */
  if (!send_ops (client->crash, session, client->device, none))
    {
      client_free (client);
      return NULL;
    }

  for (;;)
    {
      g_autoptr(GPtrArray) ops = g_ptr_array_new ();
      guint n_ops = g_rand_int_range (client->rand, 1, 4);

      for (guint i = 0; i < n_ops; i++)
        g_ptr_array_add (ops, new_op (client));
      if (!send_ops (client->crash, session, client->device, ops))
        break;
    }

  client_free (client);
  return NULL;
}

/* Stripe delivers @payment's event, signed, through the fake; FALSE when
 * the server did not answer 200. */
static gboolean
deliver_payment (Crash       *crash,
                 SoupSession *session,
                 CrashWrite  *payment)
{
  g_autoptr(TestResponse) delivered = test_request_on (crash->stripe->api, session, "POST",
                                                       "/_test/deliver", NULL, payment->body);

  g_assert_cmpuint (delivered->status, ==, 200);
  if (test_response_int (delivered, "status") != 200)
    return FALSE;
  /* Its transfer's id is the server's own: payments are counted, not
   * found by id (check_account). */
  crash_write_acknowledge (crash, payment, 0);
  return TRUE;
}

/* A checkout, paid: the session id, or NULL when the server is gone. */
static char *
start_checkout (Crash       *crash,
                SoupSession *session)
{
  g_autoptr(TestResponse) response = test_request_on (crash->server, session, "POST",
                                                      "/v1/checkout", crash->token,
                                                      "{\"pack\": \"" PACK "\"}");

  if (response->status == 0)
    return NULL;
  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "session_id"));
}

static gpointer
payment_thread (gpointer data)
{
  Client *client = data;
  Crash *crash = client->crash;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupSession) stripe_session = test_session_new ();

  for (;;)
    {
      g_autofree char *session_id = start_checkout (crash, session);
      g_autofree char *intent = NULL;
      char *event;

      if (session_id == NULL)
        break;
      intent = g_strdup_printf ("pi_%08x%08x", g_rand_int (client->rand), g_rand_int (client->rand));
      event = g_strdup_printf ("{\"id\": \"evt_%s\", \"object\": \"event\", "
                               "\"type\": \"checkout.session.completed\", \"data\": {\"object\": "
                               "{\"id\": \"%s\", \"object\": \"checkout.session\", "
                               "\"payment_status\": \"paid\", \"payment_intent\": \"%s\"}}}",
                               intent, session_id, intent);
      if (!deliver_payment (crash, stripe_session,
                            crash_write_add (crash, crash->payments, session_id,
                                             crash->pack_credits, NULL, event)))
        break;
    }

  client_free (client);
  return NULL;
}

/* --- what must hold after a crash --- */

typedef struct
{
  /* run id → item */
  GHashTable *items;
  gint64      posted;
  gint64      pending;
  /* The mixed load's writes found, and what they added or took. */
  gint64      grants_found;
  gint64      ops_found;
  guint       n_purchases;
  /* Requests the server applied and the kill left unanswered. */
  guint       n_applied_unanswered;
} History;

/* An offline run's transfer, by its id or its run's. */
static CrashWrite *
lookup_op (Crash      *crash,
           JsonObject *item)
{
  const char *run_id = json_object_get_string_member_with_default (item, "run_id", NULL);
  CrashWrite *op = g_hash_table_lookup (crash->ops, json_object_get_string_member (item, "id"));

  return op != NULL || run_id == NULL ? op : g_hash_table_lookup (crash->ops, run_id);
}

/* An admin grant, an offline run or the test's first grant: anything else
 * in the account's history was never asked for. */
static void
history_add_write (History    *history,
                   Crash      *crash,
                   JsonObject *item)
{
  const char *id = json_object_get_string_member (item, "id");
  const char *kind = json_object_get_string_member (item, "kind");
  const char *status = json_object_get_string_member (item, "status");
  gint64 amount = json_object_get_int_member (item, "amount");
  CrashWrite *write;

  g_assert_cmpstr (status, ==, "posted");
  if ((write = g_hash_table_lookup (crash->grants, id)) != NULL)
    {
      g_assert_false (write->found);
      write->found = TRUE;
      g_assert_cmpint (amount, ==, write->asked);
      history->grants_found += amount;
      history->n_applied_unanswered += !write->acknowledged;
    }
  else if ((write = lookup_op (crash, item)) != NULL)
    {
      g_assert_false (write->found);
      write->found = TRUE;
      /* Never more than the device said it cost. */
      g_assert_cmpint (-amount, <=, write->asked);
      if (write->acknowledged)
        g_assert_cmpint (-amount, ==, write->answered);
      history->ops_found -= amount;
      history->n_applied_unanswered += !write->acknowledged;
    }
  else if (g_str_equal (kind, "purchase"))
    {
      g_assert_cmpint (amount, ==, crash->pack_credits);
      history->n_purchases++;
    }
  else
    {
      g_assert_cmpstr (kind, ==, "grant");
      g_assert_cmpint (amount, ==, GRANT);
    }
}

static void
history_load (History    *history,
              Crash      *crash,
              JsonArray  *items)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  memset (history, 0, sizeof *history);
  history->items = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *status = json_object_get_string_member (item, "status");
      const char *run_id = json_object_get_string_member_with_default (item, "run_id", NULL);
      gint64 amount = json_object_get_int_member (item, "amount");

      /* Each transfer once. */
      g_assert_true (g_hash_table_add (ids, (gpointer) json_object_get_string_member (item, "id")));
      if (g_str_equal (status, "posted"))
        history->posted += amount;
      else if (g_str_equal (status, "pending"))
        history->pending += amount;

      /* A run nobody asked for is not there; each run is one item. */
      if (run_id != NULL && g_hash_table_contains (crash->runs, run_id))
        g_assert_true (g_hash_table_insert (history->items, (gpointer) run_id, item));
      else
        history_add_write (history, crash, item);
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

static void
writes_forget_found (GHashTable *writes)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, writes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((CrashWrite *) value)->found = FALSE;
}

/* Every acknowledged write was found; with @settled (every write sent
 * again until acknowledged), every write. Returns what the client knows
 * they add up to (grants' amounts, offline runs' charges) and counts the
 * acknowledged in @n_acknowledged. */
static gint64
writes_check_found (GHashTable *writes,
                    gboolean    settled,
                    guint      *n_acknowledged)
{
  GHashTableIter iter;
  gpointer value;
  gint64 total = 0;

  *n_acknowledged = 0;
  g_hash_table_iter_init (&iter, writes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CrashWrite *write = value;

      if (settled)
        g_assert_true (write->acknowledged);
      if (write->acknowledged && write->answered != 0 && !write->found)
        g_error ("%s was acknowledged and is missing after the crash", write->id);
      *n_acknowledged += write->acknowledged;
      total += write->answered;
    }

  return total;
}

/* Over HTTP, on the restarted server. With @settled, the balance is
 * exactly what the client alone knows it asked for. */
static guint
check_account (Crash    *crash,
               gboolean  settled)
{
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(TestResponse) me = test_request (crash->server, "GET", "/v1/me", crash->token, NULL);
  History history;
  GHashTableIter iter;
  gpointer value;
  gint64 charged = 0, balance, granted, spent_offline;
  guint n_grants, n_ops, n_paid;

  writes_forget_found (crash->grants);
  writes_forget_found (crash->ops);
  items = test_list_transactions (crash->server, crash->token);
  history_load (&history, crash, items);

  g_hash_table_iter_init (&iter, crash->runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    check_run (value, &history, &charged);
  granted = writes_check_found (crash->grants, settled, &n_grants);
  spent_offline = writes_check_found (crash->ops, settled, &n_ops);
  writes_check_found (crash->payments, settled, &n_paid);

  g_assert_cmpuint (me->status, ==, 200);
  balance = test_response_int (me, "accounts.0.balance");
  g_assert_cmpint (balance, ==, history.posted);
  g_assert_cmpint (balance, ==, crash->granted + history.grants_found - charged - history.ops_found +
                                history.n_purchases * crash->pack_credits);
  /* A payment Stripe was told about is there; one it was not may be. */
  g_assert_cmpuint (history.n_purchases, >=, n_paid);
  g_assert_cmpuint (history.n_purchases, <=, g_hash_table_size (crash->payments));
  history.n_applied_unanswered += history.n_purchases - n_paid;
  if (settled)
    {
      g_assert_cmpint (history.n_purchases, ==, g_hash_table_size (crash->payments));
      g_assert_cmpint (balance, ==, crash->granted + granted - charged - spent_offline +
                                    history.n_purchases * crash->pack_credits);
    }
  /* Devices' leases are held too, and not in the history. */
  if (g_hash_table_size (crash->ops) == 0)
    g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, -history.pending);

  g_hash_table_unref (history.items);
  return history.n_applied_unanswered;
}

/* What an operator runs after a crash, on the server's store, says the
 * same, and that the audit chain holds too. */
static void
check_data_dir (Crash *crash)
{
  g_autofree char *store = test_server_store_option (crash->server);
  const char *args[] = { "check", store, NULL };
  g_autofree char *out = NULL;
  int status = test_server_command (args, NULL, &out, NULL);

  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "every link holds"));
}

static guint
crash_rounds (guint ci_rounds)
{
  const char *rounds = g_getenv ("TALLY_CRASH_ROUNDS");

  return rounds != NULL ? (guint) g_ascii_strtoull (rounds, NULL, 10) : ci_rounds;
}

/* What a client does when it comes back: sends again what got no answer.
 * The same request is the same answer, and charges once. */
static void
retry_unanswered_runs (Crash *crash)
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

/* A device sends its whole outbox again, in one sync. */
static void
retry_unanswered_ops (Crash *crash)
{
  g_autoptr(GHashTable) outboxes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                          (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, crash->ops);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CrashWrite *op = value;
      GPtrArray *outbox;

      if (op->acknowledged)
        continue;
      outbox = g_hash_table_lookup (outboxes, op->device);
      if (outbox == NULL)
        g_hash_table_insert (outboxes, op->device, outbox = g_ptr_array_new ());
      g_ptr_array_add (outbox, op);
    }

  g_hash_table_iter_init (&iter, outboxes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_true (send_ops (crash, crash->server->session, key, value));
}

static void
retry_unanswered (Crash *crash)
{
  GHashTableIter iter;
  gpointer value;

  retry_unanswered_runs (crash);
  retry_unanswered_ops (crash);

  g_hash_table_iter_init (&iter, crash->grants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((CrashWrite *) value)->acknowledged)
      g_assert_true (send_grant (crash, crash->server->session, value));

  /* Stripe retries a delivery until it gets a 2xx. */
  g_hash_table_iter_init (&iter, crash->payments);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((CrashWrite *) value)->acknowledged)
      g_assert_true (deliver_payment (crash, crash->stripe->api->session, value));
}

/* --- the rounds --- */

static GThread *
client_start (Crash       *crash,
              GRand       *rand,
              GThreadFunc  func,
              const char  *device)
{
  Client *client = g_new0 (Client, 1);

  client->crash = crash;
  client->rand = g_rand_new_with_seed (g_rand_int (rand));
  client->device = g_strdup (device);
  return g_thread_new ("client", func, client);
}

static void
load_then_kill (Crash *crash,
                GRand *rand)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  gboolean mixed = crash->stripe != NULL;

  /* The mixed load keeps the same number of clients. */
  for (guint i = 0; i < (mixed ? N_CLIENTS / 2 : N_CLIENTS); i++)
    g_ptr_array_add (threads, client_start (crash, rand, client_thread, NULL));
  if (mixed)
    {
      g_ptr_array_add (threads, client_start (crash, rand, grant_thread, NULL));
      g_ptr_array_add (threads, client_start (crash, rand, device_thread, "laptop"));
      g_ptr_array_add (threads, client_start (crash, rand, device_thread, "phone"));
      g_ptr_array_add (threads, client_start (crash, rand, payment_thread, NULL));
    }

  /* Long enough for hundreds of requests, and a different moment each
   * round: in a commit, between them, while answering. */
  g_usleep (g_rand_int_range (rand, 100, 400) * 1000);
  test_server_stop (crash->server, TRUE);

  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
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

static guint
count_unacknowledged (GHashTable *writes)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, writes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += !((CrashWrite *) value)->acknowledged;

  return n;
}

static guint
count_unanswered (Crash *crash)
{
  return count_at_stage (crash, STAGE_AUTHORIZE_SENT) +
         count_at_stage (crash, STAGE_COMPLETE_SENT) +
         count_unacknowledged (crash->grants) +
         count_unacknowledged (crash->ops) +
         count_unacknowledged (crash->payments);
}

static guint
count_writes (Crash *crash)
{
  return g_hash_table_size (crash->runs) + g_hash_table_size (crash->grants) +
         g_hash_table_size (crash->ops) + g_hash_table_size (crash->payments);
}

static void
crash_init (Crash          *crash,
            TestFakeStripe *stripe)
{
  const char *lease[] = { "--lease-amount=" LEASE, NULL };

  crash->stripe = stripe;
  if (stripe != NULL)
    {
      g_autoptr(TestResponse) packs = NULL;

      crash->server = test_stripe_server_start (stripe->api, lease);
      crash->server->quiet = TRUE;
      test_stripe_send_webhooks_to (stripe->api, crash->server);
      packs = test_request (crash->server, "GET", "/v1/packs", NULL, NULL);
      g_assert_cmpstr (test_response_string (packs, "packs.0.id"), ==, PACK);
      crash->pack_credits = test_response_int (packs, "packs.0.credits");
    }
  else
    crash->server = test_server_start_quiet (NULL);

  g_mutex_init (&crash->lock);
  crash->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, crash_run_free);
  crash->grants = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, crash_write_free);
  crash->ops = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, crash_write_free);
  crash->payments = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, crash_write_free);
  crash->token = test_user_new (crash->server, "crash@example.com", crash->account_id);
  crash->admin = test_admin_new (crash->server, "admin@example.com");
  test_grant (crash->server, crash->admin, crash->account_id, GRANT);
  crash->granted = GRANT;
}

static void
crash_clear (Crash *crash)
{
  g_hash_table_unref (crash->runs);
  g_hash_table_unref (crash->grants);
  g_hash_table_unref (crash->ops);
  g_hash_table_unref (crash->payments);
  g_mutex_clear (&crash->lock);
  g_free (crash->token);
  g_free (crash->admin);
  test_server_free (crash->server);
}

static void
kill_under_load (TestFakeStripe *stripe,
                 guint           rounds)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  Crash crash = { 0 };
  guint n_unanswered = 0, n_applied = 0;

  crash_init (&crash, stripe);

  for (guint round = 0; round < rounds; round++)
    {
      guint before = count_writes (&crash);
      guint unanswered, applied;

      load_then_kill (&crash, rand);
      /* The file as the killed server left it, before anything opens it
       * to write: every invariant of the ledger. */
      test_server_check_ledger (crash.server);
      check_data_dir (&crash);
      test_server_restart (crash.server);

      unanswered = count_unanswered (&crash);
      n_unanswered += unanswered;
      applied = check_account (&crash, FALSE);
      n_applied += applied;
      g_test_message ("round %u: %u writes, %u without an answer, %u of them applied", round,
                      count_writes (&crash) - before, unanswered, applied);

      retry_unanswered (&crash);
      check_account (&crash, TRUE);
    }

  g_test_message ("%u kills, %u writes in all (%u runs, %u grants, %u offline runs, %u payments); "
                  "%u requests were cut by a kill, %u of them applied",
                  rounds, count_writes (&crash), g_hash_table_size (crash.runs),
                  g_hash_table_size (crash.grants), g_hash_table_size (crash.ops),
                  g_hash_table_size (crash.payments), n_unanswered, n_applied);
  g_assert_cmpuint (n_unanswered, >, 0);

  test_server_stop (crash.server, FALSE);
  test_server_check_ledger (crash.server);
  check_data_dir (&crash);
  crash_clear (&crash);
}

static void
test_kill_under_load (void)
{
  kill_under_load (NULL, crash_rounds (N_ROUNDS));
}

/* Every kind of write at once: runs and their completions, admin grants,
 * offline runs synced from two devices, Stripe's payment webhooks. */
static void
test_kill_under_mixed_load (void)
{
  g_autoptr(TestFakeStripe) stripe = test_fake_stripe_start ();

  kill_under_load (stripe, crash_rounds (N_MIXED_ROUNDS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash/kill-under-load", test_kill_under_load);
  g_test_add_func ("/crash/kill-under-mixed-load", test_kill_under_mixed_load);

  return g_test_run ();
}
