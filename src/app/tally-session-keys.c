/* tally-session-keys.c: the user's API keys
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like tally-session-alerts.c: one request per call, its reply decoded
 * once into what _finish() hands back.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-keys.h"
#include "tally-session-private.h"

static gpointer
decode_keys (JsonObject  *reply,
             GError     **error)
{
  return tally_session_decode_items (reply, (gpointer) tally_api_key_new_from_json,
                                     (GDestroyNotify) tally_api_key_free, error);
}

static const TallySessionDecoder keys_decoder = {
  decode_keys, (GDestroyNotify) g_ptr_array_unref, NULL,
};

void
tally_session_list_api_keys_async (TallySession        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/api-keys", NULL, &keys_decoder,
                      tally_session_list_api_keys_async, cancellable, callback, user_data);
}

GPtrArray *
tally_session_list_api_keys_finish (TallySession  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_list_api_keys_async, error);
}

/* A new key the user cannot copy is a failure to show. */
static gpointer
decode_new_key (JsonObject  *reply,
                GError     **error)
{
  g_autoptr(TallyApiKey) key = tally_api_key_new_from_json (reply, error);

  if (key != NULL && (key->key == NULL || key->key[0] == '\0'))
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("the server sent no key"));
      return NULL;
    }
  return g_steal_pointer (&key);
}

static const TallySessionDecoder new_key_decoder = {
  decode_new_key, (GDestroyNotify) tally_api_key_free, NULL,
};

void
tally_session_create_api_key_async (TallySession        *self,
                                    const char          *name,
                                    gboolean             can_run,
                                    gint64               rate_limit,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (name != NULL);

  body = tally_api_key_request (name, can_run, rate_limit);
  tally_session_call (self, "POST", "/v1/me/api-keys", body, &new_key_decoder,
                      tally_session_create_api_key_async, cancellable, callback, user_data);
}

TallyApiKey *
tally_session_create_api_key_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_create_api_key_async, error);
}

/* 204: nothing to decode, only to say it went. */
static gpointer
decode_nothing (JsonObject  *reply,
                GError     **error)
{
  return GINT_TO_POINTER (TRUE);
}

static const TallySessionDecoder revoked_decoder = { decode_nothing, NULL, NULL };

void
tally_session_revoke_api_key_async (TallySession        *self,
                                    const char          *key_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (key_id != NULL);

  escaped = g_uri_escape_string (key_id, NULL, FALSE);
  path = g_strconcat ("/v1/me/api-keys/", escaped, NULL);
  tally_session_call (self, "DELETE", path, NULL, &revoked_decoder,
                      tally_session_revoke_api_key_async, cancellable, callback, user_data);
}

gboolean
tally_session_revoke_api_key_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_revoke_api_key_async,
                                    error) != NULL;
}
