/* tally-api-outgoing-webhooks.c: the user's webhooks (POST, GET, DELETE
 * /v1/me/webhooks) and their deliveries log
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
#include "tally-api-query.h"
#include "tally-server.h"
#include "tally-webhooks.h"

gboolean
tally_api_decode_webhook (JsonObject   *body,
                          const char  **url,
                          TallyProblem *problem)
{
  *url = NULL;

  return tally_json_get_string (body, "url", TALLY_FIELD_REQUIRED, TALLY_WEBHOOK_URL_MAX, url,
                                problem);
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

static void
respond_not_found (TallyRequest *request)
{
  tally_request_respond_error (request, 404, "not_found", "There is no such webhook");
}

/* {id, url, created_at}, and the secret when it is shown (once). */
JsonObject *
tally_api_webhook_json (const TallyWebhook *webhook,
                        gboolean            with_secret)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", webhook->id);
  json_object_set_string_member (object, "url", webhook->url);
  if (with_secret)
    json_object_set_string_member (object, "secret", webhook->secret);
  tally_api_set_time (object, "created_at", webhook->created_at);
  return object;
}

/* --- POST --- */

typedef struct
{
  TallyRequest *request;
  TallyWebhook  webhook;
} CreateJob;

static void
create_job_free (gpointer data)
{
  CreateJob *job = data;

  tally_request_unref (job->request);
  tally_webhook_clear (&job->webhook);
  g_free (job);
}

static gboolean
create_write (gpointer   data,
              GError   **error)
{
  CreateJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_webhooks_create (tally_server_get_webhooks (server),
                                tally_request_get_user (job->request), &job->webhook, error);
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

  body = tally_api_webhook_json (&job->webhook, TRUE);
  tally_request_respond_object (job->request, 201, body);
}

static void
on_url_checked (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  CreateJob *job = data;
  g_autoptr(GError) error = NULL;
  TallyServer *server = tally_request_get_server (job->request);

  if (!tally_webhooks_check_url_finish (TALLY_WEBHOOKS (source), result, &error))
    {
      g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

      tally_problem_invalid (&problem, "url", "%s", error->message);
      tally_request_respond_problem (job->request, &problem);
      create_job_free (job);
      return;
    }

  tally_writer_submit (tally_server_get_writer (server), create_write, create_done, job,
                       create_job_free);
}

