/* test-events.c: GET /v1/events with a real WebSocket client
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

/* Generous: the assertion is that a message comes at all; how fast it
 * came is printed, never asserted. */
#define WAIT_MS 5000

static TestServer *server;
static char *admin_token;
static guint n_users;

typedef struct
{
  SoupSession             *session;
  SoupMessage             *msg;
  SoupWebsocketConnection *connection;
  GError                  *error;
  gboolean                 done;
  /* JsonNode of each message, with its arrival in received_at. */
  GQueue                   messages;
  GQueue                   received_at;
} Listener;

static char *
user_new (char account_id[37])
{
  g_autofree char *email = g_strdup_printf ("events-%u@example.com", ++n_users);

  return test_user_new (server, email, account_id);
}

/* One turn of the main loop, or a millisecond's nap when it is idle. */
static void
iterate (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (1000);
}

/* Runs the main loop until @done is set or @timeout_ms have passed. */
static gboolean
wait_for (gboolean *done,
          guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*done && g_get_monotonic_time () < deadline)
    iterate ();

  return *done;
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            Listener                *listener)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  JsonNode *node = json_from_string (text, NULL);
  gint64 now = g_get_monotonic_time ();

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_queue_push_tail (&listener->messages, node);
  g_queue_push_tail (&listener->received_at, g_memdup2 (&now, sizeof now));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Listener *listener = data;

  listener->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                                &listener->error);
  if (listener->connection != NULL)
    g_signal_connect (listener->connection, "message", G_CALLBACK (on_message), listener);
  listener->done = TRUE;
}

static Listener *
listener_connect (const char *token)
{
  Listener *listener = g_new0 (Listener, 1);
  g_autofree char *url = g_strconcat (server->base_url, "/v1/events", NULL);

  listener->session = test_session_new ();
  listener->msg = soup_message_new ("GET", url);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (listener->msg),
                                    "Authorization", bearer);
    }

  soup_session_websocket_connect_async (listener->session, listener->msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, on_connected, listener);
  g_assert_true (wait_for (&listener->done, WAIT_MS));
  return listener;
}

/* The server answers a close before it forgets the connection. */
static void
wait_closed (SoupWebsocketConnection *connection)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (soup_websocket_connection_get_state (connection) != SOUP_WEBSOCKET_STATE_CLOSED &&
         g_get_monotonic_time () < deadline)
    iterate ();
}

static void
listener_free (Listener *listener)
{
  if (listener->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (listener->connection, listener);
      if (soup_websocket_connection_get_state (listener->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (listener->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      wait_closed (listener->connection);
      g_clear_object (&listener->connection);
    }
  g_queue_clear_full (&listener->messages, (GDestroyNotify) json_node_unref);
  g_queue_clear_full (&listener->received_at, g_free);
  g_clear_error (&listener->error);
  g_clear_object (&listener->msg);
  g_clear_object (&listener->session);
  g_free (listener);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listener, listener_free)

/* The next message of @type, skipping others; NULL after WAIT_MS. */
static JsonObject *
next_message (Listener   *listener,
              const char *type,
              gint64     *received_at)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      while (!g_queue_is_empty (&listener->messages))
        {
          g_autoptr(JsonNode) node = g_queue_pop_head (&listener->messages);
          g_autofree gint64 *at = g_queue_pop_head (&listener->received_at);
          JsonObject *object = json_node_get_object (node);

          if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""),
                         type) != 0)
            continue;
          if (received_at != NULL)
            *received_at = *at;
          return json_object_ref (object);
        }

      iterate ();
    }

  return NULL;
}

typedef struct
{
  gboolean done;
  guint    status;
  gint64   answered_at;
} Sent;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Sent *sent = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              NULL);

  sent->answered_at = g_get_monotonic_time ();
  sent->status = soup_message_get_status (msg);
  sent->done = TRUE;
}

/* A grant sent without blocking the main loop, so the WebSocket message
 * is seen the moment it arrives. */
static void
grant_async (SoupSession *session,
             const char  *account_id,
             gint64       amount,
             Sent        *sent)
{
  g_autofree char *url = g_strconcat (server->base_url, "/v1/admin/grants", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", admin_token, NULL);
  g_autofree char *body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": %"
                                           G_GINT64_FORMAT ", \"reason\": \"test\"}",
                                           account_id, amount);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, sent);
}

