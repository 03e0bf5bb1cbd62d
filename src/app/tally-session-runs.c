/* tally-session-runs.c: a run's calls to the server, and its op in the
 * outbox when it ran offline
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-session.h"

typedef struct
{
  TallyRunRefusal *refusal;
  char            *status;
  gint64           charged;
  gint64           released;
} RunCall;

static void
run_call_free (RunCall *call)
{
  tally_run_refusal_free (call->refusal);
  g_free (call->status);
  g_free (call);
}

static GTask *
run_task_new (TallySession        *self,
              gpointer             source_tag,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (RunCall, 1), (GDestroyNotify) run_call_free);
  return task;
}

/* The server gave this device's lease back to pay for the run: offline
 * runs must not count on it any more. */
static void
forget_released_lease (TallySession *self,
                       JsonObject   *reply)
{
  TallyCache *cache = tally_session_get_cache (self);

  if (!json_object_has_member (reply, "lease") || cache == NULL)
    return;

  tally_cache_forget_lease (cache);
}

static void
authorized (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TallySession *self = g_task_get_source_object (task);
  RunCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, &code,
                                                          &error);

  if (reply == NULL)
    {
      if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_SERVER))
        call->refusal = tally_run_refusal_new_from_problem (
          code, tally_client_call_get_problem (TALLY_CLIENT (source), result));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  forget_released_lease (self, reply);
  g_task_return_boolean (task, TRUE);
}

void
tally_session_authorize_run_async (TallySession        *self,
                                   const char          *run_id,
                                   TallyTool           *tool,
                                   JsonObject          *inputs,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  tally_session_authorize_run_on_async (self, run_id, tool, inputs, NULL, callback, user_data);
}

void
tally_session_authorize_run_on_async (TallySession        *self,
                                      const char          *run_id,
                                      TallyTool           *tool,
                                      JsonObject          *inputs,
                                      const char          *account_id,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  TallyCache *cache;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (run_id != NULL && TALLY_IS_TOOL (tool) && inputs != NULL);

  json_object_set_string_member (body, "id", run_id);
  json_object_set_string_member (body, "tool", tally_tool_get_id (tool));
  json_object_set_object_member (body, "inputs", json_object_ref (inputs));
  /* Lets the server give this device's lease back if the account is
   * short: only with an empty outbox, since the outbox's runs are paid
   * from it. */
  /* A team's pool: the device's lease is on the user's own account. */
  if (account_id != NULL)
    json_object_set_string_member (body, "account_id", account_id);
  cache = tally_session_get_cache (self);
  if (account_id == NULL && cache != NULL && tally_cache_outbox_count_for (cache, NULL) == 0)
    json_object_set_string_member (body, "device", tally_cache_get_device_id (cache));

  /* Not cancellable: the answer says whether there is a hold. */
  tally_client_call_async (tally_session_get_client (self), "POST", "/v1/runs", body, NULL,
                           authorized, run_task_new (self, tally_session_authorize_run_async,
                                                     callback, user_data));
}

gboolean
tally_session_authorize_run_finish (TallySession     *self,
                                    GAsyncResult     *result,
                                    TallyRunRefusal **refusal,
                                    GError          **error)
{
  RunCall *call;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  call = g_task_get_task_data (G_TASK (result));
  if (refusal != NULL)
    *refusal = g_steal_pointer (&call->refusal);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
completed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TallySession *self = g_task_get_source_object (task);
  RunCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  JsonObject *run = reply != NULL ? json_object_get_object_member (reply, "run") : NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  call->status = g_strdup (run != NULL ? json_object_get_string_member_with_default (run,
                                                                                     "status", "")
                                        : "");
  call->charged = run != NULL ? json_object_get_int_member_with_default (run, "charged", 0) : 0;
  call->released = run != NULL ? json_object_get_int_member_with_default (run, "released", 0)
                               : 0;
  /* The cache (and the History page that reads it) catches up. */
  if (tally_session_get_sync (self) != NULL)
    tally_sync_now (tally_session_get_sync (self));
  g_task_return_boolean (task, TRUE);
}

void
tally_session_complete_run_async (TallySession        *self,
                                  const char          *run_id,
                                  const char          *outcome,
                                  gint64               units,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (run_id != NULL && outcome != NULL);

  escaped = g_uri_escape_string (run_id, NULL, FALSE);
  path = g_strdup_printf ("/v1/runs/%s/complete", escaped);
  json_object_set_string_member (body, "outcome", outcome);
  if (units >= 0)
    json_object_set_int_member (body, "units", units);
  /* Not cancellable: a run once authorized is always completed. */
  tally_client_call_async (tally_session_get_client (self), "POST", path, body, NULL, completed,
                           run_task_new (self, tally_session_complete_run_async, callback,
                                         user_data));
}

gboolean
tally_session_complete_run_finish (TallySession  *self,
                                   GAsyncResult  *result,
                                   char         **status,
                                   gint64        *charged,
                                   gint64        *released,
                                   GError       **error)
{
  RunCall *call;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  call = g_task_get_task_data (G_TASK (result));
  *status = g_steal_pointer (&call->status);
  *charged = call->charged;
  *released = call->released;
  return TRUE;
}
