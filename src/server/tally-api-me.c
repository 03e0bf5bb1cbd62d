/* tally-api-me.c: the signed-in user, their accounts and spend limits
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
#include "tally-store-runs.h"
#include "tally-store-teams.h"

static const TallyLimit limit_order[] = {
  TALLY_LIMIT_PER_RUN, TALLY_LIMIT_DAILY, TALLY_LIMIT_MONTHLY,
};

/* --- decoding --- */

static gboolean
decode_cap (JsonObject         *body,
            TallyLimit          limit,
            TallyLimitsRequest *out,
            TallyProblem       *problem)
{
  const char *name = tally_limit_to_string (limit);
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL)
    return TRUE;

  /* null removes the cap, as 0 does. */
  out->given[limit] = TRUE;
  out->cap[limit] = 0;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  return tally_json_get_int (body, name, TALLY_FIELD_REQUIRED, 0, TALLY_API_AMOUNT_MAX,
                             &out->cap[limit], problem);
}

gboolean
tally_api_decode_limits (JsonObject         *body,
                         TallyLimitsRequest *out,
                         TallyProblem       *problem)
{
  memset (out, 0, sizeof *out);

  for (guint i = 0; i < G_N_ELEMENTS (limit_order); i++)
    {
      if (!decode_cap (body, limit_order[i], out, problem))
        return FALSE;
    }

  return TRUE;
}

/* --- answers --- */

static gint64
caps_value (const TallyCaps *caps,
            TallyLimit       limit)
{
  switch (limit)
    {
    case TALLY_LIMIT_PER_RUN:
      return caps->per_run;
    case TALLY_LIMIT_DAILY:
      return caps->daily;
    case TALLY_LIMIT_MONTHLY:
      return caps->monthly;
    case TALLY_LIMIT_NONE:
    default:
      return 0;
    }
}

static void
set_window_members (JsonObject       *object,
                    TallyLimit        limit,
                    const TallySpend *spend)
{
  g_autofree char *resets_at = NULL;
  gint64 spent = limit == TALLY_LIMIT_DAILY ? spend->daily_spent : spend->monthly_spent;
  gint64 end = limit == TALLY_LIMIT_DAILY ? spend->daily_resets_at : spend->monthly_resets_at;

  /* A per-run cap has no window: nothing is spent in it, nothing resets. */
  if (limit == TALLY_LIMIT_PER_RUN)
    {
      json_object_set_null_member (object, "spent");
      json_object_set_null_member (object, "resets_at");
      return;
    }

  resets_at = tally_time_to_iso8601 (end);
  json_object_set_int_member (object, "spent", spent);
  json_object_set_string_member (object, "resets_at", resets_at);
}

/* {per_run, daily, monthly}, each {cap, ceiling, user, spent, resets_at}:
 * cap is the one in force, the tighter of the two others. */
static JsonObject *
limits_json (const TallyPolicy *policy,
             const TallySpend  *spend)
{
  JsonObject *limits = json_object_new ();
  TallyCaps effective;

  tally_policy_effective_caps (policy, &effective);
  for (guint i = 0; i < G_N_ELEMENTS (limit_order); i++)
    {
      TallyLimit limit = limit_order[i];
      JsonObject *object = json_object_new ();

      tally_api_set_cap (object, "cap", caps_value (&effective, limit));
      tally_api_set_cap (object, "ceiling", caps_value (&policy->ceiling, limit));
      tally_api_set_cap (object, "user", caps_value (&policy->user, limit));
      set_window_members (object, limit, spend);
      tally_api_set_object (limits, tally_limit_to_string (limit), object);
    }
  json_object_set_string_member (limits, "timezone",
                                 policy->timezone[0] != '\0' ? policy->timezone : "UTC");

  return limits;
}

