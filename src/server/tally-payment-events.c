/* tally-payment-events.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-events.h"
#include "tally-gifts.h"
#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-payment-events.h"
#include "tally-recharge.h"
#include "tally-referrals.h"
#include "tally-store-recharge.h"

void
tally_payment_event_clear (TallyPaymentEvent *event)
{
  g_clear_pointer (&event->object_id, g_free);
  g_clear_pointer (&event->payment_id, g_free);
  g_clear_pointer (&event->intent, g_free);
  g_clear_pointer (&event->invoice_id, g_free);
  g_clear_pointer (&event->provider_id, g_free);
  g_clear_pointer (&event->subscription_id, g_free);
  g_clear_pointer (&event->status, g_free);
}

void
tally_payments_purchase_id (const char *session_id,
                            char        id[37])
{
  tally_uuid_derive ("stripe-checkout", session_id, id);
}

/* One event being applied. */
typedef struct
{
  TallyServer             *server;
  const TallyPaymentEvent *event;
  TallyPaymentEventResult *result;
} Apply;

static TallyRulesStore *
store_of (Apply *apply)
{
  return tally_server_get_rules_store (apply->server);
}

static gboolean
find_payment (Apply         *apply,
              TallyPayment  *payment,
              GError       **error)
{
  TallyRulesStore *store = store_of (apply);
  const TallyPaymentEvent *event = apply->event;
  g_autoptr(GError) local_error = NULL;
  gboolean found = FALSE;

  if (event->kind == TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED ||
      event->kind == TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED ||
      event->kind == TALLY_PAYMENT_EVENT_ASYNC_FAILED)
    found = tally_rules_store_find_payment_by_session (store, event->object_id, payment,
                                                       &local_error);
  if (!found && local_error == NULL && event->payment_id != NULL &&
      g_uuid_string_is_valid (event->payment_id))
    found = tally_rules_store_find_payment (store, event->payment_id, payment, &local_error);
  if (!found && local_error == NULL && event->intent != NULL)
    found = tally_rules_store_find_payment_by_ref (store, event->intent, payment, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return found;
}

static gboolean
mark_paid (Apply         *apply,
           TallyPayment  *payment,
           GError       **error)
{
  if (payment->status == TALLY_PAYMENT_OPEN || payment->status == TALLY_PAYMENT_FAILED)
    {
      payment->status = TALLY_PAYMENT_PAID;
      payment->paid_at = g_get_real_time ();
    }
  if (payment->payment_ref[0] == '\0' && apply->event->intent != NULL)
    g_strlcpy (payment->payment_ref, apply->event->intent, sizeof payment->payment_ref);

  return tally_rules_store_update_payment (store_of (apply), payment, error);
}

/* A gift's payment credits nobody: its credits now wait for the address
 * (tally-gifts.c), once. */
static gboolean
settle_gift (Apply         *apply,
             TallyPayment  *payment,
             GError       **error)
{
  TallyPaymentEventResult *result = apply->result;

  if (!tally_gifts_settle (apply->server, &result->gift, &result->gift_settled, error))
    return FALSE;

  result->outcome = result->gift_settled ? TALLY_PAYMENT_OUTCOME_GIFT_WAITING
                                         : TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
  result->credited = *payment;
  return mark_paid (apply, payment, error);
}

/* Posts the purchase transfer; its id comes from the session, so this is
 * a no-op (ALREADY_APPLIED) every time after the first. */
static gboolean
credit (Apply         *apply,
        TallyPayment  *payment,
        GError       **error)
{
  TallyRulesStore *store = store_of (apply);
  TallyPaymentEventResult *result = apply->result;
  TallyTransfer transfer;
  TallyTransferResult transfer_result;
  char id[37];
  g_autofree char *description = g_strdup_printf ("Credit pack “%s”", payment->pack_id);

  if (result->is_gift)
    return settle_gift (apply, payment, error);

  tally_payments_purchase_id (payment->session_id, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       payment->account_id, payment->credits, TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, payment->session_id);
  tally_transfer_set_description (&transfer, description);

  if (!tally_rules_store_create_transfers (store, &transfer, 1, &transfer_result, error))
    return FALSE;
  if (transfer_result != TALLY_TRANSFER_OK && transfer_result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The purchase was refused: %s",
                   tally_transfer_result_to_string (transfer_result));
      return FALSE;
    }

  result->outcome = transfer_result == TALLY_TRANSFER_OK ? TALLY_PAYMENT_OUTCOME_CREDITED
                                                         : TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
  if (!mark_paid (apply, payment, error))
    return FALSE;
  result->newly_credited = transfer_result == TALLY_TRANSFER_OK;
  result->credited = *payment;
  return TRUE;
}

