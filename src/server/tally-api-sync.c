/* tally-api-sync.c: POST /v1/sync, offline operations and leases
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "tally-api.h"
#include "tally-api-sync.h"
#include "tally-gifts.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-store-sync.h"

/* At most this many transfers per answer; `more` says there are others. */
#define SYNC_MAX_TRANSFERS 1000

/* --- decoding --- */

void
tally_sync_request_clear (TallySyncRequest *request)
{
  g_clear_pointer (&request->ops, g_free);
  request->n_ops = 0;
}

/* "units" of the fourth operation is "ops[3].units". */
static void
locate_in_ops (TallyProblem *problem,
               guint         index)
{
  char *field;

  if (problem->field != NULL)
    field = g_strdup_printf ("ops[%u].%s", index, problem->field);
  else
    field = g_strdup_printf ("ops[%u]", index);

  g_free (problem->field);
  problem->field = field;
}

/* libtally read the op; the API says what is wrong in its own words. */
static void
describe_fault (const TallySyncOpFault *fault,
                TallyProblem           *problem)
{
  const char *name = fault->member;

  switch (fault->kind)
    {
    case TALLY_SYNC_OP_FAULT_MISSING:
      tally_problem_invalid (problem, name, "“%s” is required", name);
      break;
    case TALLY_SYNC_OP_FAULT_NOT_STRING:
      tally_problem_invalid (problem, name, "“%s” must be a string", name);
      break;
    case TALLY_SYNC_OP_FAULT_NOT_INTEGER:
      tally_problem_invalid (problem, name, "“%s” must be a whole number", name);
      break;
    case TALLY_SYNC_OP_FAULT_NEGATIVE:
      tally_problem_invalid (problem, name, "“%s” must be from %" PRId64 " to %" PRId64,
                             name, (gint64) 0, G_MAXINT64);
      break;
    case TALLY_SYNC_OP_FAULT_TOO_LONG:
      tally_problem_set_plural (problem, 400, "invalid_field", name,
                                TALLY_SYNC_OP_TOOL_MAX_BYTES,
                                "“%s” must be at most %zu character",
                                "“%s” must be at most %zu characters", name,
                                (gsize) TALLY_SYNC_OP_TOOL_MAX_BYTES);
      break;
    case TALLY_SYNC_OP_FAULT_EMPTY:
      tally_problem_invalid (problem, name, "“tool” must not be empty");
      break;
    case TALLY_SYNC_OP_FAULT_NOT_UUID:
      tally_problem_invalid (problem, name, "“%s” must be a UUID", name);
      break;
    case TALLY_SYNC_OP_FAULT_UNKNOWN_TYPE:
      tally_problem_invalid (problem, name, "“type” must be run");
      break;
    case TALLY_SYNC_OP_FAULT_UNKNOWN_OUTCOME:
      tally_problem_invalid (problem, name, "“outcome” must be succeeded, failed or cancelled");
      break;
    case TALLY_SYNC_OP_FAULT_NOT_TIME:
      tally_problem_invalid (problem, name, "“%s” must be an ISO 8601 time with a zone", name);
      break;
    case TALLY_SYNC_OP_FAULT_NONE:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
decode_op (JsonNode     *node,
           TallySyncOp  *op,
           TallyProblem *problem)
{
  TallySyncOpFault fault;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tally_problem_invalid (problem, NULL, "Each operation must be an object");
      return FALSE;
    }

  if (!tally_sync_op_from_json (json_node_get_object (node), op, &fault))
    {
      describe_fault (&fault, problem);
      return FALSE;
    }

  return TRUE;
}

static gboolean
decode_ops (JsonArray        *ops,
            TallySyncRequest *out,
            TallyProblem     *problem)
{
  guint n_ops = json_array_get_length (ops);

  if (n_ops > TALLY_SYNC_MAX_OPS)
    {
      tally_problem_invalid (problem, "ops", "At most %d operations may be sent at once",
                             TALLY_SYNC_MAX_OPS);
      return FALSE;
    }

  out->ops = g_new0 (TallySyncOp, n_ops);
  out->n_ops = n_ops;
  for (guint i = 0; i < n_ops; i++)
    {
      if (!decode_op (json_array_get_element (ops, i), &out->ops[i], problem))
        {
          locate_in_ops (problem, i);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
tally_api_decode_sync (JsonObject       *body,
                       TallySyncRequest *out,
                       TallyProblem     *problem)
{
  JsonArray *ops = NULL;

  memset (out, 0, sizeof *out);

  if (!tally_json_get_string (body, "device", TALLY_FIELD_REQUIRED, TALLY_DEVICE_MAX_CHARS,
                              &out->device, problem) ||
      !tally_json_get_int (body, "cursor", TALLY_FIELD_REQUIRED, 0, G_MAXINT64, &out->cursor,
                           problem) ||
      !tally_json_get_array (body, "ops", TALLY_FIELD_REQUIRED, &ops, problem) ||
      !tally_json_get_uuid (body, "account_id", TALLY_FIELD_OPTIONAL, out->account_id, problem))
    return FALSE;

  if (out->device[0] == '\0')
    {
      tally_problem_invalid (problem, "device", "“device” must not be empty");
      return FALSE;
    }

  if (!decode_ops (ops, out, problem))
    {
      tally_sync_request_clear (out);
      return FALSE;
    }

  return TRUE;
}

/* --- one sync --- */

/* What a sync carries from the handler through the group commit to its
 * answer. */
typedef struct
{
  TallyRequest     *request;
  /* The decoded request's strings point into it. */
  JsonObject       *body;
  TallySyncJob      sync;
  TallySyncContext  ctx;
  TallySyncOutcome  outcome;
} SyncJob;

static void
sync_job_free (gpointer data)
{
  SyncJob *job = data;

  tally_sync_job_clear (&job->sync);
  g_clear_pointer (&job->body, json_object_unref);
  tally_request_unref (job->request);
  g_free (job);
}

static SyncJob *
sync_job_new (TallyRequest     *request,
              JsonObject       *body,
              TallySyncRequest *decoded)
{
  TallyServer *server = tally_request_get_server (request);
  SyncJob *job = g_new0 (SyncJob, 1);

  job->request = tally_request_ref (request);
  job->body = json_object_ref (body);
  tally_sync_job_init (&job->sync, tally_request_get_user (request), decoded);
  job->ctx = (TallySyncContext) {
    tally_server_get_rules_store (server), tally_server_get_audit (server),
    tally_server_get_registry (server), tally_server_get_config (server),
  };
  return job;
}

/* Whether a gift waits for @user: a sync that would change nothing then
 * still goes through the writer, which brings it. A read that fails says
 * no; the next sync asks again. */
static gboolean
gift_waits (TallyServer     *server,
            const TallyUser *user)
{
  g_autoptr(GArray) gifts = tally_rules_store_waiting_gifts (tally_server_get_rules_store (server),
                                                             user->email, NULL);

  return gifts != NULL && gifts->len > 0;
}

/* A gift waiting for the user arrives with their next sync of their own
 * account, before the answer's transfers are read: an app that stays
 * signed in for weeks would otherwise wait for a sign-in that never
 * comes. */
static gboolean
sync_write (gpointer   data,
            GError   **error)
{
  SyncJob *job = data;
  gint64 gift_credits;

  if (!job->sync.pool &&
      !tally_gifts_claim (tally_request_get_server (job->request), &job->sync.user,
                          &gift_credits, error))
    return FALSE;

  return tally_sync_apply (&job->ctx, &job->sync, &job->outcome, error);
}

/* --- the answer --- */

static JsonNode *
lease_json (const TallyDevice *device,
            gint64             now)
{
  JsonObject *object;
  JsonNode *node;
  g_autofree char *expires_at = NULL;

  if (device->lease_id[0] == '\0' || device->lease_expires_at <= now)
    return json_node_new (JSON_NODE_NULL);

  expires_at = tally_time_to_iso8601 (device->lease_expires_at);
  object = json_object_new ();
  json_object_set_string_member (object, "id", device->lease_id);
  json_object_set_int_member (object, "amount", device->lease_amount);
  json_object_set_int_member (object, "remaining", device->lease_amount - device->lease_spent);
  json_object_set_string_member (object, "expires_at", expires_at);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

static JsonArray *
results_json (const TallySyncJob *job)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; job->results != NULL && i < job->request.n_ops; i++)
    {
      const TallySyncOpResult *result = &job->results[i];
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", job->request.ops[i].id);
      json_object_set_string_member (object, "status",
                                     tally_sync_op_status_to_string (result->status));
      if (result->status == TALLY_SYNC_OP_DUPLICATE)
        json_object_set_string_member (object, "first_status",
                                       tally_sync_op_status_to_string (result->first_status));
      if (result->reason[0] != '\0')
        json_object_set_string_member (object, "reason", result->reason);
      json_object_set_int_member (object, "charged", result->charged);
      json_array_add_object_element (array, object);
    }

  return array;
}

/* Every transfer after the device's cursor that touches the user's
 * accounts, one page of them. */
static gboolean
add_transfers (const TallySyncContext  *ctx,
               const TallySyncJob      *job,
               JsonObject              *body,
               GError                 **error)
{
  const char *account_ids[] = { job->account_id, NULL };
  g_autoptr(GArray) transfers = NULL;
  JsonArray *array = json_array_new ();
  gint64 cursor = job->request.cursor;
  gboolean more;

  transfers = tally_rules_store_transfers_after (ctx->store, account_ids, cursor,
                                                 SYNC_MAX_TRANSFERS + 1, error);
  if (transfers == NULL)
    {
      json_array_unref (array);
      return FALSE;
    }

  more = transfers->len > SYNC_MAX_TRANSFERS;
  if (more)
    g_array_set_size (transfers, SYNC_MAX_TRANSFERS);

  for (guint i = 0; i < transfers->len; i++)
    {
      const TallyTransfer *transfer = &g_array_index (transfers, TallyTransfer, i);

      json_array_add_object_element (array, tally_transfer_to_json (transfer));
      cursor = transfer->seq;
    }

  json_object_set_array_member (body, "transfers", array);
  json_object_set_int_member (body, "cursor", cursor);
  json_object_set_boolean_member (body, "more", more);
  return TRUE;
}

JsonObject *
tally_api_sync_answer (const TallySyncContext  *ctx,
                       const TallySyncJob      *job,
                       GError                 **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *accounts;
  TallyAccount account;

  if (!tally_rules_store_lookup_account (ctx->store, job->account_id, &account, error) ||
      !add_transfers (ctx, job, body, error))
    return NULL;

  json_object_set_array_member (body, "results", results_json (job));
  accounts = json_array_new ();
  json_array_add_object_element (accounts, tally_api_account_json (&account));
  json_object_set_array_member (body, "accounts", accounts);
  json_object_set_member (body, "lease",
                          lease_json (&job->device, tally_rules_store_now (ctx->store)));
  json_object_set_string_member (body, "tools_version",
                                 tally_tool_registry_get_version (ctx->registry));
  return g_steal_pointer (&body);
}

static void
respond_answer (SyncJob *job)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = tally_api_sync_answer (&job->ctx, &job->sync, &error);
  if (body == NULL)
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not read the ledger; try again");
      return;
    }

  tally_request_respond_object (job->request, 200, body);
}

static void
count_runs (SyncJob *job)
{
  TallyMetrics *metrics = tally_server_get_metrics (tally_request_get_server (job->request));

  for (guint i = 0; i < job->sync.request.n_ops; i++)
    {
      const TallySyncOp *op = &job->sync.request.ops[i];

      if (job->sync.results[i].status == TALLY_SYNC_OP_APPLIED)
        tally_metrics_observe_run (metrics, op->tool, tally_run_outcome_to_string (op->outcome),
                                   job->sync.results[i].charged);
    }
}

static void
sync_done (gpointer      data,
           const GError *error)
{
  SyncJob *job = data;

  if (error != NULL)
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not save this sync; try again");
      return;
    }

  if (job->outcome == TALLY_SYNC_NOT_FOUND)
    {
      tally_request_respond_error (job->request, 404, "not_found", "There is no such account");
      return;
    }

  count_runs (job);
  respond_answer (job);
}

