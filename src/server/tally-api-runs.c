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
#include "tally-server.h"
#include "tally-store-runs.h"
#include "tally-store-sync.h"
#include "tally-teams.h"

static const char * const outcomes[] = {
  [TALLY_RUN_OUTCOME_SUCCEEDED] = "succeeded",
  [TALLY_RUN_OUTCOME_FAILED] = "failed",
  [TALLY_RUN_OUTCOME_CANCELLED] = "cancelled",
};

const char *
tally_run_outcome_to_string (TallyRunOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcomes), NULL);

  return outcomes[outcome];
}

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

  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    {
      if (g_str_equal (value, outcomes[i]))
        {
          *outcome = (TallyRunOutcome) i;
          return TRUE;
        }
    }

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

/* --- request digests --- */

/* The same inputs in any member order give the same text, so a retry
 * that re-serialized its body is still the same request. The body's depth
 * was bounded before parsing. */
static char *
canonical_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return tally_json_canonical (node);
}

/* SHA-256 of the parts, each ended by a NUL so that none runs into the
 * next. */
static void
digest_parts (const char * const *parts,
              char                digest[TALLY_DIGEST_LEN])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; parts[i] != NULL; i++)
    g_checksum_update (checksum, (const guchar *) parts[i], (gssize) strlen (parts[i]) + 1);

  g_strlcpy (digest, g_checksum_get_string (checksum), TALLY_DIGEST_LEN);
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

/* The run named by the path, if it is the user's: anybody else's reads as
 * missing, so the answer never tells that it exists. */
