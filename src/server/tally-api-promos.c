/* tally-api-promos.c: promo codes over HTTP
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
#include "tally-promos.h"

/* Credits granted by a code may expire at most ten years later. */
#define CREDITS_EXPIRE_DAYS_MAX 3650
/* Room for a code in any case plus some: longer is no code at all. */
#define REDEEM_CODE_MAX_CHARS 64

static gboolean
decode_credits_expiry (JsonObject            *body,
                       TallyPromoCodeRequest *out,
                       TallyProblem          *problem)
{
  JsonNode *node = json_object_get_member (body, "credits_expire_after_days");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  return tally_json_get_int (body, "credits_expire_after_days", TALLY_FIELD_OPTIONAL, 1,
                             CREDITS_EXPIRE_DAYS_MAX, &out->credits_expire_after_days, problem);
}

gboolean
tally_api_decode_promo_code (JsonObject            *body,
                             TallyPromoCodeRequest *out,
                             TallyProblem          *problem)
{
  char normal[TALLY_PROMO_CODE_MAX + 1];

  memset (out, 0, sizeof *out);

  if (!tally_json_get_string (body, "code", TALLY_FIELD_REQUIRED, TALLY_PROMO_CODE_MAX,
                              &out->code, problem) ||
      !tally_json_get_int (body, "credits", TALLY_FIELD_REQUIRED, 1, TALLY_PROMO_CREDITS_MAX,
                           &out->credits, problem) ||
      !tally_json_get_int (body, "max_redemptions", TALLY_FIELD_REQUIRED, 1,
                           TALLY_PROMO_REDEMPTIONS_MAX, &out->max_redemptions, problem) ||
      !tally_json_get_time_after (body, "expires_at", TALLY_FIELD_OPTIONAL, g_get_real_time (),
                                  &out->expires_at, problem) ||
      !decode_credits_expiry (body, out, problem))
    return FALSE;

  if (!tally_promo_code_normalize (out->code, normal))
    {
      tally_problem_invalid (problem, "code", "“code” must be %d to %d letters, digits, - or _",
                             TALLY_PROMO_CODE_MIN, TALLY_PROMO_CODE_MAX);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_api_decode_redeem (JsonObject         *body,
                         TallyRedeemRequest *out,
                         TallyProblem       *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "code", TALLY_FIELD_REQUIRED, REDEEM_CODE_MAX_CHARS,
                                &out->code, problem);
}

static JsonObject *
promo_code_json (const TallyPromoCode *promo)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", promo->id);
  json_object_set_string_member (object, "code", promo->code);
  json_object_set_int_member (object, "credits", promo->credits);
  json_object_set_int_member (object, "max_redemptions", promo->max_redemptions);
  json_object_set_int_member (object, "redemptions", promo->redemptions);
  tally_api_set_time (object, "expires_at", promo->expires_at);
  if (promo->credits_expire_after_days > 0)
    json_object_set_int_member (object, "credits_expire_after_days",
                                promo->credits_expire_after_days);
  else
    json_object_set_null_member (object, "credits_expire_after_days");
  tally_api_set_time (object, "created_at", promo->created_at);
  return object;
}

/* One request on its way through the writer. */
typedef struct
{
  TallyRequest          *request;
  /* Owns what the decoded request points into. */
  JsonObject            *body;
  TallyPromoCodeRequest  create;
  TallyRedeemRequest     redeem;

  TallyPromoResult       result;
  TallyPromoCode         promo;
  TallyTransfer          transfer;
  gint64                 expires_at;
} PromoJob;

