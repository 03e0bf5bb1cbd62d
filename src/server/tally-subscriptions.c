/* tally-subscriptions.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-audit.h"
#include "tally-log.h"
#include "tally-payments.h"
#include "tally-subscriptions.h"

void
tally_subscriptions_invoice_transfer_id (const char *invoice_id,
                                         char        id[37])
{
  tally_uuid_derive ("subscription-invoice", invoice_id, id);
}

/* By the provider's id first; an event that outran the checkout's own
 * (an invoice before the session) still names ours in its metadata. */
static gboolean
find_subscription (TallyRulesStore               *store,
                   const TallySubscriptionEvent  *event,
                   TallySubscription             *subscription,
                   GError                       **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean found = FALSE;

  if (event->provider_id != NULL && strlen (event->provider_id) < TALLY_SESSION_ID_MAX)
    found = tally_rules_store_find_subscription_by_provider_id (store, event->provider_id,
                                                                subscription, &local_error);
  if (!found && local_error == NULL && event->subscription_id != NULL &&
      g_uuid_string_is_valid (event->subscription_id))
    found = tally_rules_store_find_subscription (store, event->subscription_id, subscription,
                                                 &local_error);
  if (!found && local_error == NULL &&
      event->kind == TALLY_SUBSCRIPTION_EVENT_CHECKOUT_COMPLETED)
    found = tally_rules_store_find_subscription_by_session (store, event->object_id, subscription,
                                                            &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return found;
}

static gboolean
grant_period (TallyServer              *server,
              const TallySubscription  *subscription,
              const char               *invoice_id,
              const char              **outcome,
              GError                  **error)
{
  const TallyPlan *plan = tally_payments_find_plan (tally_server_get_payments (server),
                                                    subscription->plan_id);
  g_autofree char *description = g_strdup_printf ("Plan “%s”: credits for the month",
                                                  plan != NULL ? plan->name
                                                               : subscription->plan_id);
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[37];

  tally_subscriptions_invoice_transfer_id (invoice_id, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       subscription->account_id, subscription->credits_per_period,
                       TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, invoice_id);
  tally_transfer_set_description (&transfer, description);

  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), &transfer, 1,
                                           &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The subscription's credits were refused: %s",
                   tally_transfer_result_to_string (result));
      return FALSE;
    }

  *outcome = result == TALLY_TRANSFER_OK ? "credited" : "duplicate";
  return TRUE;
}

/* Stripe's statuses, in ours. NULL: no change (incomplete, trialing...). */
static const TallySubscriptionStatus *
provider_status (const char *status)
{
  static const TallySubscriptionStatus active = TALLY_SUBSCRIPTION_ACTIVE;
  static const TallySubscriptionStatus past_due = TALLY_SUBSCRIPTION_PAST_DUE;
  static const TallySubscriptionStatus canceled = TALLY_SUBSCRIPTION_CANCELED;

  if (g_strcmp0 (status, "active") == 0)
    return &active;
  if (g_strcmp0 (status, "past_due") == 0 || g_strcmp0 (status, "unpaid") == 0)
    return &past_due;
  if (g_strcmp0 (status, "canceled") == 0 || g_strcmp0 (status, "incomplete_expired") == 0)
    return &canceled;
  return NULL;
}

static void
set_period_end (TallySubscription            *subscription,
                const TallySubscriptionEvent *event)
{
  if (event->period_end > 0)
    subscription->current_period_end = MAX (subscription->current_period_end,
                                            event->period_end * G_USEC_PER_SEC);
}

/* What the event changes; an ended subscription only ever takes the
 * credits of an invoice that was paid. */
static gboolean
apply_to (TallyServer                   *server,
          TallySubscription             *subscription,
          const TallySubscriptionEvent  *event,
          const char                   **outcome,
          GError                       **error)
{
  gboolean ended = subscription->status == TALLY_SUBSCRIPTION_CANCELED;
  const TallySubscriptionStatus *status;

  switch (event->kind)
    {
    case TALLY_SUBSCRIPTION_EVENT_CHECKOUT_COMPLETED:
      *outcome = subscription->status == TALLY_SUBSCRIPTION_INCOMPLETE ? "subscribed"
                                                                       : "duplicate";
      if (subscription->status == TALLY_SUBSCRIPTION_INCOMPLETE)
        subscription->status = TALLY_SUBSCRIPTION_ACTIVE;
      return TRUE;
    case TALLY_SUBSCRIPTION_EVENT_INVOICE_PAID:
      if (!ended)
        subscription->status = TALLY_SUBSCRIPTION_ACTIVE;
      set_period_end (subscription, event);
      return grant_period (server, subscription, event->object_id, outcome, error);
    case TALLY_SUBSCRIPTION_EVENT_INVOICE_FAILED:
      *outcome = ended ? "ignored" : "past_due";
      if (!ended)
        subscription->status = TALLY_SUBSCRIPTION_PAST_DUE;
      return TRUE;
    case TALLY_SUBSCRIPTION_EVENT_UPDATED:
      *outcome = ended ? "ignored" : "updated";
      status = provider_status (event->status);
      if (ended)
        return TRUE;
      if (status != NULL)
        subscription->status = *status;
      subscription->cancel_at_period_end = event->cancel_at_period_end;
      set_period_end (subscription, event);
      return TRUE;
    case TALLY_SUBSCRIPTION_EVENT_DELETED:
    default:
      *outcome = ended ? "duplicate" : "canceled";
      subscription->status = TALLY_SUBSCRIPTION_CANCELED;
      return TRUE;
    }
}

