/* test-alerts.c: alert settings, thresholds that fire once per window,
 * low balance, the history and the WebSocket
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

#define WAIT_MS 5000
#define N_RUNS  50
/* image-resize with 10 images holds 6 credits and costs 6 when all were
 * done: 50 runs spend 300, 85 % of the cap, past 50 and 80, short of 100. */
#define DAILY_CAP 350
#define RUN_COST  6

static TestServer *server;
static char *admin;
static guint n_users;

static char *
user_new (char account_id[37])
{
  g_autofree char *email = g_strdup_printf ("alerts-%u@example.com", ++n_users);

  return test_user_new (server, email, account_id);
}

/* --- settings --- */

static void
assert_default_settings (TestResponse *r)
{
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (test_response_int (r, "thresholds.0"), ==, 50);
  g_assert_cmpint (test_response_int (r, "thresholds.1"), ==, 80);
  g_assert_cmpint (test_response_int (r, "thresholds.2"), ==, 100);
  g_assert_null (test_response_member (r, "thresholds.3"));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (r, "low_balance")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (r, "quiet_hours")));
  g_assert_true (json_node_get_boolean (test_response_member (r, "channels.app")));
  g_assert_true (json_node_get_boolean (test_response_member (r, "channels.desktop")));
  g_assert_true (json_node_get_boolean (test_response_member (r, "channels.email")));
  g_assert_true (json_node_get_boolean (test_response_member (r, "channels.webhook")));
}

static void
test_alert_settings_merge (void)
{
  g_autofree char *token = user_new (NULL);
  g_autoptr(TestResponse) r = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_autoptr(TestResponse) put = NULL;
  g_autoptr(TestResponse) again = NULL;

  assert_default_settings (r);

  put = test_request (server, "PUT", "/v1/me/alerts", token,
                      "{\"thresholds\": [90, 25, 90], \"channels\": {\"email\": false}}");
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpint (test_response_int (put, "thresholds.0"), ==, 25);
  g_assert_cmpint (test_response_int (put, "thresholds.1"), ==, 90);
  g_assert_null (test_response_member (put, "thresholds.2"));
  g_assert_false (json_node_get_boolean (test_response_member (put, "channels.email")));
  /* Channels merge key by key. */
  g_assert_true (json_node_get_boolean (test_response_member (put, "channels.app")));
  g_assert_true (json_node_get_boolean (test_response_member (put, "channels.webhook")));

  g_clear_pointer (&put, test_response_free);
  put = test_request (server, "PUT", "/v1/me/alerts", token,
                      "{\"low_balance\": 40, \"quiet_hours\": {\"start\": \"22:00\", "
                      "\"end\": \"07:30\"}, \"unknown\": 1}");
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpint (test_response_int (put, "low_balance"), ==, 40);
  g_assert_cmpstr (test_response_string (put, "quiet_hours.start"), ==, "22:00");
  g_assert_cmpstr (test_response_string (put, "quiet_hours.end"), ==, "07:30");
  g_assert_cmpint (test_response_int (put, "thresholds.1"), ==, 90);

  again = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_assert_cmpstr (again->body, ==, put->body);

  g_clear_pointer (&put, test_response_free);
  put = test_request (server, "PUT", "/v1/me/alerts", token,
                      "{\"low_balance\": null, \"quiet_hours\": null, \"thresholds\": []}");
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (put, "low_balance")));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (put, "quiet_hours")));
  g_assert_null (test_response_member (put, "thresholds.0"));
}

