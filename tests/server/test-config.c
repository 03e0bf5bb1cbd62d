/* test-config.c: options, config files, `tally-server user`, stopping
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "tally-test-server.h"

/* A folder for config files and data dirs, removed by the test. */
static char *scratch;

static char *
example_config (void)
{
  const char *data = g_getenv ("TALLY_DATA_DIR");

  g_assert_nonnull (data);
  return g_build_filename (data, "tally-server.conf", NULL);
}

static char *
write_config (const char *name,
              const char *contents)
{
  char *path = g_build_filename (scratch, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Runs tally-server with @args and expects exit status 2 and a message on
 * stderr that contains @named. */
static void
assert_refused (const char * const *args,
                const char         *named)
{
  g_autofree char *err = NULL;
  int status = test_server_command (args, NULL, NULL, &err);

  g_test_message ("%s → %d: %s", args[0], status, err);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, named));
}

static void
test_unknown_option (void)
{
  const char *args[] = { "--no-such-option", NULL };
  const char *extra[] = { "--list-routes", "stray", NULL };

  assert_refused (args, "no-such-option");
  assert_refused (extra, "stray");
}

static void
test_bad_option_values (void)
{
  static const struct
  {
    const char *option;
    const char *named;
  } cases[] = {
    { "--listen=nonsense", "listen" },
    { "--listen=127.0.0.1:0", "listen" },
    { "--listen=localhost:8470", "listen" },
    { "--body-limit=-5", "body-limit" },
    { "--body-limit=lots", "body-limit" },
    { "--session-days=0", "session-days" },
    { "--sync-normal=perhaps", "sync-normal" },
    { "--data-dir=", "data-dir" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* --list-routes exits 0 at once if the value got through. */
      const char *args[] = { cases[i].option, "--list-routes", NULL };

      assert_refused (args, cases[i].named);
    }
}

static void
test_bad_config_files (void)
{
  static const struct
  {
    const char *contents;
    const char *named;
  } cases[] = {
    { "[server]\nfrobnicate = 1\n", "frobnicate" },
    { "[nonsense]\nlisten = 127.0.0.1:8470\n", "nonsense" },
    /* A key is known only in its own group. */
    { "[auth]\nlisten = 127.0.0.1:8470\n", "listen" },
    { "[server]\nlisten = nonsense\n", "listen" },
    { "[server]\nbody-limit = -5\n", "body-limit" },
    { "[server]\nsync-normal = maybe\n", "sync-normal" },
    { "[runs]\nhold-timeout = 0\n", "hold-timeout" },
    { "this is not a key file\n", "tally-server.conf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_config ("tally-server.conf", cases[i].contents);
      g_autofree char *option = g_strdup_printf ("--config=%s", path);
      const char *args[] = { option, "--list-routes", NULL };

      assert_refused (args, cases[i].named);
    }

  {
    const char *args[] = { "--config=/nonexistent/tally-server.conf", "--list-routes", NULL };

    assert_refused (args, "/nonexistent/tally-server.conf");
  }
}

/* A body of about @size bytes for registration: too long an email, so it
 * is refused either way, but 413 only over the body limit. */
static guint
post_body_of_size (TestServer *server,
                   gsize       size)
{
  g_autoptr(GString) body = g_string_new ("{\"email\": \"");
  g_autoptr(TestResponse) response = NULL;

  while (body->len < size)
    g_string_append_c (body, 'a');
  g_string_append (body, "@example.com\", \"password\": \"" TEST_PASSWORD "\"}");
  response = test_request (server, "POST", "/v1/auth/register", NULL, body->str);
  return response->status;
}

static void
test_command_line_wins (void)
{
  g_autofree char *path = write_config ("wins.conf", "[server]\nbody-limit = 2048\n");
  g_autofree char *option = g_strdup_printf ("--config=%s", path);
  const char *file_only[] = { option, NULL };
  const char *both[] = { option, "--body-limit=4096", NULL };

  {
    g_autoptr(TestServer) server = test_server_start (file_only);

    g_assert_cmpuint (post_body_of_size (server, 3000), ==, 413);
  }
  {
    g_autoptr(TestServer) server = test_server_start (both);

    g_assert_cmpuint (post_body_of_size (server, 3000), ==, 400);
  }
}

static void
test_example_config_loads (void)
{
  g_autofree char *path = example_config ();
  g_autofree char *option = g_strdup_printf ("--config=%s", path);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { option, "--list-routes", NULL };
  int status = test_server_command (args, NULL, &out, &err);

  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "GET /healthz\n"));

  {
    /* And a server runs with it: the harness's --listen and --data-dir
     * win over the file's. */
    const char *extra[] = { option, NULL };
    g_autoptr(TestServer) server = test_server_start (extra);
    g_autoptr(TestResponse) health = test_request (server, "GET", "/healthz", NULL, NULL);

    g_assert_cmpuint (health->status, ==, 200);
  }
}

