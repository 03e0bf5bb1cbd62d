/* test-sync.c: POST /v1/sync over real HTTP: leases, offline runs,
 * idempotency, racing devices, bad bodies, privacy
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-test-server.h"

/* Small, so that a few runs spend more than half of it. */
#define LEASE 50

static TestServer *server;
static TallyToolRegistry *registry;
static char *admin_token;
static guint n_users;

static char *
user_new (char account_id[37])
{
  g_autofree char *email = g_strdup_printf ("sync-%u@example.com", ++n_users);

  return test_user_new (server, email, account_id);
}

static char *
funded_user_new (char   account_id[37],
                 gint64 amount)
{
  char *token = user_new (account_id);

  test_grant (server, admin_token, account_id, amount);
  return token;
}

/* What the server will charge, from the same registry files. */
static gint64
price_of (const char *tool_id,
          gint64      units)
{
  TallyTool *tool = tally_tool_registry_lookup (registry, tool_id);
  gint64 cost = 0;

  g_assert_nonnull (tool);
  g_assert_true (tally_price_rule_cost (tally_tool_get_price_rule (tool), units, &cost, NULL));
  return cost;
}

static char *
run_op (const char *id,
        const char *tool,
        gint64      units,
        const char *outcome,
        gint64      cost)
{
  return g_strdup_printf ("{\"id\": \"%s\", \"type\": \"run\", \"tool\": \"%s\", \"units\": %"
                          G_GINT64_FORMAT ", \"outcome\": \"%s\", \"cost\": %" G_GINT64_FORMAT
                          ", \"created_at\": \"2026-03-01T10:00:00.000Z\"}",
                          id, tool, units, outcome, cost);
}

/* Takes the ops (NULL-terminated, each freed) and gives a JSON array. */
static char *
ops_array (char *first,
           ...)
{
  g_autoptr(GString) array = g_string_new ("[");
  va_list args;

  va_start (args, first);
  for (char *op = first; op != NULL; op = va_arg (args, char *))
    {
      if (array->len > 1)
        g_string_append (array, ", ");
      g_string_append (array, op);
      g_free (op);
    }
  va_end (args);
  g_string_append (array, "]");

  return g_string_free (g_steal_pointer (&array), FALSE);
}

static TestResponse *
sync_on (SoupSession *session,
         const char  *token,
         const char  *device,
         gint64       cursor,
         const char  *ops)
{
  g_autofree char *body = g_strdup_printf ("{\"device\": \"%s\", \"cursor\": %" G_GINT64_FORMAT
                                           ", \"ops\": %s}", device, cursor, ops ? ops : "[]");

  return test_request_on (server, session, "POST", "/v1/sync", token, body);
}

static TestResponse *
post_sync (const char *token,
           const char *device,
           gint64      cursor,
           const char *ops)
{
  g_autoptr(TestResponse) response = sync_on (server->session, token, device, cursor, ops);

  if (response->status != 200)
    g_test_message ("sync: %u %s", response->status, response->body);
  return g_steal_pointer (&response);
}

static guint
length_of (TestResponse *response,
           const char   *path)
{
  JsonNode *node = test_response_member (response, path);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_get_length (json_node_get_array (node));
}

static gboolean
is_null (TestResponse *response,
         const char   *path)
{
  JsonNode *node = test_response_member (response, path);

  return node != NULL && JSON_NODE_HOLDS_NULL (node);
}

static gint64
last_seq (void)
{
  g_autoptr(TestResponse) health = test_request (server, "GET", "/healthz", NULL, NULL);

  g_assert_cmpuint (health->status, ==, 200);
  return test_response_int (health, "last_seq");
}

static char *
result_path (guint       index,
             const char *member)
{
  return g_strdup_printf ("results.%u.%s", index, member);
}

static const char *
result_string (TestResponse *response,
               guint         index,
               const char   *member)
{
  g_autofree char *path = result_path (index, member);

  return test_response_string (response, path);
}

static gint64
result_int (TestResponse *response,
            guint         index,
            const char   *member)
{
  g_autofree char *path = result_path (index, member);

  return test_response_int (response, path);
}

/* Stops the server, checks every invariant of its ledger file, starts it
 * again on the same data. */
static void
check_ledger (void)
{
  test_server_stop (server, FALSE);
  test_server_check_ledger (server);
  test_server_restart (server);
}

