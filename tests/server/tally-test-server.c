/* tally-test-server.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tally.h"
#include "tally-test-postgres.h"
#include "tally-test-server.h"

gboolean
test_store_is_postgres (void)
{
  return g_strcmp0 (g_getenv ("TALLY_TEST_STORE"), "postgresql") == 0;
}

gboolean
test_skip_unless_sqlite (void)
{
  if (!test_store_is_postgres ())
    return FALSE;
  g_test_skip ("reads or breaks the SQLite file itself");
  return TRUE;
}

/* One cluster for the whole test binary, started by its first server and
 * stopped when the binary exits (its guard removes it however it dies). */
static TallyTestPostgres *cluster;

static void
stop_cluster (void)
{
  g_clear_pointer (&cluster, tally_test_postgres_free);
}

static PGconn *
connect_checked (const char *url)
{
  PGconn *conn = PQconnectdb (url);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("%s: %s", url, PQerrorMessage (conn));
  return conn;
}

static PGresult *
run_checked (PGconn     *conn,
             const char *sql)
{
  PGresult *res = PQexec (conn, sql);

  if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (res));
  return res;
}

/* A database of the server's own, its tables made by tally-server migrate
 * as an operator would. */
char *
test_postgres_database_new (void)
{
  static guint n_databases;
  g_autofree char *name = g_strdup_printf ("tally_%u", ++n_databases);
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE %s", name);
  g_autofree char *url = NULL;
  g_autofree char *option = NULL;
  PGconn *conn;

  if (cluster == NULL)
    {
      cluster = tally_test_postgres_start ();
      atexit (stop_cluster);
    }
  conn = connect_checked (tally_test_postgres_get_url (cluster));
  PQclear (run_checked (conn, create));
  PQfinish (conn);

  url = tally_test_postgres_get_database_url (cluster, name);
  option = g_strdup_printf ("--store-url=%s", url);
  {
    const char * const args[] = { "migrate", option, NULL };

    g_assert_cmpint (test_server_command (args, NULL, NULL, NULL), ==, 0);
  }
  return g_steal_pointer (&url);
}

char *
test_server_store_option (TestServer *server)
{
  if (server->store_url != NULL)
    return g_strdup_printf ("--store-url=%s", server->store_url);
  return g_strdup_printf ("--data-dir=%s", server->data_dir);
}

const char *
test_server_binary (void)
{
  const char *path = g_getenv ("TALLY_SERVER_BINARY");

  g_assert_nonnull (path);
  return path;
}

/* Binds port 0 and gives the port back; the race with another process
 * taking it before the server does is harmless on a test machine. */
