/* test-sync-wire.c: the transfers of a real sync answer, read with
 * libtally's tally_transfer_from_json() as the app reads them and written
 * back with tally_transfer_to_json() byte for byte: the server's and the
 * app's wire format are one
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <tally.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin_token;

static TestResponse *
post_sync (const char *token,
           gint64      cursor,
           const char *ops)
{
  g_autofree char *body = g_strdup_printf ("{\"device\": \"laptop\", \"cursor\": %"
                                           G_GINT64_FORMAT ", \"ops\": %s}", cursor, ops);
  TestResponse *response = test_request (server, "POST", "/v1/sync", token, body);

  g_test_message ("sync: %u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

/* An online run, held then settled: a pending consumption and its post. */
static void
online_run (const char *token)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"text-statistics\", "
                                           "\"inputs\": {\"text\": \"one two three\"}}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) started = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) completed = NULL;

  g_assert_cmpuint (started->status, ==, 201);
  completed = test_request (server, "POST", path, token,
                            "{\"units\": 3, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (completed->status, ==, 200);
}

static guint
check_transfers (TestResponse *answer,
                 guint        *flags_seen)
{
  JsonArray *transfers = json_node_get_array (test_response_member (answer, "transfers"));

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      JsonNode *element = json_array_get_element (transfers, i);
      g_autoptr(JsonObject) again = NULL;
      g_autoptr(JsonNode) again_node = NULL;
      TallyTransfer transfer;
      const char *fault = NULL;

      g_assert_true (tally_transfer_from_json (json_node_get_object (element), &transfer,
                                               &fault));
      g_assert_null (fault);
      *flags_seen |= transfer.flags;

      again = tally_transfer_to_json (&transfer);
      again_node = json_node_init_object (json_node_alloc (), again);
      g_assert_true (json_node_equal (again_node, element));
    }

  return json_array_get_length (transfers);
}

static void
test_sync_transfers_round_trip (void)
{
  char account_id[37];
  g_autofree char *token = test_user_new (server, "wire@example.com", account_id);
  g_autofree char *op_id = g_uuid_string_random ();
  g_autofree char *ops = NULL;
  g_autoptr(TestResponse) first = NULL, second = NULL;
  guint flags_seen = 0, n;

  test_grant (server, admin_token, account_id, 1000);
  online_run (token);
  first = post_sync (token, 0, "[]");

  /* An offline run: the lease voided, the run, a new lease. */
  ops = g_strdup_printf ("[{\"id\": \"%s\", \"type\": \"run\", \"tool\": \"image-resize\", "
                         "\"units\": 10, \"outcome\": \"succeeded\", \"cost\": 1, "
                         "\"created_at\": \"2026-03-01T10:00:00.000Z\"}]", op_id);
  second = post_sync (token, test_response_int (first, "cursor"), ops);

  n = check_transfers (first, &flags_seen) + check_transfers (second, &flags_seen);
  /* grant, hold, post, lease; void, run, lease. */
  g_assert_cmpuint (n, >=, 7);
  g_assert_cmpuint (flags_seen & TALLY_TRANSFER_FLAG_PENDING, !=, 0);
  g_assert_cmpuint (flags_seen & TALLY_TRANSFER_FLAG_POST_PENDING, !=, 0);
  g_assert_cmpuint (flags_seen & TALLY_TRANSFER_FLAG_VOID_PENDING, !=, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-wire/transfers-round-trip", test_sync_transfers_round_trip);

  server = test_server_start (NULL);
  admin_token = test_admin_new (server, "wire-admin@example.com");
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  return status;
}
