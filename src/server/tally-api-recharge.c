/* tally-api-recharge.c: the user's auto-recharge settings
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
#include "tally-recharge.h"
#include "tally-server.h"
#include "tally-store-recharge.h"

static gboolean
decode_boolean (JsonObject   *body,
                const char   *name,
                gboolean     *out,
                TallyProblem *problem)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      tally_problem_invalid (problem, name, "“%s” must be true or false", name);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
tally_api_decode_auto_recharge (JsonObject               *body,
                                TallyAutoRechargeRequest *out,
                                TallyProblem             *problem)
{
  memset (out, 0, sizeof *out);

  if (!decode_boolean (body, "enabled", &out->enabled, problem) ||
      !tally_json_get_int (body, "threshold", TALLY_FIELD_REQUIRED, 0, TALLY_API_AMOUNT_MAX,
                           &out->threshold, problem) ||
      !tally_json_get_string (body, "pack", TALLY_FIELD_REQUIRED, TALLY_PACK_ID_MAX - 1,
                              &out->pack, problem) ||
      !tally_json_get_int (body, "monthly_cap", TALLY_FIELD_REQUIRED, 1,
                           TALLY_RECHARGE_MONTHLY_CAP_MAX, &out->monthly_cap, problem))
    return FALSE;

  /* Counted in bytes too: the settings keep it in a fixed field. */
  if (strlen (out->pack) >= TALLY_PACK_ID_MAX)
    {
      tally_problem_invalid (problem, "pack", "There is no pack “%s”", out->pack);
      return FALSE;
    }

  return TRUE;
}

/* {enabled, threshold, pack, monthly_cap, failures, paused, in_flight};
 * an account that never set any has auto-recharge off. */
JsonObject *
tally_api_recharge_settings_json (const TallyRechargeSettings *settings)
{
  JsonObject *object = json_object_new ();

  json_object_set_boolean_member (object, "enabled", settings->enabled);
  json_object_set_int_member (object, "threshold", settings->threshold);
  if (settings->pack_id[0] != '\0')
    json_object_set_string_member (object, "pack", settings->pack_id);
  else
    json_object_set_null_member (object, "pack");
  json_object_set_int_member (object, "monthly_cap", settings->monthly_cap);
  json_object_set_int_member (object, "failures", settings->failures);
  json_object_set_boolean_member (object, "paused", settings->paused);
  json_object_set_boolean_member (object, "in_flight", settings->in_flight[0] != '\0');

  return object;
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

static void
handle_get (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  TallyRechargeSettings settings;

  if (!tally_rules_store_find_recharge_settings (TALLY_RULES_STORE (store),
                                                 tally_request_get_user (request)->account_id,
                                                 &settings, &error) &&
            error != NULL)
    {
      respond_storage_error (request);
      return;
    }

  body = tally_api_recharge_settings_json (&settings);
  tally_request_respond_object (request, 200, body);
}

typedef struct
{
  TallyRequest          *request;
  TallyRechargeSettings  settings;
} SettingsJob;

static void
settings_job_free (gpointer data)
{
  SettingsJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
settings_write (gpointer   data,
                GError   **error)
{
  SettingsJob *job = data;
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (job->request));
  char account_id[TALLY_UUID_LEN];

  /* Read back (a recharge may be in flight), by a copy of the key: the
   * read clears what it fills. */
  g_strlcpy (account_id, job->settings.account_id, sizeof account_id);
  return tally_api_store_save_recharge_settings (store, &job->settings, error) &&
         tally_rules_store_find_recharge_settings (TALLY_RULES_STORE (store), account_id,
                                                   &job->settings, error);
}

static void
settings_done (gpointer      data,
               const GError *error)
{
  SettingsJob *job = data;
  TallyRecharge *recharge = tally_server_get_recharge (tally_request_get_server (job->request));
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  /* Saving commits no transfer: the balance may be below the new
   * threshold already. */
  if (recharge != NULL)
    tally_recharge_check_account (recharge, job->settings.account_id);

  body = tally_api_recharge_settings_json (&job->settings);
  tally_request_respond_object (job->request, 200, body);
}

/* Only Stripe keeps a card to charge: with the demo provider auto-recharge
 * can be saved off, never on. */
static gboolean
check_settings (TallyRequest                   *request,
                const TallyAutoRechargeRequest *decoded,
                TallyProblem                   *problem)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));

  if (tally_payments_find_pack (payments, decoded->pack) == NULL)
    {
      tally_problem_invalid (problem, "pack", "There is no pack “%s”", decoded->pack);
      return FALSE;
    }
  if (decoded->enabled && tally_payments_is_demo (payments))
    {
      tally_problem_invalid (problem, "enabled",
                             "Auto-recharge needs the stripe payment provider");
      return FALSE;
    }

  return TRUE;
}

static void
handle_put (TallyRequest *request)
{
  const TallyUser *user = tally_request_get_user (request);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyAutoRechargeRequest decoded;
  SettingsJob *job;

  if (body == NULL || !tally_api_decode_auto_recharge (body, &decoded, &problem) ||
      !check_settings (request, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (SettingsJob, 1);
  job->request = tally_request_ref (request);
  g_strlcpy (job->settings.account_id, user->account_id, sizeof job->settings.account_id);
  g_strlcpy (job->settings.user_id, user->id, sizeof job->settings.user_id);
  job->settings.enabled = decoded.enabled;
  job->settings.threshold = decoded.threshold;
  g_strlcpy (job->settings.pack_id, decoded.pack, sizeof job->settings.pack_id);
  job->settings.monthly_cap = decoded.monthly_cap;

  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       settings_write, settings_done, job, settings_job_free);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/me/auto-recharge", handle_get, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/auto-recharge", handle_put, TALLY_ROUTE_AUTH },
};

void
tally_api_recharge_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