static char *
many_thresholds (guint n)
{
  GString *body = g_string_new ("{\"thresholds\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (body, "%s%u", i > 0 ? ", " : "", 1 + i % 100);
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static void
test_alert_settings_bad_input (void)
{
  g_autofree char *token = user_new (NULL);
  g_autofree char *eleven = many_thresholds (11);
  g_autofree char *ten_thousand = many_thresholds (10000);
  g_autoptr(TestResponse) before = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_autoptr(TestResponse) after = NULL;
  const struct { const char *body; const char *field; } cases[] = {
    { "{\"thresholds\": [0]}", "thresholds" },
    { "{\"thresholds\": [101]}", "thresholds" },
    { "{\"thresholds\": [-5]}", "thresholds" },
    { "{\"thresholds\": [\"50\"]}", "thresholds" },
    { "{\"thresholds\": [50.5]}", "thresholds" },
    { "{\"thresholds\": [null]}", "thresholds" },
    { "{\"thresholds\": [[50]]}", "thresholds" },
    { "{\"thresholds\": 50}", "thresholds" },
    { "{\"thresholds\": null}", "thresholds" },
    { eleven, "thresholds" },
    { ten_thousand, "thresholds" },
    { "{\"thresholds\": [50], \"low_balance\": \"ten\"}", "low_balance" },
    { "{\"low_balance\": -1}", "low_balance" },
    { "{\"low_balance\": 1e3}", "low_balance" },
    { "{\"low_balance\": 99999999999999999}", "low_balance" },
    { "{\"channels\": {\"email\": \"yes\"}}", "channels.email" },
    { "{\"channels\": {\"app\": 1}}", "channels.app" },
    { "{\"channels\": true}", "channels" },
    { "{\"quiet_hours\": \"22:00-07:00\"}", "quiet_hours" },
    { "{\"quiet_hours\": {\"start\": \"24:00\", \"end\": \"07:00\"}}", "quiet_hours.start" },
    { "{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"7:00\"}}", "quiet_hours.end" },
    { "{\"quiet_hours\": {\"start\": \"22:60\", \"end\": \"07:00\"}}", "quiet_hours.start" },
    { "{\"quiet_hours\": {\"start\": \"22:00\"}}", "quiet_hours.end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) r = test_request (server, "PUT", "/v1/me/alerts", token,
                                                cases[i].body);

      g_test_message ("case %u", i);
      test_assert_error (r, 400, "invalid_field", cases[i].field);
    }

  {
    g_autoptr(TestResponse) r = test_request (server, "PUT", "/v1/me/alerts", token, "{\"th");

    test_assert_error (r, 400, "invalid_json", NULL);
  }

  after = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_assert_cmpstr (after->body, ==, before->body);
  assert_default_settings (after);
}

/* --- the WebSocket --- */

typedef struct
{
  SoupSession             *session;
  SoupMessage             *msg;
  SoupWebsocketConnection *connection;
  gboolean                 done;
  /* The alert items pushed, as JsonNodes. */
  GPtrArray               *alerts;
} Listener;

static void
iterate (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (1000);
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            Listener                *listener)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *object;

  g_assert_nonnull (node);
  object = json_node_get_object (node);
  if (g_strcmp0 (json_object_get_string_member (object, "type"), "alert") == 0)
    g_ptr_array_add (listener->alerts, json_node_copy (json_object_get_member (object, "alert")));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Listener *listener = data;
  g_autoptr(GError) error = NULL;

  listener->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                                &error);
  g_assert_no_error (error);
  g_signal_connect (listener->connection, "message", G_CALLBACK (on_message), listener);
  listener->done = TRUE;
}

static Listener *
listener_connect (const char *token)
{
  Listener *listener = g_new0 (Listener, 1);
  g_autofree char *url = g_strconcat (server->base_url, "/v1/events", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  listener->alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  listener->session = test_session_new ();
  listener->msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (listener->msg),
                                "Authorization", bearer);
  soup_session_websocket_connect_async (listener->session, listener->msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, on_connected, listener);
  while (!listener->done && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_true (listener->done);
  return listener;
}

static void
listener_free (Listener *listener)
{
  g_signal_handlers_disconnect_by_data (listener->connection, listener);
  soup_websocket_connection_close (listener->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&listener->connection);
  g_clear_object (&listener->msg);
  g_clear_object (&listener->session);
  g_ptr_array_unref (listener->alerts);
  g_free (listener);
}

/* Lets pushes arrive: until @n alerts came, and a little longer, so that
 * one too many would be seen. */
static void
listen_for (Listener *listener,
            guint     n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gint64 settle;

  while (listener->alerts->len < n && g_get_monotonic_time () < deadline)
    iterate ();
  settle = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < settle)
    iterate ();
}

/* --- many runs at once --- */

typedef struct
{
  const char *token;
  guint       n_runs;
} Spender;

static void
run_once (const char  *token,
          SoupSession *session)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": {\"images\": 10}}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) r = test_request_on (server, session, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) done = NULL;

  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpint (test_response_int (r, "run.held"), ==, RUN_COST);
  done = test_request_on (server, session, "POST", path, token,
                          "{\"outcome\": \"succeeded\", \"units\": 10}");
  g_assert_cmpuint (done->status, ==, 200);
}

static gpointer
spend_thread (gpointer data)
{
  Spender *spender = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = 0; i < spender->n_runs; i++)
    run_once (spender->token, session);
  return NULL;
}

/* N_RUNS runs from 10 clients at once, the main loop turning meanwhile so
 * the listener hears the pushes. */