/* An option named GROUP-KEY (--stripe-api-base) for a key that would be
 * ambiguous alone: KEY is described in the file's [GROUP]. */
static gboolean
described_in_group (const char *example,
                    const char *option)
{
  const char *dash = strchr (option, '-');
  g_autofree char *group = NULL;
  g_autofree char *set = NULL;
  g_autofree char *commented = NULL;
  const char *section;

  if (dash == NULL)
    return FALSE;

  group = g_strdup_printf ("\n[%.*s]\n", (int) (dash - option), option);
  set = g_strdup_printf ("\n%s = ", dash + 1);
  commented = g_strdup_printf ("\n# %s = ", dash + 1);
  section = strstr (example, group);
  return section != NULL && (strstr (section, set) != NULL || strstr (section, commented) != NULL);
}

/* Every option of `--help` (each is a key of the file) is described in the
 * example, set or commented out, so the example is the reference. */
static void
test_example_config_complete (void)
{
  const char *args[] = { "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *path = example_config ();
  g_autofree char *example = NULL;
  g_autoptr(GRegex) option = g_regex_new ("^  --([a-z-]+)=", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GError) error = NULL;
  guint n_keys = 0;

  g_assert_cmpint (test_server_command (args, NULL, &out, NULL), ==, 0);
  g_file_get_contents (path, &example, NULL, &error);
  g_assert_no_error (error);

  for (g_regex_match (option, out, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *key = g_match_info_fetch (match, 1);
      g_autofree char *set = g_strdup_printf ("\n%s = ", key);
      g_autofree char *commented = g_strdup_printf ("\n# %s = ", key);

      if (g_str_equal (key, "config"))
        continue;
      if (strstr (example, set) == NULL && strstr (example, commented) == NULL &&
          !described_in_group (example, key))
        g_error ("data/tally-server.conf does not describe the setting “%s”", key);
      n_keys++;
    }

  g_assert_cmpuint (n_keys, >=, 10);
}

/* --- tally-server user --- */

static int
user_command (TestServer  *server,
              const char  *input,
              char       **out,
              char       **err,
              ...)
{
  g_autofree char *store = test_server_store_option (server);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) "user");
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, store);
  g_ptr_array_add (args, NULL);

  return test_server_command ((const char * const *) args->pdata, input, out, err);
}

static TestResponse *
sign_in (TestServer *server,
         const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email,
                                           TEST_PASSWORD);

  return test_request (server, "POST", "/v1/auth/login", NULL, body);
}

