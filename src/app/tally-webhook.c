/* tally-webhook.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-json.h"
#include "tally-webhook.h"

G_DEFINE_BOXED_TYPE (TallyWebhook, tally_webhook, tally_webhook_copy, tally_webhook_free)
G_DEFINE_BOXED_TYPE (TallyWebhookDelivery, tally_webhook_delivery, tally_webhook_delivery_copy,
                     tally_webhook_delivery_free)

TallyWebhook *
tally_webhook_new_from_json (JsonObject  *object,
                             GError     **error)
{
  TallyWebhook *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "id") == NULL ||
      tally_json_peek_string (object, "url") == NULL)
    return tally_client_invalid_reply (error, _("A webhook from the server cannot be read"));

  self = g_new0 (TallyWebhook, 1);
  self->id = g_strdup (tally_json_peek_string (object, "id"));
  self->url = g_strdup (tally_json_peek_string (object, "url"));
  self->secret = g_strdup (tally_json_peek_string (object, "secret"));
  self->created = tally_json_peek_local_time (object, "created_at");
  return self;
}

TallyWebhook *
tally_webhook_copy (const TallyWebhook *self)
{
  TallyWebhook *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TallyWebhook, 1);
  copy->id = g_strdup (self->id);
  copy->url = g_strdup (self->url);
  copy->secret = g_strdup (self->secret);
  copy->created = self->created != NULL ? g_date_time_ref (self->created) : NULL;
  return copy;
}

void
tally_webhook_free (TallyWebhook *self)
{
  if (self == NULL)
    return;

  g_free (self->id);
  g_free (self->url);
  g_free (self->secret);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_free (self);
}

TallyWebhookDelivery *
tally_webhook_delivery_new_from_json (JsonObject  *object,
                                      GError     **error)
{
  TallyWebhookDelivery *self;
  const char *status;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "event_id") == NULL)
    return tally_client_invalid_reply (error,
                                       _("A webhook delivery from the server cannot be read"));

  status = tally_json_peek_string (object, "status");
  self = g_new0 (TallyWebhookDelivery, 1);
  self->event_id = g_strdup (tally_json_peek_string (object, "event_id"));
  self->type = g_strdup (tally_json_peek_string (object, "type"));
  self->status = g_strdup (status != NULL ? status : "");
  self->attempts = tally_json_peek_figure (object, "attempts");
  self->last_attempt = tally_json_peek_local_time (object, "last_attempt_at");
  self->response_status = tally_json_peek_figure (object, "response_status");
  return self;
}

/* The server's word in the app's language; one it does not know as is. */
static const char *
status_text (const char *status)
{
  if (g_str_equal (status, "delivered") || g_str_equal (status, "succeeded"))
    return _("Delivered");
  if (g_str_equal (status, "pending") || g_str_equal (status, "retrying"))
    return _("Waiting to retry");
  if (g_str_equal (status, "failed") || g_str_equal (status, "given_up"))
    return _("Failed");
  return status;
}

char *
tally_webhook_delivery_describe (const TallyWebhookDelivery *self)
{
  GString *text;

  g_return_val_if_fail (self != NULL, NULL);

  text = g_string_new (status_text (self->status));
  g_string_append (text, " · ");
  g_string_append_printf (text, ngettext ("%d try", "%d tries", (gulong) self->attempts),
                          (int) self->attempts);
  if (self->response_status > 0)
    {
      g_string_append (text, " · ");
      /* Translators: the receiver's answer, "HTTP 200" */
      g_string_append_printf (text, _("HTTP %d"), (int) self->response_status);
    }
  if (self->last_attempt != NULL)
    {
      g_autofree char *when = g_date_time_format (self->last_attempt, "%x %X");

      g_string_append (text, " · ");
      g_string_append (text, when);
    }
  return g_string_free (text, FALSE);
}

TallyWebhookDelivery *
tally_webhook_delivery_copy (const TallyWebhookDelivery *self)
{
  TallyWebhookDelivery *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->event_id = g_strdup (self->event_id);
  copy->type = g_strdup (self->type);
  copy->status = g_strdup (self->status);
  copy->last_attempt = self->last_attempt != NULL ? g_date_time_ref (self->last_attempt) : NULL;
  return copy;
}

void
tally_webhook_delivery_free (TallyWebhookDelivery *self)
{
  if (self == NULL)
    return;

  g_free (self->event_id);
  g_free (self->type);
  g_free (self->status);
  g_clear_pointer (&self->last_attempt, g_date_time_unref);
  g_free (self);
}
