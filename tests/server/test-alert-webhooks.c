/* test-alert-webhooks.c: outgoing webhooks: the endpoints, the address
 * rule, signed deliveries to a receiver in this process, retries while it
 * is down and a restart of the server in between
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

#define WAIT_SECONDS 30
/* image-resize with 10 images holds and costs 6: with a daily cap of 20,
 * two runs (12) cross 50 %, a third (18) 80 %. */
#define DAILY_CAP "{\"daily\": 20}"

static TestServer *server;
static char *admin;
static guint n_users;

/* --- the receiver: checks every signature with its own HMAC --- */

typedef struct
{
  SoupServer *soup;
  guint16     port;
  char       *secret;
  /* Each event id received, with how many times. */
  GHashTable *counts;
  /* The body of each delivery, in order. */
  GPtrArray  *bodies;
  guint       n_bad_signatures;
} Receiver;

static Receiver receiver;

/* "t=UNIX,v1=HEX": our own HMAC-SHA256 over "t.body", five minutes either
 * way. */
static gboolean
signature_is_valid (const char *header,
                    const char *body,
                    gsize       length)
{
  g_auto(GStrv) parts = header != NULL ? g_strsplit (header, ",", 2) : NULL;
  g_autoptr(GHmac) hmac = NULL;
  gint64 t;

  if (parts == NULL || g_strv_length (parts) != 2 || !g_str_has_prefix (parts[0], "t=") ||
      !g_str_has_prefix (parts[1], "v1="))
    return FALSE;

  t = g_ascii_strtoll (parts[0] + 2, NULL, 10);
  if (ABS (g_get_real_time () / G_USEC_PER_SEC - t) > 300)
    return FALSE;

  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) receiver.secret, strlen (receiver.secret));
  g_hmac_update (hmac, (const guchar *) parts[0] + 2, -1);
  g_hmac_update (hmac, (const guchar *) ".", 1);
  g_hmac_update (hmac, (const guchar *) body, (gssize) length);
  return g_str_equal (g_hmac_get_string (hmac), parts[1] + 3);
}

static void
on_hook (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Tally-Signature");
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  gsize length;
  const char *body = g_bytes_get_data (bytes, &length);
  g_autoptr(JsonNode) node = NULL;
  const char *id;

  if (!signature_is_valid (header, body, length))
    {
      receiver.n_bad_signatures++;
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }

  node = json_from_string (body, NULL);
  g_assert_nonnull (node);
  id = json_object_get_string_member (json_node_get_object (node), "id");
  g_hash_table_insert (receiver.counts, g_strdup (id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (receiver.counts,
                                                                                id)) + 1));
  g_ptr_array_add (receiver.bodies, g_strndup (body, length));
  soup_server_message_set_status (msg, 200, NULL);
}

static void
receiver_up (void)
{
  g_autoptr(GError) error = NULL;

  receiver.soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (receiver.soup, "/hook", on_hook, NULL, NULL);
  soup_server_listen_local (receiver.soup, receiver.port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
}

static void
receiver_down (void)
{
  soup_server_disconnect (receiver.soup);
  g_clear_object (&receiver.soup);
}

static guint
received (const char *id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (receiver.counts, id));
}

/* --- helpers --- */

static void
iterate (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (2000);
}

static char *
user_new (char account_id[37])
{
  g_autofree char *email = g_strdup_printf ("hooks-%u@example.com", ++n_users);

  return test_user_new (server, email, account_id);
}

static TestResponse *
create_webhook (TestServer *on,
                const char *token,
                const char *url)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, url);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  return test_request (on, "POST", "/v1/me/webhooks", token, body);
}

/* A webhook to the receiver; its secret becomes the receiver's. */
static char *
hook_up (const char *token)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hook", receiver.port);
  g_autoptr(TestResponse) r = create_webhook (server, token, url);

  g_assert_cmpuint (r->status, ==, 201);
  g_free (receiver.secret);
  receiver.secret = g_strdup (test_response_string (r, "secret"));
  return g_strdup (test_response_string (r, "id"));
}

