/* test-hardening.c: the findings of the server's security review (issue 21)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;

/* --- raw HTTP, for what a well-behaved client never sends --- */

typedef struct
{
  GString  *received;
  /* The server closed the connection (EOF or reset) before the timeout. */
  gboolean  closed;
  gint64    elapsed_us;
} RawAnswer;

static void
raw_answer_free (RawAnswer *answer)
{
  g_string_free (answer->received, TRUE);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawAnswer, raw_answer_free)

/* Sends @head, then @body_bytes bytes of body, on a fresh connection to
 * @on and reads until the server closes or @timeout seconds pass. */
static RawAnswer *
raw_exchange_on (TestServer *on,
                 const char *head,
                 gsize       body_bytes,
                 guint       timeout)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  RawAnswer *answer = g_new0 (RawAnswer, 1);
  GOutputStream *out;
  GInputStream *in;
  gint64 started = g_get_monotonic_time ();
  char buffer[4096];

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", on->port, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), timeout);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error));
  g_assert_no_error (error);
  memset (buffer, 'a', sizeof buffer);
  for (gsize sent = 0; sent < body_bytes; sent += sizeof buffer)
    {
      /* The server may stop reading and close: that is its right. */
      if (!g_output_stream_write_all (out, buffer, MIN (sizeof buffer, body_bytes - sent), NULL,
                                      NULL, NULL))
        break;
    }

  answer->received = g_string_new (NULL);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);

      if (n > 0)
        {
          g_string_append_len (answer->received, buffer, n);
          continue;
        }
      answer->closed = !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      break;
    }

  answer->elapsed_us = g_get_monotonic_time () - started;
  return answer;
}

static RawAnswer *
raw_exchange (const char *head,
              gsize       body_bytes,
              guint       timeout)
{
  return raw_exchange_on (server, head, body_bytes, timeout);
}

/* --- finding 1: an over-limit body is refused from its headers --- */

static void
assert_refused_at_once (const char *head,
                        const char *status_line,
                        const char *code)
{
  /* 64 KiB of a body that would never end. */
  g_autoptr(RawAnswer) answer = raw_exchange (head, 65536, 10);

  g_test_message ("%s", answer->received->str);
  g_assert_true (g_str_has_prefix (answer->received->str, status_line));
  g_assert_nonnull (strstr (answer->received->str, code));
  g_assert_nonnull (g_strstr_len (answer->received->str, -1, "Connection: close"));
  g_assert_true (answer->closed);
  g_assert_cmpint (answer->elapsed_us, <, 5 * G_USEC_PER_SEC);
}

static void
test_body_refused_at_headers (void)
{
  g_autoptr(TestResponse) health = NULL;

  assert_refused_at_once ("POST /healthz HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: 2000000000\r\n"
                          "\r\n",
                          "HTTP/1.1 413", "body_too_large");
  assert_refused_at_once ("POST /v1/auth/login HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n"
                          "\r\n"
                          "10000\r\n",
                          "HTTP/1.1 411", "length_required");

  /* The server goes on serving. */
  health = test_request (server, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
}

/* --- finding 4: parallel sign-ins are throttled as serial ones --- */

#define PARALLEL_LOGINS 30

static gpointer
wrong_login (gpointer data)
{
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(TestResponse) response = NULL;

  response = test_request_on (server, session, "POST", "/v1/auth/login", NULL,
                              "{\"email\": \"par@example.com\", \"password\": \"wrong password\"}");
  return GUINT_TO_POINTER (response->status);
}

static void
test_parallel_logins_throttled (void)
{
  g_autofree char *token = test_user_new (server, "par@example.com", NULL);
  g_autoptr(TestResponse) right = NULL;
  GThread *threads[PARALLEL_LOGINS];
  guint refused = 0, throttled = 0;

  for (guint i = 0; i < PARALLEL_LOGINS; i++)
    threads[i] = g_thread_new ("login", wrong_login, NULL);
  for (guint i = 0; i < PARALLEL_LOGINS; i++)
    {
      guint status = GPOINTER_TO_UINT (g_thread_join (threads[i]));

      g_assert_true (status == 401 || status == 429);
      if (status == 401)
        refused++;
      else
        throttled++;
    }

  /* 10 free attempts per account, however they arrive; then each failure
   * makes the next attempts wait (1 s, 2 s, …), so of a burst that comes
   * at once only one or two more get through. */
  g_test_message ("%u refused, %u throttled", refused, throttled);
  g_assert_cmpuint (refused, >=, 10);
  g_assert_cmpuint (refused, <=, 13);
  g_assert_cmpuint (throttled, ==, PARALLEL_LOGINS - refused);

  /* A delay, not a lock: the right password works once it has passed. */
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_clear_pointer (&right, test_response_free);
      right = test_request (server, "POST", "/v1/auth/login", NULL,
                            "{\"email\": \"par@example.com\", \"password\": \""
                            TEST_PASSWORD "\"}");
      if (right->status != 429)
        break;
      g_assert_cmpint (g_ascii_strtoll (right->retry_after, NULL, 10), <=, 16);
      g_usleep (g_ascii_strtoll (right->retry_after, NULL, 10) * G_USEC_PER_SEC);
    }
  g_assert_cmpuint (right->status, ==, 200);
}

