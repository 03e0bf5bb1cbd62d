/* tally-api-keys.c: POST, GET and DELETE /v1/me/api-keys
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-keys.h"
#include "tally-server.h"

/* --- decoding --- */

static gboolean
decode_scopes (JsonObject   *body,
               gboolean     *can_run,
               TallyProblem *problem)
{
  JsonArray *scopes = NULL;
  gboolean read = FALSE, run = FALSE;

  if (!tally_json_get_array (body, "scopes", TALLY_FIELD_REQUIRED, &scopes, problem))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (scopes); i++)
    {
      JsonNode *node = json_array_get_element (scopes, i);
      const char *scope = JSON_NODE_HOLDS_VALUE (node) &&
                          json_node_get_value_type (node) == G_TYPE_STRING ?
                          json_node_get_string (node) : NULL;
      gboolean *seen = g_strcmp0 (scope, "read") == 0 ? &read :
                       g_strcmp0 (scope, "run") == 0 ? &run : NULL;

      if (seen == NULL || *seen)
        {
          tally_problem_invalid (problem, "scopes",
                                 "“scopes” must be [\"read\"] or [\"read\", \"run\"]");
          return FALSE;
        }
      *seen = TRUE;
    }

  if (!read)
    {
      tally_problem_invalid (problem, "scopes",
                             "“scopes” must be [\"read\"] or [\"read\", \"run\"]");
      return FALSE;
    }

  *can_run = run;
  return TRUE;
}

gboolean
tally_api_decode_api_key (JsonObject         *body,
                          TallyApiKeyRequest *out,
                          TallyProblem       *problem)
{
  g_autofree char *stripped = NULL;

  memset (out, 0, sizeof *out);
  out->rate_limit = TALLY_API_KEY_RATE_DEFAULT;

  if (!tally_json_get_string (body, "name", TALLY_FIELD_REQUIRED, TALLY_API_KEY_NAME_MAX,
                              &out->name, problem) ||
      !decode_scopes (body, &out->can_run, problem) ||
      !tally_json_get_int (body, "rate_limit", TALLY_FIELD_OPTIONAL, 1, TALLY_API_KEY_RATE_MAX,
                           &out->rate_limit, problem))
    return FALSE;

  stripped = g_strstrip (g_strdup (out->name));
  if (stripped[0] == '\0')
    {
      tally_problem_invalid (problem, "name", "“name” must not be empty");
      return FALSE;
    }
  for (const char *p = out->name; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p == 0x7f)
        {
          tally_problem_invalid (problem, "name", "“name” must not hold control characters");
          return FALSE;
        }
    }

  return TRUE;
}

/* --- answers --- */

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this now; try again");
}

JsonArray *
tally_api_key_scopes_json (const TallyApiKey *key)
{
  JsonArray *scopes = json_array_new ();

  json_array_add_string_element (scopes, "read");
  if (key->can_run)
    json_array_add_string_element (scopes, "run");
  return scopes;
}

JsonObject *
tally_api_key_json (const TallyApiKey *key)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", key->id);
  json_object_set_string_member (object, "name", key->name);
  json_object_set_string_member (object, "prefix", key->prefix);
  json_object_set_array_member (object, "scopes", tally_api_key_scopes_json (key));
  tally_api_set_time (object, "created_at", key->created_at);
  tally_api_set_time (object, "last_used_at", key->last_used_at);
  json_object_set_int_member (object, "rate_limit", key->rate_limit);
  return object;
}

/* --- POST /v1/me/api-keys --- */

typedef struct
{
  TallyRequest       *request;
  TallyUser           user;
  TallyApiKeyRequest  decoded;
  char               *name;
  TallyApiKey         key;
  char               *secret;
} CreateJob;