static char *
funded_user_with_cap (void)
{
  g_autofree char *email = g_strdup_printf ("hooks-%u@example.com", ++n_users);

  return test_capped_user_new (server, admin, email, 1000, DAILY_CAP);
}

static JsonArray *
alert_ids (const char *token)
{
  g_autoptr(TestResponse) r = test_request (server, "GET", "/v1/alerts", token, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_ref (json_node_get_array (test_response_member (r, "items")));
}

static TestResponse *
deliveries (const char *token,
            const char *webhook_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/me/webhooks/%s/deliveries", webhook_id);

  return test_request (server, "GET", path, token, NULL);
}

/* Until every item of the deliveries log is @status with at least
 * @min_attempts, the receiver's main loop turning meanwhile. */
static TestResponse *
wait_for_deliveries (const char *token,
                     const char *webhook_id,
                     guint       n,
                     const char *status,
                     gint64      min_attempts)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(TestResponse) r = NULL;
      gint64 pause = g_get_monotonic_time () + 100 * 1000;
      JsonArray *items;
      guint matching = 0;

      while (g_get_monotonic_time () < pause)
        iterate ();

      r = deliveries (token, webhook_id);
      g_assert_cmpuint (r->status, ==, 200);
      items = json_node_get_array (test_response_member (r, "items"));
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);

          if (g_str_equal (json_object_get_string_member (item, "status"), status) &&
              json_object_get_int_member (item, "attempts") >= min_attempts)
            matching++;
        }
      if (json_array_get_length (items) == n && matching == n)
        return g_steal_pointer (&r);
    }

  g_error ("the deliveries never were %u × %s after %" G_GINT64_FORMAT " attempts", n, status,
           min_attempts);
}

/* --- tests --- */

static void
test_webhook_endpoints (void)
{
  g_autofree char *token = user_new (NULL);
  g_autofree char *other = user_new (NULL);
  g_autoptr(TestResponse) created = create_webhook (server, token, "https://hooks.example.com/t");
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autofree char *path = NULL;
  const char *id;

  g_assert_cmpuint (created->status, ==, 201);
  id = test_response_string (created, "id");
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (test_response_string (created, "url"), ==, "https://hooks.example.com/t");
  g_assert_true (g_str_has_prefix (test_response_string (created, "secret"), "whsec_"));
  g_assert_cmpuint (strlen (test_response_string (created, "secret")), >, 40);
  g_assert_nonnull (test_response_string (created, "created_at"));

  /* The list never shows the secret again. */
  list = test_request (server, "GET", "/v1/me/webhooks", token, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==, id);
  g_assert_null (test_response_member (list, "items.0.secret"));
  g_assert_null (test_response_member (list, "items.1"));
  g_assert_null (strstr (list->body, test_response_string (created, "secret")));

  /* Another user's webhook does not exist for them. */
  path = g_strdup_printf ("/v1/me/webhooks/%s", id);
  r = test_request (server, "DELETE", path, other, NULL);
  test_assert_error (r, 404, "not_found", NULL);
  g_clear_pointer (&r, test_response_free);
  r = deliveries (other, id);
  test_assert_error (r, 404, "not_found", NULL);
  g_clear_pointer (&r, test_response_free);
  r = test_request (server, "DELETE", "/v1/me/webhooks/not-a-uuid", token, NULL);
  test_assert_error (r, 404, "not_found", NULL);

  g_clear_pointer (&r, test_response_free);
  r = test_request (server, "DELETE", path, token, NULL);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, test_response_free);
  r = test_request (server, "DELETE", path, token, NULL);
  test_assert_error (r, 404, "not_found", NULL);
  g_clear_pointer (&list, test_response_free);
  list = test_request (server, "GET", "/v1/me/webhooks", token, NULL);
  g_assert_null (test_response_member (list, "items.0"));
}