static void
test_refused_without_token (void)
{
  const char *tokens[] = { NULL, "", "garbage", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(TestResponse) plain = NULL, anonymous = NULL, posted = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(Listener) listener = listener_connect (tokens[i]);

      g_assert_null (listener->connection);
      g_assert_error (listener->error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET);
      g_assert_cmpuint (soup_message_get_status (listener->msg), ==, 401);
    }

  /* Plain HTTP: 401 without a token, then a JSON 426 with one. */
  anonymous = test_request (server, "GET", "/v1/events", NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);
  g_assert_cmpstr (test_response_error (anonymous), ==, "unauthorized");
  plain = test_request (server, "GET", "/v1/events", token, NULL);
  g_assert_cmpuint (plain->status, ==, 426);
  g_assert_cmpstr (test_response_error (plain), ==, "upgrade_required");
  posted = test_request (server, "POST", "/v1/events", token, "{}");
  g_assert_cmpuint (posted->status, ==, 405);
}

static void
test_balance_after_grant (void)
{
  char account_id[37];
  g_autofree char *token = NULL;
  g_autoptr(Listener) listener = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(SoupSession) session = test_session_new ();
  JsonObject *account;
  Sent sent = { FALSE, 0, 0 };
  gint64 started, received_at = 0;

  token = user_new (account_id);
  listener = listener_connect (token);
  g_assert_no_error (listener->error);
  g_assert_nonnull (listener->connection);

  started = g_get_monotonic_time ();
  grant_async (session, account_id, 250, &sent);
  message = next_message (listener, "balance", &received_at);
  g_assert_nonnull (message);
  g_assert_true (wait_for (&sent.done, WAIT_MS));
  g_assert_cmpuint (sent.status, ==, 201);

  /* The push comes before the grant's own answer: both are printed. */
  g_test_message ("balance message %.1f ms after the grant was sent; the grant was answered "
                  "after %.1f ms", (received_at - started) / 1000.0,
                  (sent.answered_at - started) / 1000.0);

  account = json_object_get_object_member (message, "account");
  g_assert_cmpstr (json_object_get_string_member (account, "id"), ==, account_id);
  g_assert_cmpint (json_object_get_int_member (account, "balance"), ==, 250);
  g_assert_cmpint (json_object_get_int_member (account, "available"), ==, 250);
  g_assert_cmpint (json_object_get_int_member (account, "held"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (message, "seq"), >, 0);
}

/* Each user hears only about their own account. */
static void
test_only_own_account (void)
{
  char mine[37], theirs[37];
  g_autofree char *my_token = NULL, *their_token = NULL;
  g_autoptr(Listener) me = NULL, them = NULL;
  g_autoptr(JsonObject) their_message = NULL, my_message = NULL;

  my_token = user_new (mine);
  their_token = user_new (theirs);
  me = listener_connect (my_token);
  them = listener_connect (their_token);
  g_assert_nonnull (me->connection);
  g_assert_nonnull (them->connection);

  test_grant (server, admin_token, theirs, 70);
  their_message = next_message (them, "balance", NULL);
  g_assert_nonnull (their_message);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (their_message,
                                                                              "account"),
                                               "balance"), ==, 70);

  /* My first message is about my own grant, never theirs. */
  test_grant (server, admin_token, mine, 30);
  my_message = next_message (me, "balance", NULL);
  g_assert_nonnull (my_message);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (my_message,
                                                                                 "account"),
                                                  "id"), ==, mine);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (my_message,
                                                                              "account"),
                                               "balance"), ==, 30);
}

static void
test_run_message (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *authorize = NULL, *complete_path = NULL;
  g_autofree char *run_id = g_uuid_string_random ();
  g_autoptr(Listener) listener = NULL;
  g_autoptr(TestResponse) authorized = NULL, completed = NULL;
  g_autoptr(JsonObject) message = NULL;
  JsonObject *run;

  token = user_new (account_id);
  test_grant (server, admin_token, account_id, 100);
  listener = listener_connect (token);
  g_assert_nonnull (listener->connection);

  authorize = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                               "\"inputs\": {\"text\": \"https://example.com\"}}", run_id);
  authorized = test_request (server, "POST", "/v1/runs", token, authorize);
  g_assert_cmpuint (authorized->status, ==, 201);

  complete_path = g_strdup_printf ("/v1/runs/%s/complete", run_id);
  completed = test_request (server, "POST", complete_path, token,
                            "{\"units\": 1, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (completed->status, ==, 200);

  message = next_message (listener, "run", NULL);
  g_assert_nonnull (message);
  run = json_object_get_object_member (message, "run");
  g_assert_cmpstr (json_object_get_string_member (run, "id"), ==, run_id);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "succeeded");
  g_assert_cmpint (json_object_get_int_member (run, "charged"), ==,
                   test_response_int (completed, "run.charged"));
  g_assert_cmpint (json_object_get_int_member (run, "released"), ==,
                   test_response_int (completed, "run.released"));
}