static void
create_job_free (gpointer data)
{
  CreateJob *job = data;

  if (job->secret != NULL)
    memset (job->secret, 0, strlen (job->secret));
  g_free (job->secret);
  g_free (job->name);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
create_write (gpointer   data,
              GError   **error)
{
  CreateJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  job->decoded.name = job->name;
  return tally_keys_create (tally_server_get_store (server), job->user.id, &job->decoded,
                            &job->key, &job->secret, error) &&
         tally_audit_record (tally_server_get_audit (server), &job->user, "api_key.create",
                             job->key.id, "ok",
                             tally_audit_details ("ssbi", "name", job->key.name, "prefix",
                                                  job->key.prefix, "run", job->key.can_run,
                                                  "rate_limit", job->key.rate_limit),
                             error);
}

static void
create_done (gpointer      data,
             const GError *error)
{
  CreateJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  body = json_object_new ();
  json_object_set_string_member (body, "id", job->key.id);
  json_object_set_string_member (body, "key", job->secret);
  json_object_set_string_member (body, "name", job->key.name);
  json_object_set_string_member (body, "prefix", job->key.prefix);
  json_object_set_array_member (body, "scopes", tally_api_key_scopes_json (&job->key));
  json_object_set_int_member (body, "rate_limit", job->key.rate_limit);
  tally_api_set_time (body, "created_at", job->key.created_at);
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_create (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyApiKeyRequest decoded;
  CreateJob *job;

  if (body == NULL || !tally_api_decode_api_key (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (CreateJob, 1);
  job->request = tally_request_ref (request);
  job->user = *tally_request_get_user (request);
  job->decoded = decoded;
  job->name = g_strdup (decoded.name);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       create_write, create_done, job, create_job_free);
}

/* --- GET /v1/me/api-keys --- */

static void
handle_list (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GArray) keys = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items;

  keys = tally_api_store_list_api_keys (store, tally_request_get_user (request)->id, NULL);
  if (keys == NULL)
    {
      respond_storage_error (request);
      return;
    }

  items = json_array_new ();
  for (guint i = 0; i < keys->len; i++)
    json_array_add_object_element (items, tally_api_key_json (&g_array_index (keys,
                                                                                  TallyApiKey,
                                                                                  i)));
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- DELETE /v1/me/api-keys/{id} --- */

typedef struct
{
  TallyRequest *request;
  TallyUser     user;
  char          id[TALLY_UUID_LEN];
  gboolean      found;
} RevokeJob;

static void
revoke_job_free (gpointer data)
{
  RevokeJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
revoke_write (gpointer   data,
              GError   **error)
{
  RevokeJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);
  g_autoptr(GError) local_error = NULL;

  job->found = tally_api_store_revoke_api_key (tally_server_get_store (server), job->user.id,
                                               job->id, g_get_real_time (), &local_error);
  if (!job->found)
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return tally_audit_record (tally_server_get_audit (server), &job->user, "api_key.revoke",
                             job->id, "ok", NULL, error);
}

static void
revoke_done (gpointer      data,
             const GError *error)
{
  RevokeJob *job = data;

  if (error != NULL)
    respond_storage_error (job->request);
  else if (!job->found)
    tally_request_respond_error (job->request, 404, "not_found", "There is no such API key");
  else
    {
      tally_keys_forget (tally_server_get_keys (tally_request_get_server (job->request)),
                         job->id);
      tally_request_respond (job->request, 204, NULL);
    }
}

static void
handle_revoke (TallyRequest *request)
{
  const char *id = tally_request_get_param (request, "id");
  RevokeJob *job;

  /* Another user's key reads as missing, as a malformed id does. */
  if (id == NULL || !g_uuid_string_is_valid (id))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such API key");
      return;
    }

  job = g_new0 (RevokeJob, 1);
  job->request = tally_request_ref (request);
  job->user = *tally_request_get_user (request);
  for (guint i = 0; i < 36; i++)
    job->id[i] = g_ascii_tolower (id[i]);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       revoke_write, revoke_done, job, revoke_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/me/api-keys", handle_create, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/api-keys", handle_list, TALLY_ROUTE_AUTH },
  { "DELETE", "/v1/me/api-keys/{id}", handle_revoke, TALLY_ROUTE_AUTH },
};

void
tally_api_keys_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