static void
handle_sync (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  g_auto(TallySyncRequest) decoded = { NULL, 0, NULL, 0 };
  TallyServer *server = tally_request_get_server (request);
  g_autoptr(GError) error = NULL;
  gboolean needed;
  SyncJob *job;

  if (body == NULL || !tally_api_decode_sync (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  /* A cursor past every transfer was never given out. */
  if (decoded.cursor > tally_rules_store_get_last_seq (tally_server_get_rules_store (server)))
    {
      tally_problem_invalid (&problem, "cursor", "“cursor” is past the last transfer");
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = sync_job_new (request, body, &decoded);
  if (!tally_sync_may_use_account (&job->ctx, &job->sync))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such account");
      sync_job_free (job);
      return;
    }
  if (!tally_sync_needs_write (&job->ctx, &job->sync, &needed, &error))
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (request, 500, "internal_error",
                                   "The server could not read the ledger; try again");
      sync_job_free (job);
      return;
    }

  if (!needed && !job->sync.pool)
    needed = gift_waits (server, &job->sync.user);
  if (!needed)
    {
      respond_answer (job);
      sync_job_free (job);
      return;
    }

  tally_writer_submit (tally_server_get_writer (server), sync_write, sync_done, job,
                       sync_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/sync", handle_sync, TALLY_ROUTE_AUTH },
  /* The WebSocket is served by TallyEvents, to which the SoupServer gives
   * this path before the router sees it; the route is listed here so that
   * --list-routes and the OpenAPI check know it. */
  { "GET", "/v1/events", tally_events_handle_plain_request, TALLY_ROUTE_AUTH },
};

void
tally_api_sync_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