/* A pack bought by hand also ends a pause of auto-recharge after failed
 * charges: the buyer has a card that works. The first one a referred
 * user buys (for themselves or as a gift) earns the referral's bonus. */
static gboolean
credit_checkout (Apply         *apply,
                 TallyPayment  *payment,
                 GError       **error)
{
  if (!credit (apply, payment, error))
    return FALSE;
  if (!apply->result->newly_credited && !apply->result->gift_settled)
    return TRUE;

  return tally_rules_store_clear_recharge_failures (store_of (apply), payment->account_id, error) &&
         tally_referrals_reward (apply->server, payment->user_id, error);
}

/* The share of the pack's credits that @taken_back of @amount is, whole
 * credits rounded down; the pack bounds keep the product in an int64. */
static gint64
share_of (const TallyPayment *payment,
          gint64              taken_back,
          gint64              amount)
{
  if (amount <= 0)
    amount = payment->amount;
  if (taken_back <= 0)
    return 0;
  if (taken_back >= amount)
    return payment->credits;

  return payment->credits * taken_back / amount;
}

static gboolean
available_credits (Apply               *apply,
                   const TallyPayment  *payment,
                   gint64              *available,
                   GError             **error)
{
  TallyAccount account;

  if (!tally_rules_store_lookup_account (store_of (apply), payment->account_id, &account, error))
    return FALSE;

  *available = MAX (tally_account_available (&account), 0);
  return TRUE;
}

static gboolean
post_reversal (Apply               *apply,
               const TallyPayment  *payment,
               TallyPaymentStatus   status,
               gint64               target,
               gint64               take,
               GError             **error)
{
  TallyTransfer transfer;
  TallyTransferResult result;
  g_autofree char *name = g_strdup_printf ("%s:%" G_GINT64_FORMAT, payment->id, target);
  char id[37];

  tally_uuid_derive ("stripe-reversal", name, id);
  tally_transfer_init (&transfer, id, payment->account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS), take,
                       TALLY_TRANSFER_KIND_ADJUSTMENT);
  tally_transfer_set_ref (&transfer, apply->event->object_id);
  tally_transfer_set_description (&transfer, status == TALLY_PAYMENT_REFUNDED
                                             ? "Payment refunded" : "Payment disputed");
  if (!tally_rules_store_create_transfers (store_of (apply), &transfer, 1, &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "Taking credits back was refused: %s",
                   tally_transfer_result_to_string (result));
      return FALSE;
    }
  return TRUE;
}

/* Takes the credits of a refund or dispute back, as far as the balance
 * goes: what it lacks is recorded (the payment is flagged short), never
 * owed by a negative balance. Each event moves the share it adds to what
 * earlier ones took, so a repeated one takes nothing. */