static void
test_webhook_bad_urls (void)
{
  g_autofree char *token = user_new (NULL);
  g_autofree char *huge = NULL;
  g_autoptr(TestResponse) list = NULL;
  GString *long_url = g_string_new ("https://hooks.example.com/");
  const char *urls[] = { "ftp://hooks.example.com/x", "file:///etc/passwd", "not a url",
                         "javascript:alert(1)", "http://", "https://user:pw@hooks.example.com/",
                         "" };
  const char *bodies[] = { "{}", "{\"url\": 5}", "{\"url\": null}", "{\"url\": [\"x\"]}" };

  while (long_url->len < 10 * 1024)
    g_string_append (long_url, "aaaaaaaaaa");
  huge = g_string_free (long_url, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(TestResponse) r = create_webhook (server, token, urls[i]);

      g_test_message ("%s", urls[i]);
      test_assert_error (r, 400, "invalid_field", "url");
    }
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(TestResponse) r = test_request (server, "POST", "/v1/me/webhooks", token,
                                                bodies[i]);

      test_assert_error (r, 400, "invalid_field", "url");
    }
  {
    g_autoptr(TestResponse) r = create_webhook (server, token, huge);

    test_assert_error (r, 400, "invalid_field", "url");
  }

  list = test_request (server, "GET", "/v1/me/webhooks", token, NULL);
  g_assert_null (test_response_member (list, "items.0"));
}

/* Without [webhooks] allow-private the server refuses to call into its own
 * network, whatever way the address is written. */
static void
test_webhook_private_addresses (void)
{
  g_autoptr(TestServer) strict = test_server_start_quiet (NULL);
  g_autofree char *token = test_user_new (strict, "strict@example.com", NULL);
  g_autoptr(TestResponse) ok = NULL;
  g_autoptr(TestResponse) list = NULL;
  const char *urls[] = {
    "http://127.0.0.1:8470/hook", "http://127.1.2.3/", "http://localhost/hook",
    "http://10.0.0.5/", "http://172.16.4.4/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/", "http://100.64.0.1/",
    "http://[::1]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/", "http://[::]/", "https://224.0.0.1/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(TestResponse) r = create_webhook (strict, token, urls[i]);

      g_test_message ("%s", urls[i]);
      test_assert_error (r, 400, "invalid_field", "url");
    }

  list = test_request (strict, "GET", "/v1/me/webhooks", token, NULL);
  g_assert_null (test_response_member (list, "items.0"));

  /* A public address (a literal, so no DNS is needed) is taken. */
  ok = create_webhook (strict, token, "http://93.184.216.34/hook");
  g_assert_cmpuint (ok->status, ==, 201);
}

static void
assert_event (const char *body,
              const char *id)
{
  g_autoptr(JsonNode) node = json_from_string (body, NULL);
  JsonObject *event = json_node_get_object (node);
  JsonObject *alert;

  g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, "alert");
  g_assert_nonnull (json_object_get_string_member (event, "created_at"));
  alert = json_object_get_object_member (json_object_get_object_member (event, "data"), "alert");
  g_assert_cmpstr (json_object_get_string_member (alert, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (alert, "kind"), ==, "spend");
  g_assert_cmpstr (json_object_get_string_member (alert, "window"), ==, "day");
}

static void
test_webhook_delivered_signed (void)
{
  g_autofree char *token = funded_user_with_cap ();
  g_autofree char *hook = hook_up (token);
  g_autoptr(TestResponse) log = NULL;
  g_autoptr(JsonArray) alerts = NULL;
  const char *id;

  g_ptr_array_set_size (receiver.bodies, 0);
  test_runs_start (server, token, 2);
  log = wait_for_deliveries (token, hook, 1, "delivered", 1);

  alerts = alert_ids (token);
  g_assert_cmpuint (json_array_get_length (alerts), ==, 1);
  id = json_object_get_string_member (json_array_get_object_element (alerts, 0), "id");
  g_assert_cmpuint (received (id), ==, 1);
  g_assert_cmpuint (receiver.n_bad_signatures, ==, 0);
  g_assert_cmpuint (receiver.bodies->len, ==, 1);
  assert_event (g_ptr_array_index (receiver.bodies, 0), id);

  g_assert_cmpstr (test_response_string (log, "items.0.event_id"), ==, id);
  g_assert_cmpstr (test_response_string (log, "items.0.type"), ==, "alert");
  g_assert_cmpint (test_response_int (log, "items.0.attempts"), ==, 1);
  g_assert_cmpint (test_response_int (log, "items.0.response_status"), ==, 200);
  g_assert_nonnull (test_response_string (log, "items.0.last_attempt_at"));
}