guint16
test_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The server dies with the test, even when the test crashes. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn (TestServer *server)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup (test_server_binary ()));
  g_ptr_array_add (argv, g_strdup_printf ("--listen=127.0.0.1:%u", server->port));
  g_ptr_array_add (argv, g_strdup_printf ("--data-dir=%s", server->data_dir));
  if (server->store_url != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--store-url=%s", server->store_url));
  /* Tests sign up many users from 127.0.0.1; the ones about the limit set
   * it again (the last option wins). */
  g_ptr_array_add (argv, g_strdup ("--signups-per-hour=1000000"));
  for (guint i = 0; server->extra_args && server->extra_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (server->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  g_spawn_async (NULL, (char **) argv->pdata, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | (server->quiet ? G_SPAWN_STDERR_TO_DEV_NULL : 0),
                 die_with_parent, NULL, &server->pid, &error);
  g_assert_no_error (error);
}

static void
wait_until_ready (TestServer *server)
{
  for (guint attempt = 0; attempt < 500; attempt++)
    {
      g_autoptr(TestResponse) response = test_request (server, "GET", "/healthz", NULL, NULL);

      if (response->status == 200)
        return;
      g_usleep (20 * 1000);
    }

  g_error ("tally-server did not start on port %u", server->port);
}

static TestServer *
start_on (const char         *store_url,
          const char * const *extra_args,
          gboolean            quiet)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;

  server->quiet = quiet;

  server->dir = g_dir_make_tmp ("tally-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->data_dir = g_build_filename (server->dir, "data", NULL);
  server->port = test_free_port ();
  server->base_url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  server->extra_args = g_strdupv ((char **) extra_args);
  server->session = test_session_new ();
  if (store_url != NULL)
    server->store_url = g_strdup (store_url);
  else if (test_store_is_postgres ())
    server->store_url = test_postgres_database_new ();
  spawn (server);
  wait_until_ready (server);
  return server;
}

static TestServer *
start (const char * const *extra_args,
       gboolean            quiet)
{
  return start_on (NULL, extra_args, quiet);
}

TestServer *
test_server_start_on (const char         *store_url,
                      const char * const *extra_args)
{
  return start_on (store_url, extra_args, FALSE);
}

TallyTestPostgres *
test_postgres_cluster (void)
{
  return cluster;
}

TestServer *
test_server_start (const char * const *extra_args)
{
  return start (extra_args, FALSE);
}

TestServer *
test_server_start_quiet (const char * const *extra_args)
{
  return start (extra_args, TRUE);
}

void
test_server_stop (TestServer *server,
                  gboolean    crash)
{
  int status = 0;

  if (server->pid == 0)
    return;

  kill (server->pid, crash ? SIGKILL : SIGTERM);
  g_assert_cmpint (waitpid (server->pid, &status, 0), ==, server->pid);
  if (crash)
    g_assert_true (WIFSIGNALED (status));
  else
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  g_spawn_close_pid (server->pid);
  server->pid = 0;
}

void
test_server_restart (TestServer *server)
{
  test_server_stop (server, FALSE);
  spawn (server);
  wait_until_ready (server);
}

void
test_server_free (TestServer *server)
{
  if (server == NULL)
    return;

  test_server_stop (server, FALSE);
  test_remove_tree (server->dir);
  g_clear_object (&server->session);
  g_strfreev (server->extra_args);
  g_free (server->base_url);
  g_free (server->data_dir);
  g_free (server->store_url);
  g_free (server->dir);
  g_free (server);
}

SoupSession *
test_session_new (void)
{
  /* No proxy: the server is on loopback, whatever the environment says. */
  return soup_session_new_with_options ("timeout", 60, "max-conns", 64,
                                        "max-conns-per-host", 64,
                                        "proxy-resolver", NULL, NULL);
}

TestResponse *
test_request (TestServer *server,
              const char *method,
              const char *path,
              const char *token,
              const char *body)
{
  return test_request_on (server, server->session, method, path, token, body);
}

TestResponse *
test_request_on (TestServer  *server,
                 SoupSession *session,
                 const char  *method,
                 const char  *path,
                 const char  *token,
                 const char  *body)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  TestResponse *response = g_new0 (TestResponse, 1);

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  reply = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply == NULL)
    {
      g_test_message ("%s %s: %s", method, path, error->message);
      response->status = 0;
      response->body = g_strdup (error->message);
      return response;
    }

  response->status = soup_message_get_status (msg);
  response->body = g_bytes_get_size (reply) > 0
                   ? g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply))
                   : g_strdup ("");
  response->retry_after = g_strdup (soup_message_headers_get_one (
                                      soup_message_get_response_headers (msg), "Retry-After"));
  if (response->body[0] == '{' || response->body[0] == '[')
    response->json = json_from_string (response->body, NULL);
  return response;
}

void
test_response_free (TestResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->body);
  g_free (response->retry_after);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response);
}

static JsonNode *
array_element (JsonNode   *node,
               const char *index)
{
  JsonArray *array = json_node_get_array (node);
  guint64 i;

  if (!g_ascii_string_to_unsigned (index, 10, 0, G_MAXUINT, &i, NULL) ||
      i >= json_array_get_length (array))
    return NULL;

  return json_array_get_element (array, (guint) i);
}

