/* tally-session-admin.c: an admin's calls, for the Admin view
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server checks the role on every call; the app asks only so that a
 * member never sees a view whose every call would be refused.
 */

#include "config.h"

#include "tally-session-admin.h"
#include "tally-session-private.h"

gboolean
tally_session_is_admin (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), FALSE);

  return tally_session_get_state (self) == TALLY_SESSION_STATE_SIGNED_IN &&
         g_strcmp0 (tally_session_get_role (self), "admin") == 0;
}

static void
admin_called (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *reply;

  reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL, &error);
  if (reply == NULL && error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, reply != NULL ? reply : json_object_new (),
                           (GDestroyNotify) json_object_unref);
}

void
tally_session_admin_call_async (TallySession        *self,
                                const char          *method,
                                const char          *path,
                                JsonObject          *body,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (g_str_has_prefix (path, "/v1/admin/"));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_admin_call_async);
  tally_client_call_async (tally_session_get_client (self), method, path, body, cancellable,
                           admin_called, task);
}

JsonObject *
tally_session_admin_call_finish (TallySession  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
audit_written (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
audit_fetched (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GFile *destination = g_task_get_task_data (task);

  bytes = tally_client_fetch_finish (TALLY_CLIENT (source), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_file_replace_contents_bytes_async (destination, bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), audit_written,
                                       g_object_ref (task));
}

void
tally_session_export_audit_async (TallySession        *self,
                                  GFile               *destination,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (destination));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_export_audit_async);
  g_task_set_task_data (task, g_object_ref (destination), g_object_unref);
  /* As the server sent it: a reader checks the chain over these bytes. */
  tally_client_fetch_async (tally_session_get_client (self), "/v1/admin/audit/export",
                            cancellable, audit_fetched, task);
}

gboolean
tally_session_export_audit_finish (TallySession  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- operations ---------------------------------------------------------- */

static const TallySessionDecoder analytics_decoder = {
  (gpointer) tally_analytics_new_from_json, (GDestroyNotify) tally_analytics_free, NULL,
};

static void
append_time (GString    *query,
             const char *name,
             const char *time)
{
  g_autofree char *escaped = NULL;

  if (time == NULL)
    return;
  escaped = g_uri_escape_string (time, NULL, FALSE);
  g_string_append_printf (query, "%c%s=%s", query->len == 0 ? '?' : '&', name, escaped);
}

void
tally_session_load_analytics_async (TallySession        *self,
                                    const char          *since,
                                    const char          *until,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));

  append_time (query, "since", since);
  append_time (query, "until", until);
  path = g_strconcat ("/v1/admin/analytics", query->str, NULL);
  tally_session_call (self, "GET", path, NULL, &analytics_decoder,
                      tally_session_load_analytics_async, cancellable, callback, user_data);
}

TallyAnalytics *
tally_session_load_analytics_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_analytics_async, error);
}

static const TallySessionDecoder error_groups_decoder = {
  (gpointer) tally_error_groups_new_from_json, (GDestroyNotify) tally_error_groups_free, NULL,
};

void
tally_session_load_error_groups_async (TallySession        *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/admin/errors", NULL, &error_groups_decoder,
                      tally_session_load_error_groups_async, cancellable, callback, user_data);
}

TallyErrorGroups *
tally_session_load_error_groups_finish (TallySession  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_error_groups_async,
                                    error);
}