static void
test_user_add (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autoptr(TestResponse) login = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status;

  status = user_command (server, "short\n", NULL, &err, "add", "dee@example.com", NULL);
  g_test_message ("short password → %d: %s", status, err);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (err, "password"));
  g_clear_pointer (&err, g_free);

  status = user_command (server, "", NULL, &err, "add", "dee@example.com", NULL);
  g_assert_cmpint (status, !=, 0);
  g_clear_pointer (&err, g_free);

  status = user_command (server, TEST_PASSWORD "\n", NULL, &err, "add", "not-an-email", NULL);
  g_assert_cmpint (status, !=, 0);
  g_clear_pointer (&err, g_free);

  status = user_command (server, TEST_PASSWORD "\n", NULL, &err, "add", "dee@example.com",
                         "--role", "emperor", NULL);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (err, "emperor"));
  g_clear_pointer (&err, g_free);

  /* Nothing above created her. */
  login = sign_in (server, "dee@example.com");
  g_assert_cmpuint (login->status, ==, 401);
  g_clear_pointer (&login, test_response_free);

  status = user_command (server, TEST_PASSWORD "\n", &out, &err, "add", "dee@example.com",
                         "--name", "Dee", NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);

  /* The running server sees her at once: the command wrote the same file. */
  login = sign_in (server, "dee@example.com");
  g_assert_cmpuint (login->status, ==, 200);
  g_assert_cmpstr (test_response_string (login, "user.role"), ==, "member");
  g_assert_cmpstr (test_response_string (login, "user.name"), ==, "Dee");

  status = user_command (server, TEST_PASSWORD "\n", NULL, NULL, "add", "dee@example.com", NULL);
  g_assert_cmpint (status, !=, 0);

  g_assert_cmpint (user_command (server, NULL, &out, NULL, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "dee@example.com\tmember\tactive\t"));
}

static void
test_user_roles_and_disable (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *token = test_user_new (server, "eve@example.com", NULL);
  g_autoptr(TestResponse) login = NULL, refused = NULL, after = NULL;
  g_autofree char *out = NULL;

  g_assert_cmpint (user_command (server, NULL, NULL, NULL, "set-role", "eve@example.com", "admin",
                                 NULL), ==, 0);
  g_assert_cmpint (user_command (server, NULL, &out, NULL, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "eve@example.com\tadmin\tactive\t"));
  g_clear_pointer (&out, g_free);
  login = sign_in (server, "eve@example.com");
  g_assert_cmpstr (test_response_string (login, "user.role"), ==, "admin");

  g_assert_cmpint (user_command (server, NULL, NULL, NULL, "set-role", "eve@example.com", "tsar",
                                 NULL), !=, 0);
  g_assert_cmpint (user_command (server, NULL, NULL, NULL, "set-role", "nobody@example.com",
                                 "admin", NULL), !=, 0);

  g_assert_cmpint (user_command (server, NULL, NULL, NULL, "disable", "eve@example.com", NULL),
                   ==, 0);
  g_assert_cmpint (user_command (server, NULL, &out, NULL, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "eve@example.com\tadmin\tdisabled\t"));

  refused = sign_in (server, "eve@example.com");
  g_assert_cmpuint (refused->status, ==, 401);
  g_assert_cmpstr (test_response_error (refused), ==, "unauthorized");
  /* Her sessions end with her: a token from before is refused too. */
  after = test_request (server, "POST", "/v1/auth/logout", token, NULL);
  g_assert_cmpuint (after->status, ==, 401);

  g_assert_cmpint (user_command (server, NULL, NULL, NULL, "enable", "eve@example.com", NULL),
                   ==, 0);
  g_clear_pointer (&login, test_response_free);
  login = sign_in (server, "eve@example.com");
  g_assert_cmpuint (login->status, ==, 200);
}

static void
test_user_usage (void)
{
  const char *bare[] = { "user", NULL };
  const char *unknown[] = { "user", "frobnicate", NULL };
  g_autofree char *dir_option = g_strdup_printf ("--data-dir=%s/usage", scratch);
  const char *option[] = { "user", "list", "--no-such-option", dir_option, NULL };

  assert_refused (bare, "Usage");
  assert_refused (option, "no-such-option");
  g_assert_cmpint (test_server_command (unknown, NULL, NULL, NULL), !=, 0);
}

/* --- SIGTERM with requests in flight --- */

#define N_WRITERS 8

/* One HTTP/1.1 connection spoken by hand: libsoup would open a new
 * connection for each POST, only when it sends, and could find the
 * listener already closed; here the connection is made, and accepted by
 * the server, before the signal. */
typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
} RawClient;

