/* tally-store-subscriptions.h: subscriptions to plans, in the server's tables
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store-payments.h"

G_BEGIN_DECLS

typedef enum
{
  /* Checkout started, not paid yet. */
  TALLY_SUBSCRIPTION_INCOMPLETE,
  TALLY_SUBSCRIPTION_ACTIVE,
  /* A renewal failed; the provider retries it. */
  TALLY_SUBSCRIPTION_PAST_DUE,
  /* Ended; it never comes back. */
  TALLY_SUBSCRIPTION_CANCELED,
} TallySubscriptionStatus;

typedef struct
{
  char                    id[TALLY_UUID_LEN];
  char                    user_id[TALLY_UUID_LEN];
  char                    account_id[TALLY_UUID_LEN];
  char                    plan_id[TALLY_PACK_ID_MAX];
  /* As the plan said when it was chosen: a later price list changes no
   * subscription already running. */
  gint64                  credits_per_period;
  char                    provider[TALLY_PROVIDER_MAX];
  /* The checkout session; empty until the provider made it. */
  char                    session_id[TALLY_SESSION_ID_MAX];
  /* The provider's subscription (sub_...); empty until it exists. */
  char                    provider_id[TALLY_SESSION_ID_MAX];
  TallySubscriptionStatus status;
  /* Microseconds since the epoch; 0 until the first invoice is paid. */
  gint64                  current_period_end;
  gboolean                cancel_at_period_end;
  gint64                  created_at;
} TallySubscription;

const char *tally_subscription_status_to_string (TallySubscriptionStatus status);

gboolean tally_store_insert_subscription        (TallyStore               *self,
                                                 const TallySubscription  *subscription,
                                                 GError                  **error);
gboolean tally_store_set_subscription_session   (TallyStore               *self,
                                                 const char               *id,
                                                 const char               *session_id,
                                                 GError                  **error);
/* Each FALSE without an error when there is none. */
gboolean tally_store_find_subscription          (TallyStore               *self,
                                                 const char               *id,
                                                 TallySubscription        *subscription,
                                                 GError                  **error);
gboolean tally_store_find_subscription_by_session (TallyStore             *self,
                                                 const char               *session_id,
                                                 TallySubscription        *subscription,
                                                 GError                  **error);
gboolean tally_store_find_subscription_by_provider_id (TallyStore         *self,
                                                 const char               *provider_id,
                                                 TallySubscription        *subscription,
                                                 GError                  **error);
/* The user's newest subscription that is active or past due. */
gboolean tally_store_find_live_subscription     (TallyStore               *self,
                                                 const char               *user_id,
                                                 TallySubscription        *subscription,
                                                 GError                  **error);
/* Writes provider_id, status, current_period_end and
 * cancel_at_period_end back. */
gboolean tally_store_update_subscription        (TallyStore               *self,
                                                 const TallySubscription  *subscription,
                                                 GError                  **error);

/* Writes plan_id and credits_per_period back. */
gboolean tally_store_change_subscription_plan   (TallyStore               *self,
                                                 const TallySubscription  *subscription,
                                                 GError                  **error);

/* What refunds of the subscription invoice @invoice_id took back so far,
 * and what the balance lacked; both 0 when none did. */
gboolean tally_store_find_invoice_refund (TallyStore  *self,
                                          const char  *invoice_id,
                                          gint64      *reversed,
                                          gint64      *short_by,
                                          GError     **error);
gboolean tally_store_save_invoice_refund (TallyStore  *self,
                                          const char  *invoice_id,
                                          const char  *account_id,
                                          gint64       reversed,
                                          gint64       short_by,
                                          GError     **error);

/* The demo provider's active subscriptions whose period ended by @now
 * (microseconds): an array of TallySubscription, at most @limit. */
GArray  *tally_store_list_due_demo_subscriptions (TallyStore  *self,
                                                  gint64       now,
                                                  guint        limit,
                                                  GError     **error);

G_END_DECLS