static gboolean
find_own_run (TallyRequest *request,
              TallyRun     *run,
              TallyProblem *problem)
{
  TallyStore *store = tally_server_get_store (tally_request_get_server (request));
  const char *param = tally_request_get_param (request, "id");
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  if (param == NULL || !g_uuid_string_is_valid (param))
    {
      not_found (problem);
      return FALSE;
    }

  id = g_ascii_strdown (param, -1);
  if (!tally_store_find_run (store, id, run, &error))
    {
      if (g_error_matches (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        not_found (problem);
      else
        tally_problem_set (problem, 500, "internal_error", NULL,
                           "The run cannot be read now; try again");
      return FALSE;
    }

  if (!g_str_equal (run->user_id, tally_request_get_user (request)->id))
    {
      tally_run_clear (run);
      not_found (problem);
      return FALSE;
    }

  return TRUE;
}

/* --- authorize --- */

typedef struct
{
  TallyRequest *request;
  TallyUser     user;
  char          id[TALLY_UUID_LEN];
  char          account_id[TALLY_UUID_LEN];
  char         *tool_id;
  JsonObject   *inputs;
  char         *inputs_json;
  /* Not part of the digest: which device asks does not change the run. */
  char         *device;
  /* The device's lease was given back to pay for this run. */
  gboolean      lease_released;
  /* account_id is a team's pool, not the user's own account. */
  gboolean      pool;
  /* The API key the run is authorized with; empty for a session. */
  char          key_id[TALLY_UUID_LEN];
  char          digest[TALLY_DIGEST_LEN];

  /* The answer: a problem that is not recorded (400, 404, 409), or the
   * status and body that are, now or by the first request. */
  TallyProblem  problem;
  guint         status;
  char         *body;
  /* Decided by this request, not replayed: counted in the metrics. */
  gboolean      refused;
  gboolean      fresh;
  /* The refusal just decided, answered in the client's language; the
   * record keeps it in English for retries and the audit. */
  TallyProblem  refusal;
} AuthorizeJob;

static void
authorize_job_free (gpointer data)
{
  AuthorizeJob *job = data;

  tally_problem_clear (&job->problem);
  tally_problem_clear (&job->refusal);
  g_clear_pointer (&job->inputs, json_object_unref);
  g_free (job->inputs_json);
  g_free (job->device);
  g_free (job->tool_id);
  g_free (job->body);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
authorize_server (AuthorizeJob *job)
{
  return tally_request_get_server (job->request);
}

/* An earlier request with this id decides the answer: the same request
 * gets the same answer, another one a conflict. FALSE when there was none. */
static gboolean
answered_before (AuthorizeJob  *job,
                 gboolean      *found,
                 GError       **error)
{
  TallyStore *store = tally_server_get_store (authorize_server (job));
  g_auto(TallyRun) run = { 0 };
  g_autoptr(GError) local_error = NULL;

  *found = tally_store_find_run (store, job->id, &run, &local_error);
  if (!*found)
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!g_str_equal (run.user_id, job->user.id))
    not_found (&job->problem);
  else if (!g_str_equal (run.request_digest, job->digest))
    tally_problem_set (&job->problem, 409, "idempotency_conflict", "id",
                       "This run id was already used for another request");
  else
    {
      job->status = run.authorize_status;
      job->body = g_steal_pointer (&run.authorize_body);
    }

  return TRUE;
}

/* The field a tool's input error names: "inputs.pages: must be ...". */
static char *
input_field (const GError *error)
{
  const char *colon = strchr (error->message, ':');

  if (g_str_has_prefix (error->message, "inputs.") && colon != NULL)
    return g_strndup (error->message, colon - error->message);

  return g_strdup ("inputs");
}

static void
invalid_inputs (TallyProblem *problem,
                const GError *error)
{
  g_autofree char *field = input_field (error);

  tally_problem_invalid (problem, field, "%s", error->message);
}

/* The hold is the estimate's max: the most this run may cost. */
static gboolean
estimate_hold (AuthorizeJob  *job,
               TallyTool    **tool,
               gint64        *held)
{
  TallyToolRegistry *registry = tally_server_get_registry (authorize_server (job));
  g_autoptr(GError) error = NULL;
  TallyEstimate estimate;

  *tool = tally_tool_registry_lookup (registry, job->tool_id);
  if (*tool == NULL)
    {
      tally_problem_invalid (&job->problem, "tool", "There is no tool “%s”", job->tool_id);
      return FALSE;
    }

  if (!tally_tool_estimate (*tool, job->inputs, NULL, 0, &estimate, &error))
    {
      invalid_inputs (&job->problem, error);
      return FALSE;
    }

  *held = estimate.max;
  return TRUE;
}

/* Records a refusal as the run's answer, so a retry gets it again. */
static void
refuse (AuthorizeJob *job,
        TallyProblem *problem)
{
  job->status = problem->status;
  job->body = problem_text (problem);
  job->refused = TRUE;
  tally_problem_clear (&job->refusal);
  job->refusal = *problem;
  *problem = (TallyProblem) TALLY_PROBLEM_INIT;
}

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
refuse_over_limit (AuthorizeJob             *job,
                   const TallyPolicyVerdict *verdict)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  const char *limit = tally_limit_to_string (verdict->limit);

  over_limit_problem (&problem, verdict);
  problem.extra = json_object_new ();
  json_object_set_string_member (problem.extra, "limit", limit);
  json_object_set_int_member (problem.extra, "cap", verdict->cap);
  json_object_set_int_member (problem.extra, "spent", verdict->spent);
  json_object_set_int_member (problem.extra, "requested", verdict->requested);
  tally_api_set_time (problem.extra, "resets_at", verdict->resets_at);
  refuse (job, &problem);
}

static gboolean
refuse_insufficient (AuthorizeJob  *job,
                     gint64         held,
                     GError       **error)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyLedger *ledger = tally_server_get_ledger (authorize_server (job));
  TallyAccount account;

  if (!tally_ledger_lookup_account (ledger, job->account_id, &account, error))
    return FALSE;

  tally_problem_set_plural (&problem, 402, "insufficient_credits", NULL, (gulong) held,
                            "This run may cost %" PRId64 " credit and %" PRId64 " are available",
                            "This run may cost %" PRId64 " credits and %" PRId64 " are available",
                            held, tally_account_available (&account));
  problem.extra = json_object_new ();
  json_object_set_int_member (problem.extra, "available", tally_account_available (&account));
  json_object_set_int_member (problem.extra, "requested", held);
  refuse (job, &problem);
  return TRUE;
}