static void
raw_send (RawClient  *client,
          const char *request)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (client->connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* The status of the next answer, its body read and dropped; 0 when the
 * connection ended without one. */
static guint
raw_read_answer (RawClient *client)
{
  g_autofree char *status_line = g_data_input_stream_read_line (client->input, NULL, NULL, NULL);
  g_autofree char *body = NULL;
  guint64 status = 0, length = 0;
  gsize n_read = 0;

  if (status_line == NULL || !g_str_has_prefix (status_line, "HTTP/1.1 ") ||
      strlen (status_line) < 12)
    return 0;
  status_line[12] = '\0';
  if (!g_ascii_string_to_unsigned (status_line + 9, 10, 100, 599, &status, NULL))
    return 0;

  for (;;)
    {
      g_autofree char *header = g_data_input_stream_read_line (client->input, NULL, NULL, NULL);

      if (header == NULL)
        return 0;
      if (header[0] == '\0')
        break;
      if (g_ascii_strncasecmp (header, "Content-Length:", 15) == 0)
        g_ascii_string_to_unsigned (g_strstrip (header + 15), 10, 0, 1 << 20, &length, NULL);
    }

  body = g_malloc (length + 1);
  g_input_stream_read_all (G_INPUT_STREAM (client->input), body, length, &n_read, NULL, NULL);
  return n_read == length ? (guint) status : 0;
}

static void
raw_connect (RawClient  *client,
             TestServer *server)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *health = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                                             server->port);

  client->connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", server->port,
                                                        NULL, &error);
  g_assert_no_error (error);
  client->input = g_data_input_stream_new (
                    g_io_stream_get_input_stream (G_IO_STREAM (client->connection)));
  g_data_input_stream_set_newline_type (client->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);

  /* An answer proves the server has accepted the connection. */
  raw_send (client, health);
  g_assert_cmpuint (raw_read_answer (client), ==, 200);
}

static void
raw_register (RawClient  *client,
              TestServer *server,
              guint       index)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"w%u@example.com\", \"password\": \"%s\"}",
                                           index, TEST_PASSWORD);
  g_autofree char *request = g_strdup_printf ("POST /v1/auth/register HTTP/1.1\r\n"
                                              "Host: 127.0.0.1:%u\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s",
                                              server->port, strlen (body), body);

  raw_send (client, request);
}

static gboolean
raw_is_answered (RawClient *client)
{
  GSocket *socket = g_socket_connection_get_socket (client->connection);

  return g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (client->input)) > 0 ||
         g_socket_condition_check (socket, G_IO_IN) != 0;
}

static void
raw_close (RawClient *client)
{
  g_clear_object (&client->input);
  g_clear_object (&client->connection);
}

static void
test_sigterm_in_flight (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  RawClient clients[N_WRITERS];
  guint statuses[N_WRITERS];
  guint n_in_flight = 0, n_created = 0;

  for (guint i = 0; i < N_WRITERS; i++)
    raw_connect (&clients[i], server);

  /* A few milliseconds apart, so they are at different stages when the
   * signal comes: one group commit would otherwise answer them all. */
  for (guint i = 0; i < N_WRITERS; i++)
    {
      raw_register (&clients[i], server, i);
      g_usleep (4 * 1000);
    }

  /* Signal at the first answer: argon2id hashing on worker threads and
   * the group commit keep the later ones in flight. */
  do
    {
      g_usleep (500);
      n_in_flight = 0;
      for (guint i = 0; i < N_WRITERS; i++)
        n_in_flight += !raw_is_answered (&clients[i]);
    }
  while (n_in_flight == N_WRITERS);
  kill (server->pid, SIGTERM);

  for (guint i = 0; i < N_WRITERS; i++)
    {
      statuses[i] = raw_read_answer (&clients[i]);
      raw_close (&clients[i]);
      g_test_message ("w%u: %u", i, statuses[i]);
      /* Answered and done, or refused as the server stops if it was read
       * after the signal: never a request cut without an answer. */
      g_assert_true (statuses[i] == 201 || statuses[i] == 503);
      n_created += statuses[i] == 201;
    }
  /* Exit 0. */
  test_server_stop (server, FALSE);

  /* What was answered 201 is there after a restart, and only that. */
  test_server_restart (server);
  for (guint i = 0; i < N_WRITERS; i++)
    {
      g_autofree char *email = g_strdup_printf ("w%u@example.com", i);
      g_autoptr(TestResponse) login = sign_in (server, email);

      g_assert_cmpuint (login->status, ==, statuses[i] == 201 ? 200 : 401);
    }

  g_test_message ("%u of %u registrations were in flight at SIGTERM, %u created", n_in_flight,
                  N_WRITERS, n_created);
  /* Some of those in flight had been read before the signal: they finish. */
  g_assert_cmpuint (n_created, >, N_WRITERS - n_in_flight);
}

