/* tally-api-auth.c: register, sign in, sign out
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-gifts.h"
#include "tally-api-json.h"
#include "tally-auth.h"
#include "tally-events.h"
#include "tally-gifts.h"
#include "tally-server.h"

#define DEVICE_MAX_CHARS 128
/* Room for a referral code in any case plus some. */
#define REFERRAL_CODE_MAX_CHARS 64

/* One shape for every failed sign-in, so none tells whether the account
 * exists. */
#define LOGIN_FAILED_MESSAGE N_("The email address or the password is wrong")

gboolean
tally_api_email_is_valid (const char *email)
{
  const char *at = strchr (email, '@');

  if (at == NULL || at == email || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    return FALSE;
  if (strchr (at + 1, '.') == NULL || g_str_has_suffix (email, "."))
    return FALSE;

  for (const char *c = email; *c; c++)
    {
      if (g_ascii_isspace (*c) || g_ascii_iscntrl (*c) || *c == '<' || *c == '>')
        return FALSE;
    }

  return TRUE;
}

static gboolean
decode_password (JsonObject    *body,
                 const char   **password,
                 TallyProblem  *problem)
{
  if (!tally_json_get_string (body, "password", TALLY_FIELD_REQUIRED, TALLY_PASSWORD_MAX_CHARS,
                              password, problem))
    return FALSE;

  return TRUE;
}

gboolean
tally_api_decode_register (JsonObject           *body,
                           TallyRegisterRequest *out,
                           TallyProblem         *problem)
{
  memset (out, 0, sizeof *out);
  out->name = "";

  if (!tally_json_get_string (body, "email", TALLY_FIELD_REQUIRED, TALLY_EMAIL_MAX, &out->email,
                              problem) ||
      !decode_password (body, &out->password, problem) ||
      !tally_json_get_string (body, "name", TALLY_FIELD_OPTIONAL, TALLY_NAME_MAX / 2, &out->name,
                              problem) ||
      !tally_json_get_string (body, "referral_code", TALLY_FIELD_OPTIONAL,
                              REFERRAL_CODE_MAX_CHARS, &out->referral_code, problem))
    return FALSE;

  if (!tally_api_email_is_valid (out->email))
    {
      tally_problem_invalid (problem, "email", "“%s” is not an email address", out->email);
      return FALSE;
    }
  if (g_utf8_strlen (out->password, -1) < TALLY_PASSWORD_MIN_CHARS)
    {
      tally_problem_invalid (problem, "password", "The password must have at least %d characters",
                             TALLY_PASSWORD_MIN_CHARS);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_api_decode_login (JsonObject        *body,
                        TallyLoginRequest *out,
                        TallyProblem      *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "email", TALLY_FIELD_REQUIRED, TALLY_EMAIL_MAX, &out->email,
                                problem) &&
         decode_password (body, &out->password, problem) &&
         tally_json_get_string (body, "device", TALLY_FIELD_OPTIONAL, DEVICE_MAX_CHARS,
                                &out->device, problem);
}

/* What a registration or sign-in carries between the main thread, the
 * hashing thread and the group commit. */
typedef struct
{
  TallyRequest *request;
  char         *email;
  char         *name;
  char         *password;
  char         *device;
  char         *referral_code;
  char         *hash;
  gboolean      verified;
  TallyUser     user;
  TallyAccount  account;
  char         *token;
  gint64        expires_at;
  /* When the sign-in was counted against the throttles. */
  gint64        attempted_at;
  TallyProblem  problem;
  /* A sign-up's referral code that was refused, and the credits of the
   * gifts this sign-up or sign-in received. */
  TallyReferralResult referral_result;
  gint64        gift_credits;
} AuthJob;

static void
auth_job_free (gpointer data)
{
  AuthJob *job = data;

  if (job->password != NULL)
    memset (job->password, 0, strlen (job->password));
  g_free (job->password);
  g_free (job->email);
  g_free (job->name);
  g_free (job->device);
  g_free (job->referral_code);
  g_free (job->hash);
  g_free (job->token);
  tally_problem_clear (&job->problem);
  tally_request_unref (job->request);
  g_free (job);
}

static AuthJob *
auth_job_new (TallyRequest *request,
              const char   *email,
              const char   *password)
{
  AuthJob *job = g_new0 (AuthJob, 1);

  job->request = tally_request_ref (request);
  job->email = g_utf8_strdown (email, -1);
  job->password = g_strdup (password);
  return job;
}

static TallyServer *
job_server (AuthJob *job)
{
  return tally_request_get_server (job->request);
}

static void
respond_storage_error (TallyRequest *request,
                       const GError *error)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not save this; try again");
}

/* --- register --- */

static gboolean
register_write (gpointer   data,
                GError   **error)
{
  AuthJob *job = data;
  TallyApiStore *store = tally_server_get_store (job_server (job));
  g_autoptr(GError) local_error = NULL;
  char referrer[TALLY_UUID_LEN];

  /* An unknown code refuses the sign-up before anything is written. */
  if (job->referral_code != NULL)
    {
      if (!tally_referrals_find_owner (job_server (job), job->referral_code, referrer,
                                       &job->referral_result, error))
        return FALSE;
      if (job->referral_result != TALLY_REFERRAL_OK)
        return TRUE;
    }

  if (!tally_api_store_create_user (store, job->email, job->name, job->hash, TALLY_ROLE_MEMBER,
                                    &job->user, &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_EMAIL_TAKEN))
        {
          tally_problem_set (&job->problem, 409, "email_taken", "email", "%s",
                             local_error->message);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!tally_audit_record (tally_server_get_audit (job_server (job)), &job->user, "auth.register",
                           job->email, "ok", NULL, error))
    return FALSE;
  if (job->referral_code != NULL &&
      !tally_referrals_record (job_server (job), &job->user, job->referral_code,
                               tally_request_get_remote_host (job->request),
                               &job->referral_result, error))
    return FALSE;

  return tally_gifts_claim (job_server (job), &job->user, &job->gift_credits, error) &&
         tally_rules_store_lookup_account (TALLY_RULES_STORE (store), job->user.account_id,
                                           &job->account, error);
}

static void
register_done (gpointer      data,
               const GError *error)
{
  AuthJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request, error);
      return;
    }
  if (tally_problem_is_set (&job->problem))
    {
      tally_request_respond_problem (job->request, &job->problem);
      return;
    }
  if (job->referral_result != TALLY_REFERRAL_OK)
    {
      tally_api_respond_referral_refused (job->request, job->referral_result, "referral_code");
      return;
    }

  tally_metrics_count (tally_server_get_metrics (tally_request_get_server (job->request)),
                       "tally_signups_total", NULL, NULL);
  body = json_object_new ();
  tally_api_set_object (body, "user", tally_api_user_json (&job->user));
  tally_api_set_object (body, "account", tally_api_account_json (&job->account));
  json_object_set_int_member (body, "gift_credits", job->gift_credits);
  tally_request_respond_object (job->request, 201, body);
}

