/* tally-demo-renewals.h: the demo provider's subscription events, and the
 * clock that renews demo subscriptions
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-payments.h"
#include "tally-server.h"
#include "tally-store-subscriptions.h"

G_BEGIN_DECLS

/* When a demo period that starts at @start (Unix seconds) ends:
 * [payments] demo-period seconds later, or a calendar month. */
gint64 tally_demo_period_end              (TallyConfig              *config,
                                           gint64                    start);
/* invoice.paid of @subscription for [@start, @end] (Unix seconds), as
 * Stripe sends it (2025-03-31 shape). The first invoice's id is
 * in_demo_HEX, a renewal's in_demo_HEX_START: each period's once. */
char  *tally_demo_invoice_paid_event      (const TallySubscription  *subscription,
                                           gint64                    start,
                                           gint64                    end,
                                           gboolean                  first);
/* Signs @text with the demo secret and hands it to the webhook's code. */
void   tally_demo_send_signed             (TallyServer              *server,
                                           const char               *text,
                                           TallyWebhookDone          done,
                                           gpointer                  user_data);
/* With the demo provider, looks every few seconds for active demo
 * subscriptions whose period ended: each is renewed (the next invoice
 * paid, so its credits are granted once) or, when cancelled at the
 * period's end, ended (customer.subscription.deleted). Returns the
 * source to remove at shutdown; 0 with another provider. */
guint  tally_demo_renewals_start          (TallyServer              *server);

G_END_DECLS