/* Caps count posted charges and pending holds in the user's own day and
 * month. FALSE with @error only when the store failed. */
static gboolean
check_policy (AuthorizeJob  *job,
              gint64         held,
              gboolean      *allowed,
              GError       **error)
{
  TallyStore *store = tally_server_get_store (authorize_server (job));
  gint64 now = tally_ledger_now (tally_store_get_ledger (store));
  TallyPolicyVerdict verdict;
  TallyPolicy policy;
  TallySpend spend;

  if (!tally_store_load_policy (store, job->account_id, job->user.timezone, &policy, error) ||
      !tally_store_policy_spend_for_caps (store, job->account_id, &policy, now, &spend,
                                          error))
    return FALSE;

  *allowed = tally_policy_check (&policy, held, spend.daily_spent, spend.monthly_spent, now,
                                 &verdict);
  if (!*allowed)
    refuse_over_limit (job, &verdict);

  return TRUE;
}

static void
init_hold (AuthorizeJob  *job,
           TallyTool     *tool,
           gint64         held,
           TallyTransfer *hold)
{
  TallyConfig *config = tally_server_get_config (authorize_server (job));

  tally_transfer_init (hold, job->id, job->account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), held,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  hold->flags = TALLY_TRANSFER_FLAG_PENDING;
  hold->timeout = (guint32) config->hold_timeout;
  tally_transfer_set_tool_id (hold, tally_tool_get_id (tool));
  tally_transfer_set_ref (hold, job->id);
  tally_transfer_set_description (hold, tally_tool_get_name (tool));
}

/* The pending transfer; *@held_ok is FALSE when the account is short. */
static gboolean
place_hold (AuthorizeJob   *job,
            TallyTool      *tool,
            gint64          held,
            TallyTransfer  *hold,
            gboolean       *held_ok,
            GError        **error)
{
  TallyLedger *ledger = tally_server_get_ledger (authorize_server (job));
  TallyTransferResult result;

  *held_ok = FALSE;
  init_hold (job, tool, held, hold);

  /* A free run holds nothing, and so has nothing to settle or expire. */
  if (held == 0)
    {
      hold->timeout = 0;
      hold->created_at = tally_ledger_now (ledger);
      *held_ok = TRUE;
      return TRUE;
    }

  if (!tally_ledger_create_transfers (ledger, hold, 1, &result, error))
    return FALSE;

  /* An online device does not need its offline lease: what it holds goes
   * back to the account, and the next sync takes a new one from what is
   * left. */
  if (result == TALLY_TRANSFER_EXCEEDS_CREDITS && job->device != NULL && !job->pool)
    {
      TallyStore *store = tally_server_get_store (authorize_server (job));

      if (!tally_store_release_lease (store, job->user.id, job->device, &job->lease_released,
                                      error))
        return FALSE;
      if (job->lease_released &&
          !tally_ledger_create_transfers (ledger, hold, 1, &result, error))
        return FALSE;
    }

  if (result == TALLY_TRANSFER_OK)
    {
      *held_ok = TRUE;
      return TRUE;
    }
  if (result == TALLY_TRANSFER_EXCEEDS_CREDITS)
    return refuse_insufficient (job, held, error);
  if (result == TALLY_TRANSFER_EXISTS || result == TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
    {
      /* Another transfer took this id, e.g. a grant. */
      tally_problem_set (&job->problem, 409, "idempotency_conflict", "id",
                         "This id was already used for another transfer");
      return TRUE;
    }

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The hold of run %s was refused: %s", job->id,
               tally_transfer_result_to_string (result));
  return FALSE;
}

