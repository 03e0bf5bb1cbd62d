/* tally-api-payments.h: what checkout, the webhook and the demo provider share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-payment-events.h"
#include "tally-request.h"
#include "tally-server.h"

G_BEGIN_DECLS

/* @status is the HTTP answer (200 once the effect is committed), @code an
 * error code or NULL, @outcome what the event did: credited, duplicate,
 * pending, failed, refunded, disputed, short, ignored. */
typedef void (*TallyWebhookDone) (guint        status,
                                  const char  *code,
                                  const char  *outcome,
                                  gpointer     user_data);

/* Verifies @signature over @payload before reading anything, then applies
 * the event through the writer, exactly once whatever the order of
 * deliveries. POST /v1/webhooks/stripe and the demo provider's own events
 * both come through here. */
void tally_payments_receive_event (TallyServer      *server,
                                   GBytes           *payload,
                                   const char       *signature,
                                   TallyWebhookDone  done,
                                   gpointer          user_data);

/* The demo provider's page for @session_id of @user_id on this server:
 * /demo/@page/SESSION/KEY, where KEY is the checkout's key. */
char *tally_payments_demo_url        (TallyRequest *request,
                                      const char   *page,
                                      const char   *session_id,
                                      const char   *user_id);
/* A fresh demo checkout session id, cs_demo_ and 32 hex digits. */
void  tally_payments_demo_session_id (char         *session_id,
                                      gsize         size);

/* Finds or creates (once, recorded) the Stripe customer of @account_id,
 * then calls @ready with its id, or with why not: a TALLY_STRIPE_ERROR
 * from Stripe, another error from the store. @idempotency_key names the
 * request it is for; a retry of that request sends the same. */
typedef void (*TallyCustomerReady) (const char   *customer_id,
                                    const GError *error,
                                    gpointer      user_data);

void tally_payments_with_customer (TallyServer        *server,
                                   const char         *account_id,
                                   const char         *email,
                                   const char         *idempotency_key,
                                   TallyCustomerReady  ready,
                                   gpointer            user_data);

G_END_DECLS