/* The receiver is down for a while and the server restarts meanwhile:
 * each event arrives once, with its id, after the attempts the log shows. */
static void
test_webhook_retried_across_restart (void)
{
  g_autofree char *token = funded_user_with_cap ();
  g_autofree char *hook = hook_up (token);
  g_autoptr(TestResponse) failing = NULL;
  g_autoptr(TestResponse) log = NULL;
  g_autoptr(JsonArray) alerts = NULL;

  receiver_down ();
  g_ptr_array_set_size (receiver.bodies, 0);
  test_runs_start (server, token, 3);

  /* Two alerts (50 and 80 %), each tried and failed twice at least: the
   * backoff shows in the log, no answer recorded. */
  failing = wait_for_deliveries (token, hook, 2, "pending", 2);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (failing, "items.0.response_status")));
  g_assert_nonnull (test_response_string (failing, "items.0.next_attempt_at"));

  test_server_restart (server);
  receiver_up ();
  log = wait_for_deliveries (token, hook, 2, "delivered", 3);

  alerts = alert_ids (token);
  g_assert_cmpuint (json_array_get_length (alerts), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (alerts, i),
                                                      "id");

      g_assert_cmpuint (received (id), ==, 1);
    }
  g_assert_cmpuint (receiver.bodies->len, ==, 2);
  g_assert_cmpuint (receiver.n_bad_signatures, ==, 0);
}

static void
test_webhook_concurrent_runs_once (void)
{
  g_autofree char *token = test_capped_user_new (server, admin, "hooks-many@example.com", 2000,
                                                 "{\"daily\": 350}");
  g_autofree char *hook = hook_up (token);
  g_autoptr(TestResponse) log = NULL;
  g_autoptr(JsonArray) alerts = NULL;

  g_ptr_array_set_size (receiver.bodies, 0);
  /* 50 runs of 6 credits from 10 clients at once: 300 of a daily cap of
   * 350, past 50 and 80 %. */
  test_runs_at_once (server, token, 10, 5);
  log = wait_for_deliveries (token, hook, 2, "delivered", 1);

  alerts = alert_ids (token);
  g_assert_cmpuint (json_array_get_length (alerts), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpuint (received (json_object_get_string_member (
                        json_array_get_object_element (alerts, i), "id")), ==, 1);
  g_assert_cmpuint (receiver.bodies->len, ==, 2);
  g_assert_cmpuint (receiver.n_bad_signatures, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = { "--webhooks-allow-private=true", "--webhooks-retry-base=1", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  receiver.port = test_free_port ();
  receiver.counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  receiver.bodies = g_ptr_array_new_with_free_func (g_free);
  receiver_up ();
  server = test_server_start_quiet (args);
  admin = test_admin_new (server, "hooks-admin@example.com");

  g_test_add_func ("/alert-webhooks/endpoints", test_webhook_endpoints);
  g_test_add_func ("/alert-webhooks/bad-urls", test_webhook_bad_urls);
  g_test_add_func ("/alert-webhooks/private-addresses", test_webhook_private_addresses);
  g_test_add_func ("/alert-webhooks/delivered-signed", test_webhook_delivered_signed);
  g_test_add_func ("/alert-webhooks/concurrent-runs-once", test_webhook_concurrent_runs_once);
  g_test_add_func ("/alert-webhooks/retried-across-restart", test_webhook_retried_across_restart);

  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  if (receiver.soup != NULL)
    receiver_down ();
  g_hash_table_unref (receiver.counts);
  g_ptr_array_unref (receiver.bodies);
  g_free (receiver.secret);
  return status;
}