static void
hash_in_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  AuthJob *job = data;
  GError *error = NULL;

  job->hash = tally_password_hash (job->password, &error);
  if (job->hash == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
hashed (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  AuthJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      respond_storage_error (job->request, error);
      auth_job_free (job);
      return;
    }

  /* The writer owns the job from here. */
  tally_writer_submit (tally_server_get_writer (job_server (job)), register_write, register_done,
                       job, auth_job_free);
}

static void
run_in_thread (AuthJob             *job,
               GTaskThreadFunc      func,
               GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, NULL);

  /* The callback decides who owns the job next. */
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, func);
}

static void
respond_rate_limited (TallyRequest *request,
                      gint64        retry_after,
                      const char   *what)
{
  g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);

  soup_message_headers_replace (soup_server_message_get_response_headers (
                                  tally_request_get_message (request)),
                                "Retry-After", seconds);
  tally_request_respond_error (request, 429, "rate_limited", "%s; try again in %s seconds",
                               what, seconds);
}

/* Every account is a new set of credits and caps to abuse: one address
 * may sign up [auth] signups-per-hour times an hour. Counted before the
 * password is hashed, so a burst costs no hashing either. */
static gboolean
signups_throttled (TallyRequest *request)
{
  TallyThrottle *by_address = tally_server_get_signup_throttle (tally_request_get_server (request));
  const char *address = tally_request_get_remote_host (request);
  gint64 now = g_get_real_time ();
  gint64 retry_after = 0;

  if (!tally_throttle_is_blocked (by_address, address, now, &retry_after))
    {
      tally_throttle_record_failure (by_address, address, now);
      return FALSE;
    }
  respond_rate_limited (request, retry_after, "Too many sign-ups from this address");
  return TRUE;
}

