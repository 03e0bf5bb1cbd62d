/* tally-api-users.c: admins manage users; anyone erases themselves
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
#include "tally-api-query.h"
#include "tally-auth.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-store-users.h"
#include "tally-users.h"

#define SEARCH_MAX_CHARS 254
#define PASSWORD_MAX_CHARS 1024
#define USERS_CURSOR_SCOPE "admin-users"

gboolean
tally_api_decode_user_update (JsonObject             *body,
                              TallyUserUpdateRequest *out,
                              TallyProblem           *problem)
{
  memset (out, 0, sizeof *out);

  if (!tally_json_get_string (body, "role", TALLY_FIELD_OPTIONAL, 16, &out->role, problem) ||
      !tally_json_get_boolean (body, "disabled", TALLY_FIELD_OPTIONAL, &out->disabled, problem))
    return FALSE;

  out->has_role = out->role != NULL;
  out->has_disabled = json_object_has_member (body, "disabled") &&
                      !json_object_get_null_member (body, "disabled");
  /* Team owners are made by teams, not here. */
  if (out->has_role && g_strcmp0 (out->role, "member") != 0 && g_strcmp0 (out->role, "admin") != 0)
    {
      tally_problem_invalid (problem, "role", "“role” must be “member” or “admin”");
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_api_decode_erase (JsonObject        *body,
                        TallyEraseRequest *out,
                        TallyProblem      *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "password", TALLY_FIELD_REQUIRED, PASSWORD_MAX_CHARS,
                                &out->password, problem);
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

/* {id, email, name, role, disabled, accounts, limits}, as the admin pane
 * lists it: limits as GET /v1/me gives them, ceilings included. */
static JsonObject *
user_item (TallyServer      *server,
           const TallyUser  *user)
{
  JsonObject *object = json_object_new ();
  JsonArray *accounts = json_array_new ();
  JsonObject *limits;
  TallyAccount account;

  json_object_set_string_member (object, "id", user->id);
  json_object_set_string_member (object, "email", user->email);
  json_object_set_string_member (object, "name", user->name);
  json_object_set_string_member (object, "role", tally_role_to_string (user->role));
  json_object_set_boolean_member (object, "disabled", user->disabled);
  if (tally_rules_store_lookup_account (tally_server_get_rules_store (server), user->account_id,
                                        &account,
                                        NULL))
    json_array_add_object_element (accounts, tally_api_account_json (&account));
  json_object_set_array_member (object, "accounts", accounts);
  limits = tally_api_current_limits (tally_server_get_store (server), user->account_id,
                                     user->timezone, NULL);
  if (limits != NULL)
    tally_api_set_object (object, "limits", limits);
  else
    json_object_set_null_member (object, "limits");
  return object;
}

/* --- GET /v1/admin/users --- */

static void
handle_list (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  const char *search = tally_api_query_value (request, "q");
  g_autoptr(GArray) users = NULL;
  g_autoptr(JsonObject) body = NULL;
  JsonArray *items;
  gint64 after = 0, next = 0;
  guint limit;

  if (search != NULL && g_utf8_strlen (search, -1) > SEARCH_MAX_CHARS)
    {
      tally_problem_invalid (&problem, "q", "“q” must be at most %d characters",
                             SEARCH_MAX_CHARS);
      tally_request_respond_problem (request, &problem);
      return;
    }
  if (!tally_api_parse_page (request, USERS_CURSOR_SCOPE, &limit, &after, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  users = tally_api_store_search_users (tally_server_get_store (server),
                                        search != NULL && search[0] != '\0' ? search : NULL, after,
                                        limit, &next, NULL);
  if (users == NULL)
    {
      respond_storage_error (request);
      return;
    }

  body = json_object_new ();
  items = json_array_new ();
  for (guint i = 0; i < users->len; i++)
    json_array_add_object_element (items, user_item (server,
                                                     &g_array_index (users, TallyUser, i)));
  json_object_set_array_member (body, "items", items);
  if (next != 0)
    {
      g_autofree char *cursor = tally_api_cursor_encode (next, USERS_CURSOR_SCOPE);

      json_object_set_string_member (body, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (body, "next_cursor");
  tally_request_respond_object (request, 200, body);
}

/* --- jobs shared by PUT and both erasures --- */

typedef struct
{
  TallyRequest     *request;
  char              user_id[TALLY_UUID_LEN];
  TallyUserChange   change;
  char             *password;
  char             *password_hash;
  gboolean          verified;

  TallyUsersResult  result;
  TallyUser         user;
} UserJob;

static void
user_job_free (gpointer data)
{
  UserJob *job = data;

  if (job->password != NULL)
    memset (job->password, 0, strlen (job->password));
  g_free (job->password);
  g_free (job->password_hash);
  tally_request_unref (job->request);
  g_free (job);
}

static UserJob *
user_job_new (TallyRequest *request,
              const char   *user_id)
{
  UserJob *job = g_new0 (UserJob, 1);

  job->request = tally_request_ref (request);
  g_strlcpy (job->user_id, user_id, sizeof job->user_id);
  return job;
}

static TallyServer *
job_server (UserJob *job)
{
  return tally_request_get_server (job->request);
}

/* The answer to a result that is not OK, in the API's words. */
static void
respond_result (TallyRequest     *request,
                TallyUsersResult  result)
{
  switch (result)
    {
    case TALLY_USERS_NOT_FOUND:
      tally_request_respond_error (request, 404, "not_found", "There is no such user");
      break;
    case TALLY_USERS_ERASED:
      tally_request_respond_error (request, 404, "not_found",
                                   "This user was erased already: nothing of them is left");
      break;
    case TALLY_USERS_LAST_ADMIN:
      tally_request_respond_error (request, 409, "last_admin",
                                   "This is the last admin who can sign in: make another "
                                   "user admin first");
      break;
    case TALLY_USERS_OK:
    default:
      respond_storage_error (request);
      break;
    }
}

/* A path id that is not a UUID names nobody. */
static const char *
path_user_id (TallyRequest *request)
{
  const char *param = tally_request_get_param (request, "id");

  if (param == NULL || !g_uuid_string_is_valid (param))
    {
      respond_result (request, TALLY_USERS_NOT_FOUND);
      return NULL;
    }
  return param;
}

/* --- PUT /v1/admin/users/{id} --- */

static gboolean
update_write (gpointer   data,
              GError   **error)
{
  UserJob *job = data;
  TallyServer *server = job_server (job);

  return tally_users_update (tally_server_get_store (server), tally_server_get_audit (server),
                             tally_request_get_user (job->request), job->user_id, &job->change,
                             &job->user, &job->result, error);
}

static void
update_done (gpointer      data,
             const GError *error)
{
  UserJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL || job->result != TALLY_USERS_OK)
    {
      respond_result (job->request, error != NULL ? TALLY_USERS_OK : job->result);
      return;
    }

  /* A disabled user's sockets close now, as when the shell disables one. */
  tally_events_end_sessions (job_server (job), job->user.account_id);
  body = user_item (job_server (job), &job->user);
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_update (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  const char *user_id = path_user_id (request);
  TallyUserUpdateRequest decoded;
  UserJob *job;

  if (user_id == NULL)
    return;
  if (body == NULL || !tally_api_decode_user_update (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = user_job_new (request, user_id);
  job->change.set_role = decoded.has_role;
  if (decoded.has_role)
    tally_role_from_string (decoded.role, &job->change.role);
  job->change.set_disabled = decoded.has_disabled;
  job->change.disabled = decoded.disabled;
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       update_write, update_done, job, user_job_free);
}

/* --- erasure: DELETE /v1/admin/users/{id}, DELETE /v1/me --- */

static gboolean
erase_write (gpointer   data,
             GError   **error)
{
  UserJob *job = data;
  TallyServer *server = job_server (job);

  return tally_users_erase (tally_server_get_store (server), tally_server_get_audit (server),
                            tally_request_get_user (job->request), job->user_id, &job->user,
                            &job->result, error);
}

/* --- what in-flight requests of an erased user write after the erasure --- */

/* Seconds after an erasure when it is done once more: longer than a
 * request takes between its authentication and its write (a password
 * hash, a call to Stripe with its retries). */
#define ERASE_SWEEP_SECONDS 30

/* Only while the server lives: a sweep due after it stopped is dropped. */
typedef struct
{
  GWeakRef      server;
  TallyUser     user;
  /* The erasure's request, answered once this sweep is checkpointed. */
  TallyRequest *request;
} SweepJob;

static void
sweep_job_free (gpointer data)
{
  SweepJob *job = data;

  g_weak_ref_clear (&job->server);
  memset (&job->user, 0, sizeof job->user);
  g_clear_pointer (&job->request, tally_request_unref);
  g_free (job);
}

static void erase_checkpointed (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data);

static void
checkpointed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tally_api_store_checkpoint_finish (TALLY_API_STORE (source), result, &error))
    tally_log_warning ("checkpoint_failed", error->message);
}

static gboolean
sweep_write (gpointer   data,
             GError   **error)
{
  SweepJob *job = data;
  g_autoptr(TallyServer) server = g_weak_ref_get (&job->server);

  if (server == NULL)
    return TRUE;
  return tally_users_sweep_erased (tally_server_get_store (server),
                                   tally_server_get_audit (server), &job->user, error);
}

static void
sweep_done (gpointer      data,
            const GError *error)
{
  SweepJob *job = data;
  g_autoptr(TallyServer) server = g_weak_ref_get (&job->server);

  if (error != NULL)
    tally_log_warning ("erase_sweep_failed", error->message);
  if (server != NULL && job->request != NULL)
    tally_api_store_checkpoint_async (tally_server_get_store (server), erase_checkpointed,
                                      g_steal_pointer (&job->request));
  else if (server != NULL && error == NULL)
    tally_api_store_checkpoint_async (tally_server_get_store (server), checkpointed, NULL);
}

static gboolean
submit_sweep (gpointer data)
{
  SweepJob *job = data;
  g_autoptr(TallyServer) server = g_weak_ref_get (&job->server);

  if (server == NULL)
    sweep_job_free (job);
  else
    tally_writer_submit (tally_server_get_writer (server), sweep_write, sweep_done, job,
                         sweep_job_free);
  return G_SOURCE_REMOVE;
}

static SweepJob *
sweep_job_new (TallyServer     *server,
               const TallyUser *user)
{
  SweepJob *job = g_new0 (SweepJob, 1);

  g_weak_ref_init (&job->server, server);
  job->user = *user;
  return job;
}

/* Once behind every write queued now, then the answer to @request, and
 * once later. */
static void
schedule_sweeps (TallyServer     *server,
                 const TallyUser *user,
                 TallyRequest    *request)
{
  SweepJob *now = sweep_job_new (server, user);

  now->request = tally_request_ref (request);
  submit_sweep (now);
  g_timeout_add_seconds (ERASE_SWEEP_SECONDS, submit_sweep, sweep_job_new (server, user));
}

/* Answered once the WAL is checkpointed after the first sweep: a client
 * that looks at the files then finds nothing of the user. */
static void
erase_checkpointed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TallyRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_api_store_checkpoint_finish (TALLY_API_STORE (source), result, &error))
    tally_log_warning ("checkpoint_failed", error->message);
  tally_request_respond (request, 204, NULL);
  tally_request_unref (request);
}

static void
erase_done (gpointer      data,
            const GError *error)
{
  UserJob *job = data;
  TallyServer *server = job_server (job);

  if (error != NULL || job->result != TALLY_USERS_OK)
    {
      respond_result (job->request, error != NULL ? TALLY_USERS_OK : job->result);
      return;
    }

  tally_events_end_sessions (server, job->user.account_id);
  schedule_sweeps (server, &job->user, job->request);
}

static void
submit_erase (UserJob *job)
{
  tally_writer_submit (tally_server_get_writer (job_server (job)), erase_write, erase_done, job,
                       user_job_free);
}

static void
handle_admin_erase (TallyRequest *request)
{
  const char *user_id = path_user_id (request);

  if (user_id == NULL)
    return;

  tally_request_pause (request);
  submit_erase (user_job_new (request, user_id));
}

/* Confirming erasure guesses the same password as signing in: it counts
 * against the same per-account throttle, before any hashing. */
static gboolean
erase_throttled (TallyRequest    *request,
                 const TallyUser *me)
{
  TallyThrottle *by_email = tally_server_get_login_throttle (tally_request_get_server (request),
                                                             FALSE);
  g_autofree char *seconds = NULL;
  gint64 now = g_get_real_time ();
  gint64 retry_after = 0;

  if (!tally_throttle_is_blocked (by_email, me->email, now, &retry_after))
    {
      tally_throttle_record_failure (by_email, me->email, now);
      return FALSE;
    }

  seconds = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (
                                  tally_request_get_message (request)),
                                "Retry-After", seconds);
  tally_request_respond_error (request, 429, "rate_limited",
                               "Too many wrong passwords; try again in %s seconds", seconds);
  return TRUE;
}

static void
verify_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  UserJob *job = data;

  job->verified = tally_password_verify (job->password_hash, job->password);
  g_task_return_boolean (task, TRUE);
}

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  UserJob *job = g_task_get_task_data (G_TASK (result));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

  if (job->verified)
    {
      tally_throttle_reset (tally_server_get_login_throttle (job_server (job), FALSE),
                            tally_request_get_user (job->request)->email);
      submit_erase (job);
      return;
    }

  tally_audit_submit (tally_server_get_audit (job_server (job)),
                      tally_request_get_user (job->request), "user.erase_refused", job->user_id,
                      "refused", tally_audit_details ("s", "reason", "bad_password"));
  tally_problem_set (&problem, 403, "forbidden", "password",
                     "The password is wrong: the account was not erased");
  tally_request_respond_problem (job->request, &problem);
  user_job_free (job);
}