static void
promo_job_free (gpointer data)
{
  PromoJob *job = data;

  g_clear_pointer (&job->body, json_object_unref);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
job_server (PromoJob *job)
{
  return tally_request_get_server (job->request);
}

static gboolean
respond_failed (PromoJob     *job,
                const GError *error)
{
  if (error == NULL)
    return FALSE;

  tally_request_respond_error (job->request, 500, "internal_error",
                               "The server could not save this; try again");
  return TRUE;
}

/* --- POST /v1/admin/promo-codes --- */

static gboolean
create_write (gpointer   data,
              GError   **error)
{
  PromoJob *job = data;

  return tally_promos_create (job_server (job), tally_request_get_user (job->request),
                              &job->create, &job->promo, &job->result, error);
}

static void
create_done (gpointer      data,
             const GError *error)
{
  PromoJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (respond_failed (job, error))
    return;
  if (job->result == TALLY_PROMO_CODE_TAKEN)
    {
      tally_request_respond_error (job->request, 409, "code_taken",
                                   "There is a promo code spelled like this already");
      return;
    }

  body = json_object_new ();
  tally_api_set_object (body, "promo_code", promo_code_json (&job->promo));
  tally_request_respond_object (job->request, 201, body);
}

static PromoJob *
promo_job_new (TallyRequest *request,
               JsonObject   *body)
{
  PromoJob *job = g_new0 (PromoJob, 1);

  job->request = tally_request_ref (request);
  job->body = body;
  return job;
}

static void
handle_create (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyPromoCodeRequest decoded;
  PromoJob *job;

  if (body == NULL || !tally_api_decode_promo_code (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }
  job = promo_job_new (request, g_steal_pointer (&body));
  job->create = decoded;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (job_server (job)), create_write, create_done,
                       job, promo_job_free);
}

/* --- GET /v1/admin/promo-codes --- */

static void
handle_list (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = tally_api_store_list_promo_codes (store, &error);
  g_autoptr(JsonObject) body = NULL;
  JsonArray *items;

  if (list == NULL)
    {
      tally_request_respond_error (request, 500, "internal_error",
                                   "The server could not read this");
      return;
    }

  items = json_array_new ();
  for (guint i = 0; i < list->len; i++)
    json_array_add_object_element (items,
                                   promo_code_json (&g_array_index (list, TallyPromoCode, i)));
  body = json_object_new ();
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- POST /v1/promo-codes/redeem --- */

static gboolean
redeem_write (gpointer   data,
              GError   **error)
{
  PromoJob *job = data;

  return tally_promos_redeem (job_server (job), tally_request_get_user (job->request),
                              job->redeem.code, &job->transfer, &job->expires_at, &job->result,
                              error);
}

static void
redeem_done (gpointer      data,
             const GError *error)
{
  PromoJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (respond_failed (job, error))
    return;

  switch (job->result)
    {
    case TALLY_PROMO_NOT_FOUND:
    case TALLY_PROMO_CODE_TAKEN:
      tally_request_respond_error (job->request, 404, "not_found", "There is no such promo code");
      return;
    case TALLY_PROMO_ALREADY_REDEEMED:
      tally_request_respond_error (job->request, 409, "already_redeemed",
                                   "You have redeemed this promo code already");
      return;
    case TALLY_PROMO_EXPIRED:
      tally_request_respond_error (job->request, 410, "expired", "This promo code has expired");
      return;
    case TALLY_PROMO_EXHAUSTED:
      tally_request_respond_error (job->request, 410, "expired",
                                   "This promo code has been redeemed as often as it may be");
      return;
    case TALLY_PROMO_OK:
    default:
      break;
    }

  body = json_object_new ();
  tally_api_set_object (body, "transfer", tally_api_transfer_json (&job->transfer,
                                                                       job->expires_at));
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_redeem (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyRedeemRequest decoded;
  PromoJob *job;

  if (body == NULL || !tally_api_decode_redeem (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = promo_job_new (request, g_steal_pointer (&body));
  job->redeem = decoded;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (job_server (job)), redeem_write, redeem_done,
                       job, promo_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/admin/promo-codes", handle_create, TALLY_ROUTE_ADMIN },
  { "GET", "/v1/admin/promo-codes", handle_list, TALLY_ROUTE_ADMIN },
  { "POST", "/v1/promo-codes/redeem", handle_redeem, TALLY_ROUTE_AUTH },
};

void
tally_api_promos_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
