/* tally-api-gifts.c: gifts received and sent, referral codes, over HTTP
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-gifts.h"
#include "tally-api-json.h"
#include "tally-gifts.h"
#include "tally-referrals.h"

/* Room for a code in any case plus some: longer is no code at all. */
#define REFERRAL_CODE_MAX_CHARS 64

gboolean
tally_api_decode_referrer (JsonObject           *body,
                           TallyReferrerRequest *out,
                           TallyProblem         *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "code", TALLY_FIELD_REQUIRED, REFERRAL_CODE_MAX_CHARS,
                                &out->code, problem);
}

static void
respond_read_failed (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error", "The server could not read this");
}

/* --- GET /v1/me/gifts --- */

static JsonObject *
received_json (const TallyGift *gift)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", gift->payment_id);
  json_object_set_string_member (object, "from", gift->sender_name);
  json_object_set_int_member (object, "credits", gift->credits);
  json_object_set_string_member (object, "transfer_id", gift->transfer_id);
  tally_api_set_time (object, "claimed_at", gift->claimed_at);
  return object;
}

static JsonObject *
sent_json (const TallyGift *gift)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", gift->payment_id);
  json_object_set_string_member (object, "email", gift->email);
  json_object_set_int_member (object, "credits", gift->credits);
  json_object_set_string_member (object, "status", tally_gift_status_to_string (gift->status));
  tally_api_set_time (object, "created_at", gift->created_at);
  tally_api_set_time (object, "claimed_at", gift->claimed_at);
  return object;
}

static JsonArray *
gifts_json (GArray      *gifts,
            JsonObject *(*to_json) (const TallyGift *gift))
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < gifts->len; i++)
    json_array_add_object_element (array, to_json (&g_array_index (gifts, TallyGift, i)));
  return array;
}

static void
handle_gifts (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  const TallyUser *user = tally_request_get_user (request);
  g_autoptr(GArray) received = tally_api_store_received_gifts (store, user->account_id, NULL);
  g_autoptr(GArray) sent = tally_api_store_sent_gifts (store, user->id, NULL);
  g_autoptr(JsonObject) body = NULL;

  if (received == NULL || sent == NULL)
    {
      respond_read_failed (request);
      return;
    }

  body = json_object_new ();
  json_object_set_array_member (body, "received", gifts_json (received, received_json));
  json_object_set_array_member (body, "sent", gifts_json (sent, sent_json));
  tally_request_respond_object (request, 200, body);
}

/* --- GET /v1/me/referral --- */

typedef struct
{
  TallyRequest         *request;
  /* Owns what the decoded request points into. */
  JsonObject           *body;
  TallyReferrerRequest  referrer;
  TallyReferralResult   result;
  char                  code[TALLY_REFERRAL_CODE_MAX + 1];
} ReferralJob;

static void
referral_job_free (gpointer data)
{
  ReferralJob *job = data;

  g_clear_pointer (&job->body, json_object_unref);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
job_server (ReferralJob *job)
{
  return tally_request_get_server (job->request);
}

static gboolean
respond_failed (ReferralJob  *job,
                const GError *error)
{
  if (error == NULL)
    return FALSE;

  tally_request_respond_error (job->request, 500, "internal_error",
                               "The server could not save this; try again");
  return TRUE;
}

/* The link that names @code: [server] public-url, or the address this
 * request came to. */
static char *
referral_url (TallyRequest *request,
              const char   *code)
{
  TallyConfig *config = tally_server_get_config (tally_request_get_server (request));
  GUri *uri = soup_server_message_get_uri (tally_request_get_message (request));
  g_autofree char *path = g_strconcat ("/v1/referrals/", code, NULL);
  g_autofree char *base = NULL;

  if (config->public_url[0] == '\0')
    return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                       g_uri_get_port (uri), path, NULL, NULL);

  base = g_strdup (config->public_url);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  return g_strconcat (base, path, NULL);
}

static gboolean
code_write (gpointer   data,
            GError   **error)
{
  ReferralJob *job = data;

  return tally_referrals_ensure_code (job_server (job), tally_request_get_user (job->request),
                                      job->code, error);
}

