/* tally-webhook.h: the user's webhooks and their deliveries
 * (/v1/me/webhooks), typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char      *id;
  char      *url;
  /* Only in the answer of adding one: it is never shown again. */
  char      *secret;
  /* Local time. */
  GDateTime *created;
} TallyWebhook;

typedef struct
{
  char      *event_id;
  char      *type;
  /* The server's word for it: "delivered", "pending", "failed"... */
  char      *status;
  gint64     attempts;
  /* Local time; NULL before the first try. */
  GDateTime *last_attempt;
  /* The receiver's HTTP status; 0 when it never answered. */
  gint64     response_status;
} TallyWebhookDelivery;

#define TALLY_TYPE_WEBHOOK (tally_webhook_get_type ())
#define TALLY_TYPE_WEBHOOK_DELIVERY (tally_webhook_delivery_get_type ())

GType                 tally_webhook_get_type           (void) G_GNUC_CONST;
/* NULL with @error without an id or a URL. */
TallyWebhook         *tally_webhook_new_from_json      (JsonObject                 *object,
                                                        GError                    **error);
TallyWebhook         *tally_webhook_copy               (const TallyWebhook         *self);
void                  tally_webhook_free               (TallyWebhook               *self);

GType                 tally_webhook_delivery_get_type  (void) G_GNUC_CONST;
/* NULL with @error without an event id. */
TallyWebhookDelivery *tally_webhook_delivery_new_from_json (JsonObject             *object,
                                                            GError                **error);
/* "Delivered · 2 tries · HTTP 200 · 26/11/2026 10:20:15", in words. */
char                 *tally_webhook_delivery_describe  (const TallyWebhookDelivery *self);
TallyWebhookDelivery *tally_webhook_delivery_copy      (const TallyWebhookDelivery *self);
void                  tally_webhook_delivery_free      (TallyWebhookDelivery       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyWebhook, tally_webhook_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyWebhookDelivery, tally_webhook_delivery_free)

G_END_DECLS
