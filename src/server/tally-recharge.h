/* tally-recharge.h: auto-recharge, charging a saved card when the balance
 * falls below what the user set
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-recharge.h"

G_BEGIN_DECLS

#define TALLY_TYPE_RECHARGE (tally_recharge_get_type ())

G_DECLARE_FINAL_TYPE (TallyRecharge, tally_recharge, TALLY, RECHARGE, GObject)

/* Watches @server's group commits; @server owns the result and outlives
 * it. Recharges left in flight by an earlier run are looked up once the
 * main loop runs. */
TallyRecharge *tally_recharge_new           (TallyServer          *server);
/* Looks at @account_id now, as after a commit that touched it: its
 * settings were just saved. */
void           tally_recharge_check_account (TallyRecharge        *self,
                                             const char           *account_id);

/* Inside the writer: ends the recharge @payment_id as Stripe says it went
 * (@intent_id: the PaymentIntent, for a success), whoever heard it first:
 * the charge's own answer, a payment_intent webhook or the look-up of a
 * stale claim. Exactly once: the purchase transfer's id derives from the
 * PaymentIntent, and a payment that was settled before stays as it is.
 * @payment receives the payment; @changed whether this call credited it or
 * marked it failed. */
gboolean       tally_recharge_settle        (TallyServer          *server,
                                             const char           *payment_id,
                                             const char           *intent_id,
                                             TallyRechargeOutcome  outcome,
                                             TallyPayment         *payment,
                                             gboolean             *changed,
                                             GError              **error);

G_END_DECLS