gboolean
tally_subscriptions_apply (TallyServer                   *server,
                           const TallySubscriptionEvent  *event,
                           const char                   **outcome,
                           GError                       **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  TallySubscription subscription;

  *outcome = "ignored";
  if (!find_subscription (store, event, &subscription, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      tally_log_event ("subscription_event_ignored", "reason", "unknown subscription",
                       "object", event->object_id, NULL);
      return TRUE;
    }

  if (subscription.provider_id[0] == '\0' && event->provider_id != NULL &&
      strlen (event->provider_id) < sizeof subscription.provider_id)
    g_strlcpy (subscription.provider_id, event->provider_id, sizeof subscription.provider_id);

  return apply_to (server, &subscription, event, outcome, error) &&
         tally_rules_store_update_subscription (store, &subscription, error);
}

gboolean
tally_subscriptions_start (TallyServer              *server,
                           const TallyUser          *user,
                           const TallySubscription  *subscription,
                           TallySubscribeResult     *result,
                           GError                  **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;
  TallySubscription live;

  *result = TALLY_SUBSCRIBE_OK;
  if (tally_rules_store_find_live_subscription (store, user->id, &live, &local_error))
    {
      *result = TALLY_SUBSCRIBE_ALREADY_SUBSCRIBED;
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return tally_rules_store_insert_subscription (store, subscription, error) &&
         tally_audit_record (tally_server_get_audit (server), user, "subscription.checkout",
                             subscription->id, "ok",
                             tally_audit_details ("ssi", "plan", subscription->plan_id,
                                                  "provider", subscription->provider,
                                                  "credits_per_period",
                                                  subscription->credits_per_period),
                             error);
}

gboolean
tally_subscriptions_cancel (TallyServer        *server,
                            const TallyUser    *user,
                            TallySubscription  *subscription,
                            gboolean           *found,
                            GError            **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;

  *found = tally_rules_store_find_live_subscription (store, user->id, subscription, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!*found || subscription->cancel_at_period_end)
    return TRUE;

  subscription->cancel_at_period_end = TRUE;
  return tally_rules_store_update_subscription (store, subscription, error) &&
         tally_audit_record (tally_server_get_audit (server), user, "subscription.cancel",
                             subscription->id, "ok",
                             tally_audit_details ("s", "plan", subscription->plan_id), error);
}

gint64
tally_subscriptions_prorate (gint64 old_credits,
                             gint64 new_credits,
                             gint64 start,
                             gint64 end,
                             gint64 now)
{
  /* In whole seconds, so the product stays far inside an int64: a
   * difference of at most 10^9 credits times a month of seconds. */
  gint64 period = (end - start) / G_USEC_PER_SEC;
  gint64 left = (end - MAX (now, start)) / G_USEC_PER_SEC;

  if (new_credits <= old_credits || period <= 0 || left <= 0)
    return 0;

  return (new_credits - old_credits) * MIN (left, period) / period;
}

static gboolean
grant_change (TallyServer             *server,
              const TallySubscription *subscription,
              const TallyPlanChange   *change,
              GError                 **error)
{
  g_autofree char *description = g_strdup_printf ("Plan changed to “%s”: credits for the rest "
                                                  "of the month", change->plan_id);
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[37];

  tally_uuid_derive ("subscription-change", change->key, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       subscription->account_id, change->prorated_credits,
                       TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, change->key);
  tally_transfer_set_description (&transfer, description);

  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), &transfer, 1,
                                           &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The plan change's credits were refused: %s",
               tally_transfer_result_to_string (result));
  return FALSE;
}