typedef struct
{
  TestServer *server;
  const char *token;
  char       *path;
  guint       status;
  gint        answered;
} Completion;

static gpointer
complete_thread (gpointer data)
{
  Completion *completion = data;
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(TestResponse) response = NULL;

  response = test_request_on (completion->server, session, "POST", completion->path,
                              completion->token, "{\"units\": 1, \"outcome\": \"succeeded\"}");
  completion->status = response->status;
  g_atomic_int_set (&completion->answered, TRUE);
  return NULL;
}

static gboolean
run_settled (const char *token,
             const char *run_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", run_id);
  g_autoptr(TestResponse) run = test_request (server, "GET", path, token, NULL);

  return run->status == 200 &&
         g_strcmp0 (test_response_string (run, "run.status"), "succeeded") == 0;
}

/* Polls until the run's completion is committed: FALSE if its answer
 * came first. */
static gboolean
wait_until_settled (const char *token,
                    const char *run_id,
                    Completion *completion)
{
  while (!g_atomic_int_get (&completion->answered))
    if (run_settled (token, run_id))
      return !g_atomic_int_get (&completion->answered);

  return FALSE;
}

static gboolean
received_run (Listener   *listener,
              const char *run_id)
{
  for (GList *l = listener->messages.head; l != NULL; l = l->next)
    {
      JsonObject *object = json_node_get_object (l->data);
      JsonObject *run;

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), "run") != 0)
        continue;
      run = json_object_get_object_member (object, "run");
      if (g_strcmp0 (json_object_get_string_member (run, "id"), run_id) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
authorize_run (const char *token,
               const char *run_id)
{
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                           "\"inputs\": {\"text\": \"durable\"}}", run_id);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/runs", token, body);

  g_assert_cmpuint (response->status, ==, 201);
}

/* Two completions in consecutive groups, the second committed while the
 * first waits for its fdatasync (slowed to a second): the first group's
 * announcement pushes its own run, not the second's, which is not durable
 * yet. */