/* The limits of @account_id as they stand now. */
JsonObject *
tally_api_current_limits (TallyApiStore  *store,
                          const char     *account_id,
                          const char     *timezone,
                          GError        **error)
{
  gint64 now = tally_rules_store_now (TALLY_RULES_STORE (store));
  TallyPolicy policy;
  TallySpend spend;

  if (!tally_rules_store_load_policy (TALLY_RULES_STORE (store), account_id, timezone, &policy,
                                      error) ||
      !tally_api_store_policy_spend (store, account_id, &policy, now, &spend, error))
    return NULL;

  return limits_json (&policy, &spend);
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

/* --- GET /v1/me --- */

/* The account's JSON with the credits that expire, soonest first:
 * expiring: [{amount, expires_at}] (docs/ledger.md, "Lots and expiry"). */
static JsonObject *
account_with_expiring (TallyApiStore       *store,
                       const TallyAccount  *account)
{
  g_autoptr(GArray) lots = tally_api_store_list_lots (store, account->id, NULL);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *expiring;

  if (lots == NULL)
    return NULL;

  object = tally_api_account_json (account);
  expiring = json_array_new ();
  for (guint i = 0; i < lots->len; i++)
    {
      const TallyLot *lot = &g_array_index (lots, TallyLot, i);
      JsonObject *item = json_object_new ();

      json_object_set_int_member (item, "amount", lot->remaining);
      tally_api_set_time (item, "expires_at", lot->expires_at);
      json_array_add_object_element (expiring, item);
    }
  json_object_set_array_member (object, "expiring", expiring);
  return g_steal_pointer (&object);
}

static gboolean
add_account (TallyApiStore *store,
             const char    *account_id,
             JsonArray     *accounts)
{
  TallyAccount account;
  JsonObject *object;

  if (!tally_rules_store_lookup_account (TALLY_RULES_STORE (store), account_id, &account, NULL))
    return FALSE;

  object = account_with_expiring (store, &account);
  if (object == NULL)
    return FALSE;
  json_array_add_object_element (accounts, object);
  return TRUE;
}

/* The pools of the user's teams follow the user's own account, with kind
 * "team". */
static gboolean
add_team_accounts (TallyServer     *server,
                   const TallyUser *user,
                   JsonArray       *accounts)
{
  g_autoptr(GArray) teams = tally_api_store_list_teams (tally_server_get_store (server), user->id,
                                                        NULL);

  if (teams == NULL)
    return FALSE;

  for (guint i = 0; i < teams->len; i++)
    {
      const TallyTeam *team = &g_array_index (teams, TallyTeam, i);

      if (!add_account (tally_server_get_store (server), team->account_id, accounts))
        return FALSE;
    }
  return TRUE;
}

static void
handle_me (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  const TallyUser *user = tally_request_get_user (request);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonArray) accounts = json_array_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *limits;

  if (!add_account (tally_server_get_store (server), user->account_id, accounts))
    {
      respond_storage_error (request);
      return;
    }

  limits = tally_api_current_limits (tally_server_get_store (server), user->account_id,
                                     user->timezone, &error);
  if (limits == NULL)
    {
      respond_storage_error (request);
      return;
    }

  if (!add_team_accounts (server, user, accounts))
    {
      json_object_unref (limits);
      respond_storage_error (request);
      return;
    }
  tally_api_set_object (body, "user", tally_api_user_json (user));
  json_object_set_array_member (body, "accounts", g_steal_pointer (&accounts));
  tally_api_set_object (body, "limits", limits);
  tally_request_respond_object (request, 200, body);
}

/* --- setting caps --- */

typedef gboolean (*SetCapFunc) (TallyPolicy  *policy,
                                TallyLimit    limit,
                                gint64        cap,
                                GError      **error);

typedef struct
{
  TallyRequest       *request;
  char                account_id[TALLY_UUID_LEN];
  char                timezone[TALLY_TIMEZONE_MAX];
  TallyLimitsRequest  decoded;
  /* A user's own caps, or an admin's ceilings. */
  SetCapFunc          set_cap;
  gboolean            with_account_id;

  TallyProblem        problem;
  JsonObject         *limits;
} LimitsJob;

static void
limits_job_free (gpointer data)
{
  LimitsJob *job = data;

  tally_problem_clear (&job->problem);
  g_clear_pointer (&job->limits, json_object_unref);
  tally_request_unref (job->request);
  g_free (job);
}

