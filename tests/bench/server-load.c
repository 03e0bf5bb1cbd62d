/* server-load.c: a load generator for tally-server
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N client threads, each with one keep-alive HTTP/1.1 connection on
 * loopback, send requests back to back for a fixed time. --port may be
 * given several times, for several server processes: client i connects
 * to the (i mod count)th port, so the clients are spread evenly.
 *
 *   healthz  GET /healthz
 *   runs     POST /v1/runs with a fresh id, then POST /v1/runs/ID/complete
 *            (outcome succeeded): one operation is the pair
 *
 * It prints one JSON object: operations, operations per second, p50 and
 * p99 latency of an operation, and errors. Plain sockets rather than a
 * client library, so the figures are the server's and not a client's.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#define BUFFER_SIZE (64 * 1024)

typedef enum
{
  MODE_HEALTHZ,
  MODE_RUNS,
} Mode;

typedef struct
{
  Mode        mode;
  GArray     *ports;     /* guint16 */
  guint       clients;
  double      seconds;
  const char *token;
  const char *tool;
  const char *inputs;
  gint64      units;
} Options;

/* One keep-alive connection with its read buffer. */
typedef struct
{
  int   fd;
  char  buffer[BUFFER_SIZE];
  gsize start;
  gsize end;
} Connection;

typedef struct
{
  guint    status;
  gboolean close;
  GString *body;
} Response;

/* Every client waits on this, so all start (and stop) together. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean go;
  gint64   deadline;
} StartLine;

typedef struct
{
  const Options *options;
  StartLine     *start_line;
  guint16        port;
  Connection     connection;
  GArray        *latencies;   /* gint64 microseconds, one per operation */
  guint          errors;
  char          *first_error;
  GThread       *thread;
} Client;

static gboolean
connection_open (Connection  *connection,
                 guint16      port,
                 GError     **error)
{
  struct sockaddr_in address = { 0 };
  int one = 1;

  connection->start = connection->end = 0;
  connection->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connection->fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "socket: %s",
                   g_strerror (errno));
      return FALSE;
    }

  /* Requests are small and answered one at a time: Nagle would only add
   * delay. */
  setsockopt (connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (connection->fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "connect: %s",
                   g_strerror (errno));
      close (connection->fd);
      connection->fd = -1;
      return FALSE;
    }

  return TRUE;
}

static void
connection_close (Connection *connection)
{
  if (connection->fd >= 0)
    close (connection->fd);
  connection->fd = -1;
}

static gboolean
send_all (Connection  *connection,
          const char  *data,
          gsize        length,
          GError     **error)
{
  while (length > 0)
    {
      ssize_t sent = send (connection->fd, data, length, MSG_NOSIGNAL);

      if (sent < 0 && errno == EINTR)
        continue;
      if (sent <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "send: %s", g_strerror (errno));
          return FALSE;
        }
      data += sent;
      length -= (gsize) sent;
    }

  return TRUE;
}

/* Reads more bytes after the unread ones, moving those to the front
 * first when the buffer is full. */
static gboolean
fill (Connection  *connection,
      GError     **error)
{
  ssize_t received;

  if (connection->end == BUFFER_SIZE)
    {
      if (connection->start == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "response headers larger than %d bytes", BUFFER_SIZE);
          return FALSE;
        }
      memmove (connection->buffer, connection->buffer + connection->start,
               connection->end - connection->start);
      connection->end -= connection->start;
      connection->start = 0;
    }

  do
    received = recv (connection->fd, connection->buffer + connection->end,
                     BUFFER_SIZE - connection->end, 0);
  while (received < 0 && errno == EINTR);

  if (received <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "%s",
                   received == 0 ? "the server closed the connection" : g_strerror (errno));
      return FALSE;
    }

  connection->end += (gsize) received;
  return TRUE;
}