static void
spend_concurrently (const char *token)
{
  Spender spender = { token, N_RUNS / 10 };
  GThread *threads[10];
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("spender", spend_thread, &spender);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      while (g_get_monotonic_time () < deadline && g_main_context_iteration (NULL, FALSE))
        ;
      g_thread_join (threads[i]);
    }
}

static JsonArray *
list_alerts (const char *token,
             const char *query)
{
  g_autofree char *path = g_strconcat ("/v1/alerts", query, NULL);
  g_autoptr(TestResponse) r = test_request (server, "GET", path, token, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_ref (json_node_get_array (test_response_member (r, "items")));
}

static void
assert_spend_alert (JsonObject *alert,
                    const char *window,
                    gint64      threshold,
                    gint64      limit)
{
  g_assert_cmpstr (json_object_get_string_member (alert, "kind"), ==, "spend");
  g_assert_cmpstr (json_object_get_string_member (alert, "window"), ==, window);
  g_assert_cmpint (json_object_get_int_member (alert, "threshold"), ==, threshold);
  g_assert_cmpint (json_object_get_int_member (alert, "limit"), ==, limit);
  g_assert_cmpint (json_object_get_int_member (alert, "amount") * 100, >=, threshold * limit);
  g_assert_cmpuint (strlen (json_object_get_string_member (alert, "id")), ==, 36);
  g_assert_nonnull (json_object_get_string_member (alert, "created_at"));
  g_assert_cmpstr (json_object_get_string_member (alert, "message"), !=, "");
}

/* The two alerts of a day, newest first: 80 then 50. */
static void
assert_day_alerts (JsonArray *items,
                   guint      first)
{
  assert_spend_alert (json_array_get_object_element (items, first), "day", 80, DAILY_CAP);
  assert_spend_alert (json_array_get_object_element (items, first + 1), "day", 50, DAILY_CAP);
}

static gint64
metric (const char *line)
{
  g_autoptr(TestResponse) r = test_request (server, "GET", "/metrics", NULL, NULL);
  const char *at = strstr (r->body, line);

  if (at == NULL)
    return 0;
  return g_ascii_strtoll (at + strlen (line), NULL, 10);
}

static void
set_daily_cap (const char *token)
{
  g_autofree char *body = g_strdup_printf ("{\"daily\": %d}", DAILY_CAP);
  g_autoptr(TestResponse) r = test_request (server, "PUT", "/v1/me/limits", token, body);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_alert_once_per_window (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(JsonArray) next_day = NULL;
  gint64 counted = metric ("tally_alerts_total{kind=\"spend\"} ");
  Listener *listener;

  test_grant (server, admin, account_id, 2000);
  set_daily_cap (token);
  listener = listener_connect (token);

  spend_concurrently (token);
  listen_for (listener, 2);

  items = list_alerts (token, "");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  assert_day_alerts (items, 0);
  g_assert_cmpuint (listener->alerts->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *pushed = json_node_get_object (g_ptr_array_index (listener->alerts, i));
      JsonObject *stored = json_array_get_object_element (items, 1 - i);

      g_assert_cmpstr (json_object_get_string_member (pushed, "id"), ==,
                       json_object_get_string_member (stored, "id"));
      g_assert_cmpint (json_object_get_int_member (pushed, "threshold"), ==,
                       json_object_get_int_member (stored, "threshold"));
    }
  g_assert_cmpint (metric ("tally_alerts_total{kind=\"spend\"} "), ==, counted + 2);
  listener_free (listener);

  /* The next day is a new window: the same spending fires again. */
  g_setenv ("TALLY_SERVER_CLOCK_OFFSET", "86400", TRUE);
  test_server_restart (server);
  g_unsetenv ("TALLY_SERVER_CLOCK_OFFSET");
  listener = listener_connect (token);
  spend_concurrently (token);
  listen_for (listener, 2);
  g_assert_cmpuint (listener->alerts->len, ==, 2);
  listener_free (listener);

  next_day = list_alerts (token, "");
  g_assert_cmpuint (json_array_get_length (next_day), ==, 4);
  assert_day_alerts (next_day, 0);
  assert_day_alerts (next_day, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (next_day, 2),
                                                  "id"), ==,
                   json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "id"));

  /* The server comes back on today's clock for the other tests. */
  test_server_restart (server);
}

/* --- low balance and the per-run cap --- */

static void
authorize (const char *token,
           guint       images)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": {\"images\": %u}}", id, images);
  g_autoptr(TestResponse) r = test_request (server, "POST", "/v1/runs", token, body);

  g_assert_cmpuint (r->status, ==, 201);
}