/* All the given caps or none: a refused one leaves the policy as it was. */
static gboolean
apply_caps (LimitsJob   *job,
            TallyPolicy *policy)
{
  for (guint i = 0; i < G_N_ELEMENTS (limit_order); i++)
    {
      TallyLimit limit = limit_order[i];
      g_autoptr(GError) error = NULL;

      if (!job->decoded.given[limit])
        continue;

      if (!job->set_cap (policy, limit, job->decoded.cap[limit], &error))
        {
          tally_problem_invalid (&job->problem, tally_limit_to_string (limit), "%s",
                                 error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
limits_write (gpointer   data,
              GError   **error)
{
  LimitsJob *job = data;
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (job->request));
  TallyPolicy policy;

  if (!tally_rules_store_load_policy (TALLY_RULES_STORE (store), job->account_id, job->timezone,
                                      &policy, error))
    return FALSE;
  if (!apply_caps (job, &policy))
    return TRUE;
  if (!tally_api_store_save_policy (store, job->account_id, &policy, error))
    return FALSE;

  job->limits = tally_api_current_limits (store, job->account_id, job->timezone, error);
  if (job->limits != NULL &&
      !tally_audit_record (tally_server_get_audit (tally_request_get_server (job->request)),
                           tally_request_get_user (job->request), "limits.changed",
                           job->account_id, "ok", json_object_ref (job->limits), error))
    return FALSE;
  return job->limits != NULL;
}

static void
limits_done (gpointer      data,
             const GError *error)
{
  LimitsJob *job = data;
  g_autoptr(JsonObject) body = NULL;

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

  body = json_object_new ();
  if (job->with_account_id)
    json_object_set_string_member (body, "account_id", job->account_id);
  tally_api_set_object (body, "limits", g_steal_pointer (&job->limits));
  tally_request_respond_object (job->request, 200, body);
}

/* Decodes the body into a new job, or answers the request. */
static LimitsJob *
limits_job_new (TallyRequest *request,
                SetCapFunc    set_cap)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyLimitsRequest decoded;
  LimitsJob *job;

  if (body == NULL || !tally_api_decode_limits (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return NULL;
    }

  job = g_new0 (LimitsJob, 1);
  job->request = tally_request_ref (request);
  job->decoded = decoded;
  job->set_cap = set_cap;
  return job;
}

static void
submit_limits (LimitsJob *job)
{
  TallyServer *server = tally_request_get_server (job->request);

  tally_request_pause (job->request);
  tally_writer_submit (tally_server_get_writer (server), limits_write, limits_done, job,
                       limits_job_free);
}

static void
handle_my_limits (TallyRequest *request)
{
  const TallyUser *user = tally_request_get_user (request);
  LimitsJob *job = limits_job_new (request, tally_policy_set_user_cap);

  if (job == NULL)
    return;

  g_strlcpy (job->account_id, user->account_id, sizeof job->account_id);
  g_strlcpy (job->timezone, user->timezone, sizeof job->timezone);
  submit_limits (job);
}

/* The user or team account named by the path, with the zone its windows
 * follow; system and lease accounts have no limits, so they read as
 * missing too. */
static gboolean
find_limited_account (TallyRequest *request,
                      char          account_id[TALLY_UUID_LEN],
                      char          timezone[TALLY_TIMEZONE_MAX])
{
  TallyServer *server = tally_request_get_server (request);
  const char *param = tally_request_get_param (request, "id");
  TallyAccount account;
  TallyUser owner;

  if (param == NULL || !g_uuid_string_is_valid (param))
    return FALSE;

  g_strlcpy (account_id, param, TALLY_UUID_LEN);
  for (char *c = account_id; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);

  if (!tally_rules_store_lookup_account (tally_server_get_rules_store (server), account_id,
                                         &account, NULL) ||
      (account.kind != TALLY_ACCOUNT_KIND_USER && account.kind != TALLY_ACCOUNT_KIND_TEAM))
    return FALSE;

  if (tally_rules_store_find_user_by_account (tally_server_get_rules_store (server), account_id,
                                              &owner, NULL))
    g_strlcpy (timezone, owner.timezone, TALLY_TIMEZONE_MAX);
  else
    g_strlcpy (timezone, account.timezone, TALLY_TIMEZONE_MAX);

  return TRUE;
}

static void
handle_account_limits (TallyRequest *request)
{
  char account_id[TALLY_UUID_LEN];
  char timezone[TALLY_TIMEZONE_MAX];
  LimitsJob *job;

  if (!find_limited_account (request, account_id, timezone))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such account");
      return;
    }

  job = limits_job_new (request, tally_policy_set_ceiling);
  if (job == NULL)
    return;

  g_strlcpy (job->account_id, account_id, sizeof job->account_id);
  g_strlcpy (job->timezone, timezone, sizeof job->timezone);
  job->with_account_id = TRUE;
  submit_limits (job);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/me", handle_me, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/limits", handle_my_limits, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/admin/accounts/{id}/limits", handle_account_limits, TALLY_ROUTE_ADMIN },
};

void
tally_api_me_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