/* --- finding 5: made-up methods and paths add no series to /metrics --- */

static guint
count_series (void)
{
  g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_cmpuint (metrics->status, ==, 200);
  lines = g_strsplit (metrics->body, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '\0' && lines[i][0] != '#')
        n++;
    }
  return n;
}

static void
send_made_up (guint i)
{
  g_autofree char *method = g_strdup_printf ("INVENT%u", i);
  g_autofree char *path = g_strdup_printf ("/made/up/%u", i);
  g_autoptr(TestResponse) odd = test_request (server, method, path, NULL, NULL);
  g_autoptr(TestResponse) known = test_request (server, method, "/healthz", NULL, NULL);
  g_autoptr(TestResponse) missing = test_request (server, "GET", path, NULL, NULL);

  g_assert_cmpuint (odd->status, >=, 400);
  g_assert_cmpuint (known->status, >=, 400);
  g_assert_cmpuint (missing->status, ==, 404);
}

static void
test_metrics_bounded (void)
{
  guint before;

  /* The first of each kind may add its series, once; so may a scrape. */
  send_made_up (0);
  count_series ();
  before = count_series ();

  for (guint i = 1; i <= 1000; i++)
    send_made_up (i);

  g_assert_cmpuint (count_series (), ==, before);
}

/* --- finding 7: request bodies are RFC 8259 JSON, nothing looser --- */

#define PW "\"password\": \"" TEST_PASSWORD "\""

static void
test_strict_json (void)
{
  static const char * const refused[] = {
    "{\"email\": \"hex@example.com\", " PW ", \"n\": 0x10}",
    "{/* a comment */ \"email\": \"c1@example.com\", " PW "}",
    "{\"email\": \"c2@example.com\", " PW "} // a comment",
    "# a comment\n{\"email\": \"c3@example.com\", " PW "}",
    "{'email': 'sq@example.com', " PW "}",
    "{\"email\": \"sq2@example.com\", " PW ", \"name\": 'Single'}",
    "{\"email\": \"tc@example.com\", " PW ",}",
    "{\"email\": \"tc2@example.com\", " PW ", \"n\": [1, 2,]}",
    "{\"email\": \"nan@example.com\", " PW ", \"n\": NaN}",
    "{\"email\": \"inf@example.com\", " PW ", \"n\": Infinity}",
    "{\"email\": \"inf2@example.com\", " PW ", \"n\": -Infinity}",
    "{\"email\": \"lz@example.com\", " PW ", \"n\": 012}",
    "{\"email\": \"lz2@example.com\", " PW ", \"n\": -01}",
    "{\"email\": \"dot@example.com\", " PW ", \"n\": .5}",
    "{\"email\": \"dot2@example.com\", " PW ", \"n\": 1.}",
    "{\"email\": \"plus@example.com\", " PW ", \"n\": +1}",
    "{\"email\": \"nul@example.com\", " PW ", \"name\": \"a\\u0000b\"}",
    "{\"email\": \"nul2@example.com\", " PW ", \"a\\u0000b\": 1}",
    "{\"email\": \"hi@example.com\", " PW ", \"name\": \"a\\ud83d\"}",
    "{\"email\": \"lo@example.com\", " PW ", \"name\": \"a\\udc00b\"}",
    "{\"email\": \"esc@example.com\", " PW ", \"name\": \"a\\x41\"}",
    "{\"email\": \"tab@example.com\", " PW ", \"name\": \"a\tb\"}",
    "{\"email\": \"true@example.com\", " PW ", \"b\": True}",
    "{\"email\": \"bare@example.com\", " PW ", name: \"x\"}",
    "{\"email\": \"more@example.com\", " PW "} {}",
    "{\"email\": \"more2@example.com\", " PW "} x",
  };
  g_autofree char *admin = test_admin_new (server, "strict-admin@example.com");
  char account_id[37];
  g_autofree char *token = test_user_new (server, "strict@example.com", account_id);
  g_autofree char *hex_grant = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 0x10, "
                                                "\"reason\": \"hex\"}", account_id);
  g_autoptr(TestResponse) grant = NULL, valid = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/register", NULL,
                                                       refused[i]);

      g_test_message ("%s -> %u %s", refused[i], response->status, response->body);
      g_assert_cmpuint (response->status, ==, 400);
      g_assert_cmpstr (test_response_error (response), ==, "invalid_json");
    }

  grant = test_request (server, "POST", "/v1/admin/grants", admin, hex_grant);
  g_assert_cmpuint (grant->status, ==, 400);
  g_assert_cmpstr (test_response_error (grant), ==, "invalid_json");

  /* What RFC 8259 allows still works: escapes, a surrogate pair, numbers
   * with fractions and exponents, nesting, unknown members. */
  valid = test_request (server, "POST", "/v1/auth/register", NULL,
                        " \r\n\t{\"email\" : \"valid\\u0040example.com\", " PW ", "
                        "\"name\": \"Val \\ud83d\\ude00 \\\"q\\\" \\/ \\\\ \\b\\f\\n\\r\\t\", "
                        "\"extra\": [0, -0, 1.5, -2.5e+3, 1E-2, 10, true, false, null, {}, [],"
                        " {\"a\": [{\"b\": \"\"}]}]} ");
  g_test_message ("%s", valid->body);
  g_assert_cmpuint (valid->status, ==, 201);
  g_assert_cmpstr (test_response_string (valid, "user.email"), ==, "valid@example.com");
  g_assert_true (g_str_has_prefix (test_response_string (valid, "user.name"),
                                   "Val \xf0\x9f\x98\x80 \"q\" / \\"));
}

