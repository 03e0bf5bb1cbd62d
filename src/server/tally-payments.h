/* tally-payments.h: the credit packs on sale and the payment provider
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-config.h"
#include "tally-stripe.h"

G_BEGIN_DECLS

/* Bounds that keep credits × amount inside an int64, so a refunded share
 * is computed exactly. */
#define TALLY_PACK_CREDITS_MAX G_GINT64_CONSTANT (1000000000)
#define TALLY_PACK_AMOUNT_MAX  G_GINT64_CONSTANT (1000000000)

typedef struct
{
  char   *id;
  char   *name;
  gint64  credits;
  /* In the currency's minor units, as Stripe counts them. */
  gint64  amount;
  /* ISO 4217, lower case. */
  char   *currency;
} TallyPack;

/* A subscription plan: credits_per_period every month, for its price. */
typedef struct
{
  char   *id;
  char   *name;
  gint64  credits_per_period;
  gint64  amount;
  char   *currency;
} TallyPlan;

#define TALLY_TYPE_PAYMENTS (tally_payments_get_type ())

G_DECLARE_FINAL_TYPE (TallyPayments, tally_payments, TALLY, PAYMENTS, GObject)

/* Reads the packs and checks the provider's settings: a stripe provider
 * without its keys and URLs is an error that names them. */
TallyPayments     *tally_payments_new                (TallyConfig    *config,
                                                      GError        **error);
gboolean           tally_payments_is_demo            (TallyPayments  *self);
const char        *tally_payments_get_provider       (TallyPayments  *self);
const TallyPack   *tally_payments_find_pack          (TallyPayments  *self,
                                                      const char     *id);
/* {packs: [{id, name, credits, price: {amount, currency}}]} */
JsonObject        *tally_payments_packs_json         (TallyPayments  *self);
const TallyPlan   *tally_payments_find_plan          (TallyPayments  *self,
                                                      const char     *id);
/* {plans: [{id, name, credits_per_period, interval: "month",
 * price: {amount, currency}}]} */
JsonObject        *tally_payments_plans_json         (TallyPayments  *self);
/* What webhook events must be signed with: Stripe's, or the demo
 * provider's own, made at start. */
const char        *tally_payments_get_webhook_secret (TallyPayments  *self);
/* The demo checkout page's key for @session_id of @user_id: 64 hex digits
 * (an HMAC-SHA256 under this run's demo secret) that only the checkout's
 * URL carries, so only who started the checkout can pay it. */
char              *tally_payments_demo_checkout_key (TallyPayments  *self,
                                                     const char     *session_id,
                                                     const char     *user_id);
/* Whether @key is that key, compared in constant time. */
gboolean           tally_payments_demo_key_matches  (TallyPayments  *self,
                                                     const char     *session_id,
                                                     const char     *user_id,
                                                     const char     *key);
/* NULL with the demo provider. */
TallyStripeClient *tally_payments_get_stripe         (TallyPayments  *self);
const char        *tally_payments_get_success_url    (TallyPayments  *self);
const char        *tally_payments_get_cancel_url     (TallyPayments  *self);

G_END_DECLS