static void
authorized_answer (AuthorizeJob        *job,
                   const TallyTransfer *hold,
                   gint64               expires_at)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *run = json_object_new ();

  json_object_set_string_member (run, "id", job->id);
  json_object_set_string_member (run, "status", "authorized");
  json_object_set_string_member (run, "tool", hold->tool_id);
  json_object_set_int_member (run, "held", hold->amount);
  tally_api_set_time (run, "expires_at", expires_at);
  tally_api_set_object (body, "run", run);
  /* The app forgets its lease at once, not at its next sync. */
  if (job->lease_released)
    json_object_set_null_member (body, "lease");

  job->status = 201;
  job->body = json_text (body);
}

static void
init_run (AuthorizeJob *job,
          TallyTool    *tool,
          TallyRun     *run)
{
  memset (run, 0, sizeof *run);
  g_strlcpy (run->id, job->id, sizeof run->id);
  g_strlcpy (run->user_id, job->user.id, sizeof run->user_id);
  g_strlcpy (run->account_id, job->account_id, sizeof run->account_id);
  g_strlcpy (run->tool_id, job->tool_id, sizeof run->tool_id);
  g_strlcpy (run->request_digest, job->digest, sizeof run->request_digest);
  run->status = TALLY_RUN_STATUS_REFUSED;
  run->units = -1;
  run->rule = *tally_tool_get_price_rule (tool);
  run->created_at = g_get_real_time ();
}

/* Teams: a run on a pool is also within the member's own caps on it.
 * Checked in the write, so runs racing on one pool are counted one after
 * the other, and a member removed meanwhile finds the pool gone. */
static gboolean
check_member_caps (AuthorizeJob  *job,
                   gint64         held,
                   gboolean      *allowed,
                   GError       **error)
{
  TallyServer *server = authorize_server (job);
  TallyTeamsContext ctx = { tally_server_get_store (server), tally_server_get_audit (server),
                            &job->user };
  TallyPolicyVerdict verdict;
  TallyTeamMember member;
  TallyTeam team;

  *allowed = FALSE;
  if (!tally_teams_may_use_pool (&ctx, job->account_id, &team, &member, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      tally_problem_set (&job->problem, 404, "not_found", "account_id",
                         "There is no such account");
      return TRUE;
    }

  if (!tally_teams_check_member_caps (&ctx, &member, job->account_id, held,
                                      tally_ledger_now (tally_server_get_ledger (server)),
                                      allowed, &verdict, error))
    return FALSE;
  if (!*allowed)
    refuse_over_limit (job, &verdict);
  return TRUE;
}

/* Holds the credits and records the run, or records why not. */
static gboolean
authorize_new_run (AuthorizeJob  *job,
                   TallyTool     *tool,
                   gint64         held,
                   GError       **error)
{
  TallyStore *store = tally_server_get_store (authorize_server (job));
  TallyTransfer hold;
  TallyRun run;
  gboolean ok = FALSE;

  if (!check_policy (job, held, &ok, error))
    return FALSE;
  if (ok && job->pool && !check_member_caps (job, held, &ok, error))
    return FALSE;
  if (tally_problem_is_set (&job->problem))
    return TRUE;
  if (ok && !place_hold (job, tool, held, &hold, &ok, error))
    return FALSE;
  if (tally_problem_is_set (&job->problem))
    return TRUE;

  init_run (job, tool, &run);
  if (ok)
    {
      run.status = TALLY_RUN_STATUS_AUTHORIZED;
      run.held = held;
      run.created_at = hold.created_at;
      if (hold.timeout > 0)
        run.hold_expires_at = hold.created_at + (gint64) hold.timeout * G_USEC_PER_SEC;
      authorized_answer (job, &hold, run.hold_expires_at);
    }
  run.authorize_status = job->status;
  run.authorize_body = job->body;
  job->fresh = TRUE;
  if (!tally_audit_record (tally_server_get_audit (authorize_server (job)), &job->user,
                           tally_audit_run_action (run.status), job->id,
                           tally_audit_run_outcome (run.status),
                           tally_audit_details_json (job->body), error))
    return FALSE;

  return tally_store_insert_run (store, &run, job->inputs_json, error) &&
         (job->key_id[0] == '\0' ||
          tally_store_record_run_key (store, job->id, job->key_id, error));
}

static gboolean
authorize_write (gpointer   data,
                 GError   **error)
{
  AuthorizeJob *job = data;
  TallyTool *tool;
  gboolean found;
  gint64 held;

  /* Again inside the transaction: a twin may have been queued first. */
  if (!answered_before (job, &found, error))
    return FALSE;
  if (found || !estimate_hold (job, &tool, &held))
    return TRUE;

  return authorize_new_run (job, tool, held, error);
}

static void
authorize_done (gpointer      data,
                const GError *error)
{
  AuthorizeJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (authorize_server (job));

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }
  if (tally_problem_is_set (&job->problem))
    {
      tally_request_respond_problem (job->request, &job->problem);
      return;
    }

  if (job->fresh && job->refused)
    tally_metrics_observe_run (metrics, job->tool_id, "refused", 0);
  if (tally_problem_is_set (&job->refusal))
    {
      tally_request_respond_problem (job->request, &job->refusal);
      return;
    }
  tally_request_respond_text (job->request, job->status, "application/json",
                              g_steal_pointer (&job->body));
}

