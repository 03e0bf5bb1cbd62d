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
  TallyGrantRequest  decoded;
  char              *reason;

  TallyProblem       problem;
  TallyTransfer      transfer;
} GrantJob;

static void
grant_job_free (gpointer data)
{
  GrantJob *job = data;

  tally_problem_clear (&job->problem);
  g_free (job->reason);
  tally_request_unref (job->request);
  g_free (job);
}

/* Grants go to people and teams, never to a system or lease account. */
static gboolean
find_grantee (GrantJob  *job,
              gboolean  *found,
              GError   **error)
{
  TallyLedger *ledger = tally_server_get_ledger (tally_request_get_server (job->request));
  g_autoptr(GError) local_error = NULL;
  TallyAccount account;

  *found = tally_ledger_lookup_account (ledger, job->decoded.account_id, &account, &local_error);
  if (!*found && !g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *found = *found && (account.kind == TALLY_ACCOUNT_KIND_USER ||
                      account.kind == TALLY_ACCOUNT_KIND_TEAM);
  if (!*found)
    tally_problem_set (&job->problem, 404, "not_found", "account_id", "There is no such account");

  return TRUE;
}

/* Credits that expire are a lot of the ledger, made with the transfer;
 * a grant sent again must say the same of its expiry. */
static gboolean
grant_expiry (GrantJob             *job,
              TallyTransferResult   result,
              GError              **error)
{
  TallyLedger *ledger = tally_server_get_ledger (tally_request_get_server (job->request));
  gint64 stored;

  if (result == TALLY_TRANSFER_OK)
    return job->decoded.expires_at == 0 ||
           tally_ledger_set_expiry (ledger, job->transfer.id, job->decoded.expires_at, error);

  if (!tally_ledger_lookup_expiry (ledger, job->transfer.id, &stored, error))
    return FALSE;
  if (stored != job->decoded.expires_at)
    tally_problem_set (&job->problem, 409, "idempotency_conflict", "id",
                       "This id was already used for another transfer");
  return TRUE;
}

static gboolean
grant_write (gpointer   data,
             GError   **error)
{
  GrantJob *job = data;
  TallyLedger *ledger = tally_server_get_ledger (tally_request_get_server (job->request));
  TallyTransferResult result;
  gboolean found;

  if (!find_grantee (job, &found, error))
    return FALSE;
  if (!found)
    return TRUE;

  if (!tally_ledger_create_transfers (ledger, &job->transfer, 1, &result, error))
    return FALSE;
  if ((result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS) &&
      !grant_expiry (job, result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK &&
      !tally_audit_record (tally_server_get_audit (tally_request_get_server (job->request)),
                           tally_request_get_user (job->request), "admin.grant",
                           job->decoded.account_id, "ok",
                           tally_audit_details ("sisi", "transfer_id", job->transfer.id, "amount",
                                                job->transfer.amount, "reason", job->reason,
                                                "expires_at", job->decoded.expires_at),
                           error))
    return FALSE;

  /* The same id with the same grant is answered as the first time. */
  if (result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS)
    return TRUE;
  if (result == TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
    {
      tally_problem_set (&job->problem, 409, "idempotency_conflict", "id",
                         "This id was already used for another transfer");
      return TRUE;
    }

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The grant was refused: %s", tally_transfer_result_to_string (result));
  return FALSE;
}

static void
grant_done (gpointer      data,
            const GError *error)
{
  GrantJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not save this; try again");
      return;
    }
  if (tally_problem_is_set (&job->problem))
    {
      tally_request_respond_problem (job->request, &job->problem);
      return;
    }

  body = json_object_new ();
  tally_api_set_object (body, "transfer", tally_api_transfer_json (&job->transfer,
                                                                  job->decoded.expires_at));
  tally_request_respond_object (job->request, 201, body);
}

/* The reason is the transfer's description, which holds 255 bytes: a long
 * reason in a wide script is cut at a character boundary. */
static void
init_grant (GrantJob *job)
{
  g_autofree char *id = NULL;
  const char *end = job->reason;

  while (*end != '\0' && g_utf8_next_char (end) - job->reason < TALLY_DESCRIPTION_MAX)
    end = g_utf8_next_char (end);
  job->reason[end - job->reason] = '\0';

  if (job->decoded.id[0] == '\0')
    id = g_uuid_string_random ();

  tally_transfer_init (&job->transfer, id != NULL ? id : job->decoded.id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       job->decoded.account_id, job->decoded.amount, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&job->transfer, job->reason);
}

static void
handle_grant (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  GrantJob *job;

  job = g_new0 (GrantJob, 1);
  job->request = tally_request_ref (request);
  if (body == NULL || !tally_api_decode_grant (body, &job->decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      grant_job_free (job);
      return;
    }

  job->reason = g_strdup (job->decoded.reason);
  job->decoded.reason = NULL;
  init_grant (job);
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