static gboolean
take_back (Apply               *apply,
           TallyPayment        *payment,
           TallyPaymentStatus   status,
           GError             **error)
{
  gint64 target = share_of (payment, apply->event->taken_back, apply->event->amount);
  gint64 delta = target - payment->reversed;
  gint64 available, take;

  if (delta <= 0)
    {
      apply->result->outcome = TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
      return TRUE;
    }
  if (!available_credits (apply, payment, &available, error))
    return FALSE;

  take = MIN (delta, available);
  if (take > 0 && !post_reversal (apply, payment, status, target, take, error))
    return FALSE;

  payment->reversed = target;
  payment->short_by += delta - take;
  payment->status = status;
  if (delta > take)
    apply->result->outcome = TALLY_PAYMENT_OUTCOME_SHORT;
  else
    apply->result->outcome = status == TALLY_PAYMENT_REFUNDED ? TALLY_PAYMENT_OUTCOME_REFUNDED
                                                              : TALLY_PAYMENT_OUTCOME_DISPUTED;
  if (delta > take)
    tally_log_event ("payment_short", "payment", payment->id, NULL);

  return tally_rules_store_update_payment (store_of (apply), payment, error);
}

/* A refund or dispute of a gift nobody claimed cancels it; of a claimed
 * one, takes the credits back from who received them, as for a pack. */
static gboolean
take_back_gift (Apply               *apply,
                TallyPayment        *payment,
                TallyPaymentStatus   status,
                GError             **error)
{
  TallyPaymentEventResult *result = apply->result;
  gboolean cancelled;

  if (result->gift.status == TALLY_GIFT_CLAIMED)
    {
      /* Only the reversal's account changes; the payment row keeps its own. */
      g_strlcpy (payment->account_id, result->gift.recipient_account_id,
                 sizeof payment->account_id);
      return take_back (apply, payment, status, error);
    }

  if (!tally_gifts_cancel (apply->server, &result->gift, &cancelled, error))
    return FALSE;
  result->outcome = cancelled ? TALLY_PAYMENT_OUTCOME_GIFT_CANCELLED
                              : TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
  if (!cancelled)
    return TRUE;

  payment->status = status;
  payment->reversed = payment->credits;
  return tally_rules_store_update_payment (store_of (apply), payment, error);
}

/* A session found by its payment id before its session was recorded (the
 * event can outrun the checkout's own write) gets it now. */
static gboolean
adopt_session (Apply         *apply,
               TallyPayment  *payment,
               GError       **error)
{
  if (payment->session_id[0] != '\0' ||
      apply->event->kind == TALLY_PAYMENT_EVENT_CHARGE_REFUNDED ||
      apply->event->kind == TALLY_PAYMENT_EVENT_DISPUTE_CREATED)
    return TRUE;

  g_strlcpy (payment->session_id, apply->event->object_id, sizeof payment->session_id);
  return tally_rules_store_set_payment_session (store_of (apply), payment->id, payment->session_id,
                                                error);
}

static gboolean
fail_payment (Apply         *apply,
              TallyPayment  *payment,
              GError       **error)
{
  TallyPaymentEventResult *result = apply->result;

  if (payment->status != TALLY_PAYMENT_OPEN)
    {
      result->outcome = TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
      return TRUE;
    }

  result->outcome = TALLY_PAYMENT_OUTCOME_FAILED;
  payment->status = TALLY_PAYMENT_FAILED;
  g_strlcpy (result->failed_account_id, payment->account_id, sizeof result->failed_account_id);
  g_strlcpy (result->failed_session_id, payment->session_id, sizeof result->failed_session_id);
  return tally_rules_store_update_payment (store_of (apply), payment, error);
}

/* A charge can only be refunded once it was paid: if that event has not
 * arrived yet, credit first, so the order does not matter. Without a
 * session nothing was ever credited, nor can be. */
static gboolean
reverse_charge (Apply         *apply,
                TallyPayment  *payment,
                GError       **error)
{
  TallyPaymentStatus status = apply->event->kind == TALLY_PAYMENT_EVENT_CHARGE_REFUNDED
                              ? TALLY_PAYMENT_REFUNDED : TALLY_PAYMENT_DISPUTED;

  if (payment->session_id[0] == '\0')
    {
      tally_log_event ("payment_event_ignored", "reason", "charge of a payment without session",
                       "payment", payment->id, NULL);
      apply->result->outcome = TALLY_PAYMENT_OUTCOME_NO_SESSION;
      return TRUE;
    }
  if (!credit (apply, payment, error))
    return FALSE;
  if (apply->result->is_gift)
    return take_back_gift (apply, payment, status, error);
  return take_back (apply, payment, status, error);
}

