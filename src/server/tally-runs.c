/* tally-runs.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-json.h"
#include "tally-runs.h"
#include "tally-store-keys.h"
#include "tally-store-sync.h"
#include "tally-pool-spend.h"

void
tally_authorize_result_clear (TallyAuthorizeResult *result)
{
  tally_run_clear (&result->run);
  g_clear_pointer (&result->message, g_free);
  g_clear_pointer (&result->body, g_free);
}

void
tally_complete_result_clear (TallyCompleteResult *result)
{
  tally_run_clear (&result->run);
  g_clear_pointer (&result->body, g_free);
}

static gboolean
is_not_found (const GError *error)
{
  return g_error_matches (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* --- request digests --- */

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

/* The same inputs in any member order give the same text, so a retry
 * that re-serialized its body is still the same request. The body's depth
 * was bounded before parsing. */
static char *
canonical_inputs (JsonObject *inputs)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, inputs);
  return tally_json_canonical (node);
}

static void
complete_digest (const TallyCompleteRequest *request,
                 char                        digest[TALLY_DIGEST_LEN])
{
  g_autofree char *units = g_strdup_printf ("%" G_GINT64_FORMAT, request->units);
  const char *parts[] = { tally_run_outcome_to_string (request->outcome), units, NULL };

  digest_parts (parts, digest);
}

/* --- authorize --- */

/* One authorization while it is decided. */
typedef struct
{
  const TallyRuns             *runs;
  const TallyUser             *actor;
  const TallyAuthorizeRequest *request;
  TallyAuthorizeResult        *result;
  char                         account_id[TALLY_UUID_LEN];
  /* account_id is a team's pool, not the user's own account. */
  gboolean                     pool;
  char                        *inputs_json;
  char                         digest[TALLY_DIGEST_LEN];
  TallyTool                   *tool;
  gint64                       held;
} Authorization;

/* An earlier request with this id decides the answer: the same request
 * gets the same answer, another one a conflict. *@found FALSE when there
 * was none. */
static gboolean
answered_before (Authorization  *auth,
                 gboolean       *found,
                 GError        **error)
{
  TallyAuthorizeResult *result = auth->result;
  g_auto(TallyRun) run = { 0 };
  g_autoptr(GError) local_error = NULL;

  *found = tally_rules_store_find_run (auth->runs->store, auth->request->id, &run, &local_error);
  if (!*found)
    {
      if (is_not_found (local_error))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!g_str_equal (run.user_id, auth->actor->id))
    result->outcome = TALLY_AUTHORIZE_NOT_FOUND;
  else if (!g_str_equal (run.request_digest, auth->digest))
    result->outcome = TALLY_AUTHORIZE_IDEMPOTENCY_CONFLICT;
  else
    {
      result->outcome = TALLY_AUTHORIZE_ANSWERED_BEFORE;
      result->status = run.authorize_status;
      result->body = g_steal_pointer (&run.authorize_body);
    }

  return TRUE;
}

/* The hold is the estimate's max: the most this run may cost. FALSE when
 * the tool or its inputs are refused. */
static gboolean
estimate_hold (Authorization *auth)
{
  g_autoptr(GError) error = NULL;
  TallyEstimate estimate;

  auth->tool = tally_tool_registry_lookup (auth->runs->registry, auth->request->tool);
  if (auth->tool == NULL)
    {
      auth->result->outcome = TALLY_AUTHORIZE_UNKNOWN_TOOL;
      return FALSE;
    }

  if (!tally_tool_estimate (auth->tool, auth->request->inputs, NULL, 0, &estimate, &error))
    {
      auth->result->outcome = TALLY_AUTHORIZE_INVALID_INPUTS;
      auth->result->message = g_strdup (error->message);
      return FALSE;
    }

  auth->held = estimate.max;
  auth->result->held = estimate.max;
  return TRUE;
}

static void
over_limit (Authorization            *auth,
            const TallyPolicyVerdict *verdict,
            gboolean                  member_cap)
{
  auth->result->outcome = TALLY_AUTHORIZE_OVER_LIMIT;
  auth->result->verdict = *verdict;
  auth->result->member_cap = member_cap;
}

/* Caps count posted charges and pending holds in the user's own day and
 * month. *@allowed FALSE when one would be passed. */
static gboolean
check_policy (Authorization  *auth,
              gboolean       *allowed,
              GError        **error)
{
  TallyRulesStore *store = auth->runs->store;
  const char *account_id = auth->account_id;
  gint64 now = tally_rules_store_now (store);
  TallyPolicyVerdict verdict;
  TallyPolicy policy;
  TallySpend spend;

  if (!tally_rules_store_load_policy (store, account_id, auth->actor->timezone, &policy, error) ||
      !tally_rules_store_policy_spend_for_caps (store, account_id, &policy, now, &spend, error))
    return FALSE;

  *allowed = tally_policy_check (&policy, auth->held, spend.daily_spent, spend.monthly_spent,
                                 now, &verdict);
  if (!*allowed)
    over_limit (auth, &verdict, FALSE);
  return TRUE;
}

