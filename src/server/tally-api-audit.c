/* tally-api-audit.c: the audit log, for admins
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-query.h"
#include "tally-api-json.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-server.h"

#define FILTER_MAX_CHARS 256

/* A cursor is the seq of the last record given plus 4 bytes of a checksum
 * over it, base64url: 16 characters. */

/* Records per chunk of the export. */
#define EXPORT_PAGE 500

/* --- query parameters --- */

static gboolean
parse_text (TallyRequest  *request,
            const char    *name,
            const char   **value,
            TallyProblem  *problem)
{
  *value = tally_api_query_value (request, name);
  if (*value != NULL && g_utf8_strlen (*value, -1) > FILTER_MAX_CHARS)
    {
      tally_problem_invalid (problem, name, "“%s” must be at most %d characters", name,
                             FILTER_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_outcome (TallyRequest  *request,
               const char   **outcome,
               TallyProblem  *problem)
{
  static const char * const outcomes[] = { "ok", "refused", "failed", NULL };

  *outcome = tally_api_query_value (request, "outcome");
  if (*outcome != NULL && !g_strv_contains (outcomes, *outcome))
    {
      tally_problem_invalid (problem, "outcome", "“outcome” must be ok, refused or failed");
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_query (TallyRequest    *request,
             TallyAuditQuery *query,
             TallyProblem    *problem)
{
  memset (query, 0, sizeof *query);

  return parse_text (request, "actor", &query->actor, problem) &&
         parse_text (request, "action", &query->action, problem) &&
         parse_text (request, "q", &query->search, problem) &&
         parse_outcome (request, &query->outcome, problem) &&
         tally_api_parse_time_range (request, &query->since, &query->until, problem) &&
         tally_api_parse_page (request, "audit", &query->limit, &query->before_seq,
                               problem);
}

/* --- records as JSON --- */

static void
set_text_or_null (JsonObject *object,
                  const char *name,
                  const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

static void
set_details (JsonObject             *object,
             const TallyAuditRecord *record)
{
  g_autoptr(JsonNode) node = json_from_string (record->details, NULL);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    json_object_set_member (object, "details", g_steal_pointer (&node));
  else
    json_object_set_object_member (object, "details", json_object_new ());
}

static JsonObject *
record_json (const TallyAuditRecord *record)
{
  JsonObject *object = json_object_new ();
  g_autofree char *time = tally_time_to_iso8601 (record->time);

  json_object_set_string_member (object, "id", record->id);
  json_object_set_int_member (object, "seq", record->seq);
  json_object_set_string_member (object, "time", time);
  json_object_set_string_member (object, "actor", record->actor);
  set_text_or_null (object, "actor_email", record->actor_email);
  json_object_set_string_member (object, "action", record->action);
  set_text_or_null (object, "target", record->target);
  json_object_set_string_member (object, "outcome", record->outcome);
  set_details (object, record);
  return object;
}

static char *
hex_encode (const guint8 *bytes,
            gsize         length)
{
  GString *hex = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

/* One hex string per sealed field; a pseudonymised field's key is zeros. */
static JsonArray *
hex_array (const guint8 fields[TALLY_AUDIT_N_SEALED_FIELDS][TALLY_AUDIT_HASH_LEN])
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    {
      g_autofree char *hex = hex_encode (fields[i], TALLY_AUDIT_HASH_LEN);

      json_array_add_string_element (array, hex);
    }
  return array;
}

/* What a reader needs to check the chain itself: the exact values that
 * were hashed, and the hashes in hex. */
/* The record's link in the chain, which a detail view shows. */
static void
set_hashes (JsonObject             *object,
            const TallyAuditRecord *record)
{
  g_autofree char *prev_hash = hex_encode (record->prev_hash, TALLY_AUDIT_HASH_LEN);
  g_autofree char *hash = hex_encode (record->hash, TALLY_AUDIT_HASH_LEN);

  json_object_set_string_member (object, "prev_hash", prev_hash);
  json_object_set_string_member (object, "hash", hash);
}

static JsonObject *
export_json (const TallyAuditRecord *record)
{
  JsonObject *object = record_json (record);

  json_object_set_int_member (object, "time_us", record->time);
  json_object_set_string_member (object, "details_text", record->details);
  set_hashes (object, record);
  json_object_set_int_member (object, "format", MAX (record->format, 1));
  if (record->format >= 2)
    {
      json_object_set_array_member (object, "field_keys",
                                    hex_array (record->field_keys));
      json_object_set_array_member (object, "field_digests",
                                    hex_array (record->field_digests));
    }
  return object;
}

static TallyAudit *
request_audit (TallyRequest *request)
{
  return tally_server_get_audit (tally_request_get_server (request));
}

/* --- GET /v1/admin/audit --- */

static void
respond_page (TallyRequest *request,
              GArray       *records,
              gint64        next_before_seq)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items = json_array_sized_new (records->len);

  for (guint i = 0; i < records->len; i++)
    {
      const TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);
      JsonObject *item = record_json (record);

      set_hashes (item, record);
      json_array_add_object_element (items, item);
    }
  json_object_set_array_member (body, "items", items);

  if (next_before_seq > 0)
    {
      g_autofree char *cursor = tally_api_cursor_encode (next_before_seq, "audit");

      json_object_set_string_member (body, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (body, "next_cursor");

  tally_request_respond_object (request, 200, body);
}

static void
handle_audit (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(GArray) records = NULL;
  g_autoptr(GError) error = NULL;
  TallyAuditQuery query;
  gint64 next = 0;

  if (!parse_query (request, &query, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  records = tally_audit_query (request_audit (request), &query, &next, &error);
  if (records == NULL)
    {
      tally_log_warning ("audit_read_failed", error->message);
      tally_request_respond_error (request, 500, "internal_error",
                                   "The audit log cannot be read now; try again");
      return;
    }

  respond_page (request, records, next);
}

/* --- GET /v1/admin/audit/verify --- */

/* The walk runs on a worker thread with a read connection of its own;
 * the request waits, the server does not. */
typedef struct
{
  TallyRequest  *request;
  TallyApiStore *store;
  gint64         n_records;
  gint64         broken_at;
  char          *message;
} VerifyJob;

static void
verify_job_free (gpointer data)
{
  VerifyJob *job = data;

  tally_request_unref (job->request);
  g_object_unref (job->store);
  g_free (job->message);
  g_free (job);
}

/* The walk on a read-only connection of its own to the store, on a
 * worker thread: a long chain never stalls the server. */
static gboolean
verify_store (TallyApiStore  *origin,
              gint64         *n_records,
              gint64         *broken_at,
              char          **message,
              GError        **error)
{
  g_autoptr(TallyApiStore) store = tally_api_store_open_reader (origin, error);
  g_autoptr(TallyAudit) reader = NULL;

  if (store == NULL)
    return FALSE;

  reader = tally_audit_new_reader (TALLY_RULES_STORE (store));
  return tally_audit_verify (reader, n_records, broken_at, message, error);
}

static void
verify_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  VerifyJob *job = data;
  GError *error = NULL;

  if (verify_store (job->store, &job->n_records, &job->broken_at, &job->message, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  VerifyJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      tally_log_warning ("audit_read_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The audit log cannot be read now; try again");
      return;
    }

  json_object_set_boolean_member (body, "ok", job->broken_at == 0);
  json_object_set_int_member (body, "records", job->n_records);
  if (job->broken_at != 0)
    {
      json_object_set_int_member (body, "broken_at", job->broken_at);
      json_object_set_string_member (body, "message", job->message);
    }
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_verify (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  VerifyJob *job = g_new0 (VerifyJob, 1);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, verified, NULL);

  job->request = tally_request_ref (request);
  job->store = g_object_ref (store);
  g_task_set_task_data (task, job, verify_job_free);
  tally_request_pause (request);
  g_task_run_in_thread (task, verify_in_thread);
}

/* --- GET /v1/admin/audit/export --- */

/* The export is read a page at a time on the main thread, each page once
 * the one before is written to the client: memory stays one page however
 * long the log is. Records are append-only, so paging by seq up to the
 * last one at the start gives one consistent file. */
typedef struct
{
  TallyRequest      *request;
  SoupServerMessage *msg;
  gint64             after_seq;
  gint64             last_seq;
  gulong             wrote_chunk_id;
  gulong             finished_id;
  guint              idle_id;
  gboolean           complete;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_handle_id (&job->idle_id, g_source_remove);
  g_clear_signal_handler (&job->wrote_chunk_id, job->msg);
  g_clear_signal_handler (&job->finished_id, job->msg);
  g_clear_object (&job->msg);
  tally_request_unref (job->request);
  g_free (job);
}

static GString *
export_page (ExportJob  *job,
             GError    **error)
{
  g_autoptr(GArray) records = NULL;
  GString *text = g_string_new (NULL);

  records = tally_audit_read_after (request_audit (job->request), job->after_seq, job->last_seq,
                                    EXPORT_PAGE, error);
  if (records == NULL)
    {
      g_string_free (text, TRUE);
      return NULL;
    }

  for (guint i = 0; i < records->len; i++)
    {
      const TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);
      g_autoptr(JsonObject) object = export_json (record);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree char *line = tally_json_to_string (node);

      g_string_append (text, line);
      g_string_append_c (text, '\n');
      job->after_seq = record->seq;
    }

  return text;
}

/* Sends the next page, or ends the file after the last one. A read error
 * halfway can only cut the response short: the status went out already. */
static gboolean
send_next (gpointer data)
{
  ExportJob *job = data;
  SoupMessageBody *body = soup_server_message_get_response_body (job->msg);
  g_autoptr(GError) error = NULL;
  GString *text;

  job->idle_id = 0;
  text = export_page (job, &error);
  if (text == NULL)
    {
      tally_log_warning ("audit_export_failed", error->message);
      if (soup_server_message_get_socket (job->msg) != NULL)
        g_socket_shutdown (soup_server_message_get_socket (job->msg), FALSE, TRUE, NULL);
      job->complete = TRUE;
      soup_message_body_complete (body);
    }
  else if (text->len == 0)
    {
      g_string_free (text, TRUE);
      job->complete = TRUE;
      soup_message_body_complete (body);
    }
  else
    {
      gsize length = text->len;

      soup_message_body_append (body, SOUP_MEMORY_TAKE, g_string_free (text, FALSE), length);
    }

  soup_server_message_unpause (job->msg);
  return G_SOURCE_REMOVE;
}

static void
on_wrote_chunk (SoupServerMessage *msg,
                ExportJob         *job)
{
  if (!job->complete && job->idle_id == 0)
    job->idle_id = g_idle_add (send_next, job);
}

static void
on_finished (SoupServerMessage *msg,
             ExportJob         *job)
{
  export_job_free (job);
}

static void
handle_export (TallyRequest *request)
{
  ExportJob *job = g_new0 (ExportJob, 1);
  SoupMessageHeaders *headers;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y%m%d");
  g_autofree char *disposition = NULL;

  job->request = tally_request_ref (request);
  job->msg = g_object_ref (tally_request_get_message (request));
  job->last_seq = tally_audit_get_last_seq (request_audit (request));

  headers = soup_server_message_get_response_headers (job->msg);
  disposition = g_strdup_printf ("attachment; filename=\"tally-audit-%s.jsonl\"", date);
  soup_server_message_set_status (job->msg, 200, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Content-Type", "application/jsonl");
  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_body_set_accumulate (soup_server_message_get_response_body (job->msg), FALSE);

  job->wrote_chunk_id = g_signal_connect (job->msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk),
                                          job);
  job->finished_id = g_signal_connect (job->msg, "finished", G_CALLBACK (on_finished), job);
  /* After the dispatcher has paused the request. */
  job->idle_id = g_idle_add (send_next, job);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/admin/audit", handle_audit, TALLY_ROUTE_ADMIN },
  { "GET", "/v1/admin/audit/export", handle_export, TALLY_ROUTE_ADMIN },
  { "GET", "/v1/admin/audit/verify", handle_verify, TALLY_ROUTE_ADMIN },
};

void
tally_api_audit_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