static gboolean
apply_to_payment (Apply         *apply,
                  TallyPayment  *payment,
                  GError       **error)
{
  switch (apply->event->kind)
    {
    case TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED:
      if (!apply->event->paid)
        {
          /* Paid later (a bank debit): async_payment_succeeded credits. */
          apply->result->outcome = TALLY_PAYMENT_OUTCOME_PENDING;
          return TRUE;
        }
      return credit_checkout (apply, payment, error);
    case TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED:
      return credit_checkout (apply, payment, error);
    case TALLY_PAYMENT_EVENT_ASYNC_FAILED:
      return fail_payment (apply, payment, error);
    case TALLY_PAYMENT_EVENT_CHARGE_REFUNDED:
    case TALLY_PAYMENT_EVENT_DISPUTE_CREATED:
      return reverse_charge (apply, payment, error);
    case TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED:
    case TALLY_PAYMENT_EVENT_INTENT_FAILED:
      /* Applied by apply_intent(), which needs no payment found first. */
    case TALLY_PAYMENT_EVENT_INVOICE_PAID:
    case TALLY_PAYMENT_EVENT_INVOICE_FAILED:
    case TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED:
    case TALLY_PAYMENT_EVENT_SUBSCRIPTION_DELETED:
      /* Subscriptions' own: tally_subscriptions_apply(). */
    case TALLY_PAYMENT_EVENT_OTHER:
    default:
      apply->result->outcome = TALLY_PAYMENT_OUTCOME_IGNORED;
      return TRUE;
    }
}

/* payment_intent.succeeded or .payment_failed: settles an auto-recharge,
 * whatever became of its charge's own answer. A checkout's intent is
 * credited through its session, so any other intent is ignored. */