static void
test_not_before_durable (void)
{
  TestServer *shared = server;
  g_autoptr(TestServer) slow = NULL;
  g_autofree char *admin = NULL, *token = NULL;
  g_autofree char *first_id = g_uuid_string_random (), *second_id = g_uuid_string_random ();
  g_autoptr(Listener) listener = NULL;
  g_autoptr(TestResponse) settings = NULL;
  Completion first = { 0 }, second = { 0 };
  GThread *first_thread, *second_thread;
  char account_id[37];
  gint64 deadline;

  /* PostgreSQL's commits are durable: no window before an fsync to see. */
  if (test_skip_unless_sqlite ())
    return;

  g_setenv ("TALLY_TEST_SYNC_DELAY_MS", "1000", TRUE);
  slow = test_server_start (NULL);
  g_unsetenv ("TALLY_TEST_SYNC_DELAY_MS");
  server = slow;

  admin = test_admin_new (server, "slow-admin@example.com");
  token = user_new (account_id);
  test_grant (server, admin, account_id, 100);
  authorize_run (token, first_id);
  authorize_run (token, second_id);
  listener = listener_connect (token);
  g_assert_nonnull (listener->connection);
  /* Answered once everything before it is durable: the syncer is idle,
   * so the first completion gets a sync of its own. */
  settings = test_request (server, "PUT", "/v1/me/alerts", token, "{\"low_balance\": 1}");
  g_assert_cmpuint (settings->status, ==, 200);

  first = (Completion) { server, token, g_strdup_printf ("/v1/runs/%s/complete", first_id) };
  second = (Completion) { server, token, g_strdup_printf ("/v1/runs/%s/complete", second_id) };
  first_thread = g_thread_new ("first", complete_thread, &first);
  g_assert_true (wait_until_settled (token, first_id, &first));
  /* Time for the syncer to take the first alone. */
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  second_thread = g_thread_new ("second", complete_thread, &second);
  g_assert_true (wait_until_settled (token, second_id, &second));

  while (!g_atomic_int_get (&first.answered))
    iterate ();
  /* A little of the second's wait: the first's push came, the second's
   * has not while the second is unanswered. */
  deadline = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_true (received_run (listener, first_id));
  g_assert_false (received_run (listener, second_id));
  g_assert_false (g_atomic_int_get (&second.answered));

  g_thread_join (first_thread);
  g_thread_join (second_thread);
  g_assert_cmpuint (first.status, ==, 200);
  g_assert_cmpuint (second.status, ==, 200);
  deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  while (!received_run (listener, second_id) && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_true (received_run (listener, second_id));

  g_clear_pointer (&listener, listener_free);
  g_free (first.path);
  g_free (second.path);
  server = shared;
}

/* A sync that applies offline runs moves the balance too. */
static void
test_balance_after_sync (void)
{
  char account_id[37];
  g_autofree char *token = NULL, *ops = NULL;
  g_autofree char *op_id = g_uuid_string_random ();
  g_autoptr(Listener) listener = NULL;
  g_autoptr(TestResponse) first = NULL, synced = NULL;
  g_autoptr(JsonObject) message = NULL;
  JsonObject *account;

  token = user_new (account_id);
  test_grant (server, admin_token, account_id, 100);
  first = test_request (server, "POST", "/v1/sync", token,
                        "{\"device\": \"laptop\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpuint (first->status, ==, 200);

  listener = listener_connect (token);
  g_assert_nonnull (listener->connection);
  ops = g_strdup_printf ("{\"device\": \"laptop\", \"cursor\": 0, \"ops\": [{\"id\": \"%s\", "
                         "\"type\": \"run\", \"tool\": \"qr-code\", \"units\": 1, "
                         "\"outcome\": \"succeeded\", \"cost\": 1}]}", op_id);
  synced = test_request (server, "POST", "/v1/sync", token, ops);
  g_assert_cmpuint (synced->status, ==, 200);
  g_assert_cmpstr (test_response_string (synced, "results.0.status"), ==, "applied");

  message = next_message (listener, "balance", NULL);
  g_assert_nonnull (message);
  account = json_object_get_object_member (message, "account");
  g_assert_cmpint (json_object_get_int_member (account, "balance"), ==,
                   test_response_int (synced, "accounts.0.balance"));
  g_assert_cmpint (json_object_get_int_member (account, "held"), ==,
                   test_response_int (synced, "accounts.0.held"));
}

/* Upgrade asked for, but no key: refused in JSON, like every error. */
static void
test_bad_handshake (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autofree char *url = g_strconcat (server->base_url, "/v1/events", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, "Upgrade", "websocket");
  soup_message_headers_replace (headers, "Connection", "Upgrade");
  soup_message_headers_replace (headers, "Sec-WebSocket-Version", "13");
  body = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 400);

  json = json_from_string (g_bytes_get_data (body, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                                                    json_node_get_object (json), "error"),
                                                  "code"), ==, "invalid_handshake");
}

/* Clients that go away are forgotten; too many at once are refused. */
static void
test_closed_connections (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  g_autoptr(Listener) refused = NULL, stays = NULL;
  g_autoptr(JsonObject) message = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(Listener) listener = listener_connect (token);

      g_assert_nonnull (listener->connection);
    }

  /* The limit per account counts only the connections still open. */
  for (guint i = 0; i < 16; i++)
    {
      Listener *listener = listener_connect (token);

      g_assert_nonnull (listener->connection);
      g_ptr_array_add (open, listener);
    }
  refused = listener_connect (token);
  g_assert_null (refused->connection);
  g_assert_cmpuint (soup_message_get_status (refused->msg), ==, 429);
  g_ptr_array_set_size (open, 15);

  stays = listener_connect (token);
  g_assert_nonnull (stays->connection);

  test_grant (server, admin_token, account_id, 5);
  message = next_message (stays, "balance", NULL);
  g_assert_nonnull (message);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gboolean                *closed)
{
  *closed = TRUE;
}

/* A server that stops with clients connected exits cleanly (no leak under
 * the sanitizers) and tells them it is going away. */