static void
handle_create (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  g_autofree char *id = NULL;
  const char *url;
  CreateJob *job;

  if (body == NULL || !tally_api_decode_webhook (body, &url, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (CreateJob, 1);
  job->request = tally_request_ref (request);
  id = g_uuid_string_random ();
  g_strlcpy (job->webhook.id, id, sizeof job->webhook.id);
  g_strlcpy (job->webhook.user_id, tally_request_get_user (request)->id,
             sizeof job->webhook.user_id);
  job->webhook.url = g_strdup (url);
  job->webhook.secret = tally_webhook_secret_new ();

  tally_request_pause (request);
  tally_webhooks_check_url_async (tally_server_get_webhooks (server), url, on_url_checked, job);
}

/* --- GET --- */

static void
handle_list (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GArray) webhooks = NULL;
  JsonArray *items;

  webhooks = tally_api_store_list_webhooks (store, tally_request_get_user (request)->id, NULL);
  if (webhooks == NULL)
    {
      respond_storage_error (request);
      return;
    }

  items = json_array_new ();
  for (guint i = 0; i < webhooks->len; i++)
    json_array_add_object_element (items,
                                   tally_api_webhook_json (&g_array_index (webhooks, TallyWebhook,
                                                                           i),
                                                 FALSE));
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- DELETE --- */

typedef struct
{
  TallyRequest *request;
  char          id[TALLY_UUID_LEN];
  gboolean      found;
} DeleteJob;

static void
delete_job_free (gpointer data)
{
  DeleteJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
delete_write (gpointer   data,
              GError   **error)
{
  DeleteJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_webhooks_delete (tally_server_get_webhooks (server),
                                tally_request_get_user (job->request), job->id, &job->found,
                                error);
}

static void
delete_done (gpointer      data,
             const GError *error)
{
  DeleteJob *job = data;

  if (error != NULL)
    respond_storage_error (job->request);
  else if (!job->found)
    respond_not_found (job->request);
  else
    tally_request_respond (job->request, 204, NULL);
}

/* The id of the path, lower case; FALSE (answered 404) when it is not a
 * UUID. */
static gboolean
path_id (TallyRequest *request,
         char          id[TALLY_UUID_LEN])
{
  const char *param = tally_request_get_param (request, "id");
  g_autofree char *lower = NULL;

  if (param == NULL || !g_uuid_string_is_valid (param))
    {
      respond_not_found (request);
      return FALSE;
    }

  lower = g_ascii_strdown (param, -1);
  g_strlcpy (id, lower, TALLY_UUID_LEN);
  return TRUE;
}

static void
handle_delete (TallyRequest *request)
{
  DeleteJob *job = g_new0 (DeleteJob, 1);

  if (!path_id (request, job->id))
    {
      g_free (job);
      return;
    }

  job->request = tally_request_ref (request);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       delete_write, delete_done, job, delete_job_free);
}

/* --- deliveries --- */

static JsonObject *
delivery_json (const TallyDelivery *delivery)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "event_id", delivery->event_id);
  json_object_set_string_member (object, "type", delivery->type);
  json_object_set_string_member (object, "status",
                                 tally_delivery_status_to_string (delivery->status));
  json_object_set_int_member (object, "attempts", delivery->attempts);
  tally_api_set_time (object, "last_attempt_at", delivery->last_attempt_at);
  if (delivery->response_status > 0)
    json_object_set_int_member (object, "response_status", delivery->response_status);
  else
    json_object_set_null_member (object, "response_status");
  tally_api_set_time (object, "next_attempt_at",
                      delivery->status == TALLY_DELIVERY_PENDING ? delivery->next_attempt_at : 0);
  return object;
}

static void
respond_deliveries (TallyRequest *request,
                    GArray       *deliveries,
                    gint64        next_before_seq)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items = json_array_new ();

  for (guint i = 0; i < deliveries->len; i++)
    json_array_add_object_element (items,
                                   delivery_json (&g_array_index (deliveries, TallyDelivery, i)));
  json_object_set_array_member (body, "items", items);

  if (next_before_seq > 0)
    {
      g_autofree char *cursor = tally_api_cursor_encode (next_before_seq, "deliveries");

      json_object_set_string_member (body, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (body, "next_cursor");

  tally_request_respond_object (request, 200, body);
}

static void
handle_deliveries (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_auto(TallyWebhook) webhook = { { 0 } };
  g_autoptr(GArray) deliveries = NULL;
  g_autoptr(GError) error = NULL;
  char id[TALLY_UUID_LEN];
  gint64 before_seq = 0, next = 0;
  guint limit;

  if (!path_id (request, id))
    return;
  if (!tally_api_store_find_webhook (store, tally_request_get_user (request)->id, id, &webhook,
                                     &error))
    {
      if (g_error_matches (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        respond_not_found (request);
      else
        respond_storage_error (request);
      return;
    }
  if (!tally_api_parse_page (request, "deliveries", &limit, &before_seq, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  deliveries = tally_api_store_list_deliveries (store, id, before_seq, limit, &next, NULL);
  if (deliveries == NULL)
    {
      respond_storage_error (request);
      return;
    }

  respond_deliveries (request, deliveries, next);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/me/webhooks", handle_create, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/webhooks", handle_list, TALLY_ROUTE_AUTH },
  { "DELETE", "/v1/me/webhooks/{id}", handle_delete, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/webhooks/{id}/deliveries", handle_deliveries, TALLY_ROUTE_AUTH },
};

void
tally_api_outgoing_webhooks_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
