/* tally-request.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-json-decode.h"
#include "tally-languages.h"
#include "tally-request.h"
#include "tally-server.h"
#include "tally-writer.h"

struct _TallyRequest
{
  TallyServer       *server;
  SoupServerMessage *msg;
  GHashTable        *query;
  GHashTable        *params;
  const TallyRoute  *route;
  char               id[37];
  char              *token;
  TallyUser          user;
  gboolean           has_user;
  TallyApiKey        api_key;
  gboolean           has_api_key;
  gint64             started;
  gboolean           paused;
  gboolean           responded;
  guint              status;
  /* The code of an error answer, for the error log. */
  char               error_code[TALLY_ERROR_CODE_MAX];
  /* Which of the server's languages the answer is in (Accept-Language). */
  guint              language;
};

static void
request_clear (gpointer data)
{
  TallyRequest *self = data;

  g_clear_object (&self->msg);
  g_clear_pointer (&self->query, g_hash_table_unref);
  g_clear_pointer (&self->params, g_hash_table_unref);
  g_clear_pointer (&self->token, g_free);
}

static char *
bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;

  return g_strstrip (g_strdup (header + 7));
}

TallyRequest *
tally_request_new (TallyServer       *server,
                   SoupServerMessage *msg,
                   GHashTable        *query)
{
  TallyRequest *self = g_rc_box_new0 (TallyRequest);
  g_autofree char *id = g_uuid_string_random ();

  self->server = server;
  self->msg = g_object_ref (msg);
  self->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (query != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (self->query, g_strdup (key), g_strdup (value));
    }
  g_strlcpy (self->id, id, sizeof self->id);
  self->token = bearer_token (msg);
  self->language = tally_languages_negotiate (
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept-Language"));
  self->started = g_get_monotonic_time ();
  return self;
}

TallyRequest *
tally_request_ref (TallyRequest *self)
{
  return g_rc_box_acquire (self);
}

void
tally_request_unref (TallyRequest *self)
{
  g_rc_box_release_full (self, request_clear);
}

TallyServer *
tally_request_get_server (TallyRequest *self)
{
  return self->server;
}

SoupServerMessage *
tally_request_get_message (TallyRequest *self)
{
  return self->msg;
}

const char *
tally_request_get_id (TallyRequest *self)
{
  return self->id;
}

const char *
tally_request_get_method (TallyRequest *self)
{
  return self->msg ? soup_server_message_get_method (self->msg) : "";
}

const char *
tally_request_get_path (TallyRequest *self)
{
  return self->msg ? g_uri_get_path (soup_server_message_get_uri (self->msg)) : "";
}

const char *
tally_request_get_remote_host (TallyRequest *self)
{
  const char *host = self->msg ? soup_server_message_get_remote_host (self->msg) : NULL;

  return host ? host : "unknown";
}

const TallyRoute *
tally_request_get_route (TallyRequest *self)
{
  return self->route;
}

void
tally_request_set_route (TallyRequest     *self,
                         const TallyRoute *route,
                         GHashTable       *params)
{
  self->route = route;
  g_clear_pointer (&self->params, g_hash_table_unref);
  self->params = params ? g_hash_table_ref (params) : NULL;
}

const char *
tally_request_get_param (TallyRequest *self,
                         const char   *name)
{
  return self->params ? g_hash_table_lookup (self->params, name) : NULL;
}

const char *
tally_request_get_query (TallyRequest *self,
                         const char   *name)
{
  return g_hash_table_lookup (self->query, name);
}

const TallyUser *
tally_request_get_user (TallyRequest *self)
{
  return self->has_user ? &self->user : NULL;
}

void
tally_request_set_user (TallyRequest    *self,
                        const TallyUser *user)
{
  self->has_user = user != NULL;
  if (user != NULL)
    self->user = *user;
}

const TallyApiKey *
tally_request_get_api_key (TallyRequest *self)
{
  return self->has_api_key ? &self->api_key : NULL;
}

void
tally_request_set_api_key (TallyRequest      *self,
                           const TallyApiKey *key)
{
  self->has_api_key = key != NULL;
  if (key != NULL)
    self->api_key = *key;
}

const char *
tally_request_get_token (TallyRequest *self)
{
  return self->token;
}

JsonObject *
tally_request_parse_body (TallyRequest *self,
                          TallyProblem *problem)
{
  SoupMessageBody *body = soup_server_message_get_request_body (self->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  return tally_json_parse_object (data, length, problem);
}

void
tally_request_pause (TallyRequest *self)
{
  if (self->msg == NULL || self->paused || self->responded)
    return;

  self->paused = TRUE;
  soup_server_message_pause (self->msg);
}

gboolean
tally_request_has_responded (TallyRequest *self)
{
  return self->responded;
}

guint
tally_request_get_status (TallyRequest *self)
{
  return self->status;
}

/* Answers with @data, which libsoup takes or copies as @use says. */
static void
respond_data (TallyRequest  *self,
              guint          status,
              const char    *content_type,
              SoupMemoryUse  use,
              const char    *data,
              gsize          size)
{
  self->responded = TRUE;
  self->status = status;
  if (self->msg == NULL)
    {
      if (use == SOUP_MEMORY_TAKE)
        g_free ((char *) data);
      return;
    }

  soup_server_message_set_status (self->msg, status, NULL);
  if (data != NULL)
    soup_server_message_set_response (self->msg, content_type, use, data, size);

  if (self->paused)
    {
      self->paused = FALSE;
      soup_server_message_unpause (self->msg);
    }
}

void
tally_request_respond_text (TallyRequest *self,
                            guint         status,
                            const char   *content_type,
                            char         *text)
{
  g_return_if_fail (!self->responded);

  respond_data (self, status, content_type, SOUP_MEMORY_TAKE, text,
                text != NULL ? strlen (text) : 0);
}

void
tally_request_respond_bytes (TallyRequest *self,
                             guint         status,
                             const char   *content_type,
                             GBytes       *bytes)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_return_if_fail (!self->responded);

  respond_data (self, status, content_type, SOUP_MEMORY_COPY, data, size);
}

/* Remembers {"error": {"code"}} of an error answer (a problem, or a
 * refusal a retry replays). */
static void
note_error_code (TallyRequest *self,
                 JsonNode     *body)
{
  JsonObject *object, *error;
  JsonNode *code;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;
  object = json_node_get_object (body);
  if (!json_object_has_member (object, "error") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "error")))
    return;
  error = json_object_get_object_member (object, "error");
  code = json_object_get_member (error, "code");
  if (code != NULL && JSON_NODE_HOLDS_VALUE (code) &&
      json_node_get_value_type (code) == G_TYPE_STRING)
    g_strlcpy (self->error_code, json_node_get_string (code), sizeof self->error_code);
}