static gboolean
apply_intent (Apply   *apply,
              GError **error)
{
  const TallyPaymentEvent *event = apply->event;
  TallyPaymentEventResult *result = apply->result;
  TallyRechargeOutcome outcome = event->kind == TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED
                                 ? TALLY_RECHARGE_SUCCEEDED : TALLY_RECHARGE_DECLINED;
  g_autoptr(GError) local_error = NULL;
  gboolean changed = FALSE;
  gint64 started_at;

  if (event->payment_id == NULL || !g_uuid_string_is_valid (event->payment_id) ||
      strlen (event->object_id) >= TALLY_SESSION_ID_MAX ||
      !tally_rules_store_find_recharge (store_of (apply), event->payment_id, &started_at,
                                        &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }

  if (!tally_recharge_settle (apply->server, event->payment_id, event->object_id, outcome,
                              &result->credited, &changed, error))
    return FALSE;

  if (!changed)
    result->outcome = TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED;
  else if (outcome == TALLY_RECHARGE_SUCCEEDED)
    {
      result->outcome = TALLY_PAYMENT_OUTCOME_CREDITED;
      result->newly_credited = TRUE;
    }
  else
    {
      result->outcome = TALLY_PAYMENT_OUTCOME_FAILED;
      result->recharge_failed = TRUE;
      g_strlcpy (result->failed_account_id, result->credited.account_id,
                 sizeof result->failed_account_id);
      g_strlcpy (result->failed_session_id, result->credited.id,
                 sizeof result->failed_session_id);
    }
  return TRUE;
}

/* No pack's payment: a subscription invoice's charge, maybe. */
static gboolean
apply_unknown (Apply   *apply,
               GError **error)
{
  const TallyPaymentEvent *event = apply->event;

  if (event->kind == TALLY_PAYMENT_EVENT_CHARGE_REFUNDED && event->invoice_id != NULL)
    {
      apply->result->outcome = TALLY_PAYMENT_OUTCOME_SUBSCRIPTION;
      return tally_subscriptions_refund_invoice (apply->server, event->invoice_id,
                                                 event->object_id, event->amount,
                                                 event->taken_back,
                                                 &apply->result->subscription_outcome, error);
    }

  tally_log_event ("payment_event_ignored", "reason", "unknown session or charge",
                   "object", event->object_id, NULL);
  apply->result->outcome = TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT;
  return TRUE;
}

static gboolean
is_subscription_kind (TallyPaymentEventKind kind)
{
  return kind == TALLY_PAYMENT_EVENT_INVOICE_PAID || kind == TALLY_PAYMENT_EVENT_INVOICE_FAILED ||
         kind == TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED ||
         kind == TALLY_PAYMENT_EVENT_SUBSCRIPTION_DELETED;
}

gboolean
tally_payment_events_apply (TallyServer              *server,
                            const TallyPaymentEvent  *event,
                            TallyPaymentEventResult  *result,
                            GError                  **error)
{
  Apply apply = { server, event, result };
  g_autoptr(GError) local_error = NULL;
  TallyPayment payment;

  memset (result, 0, sizeof *result);
  result->outcome = TALLY_PAYMENT_OUTCOME_IGNORED;
  if (event->for_subscription)
    {
      result->outcome = TALLY_PAYMENT_OUTCOME_SUBSCRIPTION;
      result->subscription_outcome = "ignored";
      return tally_subscriptions_apply (server, &event->subscription,
                                        &result->subscription_outcome, error);
    }
  if (event->kind == TALLY_PAYMENT_EVENT_OTHER || is_subscription_kind (event->kind))
    return TRUE;
  if (event->kind == TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED ||
      event->kind == TALLY_PAYMENT_EVENT_INTENT_FAILED)
    return apply_intent (&apply, error);

  if (!find_payment (&apply, &payment, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return apply_unknown (&apply, error);
    }

  if (!adopt_session (&apply, &payment, error))
    return FALSE;
  result->is_gift = tally_rules_store_find_gift (tally_server_get_rules_store (server), payment.id,
                                                 &result->gift, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return apply_to_payment (&apply, &payment, error);
}

/* A recipient who already has an account and an app open hears of the
 * gift at once: their app syncs, and the sync brings the credits. */
static void
push_to_recipient (TallyServer     *server,
                   const TallyGift *gift)
{
  TallyUser recipient;

  if (tally_rules_store_find_user_by_email (tally_server_get_rules_store (server), gift->email,
                                            &recipient, NULL, NULL))
    tally_events_push_gift_waiting (server, recipient.account_id);
}

void
tally_payment_events_announce (TallyServer                    *server,
                               const TallyPaymentEvent        *event,
                               const TallyPaymentEventResult  *result)
{
  if (result->newly_credited && result->credited.credits > 0)
    tally_metrics_add (tally_server_get_metrics (server), "tally_credits_purchased_total", NULL,
                       NULL, (guint64) result->credited.credits);
  if (result->failed_account_id[0] != '\0')
    tally_events_push_payment_failed (server, result->failed_account_id,
                                      result->failed_session_id);
  /* A refund that arrives first credits too, but is no purchase to confirm. */
  if (result->newly_credited && (event->kind == TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED ||
                                 event->kind == TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED ||
                                 event->kind == TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED))
    tally_notice_purchase_credited (server, &result->credited);
  if (result->recharge_failed)
    tally_notice_recharge_failed (server, &result->credited, "The card was declined");
  if (result->gift_settled && result->gift.status == TALLY_GIFT_WAITING)
    {
      tally_notice_gift_waiting (server, &result->gift);
      tally_events_push_gift_sent (server, result->credited.account_id,
                                   result->credited.session_id, &result->gift);
      push_to_recipient (server, &result->gift);
    }
}
