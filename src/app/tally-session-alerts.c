/* tally-session-alerts.c: what the user asks to be told about, and the
 * webhooks that are told
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like tally-session-billing.c: one request per call, its reply decoded
 * once into what _finish() hands back. The alerts themselves come through
 * the session's event stream and TallyAlertHistory.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-private.h"

/* --- settings --- */

static gpointer
decode_settings (JsonObject  *reply,
                 GError     **error)
{
  return tally_alert_settings_new_from_json (reply);
}

/* The window shows toasts and notifications by what the server kept. */
static void
settings_answered (TallySession  *self,
                   gconstpointer  settings)
{
  tally_session_set_alert_settings (self, settings);
}

static const TallySessionDecoder settings_decoder = {
  decode_settings, (GDestroyNotify) tally_alert_settings_free, settings_answered,
};

void
tally_session_load_alert_settings_async (TallySession        *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/alerts", NULL, &settings_decoder,
                      tally_session_load_alert_settings_async, cancellable, callback, user_data);
}

TallyAlertSettings *
tally_session_load_alert_settings_finish (TallySession  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_alert_settings_async,
                                    error);
}

void
tally_session_save_alert_settings_async (TallySession             *self,
                                         const TallyAlertSettings *settings,
                                         GCancellable             *cancellable,
                                         GAsyncReadyCallback       callback,
                                         gpointer                  user_data)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (settings != NULL);

  body = tally_alert_settings_to_json (settings);
  tally_session_call (self, "PUT", "/v1/me/alerts", body, &settings_decoder,
                      tally_session_save_alert_settings_async, cancellable, callback, user_data);
}

TallyAlertSettings *
tally_session_save_alert_settings_finish (TallySession  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_save_alert_settings_async,
                                    error);
}

/* --- webhooks --- */

/* The reply's items, each decoded by @decode; one that cannot be read
 * fails the whole list, so that none is silently missing. */
GPtrArray *
tally_session_decode_items (JsonObject      *reply,
                            gpointer       (*decode) (JsonObject *, GError **),
                            GDestroyNotify   free_item,
                            GError         **error)
{
  JsonNode *node = json_object_get_member (reply, "items");
  JsonArray *items = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                  : NULL;
  g_autoptr(GPtrArray) decoded = g_ptr_array_new_with_free_func (free_item);

  if (items == NULL)
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent no list"));
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      gpointer object = NULL;

      if (JSON_NODE_HOLDS_OBJECT (item))
        object = decode (json_node_get_object (item), error);
      else
        g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                             _("The server sent a list Tally does not understand"));
      if (object == NULL)
        return NULL;
      g_ptr_array_add (decoded, object);
    }

  return g_steal_pointer (&decoded);
}

static gpointer
decode_webhooks (JsonObject  *reply,
                 GError     **error)
{
  return tally_session_decode_items (reply, (gpointer) tally_webhook_new_from_json,
                       (GDestroyNotify) tally_webhook_free, error);
}

static const TallySessionDecoder webhooks_decoder = {
  decode_webhooks, (GDestroyNotify) g_ptr_array_unref, NULL,
};

void
tally_session_list_webhooks_async (TallySession        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/webhooks", NULL, &webhooks_decoder,
                      tally_session_list_webhooks_async, cancellable, callback, user_data);
}

GPtrArray *
tally_session_list_webhooks_finish (TallySession  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_list_webhooks_async, error);
}

/* Without its secret a new webhook cannot be checked by its receiver:
 * that is a failure to show. */
static gpointer
decode_new_webhook (JsonObject  *reply,
                    GError     **error)
{
  g_autoptr(TallyWebhook) webhook = tally_webhook_new_from_json (reply, error);

  if (webhook != NULL && (webhook->secret == NULL || webhook->secret[0] == '\0'))
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("the server sent no secret for the webhook"));
      return NULL;
    }
  return g_steal_pointer (&webhook);
}

static const TallySessionDecoder new_webhook_decoder = {
  decode_new_webhook, (GDestroyNotify) tally_webhook_free, NULL,
};

void
tally_session_add_webhook_async (TallySession        *self,
                                 const char          *url,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (url != NULL);

  json_object_set_string_member (body, "url", url);
  tally_session_call (self, "POST", "/v1/me/webhooks", body, &new_webhook_decoder,
                      tally_session_add_webhook_async, cancellable, callback, user_data);
}

TallyWebhook *
tally_session_add_webhook_finish (TallySession  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_add_webhook_async, error);
}

/* 204: nothing to decode, only to say it went. */
static gpointer
decode_nothing (JsonObject  *reply,
                GError     **error)
{
  return GINT_TO_POINTER (TRUE);
}

static const TallySessionDecoder removed_decoder = { decode_nothing, NULL, NULL };

/* /v1/me/webhooks/{id}@tail, the id escaped. */
static char *
webhook_path (const char *webhook_id,
              const char *tail)
{
  g_autofree char *escaped = g_uri_escape_string (webhook_id, NULL, FALSE);

  return g_strconcat ("/v1/me/webhooks/", escaped, tail, NULL);
}

void
tally_session_remove_webhook_async (TallySession        *self,
                                    const char          *webhook_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (webhook_id != NULL);

  path = webhook_path (webhook_id, "");
  tally_session_call (self, "DELETE", path, NULL, &removed_decoder,
                      tally_session_remove_webhook_async, cancellable, callback, user_data);
}

gboolean
tally_session_remove_webhook_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_remove_webhook_async,
                                    error) != NULL;
}

static gpointer
decode_deliveries (JsonObject  *reply,
                   GError     **error)
{
  return tally_session_decode_items (reply, (gpointer) tally_webhook_delivery_new_from_json,
                       (GDestroyNotify) tally_webhook_delivery_free, error);
}

static const TallySessionDecoder deliveries_decoder = {
  decode_deliveries, (GDestroyNotify) g_ptr_array_unref, NULL,
};

void
tally_session_list_deliveries_async (TallySession        *self,
                                     const char          *webhook_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (webhook_id != NULL);

  path = webhook_path (webhook_id, "/deliveries");
  tally_session_call (self, "GET", path, NULL, &deliveries_decoder,
                      tally_session_list_deliveries_async, cancellable, callback, user_data);
}

GPtrArray *
tally_session_list_deliveries_finish (TallySession  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_list_deliveries_async, error);
}
