/* tally-api-transactions.c: an account's history, by page or as a file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tally-api.h"
#include "tally-api-query.h"
#include "tally-api-json.h"
#include "tally-log.h"
#include "tally-server.h"

#define SEARCH_MAX_CHARS 256

/* A cursor is the seq of the last item given plus 4 bytes of a checksum
 * over it and the account, base64url: 16 characters. */

/* Read from the export thread at most this much at a time. */
#define EXPORT_CHUNK (64 * 1024)

/* --- query parameters --- */

/* The account to read: the user's own, or one named that is theirs, or
 * the pool of a team they own or administer. */
static gboolean
parse_account (TallyRequest        *request,
               TallyStatementQuery *query,
               TallyProblem        *problem)
{
  const TallyUser *user = tally_request_get_user (request);
  const char *account_id = tally_api_query_value (request, "account_id");

  g_strlcpy (query->account_id, user->account_id, sizeof query->account_id);
  if (account_id == NULL || g_ascii_strcasecmp (account_id, user->account_id) == 0)
    return TRUE;
  if (g_uuid_string_is_valid (account_id) && tally_api_manages_pool (request, account_id))
    {
      for (guint i = 0; i < 36; i++)
        query->account_id[i] = g_ascii_tolower (account_id[i]);
      return TRUE;
    }

  tally_problem_set (problem, 404, "not_found", "account_id", "There is no such account");
  return FALSE;
}

static gboolean
parse_filters (TallyRequest        *request,
               TallyStatementQuery *query,
               TallyProblem        *problem)
{
  const char *type = tally_api_query_value (request, "type");
  const char *tool = tally_api_query_value (request, "tool");
  const char *search = tally_api_query_value (request, "q");

  if (type != NULL && !tally_transfer_kind_from_string (type, &query->kind))
    {
      tally_problem_invalid (problem, "type", "“%s” is not a kind of transaction", type);
      return FALSE;
    }
  query->filter_kind = type != NULL;
  /* A lease only sets credits aside for a device and is never posted:
   * bookkeeping that comes and goes with every sync, listed only when
   * asked for with type=lease. */
  if (type == NULL)
    query->exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);

  if (tool != NULL && strlen (tool) >= TALLY_TOOL_ID_MAX)
    {
      tally_problem_invalid (problem, "tool", "“tool” must be a tool id");
      return FALSE;
    }
  query->tool_id = tool;

  if (search != NULL && g_utf8_strlen (search, -1) > SEARCH_MAX_CHARS)
    {
      tally_problem_invalid (problem, "q", "“q” must be at most %d characters", SEARCH_MAX_CHARS);
      return FALSE;
    }
  query->search = search;

  return parse_account (request, query, problem) &&
         tally_api_parse_time_range (request, &query->since, &query->until, problem);
}

/* --- GET /v1/transactions --- */