static void
handle_register (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyRegisterRequest decoded;
  AuthJob *job;

  if (body == NULL || !tally_api_decode_register (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  if (signups_throttled (request))
    return;

  job = auth_job_new (request, decoded.email, decoded.password);
  job->name = g_strdup (decoded.name);
  job->referral_code = g_strdup (decoded.referral_code);
  tally_request_pause (request);
  run_in_thread (job, hash_in_thread, hashed);
}

/* --- login --- */

/* Counts the attempt against the email and the address before the password
 * is hashed, or refuses it (429) when either is over its limit. The check
 * and the count happen together on the main thread, so sign-ins that
 * arrive at once are counted as if they came one by one. */
static gboolean
throttled (AuthJob *job)
{
  TallyServer *server = job_server (job);
  TallyThrottle *by_email = tally_server_get_login_throttle (server, FALSE);
  TallyThrottle *by_address = tally_server_get_login_throttle (server, TRUE);
  const char *address = tally_request_get_remote_host (job->request);
  gint64 now = g_get_real_time ();
  gint64 retry_after = 0, retry_address = 0;
  gboolean blocked;

  blocked = tally_throttle_is_blocked (by_email, job->email, now, &retry_after);
  blocked |= tally_throttle_is_blocked (by_address, address, now, &retry_address);
  if (!blocked)
    {
      job->attempted_at = now;
      tally_throttle_record_failure (by_email, job->email, now);
      tally_throttle_record_failure (by_address, address, now);
      return FALSE;
    }

  respond_rate_limited (job->request, MAX (retry_after, retry_address),
                        "Too many failed sign-ins");
  return TRUE;
}

/* A sign-in that succeeded was no failure: the account starts afresh and
 * the address gets its attempt back. */
static void
forgive_attempt (AuthJob *job)
{
  TallyServer *server = job_server (job);

  tally_throttle_reset (tally_server_get_login_throttle (server, FALSE), job->email);
  tally_throttle_forgive (tally_server_get_login_throttle (server, TRUE),
                          tally_request_get_remote_host (job->request), job->attempted_at);
}

static gboolean
login_write (gpointer   data,
             GError   **error)
{
  AuthJob *job = data;
  TallyApiStore *store = tally_server_get_store (job_server (job));
  guint8 hash[32];

  job->token = tally_token_new ();
  tally_token_hash (job->token, hash);
  job->expires_at = g_get_real_time () +
                    tally_server_get_config (job_server (job))->session_days * 86400 * G_USEC_PER_SEC;

  if (!tally_audit_record (tally_server_get_audit (job_server (job)), &job->user, "auth.login",
                           job->email, "ok", tally_audit_details ("s", "device", job->device),
                           error))
    return FALSE;

  return tally_api_store_create_session (store, hash, job->user.id, job->device, job->expires_at,
                                         error) &&
         tally_gifts_claim (job_server (job), &job->user, &job->gift_credits, error);
}

static void
login_done (gpointer      data,
            const GError *error)
{
  AuthJob *job = data;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *expires_at = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request, error);
      return;
    }

  forgive_attempt (job);
  expires_at = tally_time_to_iso8601 (job->expires_at);
  body = json_object_new ();
  json_object_set_string_member (body, "token", job->token);
  tally_api_set_object (body, "user", tally_api_user_json (&job->user));
  json_object_set_string_member (body, "expires_at", expires_at);
  json_object_set_int_member (body, "gift_credits", job->gift_credits);
  tally_request_respond_object (job->request, 200, body);
}