static guint
count_kind (const char *token,
            const char *kind)
{
  g_autoptr(JsonArray) items = list_alerts (token, "");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    "kind"), kind))
      n++;
  return n;
}

static void
test_alert_low_balance_rearms (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(TestResponse) put = NULL;
  g_autoptr(JsonArray) items = NULL;
  JsonObject *alert;

  put = test_request (server, "PUT", "/v1/me/alerts", token, "{\"low_balance\": 100}");
  g_assert_cmpuint (put->status, ==, 200);
  test_grant (server, admin, account_id, 118);

  /* 118, 112, 106, 100: fires at 100, not again at 94. */
  for (guint i = 0; i < 2; i++)
    authorize (token, 10);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 0);
  authorize (token, 10);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 1);
  authorize (token, 10);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 1);

  items = list_alerts (token, "");
  alert = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (alert, "kind"), ==, "low_balance");
  g_assert_true (json_object_get_null_member (alert, "window"));
  g_assert_cmpint (json_object_get_int_member (alert, "threshold"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (alert, "limit"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (alert, "amount"), ==, 100);

  /* Above again (a grant) re-arms it; the next fall fires again. */
  test_grant (server, admin, account_id, 10);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 1);
  authorize (token, 10);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 2);
}

typedef struct
{
  TestServer *server;
  const char *token;
  char       *id;
  guint       status;
  gint        answered;
} Authorization;

static gpointer
authorize_thread (gpointer data)
{
  Authorization *run = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": {\"images\": 10}}", run->id);
  g_autoptr(TestResponse) r = test_request_on (run->server, session, "POST", "/v1/runs",
                                               run->token, body);

  run->status = r->status;
  g_atomic_int_set (&run->answered, TRUE);
  return NULL;
}

/* Starts the run on a thread of its own and waits until it is committed
 * (readable), which must be before it is answered. */
static GThread *
start_committed (Authorization *run)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", run->id);
  GThread *thread = g_thread_new ("authorize", authorize_thread, run);

  for (;;)
    {
      g_autoptr(TestResponse) r = test_request (server, "GET", path, run->token, NULL);

      if (r->status == 200)
        break;
      g_assert_false (g_atomic_int_get (&run->answered));
    }
  g_assert_false (g_atomic_int_get (&run->answered));
  return thread;
}

/* The second of two groups fires the alert while the first waits for its
 * fdatasync (slowed to a second): the first's announcement pushes nothing,
 * the second's pushes the alert. */
static void
test_alert_pushed_when_durable (void)
{
  TestServer *shared = server;
  char *shared_admin = admin;
  g_autoptr(TestServer) slow = NULL;
  g_autofree char *slow_admin = NULL, *token = NULL;
  g_autofree char *first_id = g_uuid_string_random (), *second_id = g_uuid_string_random ();
  g_autoptr(TestResponse) put = NULL;
  Authorization first = { 0 }, second = { 0 };
  GThread *first_thread, *second_thread;
  Listener *listener;
  char account_id[37];
  gint64 settle;

  /* PostgreSQL's commits are durable: no window before an fsync to see. */
  if (test_skip_unless_sqlite ())
    return;

  g_setenv ("TALLY_TEST_SYNC_DELAY_MS", "1000", TRUE);
  slow = test_server_start (NULL);
  g_unsetenv ("TALLY_TEST_SYNC_DELAY_MS");
  server = slow;
  admin = slow_admin = test_admin_new (server, "slow-admin@example.com");

  token = user_new (account_id);
  put = test_request (server, "PUT", "/v1/me/alerts", token, "{\"low_balance\": 100}");
  g_assert_cmpuint (put->status, ==, 200);
  /* 112, then 106 (the first run), then 100 (the second fires). */
  test_grant (server, admin, account_id, 112);
  listener = listener_connect (token);
  /* Answered once everything before it is durable: the syncer is idle,
   * so the first run gets a sync of its own. */
  g_clear_pointer (&put, test_response_free);
  put = test_request (server, "PUT", "/v1/me/alerts", token, "{\"low_balance\": 100}");
  g_assert_cmpuint (put->status, ==, 200);

  first = (Authorization) { server, token, first_id };
  second = (Authorization) { server, token, second_id };
  first_thread = start_committed (&first);
  /* Time for the syncer to take the first alone. */
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  second_thread = start_committed (&second);

  while (!g_atomic_int_get (&first.answered))
    iterate ();
  settle = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < settle)
    iterate ();
  g_assert_cmpuint (listener->alerts->len, ==, 0);
  g_assert_false (g_atomic_int_get (&second.answered));

  g_thread_join (first_thread);
  g_thread_join (second_thread);
  g_assert_cmpuint (first.status, ==, 201);
  g_assert_cmpuint (second.status, ==, 201);
  listen_for (listener, 1);
  g_assert_cmpuint (listener->alerts->len, ==, 1);
  g_assert_cmpuint (count_kind (token, "low_balance"), ==, 1);

  listener_free (listener);
  server = shared;
  admin = shared_admin;
}

