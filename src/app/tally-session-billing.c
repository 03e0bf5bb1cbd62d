/* tally-session-billing.c: what the user sets about paying: their own
 * caps, invoice details, automatic top-up, and the payment methods' page
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every call here is one request whose reply is decoded once, into the
 * typed result its _finish() hands back; the pages never see the JSON.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-private.h"

static void
replied (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const TallySessionDecoder *decoder = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  gpointer decoded = reply != NULL ? decoder->decode (reply, &error) : NULL;

  if (decoded == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (decoder->done != NULL)
    decoder->done (g_task_get_source_object (task), decoded);
  g_task_return_pointer (task, decoded, decoder->free);
}

void
tally_session_call (TallySession              *self,
                    const char                *method,
                    const char                *path,
                    JsonObject                *body,
                    const TallySessionDecoder *decoder,
                    gpointer                   source_tag,
                    GCancellable              *cancellable,
                    GAsyncReadyCallback        callback,
                    gpointer                   user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) decoder, NULL);
  tally_client_call_async (tally_session_get_client (self), method, path, body, cancellable,
                           replied, task);
}

gpointer
tally_session_call_finish (TallySession  *self,
                           GAsyncResult  *result,
                           gpointer       source_tag,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- caps --- */

/* Lenient like GET /v1/me's caps: a reply without them reads as no caps,
 * and the account read again right after shows what holds. */
static gpointer
decode_limits (JsonObject  *reply,
               GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "limits");

  return tally_spend_limits_new_from_json (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                                           ? json_node_get_object (node) : NULL);
}

/* The Overview and the run checks follow the new caps. */
static void
limits_saved (TallySession  *self,
              gconstpointer  limits)
{
  tally_session_reload_account (self);
}

static const TallySessionDecoder limits_decoder = {
  decode_limits, (GDestroyNotify) tally_spend_limits_free, limits_saved,
};

/* 0 is "no cap of my own", which the API spells null. */
static void
set_cap (JsonObject *body,
         const char *member,
         gint64      cap)
{
  if (cap > 0)
    json_object_set_int_member (body, member, cap);
  else
    json_object_set_null_member (body, member);
}

void
tally_session_save_limits_async (TallySession        *self,
                                 gint64               per_run,
                                 gint64               daily,
                                 gint64               monthly,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self));

  set_cap (body, "per_run", per_run);
  set_cap (body, "daily", daily);
  set_cap (body, "monthly", monthly);
  tally_session_call (self, "PUT", "/v1/me/limits", body, &limits_decoder,
                      tally_session_save_limits_async, cancellable, callback, user_data);
}

TallySpendLimits *
tally_session_save_limits_finish (TallySession  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_save_limits_async, error);
}

/* --- invoice details --- */

static gpointer
decode_invoice_details (JsonObject  *reply,
                        GError     **error)
{
  return tally_invoice_details_new_from_json (reply);
}

static const TallySessionDecoder invoice_details_decoder = {
  decode_invoice_details, (GDestroyNotify) tally_invoice_details_free, NULL,
};

void
tally_session_load_invoice_details_async (TallySession        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/invoice-details", NULL, &invoice_details_decoder,
                      tally_session_load_invoice_details_async, cancellable, callback, user_data);
}

TallyInvoiceDetails *
tally_session_load_invoice_details_finish (TallySession  *self,
                                           GAsyncResult  *result,
                                           GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_invoice_details_async, error);
}

void
tally_session_save_invoice_details_async (TallySession              *self,
                                          const TallyInvoiceDetails *details,
                                          GCancellable              *cancellable,
                                          GAsyncReadyCallback        callback,
                                          gpointer                   user_data)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (details != NULL);

  body = tally_invoice_details_to_json (details);
  tally_session_call (self, "PUT", "/v1/me/invoice-details", body, &invoice_details_decoder,
                      tally_session_save_invoice_details_async, cancellable, callback, user_data);
}

TallyInvoiceDetails *
tally_session_save_invoice_details_finish (TallySession  *self,
                                           GAsyncResult  *result,
                                           GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_save_invoice_details_async, error);
}

/* --- automatic top-up --- */

static gpointer
decode_auto_recharge (JsonObject  *reply,
                      GError     **error)
{
  return tally_auto_recharge_new_from_json (reply);
}

static const TallySessionDecoder auto_recharge_decoder = {
  decode_auto_recharge, (GDestroyNotify) tally_auto_recharge_free, NULL,
};

void
tally_session_load_auto_recharge_async (TallySession        *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/auto-recharge", NULL, &auto_recharge_decoder,
                      tally_session_load_auto_recharge_async, cancellable, callback, user_data);
}

TallyAutoRecharge *
tally_session_load_auto_recharge_finish (TallySession  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_auto_recharge_async, error);
}

void
tally_session_save_auto_recharge_async (TallySession            *self,
                                        const TallyAutoRecharge *recharge,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (recharge != NULL);

  body = tally_auto_recharge_to_json (recharge);
  tally_session_call (self, "PUT", "/v1/me/auto-recharge", body, &auto_recharge_decoder,
                      tally_session_save_auto_recharge_async, cancellable, callback, user_data);
}

TallyAutoRecharge *
tally_session_save_auto_recharge_finish (TallySession  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_save_auto_recharge_async, error);
}

/* --- payment methods --- */

/* Without a page there is nothing to open: that is a failure to show,
 * not a silent no-op. */
static gpointer
decode_portal (JsonObject  *reply,
               GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "url");
  const char *url = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                    json_node_get_value_type (node) == G_TYPE_STRING
                    ? json_node_get_string (node) : NULL;

  if (url == NULL || url[0] == '\0')
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("the server sent no page for payment methods"));
      return NULL;
    }

  return g_strdup (url);
}

static const TallySessionDecoder portal_decoder = { decode_portal, g_free, NULL };

void
tally_session_open_billing_portal_async (TallySession        *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "POST", "/v1/billing/portal", NULL, &portal_decoder,
                      tally_session_open_billing_portal_async, cancellable, callback, user_data);
}

char *
tally_session_open_billing_portal_finish (TallySession  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_open_billing_portal_async, error);
}
