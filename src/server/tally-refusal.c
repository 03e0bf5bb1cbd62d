/* tally-refusal.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-json-decode.h"
#include "tally-refusal.h"

/* After the answer, what the client still sends is read and dropped until
 * this long after the refusal, then the socket closes: closing with unread
 * data resets the connection, and a reset can destroy the answer before
 * the client reads it. Nothing read is kept. */
#define DRAIN_SECONDS 2
#define DRAIN_BUFFER  16384

typedef struct
{
  GIOStream    *stream;
  GCancellable *cancellable;
  guint         timeout;
  GBytes       *answer;
  guint8        buffer[DRAIN_BUFFER];
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_clear_handle_id (&refusal->timeout, g_source_remove);
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_clear_object (&refusal->stream);
  g_clear_object (&refusal->cancellable);
  g_clear_pointer (&refusal->answer, g_bytes_unref);
  g_free (refusal);
}

static gboolean
drain_timed_out (gpointer data)
{
  Refusal *refusal = data;

  refusal->timeout = 0;
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void
drained (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Refusal *refusal = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      refusal_free (refusal);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (source), refusal->buffer, sizeof refusal->buffer,
                             G_PRIORITY_DEFAULT, refusal->cancellable, drained, refusal);
}

static void
answered (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Refusal *refusal = data;
  GSocket *socket = g_object_get_data (G_OBJECT (refusal->stream), "GSocket");

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      socket == NULL || !g_socket_shutdown (socket, FALSE, TRUE, NULL))
    {
      refusal_free (refusal);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->buffer,
                             sizeof refusal->buffer, G_PRIORITY_DEFAULT, refusal->cancellable,
                             drained, refusal);
}

static GBytes *
format_answer (const TallyProblem *problem,
               const char         *request_id)
{
  g_autoptr(JsonNode) json = tally_problem_to_json (problem);
  g_autofree char *body = tally_json_to_string (json);
  g_autofree char *date = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GString *answer = g_string_new (NULL);

  date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S GMT");
  g_string_append_printf (answer,
                          "HTTP/1.1 %u %s\r\n"
                          "Date: %s\r\n"
                          "Server: tally-server/" PACKAGE_VERSION "\r\n"
                          "X-Request-Id: %s\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %zu\r\n"
                          "Connection: close\r\n"
                          "\r\n"
                          "%s",
                          problem->status, soup_status_get_phrase (problem->status), date,
                          request_id, strlen (body), body);
  return g_string_free_to_bytes (answer);
}

void
tally_refuse_before_body (SoupServerMessage  *msg,
                          const TallyProblem *problem,
                          const char         *request_id)
{
  Refusal *refusal;
  GIOStream *stream;

  g_return_if_fail (tally_problem_is_set (problem));

  /* libsoup forgets the message and its connection here; the body is
   * never read into memory. */
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  refusal = g_new0 (Refusal, 1);
  refusal->stream = stream;
  refusal->cancellable = g_cancellable_new ();
  refusal->answer = format_answer (problem, request_id);
  refusal->timeout = g_timeout_add_seconds (DRAIN_SECONDS, drain_timed_out, refusal);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_bytes_get_data (refusal->answer, NULL),
                                   g_bytes_get_size (refusal->answer), G_PRIORITY_DEFAULT,
                                   refusal->cancellable, answered, refusal);
}
