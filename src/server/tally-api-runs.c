/* tally-api-runs.c: authorize, complete and look at tool runs
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-json.h"
#include "tally-runs.h"
#include "tally-server.h"
#include "tally-store-sync.h"

/* --- decoding --- */

gboolean
tally_api_decode_authorize (JsonObject            *body,
                            TallyAuthorizeRequest *out,
                            TallyProblem          *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_uuid (body, "id", TALLY_FIELD_REQUIRED, out->id, problem) &&
         tally_json_get_string (body, "tool", TALLY_FIELD_REQUIRED, TALLY_TOOL_ID_MAX - 1,
                                &out->tool, problem) &&
         tally_json_get_object (body, "inputs", TALLY_FIELD_REQUIRED, &out->inputs, problem) &&
         tally_json_get_uuid (body, "account_id", TALLY_FIELD_OPTIONAL, out->account_id, problem) &&
         tally_json_get_string (body, "device", TALLY_FIELD_OPTIONAL, TALLY_DEVICE_MAX_CHARS,
                                &out->device, problem);
}

static gboolean
decode_outcome (JsonObject      *body,
                TallyRunOutcome *outcome,
                TallyProblem    *problem)
{
  const char *value = NULL;

  if (!tally_json_get_string (body, "outcome", TALLY_FIELD_REQUIRED, 16, &value, problem))
    return FALSE;

  if (tally_run_outcome_from_string (value, outcome))
    return TRUE;

  tally_problem_invalid (problem, "outcome",
                         "“outcome” must be succeeded, failed or cancelled");
  return FALSE;
}

gboolean
tally_api_decode_complete (JsonObject           *body,
                           TallyCompleteRequest *out,
                           TallyProblem         *problem)
{
  TallyFieldPresence units;

  memset (out, 0, sizeof *out);

  if (!decode_outcome (body, &out->outcome, problem))
    return FALSE;

  /* A run that did not succeed may not know how far it got. */
  units = out->outcome == TALLY_RUN_OUTCOME_SUCCEEDED ? TALLY_FIELD_REQUIRED
                                                      : TALLY_FIELD_OPTIONAL;
  return tally_json_get_int (body, "units", units, 0, G_MAXINT64, &out->units, problem);
}

/* --- shared --- */

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not save this; try again");
}

static char *
json_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return tally_json_to_string (node);
}

static char *
problem_text (const TallyProblem *problem)
{
  g_autoptr(JsonNode) node = tally_problem_to_json (problem);

  return tally_json_to_string (node);
}

static void
not_found (TallyProblem *problem)
{
  tally_problem_set (problem, 404, "not_found", NULL, "There is no such run");
}

/* --- the recorded answers --- */

/* One sentence per cap, so that each can be translated whole. */
static void
over_limit_problem (TallyProblem             *problem,
                    const TallyPolicyVerdict *verdict)
{
  gulong n = (gulong) verdict->requested;

  switch (verdict->limit)
    {
    case TALLY_LIMIT_PER_RUN:
      tally_problem_set_plural (problem, 403, "limit_exceeded", NULL, n,
                                "This run may cost %" PRId64 " credit, which goes over the "
                                "per-run cap of %" PRId64 " credits",
                                "This run may cost %" PRId64 " credits, which goes over the "
                                "per-run cap of %" PRId64 " credits",
                                verdict->requested, verdict->cap);
      break;
    case TALLY_LIMIT_DAILY:
      tally_problem_set_plural (problem, 403, "limit_exceeded", NULL, n,
                                "This run may cost %" PRId64 " credit, which goes over the "
                                "daily cap of %" PRId64 " credits (%" PRId64 " spent today)",
                                "This run may cost %" PRId64 " credits, which goes over the "
                                "daily cap of %" PRId64 " credits (%" PRId64 " spent today)",
                                verdict->requested, verdict->cap, verdict->spent);
      break;
    case TALLY_LIMIT_MONTHLY:
    case TALLY_LIMIT_NONE:
    default:
      tally_problem_set_plural (problem, 403, "limit_exceeded", NULL, n,
                                "This run may cost %" PRId64 " credit, which goes over the "
                                "monthly cap of %" PRId64 " credits (%" PRId64 " spent this month)",
                                "This run may cost %" PRId64 " credits, which goes over the "
                                "monthly cap of %" PRId64 " credits (%" PRId64 " spent this month)",
                                verdict->requested, verdict->cap, verdict->spent);
      break;
    }
}

