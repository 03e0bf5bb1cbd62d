/* tally-payment-item.h: a payment of GET /v1/payments, or of a "payment"
 * event
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_PAYMENT_ITEM (tally_payment_item_get_type ())

G_DECLARE_FINAL_TYPE (TallyPaymentItem, tally_payment_item, TALLY, PAYMENT_ITEM, GObject)

/* NULL with @error when @object has no status; an event's has no id. */
TallyPaymentItem *tally_payment_item_new_from_json (JsonObject       *object,
                                                    GError          **error);
const char       *tally_payment_item_get_id        (TallyPaymentItem *self);
/* The pack bought; "" when the server did not say. */
const char       *tally_payment_item_get_pack_id   (TallyPaymentItem *self);
/* "open", "paid", "failed", "refunded", "disputed"... */
const char       *tally_payment_item_get_status    (TallyPaymentItem *self);
gint64            tally_payment_item_get_credits   (TallyPaymentItem *self);
gint64            tally_payment_item_get_amount    (TallyPaymentItem *self);
const char       *tally_payment_item_get_currency  (TallyPaymentItem *self);
/* The checkout session it settles ("ref" of events); NULL in lists. */
const char       *tally_payment_item_get_ref       (TallyPaymentItem *self);
/* When it was made, in local time. */
GDateTime        *tally_payment_item_get_created   (TallyPaymentItem *self);
/* When it was paid, or else made, in local time. */
GDateTime        *tally_payment_item_get_time      (TallyPaymentItem *self);
/* Only a payment that was paid at some point has a receipt. */
gboolean          tally_payment_item_has_receipt   (TallyPaymentItem *self);
/* Bought as a gift: its credits went to another address. */
gboolean          tally_payment_item_is_gift       (TallyPaymentItem *self);

G_END_DECLS