gboolean
tally_subscriptions_change (TallyServer            *server,
                            const TallyUser        *user,
                            const TallyPlanChange  *change,
                            TallySubscription      *subscription,
                            gboolean               *found,
                            GError                **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *old_plan = NULL;

  *found = tally_rules_store_find_live_subscription (store, user->id, subscription, &local_error) &&
           g_str_equal (subscription->id, change->subscription_id);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!*found || g_str_equal (subscription->plan_id, change->plan_id))
    return TRUE;

  old_plan = g_strdup (subscription->plan_id);
  g_strlcpy (subscription->plan_id, change->plan_id, sizeof subscription->plan_id);
  subscription->credits_per_period = change->credits_per_period;
  return tally_rules_store_change_subscription_plan (store, subscription, error) &&
         (change->prorated_credits <= 0 || grant_change (server, subscription, change, error)) &&
         tally_audit_record (tally_server_get_audit (server), user, "subscription.change",
                             subscription->id, "ok",
                             tally_audit_details ("ssi", "from", old_plan, "to", change->plan_id,
                                                  "prorated_credits", change->prorated_credits),
                             error);
}

/* --- refunds of an invoice --- */

/* The grant @invoice_id brought; FALSE without an error when none. */
static gboolean
find_grant (TallyServer    *server,
            const char     *invoice_id,
            TallyTransfer  *grant,
            GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  char id[TALLY_UUID_LEN];

  tally_subscriptions_invoice_transfer_id (invoice_id, id);
  if (tally_rules_store_lookup_transfer (tally_server_get_rules_store (server), id, grant,
                                         &local_error))
    return TRUE;
  if (!g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The refunded share of @credits, rounded down; @amount and @refunded are
 * bounded by the caller, so the product fits. */
static gint64
refunded_share (gint64 credits,
                gint64 amount,
                gint64 refunded)
{
  if (amount <= 0 || refunded >= amount)
    return credits;

  return credits * refunded / amount;
}

static gboolean
take_from_account (TallyServer          *server,
                   const TallyTransfer  *grant,
                   const char           *invoice_id,
                   const char           *charge_id,
                   gint64                target,
                   gint64                take,
                   GError              **error)
{
  g_autofree char *name = g_strdup_printf ("%s:%" G_GINT64_FORMAT, invoice_id, target);
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[TALLY_UUID_LEN];

  tally_uuid_derive ("subscription-refund", name, id);
  tally_transfer_init (&transfer, id, grant->credit_account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS), take,
                       TALLY_TRANSFER_KIND_ADJUSTMENT);
  tally_transfer_set_ref (&transfer, charge_id);
  /* "Payment …": the live stream tells the app as for a pack's refund. */
  tally_transfer_set_description (&transfer, "Payment refunded");
  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), &transfer, 1,
                                           &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "Taking an invoice's credits back was refused: %s",
               tally_transfer_result_to_string (result));
  return FALSE;
}

gboolean
tally_subscriptions_refund_invoice (TallyServer  *server,
                                    const char   *invoice_id,
                                    const char   *charge_id,
                                    gint64        amount,
                                    gint64        refunded,
                                    const char  **outcome,
                                    GError      **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;
  TallyTransfer grant;
  TallyAccount account;
  gint64 reversed, short_by, target, delta, take;

  *outcome = "ignored";
  if (strlen (invoice_id) >= TALLY_SESSION_ID_MAX || amount > TALLY_PACK_AMOUNT_MAX ||
      refunded <= 0)
    return TRUE;
  if (!find_grant (server, invoice_id, &grant, &local_error))
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!tally_rules_store_find_invoice_refund (store, invoice_id, &reversed, &short_by, error))
    return FALSE;

  target = refunded_share (grant.amount, amount, refunded);
  delta = target - reversed;
  if (delta <= 0)
    {
      *outcome = "duplicate";
      return TRUE;
    }
  if (!tally_rules_store_lookup_account (tally_server_get_rules_store (server),
                                         grant.credit_account_id, &account, error))
    return FALSE;

  take = MIN (delta, MAX (tally_account_available (&account), 0));
  if (take > 0 &&
      !take_from_account (server, &grant, invoice_id, charge_id, target, take, error))
    return FALSE;

  *outcome = take < delta ? "short" : "refunded";
  return tally_rules_store_save_invoice_refund (store, invoice_id, grant.credit_account_id, target,
                                                short_by + delta - take, error) &&
         tally_audit_record (tally_server_get_audit (server), NULL, "subscription.refund",
                             invoice_id, "ok",
                             tally_audit_details ("sii", "charge", charge_id, "taken_back",
                                                  take, "short_by", delta - take), error);
}