static void
test_first_sync_takes_lease (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autoptr(TestResponse) first = NULL, again = NULL;
  gint64 cursor, seq_before;

  token = funded_user_new (account_id, 1000);
  first = post_sync (token, "laptop", 0, NULL);
  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpuint (length_of (first, "results"), ==, 0);
  g_assert_cmpint (test_response_int (first, "lease.amount"), ==, LEASE);
  g_assert_cmpint (test_response_int (first, "lease.remaining"), ==, LEASE);
  g_assert_nonnull (test_response_string (first, "lease.expires_at"));
  g_assert_cmpstr (test_response_string (first, "accounts.0.id"), ==, account_id);
  g_assert_cmpint (test_response_int (first, "accounts.0.balance"), ==, 1000);
  g_assert_cmpint (test_response_int (first, "accounts.0.held"), ==, LEASE);
  g_assert_cmpint (test_response_int (first, "accounts.0.available"), ==, 1000 - LEASE);
  g_assert_nonnull (test_response_string (first, "tools_version"));
  g_assert_false (json_node_get_boolean (test_response_member (first, "more")));

  /* The grant, then the lease: a hold from the user's account. */
  g_assert_cmpuint (length_of (first, "transfers"), ==, 2);
  g_assert_cmpstr (test_response_string (first, "transfers.0.kind"), ==, "grant");
  g_assert_cmpstr (test_response_string (first, "transfers.1.kind"), ==, "lease");
  g_assert_cmpstr (test_response_string (first, "transfers.1.id"), ==,
                   test_response_string (first, "lease.id"));
  g_assert_cmpstr (test_response_string (first, "transfers.1.debit_account_id"), ==, account_id);
  g_assert_true (json_node_get_boolean (test_response_member (first, "transfers.1.flags.pending")));
  g_assert_true (is_null (first, "transfers.1.pending_id"));
  cursor = test_response_int (first, "cursor");
  g_assert_cmpint (cursor, ==, test_response_int (first, "transfers.1.seq"));

  /* Nothing new: no transfers, the same cursor, the same lease, no write. */
  seq_before = last_seq ();
  again = post_sync (token, "laptop", cursor, "[]");
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpuint (length_of (again, "transfers"), ==, 0);
  g_assert_cmpint (test_response_int (again, "cursor"), ==, cursor);
  g_assert_cmpstr (test_response_string (again, "lease.id"), ==,
                   test_response_string (first, "lease.id"));
  g_assert_cmpint (last_seq (), ==, seq_before);
}

static void
test_no_credits_no_lease (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(TestResponse) first = post_sync (token, "phone", 0, "[]");
  g_autoptr(TestResponse) again = NULL;
  gint64 seq_before = last_seq ();

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_true (is_null (first, "lease"));
  g_assert_cmpuint (length_of (first, "transfers"), ==, 0);
  g_assert_cmpint (test_response_int (first, "cursor"), ==, 0);

  again = post_sync (token, "phone", 0, "[]");
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_true (is_null (again, "lease"));
  g_assert_cmpint (last_seq (), ==, seq_before);
}

static void
test_offline_runs_converge (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *ops = NULL;
  g_autofree char *run = g_uuid_string_random ();
  g_autofree char *cheap = g_uuid_string_random ();
  g_autofree char *failed = g_uuid_string_random ();
  g_autofree char *cancelled = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, synced = NULL;
  gint64 resize = price_of ("image-resize", 10);
  gint64 split = price_of ("pdf-split", 100);
  gint64 charged;

  token = funded_user_new (account_id, 1000);
  first = post_sync (token, "laptop", 0, NULL);
  g_assert_cmpuint (first->status, ==, 200);

  /* The device charged less than the price for the second one: it is
   * never charged more than it said. */
  g_assert_cmpint (split, >, 1);
  ops = ops_array (run_op (run, "image-resize", 10, "succeeded", resize),
                   run_op (cheap, "pdf-split", 100, "succeeded", split - 1),
                   run_op (failed, "image-resize", 10, "failed", resize),
                   run_op (cancelled, "image-resize", 10, "cancelled", 0), NULL);
  synced = post_sync (token, "laptop", test_response_int (first, "cursor"), ops);
  g_assert_cmpuint (synced->status, ==, 200);
  g_assert_cmpuint (length_of (synced, "results"), ==, 4);
  g_assert_cmpstr (result_string (synced, 0, "id"), ==, run);
  g_assert_cmpstr (result_string (synced, 0, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 0, "charged"), ==, resize);
  g_assert_cmpstr (result_string (synced, 1, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 1, "charged"), ==, split - 1);
  g_assert_cmpstr (result_string (synced, 2, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 2, "charged"), ==, 0);
  g_assert_cmpstr (result_string (synced, 3, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 3, "charged"), ==, 0);

  /* The balance converges; the lease holds what was not spent. */
  charged = resize + split - 1;
  g_assert_cmpint (charged * 2, <, LEASE);
  g_assert_cmpint (test_response_int (synced, "accounts.0.balance"), ==, 1000 - charged);
  g_assert_cmpint (test_response_int (synced, "lease.remaining"), ==, LEASE - charged);
  g_assert_cmpint (test_response_int (synced, "accounts.0.held"), ==, LEASE - charged);
  g_assert_cmpint (test_response_int (synced, "accounts.0.available"), ==, 1000 - LEASE);

  /* Void of the old lease, the two consumptions, the new lease. */
  g_assert_cmpuint (length_of (synced, "transfers"), ==, 4);
  g_assert_true (json_node_get_boolean (test_response_member (synced,
                                                              "transfers.0.flags.void_pending")));
  g_assert_cmpstr (test_response_string (synced, "transfers.0.pending_id"), ==,
                   test_response_string (first, "lease.id"));
  g_assert_cmpstr (test_response_string (synced, "transfers.1.id"), ==, run);
  g_assert_cmpstr (test_response_string (synced, "transfers.1.kind"), ==, "consumption");
  g_assert_cmpstr (test_response_string (synced, "transfers.1.tool"), ==, "image-resize");
  g_assert_cmpint (test_response_int (synced, "transfers.1.units"), ==, 10);
  g_assert_cmpint (test_response_int (synced, "transfers.1.amount"), ==, resize);
  g_assert_cmpstr (test_response_string (synced, "transfers.2.id"), ==, cheap);
  g_assert_cmpstr (test_response_string (synced, "transfers.3.id"), ==,
                   test_response_string (synced, "lease.id"));
  g_assert_cmpint (test_response_int (synced, "cursor"), ==,
                   test_response_int (synced, "transfers.3.seq"));
}