static void
verify_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  AuthJob *job = data;

  if (job->hash != NULL)
    job->verified = tally_password_verify (job->hash, job->password);
  else
    tally_password_burn_time (job->password);

  g_task_return_boolean (task, TRUE);
}

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  AuthJob *job = g_task_get_task_data (G_TASK (result));

  if (!job->verified || job->user.disabled)
    {
      tally_audit_submit (tally_server_get_audit (job_server (job)), &job->user,
                          "auth.login_failed", job->email, "refused",
                          tally_audit_details ("s", "reason",
                                               job->user.disabled ? "disabled" : "bad_credentials"));
      tally_request_respond_error (job->request, 401, "unauthorized", LOGIN_FAILED_MESSAGE);
      auth_job_free (job);
      return;
    }

  tally_writer_submit (tally_server_get_writer (job_server (job)), login_write, login_done, job,
                       auth_job_free);
}

static void
handle_login (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  TallyLoginRequest decoded;
  AuthJob *job;

  if (body == NULL || !tally_api_decode_login (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = auth_job_new (request, decoded.email, decoded.password);
  job->device = g_strdup (decoded.device);
  if (throttled (job))
    {
      tally_audit_submit (tally_server_get_audit (job_server (job)), &job->user,
                          "auth.login_failed", job->email, "refused",
                          tally_audit_details ("s", "reason", "throttled"));
      auth_job_free (job);
      return;
    }

  /* An unknown email goes through the same work as a wrong password; a
   * database that cannot say is no wrong password. */
  if (!tally_rules_store_find_user_by_email (TALLY_RULES_STORE (store), job->email, &job->user,
                                             &job->hash, NULL) &&
      tally_server_store_is_unavailable (tally_request_get_server (request)))
    {
      tally_request_respond_store_unavailable (request);
      auth_job_free (job);
      return;
    }
  tally_request_pause (request);
  run_in_thread (job, verify_in_thread, verified);
}

/* --- logout --- */

typedef struct
{
  TallyRequest *request;
  guint8        hash[32];
} LogoutJob;

static void
logout_job_free (gpointer data)
{
  LogoutJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
logout_write (gpointer   data,
              GError   **error)
{
  LogoutJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  if (!tally_audit_record (tally_server_get_audit (server),
                           tally_request_get_user (job->request), "auth.logout",
                           tally_request_get_user (job->request)->email, "ok", NULL, error))
    return FALSE;

  return tally_api_store_revoke_session (tally_server_get_store (server), job->hash,
                                         g_get_real_time (), error);
}

static void
logout_done (gpointer      data,
             const GError *error)
{
  LogoutJob *job = data;

  if (error != NULL)
    {
      respond_storage_error (job->request, error);
      return;
    }

  tally_events_end_sessions (tally_request_get_server (job->request),
                             tally_request_get_user (job->request)->account_id);
  tally_request_respond (job->request, 204, NULL);
}

static void
handle_logout (TallyRequest *request)
{
  LogoutJob *job = g_new0 (LogoutJob, 1);

  job->request = tally_request_ref (request);
  tally_token_hash (tally_request_get_token (request), job->hash);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)), logout_write,
                       logout_done, job, logout_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/auth/register", handle_register, TALLY_ROUTE_PUBLIC },
  { "POST", "/v1/auth/login", handle_login, TALLY_ROUTE_PUBLIC },
  { "POST", "/v1/auth/logout", handle_logout, TALLY_ROUTE_AUTH },
};

void
tally_api_auth_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