static void
code_done (gpointer      data,
           const GError *error)
{
  ReferralJob *job = data;
  TallyConfig *config = tally_server_get_config (job_server (job));
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *url = NULL;
  gint64 referred, rewarded, earned;

  if (respond_failed (job, error))
    return;
  if (!tally_api_store_referral_totals (tally_server_get_store (job_server (job)),
                                        tally_request_get_user (job->request)->id, &referred,
                                        &rewarded, &earned, NULL))
    {
      respond_read_failed (job->request);
      return;
    }

  url = referral_url (job->request, job->code);
  body = json_object_new ();
  json_object_set_string_member (body, "code", job->code);
  json_object_set_string_member (body, "url", url);
  json_object_set_int_member (body, "bonus", config->referral_bonus);
  json_object_set_int_member (body, "referred", referred);
  json_object_set_int_member (body, "rewarded", rewarded);
  json_object_set_int_member (body, "earned", earned);
  tally_request_respond_object (job->request, 200, body);
}

static ReferralJob *
referral_job_new (TallyRequest *request,
                  JsonObject   *body)
{
  ReferralJob *job = g_new0 (ReferralJob, 1);

  job->request = tally_request_ref (request);
  job->body = body;
  return job;
}

static void
handle_referral (TallyRequest *request)
{
  ReferralJob *job = referral_job_new (request, NULL);

  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (job_server (job)), code_write, code_done, job,
                       referral_job_free);
}

/* --- POST /v1/me/referrer --- */

static gboolean
referrer_write (gpointer   data,
                GError   **error)
{
  ReferralJob *job = data;

  return tally_referrals_record (job_server (job), tally_request_get_user (job->request),
                                 job->referrer.code,
                                 tally_request_get_remote_host (job->request), &job->result,
                                 error);
}

/* Also the answer of a sign-up with a referral_code that is refused. */
void
tally_api_respond_referral_refused (TallyRequest        *request,
                                    TallyReferralResult  result,
                                    const char          *field)
{
  switch (result)
    {
    case TALLY_REFERRAL_NOT_FOUND:
      tally_request_respond_error (request, 404, "not_found", "There is no such referral code");
      return;
    case TALLY_REFERRAL_SELF:
      {
        g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

        tally_problem_invalid (&problem, field, "You cannot use your own referral code");
        tally_request_respond_problem (request, &problem);
        return;
      }
    case TALLY_REFERRAL_ALREADY_REFERRED:
      tally_request_respond_error (request, 409, "already_referred",
                                   "Your account has a referrer already");
      return;
    case TALLY_REFERRAL_TOO_LATE:
      tally_request_respond_error (request, 409, "already_purchased",
                                   "A referral code counts only before the first purchase");
      return;
    case TALLY_REFERRAL_OK:
    default:
      g_return_if_reached ();
    }
}

static void
referrer_done (gpointer      data,
               const GError *error)
{
  ReferralJob *job = data;
  g_autoptr(JsonObject) body = NULL;
  char normal[TALLY_REFERRAL_CODE_MAX + 1];

  if (respond_failed (job, error))
    return;
  if (job->result != TALLY_REFERRAL_OK)
    {
      tally_api_respond_referral_refused (job->request, job->result, "code");
      return;
    }

  tally_referral_code_normalize (job->referrer.code, normal);
  body = json_object_new ();
  json_object_set_string_member (body, "code", normal);
  json_object_set_string_member (body, "status", "pending");
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_referrer (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyReferrerRequest decoded;
  ReferralJob *job;

  if (body == NULL || !tally_api_decode_referrer (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = referral_job_new (request, g_steal_pointer (&body));
  job->referrer = decoded;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (job_server (job)), referrer_write,
                       referrer_done, job, referral_job_free);
}

/* --- GET /v1/referrals/{code}: what a referral link opens --- */

static void
handle_code (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  g_autoptr(JsonObject) body = NULL;
  TallyReferralResult result;
  char owner[TALLY_UUID_LEN];
  char normal[TALLY_REFERRAL_CODE_MAX + 1];

  if (!tally_referrals_find_owner (server, tally_request_get_param (request, "code"), owner,
                                   &result, NULL))
    {
      respond_read_failed (request);
      return;
    }
  if (result != TALLY_REFERRAL_OK)
    {
      tally_api_respond_referral_refused (request, result, "code");
      return;
    }

  tally_referral_code_normalize (tally_request_get_param (request, "code"), normal);
  body = json_object_new ();
  json_object_set_string_member (body, "code", normal);
  json_object_set_int_member (body, "bonus", tally_server_get_config (server)->referral_bonus);
  tally_request_respond_object (request, 200, body);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/me/gifts", handle_gifts, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/referral", handle_referral, TALLY_ROUTE_AUTH },
  { "POST", "/v1/me/referrer", handle_referrer, TALLY_ROUTE_AUTH },
  { "GET", "/v1/referrals/{code}", handle_code, TALLY_ROUTE_PUBLIC },
};

void
tally_api_gifts_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