static void
test_lost_response_retried (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *ops = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, synced = NULL, retried = NULL;
  gint64 price = price_of ("image-resize", 4);
  gint64 cursor;

  token = funded_user_new (account_id, 500);
  first = post_sync (token, "laptop", 0, NULL);
  cursor = test_response_int (first, "cursor");

  ops = ops_array (run_op (id, "image-resize", 4, "succeeded", price), NULL);
  synced = post_sync (token, "laptop", cursor, ops);
  g_assert_cmpstr (result_string (synced, 0, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 0, "charged"), ==, price);

  /* The answer was lost: the device sends the same again, from the same
   * cursor, and gets the first result back without a second charge. */
  retried = post_sync (token, "laptop", cursor, ops);
  g_assert_cmpuint (retried->status, ==, 200);
  g_assert_cmpstr (result_string (retried, 0, "status"), ==, "duplicate");
  g_assert_cmpstr (result_string (retried, 0, "first_status"), ==, "applied");
  g_assert_cmpint (result_int (retried, 0, "charged"), ==, price);
  g_assert_cmpint (test_response_int (retried, "accounts.0.balance"), ==, 500 - price);
  g_assert_cmpint (test_response_int (retried, "cursor"), ==,
                   test_response_int (synced, "cursor"));
  g_assert_cmpuint (length_of (retried, "transfers"), ==, length_of (synced, "transfers"));
}

static void
test_conflicting_id_rejected (void)
{
  char account_id[37], other_account[37];
  g_autofree char *token = NULL, *other = NULL;
  g_autofree char *ops = NULL, *changed = NULL, *stolen = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, synced = NULL, conflict = NULL, theirs = NULL;
  gint64 price = price_of ("image-resize", 4);

  token = funded_user_new (account_id, 500);
  first = post_sync (token, "laptop", 0, NULL);
  ops = ops_array (run_op (id, "image-resize", 4, "succeeded", price), NULL);
  synced = post_sync (token, "laptop", 0, ops);
  g_assert_cmpstr (result_string (synced, 0, "status"), ==, "applied");

  /* The same id with other content is refused, and charges nothing. */
  changed = ops_array (run_op (id, "image-resize", 8, "succeeded", price * 2), NULL);
  conflict = post_sync (token, "laptop", 0, changed);
  g_assert_cmpuint (conflict->status, ==, 200);
  g_assert_cmpstr (result_string (conflict, 0, "status"), ==, "rejected");
  g_assert_cmpstr (result_string (conflict, 0, "reason"), ==, "idempotency_conflict");
  g_assert_cmpint (result_int (conflict, 0, "charged"), ==, 0);
  g_assert_cmpint (test_response_int (conflict, "accounts.0.balance"), ==, 500 - price);

  /* Another user with my op's id, even with my content, learns nothing. */
  other = funded_user_new (other_account, 500);
  stolen = ops_array (run_op (id, "image-resize", 4, "succeeded", price), NULL);
  theirs = post_sync (other, "laptop", 0, stolen);
  g_assert_cmpuint (theirs->status, ==, 200);
  g_assert_cmpstr (result_string (theirs, 0, "status"), ==, "rejected");
  g_assert_cmpstr (result_string (theirs, 0, "reason"), ==, "idempotency_conflict");
  g_assert_cmpint (result_int (theirs, 0, "charged"), ==, 0);
  g_assert_cmpint (test_response_int (theirs, "accounts.0.balance"), ==, 500);
}

static void
test_ops_beyond_lease_rejected (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *ops = NULL;
  g_autofree char *huge = g_uuid_string_random ();
  g_autofree char *small = g_uuid_string_random ();
  g_autofree char *unknown = g_uuid_string_random ();
  g_autofree char *out_of_range = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, synced = NULL;
  gint64 big = price_of ("pdf-to-images", 2000);
  gint64 little = price_of ("image-resize", 2);

  g_assert_cmpint (big, >, LEASE);
  token = funded_user_new (account_id, 5000);
  first = post_sync (token, "laptop", 0, NULL);

  /* The account could pay for it, but the device only ever had the lease. */
  ops = ops_array (run_op (huge, "pdf-to-images", 2000, "succeeded", big),
                   run_op (small, "image-resize", 2, "succeeded", little),
                   run_op (unknown, "no-such-tool", 2, "succeeded", 3),
                   run_op (out_of_range, "image-resize", 1000000, "succeeded", 3), NULL);
  synced = post_sync (token, "laptop", test_response_int (first, "cursor"), ops);
  g_assert_cmpuint (synced->status, ==, 200);
  g_assert_cmpstr (result_string (synced, 0, "status"), ==, "rejected");
  g_assert_cmpstr (result_string (synced, 0, "reason"), ==, "exceeds_lease");
  g_assert_cmpint (result_int (synced, 0, "charged"), ==, 0);
  g_assert_cmpstr (result_string (synced, 1, "status"), ==, "applied");
  g_assert_cmpint (result_int (synced, 1, "charged"), ==, little);
  g_assert_cmpstr (result_string (synced, 2, "reason"), ==, "unknown_tool");
  g_assert_cmpstr (result_string (synced, 3, "reason"), ==, "invalid_units");
  g_assert_cmpint (test_response_int (synced, "accounts.0.balance"), ==, 5000 - little);
}