/* The status line and the two headers that matter here. */
static gboolean
parse_head (const char  *head,
            Response    *response,
            gint64      *content_length,
            GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  guint64 status = 0;
  char *after = NULL;

  if (lines[0] != NULL && g_str_has_prefix (lines[0], "HTTP/1.1 "))
    status = g_ascii_strtoull (lines[0] + 9, &after, 10);
  if (status < 100 || status > 599 || after == NULL || (*after != ' ' && *after != '\0'))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad status line “%s”",
                   lines[0] ? lines[0] : "");
      return FALSE;
    }

  response->status = (guint) status;
  *content_length = -1;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;
      const char *value;

      if (colon == NULL)
        continue;
      name = g_ascii_strdown (lines[i], colon - lines[i]);
      value = colon + 1 + strspn (colon + 1, " \t");
      if (g_str_equal (name, "content-length"))
        *content_length = g_ascii_strtoll (value, NULL, 10);
      else if (g_str_equal (name, "connection") && g_ascii_strcasecmp (value, "close") == 0)
        response->close = TRUE;
      else if (g_str_equal (name, "transfer-encoding"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "Transfer-Encoding %s is not supported", value);
          return FALSE;
        }
    }

  if (*content_length < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no Content-Length");
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_response (Connection  *connection,
               Response    *response,
               GError     **error)
{
  g_autofree char *head = NULL;
  gint64 remaining;
  char *end_of_head;

  while ((end_of_head = g_strstr_len (connection->buffer + connection->start,
                                      connection->end - connection->start, "\r\n\r\n")) == NULL)
    {
      if (!fill (connection, error))
        return FALSE;
    }

  head = g_strndup (connection->buffer + connection->start,
                    end_of_head - (connection->buffer + connection->start));
  connection->start = end_of_head + 4 - connection->buffer;
  if (!parse_head (head, response, &remaining, error))
    return FALSE;

  g_string_truncate (response->body, 0);
  while (remaining > 0)
    {
      gsize available = connection->end - connection->start;
      gsize take = MIN (available, (gsize) remaining);

      g_string_append_len (response->body, connection->buffer + connection->start, take);
      connection->start += take;
      remaining -= take;
      if (connection->start == connection->end)
        connection->start = connection->end = 0;
      if (remaining > 0 && !fill (connection, error))
        return FALSE;
    }

  return TRUE;
}

/* Sends one request and reads its answer, reconnecting first when the
 * server closed the connection after the last one. */
static gboolean
exchange (Client      *client,
          const char  *method,
          const char  *path,
          const char  *body,
          Response    *response,
          GError     **error)
{
  Connection *connection = &client->connection;
  g_autoptr(GString) request = g_string_new (NULL);

  if (connection->fd < 0 && !connection_open (connection, client->port, error))
    return FALSE;

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (client->options->token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", client->options->token);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\n", strlen (body));
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append (request, body);

  response->close = FALSE;
  if (!send_all (connection, request->str, request->len, error) ||
      !read_response (connection, response, error))
    {
      connection_close (connection);
      return FALSE;
    }
  if (response->close)
    connection_close (connection);

  return TRUE;
}

static void
client_fail (Client     *client,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

/* Counts an error and keeps the first one's description for the report. */
static void
client_fail (Client     *client,
             const char *format,
             ...)
{
  va_list args;

  client->errors++;
  if (client->first_error != NULL)
    return;

  va_start (args, format);
  client->first_error = g_strdup_vprintf (format, args);
  va_end (args);
}

static gboolean
expect (Client         *client,
        const char     *what,
        const Response *response,
        guint           status)
{
  if (response->status == status)
    return TRUE;

  client_fail (client, "%s: HTTP %u: %.300s", what, response->status, response->body->str);
  return FALSE;
}

static gboolean
do_healthz (Client   *client,
            Response *response)
{
  g_autoptr(GError) error = NULL;

  if (!exchange (client, "GET", "/healthz", NULL, response, &error))
    {
      client_fail (client, "GET /healthz: %s", error->message);
      return FALSE;
    }

  return expect (client, "GET /healthz", response, 200);
}

/* Authorize, then complete: a run as the app makes it, minus the tool. */
static gboolean
do_run (Client   *client,
        Response *response)
{
  const Options *options = client->options;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *authorize = NULL;
  g_autofree char *complete = NULL;
  g_autofree char *complete_path = NULL;
  g_autoptr(GError) error = NULL;

  authorize = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"%s\", \"inputs\": %s}", id,
                               options->tool, options->inputs);
  if (!exchange (client, "POST", "/v1/runs", authorize, response, &error))
    {
      client_fail (client, "POST /v1/runs: %s", error->message);
      return FALSE;
    }
  if (!expect (client, "POST /v1/runs", response, 201))
    return FALSE;

  complete = g_strdup_printf ("{\"units\": %" G_GINT64_FORMAT ", \"outcome\": \"succeeded\"}",
                              options->units);
  complete_path = g_strdup_printf ("/v1/runs/%s/complete", id);
  if (!exchange (client, "POST", complete_path, complete, response, &error))
    {
      client_fail (client, "POST /v1/runs/ID/complete: %s", error->message);
      return FALSE;
    }

  return expect (client, "POST /v1/runs/ID/complete", response, 200);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  StartLine *start_line = client->start_line;
  Response response = { 0, FALSE, g_string_new (NULL) };
  gint64 deadline;

  g_mutex_lock (&start_line->lock);
  while (!start_line->go)
    g_cond_wait (&start_line->cond, &start_line->lock);
  deadline = start_line->deadline;
  g_mutex_unlock (&start_line->lock);

  while (g_get_monotonic_time () < deadline)
    {
      gint64 began = g_get_monotonic_time ();
      gboolean ok;

      if (client->options->mode == MODE_RUNS)
        ok = do_run (client, &response);
      else
        ok = do_healthz (client, &response);

      if (ok)
        {
          gint64 latency = g_get_monotonic_time () - began;

          g_array_append_val (client->latencies, latency);
        }
      else if (client->errors > 1000)
        break;   /* a server that refuses everything: stop, say why */
    }

  g_string_free (response.body, TRUE);
  return NULL;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The nearest-rank percentile, in milliseconds. */
static double
percentile_ms (GArray *sorted,
               double  fraction)
{
  guint rank;

  if (sorted->len == 0)
    return 0;

  rank = (guint) MAX (1.0, (double) sorted->len * fraction + 0.999999);
  rank = MIN (rank, sorted->len);
  return (double) g_array_index (sorted, gint64, rank - 1) / 1000.0;
}

static void
print_report (const Options *options,
              Client        *clients,
              double         elapsed)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *first_error = NULL;
  guint errors = 0;

  for (guint i = 0; i < options->clients; i++)
    {
      g_array_append_vals (all, clients[i].latencies->data, clients[i].latencies->len);
      errors += clients[i].errors;
      if (first_error == NULL)
        first_error = clients[i].first_error;
    }
  g_array_sort (all, compare_int64);

  if (first_error != NULL)
    g_printerr ("server-load: %u errors, the first: %s\n", errors, first_error);
  printf ("{\"mode\": \"%s\", \"clients\": %u, \"seconds\": %.2f, \"operations\": %u, "
          "\"per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"errors\": %u}\n",
          options->mode == MODE_RUNS ? "runs" : "healthz", options->clients, elapsed, all->len,
          all->len / elapsed, percentile_ms (all, 0.50), percentile_ms (all, 0.99), errors);
}

/* Connects every client, starts them together, waits for them all. */
static gboolean
run_load (const Options  *options,
          GError        **error)
{
  StartLine start_line = { 0 };
  g_autofree Client *clients = g_new0 (Client, options->clients);
  gint64 began;

  /* Every connection first, so a server that is not there fails fast. */
  for (guint i = 0; i < options->clients; i++)
    {
      clients[i].port = g_array_index (options->ports, guint16, i % options->ports->len);
      if (!connection_open (&clients[i].connection, clients[i].port, error))
        {
          while (i-- > 0)
            connection_close (&clients[i].connection);
          return FALSE;
        }
    }

  g_mutex_init (&start_line.lock);
  g_cond_init (&start_line.cond);
  for (guint i = 0; i < options->clients; i++)
    {
      clients[i].options = options;
      clients[i].start_line = &start_line;
      clients[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      clients[i].thread = g_thread_new ("client", client_thread, &clients[i]);
    }

  g_mutex_lock (&start_line.lock);
  began = g_get_monotonic_time ();
  start_line.deadline = began + (gint64) (options->seconds * G_USEC_PER_SEC);
  start_line.go = TRUE;
  g_cond_broadcast (&start_line.cond);
  g_mutex_unlock (&start_line.lock);

  for (guint i = 0; i < options->clients; i++)
    g_thread_join (clients[i].thread);

  print_report (options, clients, (double) (g_get_monotonic_time () - began) / G_USEC_PER_SEC);

  for (guint i = 0; i < options->clients; i++)
    {
      connection_close (&clients[i].connection);
      g_array_unref (clients[i].latencies);
      g_free (clients[i].first_error);
    }
  g_mutex_clear (&start_line.lock);
  g_cond_clear (&start_line.cond);
  return TRUE;
}

/* Every --port, each a number from 1 to 65535; at least one. */
static gboolean
parse_ports (GStrv   ports,
             GArray *numbers)
{
  for (guint i = 0; ports != NULL && ports[i] != NULL; i++)
    {
      guint64 port;
      guint16 number;

      if (!g_ascii_string_to_unsigned (ports[i], 10, 1, G_MAXUINT16, &port, NULL))
        return FALSE;
      number = (guint16) port;
      g_array_append_val (numbers, number);
    }

  return numbers->len > 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *mode = NULL;
  g_autofree char *token = NULL;
  g_autofree char *tool = NULL;
  g_autofree char *inputs = NULL;
  g_auto(GStrv) ports = NULL;
  g_autoptr(GArray) port_numbers = g_array_new (FALSE, FALSE, sizeof (guint16));
  int clients = 1;
  double seconds = 10;
  gint64 units = 1;
  const GOptionEntry entries[] = {
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "healthz or runs", "MODE" },
    { "port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ports,
      "A server's port on 127.0.0.1 (repeat it for several servers)", "PORT" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "Concurrent connections (default 1)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "How long to run (default 10)", "S" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Bearer token for the runs", "TOKEN" },
    { "tool", 0, 0, G_OPTION_ARG_STRING, &tool, "Tool id of the runs", "ID" },
    { "inputs", 0, 0, G_OPTION_ARG_STRING, &inputs, "The runs' inputs, a JSON object", "JSON" },
    { "units", 0, 0, G_OPTION_ARG_INT64, &units, "Units each run reports (default 1)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— load tally-server");
  g_autoptr(GError) error = NULL;
  Options options = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("server-load: %s\n", error->message);
      return 2;
    }
  if (!parse_ports (ports, port_numbers) || clients < 1 || clients > 1024 || seconds <= 0 ||
      (g_strcmp0 (mode, "runs") != 0 && g_strcmp0 (mode, "healthz") != 0) ||
      (g_strcmp0 (mode, "runs") == 0 && (token == NULL || tool == NULL)))
    {
      g_printerr ("server-load: needs --port, --mode healthz|runs, and for runs --token and "
                  "--tool\n");
      return 2;
    }

  options.mode = g_str_equal (mode, "runs") ? MODE_RUNS : MODE_HEALTHZ;
  options.ports = port_numbers;
  options.clients = (guint) clients;
  options.seconds = seconds;
  options.token = token;
  options.tool = tool;
  options.inputs = inputs ? inputs : "{}";
  options.units = units;

  if (!run_load (&options, &error))
    {
      g_printerr ("server-load: %s\n", error->message);
      return 1;
    }

  return 0;
}