const char *
tally_request_get_error_code (TallyRequest *self)
{
  return self->error_code[0] != '\0' ? self->error_code : NULL;
}

void
tally_request_respond (TallyRequest *self,
                       guint         status,
                       JsonNode     *body)
{
  g_autoptr(JsonNode) owned = body;

  if (status >= 400)
    note_error_code (self, owned);
  tally_request_respond_text (self, status, "application/json",
                              owned ? tally_json_to_string (owned) : NULL);
}

void
tally_request_respond_object (TallyRequest *self,
                              guint         status,
                              JsonObject   *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  tally_request_respond (self, status, node);
}

/* Of the server's languages (tally-languages.h), the one the client asked
 * for. */
guint
tally_request_get_language (TallyRequest *self)
{
  return self->language;
}

/* While the disk cannot take writes, a failed write is the disk's fault,
 * not the request's nor a bug: 503 with a reason, and when to come back. */
#define STORAGE_RETRY_SECONDS "30"

static gboolean
respond_storage_problem (TallyRequest *self)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyWriter *writer = tally_server_get_writer (self->server);

  switch (tally_writer_get_storage_state (writer))
    {
    case TALLY_STORAGE_FULL:
      tally_problem_set (&problem, 503, "storage_full", NULL,
                         "The server's disk is full, so nothing was saved; try again later");
      break;
    case TALLY_STORAGE_FAILING:
      tally_problem_set (&problem, 503, "storage_unavailable", NULL,
                         "The server cannot write its data now, so nothing was saved; "
                         "try again later");
      break;
    case TALLY_STORAGE_OK:
    default:
      return FALSE;
    }

  if (self->msg != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (self->msg),
                                  "Retry-After", STORAGE_RETRY_SECONDS);
  tally_request_respond_problem (self, &problem);
  return TRUE;
}

/* A database outage is not a bug either, and it ends by itself: the
 * store reconnects at the next statement. */
#define STORE_RETRY_SECONDS "5"

void
tally_request_respond_store_unavailable (TallyRequest *self)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

  tally_problem_set (&problem, 503, "storage_unavailable", NULL,
                     "The database is unavailable; try again shortly");
  if (self->msg != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (self->msg),
                                  "Retry-After", STORE_RETRY_SECONDS);
  tally_request_respond_problem (self, &problem);
}

void
tally_request_respond_problem (TallyRequest       *self,
                               const TallyProblem *problem)
{
  g_return_if_fail (tally_problem_is_set (problem));

  if (problem->status == 500 && respond_storage_problem (self))
    return;
  if (problem->status == 500 && tally_server_store_is_unavailable (self->server))
    {
      tally_request_respond_store_unavailable (self);
      return;
    }

  if (self->msg != NULL && self->language != TALLY_LANGUAGE_SOURCE)
    soup_message_headers_replace (soup_server_message_get_response_headers (self->msg),
                                  "Content-Language", tally_languages_tag (self->language));
  tally_request_respond (self, problem->status, tally_problem_to_json_in (problem, self->language));
}

void
tally_request_respond_error (TallyRequest *self,
                             guint         status,
                             const char   *code,
                             const char   *format,
                             ...)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  va_list args;

  va_start (args, format);
  tally_problem_setv (&problem, status, code, NULL, format, args);
  va_end (args);

  tally_request_respond_problem (self, &problem);
}

void
tally_request_detach (TallyRequest *self)
{
  g_clear_object (&self->msg);
  self->paused = FALSE;
}

gint64
tally_request_get_started (TallyRequest *self)
{
  return self->started;
}