/* Follows "a.b.c" through objects, and "a.0.b" through arrays. */
static JsonNode *
member_at (TestResponse *response,
           const char   *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = response->json;

  for (guint i = 0; node != NULL && parts[i] != NULL; i++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        node = array_element (node, parts[i]);
      else if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else
        return NULL;
    }

  return node;
}

JsonNode *
test_response_member (TestResponse *response,
                      const char   *path)
{
  return member_at (response, path);
}

const char *
test_response_string (TestResponse *response,
                      const char   *path)
{
  JsonNode *node = member_at (response, path);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

gint64
test_response_int (TestResponse *response,
                   const char   *path)
{
  JsonNode *node = member_at (response, path);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    g_error ("%s is not an integer in %s", path, response->body);

  return json_node_get_int (node);
}

const char *
test_response_error (TestResponse *response)
{
  return test_response_string (response, "error.code");
}

void
test_assert_error (TestResponse *response,
                   guint         status,
                   const char   *code,
                   const char   *field)
{
  g_test_message ("%u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (test_response_error (response), ==, code);
  if (field != NULL)
    g_assert_cmpstr (test_response_string (response, "error.field"), ==, field);
}

static char *
sign_in (TestServer *server,
         const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email,
                                           TEST_PASSWORD);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/login", NULL, body);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "token"));
}

char *
test_user_new (TestServer *server,
               const char *email,
               char       *account_id)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email,
                                           TEST_PASSWORD);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/register", NULL,
                                                   body);

  g_assert_cmpuint (response->status, ==, 201);
  if (account_id != NULL)
    g_strlcpy (account_id, test_response_string (response, "account.id"), 37);

  return sign_in (server, email);
}

char *
test_admin_new (TestServer *server,
                const char *email)
{
  g_autofree char *store = test_server_store_option (server);
  const char *argv[] = { test_server_binary (), "user", "add", email, "--role", "admin", store,
                         NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL, *err = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, TEST_PASSWORD "\n", NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("user add failed: %s", err);

  return sign_in (server, email);
}

void
test_grant (TestServer *server,
            const char *admin_token,
            const char *account_id,
            gint64      amount)
{
  g_autofree char *body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": %" G_GINT64_FORMAT
                                           ", \"reason\": \"Welcome credits\"}", account_id, amount);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/admin/grants",
                                                   admin_token, body);

  g_assert_cmpuint (response->status, ==, 201);
}

char *
test_capped_user_new (TestServer *server,
                      const char *admin_token,
                      const char *email,
                      gint64      credits,
                      const char *limits)
{
  char account_id[37];
  char *token = test_user_new (server, email, account_id);
  g_autoptr(TestResponse) r = NULL;

  test_grant (server, admin_token, account_id, credits);
  r = test_request (server, "PUT", "/v1/me/limits", token, limits);
  g_assert_cmpuint (r->status, ==, 200);
  return token;
}

typedef struct
{
  TestServer *server;
  const char *token;
  guint       n_runs;
} Spender;

static void
start_runs (TestServer  *server,
            SoupSession *session,
            const char  *token,
            guint        n_runs)
{
  for (guint i = 0; i < n_runs; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                               "\"inputs\": {\"images\": 10}}", id);
      g_autoptr(TestResponse) r = test_request_on (server, session, "POST", "/v1/runs", token,
                                                   body);

      g_assert_cmpuint (r->status, ==, 201);
    }
}

void
test_runs_start (TestServer *server,
                 const char *token,
                 guint       n_runs)
{
  start_runs (server, server->session, token, n_runs);
}

static gpointer
spend_thread (gpointer data)
{
  Spender *spender = data;
  g_autoptr(SoupSession) session = test_session_new ();

  start_runs (spender->server, session, spender->token, spender->n_runs);
  return NULL;
}