static void
over_limit (TallyProblem             *problem,
            const TallyPolicyVerdict *verdict)
{
  over_limit_problem (problem, verdict);
  problem->extra = json_object_new ();
  json_object_set_string_member (problem->extra, "limit", tally_limit_to_string (verdict->limit));
  json_object_set_int_member (problem->extra, "cap", verdict->cap);
  json_object_set_int_member (problem->extra, "spent", verdict->spent);
  json_object_set_int_member (problem->extra, "requested", verdict->requested);
  tally_api_set_time (problem->extra, "resets_at", verdict->resets_at);
}

static void
insufficient (TallyProblem *problem,
              gint64        held,
              gint64        available)
{
  tally_problem_set_plural (problem, 402, "insufficient_credits", NULL, (gulong) held,
                            "This run may cost %" PRId64 " credit and %" PRId64 " are available",
                            "This run may cost %" PRId64 " credits and %" PRId64 " are available",
                            held, available);
  problem->extra = json_object_new ();
  json_object_set_int_member (problem->extra, "available", available);
  json_object_set_int_member (problem->extra, "requested", held);
}

/* A refusal that is recorded as the run's answer, so a retry gets it
 * again (in English; the first answer is in the client's language). */
static gboolean
refusal (const TallyAuthorizeResult *result,
         TallyProblem               *problem)
{
  if (result->outcome == TALLY_AUTHORIZE_OVER_LIMIT)
    over_limit (problem, &result->verdict);
  else if (result->outcome == TALLY_AUTHORIZE_INSUFFICIENT_CREDITS)
    insufficient (problem, result->held, result->available);
  else
    return FALSE;

  return TRUE;
}

static char *
authorized_answer (const TallyAuthorizeResult *result)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *run = json_object_new ();

  json_object_set_string_member (run, "id", result->run.id);
  json_object_set_string_member (run, "status", "authorized");
  json_object_set_string_member (run, "tool", result->run.tool_id);
  json_object_set_int_member (run, "held", result->run.held);
  tally_api_set_time (run, "expires_at", result->run.hold_expires_at);
  tally_api_set_object (body, "run", run);
  /* The app forgets its lease at once, not at its next sync. */
  if (result->lease_released)
    json_object_set_null_member (body, "lease");

  return json_text (body);
}

static char *
authorize_answer (const TallyAuthorizeResult *result,
                  guint                      *status)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

  if (refusal (result, &problem))
    {
      *status = problem.status;
      return problem_text (&problem);
    }

  *status = 201;
  return authorized_answer (result);
}

static char *
complete_answer (const TallyCompleteResult *result,
                 guint                     *status)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *object = json_object_new ();
  const TallyRun *run = &result->run;

  json_object_set_string_member (object, "id", run->id);
  json_object_set_string_member (object, "status", tally_run_status_to_string (run->status));
  json_object_set_int_member (object, "held", run->held);
  json_object_set_int_member (object, "charged", run->charged);
  json_object_set_int_member (object, "released", run->held - run->charged);
  tally_api_set_object (body, "run", object);
  *status = 200;
  return json_text (body);
}

static const TallyRunsAnswers answers = { authorize_answer, complete_answer };

static TallyRuns
runs_of (TallyServer *server)
{
  TallyRuns runs = {
    tally_server_get_rules_store (server),
    tally_server_get_audit (server),
    tally_server_get_registry (server),
    tally_server_get_config (server)->hold_timeout,
    &answers,
  };

  return runs;
}

/* The run named by the path, if it is the user's: anybody else's reads as
 * missing, so the answer never tells that it exists. */
static gboolean
find_own_run (TallyRequest *request,
              TallyRun     *run,
              TallyProblem *problem)
{
  TallyRuns runs = runs_of (tally_request_get_server (request));
  g_autoptr(GError) error = NULL;
  gboolean found;

  if (!tally_runs_find_own (&runs, tally_request_get_user (request),
                            tally_request_get_param (request, "id"), run, &found, &error))
    {
      tally_problem_set (problem, 500, "internal_error", NULL,
                         "The run cannot be read now; try again");
      return FALSE;
    }
  if (!found)
    not_found (problem);
  return found;
}

/* --- authorize --- */

typedef struct
{
  TallyRequest          *request;
  TallyUser              user;
  /* The API key the run is authorized with; empty for a session. */
  char                   key_id[TALLY_UUID_LEN];
  /* decoded points into body. */
  JsonObject            *body;
  TallyAuthorizeRequest  decoded;
  TallyAuthorizeResult   result;
} AuthorizeJob;