static void
test_lease_renewed_below_half (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autoptr(GString) ops = g_string_new ("[");
  g_autoptr(TestResponse) first = NULL, synced = NULL;
  gint64 price = price_of ("pdf-to-images", 18);
  gint64 spent = 0;

  token = funded_user_new (account_id, 1000);
  first = post_sync (token, "tablet", 0, NULL);

  /* Spend more than half of the lease, but not all of it. */
  for (guint i = 0; i < LEASE / (2 * price) + 1; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *op = run_op (id, "pdf-to-images", 18, "succeeded", price);

      g_string_append_printf (ops, "%s%s", i > 0 ? ", " : "", op);
      spent += price;
    }
  g_string_append (ops, "]");
  g_assert_cmpint ((LEASE - spent) * 2, <, LEASE);
  g_assert_cmpint (spent, <=, LEASE);

  synced = post_sync (token, "tablet", test_response_int (first, "cursor"), ops->str);
  g_assert_cmpuint (synced->status, ==, 200);
  g_assert_cmpint (test_response_int (synced, "accounts.0.balance"), ==, 1000 - spent);
  g_assert_cmpint (test_response_int (synced, "lease.amount"), ==, LEASE);
  g_assert_cmpint (test_response_int (synced, "lease.remaining"), ==, LEASE);
  g_assert_cmpint (test_response_int (synced, "accounts.0.held"), ==, LEASE);
  g_assert_cmpstr (test_response_string (synced, "lease.id"), !=,
                   test_response_string (first, "lease.id"));
}

/* Moves a device's lease close to its end, as days going by would. */
static void
age_lease (const char *account_id,
           const char *device,
           gint64      seconds_left)
{
  g_autofree char *where = g_strdup_printf ("WHERE device = '%s' AND user_id = "
                                            "(SELECT id FROM users WHERE account_id = '%s')",
                                            device, account_id);
  gint64 expires_at = g_get_real_time () + seconds_left * G_USEC_PER_SEC;
  g_autofree char *update = g_strdup_printf ("UPDATE devices SET lease_expires_at = %"
                                             G_GINT64_FORMAT " %s", expires_at, where);
  g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM devices %s", where);
  g_autofree char *aged = g_strdup_printf ("%s AND lease_expires_at = %" G_GINT64_FORMAT,
                                           count, expires_at);

  g_assert_null (strchr (device, '\''));
  test_server_stop (server, FALSE);
  g_assert_cmpint (test_server_count (server, count), ==, 1);
  test_server_exec (server, update);
  g_assert_cmpint (test_server_count (server, aged), ==, 1);
  test_server_restart (server);
}

/* Less than a quarter of its time left: the lease is taken again, whole. */
static void
test_lease_renewed_near_expiry (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autoptr(TestResponse) first = NULL, renewed = NULL, quiet = NULL;
  gint64 cursor;

  token = funded_user_new (account_id, 1000);
  first = post_sync (token, "old-laptop", 0, NULL);
  g_assert_cmpuint (first->status, ==, 200);
  age_lease (account_id, "old-laptop", 60);

  renewed = post_sync (token, "old-laptop", test_response_int (first, "cursor"), NULL);
  g_assert_cmpuint (renewed->status, ==, 200);
  g_assert_cmpstr (test_response_string (renewed, "lease.id"), !=,
                   test_response_string (first, "lease.id"));
  g_assert_cmpstr (test_response_string (renewed, "lease.expires_at"), >,
                   test_response_string (first, "lease.expires_at"));
  g_assert_cmpint (test_response_int (renewed, "lease.remaining"), ==, LEASE);
  g_assert_cmpint (test_response_int (renewed, "accounts.0.held"), ==, LEASE);
  g_assert_cmpuint (length_of (renewed, "transfers"), ==, 2);

  /* Renewed for its whole time: the next sync is quiet again. */
  cursor = test_response_int (renewed, "cursor");
  quiet = post_sync (token, "old-laptop", cursor, NULL);
  g_assert_cmpuint (length_of (quiet, "transfers"), ==, 0);
  g_assert_cmpint (test_response_int (quiet, "cursor"), ==, cursor);
}

typedef struct
{
  const char   *token;
  const char   *device;
  char         *ops;
  TestResponse *response;
} RaceSide;

static gpointer
race_side (gpointer data)
{
  RaceSide *side = data;
  g_autoptr(SoupSession) session = test_session_new ();

  side->response = sync_on (session, side->token, side->device, 0, side->ops);
  return NULL;
}

