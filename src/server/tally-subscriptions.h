/* tally-subscriptions.h: subscriptions to plans, as the provider's events
 * move them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-subscriptions.h"

G_BEGIN_DECLS

typedef enum
{
  /* checkout.session.completed of a session in subscription mode. */
  TALLY_SUBSCRIPTION_EVENT_CHECKOUT_COMPLETED,
  /* invoice.paid: one period's credits. */
  TALLY_SUBSCRIPTION_EVENT_INVOICE_PAID,
  /* invoice.payment_failed: a renewal that did not go through. */
  TALLY_SUBSCRIPTION_EVENT_INVOICE_FAILED,
  /* customer.subscription.updated */
  TALLY_SUBSCRIPTION_EVENT_UPDATED,
  /* customer.subscription.deleted: it has ended. */
  TALLY_SUBSCRIPTION_EVENT_DELETED,
} TallySubscriptionEventKind;

/* What a provider's event says about a subscription, decoded. */
typedef struct
{
  TallySubscriptionEventKind  kind;
  /* The session, the invoice or the subscription the event is about. */
  const char                 *object_id;
  /* The provider's subscription (sub_...), or NULL. */
  const char                 *provider_id;
  /* Ours, from the metadata the checkout put there, or NULL. */
  const char                 *subscription_id;
  /* UPDATED: the provider's status ("active", "past_due", ...). */
  const char                 *status;
  gboolean                    cancel_at_period_end;
  /* When the period paid for or described ends, in seconds since the
   * epoch; 0 when the event does not say. */
  gint64                      period_end;
} TallySubscriptionEvent;

/* Inside the writer: applies @event exactly once, whatever the order or
 * number of deliveries. An invoice paid posts one purchase transfer of
 * the subscription's credits_per_period, its id derived from the invoice;
 * an ended subscription never comes back. *@outcome: subscribed,
 * credited, duplicate, past_due, updated, canceled or ignored. */
gboolean tally_subscriptions_apply (TallyServer                   *server,
                                    const TallySubscriptionEvent  *event,
                                    const char                   **outcome,
                                    GError                       **error);

typedef enum
{
  TALLY_SUBSCRIBE_OK,
  /* The user has a subscription that is active or past due already. */
  TALLY_SUBSCRIBE_ALREADY_SUBSCRIBED,
} TallySubscribeResult;

/* Inside the writer: records @subscription (incomplete, for @user and its
 * plan) unless the user has a live one; audited. */
gboolean tally_subscriptions_start  (TallyServer                   *server,
                                     const TallyUser               *user,
                                     const TallySubscription       *subscription,
                                     TallySubscribeResult          *result,
                                     GError                       **error);
/* Inside the writer: marks @user's live subscription to end at its
 * period's end (the provider was told first); audited the first time.
 * @subscription receives it; *@found is FALSE when there is none. */
gboolean tally_subscriptions_cancel (TallyServer                   *server,
                                     const TallyUser               *user,
                                     TallySubscription             *subscription,
                                     gboolean                      *found,
                                     GError                       **error);

/* A plan change of a live subscription, decided (docs/payments.md,
 * "Changing plans"). */
typedef struct
{
  char   subscription_id[TALLY_UUID_LEN];
  char   plan_id[TALLY_PACK_ID_MAX];
  gint64 credits_per_period;
  /* Credits granted now for the rest of the period (an upgrade), or 0. */
  gint64 prorated_credits;
  /* What the grant's id derives from: the provider's proration invoice. */
  char   key[TALLY_SESSION_ID_MAX];
} TallyPlanChange;

/* The credits an upgrade from @old_credits to @new_credits a period earns
 * for what is left of the period [@start, @end] at @now (microseconds):
 * the difference, in proportion, rounded down; 0 for a downgrade. */
gint64   tally_subscriptions_prorate (gint64                         old_credits,
                                      gint64                         new_credits,
                                      gint64                         start,
                                      gint64                         end,
                                      gint64                         now);
/* Inside the writer: @user's live subscription @change names takes its new
 * plan, and the prorated credits are granted once (a purchase transfer
 * whose id derives from the change's key); audited. *@found is FALSE when
 * that subscription is no longer live. */
gboolean tally_subscriptions_change (TallyServer                   *server,
                                     const TallyUser               *user,
                                     const TallyPlanChange         *change,
                                     TallySubscription             *subscription,
                                     gboolean                      *found,
                                     GError                       **error);

/* The purchase transfer of @invoice_id's credits. */
/* Inside the writer: Stripe refunded @refunded of the @amount charged for
 * the subscription invoice @invoice_id (charge @charge_id). What is
 * unspent of that invoice's grant is taken back: the refunded share of
 * the grant (rounded down), as far as the account's available balance
 * goes, never below zero; each refund moves what it adds to the earlier
 * ones, so a repeated event takes nothing. *@outcome: "refunded",
 * "short" (the balance lacked some), "duplicate", or "ignored" (no grant
 * of that invoice: nothing to take back). */
gboolean tally_subscriptions_refund_invoice (TallyServer  *server,
                                             const char   *invoice_id,
                                             const char   *charge_id,
                                             gint64        amount,
                                             gint64        refunded,
                                             const char  **outcome,
                                             GError      **error);
void     tally_subscriptions_invoice_transfer_id (const char *invoice_id,
                                                  char        id[37]);

G_END_DECLS