/* Teams: a run on a pool is also within the member's own caps on it.
 * Checked in the write, so runs racing on one pool are counted one after
 * the other, and a member removed meanwhile finds the pool gone. */
static gboolean
check_member_caps (Authorization  *auth,
                   gboolean       *allowed,
                   GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyPolicyVerdict verdict;
  TallyTeamMember member;
  TallyTeam team;

  *allowed = FALSE;
  if (!tally_pool_may_use (auth->runs->store, auth->actor, auth->account_id, &team, &member,
                           &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      auth->result->outcome = TALLY_AUTHORIZE_NO_ACCOUNT;
      return TRUE;
    }

  if (!tally_pool_check_member_caps (auth->runs->store, auth->actor, &member, auth->account_id,
                                     auth->held, tally_rules_store_now (auth->runs->store),
                                     allowed, &verdict, error))
    return FALSE;
  if (!*allowed)
    over_limit (auth, &verdict, TRUE);
  return TRUE;
}

static void
init_hold (Authorization *auth,
           TallyTransfer *hold)
{
  tally_transfer_init (hold, auth->request->id, auth->account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), auth->held,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  hold->flags = TALLY_TRANSFER_FLAG_PENDING;
  hold->timeout = (guint32) auth->runs->hold_timeout;
  tally_transfer_set_tool_id (hold, tally_tool_get_id (auth->tool));
  tally_transfer_set_ref (hold, auth->request->id);
  tally_transfer_set_description (hold, tally_tool_get_name (auth->tool));
}

/* An online device does not need its offline lease: what it holds goes
 * back to the account, and the next sync takes a new one from what is
 * left. Then the hold is tried again. */
static gboolean
retry_with_lease (Authorization        *auth,
                  TallyTransfer        *hold,
                  TallyTransferResult  *result,
                  GError              **error)
{
  if (!tally_rules_store_release_lease (auth->runs->store, auth->actor->id, auth->request->device,
                                        &auth->result->lease_released, error))
    return FALSE;

  return !auth->result->lease_released ||
         tally_rules_store_create_transfers (auth->runs->store, hold, 1, result, error);
}

static gboolean
refuse_insufficient (Authorization  *auth,
                     GError        **error)
{
  TallyAccount account;

  if (!tally_rules_store_lookup_account (auth->runs->store, auth->account_id, &account, error))
    return FALSE;

  auth->result->outcome = TALLY_AUTHORIZE_INSUFFICIENT_CREDITS;
  auth->result->available = tally_account_available (&account);
  return TRUE;
}

/* The pending transfer; *@held_ok is FALSE when it was refused. */
static gboolean
place_hold (Authorization  *auth,
            TallyTransfer  *hold,
            gboolean       *held_ok,
            GError        **error)
{
  TallyRulesStore *store = auth->runs->store;
  TallyTransferResult result;

  *held_ok = FALSE;
  init_hold (auth, hold);

  /* A free run holds nothing, and so has nothing to settle or expire. */
  if (auth->held == 0)
    {
      hold->timeout = 0;
      hold->created_at = tally_rules_store_now (store);
      *held_ok = TRUE;
      return TRUE;
    }

  if (!tally_rules_store_create_transfers (store, hold, 1, &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_EXCEEDS_CREDITS && auth->request->device != NULL && !auth->pool &&
      !retry_with_lease (auth, hold, &result, error))
    return FALSE;

  if (result == TALLY_TRANSFER_OK)
    {
      *held_ok = TRUE;
      return TRUE;
    }
  if (result == TALLY_TRANSFER_EXCEEDS_CREDITS)
    return refuse_insufficient (auth, error);
  if (result == TALLY_TRANSFER_EXISTS || result == TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
    {
      /* Another transfer took this id, e.g. a grant. */
      auth->result->outcome = TALLY_AUTHORIZE_ID_TAKEN;
      return TRUE;
    }

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The hold of run %s was refused: %s", auth->request->id,
               tally_transfer_result_to_string (result));
  return FALSE;
}

static void
init_run (Authorization *auth,
          TallyRun      *run)
{
  memset (run, 0, sizeof *run);
  g_strlcpy (run->id, auth->request->id, sizeof run->id);
  g_strlcpy (run->user_id, auth->actor->id, sizeof run->user_id);
  g_strlcpy (run->account_id, auth->account_id, sizeof run->account_id);
  g_strlcpy (run->tool_id, auth->request->tool, sizeof run->tool_id);
  g_strlcpy (run->request_digest, auth->digest, sizeof run->request_digest);
  run->status = TALLY_RUN_STATUS_REFUSED;
  run->units = -1;
  run->rule = *tally_tool_get_price_rule (auth->tool);
  run->created_at = g_get_real_time ();
}

static void
authorized (Authorization       *auth,
            const TallyTransfer *hold)
{
  TallyRun *run = &auth->result->run;

  auth->result->outcome = TALLY_AUTHORIZE_AUTHORIZED;
  run->status = TALLY_RUN_STATUS_AUTHORIZED;
  run->held = auth->held;
  run->created_at = hold->created_at;
  if (hold->timeout > 0)
    run->hold_expires_at = hold->created_at + (gint64) hold->timeout * G_USEC_PER_SEC;
}

/* Records the run with the answer it gets, now and on every retry. */
static gboolean
record_run (Authorization  *auth,
            const char     *key_id,
            GError        **error)
{
  TallyAuthorizeResult *result = auth->result;
  TallyRulesStore *store = auth->runs->store;
  TallyRun *run = &result->run;
  gboolean ok;

  result->body = auth->runs->answers->authorize (result, &result->status);
  if (!tally_audit_record (auth->runs->audit, auth->actor, tally_audit_run_action (run->status),
                           run->id, tally_audit_run_outcome (run->status),
                           tally_audit_details_json (result->body), error))
    return FALSE;

  /* The store keeps the answer; the result's run leaves it to the result. */
  run->authorize_status = result->status;
  run->authorize_body = result->body;
  ok = tally_rules_store_insert_run (store, run, auth->inputs_json, error) &&
       (key_id == NULL || tally_rules_store_record_run_key (store, run->id, key_id, error));
  run->authorize_body = NULL;
  return ok;
}

/* Holds the credits and records the run, or records why not. */
static gboolean
authorize_new_run (Authorization  *auth,
                   const char     *key_id,
                   GError        **error)
{
  TallyTransfer hold;
  gboolean ok = FALSE;

  if (!check_policy (auth, &ok, error))
    return FALSE;
  if (ok && auth->pool && !check_member_caps (auth, &ok, error))
    return FALSE;
  if (ok && !place_hold (auth, &hold, &ok, error))
    return FALSE;
  if (auth->result->outcome == TALLY_AUTHORIZE_NO_ACCOUNT ||
      auth->result->outcome == TALLY_AUTHORIZE_ID_TAKEN)
    return TRUE;

  init_run (auth, &auth->result->run);
  if (ok)
    authorized (auth, &hold);
  return record_run (auth, key_id, error);
}

static void
init_authorization (Authorization               *auth,
                    const TallyRuns             *self,
                    const TallyUser             *actor,
                    const TallyAuthorizeRequest *request,
                    TallyAuthorizeResult        *result)
{
  const char *parts[4];

  memset (auth, 0, sizeof *auth);
  auth->runs = self;
  auth->actor = actor;
  auth->request = request;
  auth->result = result;
  g_strlcpy (auth->account_id, request->account_id[0] != '\0' ? request->account_id
                                                              : actor->account_id,
             sizeof auth->account_id);
  auth->pool = !g_str_equal (auth->account_id, actor->account_id);
  auth->inputs_json = canonical_inputs (request->inputs);

  /* The device is not part of it: which device asks does not change the
   * run. */
  parts[0] = request->tool;
  parts[1] = auth->account_id;
  parts[2] = auth->inputs_json;
  parts[3] = NULL;
  digest_parts (parts, auth->digest);
}

gboolean
tally_runs_authorize (const TallyRuns             *self,
                      const TallyUser             *actor,
                      const char                  *key_id,
                      const TallyAuthorizeRequest *request,
                      TallyAuthorizeResult        *result,
                      GError                     **error)
{
  Authorization auth;
  gboolean found;
  gboolean ok;

  memset (result, 0, sizeof *result);
  init_authorization (&auth, self, actor, request, result);

  /* Again inside the transaction: a twin may have been queued first. */
  ok = answered_before (&auth, &found, error);
  if (ok && !found && estimate_hold (&auth))
    ok = authorize_new_run (&auth, key_id, error);

  g_free (auth.inputs_json);
  return ok;
}

/* --- complete --- */

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
settle_hold (const TallyRuns  *self,
             const TallyRun   *run,
             gint64            charge,
             gint64            units,
             gboolean         *expired,
             GError          **error)
{
  TallyTransferResult result;
  TallyTransfer settle;

  *expired = FALSE;
  if (run->held == 0)
    return TRUE;

  init_settlement (run, charge, units, &settle);
  if (!tally_rules_store_create_transfers (self->store, &settle, 1, &result, error))
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

/* Settles the run and records the answer every retry will get. */
static gboolean
complete_run (const TallyRuns             *self,
              const TallyUser             *actor,
              const TallyCompleteRequest  *request,
              const char                  *digest,
              TallyCompleteResult         *result,
              GError                     **error)
{
  TallyRun *run = &result->run;
  gboolean succeeded = request->outcome == TALLY_RUN_OUTCOME_SUCCEEDED;
  gint64 charge = succeeded ? settled_charge (run, request->units) : 0;
  gboolean expired;

  if (!settle_hold (self, run, charge, request->units, &expired, error))
    return FALSE;

  result->outcome = TALLY_COMPLETE_COMPLETED;
  run->status = expired ? TALLY_RUN_STATUS_EXPIRED : status_of_outcome (request->outcome);
  run->charged = expired ? 0 : charge;
  run->units = request->units;
  run->completed_at = g_get_real_time ();
  g_strlcpy (run->complete_digest, digest, sizeof run->complete_digest);
  g_clear_pointer (&run->complete_body, g_free);

  result->body = self->answers->complete (result, &result->status);
  run->complete_status = result->status;
  run->complete_body = g_strdup (result->body);
  if (!tally_audit_record (self->audit, actor, tally_audit_run_action (run->status), run->id,
                           tally_audit_run_outcome (run->status),
                           tally_audit_details_json (result->body), error))
    return FALSE;
  return tally_rules_store_complete_run (self->store, run, error);
}

gboolean
tally_runs_complete (const TallyRuns             *self,
                     const TallyUser             *actor,
                     const char                  *run_id,
                     const TallyCompleteRequest  *request,
                     TallyCompleteResult         *result,
                     GError                     **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyRun *run = &result->run;
  char digest[TALLY_DIGEST_LEN];

  memset (result, 0, sizeof *result);
  complete_digest (request, digest);

  /* Read again inside the transaction: a twin may have completed it. */
  if (!tally_rules_store_find_run (self->store, run_id, run, &local_error))
    {
      if (!is_not_found (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      result->outcome = TALLY_COMPLETE_NOT_FOUND;
      return TRUE;
    }

  if (!g_str_equal (run->user_id, actor->id))
    result->outcome = TALLY_COMPLETE_NOT_FOUND;
  else if (run->complete_digest[0] != '\0' && !g_str_equal (run->complete_digest, digest))
    result->outcome = TALLY_COMPLETE_IDEMPOTENCY_CONFLICT;
  else if (run->complete_digest[0] != '\0')
    {
      result->outcome = TALLY_COMPLETE_ANSWERED_BEFORE;
      result->status = run->complete_status;
      result->body = g_steal_pointer (&run->complete_body);
    }
  else if (run->status == TALLY_RUN_STATUS_REFUSED)
    result->outcome = TALLY_COMPLETE_NOT_AUTHORIZED;
  else
    return complete_run (self, actor, request, digest, result, error);

  return TRUE;
}

/* --- reads --- */

gboolean
tally_runs_may_pay (const TallyRuns *self,
                    const TallyUser *actor,
                    const char      *account_id)
{
  TallyTeamMember member;
  TallyTeam team;

  return g_str_equal (account_id, actor->account_id) ||
         tally_pool_may_use (self->store, actor, account_id, &team, &member, NULL);
}

gboolean
tally_runs_find_own (const TallyRuns  *self,
                     const TallyUser  *actor,
                     const char       *id,
                     TallyRun         *run,
                     gboolean         *found,
                     GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *lower = NULL;

  *found = FALSE;
  if (id == NULL || !g_uuid_string_is_valid (id))
    return TRUE;

  lower = g_ascii_strdown (id, -1);
  if (!tally_rules_store_find_run (self->store, lower, run, &local_error))
    {
      if (is_not_found (local_error))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Anybody else's reads as missing, so nothing tells that it exists. */
  *found = g_str_equal (run->user_id, actor->id);
  if (!*found)
    tally_run_clear (run);
  return TRUE;
}

TallyRunStatus
tally_runs_current_status (const TallyRuns *self,
                           const TallyRun  *run)
{
  TallyRulesStore *store = self->store;
  TallyPendingState state;

  if (run->status != TALLY_RUN_STATUS_AUTHORIZED)
    return run->status;
  if (run->hold_expires_at > 0 && tally_rules_store_now (store) >= run->hold_expires_at)
    return TALLY_RUN_STATUS_EXPIRED;
  if (run->held > 0 && tally_rules_store_lookup_pending_state (store, run->id, &state, NULL) &&
      state == TALLY_PENDING_STATE_EXPIRED)
    return TALLY_RUN_STATUS_EXPIRED;

  return TALLY_RUN_STATUS_AUTHORIZED;
}
