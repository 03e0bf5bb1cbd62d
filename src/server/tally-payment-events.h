/* tally-payment-events.h: the rules of Stripe's payment events — crediting
 * a paid checkout, refunds, disputes, failed payments, gifts, recharges.
 * No HTTP here: tally-api-webhooks.c verifies and decodes the event, calls
 * tally_payment_events_apply() from a writer func and maps the named
 * outcome to its answer.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-gifts.h"
#include "tally-store-payments.h"
#include "tally-subscriptions.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED,
  TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED,
  TALLY_PAYMENT_EVENT_ASYNC_FAILED,
  TALLY_PAYMENT_EVENT_CHARGE_REFUNDED,
  TALLY_PAYMENT_EVENT_DISPUTE_CREATED,
  TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED,
  TALLY_PAYMENT_EVENT_INTENT_FAILED,
  TALLY_PAYMENT_EVENT_INVOICE_PAID,
  TALLY_PAYMENT_EVENT_INVOICE_FAILED,
  TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED,
  TALLY_PAYMENT_EVENT_SUBSCRIPTION_DELETED,
  TALLY_PAYMENT_EVENT_OTHER,
} TallyPaymentEventKind;

/* What a signature-verified event says, decoded; the strings are its own. */
typedef struct
{
  TallyPaymentEventKind  kind;
  /* The checkout session, the charge (a dispute's charge) or the
   * PaymentIntent. */
  char                  *object_id;
  /* metadata.payment_id, or the session's client_reference_id. */
  char                  *payment_id;
  /* The session's or the charge's PaymentIntent. */
  char                  *intent;
  /* The subscription invoice a refunded charge paid. */
  char                  *invoice_id;
  /* A checkout session's payment_status is "paid". */
  gboolean               paid;
  /* A charge's amount and how much of it was refunded or disputed (each
   * -1 when the charge does not say; a dispute is for the whole amount,
   * so its amount is -1 and the payment's is used). */
  gint64                 amount;
  gint64                 taken_back;
  /* An event about a subscription (tally-subscriptions.c applies it),
   * and the strings it points to. */
  gboolean               for_subscription;
  TallySubscriptionEvent subscription;
  char                  *provider_id;
  char                  *subscription_id;
  char                  *status;
} TallyPaymentEvent;

void tally_payment_event_clear (TallyPaymentEvent *event);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyPaymentEvent, tally_payment_event_clear)

/* What applying an event came to. Only CREDITED, FAILED, REFUNDED,
 * DISPUTED, SHORT, GIFT_WAITING, GIFT_CANCELLED and SUBSCRIPTION may have
 * changed anything. */
typedef enum
{
  /* Nothing to do: a type this server does not use, a checkout that is
   * not a pack's, an intent that is no auto-recharge. */
  TALLY_PAYMENT_OUTCOME_IGNORED,
  /* The event names no payment this server knows. */
  TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT,
  /* A refund or dispute of a payment that never had a session, so was
   * never credited. */
  TALLY_PAYMENT_OUTCOME_NO_SESSION,
  /* A checkout completed but not paid yet (a bank debit). */
  TALLY_PAYMENT_OUTCOME_PENDING,
  /* The pack's (or the recharge's) credits were posted now. */
  TALLY_PAYMENT_OUTCOME_CREDITED,
  /* This event, or one with the same effect, was applied before. */
  TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED,
  /* The payment (or the auto-recharge) failed now. */
  TALLY_PAYMENT_OUTCOME_FAILED,
  /* The credits of a refund or dispute were taken back. */
  TALLY_PAYMENT_OUTCOME_REFUNDED,
  TALLY_PAYMENT_OUTCOME_DISPUTED,
  /* Taken back as far as the balance went: the payment is flagged short. */
  TALLY_PAYMENT_OUTCOME_SHORT,
  /* A gift's payment settled: its credits wait for the address. */
  TALLY_PAYMENT_OUTCOME_GIFT_WAITING,
  /* A gift nobody claimed was refunded or disputed: cancelled. */
  TALLY_PAYMENT_OUTCOME_GIFT_CANCELLED,
  /* Applied by tally-subscriptions.c: subscription_outcome says how. */
  TALLY_PAYMENT_OUTCOME_SUBSCRIPTION,
} TallyPaymentOutcome;

typedef struct
{
  TallyPaymentOutcome  outcome;
  /* SUBSCRIPTION: subscribed, credited, duplicate, past_due, updated,
   * canceled, refunded, short or ignored (a static string). */
  const char          *subscription_outcome;
  /* A payment that failed now: no transfer tells the app, so the caller
   * does, with these. */
  char                 failed_account_id[TALLY_UUID_LEN];
  char                 failed_session_id[TALLY_SESSION_ID_MAX];
  /* The payment the event was about, as it is now; newly_credited when
   * this event posted its credits for the first time. */
  gboolean             newly_credited;
  TallyPayment         credited;
  /* An auto-recharge this event failed. */
  gboolean             recharge_failed;
  /* The payment is a gift (tally-gifts.c); gift_settled when this event
   * settled it. */
  gboolean             is_gift;
  TallyGift            gift;
  gboolean             gift_settled;
} TallyPaymentEventResult;

/* Inside a writer func: applies @event exactly once, whatever the order or
 * number of deliveries. FALSE with @error only when the store or the
 * ledger failed (nothing of it is then kept). */
gboolean    tally_payment_events_apply    (TallyServer                    *server,
                                           const TallyPaymentEvent        *event,
                                           TallyPaymentEventResult        *result,
                                           GError                        **error);
/* Once the write committed: the app's events, the emails and the
 * purchase metric a result calls for. */
void        tally_payment_events_announce (TallyServer                    *server,
                                           const TallyPaymentEvent        *event,
                                           const TallyPaymentEventResult  *result);
/* The purchase transfer's id: derived from the session, so a repeated or
 * late delivery finds it there. */
void        tally_payments_purchase_id    (const char                     *session_id,
                                           char                            id[37]);

G_END_DECLS