static void
authorize_job_free (gpointer data)
{
  AuthorizeJob *job = data;

  tally_authorize_result_clear (&job->result);
  json_object_unref (job->body);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
authorize_write (gpointer   data,
                 GError   **error)
{
  AuthorizeJob *job = data;
  TallyRuns runs = runs_of (tally_request_get_server (job->request));

  return tally_runs_authorize (&runs, &job->user, job->key_id[0] != '\0' ? job->key_id : NULL,
                               &job->decoded, &job->result, error);
}

/* The field a tool's input error names: "inputs.pages: must be ...". */
static char *
input_field (const char *message)
{
  const char *colon = strchr (message, ':');

  if (g_str_has_prefix (message, "inputs.") && colon != NULL)
    return g_strndup (message, colon - message);

  return g_strdup ("inputs");
}

/* The answers that record nothing. */
static void
unrecorded_problem (const AuthorizeJob *job,
                    TallyProblem       *problem)
{
  g_autofree char *field = NULL;

  switch (job->result.outcome)
    {
    case TALLY_AUTHORIZE_IDEMPOTENCY_CONFLICT:
      tally_problem_set (problem, 409, "idempotency_conflict", "id",
                         "This run id was already used for another request");
      break;
    case TALLY_AUTHORIZE_ID_TAKEN:
      tally_problem_set (problem, 409, "idempotency_conflict", "id",
                         "This id was already used for another transfer");
      break;
    case TALLY_AUTHORIZE_UNKNOWN_TOOL:
      tally_problem_invalid (problem, "tool", "There is no tool “%s”", job->decoded.tool);
      break;
    case TALLY_AUTHORIZE_INVALID_INPUTS:
      field = input_field (job->result.message);
      tally_problem_invalid (problem, field, "%s", job->result.message);
      break;
    case TALLY_AUTHORIZE_NO_ACCOUNT:
      tally_problem_set (problem, 404, "not_found", "account_id", "There is no such account");
      break;
    case TALLY_AUTHORIZE_NOT_FOUND:
    case TALLY_AUTHORIZE_AUTHORIZED:
    case TALLY_AUTHORIZE_ANSWERED_BEFORE:
    case TALLY_AUTHORIZE_INSUFFICIENT_CREDITS:
    case TALLY_AUTHORIZE_OVER_LIMIT:
    default:
      not_found (problem);
      break;
    }
}

static void
authorize_done (gpointer      data,
                const GError *error)
{
  AuthorizeJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (tally_request_get_server (job->request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  switch (job->result.outcome)
    {
    case TALLY_AUTHORIZE_AUTHORIZED:
    case TALLY_AUTHORIZE_ANSWERED_BEFORE:
      tally_request_respond_text (job->request, job->result.status, "application/json",
                                  g_steal_pointer (&job->result.body));
      return;
    case TALLY_AUTHORIZE_INSUFFICIENT_CREDITS:
    case TALLY_AUTHORIZE_OVER_LIMIT:
      /* Decided now: the answer is in the client's language. */
      tally_metrics_observe_run (metrics, job->decoded.tool, "refused", 0);
      refusal (&job->result, &problem);
      break;
    case TALLY_AUTHORIZE_IDEMPOTENCY_CONFLICT:
    case TALLY_AUTHORIZE_ID_TAKEN:
    case TALLY_AUTHORIZE_UNKNOWN_TOOL:
    case TALLY_AUTHORIZE_INVALID_INPUTS:
    case TALLY_AUTHORIZE_NOT_FOUND:
    case TALLY_AUTHORIZE_NO_ACCOUNT:
    default:
      unrecorded_problem (job, &problem);
      break;
    }
  tally_request_respond_problem (job->request, &problem);
}

static void
handle_authorize (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyRuns runs = runs_of (tally_request_get_server (request));
  TallyAuthorizeRequest decoded;
  AuthorizeJob *job;

  if (body == NULL || !tally_api_decode_authorize (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  /* Only the user's own account pays, or the pool of one of their teams
   * (checked again in the write); any other reads as missing. */
  if (decoded.account_id[0] != '\0' &&
      !tally_runs_may_pay (&runs, tally_request_get_user (request), decoded.account_id))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such account");
      return;
    }

  job = g_new0 (AuthorizeJob, 1);
  job->request = tally_request_ref (request);
  job->user = *tally_request_get_user (request);
  if (tally_request_get_api_key (request) != NULL)
    g_strlcpy (job->key_id, tally_request_get_api_key (request)->id, sizeof job->key_id);
  job->body = g_steal_pointer (&body);
  job->decoded = decoded;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       authorize_write, authorize_done, job, authorize_job_free);
}

/* --- complete --- */

typedef struct
{
  TallyRequest         *request;
  TallyUser             user;
  char                  id[TALLY_UUID_LEN];
  TallyCompleteRequest  decoded;
  TallyCompleteResult   result;
} CompleteJob;

static void
complete_job_free (gpointer data)
{
  CompleteJob *job = data;

  tally_complete_result_clear (&job->result);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
complete_write (gpointer   data,
                GError   **error)
{
  CompleteJob *job = data;
  TallyRuns runs = runs_of (tally_request_get_server (job->request));

  return tally_runs_complete (&runs, &job->user, job->id, &job->decoded, &job->result, error);
}

static void
complete_problem (TallyCompleteOutcome  outcome,
                  TallyProblem         *problem)
{
  switch (outcome)
    {
    case TALLY_COMPLETE_IDEMPOTENCY_CONFLICT:
      tally_problem_set (problem, 409, "idempotency_conflict", NULL,
                         "This run was already completed with another outcome or units");
      break;
    case TALLY_COMPLETE_NOT_AUTHORIZED:
      tally_problem_set (problem, 409, "run_not_authorized", NULL,
                         "This run was refused, so there is nothing to complete");
      break;
    case TALLY_COMPLETE_NOT_FOUND:
    case TALLY_COMPLETE_COMPLETED:
    case TALLY_COMPLETE_ANSWERED_BEFORE:
    default:
      not_found (problem);
      break;
    }
}

static void
complete_done (gpointer      data,
               const GError *error)
{
  CompleteJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (tally_request_get_server (job->request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  const TallyRun *run = &job->result.run;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  switch (job->result.outcome)
    {
    case TALLY_COMPLETE_COMPLETED:
      tally_metrics_observe_run (metrics, run->tool_id, tally_run_status_to_string (run->status),
                                 run->charged);
      G_GNUC_FALLTHROUGH;
    case TALLY_COMPLETE_ANSWERED_BEFORE:
      tally_request_respond_text (job->request, job->result.status, "application/json",
                                  g_steal_pointer (&job->result.body));
      return;
    case TALLY_COMPLETE_IDEMPOTENCY_CONFLICT:
    case TALLY_COMPLETE_NOT_AUTHORIZED:
    case TALLY_COMPLETE_NOT_FOUND:
    default:
      complete_problem (job->result.outcome, &problem);
      tally_request_respond_problem (job->request, &problem);
      return;
    }
}

static void
handle_complete (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;
  g_auto(TallyRun) run = { 0 };
  TallyCompleteRequest decoded;
  CompleteJob *job;

  /* Ownership first: another user's run is answered as missing whatever
   * the body says. */
  if (!find_own_run (request, &run, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  body = tally_request_parse_body (request, &problem);
  if (body == NULL || !tally_api_decode_complete (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (CompleteJob, 1);
  job->request = tally_request_ref (request);
  job->user = *tally_request_get_user (request);
  g_strlcpy (job->id, run.id, sizeof job->id);
  job->decoded = decoded;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       complete_write, complete_done, job, complete_job_free);
}

/* --- look at a run --- */

static JsonObject *
run_json (const TallyRun *run,
          TallyRunStatus  status)
{
  JsonObject *object = json_object_new ();
  gboolean ended = status != TALLY_RUN_STATUS_AUTHORIZED && status != TALLY_RUN_STATUS_REFUSED;

  json_object_set_string_member (object, "id", run->id);
  json_object_set_string_member (object, "status", tally_run_status_to_string (status));
  json_object_set_string_member (object, "tool", run->tool_id);
  json_object_set_string_member (object, "account_id", run->account_id);
  json_object_set_int_member (object, "held", run->held);
  json_object_set_int_member (object, "charged", run->charged);
  json_object_set_int_member (object, "released", ended ? run->held - run->charged : 0);
  if (run->units >= 0)
    json_object_set_int_member (object, "units", run->units);
  else
    json_object_set_null_member (object, "units");
  tally_api_set_time (object, "created_at", run->created_at);
  tally_api_set_time (object, "expires_at", run->hold_expires_at);
  tally_api_set_time (object, "completed_at", run->completed_at);
  return object;
}

static void
handle_get_run (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyRuns runs = runs_of (tally_request_get_server (request));
  g_autoptr(JsonObject) body = NULL;
  g_auto(TallyRun) run = { 0 };

  if (!find_own_run (request, &run, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  body = json_object_new ();
  tally_api_set_object (body, "run", run_json (&run, tally_runs_current_status (&runs, &run)));
  tally_request_respond_object (request, 200, body);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/runs", handle_authorize, TALLY_ROUTE_AUTH | TALLY_ROUTE_KEY_RUN },
  { "GET", "/v1/runs/{id}", handle_get_run, TALLY_ROUTE_AUTH },
  { "POST", "/v1/runs/{id}/complete", handle_complete, TALLY_ROUTE_AUTH | TALLY_ROUTE_KEY_RUN },
};

void
tally_api_runs_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