/* Starts tally-server with @args and reads its log until it listens or
 * exits: the log so far; @exited says which, and @status how it ended. */
static char *
start_and_read_log (const char * const *args,
                    gboolean           *exited,
                    int                *status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) log = NULL;
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new (NULL);
  char *line;

  g_ptr_array_add (argv, (gpointer) test_server_binary ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                               &error);
  g_assert_no_error (error);
  log = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  *exited = TRUE;
  while ((line = g_data_input_stream_read_line_utf8 (log, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (text, "%s\n", line);
      if (strstr (line, "\"event\":\"listening\"") != NULL)
        {
          *exited = FALSE;
          g_free (line);
          break;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  /* Stopped before its signal handlers are there, it ends by the signal. */
  if (!*exited)
    g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("%s", text->str);
  return g_string_free (text, FALSE);
}

/* The demo provider credits anyone who presses Pay: it says so at start,
 * and on an address beyond this computer it must be chosen on purpose. */
static void
test_demo_payments_guarded (void)
{
  g_autofree char *data = g_build_filename (scratch, "demo-data", NULL);
  g_autofree char *data_option = g_strdup_printf ("--data-dir=%s", data);
  g_autofree char *loopback = g_strdup_printf ("--listen=127.0.0.1:%u", test_free_port ());
  g_autofree char *everywhere = g_strdup_printf ("--listen=0.0.0.0:%u", test_free_port ());
  g_autofree char *file = write_config ("demo.conf", "[payments]\nprovider = demo\n");
  g_autofree char *file_option = g_strdup_printf ("--config=%s", file);
  const char *local[] = { loopback, data_option, NULL };
  const char *open[] = { everywhere, data_option, NULL };
  const char *chosen[] = { everywhere, data_option, "--payments-provider=demo", NULL };
  const char *in_file[] = { file_option, everywhere, data_option, NULL };
  gboolean exited;
  int status;
  g_autofree char *local_log = start_and_read_log (local, &exited, &status);
  g_autofree char *open_log = NULL;
  g_autofree char *chosen_log = NULL;
  g_autofree char *file_log = NULL;

  /* On this computer, by default: it runs, and warns. */
  g_assert_false (exited);
  g_assert_nonnull (strstr (local_log, "\"event\":\"demo_payments\""));
  g_assert_nonnull (strstr (local_log, "\"level\":\"warning\""));

  /* Beyond it, by default: refused, saying what to do. */
  open_log = start_and_read_log (open, &exited, &status);
  g_assert_true (exited);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (open_log, "--payments-provider=demo"));

  /* Chosen on purpose, on the command line or in the file: it runs, and
   * warns. */
  chosen_log = start_and_read_log (chosen, &exited, &status);
  g_assert_false (exited);
  g_assert_nonnull (strstr (chosen_log, "\"event\":\"demo_payments\""));
  file_log = start_and_read_log (in_file, &exited, &status);
  g_assert_false (exited);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  scratch = g_dir_make_tmp ("tally-config-test-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/config/unknown-option", test_unknown_option);
  g_test_add_func ("/config/bad-option-values", test_bad_option_values);
  g_test_add_func ("/config/bad-files", test_bad_config_files);
  g_test_add_func ("/config/command-line-wins", test_command_line_wins);
  g_test_add_func ("/config/example-loads", test_example_config_loads);
  g_test_add_func ("/config/example-complete", test_example_config_complete);
  g_test_add_func ("/config/user-add", test_user_add);
  g_test_add_func ("/config/user-roles-and-disable", test_user_roles_and_disable);
  g_test_add_func ("/config/user-usage", test_user_usage);
  g_test_add_func ("/config/sigterm-in-flight", test_sigterm_in_flight);
  g_test_add_func ("/config/demo-payments-guarded", test_demo_payments_guarded);

  status = g_test_run ();
  test_remove_tree (scratch);
  g_free (scratch);
  return status;
}