static AuthorizeJob *
authorize_job_new (TallyRequest                *request,
                   const TallyAuthorizeRequest *decoded)
{
  AuthorizeJob *job = g_new0 (AuthorizeJob, 1);
  const char *parts[4];

  job->request = tally_request_ref (request);
  job->user = *tally_request_get_user (request);
  g_strlcpy (job->id, decoded->id, sizeof job->id);
  g_strlcpy (job->account_id, decoded->account_id[0] != '\0' ? decoded->account_id
                                                             : job->user.account_id,
             sizeof job->account_id);
  job->pool = !g_str_equal (job->account_id, job->user.account_id);
  if (tally_request_get_api_key (request) != NULL)
    g_strlcpy (job->key_id, tally_request_get_api_key (request)->id, sizeof job->key_id);
  job->tool_id = g_strdup (decoded->tool);
  job->inputs = json_object_ref (decoded->inputs);
  job->inputs_json = canonical_json (decoded->inputs);
  job->device = g_strdup (decoded->device);

  parts[0] = job->tool_id;
  parts[1] = job->account_id;
  parts[2] = job->inputs_json;
  parts[3] = NULL;
  digest_parts (parts, job->digest);
  return job;
}

static gboolean
may_use_pool (TallyRequest *request,
              const char   *account_id)
{
  TallyServer *server = tally_request_get_server (request);
  TallyTeamsContext ctx = { tally_server_get_store (server), tally_server_get_audit (server),
                            tally_request_get_user (request) };
  TallyTeamMember member;
  TallyTeam team;

  return tally_teams_may_use_pool (&ctx, account_id, &team, &member, NULL);
}

static void
handle_authorize (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  const TallyUser *user = tally_request_get_user (request);
  TallyAuthorizeRequest decoded;
  AuthorizeJob *job;

  if (body == NULL || !tally_api_decode_authorize (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  /* Only the user's own account pays, or the pool of one of their teams
   * (checked again in the write); any other reads as missing. */
  if (decoded.account_id[0] != '\0' && !g_str_equal (decoded.account_id, user->account_id) &&
      !may_use_pool (request, decoded.account_id))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such account");
      return;
    }

  job = authorize_job_new (request, &decoded);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       authorize_write, authorize_done, job, authorize_job_free);
}

/* --- complete --- */

typedef struct
{
  TallyRequest         *request;
  char                  id[TALLY_UUID_LEN];
  TallyCompleteRequest  decoded;
  char                  digest[TALLY_DIGEST_LEN];

  TallyProblem          problem;
  guint                 status;
  char                 *body;
  /* Ended by this request: counted in the metrics. */
  gboolean              fresh;
  char                  tool_id[TALLY_TOOL_ID_MAX];
  TallyRunStatus        ended_as;
  gint64                charged;
} CompleteJob;