static void
test_alert_per_run_cap (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(TestResponse) limits = NULL;
  g_autoptr(JsonArray) items = NULL;

  test_grant (server, admin, account_id, 100);
  limits = test_request (server, "PUT", "/v1/me/limits", token, "{\"per_run\": 10}");
  g_assert_cmpuint (limits->status, ==, 200);

  /* 6 of 10: past 50, once for each run. */
  authorize (token, 10);
  authorize (token, 10);
  authorize (token, 1);
  items = list_alerts (token, "");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  assert_spend_alert (json_array_get_object_element (items, 0), "run", 50, 10);
  assert_spend_alert (json_array_get_object_element (items, 1), "run", 50, 10);
}

static void
test_alert_history_pages (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autofree char *other = user_new (NULL);
  g_autoptr(TestResponse) put = NULL;
  g_autoptr(TestResponse) first = NULL;
  g_autoptr(TestResponse) second = NULL;
  g_autoptr(TestResponse) bad = NULL;
  g_autoptr(JsonArray) mine = NULL;
  g_autoptr(JsonArray) none = NULL;
  g_autoptr(JsonArray) later = NULL;
  g_autofree char *path = NULL;

  test_grant (server, admin, account_id, 100);
  put = test_request (server, "PUT", "/v1/me/limits", token, "{\"per_run\": 6}");
  g_assert_cmpuint (put->status, ==, 200);
  g_clear_pointer (&put, test_response_free);
  put = test_request (server, "PUT", "/v1/me/alerts", token, "{\"thresholds\": [10, 20, 30]}");
  g_assert_cmpuint (put->status, ==, 200);
  authorize (token, 10);

  first = test_request (server, "GET", "/v1/alerts?limit=2", token, NULL);
  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpint (test_response_int (first, "items.0.threshold"), ==, 30);
  g_assert_cmpint (test_response_int (first, "items.1.threshold"), ==, 20);
  g_assert_nonnull (test_response_string (first, "next_cursor"));
  path = g_strdup_printf ("/v1/alerts?limit=2&cursor=%s", test_response_string (first,
                                                                                "next_cursor"));
  second = test_request (server, "GET", path, token, NULL);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpint (test_response_int (second, "items.0.threshold"), ==, 10);
  g_assert_null (test_response_member (second, "items.1"));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (second, "next_cursor")));

  /* Another user sees none of them; a time range outside sees none. */
  none = list_alerts (other, "");
  g_assert_cmpuint (json_array_get_length (none), ==, 0);
  later = list_alerts (token, "?since=2999-01-01T00:00:00Z");
  g_assert_cmpuint (json_array_get_length (later), ==, 0);
  mine = list_alerts (token, "?until=2999-01-01T00:00:00Z");
  g_assert_cmpuint (json_array_get_length (mine), ==, 3);

  bad = test_request (server, "GET", "/v1/alerts?cursor=nonsense", token, NULL);
  test_assert_error (bad, 400, "invalid_field", "cursor");
  g_clear_pointer (&bad, test_response_free);
  bad = test_request (server, "GET", "/v1/alerts?limit=-1", token, NULL);
  test_assert_error (bad, 400, "invalid_field", "limit");
  g_clear_pointer (&bad, test_response_free);
  bad = test_request (server, "GET", "/v1/alerts", NULL, NULL);
  g_assert_cmpuint (bad->status, ==, 401);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = test_server_start_quiet (NULL);
  admin = test_admin_new (server, "alerts-admin@example.com");

  g_test_add_func ("/alerts/settings-merge", test_alert_settings_merge);
  g_test_add_func ("/alerts/settings-bad-input", test_alert_settings_bad_input);
  g_test_add_func ("/alerts/once-per-window", test_alert_once_per_window);
  g_test_add_func ("/alerts/low-balance-rearms", test_alert_low_balance_rearms);
  g_test_add_func ("/alerts/per-run-cap", test_alert_per_run_cap);
  g_test_add_func ("/alerts/history-pages", test_alert_history_pages);
  g_test_add_func ("/alerts/pushed-when-durable", test_alert_pushed_when_durable);

  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