void
test_runs_at_once (TestServer *server,
                   const char *token,
                   guint       n_clients,
                   guint       n_runs)
{
  Spender spender = { server, token, n_runs };
  g_autofree GThread **threads = g_new (GThread *, n_clients);

  for (guint i = 0; i < n_clients; i++)
    threads[i] = g_thread_new ("spender", spend_thread, &spender);
  for (guint i = 0; i < n_clients; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_thread_join (threads[i]);
    }
}

gint64
test_balance (TestServer *server,
              const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  return test_response_int (me, "accounts.0.balance");
}

char *
test_server_ledger_path (TestServer *server)
{
  return g_build_filename (server->data_dir, "tally.db", NULL);
}

/* On PostgreSQL, through tally-server check: the same invariant queries. */
void
test_server_check_ledger (TestServer *server)
{
  g_autofree char *path = NULL;
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;

  if (server->store_url != NULL)
    {
      g_autofree char *option = test_server_store_option (server);
      g_autofree char *out = NULL;
      const char * const args[] = { "check", option, NULL };

      g_assert_cmpint (test_server_command (args, NULL, &out, NULL), ==, 0);
      return;
    }

  path = test_server_ledger_path (server);
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  tally_ledger_check (ledger, &error);
  g_assert_no_error (error);
}

static gint64
postgres_count (TestServer *server,
                const char *sql)
{
  PGconn *conn = connect_checked (server->store_url);
  PGresult *res = run_checked (conn, sql);
  gint64 count;

  g_assert_cmpint (PQntuples (res), ==, 1);
  count = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  PQfinish (conn);
  return count;
}

/* @sql in the SQL both stores understand. */
gint64
test_server_count (TestServer *server,
                   const char *sql)
{
  g_autofree char *path = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;
  gint64 count;

  if (server->store_url != NULL)
    return postgres_count (server, sql);

  path = test_server_ledger_path (server);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

void
test_server_exec (TestServer *server,
                  const char *sql)
{
  g_autofree char *path = NULL;
  sqlite3 *db = NULL;
  char *message = NULL;

  if (server->store_url != NULL)
    {
      PGconn *conn = connect_checked (server->store_url);

      PQclear (run_checked (conn, sql));
      PQfinish (conn);
      return;
    }

  path = test_server_ledger_path (server);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

gboolean
test_server_has_route (TestServer *server,
                       const char *method,
                       const char *path)
{
  /* Anonymous: the router answers before authentication does. */
  g_autoptr(TestResponse) response = test_request (server, method, path, NULL, NULL);
  const char *message = test_response_string (response, "error.message");

  if (response->status == 405)
    return FALSE;

  return !(response->status == 404 && message != NULL &&
           g_str_has_prefix (message, "There is nothing at "));
}

/* @input in a file of its own rather than a pipe: a command that exits
 * before reading it would make the write fail with EPIPE. */
static char *
input_file (const char *input)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("tally-test-stdin-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, input, -1, &error);
  g_assert_no_error (error);
  return path;
}

int
test_server_command (const char * const *args,
                     const char         *input,
                     char              **out,
                     char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdin_path = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;

  g_ptr_array_add (argv, (gpointer) test_server_binary ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* Without input, stdin is /dev/null. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (input != NULL)
    {
      stdin_path = input_file (input);
      g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
    }

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (stdin_path != NULL)
    g_unlink (stdin_path);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  if (!g_subprocess_get_if_exited (process))
    return -1;
  return g_subprocess_get_exit_status (process);
}

JsonObject *
test_audit_find (JsonArray  *items,
                 const char *action)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "action"), action))
        return item;
    }

  return NULL;
}