/* json-glib reads a whole number beyond 64 bits as another number, without
 * a word: such a number is refused before, naming its member, and nothing
 * is granted. */
static void
test_numbers_beyond_64_bits (void)
{
  static const char * const too_large[] = {
    "-9223372036854775809", "9223372036854775808", "18446744073709551617",
    "99999999999999999999999",
  };
  g_autofree char *admin = test_admin_new (server, "big-admin@example.com");
  char account_id[37];
  g_autofree char *token = test_user_new (server, "big@example.com", account_id);
  g_autoptr(TestResponse) nested = NULL, me = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (too_large); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": %s, "
                                               "\"reason\": \"big\"}", account_id,
                                               too_large[i]);
      g_autoptr(TestResponse) grant = test_request (server, "POST", "/v1/admin/grants", admin,
                                                    body);

      g_test_message ("%s -> %u %s", too_large[i], grant->status, grant->body);
      test_assert_error (grant, 400, "invalid_field", "amount");
      g_assert_cmpstr (test_response_string (grant, "error.message"), ==,
                       "“amount” is a whole number too large for 64 bits");
    }

  /* Inside an op, the field names the op as the sync answer does. */
  nested = test_request (server, "POST", "/v1/sync", token,
                         "{\"device\": \"big\", \"cursor\": 0, \"ops\": [{}, "
                         "{\"units\": 18446744073709551617}]}");
  test_assert_error (nested, 400, "invalid_field", "ops[1].units");

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 0);
}

/* --- finding 9: a session that ends closes its event sockets at once --- */

static char *
sign_in (const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" TEST_PASSWORD
                                           "\"}", email);
  g_autoptr(TestResponse) login = test_request (server, "POST", "/v1/auth/login", NULL, body);

  g_assert_cmpuint (login->status, ==, 200);
  return g_strdup (test_response_string (login, "token"));
}