static char *
many_runs (guint  n,
           gint64 price)
{
  g_autoptr(GString) ops = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *op = run_op (id, "pdf-to-images", 18, "succeeded", price);

      g_string_append_printf (ops, "%s%s", i > 0 ? ", " : "", op);
    }
  g_string_append (ops, "]");

  return g_string_free (g_steal_pointer (&ops), FALSE);
}

static gint64
sum_charged (TestResponse *response)
{
  guint n = length_of (response, "results");
  gint64 sum = 0;

  for (guint i = 0; i < n; i++)
    sum += result_int (response, i, "charged");

  return sum;
}

/* Two devices of one user, each with its own lease, spend offline more
 * than the account has, and sync at the same moment. */
static void
test_two_devices_never_overspend (void)
{
  const gint64 granted = LEASE + 10;
  gint64 price = price_of ("pdf-to-images", 18);
  char account_id[37];
  g_autofree char *token = NULL;
  g_autoptr(TestResponse) one = NULL, two = NULL, after = NULL;
  RaceSide sides[2] = { { NULL } };
  GThread *threads[2];
  gint64 spent = 0;

  token = funded_user_new (account_id, granted);
  one = post_sync (token, "device-one", 0, NULL);
  two = post_sync (token, "device-two", 0, NULL);
  g_assert_cmpint (test_response_int (one, "lease.amount"), ==, LEASE);
  g_assert_cmpint (test_response_int (two, "lease.amount"), ==, granted - LEASE);

  for (guint i = 0; i < 2; i++)
    {
      sides[i].token = token;
      sides[i].device = i == 0 ? "device-one" : "device-two";
      sides[i].ops = many_runs ((guint) (granted / price) + 2, price);
      threads[i] = g_thread_new ("race", race_side, &sides[i]);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (sides[i].response->status, ==, 200);
      spent += sum_charged (sides[i].response);
      g_test_message ("%s charged %" G_GINT64_FORMAT, sides[i].device,
                      sum_charged (sides[i].response));
    }

  g_assert_cmpint (spent, <=, granted);
  g_assert_cmpint (spent, >, 0);
  after = post_sync (token, "device-one", 0, "[]");
  g_assert_cmpint (test_response_int (after, "accounts.0.balance"), ==, granted - spent);
  g_assert_cmpint (test_response_int (after, "accounts.0.available"), >=, 0);

  for (guint i = 0; i < 2; i++)
    {
      test_response_free (sides[i].response);
      g_free (sides[i].ops);
    }

  check_ledger ();
}

static gboolean
more_of (TestResponse *response)
{
  return json_node_get_boolean (test_response_member (response, "more"));
}

/* The most operations a sync takes, and an answer in pages of 1,000
 * transfers, on a server whose lease is big enough for all of them. */