static void
test_server_stops_with_clients (void)
{
  char account_id[37];
  g_autofree char *token = user_new (account_id);
  g_autoptr(Listener) listener = listener_connect (token);
  gboolean closed = FALSE;

  g_assert_nonnull (listener->connection);
  g_signal_connect (listener->connection, "closed", G_CALLBACK (on_closed), &closed);

  test_server_stop (server, FALSE);
  g_assert_true (wait_for (&closed, WAIT_MS));
  g_test_message ("close code %u", soup_websocket_connection_get_close_code (listener->connection));
  test_server_restart (server);
}

/* A team's pool is pushed to its members, and to nobody else: not to an
 * outsider, not to a member once they have left. */
static void
test_team_pool_balance (void)
{
  char owner_account[37], member_account[37], outsider_account[37];
  g_autofree char *owner = user_new (owner_account);
  g_autofree char *member = user_new (member_account);
  g_autofree char *outsider = user_new (outsider_account);
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", owner,
                                               "{\"name\": \"Live\"}");
  const char *team_id = test_response_string (team, "team.id");
  const char *pool = test_response_string (team, "team.account_id");
  g_autofree char *invitations = g_strdup_printf ("/v1/teams/%s/invitations", team_id);
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", member, NULL);
  g_autofree char *invite_body = g_strdup_printf ("{\"email\": \"%s\", \"role\": "
                                                  "\"member\"}",
                                                  test_response_string (me, "user.email"));
  g_autoptr(TestResponse) invited = test_request (server, "POST", invitations, owner,
                                                  invite_body);
  g_autofree char *accept = g_strdup_printf ("/v1/invitations/%s/accept",
                                             test_response_string (invited, "token"));
  g_autofree char *leave = g_strdup_printf ("/v1/teams/%s/members/%s", team_id,
                                            test_response_string (me, "user.id"));
  g_autoptr(TestResponse) accepted = test_request (server, "POST", accept, member, NULL);
  g_autoptr(TestResponse) left = NULL;
  g_autoptr(Listener) member_listener = NULL, outsider_listener = NULL;
  g_autoptr(JsonObject) pool_message = NULL, outsider_message = NULL, after = NULL;

  g_assert_cmpuint (accepted->status, ==, 200);
  member_listener = listener_connect (member);
  outsider_listener = listener_connect (outsider);
  g_assert_nonnull (member_listener->connection);
  g_assert_nonnull (outsider_listener->connection);

  test_grant (server, admin_token, pool, 90);
  pool_message = next_message (member_listener, "balance", NULL);
  g_assert_nonnull (pool_message);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pool_message,
                                                                                 "account"),
                                                  "id"), ==, pool);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (pool_message,
                                                                              "account"),
                                               "balance"), ==, 90);

  /* The outsider's first message is about their own grant. */
  test_grant (server, admin_token, outsider_account, 5);
  outsider_message = next_message (outsider_listener, "balance", NULL);
  g_assert_nonnull (outsider_message);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                                                    outsider_message, "account"), "id"), ==,
                   outsider_account);

  /* Once they have left, the member hears of their own account only. */
  left = test_request (server, "DELETE", leave, member, NULL);
  g_assert_cmpuint (left->status, ==, 204);
  test_grant (server, admin_token, pool, 10);
  test_grant (server, admin_token, member_account, 7);
  after = next_message (member_listener, "balance", NULL);
  g_assert_nonnull (after);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (after,
                                                                                 "account"),
                                                  "id"), ==, member_account);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/events/refused-without-token", test_refused_without_token);
  g_test_add_func ("/events/balance-after-grant", test_balance_after_grant);
  g_test_add_func ("/events/only-own-account", test_only_own_account);
  g_test_add_func ("/events/run-message", test_run_message);
  g_test_add_func ("/events/balance-after-sync", test_balance_after_sync);
  g_test_add_func ("/events/bad-handshake", test_bad_handshake);
  g_test_add_func ("/events/closed-connections", test_closed_connections);
  g_test_add_func ("/events/server-stops-with-clients", test_server_stops_with_clients);
  g_test_add_func ("/events/team-pool-balance", test_team_pool_balance);
  g_test_add_func ("/events/not-before-durable", test_not_before_durable);

  server = test_server_start (NULL);
  admin_token = test_admin_new (server, "events-admin@example.com");
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  return status;
}