static void
test_logout_closes_events (void)
{
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *token = test_user_new (server, "ws-out@example.com", NULL);
  g_autofree char *other = sign_in ("ws-out@example.com");
  g_autoptr(SoupWebsocketConnection) signed_out = test_events_open (server, session, token);
  g_autoptr(SoupWebsocketConnection) still_in = test_events_open (server, session, other);
  g_autoptr(TestResponse) logout = NULL;

  logout = test_request (server, "POST", "/v1/auth/logout", token, NULL);
  g_assert_cmpuint (logout->status, ==, 204);

  g_assert_true (test_iterate_until (test_socket_closed, signed_out, 1));
  g_assert_cmpint (soup_websocket_connection_get_close_code (signed_out), ==,
                   SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  /* The user's other session goes on. */
  g_assert_cmpint (soup_websocket_connection_get_state (still_in), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_close (still_in, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  test_iterate_until (test_socket_closed, still_in, 5);
}

static void
test_disable_closes_events (void)
{
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *token = test_user_new (server, "ws-off@example.com", NULL);
  g_autoptr(SoupWebsocketConnection) connection = test_events_open (server, session, token);
  g_autofree char *store = test_server_store_option (server);
  const char *args[] = { "user", "disable", "ws-off@example.com", store, NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), ==, 0);

  g_assert_true (test_iterate_until (test_socket_closed, connection, 2));
  g_assert_cmpint (soup_websocket_connection_get_close_code (connection), ==,
                   SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}

/* A connection closed at sign-out waits for the client's answer; the check
 * that another process's write starts meanwhile must not close it again
 * (libsoup refuses, and the server, warnings fatal, would stop). The
 * client here answers nothing until the end. */
static void
test_ended_twice_closes_once (void)
{
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *token = test_user_new (server, "ws-twice@example.com", NULL);
  g_autofree char *other = test_user_new (server, "ws-other@example.com", NULL);
  g_autoptr(SoupWebsocketConnection) connection = test_events_open (server, session, token);
  g_autofree char *store = test_server_store_option (server);
  const char *args[] = { "user", "disable", "ws-other@example.com", store, NULL };
  g_autoptr(TestResponse) logout = NULL;
  g_autoptr(TestResponse) health = NULL;
  g_autofree char *err = NULL;

  logout = test_request (server, "POST", "/v1/auth/logout", token, NULL);
  g_assert_cmpuint (logout->status, ==, 204);
  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), ==, 0);
  /* Past the server's once-a-second look at the data version. */
  g_usleep (2 * G_USEC_PER_SEC);

  health = test_request (server, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_true (test_iterate_until (test_socket_closed, connection, 2));
  g_assert_cmpint (soup_websocket_connection_get_close_code (connection), ==,
                   SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}

/* --- issue 12: every tool's defaults are inputs the estimate takes --- */

static void
test_tool_defaults_estimate (void)
{
  g_autofree char *token = test_user_new (server, "defaults@example.com", NULL);
  g_autoptr(TestResponse) tools = test_request (server, "GET", "/v1/tools", token, NULL);
  JsonArray *list;
  guint n_defaults = 0;

  g_assert_cmpuint (tools->status, ==, 200);
  list = json_node_get_array (test_response_member (tools, "tools"));
  g_assert_cmpuint (json_array_get_length (list), >=, 24);

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *tool = json_array_get_object_element (list, i);
      JsonArray *inputs = json_object_get_array_member (tool, "inputs");
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;
      g_autofree char *text = NULL;
      g_autoptr(TestResponse) estimate = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "tool");
      json_builder_add_string_value (builder, json_object_get_string_member (tool, "id"));
      json_builder_set_member_name (builder, "inputs");
      json_builder_begin_object (builder);
      for (guint j = 0; j < json_array_get_length (inputs); j++)
        {
          JsonObject *input = json_array_get_object_element (inputs, j);
          JsonNode *value = json_object_get_member (input, "default");
          const char *type = json_object_get_string_member (input, "type");

          json_builder_set_member_name (builder, json_object_get_string_member (input, "id"));
          if (value != NULL)
            {
              if (g_str_equal (type, "number"))
                g_assert_cmpint (json_node_get_value_type (value), ==, G_TYPE_INT64);
              json_builder_add_value (builder, json_node_copy (value));
              n_defaults++;
            }
          /* What has no default gets a small valid value: a file's measure,
           * a word. */
          else if (g_str_equal (type, "text"))
            json_builder_add_string_value (builder, "word");
          else if (g_str_equal (type, "number"))
            json_builder_add_int_value (builder, json_object_get_int_member (input, "min"));
          else if (g_str_equal (type, "file"))
            json_builder_add_int_value (builder, 1);
          else
            json_builder_add_string_value (builder, json_array_get_string_element (
                                             json_object_get_array_member (input, "choices"), 0));
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);

      body = json_builder_get_root (builder);
      text = json_to_string (body, FALSE);
      estimate = test_request (server, "POST", "/v1/estimate", token, text);
      g_test_message ("%s -> %u %s", text, estimate->status, estimate->body);
      g_assert_cmpuint (estimate->status, ==, 200);
    }

  g_assert_cmpuint (n_defaults, >, 0);
}

/* --- issue 12: a refused WebSocket handshake closes the connection --- */

static void
test_refused_upgrade_closes (void)
{
  g_autoptr(RawAnswer) answer = raw_exchange ("GET /v1/events HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Upgrade: websocket\r\n"
                                              "Connection: Upgrade\r\n"
                                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                              "Sec-WebSocket-Version: 13\r\n"
                                              "\r\n", 0, 3);

  g_test_message ("%s", answer->received->str);
  g_assert_true (g_str_has_prefix (answer->received->str, "HTTP/1.1 401"));
  g_assert_nonnull (strstr (answer->received->str, "Connection: close"));
  g_assert_true (answer->closed);
}

/* --- finding 2: connections that send no whole request are closed --- */

#define IDLE_TIMEOUT 2

/* Closed by the server, after the idle timeout and before the check
 * after it (every 5 s) has had time to run twice. */
static void
assert_closed_when_idle (RawAnswer *answer)
{
  g_test_message ("closed after %.1f s", answer->elapsed_us / (double) G_USEC_PER_SEC);
  g_assert_true (answer->closed);
  g_assert_cmpint (answer->elapsed_us, >=, IDLE_TIMEOUT * G_USEC_PER_SEC);
}

static void
test_idle_connections_closed (void)
{
  const char *args[] = { "--idle-timeout=" G_STRINGIFY (IDLE_TIMEOUT), NULL };
  g_autoptr(TestServer) idle = test_server_start (args);
  g_autoptr(SoupSession) session = test_session_new ();
  g_autofree char *token = test_user_new (idle, "idle@example.com", NULL);
  g_autoptr(SoupWebsocketConnection) events = test_events_open (idle, session, token);
  g_autoptr(RawAnswer) silent = NULL, unfinished = NULL, kept_alive = NULL;
  g_autoptr(TestResponse) health = NULL;

  /* A connection that says nothing, one whose headers never end, and
   * one kept alive after its answer. */
  silent = raw_exchange_on (idle, "", 0, 15);
  assert_closed_when_idle (silent);
  g_assert_cmpuint (silent->received->len, ==, 0);
  unfinished = raw_exchange_on (idle, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a", 0,
                                15);
  assert_closed_when_idle (unfinished);
  g_assert_cmpuint (unfinished->received->len, ==, 0);
  kept_alive = raw_exchange_on (idle, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, 15);
  assert_closed_when_idle (kept_alive);
  g_assert_true (g_str_has_prefix (kept_alive->received->str, "HTTP/1.1 200"));

  /* A WebSocket waits for events: idle as long as it likes. */
  g_assert_cmpint (soup_websocket_connection_get_state (events), ==, SOUP_WEBSOCKET_STATE_OPEN);
  health = test_request (idle, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
  soup_websocket_connection_close (events, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  test_iterate_until (test_socket_closed, events, 5);
}

/* --- the attack script's finding: closed connections are let go --- */

static guint
server_descriptors (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) server->pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* One kept-alive request whose client then hangs up, as a browser or a
 * script does: libsoup alone would keep the server's end open for good. */
static void
short_connection (void)
{
  static const char request[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, sizeof request - 1, NULL, NULL, &error));
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
                           sizeof buffer - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  buffer[n] = '\0';
  g_assert_true (g_str_has_prefix (buffer, "HTTP/1.1 200"));
}

static void
test_closed_connections_let_go (void)
{
  guint before = server_descriptors ();
  gint64 deadline;

  for (guint i = 0; i < 200; i++)
    short_connection ();

  /* The server looks for clients that have gone every 5 seconds. */
  deadline = g_get_monotonic_time () + 12 * G_USEC_PER_SEC;
  while (server_descriptors () > before + 8 && g_get_monotonic_time () < deadline)
    g_usleep (G_USEC_PER_SEC / 4);
  g_test_message ("descriptors: %u before, %u after", before, server_descriptors ());
  g_assert_cmpuint (server_descriptors (), <=, before + 8);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hardening/body-refused-at-headers", test_body_refused_at_headers);
  g_test_add_func ("/hardening/parallel-logins-throttled", test_parallel_logins_throttled);
  g_test_add_func ("/hardening/metrics-bounded", test_metrics_bounded);
  g_test_add_func ("/hardening/strict-json", test_strict_json);
  g_test_add_func ("/hardening/numbers-beyond-64-bits", test_numbers_beyond_64_bits);
  g_test_add_func ("/hardening/logout-closes-events", test_logout_closes_events);
  g_test_add_func ("/hardening/disable-closes-events", test_disable_closes_events);
  g_test_add_func ("/hardening/ended-twice-closes-once", test_ended_twice_closes_once);
  g_test_add_func ("/hardening/tool-defaults-estimate", test_tool_defaults_estimate);
  g_test_add_func ("/hardening/refused-upgrade-closes", test_refused_upgrade_closes);
  g_test_add_func ("/hardening/closed-connections-let-go", test_closed_connections_let_go);
  g_test_add_func ("/hardening/idle-connections-closed", test_idle_connections_closed);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