static void
test_pages_of_transfers (void)
{
  const char *args[] = { "--lease-amount=2000", NULL };
  g_autoptr(TestServer) big = NULL;
  g_autoptr(GString) ops = g_string_new ("[");
  g_autoptr(TestResponse) first = NULL, synced = NULL, page = NULL, rest = NULL;
  g_autofree char *admin = NULL, *token = NULL, *body = NULL;
  gint64 price = price_of ("qr-code", 1);
  char account_id[37];
  guint n_transfers;

  big = test_server_start (args);
  admin = test_admin_new (big, "pages-admin@example.com");
  token = test_user_new (big, "pages@example.com", account_id);
  test_grant (big, admin, account_id, 5000);
  first = test_request (big, "POST", "/v1/sync", token,
                        "{\"device\": \"d\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpint (test_response_int (first, "lease.amount"), ==, 2000);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *op = run_op (id, "qr-code", 1, "succeeded", price);

      g_string_append_printf (ops, "%s%s", i > 0 ? ", " : "", op);
    }
  g_string_append (ops, "]");
  body = g_strdup_printf ("{\"device\": \"d\", \"cursor\": 0, \"ops\": %s}", ops->str);
  synced = test_request (big, "POST", "/v1/sync", token, body);
  g_assert_cmpuint (synced->status, ==, 200);
  g_assert_cmpuint (length_of (synced, "results"), ==, 1000);
  g_assert_cmpint (sum_charged (synced), ==, 1000 * price);
  g_assert_cmpint (test_response_int (synced, "accounts.0.balance"), ==, 5000 - 1000 * price);

  /* grant, lease, void, 1,000 runs, lease: 1,004 transfers. */
  g_assert_cmpuint (length_of (synced, "transfers"), ==, 1000);
  g_assert_true (more_of (synced));

  page = test_request (big, "POST", "/v1/sync", token,
                       "{\"device\": \"d\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpuint (length_of (page, "transfers"), ==, 1000);
  g_assert_true (more_of (page));
  g_free (body);
  body = g_strdup_printf ("{\"device\": \"d\", \"cursor\": %" G_GINT64_FORMAT
                          ", \"ops\": []}", test_response_int (page, "cursor"));
  rest = test_request (big, "POST", "/v1/sync", token, body);
  n_transfers = length_of (rest, "transfers");
  g_assert_cmpuint (n_transfers, ==, 4);
  g_assert_false (more_of (rest));
  g_assert_cmpstr (test_response_string (rest, "transfers.3.id"), ==,
                   test_response_string (rest, "lease.id"));
}

static void
test_bad_bodies (void)
{
  static const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "", "invalid_json", NULL },
    { "[]", "invalid_json", NULL },
    { "{}", "invalid_field", "device" },
    { "{\"device\": 5, \"cursor\": 0, \"ops\": []}", "invalid_field", "device" },
    { "{\"device\": \"\", \"cursor\": 0, \"ops\": []}", "invalid_field", "device" },
    { "{\"device\": \"d\", \"cursor\": \"0\", \"ops\": []}", "invalid_field", "cursor" },
    { "{\"device\": \"d\", \"cursor\": -1, \"ops\": []}", "invalid_field", "cursor" },
    { "{\"device\": \"d\", \"cursor\": 1.5, \"ops\": []}", "invalid_field", "cursor" },
    { "{\"device\": \"d\", \"cursor\": 1e300, \"ops\": []}", "invalid_field", "cursor" },
    { "{\"device\": \"d\", \"cursor\": 9223372036854775807, \"ops\": []}", "invalid_field",
      "cursor" },
    { "{\"device\": \"d\", \"cursor\": 0}", "invalid_field", "ops" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": {}}", "invalid_field", "ops" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [1]}", "invalid_field", "ops[0]" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"not-a-uuid\", \"type\": \"run\", "
      "\"tool\": \"qr-code\", \"units\": 1, \"outcome\": \"succeeded\", \"cost\": 1}]}",
      "invalid_field", "ops[0].id" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"purchase\", \"tool\": \"qr-code\", \"units\": 1, \"outcome\": "
      "\"succeeded\", \"cost\": 1}]}", "invalid_field", "ops[0].type" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"qr-code\", \"units\": -1, \"outcome\": "
      "\"succeeded\", \"cost\": 1}]}", "invalid_field", "ops[0].units" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"qr-code\", \"units\": 1, \"outcome\": "
      "\"succeeded\", \"cost\": -5}]}", "invalid_field", "ops[0].cost" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"qr-code\", \"units\": 1, \"outcome\": "
      "\"maybe\", \"cost\": 1}]}", "invalid_field", "ops[0].outcome" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"\", \"units\": 1, \"outcome\": "
      "\"succeeded\", \"cost\": 1}]}", "invalid_field", "ops[0].tool" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"qr-code\", \"units\": \"1\", \"outcome\": "
      "\"succeeded\", \"cost\": 1}]}", "invalid_field", "ops[0].units" },
    { "{\"device\": \"d\", \"cursor\": 0, \"ops\": [{\"id\": \"6a0e4d55-3c8e-4a3b-9d5e-"
      "0d1f4b7e2a10\", \"type\": \"run\", \"tool\": \"qr-code\", \"units\": 1, \"outcome\": "
      "\"succeeded\", \"cost\": 1, \"created_at\": \"yesterday\"}]}", "invalid_field",
      "ops[0].created_at" },
  };
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autofree char *long_device = g_strnfill (129, 'x');
  g_autofree char *too_long = g_strdup_printf ("{\"device\": \"%s\", \"cursor\": 0, \"ops\": []}",
                                               long_device);
  g_autoptr(TestResponse) long_response = NULL, unauthorized = NULL;
  gint64 seq_before = last_seq ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/sync", token,
                                                       cases[i].body);

      g_test_message ("%s -> %u %s", cases[i].body, response->status, response->body);
      g_assert_cmpuint (response->status, ==, 400);
      g_assert_cmpstr (test_response_error (response), ==, cases[i].code);
      if (cases[i].field != NULL)
        g_assert_cmpstr (test_response_string (response, "error.field"), ==, cases[i].field);
    }

  long_response = test_request (server, "POST", "/v1/sync", token, too_long);
  g_assert_cmpuint (long_response->status, ==, 400);
  g_assert_cmpstr (test_response_string (long_response, "error.field"), ==, "device");

  unauthorized = test_request (server, "POST", "/v1/sync", NULL,
                               "{\"device\": \"d\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpuint (unauthorized->status, ==, 401);

  g_assert_cmpint (last_seq (), ==, seq_before);
}

/* A sync body of one good op with @member's value written as @value
 * (JSON text, kept as it is), or without @member when @value is NULL. */
static char *
body_with_op_member (const char *member,
                     const char *value)
{
  static const char * const good[][2] = {
    { "id", "\"6a0e4d55-3c8e-4a3b-9d5e-0d1f4b7e2a10\"" }, { "type", "\"run\"" },
    { "tool", "\"qr-code\"" }, { "units", "1" }, { "outcome", "\"succeeded\"" },
    { "cost", "1" }, { "created_at", "\"2026-12-06T23:00:00Z\"" },
  };
  g_autoptr(GString) body = g_string_new ("{\"device\": \"d\", \"cursor\": 0, \"ops\": [{");
  gboolean first = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gboolean this_one = g_str_equal (good[i][0], member);

      if (this_one && value == NULL)
        continue;
      g_string_append_printf (body, "%s\"%s\": %s", first ? "" : ", ", good[i][0],
                              this_one ? value : good[i][1]);
      first = FALSE;
    }

  g_string_append (body, "}]}");
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* libtally reads the op; each fault still answers with the API's own
 * words, naming the member. */