JsonArray *
test_list_transactions (TestServer *server,
                        const char *token)
{
  JsonArray *items = json_array_new ();
  g_autofree char *cursor = NULL;

  do
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/v1/transactions?limit=500&cursor=%s",
                                                        cursor)
                                     : g_strdup ("/v1/transactions?limit=500");
      g_autoptr(TestResponse) page = test_request (server, "GET", path, token, NULL);
      JsonArray *page_items;

      g_assert_cmpuint (page->status, ==, 200);
      page_items = json_node_get_array (test_response_member (page, "items"));
      for (guint i = 0; i < json_array_get_length (page_items); i++)
        json_array_add_element (items, json_node_copy (json_array_get_element (page_items, i)));

      g_clear_pointer (&cursor, g_free);
      cursor = g_strdup (test_response_string (page, "next_cursor"));
    }
  while (cursor != NULL);

  return items;
}

gboolean
test_iterate_until (gboolean (*done) (gpointer),
                    gpointer   data,
                    gdouble    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data) && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return done (data);
}

typedef struct
{
  SoupWebsocketConnection *connection;
  gboolean                 done;
} Socket;

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Socket *socket = data;
  g_autoptr(GError) error = NULL;

  socket->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                              &error);
  g_assert_no_error (error);
  socket->done = TRUE;
}

static gboolean
socket_connected (gpointer data)
{
  return ((Socket *) data)->done;
}

SoupWebsocketConnection *
test_events_open (TestServer  *server,
                  SoupSession *session,
                  const char  *token)
{
  g_autofree char *url = g_strconcat (server->base_url, "/v1/events", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Socket socket = { NULL, FALSE };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_socket_connected, &socket);
  g_assert_true (test_iterate_until (socket_connected, &socket, 5));
  g_assert_nonnull (socket.connection);
  return socket.connection;
}

gboolean
test_socket_closed (gpointer data)
{
  return soup_websocket_connection_get_state (data) == SOUP_WEBSOCKET_STATE_CLOSED;
}

/* A python3 that has aiosmtpd: Debian's, where another one may come first
 * in PATH. */
static const char *
sink_python (void)
{
  static const char * const candidates[] = { "/usr/bin/python3", "python3" };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      const char *argv[] = { candidates[i], "-c", "import aiosmtpd", NULL };
      int status = -1;

      if (g_spawn_sync (NULL, (char **) argv, NULL,
                        G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL))
        return candidates[i];
    }

  g_error ("no python3 with aiosmtpd: install python3-aiosmtpd");
}

static gboolean
port_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                                             port, NULL, NULL);

  return connection != NULL;
}

TestMailSink *
test_mail_sink_start (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *maildir = NULL;
  TestMailSink *sink = g_new0 (TestMailSink, 1);

  sink->dir = g_dir_make_tmp ("tally-mail-XXXXXX", &error);
  g_assert_no_error (error);
  /* The Mailbox handler makes the Maildir (new/, cur/, tmp/) only when
   * the folder does not exist yet. */
  maildir = g_build_filename (sink->dir, "maildir", NULL);
  sink->port = test_free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", sink->port);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sink->process = g_subprocess_launcher_spawn (launcher, &error, sink_python (), "-m", "aiosmtpd",
                                               "-n", "-l", listen, "-c",
                                               "aiosmtpd.handlers.Mailbox", maildir, NULL);
  g_assert_no_error (error);

  for (guint i = 0; i < 200 && !port_answers (sink->port); i++)
    g_usleep (50 * 1000);
  g_assert_true (port_answers (sink->port));
  return sink;
}

void
test_mail_sink_free (TestMailSink *sink)
{
  g_subprocess_force_exit (sink->process);
  g_subprocess_wait (sink->process, NULL, NULL);
  g_clear_object (&sink->process);
  test_remove_tree (sink->dir);
  g_free (sink->dir);
  g_free (sink);
}

GPtrArray *
test_mail_sink_texts (TestMailSink *sink)
{
  g_autofree char *new_dir = g_build_filename (sink->dir, "maildir", "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (new_dir, 0, NULL);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (new_dir, name, NULL);
      char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        g_ptr_array_add (texts, text);
    }

  return texts;
}