static void
complete_job_free (gpointer data)
{
  CompleteJob *job = data;

  tally_problem_clear (&job->problem);
  g_free (job->body);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
complete_server (CompleteJob *job)
{
  return tally_request_get_server (job->request);
}

/* What a run of @units costs at the price it was authorized at, never
 * more than was held. Units outside what one run may have are priced at
 * the nearest bound: the per-run minimum, or at most the hold. */
static gint64
settled_charge (const TallyRun *run,
                gint64          units)
{
  gint64 cost = run->held;
  gint64 priced = CLAMP (units, run->rule.min_units, run->rule.max_units);

  if (!tally_price_rule_cost (&run->rule, priced, &cost, NULL))
    cost = run->held;

  return MIN (cost, run->held);
}

static void
init_settlement (const TallyRun *run,
                 gint64          charge,
                 gint64          units,
                 TallyTransfer  *settle)
{
  char settle_id[TALLY_UUID_LEN];

  /* Derived from the run, so that a retried completion that got lost
   * after the commit cannot settle twice. */
  tally_uuid_derive ("run-complete", run->id, settle_id);
  tally_transfer_init (settle, settle_id, "", "", charge, TALLY_TRANSFER_KIND_CONSUMPTION);
  settle->flags = charge > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING
                             : TALLY_TRANSFER_FLAG_VOID_PENDING;
  settle->units = charge > 0 ? units : 0;
  tally_transfer_set_pending_id (settle, run->id);
  tally_transfer_set_tool_id (settle, run->tool_id);
  tally_transfer_set_ref (settle, run->id);
}

/* Posts or voids the hold. *@expired when it had timed out first. */
static gboolean
settle_hold (CompleteJob     *job,
             const TallyRun  *run,
             gint64           charge,
             gboolean        *expired,
             GError         **error)
{
  TallyLedger *ledger = tally_server_get_ledger (complete_server (job));
  TallyTransferResult result;
  TallyTransfer settle;

  *expired = FALSE;
  if (run->held == 0)
    return TRUE;

  init_settlement (run, charge, job->decoded.units, &settle);
  if (!tally_ledger_create_transfers (ledger, &settle, 1, &result, error))
    return FALSE;

  if (result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS)
    return TRUE;
  if (result == TALLY_TRANSFER_PENDING_EXPIRED)
    {
      *expired = TRUE;
      return TRUE;
    }

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "Run %s could not be settled: %s", run->id,
               tally_transfer_result_to_string (result));
  return FALSE;
}

static TallyRunStatus
status_of_outcome (TallyRunOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_RUN_OUTCOME_SUCCEEDED:
      return TALLY_RUN_STATUS_SUCCEEDED;
    case TALLY_RUN_OUTCOME_FAILED:
      return TALLY_RUN_STATUS_FAILED;
    case TALLY_RUN_OUTCOME_CANCELLED:
    default:
      return TALLY_RUN_STATUS_CANCELLED;
    }
}

static char *
completed_answer (const TallyRun *run)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", run->id);
  json_object_set_string_member (object, "status", tally_run_status_to_string (run->status));
  json_object_set_int_member (object, "held", run->held);
  json_object_set_int_member (object, "charged", run->charged);
  json_object_set_int_member (object, "released", run->held - run->charged);
  tally_api_set_object (body, "run", object);
  return json_text (body);
}