static void
test_op_fault_messages (void)
{
  static const struct
  {
    const char *member;
    const char *value;
    const char *message;
  } cases[] = {
    { "id", NULL, "“id” is required" },
    { "id", "7", "“id” must be a string" },
    { "id", "\"6A0E4D55-3C8E-4A3B-9D5E-0D1F4B7E2A1\"", "“id” must be a UUID" },
    { "type", "\"refund\"", "“type” must be run" },
    { "tool", "\"\"", "“tool” must not be empty" },
    { "tool", "\"" "0123456789012345678901234567890123456789012345678901234567890123" "\"",
      "“tool” must be at most 63 characters" },
    { "units", "1e30", "“units” must be a whole number" },
    { "units", "-1", "“units” must be from 0 to 9223372036854775807" },
    { "cost", "99999999999999999999999", "“cost” is a whole number too large for 64 bits" },
    { "cost", "null", "“cost” is required" },
    { "outcome", "\"maybe\"", "“outcome” must be succeeded, failed or cancelled" },
    { "created_at", "\"2026-12-06T23:00:00\"", "“created_at” must be an ISO 8601 time with a zone" },
    { "created_at", "5", "“created_at” must be a string" },
  };
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  gint64 seq_before = last_seq ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = body_with_op_member (cases[i].member, cases[i].value);
      g_autofree char *field = g_strdup_printf ("ops[0].%s", cases[i].member);
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/sync", token, body);

      g_test_message ("%s -> %u %s", body, response->status, response->body);
      g_assert_cmpuint (response->status, ==, 400);
      g_assert_cmpstr (test_response_error (response), ==, "invalid_field");
      g_assert_cmpstr (test_response_string (response, "error.field"), ==, field);
      g_assert_cmpstr (test_response_string (response, "error.message"), ==, cases[i].message);
    }

  g_assert_cmpint (last_seq (), ==, seq_before);
}

/* A body with a good first op and a bad second one changes nothing: the
 * first is still new afterwards. */
static void
test_bad_op_changes_nothing (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *good = NULL, *mixed = NULL, *alone = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GString) too_many = g_string_new ("[");
  g_autoptr(TestResponse) first = NULL, refused = NULL, crowded = NULL, applied = NULL;
  gint64 price = price_of ("image-resize", 2);
  gint64 seq_before;

  token = funded_user_new (account_id, 300);
  first = post_sync (token, "laptop", 0, NULL);
  seq_before = last_seq ();

  good = run_op (id, "image-resize", 2, "succeeded", price);
  mixed = g_strdup_printf ("[%s, {\"id\": \"%s\", \"type\": \"run\"}]", good, id);
  refused = post_sync (token, "laptop", 0, mixed);
  g_assert_cmpuint (refused->status, ==, 400);
  g_assert_cmpstr (test_response_string (refused, "error.field"), ==, "ops[1].tool");

  for (guint i = 0; i <= 1000; i++)
    g_string_append_printf (too_many, "%s%s", i > 0 ? ", " : "", good);
  g_string_append (too_many, "]");
  crowded = post_sync (token, "laptop", 0, too_many->str);
  g_assert_cmpuint (crowded->status, ==, 400);
  g_assert_cmpstr (test_response_string (crowded, "error.field"), ==, "ops");
  g_assert_cmpint (last_seq (), ==, seq_before);

  alone = g_strdup_printf ("[%s]", good);
  applied = post_sync (token, "laptop", 0, alone);
  g_assert_cmpstr (result_string (applied, 0, "status"), ==, "applied");
  g_assert_cmpint (test_response_int (applied, "accounts.0.balance"), ==, 300 - price);
}

static void
test_other_user_sees_nothing (void)
{
  char mine[37], theirs[37];
  g_autofree char *my_token = NULL, *their_token = NULL, *ops = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(TestResponse) my_sync = NULL, their_sync = NULL;
  guint n;

  my_token = funded_user_new (mine, 400);
  their_token = funded_user_new (theirs, 300);
  my_sync = post_sync (my_token, "laptop", 0, NULL);
  ops = ops_array (run_op (id, "image-resize", 2, "succeeded", price_of ("image-resize", 2)),
                   NULL);
  g_clear_pointer (&my_sync, test_response_free);
  my_sync = post_sync (my_token, "laptop", 0, ops);
  g_assert_cmpstr (result_string (my_sync, 0, "status"), ==, "applied");

  /* The same device name, from cursor 0: only their own transfers. */
  their_sync = post_sync (their_token, "laptop", 0, NULL);
  g_assert_cmpuint (their_sync->status, ==, 200);
  g_assert_cmpstr (test_response_string (their_sync, "accounts.0.id"), ==, theirs);
  g_assert_cmpint (test_response_int (their_sync, "accounts.0.balance"), ==, 300);
  n = length_of (their_sync, "transfers");
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *debit = g_strdup_printf ("transfers.%u.debit_account_id", i);
      g_autofree char *credit = g_strdup_printf ("transfers.%u.credit_account_id", i);
      g_autofree char *transfer_id = g_strdup_printf ("transfers.%u.id", i);

      g_assert_true (g_str_equal (test_response_string (their_sync, debit), theirs) ||
                     g_str_equal (test_response_string (their_sync, credit), theirs));
      g_assert_cmpstr (test_response_string (their_sync, debit), !=, mine);
      g_assert_cmpstr (test_response_string (their_sync, credit), !=, mine);
      g_assert_cmpstr (test_response_string (their_sync, transfer_id), !=, id);
    }
}