static void
handle_erase_me (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  const TallyUser *me = tally_request_get_user (request);
  TallyServer *server = tally_request_get_server (request);
  g_autoptr(GTask) task = NULL;
  TallyEraseRequest decoded;
  TallyUser user;
  UserJob *job;

  if (body == NULL || !tally_api_decode_erase (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  if (erase_throttled (request, me))
    return;

  job = user_job_new (request, me->id);
  job->password = g_strdup (decoded.password);
  if (!tally_rules_store_find_user_by_email (tally_server_get_rules_store (server), me->email,
                                             &user, &job->password_hash, NULL))
    {
      respond_storage_error (request);
      user_job_free (job);
      return;
    }

  /* Hashing takes a while: off the main loop, as signing in does. */
  tally_request_pause (request);
  task = g_task_new (NULL, NULL, verified, NULL);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, verify_in_thread);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/admin/users", handle_list, TALLY_ROUTE_ADMIN },
  { "PUT", "/v1/admin/users/{id}", handle_update, TALLY_ROUTE_ADMIN },
  { "DELETE", "/v1/admin/users/{id}", handle_admin_erase, TALLY_ROUTE_ADMIN },
  { "DELETE", "/v1/me", handle_erase_me, TALLY_ROUTE_AUTH },
};

void
tally_api_users_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
