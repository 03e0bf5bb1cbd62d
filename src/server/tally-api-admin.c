/* tally-api-admin.c: what only an admin may do with credits
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
#include "tally-grants.h"
#include "tally-server.h"

#define REASON_MAX_CHARS 256

gboolean
tally_api_decode_grant (JsonObject        *body,
                        TallyGrantRequest *out,
                        TallyProblem      *problem)
{
  g_autofree char *stripped = NULL;

  memset (out, 0, sizeof *out);

  if (!tally_json_get_uuid (body, "account_id", TALLY_FIELD_REQUIRED, out->account_id, problem) ||
      !tally_json_get_int (body, "amount", TALLY_FIELD_REQUIRED, 1, TALLY_API_AMOUNT_MAX,
                           &out->amount, problem) ||
      !tally_json_get_string (body, "reason", TALLY_FIELD_REQUIRED, REASON_MAX_CHARS,
                              &out->reason, problem) ||
      !tally_json_get_uuid (body, "id", TALLY_FIELD_OPTIONAL, out->id, problem) ||
      !tally_json_get_time_after (body, "expires_at", TALLY_FIELD_OPTIONAL, g_get_real_time (),
                                  &out->expires_at, problem))
    return FALSE;

  stripped = g_strstrip (g_strdup (out->reason));
  if (stripped[0] == '\0')
    {
      tally_problem_invalid (problem, "reason", "“reason” must say why the credits are granted");
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  TallyRequest      *request;
  TallyGrant         grant;

  TallyGrantOutcome  outcome;
} GrantJob;

static void
grant_job_free (gpointer data)
{
  GrantJob *job = data;

  tally_grant_clear (&job->grant);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
grant_write (gpointer   data,
             GError   **error)
{
  GrantJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_grants_apply (tally_server_get_rules_store (server), tally_server_get_audit (server),
                             tally_request_get_user (job->request), &job->grant, &job->outcome,
                             error);
}

static void
grant_done (gpointer      data,
            const GError *error)
{
  GrantJob *job = data;
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not save this; try again");
      return;
    }

  switch (job->outcome)
    {
    case TALLY_GRANT_NO_ACCOUNT:
      tally_problem_set (&problem, 404, "not_found", "account_id", "There is no such account");
      tally_request_respond_problem (job->request, &problem);
      return;
    case TALLY_GRANT_IDEMPOTENCY_CONFLICT:
      tally_problem_set (&problem, 409, "idempotency_conflict", "id",
                         "This id was already used for another transfer");
      tally_request_respond_problem (job->request, &problem);
      return;
    case TALLY_GRANT_GRANTED:
    case TALLY_GRANT_ALREADY_GRANTED:
    default:
      break;
    }

  body = json_object_new ();
  tally_api_set_object (body, "transfer", tally_api_transfer_json (&job->grant.transfer,
                                                                  job->grant.expires_at));
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_grant (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyGrantRequest decoded;
  GrantJob *job;

  if (body == NULL || !tally_api_decode_grant (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (GrantJob, 1);
  job->request = tally_request_ref (request);
  tally_grant_init (&job->grant, &decoded);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)), grant_write,
                       grant_done, job, grant_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/admin/grants", handle_grant, TALLY_ROUTE_ADMIN },
};

void
tally_api_admin_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