static TestResponse *
authorize (const char *token,
           const char *id,
           const char *device)
{
  g_autofree char *device_member = device != NULL ? g_strdup_printf (", \"device\": \"%s\"", device)
                                                   : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"text-statistics\", "
                                           "\"inputs\": {\"text\": \"one two three\"}%s}",
                                           id, device_member);

  return test_request (server, "POST", "/v1/runs", token, body);
}

/* All the credits are in the lease: an online run from the device that
 * holds it gets them back, from any other it is refused. */
static void
test_online_run_takes_back_lease (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *refused_id = g_uuid_string_random ();
  g_autofree char *stranger_id = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, refused = NULL, stranger = NULL, taken = NULL;
  g_autoptr(TestResponse) replay = NULL, me = NULL, second = NULL;
  gint64 held;

  token = funded_user_new (account_id, 40);
  first = post_sync (token, "laptop", 0, NULL);
  g_assert_cmpint (test_response_int (first, "lease.amount"), ==, 40);

  /* A refusal is the answer for good to its id: each try has its own. */
  refused = authorize (token, refused_id, NULL);
  g_assert_cmpuint (refused->status, ==, 402);
  stranger = authorize (token, stranger_id, "phone");
  g_assert_cmpuint (stranger->status, ==, 402);

  taken = authorize (token, id, "laptop");
  g_assert_cmpuint (taken->status, ==, 201);
  g_assert_true (is_null (taken, "lease"));
  held = test_response_int (taken, "run.held");
  g_assert_cmpint (held, >, 0);
  replay = authorize (token, id, "laptop");
  g_assert_cmpuint (replay->status, ==, 201);
  g_assert_cmpstr (replay->body, ==, taken->body);

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 40);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, held);

  /* The next sync takes a lease from what the run left. */
  second = post_sync (token, "laptop", test_response_int (first, "cursor"), "[]");
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpint (test_response_int (second, "lease.amount"), ==, 40 - held);
  g_assert_cmpint (test_response_int (second, "accounts.0.available"), ==, 0);
  check_ledger ();
}

/* A lease past its end that the server's sweep has not reached yet (it
 * sweeps by the wall clock, and the ledger's is a week and a day ahead):
 * an online run that needs its credits gets them, as from a live one.
 * Last of the tests, as the server's clock stays ahead. */
static void
test_online_run_takes_back_expired_lease (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(TestResponse) first = NULL, taken = NULL, me = NULL;

  token = funded_user_new (account_id, 40);
  first = post_sync (token, "tablet", 0, NULL);
  g_assert_cmpint (test_response_int (first, "lease.amount"), ==, 40);

  g_setenv ("TALLY_SERVER_CLOCK_OFFSET", "691200", TRUE);
  test_server_restart (server);
  g_unsetenv ("TALLY_SERVER_CLOCK_OFFSET");

  taken = authorize (token, id, "tablet");
  g_assert_cmpuint (taken->status, ==, 201);
  g_assert_true (is_null (taken, "lease"));

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 40);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==,
                   test_response_int (taken, "run.held"));
  check_ledger ();
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = { "--lease-amount=50", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  registry = tally_tool_registry_new ();
  tally_tool_registry_load_directory (registry, g_getenv ("TALLY_TOOLS_DIR"), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/sync/first-sync-takes-lease", test_first_sync_takes_lease);
  g_test_add_func ("/sync/no-credits-no-lease", test_no_credits_no_lease);
  g_test_add_func ("/sync/offline-runs-converge", test_offline_runs_converge);
  g_test_add_func ("/sync/lost-response-retried", test_lost_response_retried);
  g_test_add_func ("/sync/conflicting-id-rejected", test_conflicting_id_rejected);
  g_test_add_func ("/sync/ops-beyond-lease-rejected", test_ops_beyond_lease_rejected);
  g_test_add_func ("/sync/lease-renewed-below-half", test_lease_renewed_below_half);
  g_test_add_func ("/sync/lease-renewed-near-expiry", test_lease_renewed_near_expiry);
  g_test_add_func ("/sync/two-devices-never-overspend", test_two_devices_never_overspend);
  g_test_add_func ("/sync/pages-of-transfers", test_pages_of_transfers);
  g_test_add_func ("/sync/bad-bodies", test_bad_bodies);
  g_test_add_func ("/sync/op-fault-messages", test_op_fault_messages);
  g_test_add_func ("/sync/bad-op-changes-nothing", test_bad_op_changes_nothing);
  g_test_add_func ("/sync/other-user-sees-nothing", test_other_user_sees_nothing);
  g_test_add_func ("/sync/online-run-takes-back-lease", test_online_run_takes_back_lease);
  g_test_add_func ("/sync/online-run-takes-back-expired-lease",
                   test_online_run_takes_back_expired_lease);

  server = test_server_start (args);
  admin_token = test_admin_new (server, "sync-admin@example.com");
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  g_clear_object (&registry);
  return status;
}