/* Settles the run and records the answer every retry will get. */
static gboolean
complete_run (CompleteJob  *job,
              TallyRun     *run,
              GError      **error)
{
  TallyStore *store = tally_server_get_store (complete_server (job));
  gboolean succeeded = job->decoded.outcome == TALLY_RUN_OUTCOME_SUCCEEDED;
  gint64 charge = succeeded ? settled_charge (run, job->decoded.units) : 0;
  gboolean expired;

  if (!settle_hold (job, run, charge, &expired, error))
    return FALSE;

  run->status = expired ? TALLY_RUN_STATUS_EXPIRED : status_of_outcome (job->decoded.outcome);
  run->charged = expired ? 0 : charge;
  run->units = job->decoded.units;
  run->completed_at = g_get_real_time ();
  run->complete_status = 200;
  g_strlcpy (run->complete_digest, job->digest, sizeof run->complete_digest);
  g_free (run->complete_body);
  run->complete_body = completed_answer (run);

  job->fresh = TRUE;
  job->ended_as = run->status;
  job->charged = run->charged;
  g_strlcpy (job->tool_id, run->tool_id, sizeof job->tool_id);
  job->status = run->complete_status;
  job->body = g_strdup (run->complete_body);
  if (!tally_audit_record (tally_server_get_audit (complete_server (job)),
                           tally_request_get_user (job->request),
                           tally_audit_run_action (run->status), run->id,
                           tally_audit_run_outcome (run->status),
                           tally_audit_details_json (run->complete_body), error))
    return FALSE;
  return tally_store_complete_run (store, run, error);
}

static gboolean
complete_write (gpointer   data,
                GError   **error)
{
  CompleteJob *job = data;
  TallyStore *store = tally_server_get_store (complete_server (job));
  g_auto(TallyRun) run = { 0 };

  /* Read again inside the transaction: a twin may have completed it. */
  if (!tally_store_find_run (store, job->id, &run, error))
    return FALSE;

  if (run.complete_digest[0] != '\0')
    {
      if (!g_str_equal (run.complete_digest, job->digest))
        tally_problem_set (&job->problem, 409, "idempotency_conflict", NULL,
                           "This run was already completed with another outcome or units");
      else
        {
          job->status = run.complete_status;
          job->body = g_steal_pointer (&run.complete_body);
        }
      return TRUE;
    }

  if (run.status == TALLY_RUN_STATUS_REFUSED)
    {
      tally_problem_set (&job->problem, 409, "run_not_authorized", NULL,
                         "This run was refused, so there is nothing to complete");
      return TRUE;
    }

  return complete_run (job, &run, error);
}

static void
complete_done (gpointer      data,
               const GError *error)
{
  CompleteJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (complete_server (job));

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }
  if (tally_problem_is_set (&job->problem))
    {
      tally_request_respond_problem (job->request, &job->problem);
      return;
    }

  if (job->fresh)
    tally_metrics_observe_run (metrics, job->tool_id, tally_run_status_to_string (job->ended_as),
                               job->charged);
  tally_request_respond_text (job->request, job->status, "application/json",
                              g_steal_pointer (&job->body));
}

static void
complete_digest (CompleteJob *job)
{
  g_autofree char *units = g_strdup_printf ("%" G_GINT64_FORMAT, job->decoded.units);
  const char *parts[] = { tally_run_outcome_to_string (job->decoded.outcome), units, NULL };

  digest_parts (parts, job->digest);
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
  g_strlcpy (job->id, run.id, sizeof job->id);
  job->decoded = decoded;
  complete_digest (job);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       complete_write, complete_done, job, complete_job_free);
}

/* --- look at a run --- */

/* A hold nobody completed reads as expired once its time is up, swept
 * yet or not. */
static TallyRunStatus
current_status (TallyRequest   *request,
                const TallyRun *run)
{
  TallyLedger *ledger = tally_server_get_ledger (tally_request_get_server (request));
  TallyPendingState state;

  if (run->status != TALLY_RUN_STATUS_AUTHORIZED)
    return run->status;
  if (run->hold_expires_at > 0 && tally_ledger_now (ledger) >= run->hold_expires_at)
    return TALLY_RUN_STATUS_EXPIRED;
  if (run->held > 0 && tally_ledger_lookup_pending_state (ledger, run->id, &state, NULL) &&
      state == TALLY_PENDING_STATE_EXPIRED)
    return TALLY_RUN_STATUS_EXPIRED;

  return TALLY_RUN_STATUS_AUTHORIZED;
}

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
  g_autoptr(JsonObject) body = NULL;
  g_auto(TallyRun) run = { 0 };

  if (!find_own_run (request, &run, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  body = json_object_new ();
  tally_api_set_object (body, "run", run_json (&run, current_status (request, &run)));
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