static void
set_text_or_null (JsonObject *object,
                  const char *name,
                  const char *value)
{
  if (value != NULL && value[0] != '\0')
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* The same members as the JSON export's items, and the CSV's columns. */
JsonObject *
tally_api_statement_item_json (const TallyStatementItem *item)
{
  JsonObject *object = json_object_new ();
  g_autofree char *created_at = tally_time_to_iso8601 (item->created_at);
  gboolean is_run = item->kind == TALLY_TRANSFER_KIND_CONSUMPTION && item->ref[0] != '\0';

  json_object_set_string_member (object, "id", item->id);
  json_object_set_string_member (object, "kind", tally_transfer_kind_to_string (item->kind));
  json_object_set_string_member (object, "status", tally_item_status_to_string (item->status));
  json_object_set_int_member (object, "amount", item->amount);
  set_text_or_null (object, "tool", item->tool_id);
  set_text_or_null (object, "run_id", is_run ? item->ref : NULL);
  set_text_or_null (object, "created_at", created_at);
  set_text_or_null (object, "description", item->description);
  return object;
}

static void
respond_page (TallyRequest              *request,
              const TallyStatementQuery *query,
              GArray                    *items,
              gint64                     next_before_seq)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *array = json_array_sized_new (items->len);

  for (guint i = 0; i < items->len; i++)
    {
      const TallyStatementItem *item = &g_array_index (items, TallyStatementItem, i);

      json_array_add_object_element (array, tally_api_statement_item_json (item));
    }
  json_object_set_array_member (body, "items", array);

  if (next_before_seq > 0)
    {
      g_autofree char *cursor = tally_api_cursor_encode (next_before_seq, query->account_id);

      json_object_set_string_member (body, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (body, "next_cursor");

  tally_request_respond_object (request, 200, body);
}

static void
handle_transactions (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyStatementQuery query = { 0 };
  g_autoptr(GArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 next = 0;

  if (!parse_filters (request, &query, &problem) ||
      !tally_api_parse_page (request, query.account_id, &query.limit, &query.before_seq,
                             &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  items = tally_api_store_query_statement (store, &query, &next, &error);
  if (items == NULL)
    {
      tally_request_respond_error (request, 500, "internal_error",
                                   "The history cannot be read now; try again");
      return;
    }

  respond_page (request, &query, items, next);
}

/* --- GET /v1/transactions/export --- */

/* One export, shared by the main thread (which feeds the response) and a
 * worker thread (which writes the file into a socket pair with its own
 * read connection to the ledger). The socket's buffer is the only queue:
 * the worker blocks when the client reads slowly, so memory stays small
 * however long the history is. */
typedef struct
{
  TallyRequest        *request;
  SoupServerMessage   *msg;
  TallyExportFormat    format;
  TallyStatementQuery  query;
  char                *tool_id;
  char                *search;
  TallyApiStore       *store;
  GCancellable        *cancellable;
  GIOStream           *reader;
  GIOStream           *writer;

  gulong               finished_id;
  gulong               wrote_chunk_id;
  /* Headers are set and some of the file went out. */
  gboolean             started;
  gboolean             eof;
  gboolean             exported;
  GError              *export_error;
  /* The response is over: the client has it all, or went away. */
  gboolean             finished;
} ExportJob;

static void
export_job_clear (gpointer data)
{
  ExportJob *job = data;

  g_clear_error (&job->export_error);
  g_clear_object (&job->reader);
  g_clear_object (&job->writer);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->msg);
  g_clear_object (&job->store);
  g_free (job->search);
  g_free (job->tool_id);
  tally_request_unref (job->request);
}

static ExportJob *
export_job_ref (ExportJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
export_job_unref (gpointer job)
{
  g_atomic_rc_box_release_full (job, export_job_clear);
}

static GArray *
read_page (gpointer                    store,
           const TallyStatementQuery  *query,
           gint64                     *next_before_seq,
           GError                    **error)
{
  return tally_api_store_query_statement (store, query, next_before_seq, error);
}

static void
export_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  ExportJob *job = data;
  g_autoptr(TallyApiStore) reader = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (job->writer);
  GError *error = NULL;
  gboolean ok;

  reader = tally_api_store_open_reader (job->store, &error);
  ok = reader != NULL &&
       tally_export_statement_pages (read_page, reader, &job->query, job->format, out,
                                     cancellable, &error);

  /* The end of the stream tells the main thread there is no more. */
  g_io_stream_close (job->writer, NULL, NULL);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static const char *
content_type (TallyExportFormat format)
{
  return format == TALLY_EXPORT_FORMAT_JSON ? "application/json" : "text/csv; charset=utf-8";
}

static void
start_response (ExportJob *job)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (job->msg);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y%m%d");
  g_autofree char *disposition = NULL;

  disposition = g_strdup_printf ("attachment; filename=\"tally-transactions-%s.%s\"", date,
                                 job->format == TALLY_EXPORT_FORMAT_JSON ? "json" : "csv");
  soup_server_message_set_status (job->msg, 200, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Content-Type", content_type (job->format));
  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  /* Each chunk is dropped once written, not kept for the whole file. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (job->msg), FALSE);
  job->started = TRUE;
}

/* The file failed halfway: the status has gone out, so the only honest
 * answer left is a connection that ends before the last chunk. Shutting
 * the socket for writing makes the next write fail, which ends the
 * message as interrupted. */
static void
abort_response (ExportJob *job)
{
  GSocket *socket = soup_server_message_get_socket (job->msg);

  if (socket != NULL)
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
  soup_message_body_append (soup_server_message_get_response_body (job->msg), SOUP_MEMORY_STATIC,
                            "\n", 1);
  soup_server_message_unpause (job->msg);
}

/* Ends the response once the file is all read and the worker has said how
 * it went. */
static void
maybe_finish (ExportJob *job)
{
  if (job->finished || !job->eof || !job->exported)
    return;

  if (job->export_error != NULL && !job->started)
    {
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The history cannot be exported now; try again");
      return;
    }
  if (job->export_error != NULL)
    {
      abort_response (job);
      return;
    }

  if (!job->started)
    start_response (job);
  soup_message_body_complete (soup_server_message_get_response_body (job->msg));
  soup_server_message_unpause (job->msg);
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  ExportJob *job = g_task_get_task_data (G_TASK (result));

  job->exported = TRUE;
  if (!g_task_propagate_boolean (G_TASK (result), &job->export_error) &&
      !g_error_matches (job->export_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    tally_log_warning ("export_failed", job->export_error->message);
  maybe_finish (job);

  /* The worker's reference, dropped here on the main thread: the last one
   * must never be released where the request and message are not safe. */
  export_job_unref (job);
}

static void read_next (ExportJob *job);

static void
got_chunk (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  ExportJob *job = data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (job->finished)
    {
      export_job_unref (job);
      return;
    }

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      /* A read error means the worker's end is gone too: its result
       * says what happened. */
      job->eof = TRUE;
      maybe_finish (job);
      export_job_unref (job);
      return;
    }

  if (!job->started)
    start_response (job);
  soup_message_body_append_bytes (soup_server_message_get_response_body (job->msg), bytes);
  soup_server_message_unpause (job->msg);
  export_job_unref (job);
}

/* The next read waits until the last chunk is written to the client. */
static void
read_next (ExportJob *job)
{
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (job->reader), EXPORT_CHUNK,
                                   G_PRIORITY_DEFAULT, job->cancellable, got_chunk,
                                   export_job_ref (job));
}

static void
on_wrote_chunk (SoupServerMessage *msg,
                ExportJob         *job)
{
  if (!job->eof)
    read_next (job);
}

static void
on_finished (SoupServerMessage *msg,
             ExportJob         *job)
{
  job->finished = TRUE;
  g_cancellable_cancel (job->cancellable);
  g_clear_signal_handler (&job->finished_id, msg);
  g_clear_signal_handler (&job->wrote_chunk_id, msg);
  export_job_unref (job);
}

/* Two connected sockets: the worker writes into one, the main loop reads
 * from the other without blocking. */
static gboolean
open_channel (ExportJob  *job,
              GError    **error)
{
  g_autoptr(GSocket) read_end = NULL;
  g_autoptr(GSocket) write_end = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No socket pair for the export");
      return FALSE;
    }

  read_end = g_socket_new_from_fd (fds[0], error);
  if (read_end == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  write_end = g_socket_new_from_fd (fds[1], error);
  if (write_end == NULL)
    {
      close (fds[1]);
      return FALSE;
    }

  job->reader = G_IO_STREAM (g_socket_connection_factory_create_connection (read_end));
  job->writer = G_IO_STREAM (g_socket_connection_factory_create_connection (write_end));
  return TRUE;
}

static ExportJob *
export_job_new (TallyRequest              *request,
                TallyExportFormat          format,
                const TallyStatementQuery *query)
{
  TallyServer *server = tally_request_get_server (request);
  ExportJob *job = g_atomic_rc_box_new0 (ExportJob);

  job->request = tally_request_ref (request);
  job->msg = g_object_ref (tally_request_get_message (request));
  job->format = format;
  job->query = *query;
  job->tool_id = g_strdup (query->tool_id);
  job->search = g_strdup (query->search);
  job->query.tool_id = job->tool_id;
  job->query.search = job->search;
  job->store = g_object_ref (tally_server_get_store (server));
  job->cancellable = g_cancellable_new ();
  return job;
}

static void
start_export (ExportJob *job)
{
  g_autoptr(GTask) task = g_task_new (NULL, job->cancellable, exported, NULL);

  /* One reference for the response, one for the worker (dropped by
   * exported()), one per read. */
  job->finished_id = g_signal_connect (job->msg, "finished", G_CALLBACK (on_finished), job);
  job->wrote_chunk_id = g_signal_connect (job->msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk),
                                          job);
  g_task_set_task_data (task, export_job_ref (job), NULL);
  g_task_run_in_thread (task, export_in_thread);
  read_next (job);
}

static void
handle_export (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyStatementQuery query = { 0 };
  TallyExportFormat format = TALLY_EXPORT_FORMAT_CSV;
  const char *name = tally_api_query_value (request, "format");
  g_autoptr(GError) error = NULL;
  ExportJob *job;

  if (name != NULL && !tally_export_format_from_string (name, &format))
    {
      tally_problem_invalid (&problem, "format", "“format” must be csv or json");
      tally_request_respond_problem (request, &problem);
      return;
    }
  if (!parse_filters (request, &query, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = export_job_new (request, format, &query);
  if (!open_channel (job, &error))
    {
      tally_request_respond_error (request, 503, "unavailable",
                                   "The export cannot start now; try again");
      export_job_unref (job);
      return;
    }

  /* The request stays paused until the first chunk is ready. */
  start_export (job);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/transactions", handle_transactions, TALLY_ROUTE_AUTH },
  { "GET", "/v1/transactions/export", handle_export, TALLY_ROUTE_AUTH },
};

void
tally_api_transactions_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
