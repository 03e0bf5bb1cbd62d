/* tally-api-webhooks.c: Stripe's events, applied exactly once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-payments.h"
#include "tally-events.h"
#include "tally-gifts.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-recharge.h"
#include "tally-referrals.h"
#include "tally-store-payments.h"
#include "tally-stripe.h"
#include "tally-subscriptions.h"

typedef enum
{
  EVENT_CHECKOUT_COMPLETED,
  EVENT_ASYNC_SUCCEEDED,
  EVENT_ASYNC_FAILED,
  EVENT_CHARGE_REFUNDED,
  EVENT_DISPUTE_CREATED,
  EVENT_INTENT_SUCCEEDED,
  EVENT_INTENT_FAILED,
  EVENT_INVOICE_PAID,
  EVENT_INVOICE_FAILED,
  EVENT_SUBSCRIPTION_UPDATED,
  EVENT_SUBSCRIPTION_DELETED,
  EVENT_OTHER,
} EventKind;

static const struct
{
  const char *type;
  EventKind   kind;
} event_types[] = {
  { "checkout.session.completed", EVENT_CHECKOUT_COMPLETED },
  { "checkout.session.async_payment_succeeded", EVENT_ASYNC_SUCCEEDED },
  { "checkout.session.async_payment_failed", EVENT_ASYNC_FAILED },
  { "charge.refunded", EVENT_CHARGE_REFUNDED },
  { "charge.dispute.created", EVENT_DISPUTE_CREATED },
  { "payment_intent.succeeded", EVENT_INTENT_SUCCEEDED },
  { "payment_intent.payment_failed", EVENT_INTENT_FAILED },
  { "invoice.paid", EVENT_INVOICE_PAID },
  { "invoice.payment_failed", EVENT_INVOICE_FAILED },
  { "customer.subscription.updated", EVENT_SUBSCRIPTION_UPDATED },
  { "customer.subscription.deleted", EVENT_SUBSCRIPTION_DELETED },
};

/* What an event says, copied out of its JSON. */
typedef struct
{
  EventKind  kind;
  /* The checkout session, the charge (a dispute's charge) or the
   * PaymentIntent. */
  char      *object_id;
  /* metadata.payment_id, or the session's client_reference_id. */
  char      *payment_id;
  /* The session's or the charge's PaymentIntent. */
  char      *intent;
  /* The subscription invoice a refunded charge paid (Stripe names it on
   * the charge before API version 2025-03-31). */
  char      *invoice_id;
  gboolean   paid;
  /* A charge's amount and how much of it was refunded or disputed. */
  gint64     amount;
  gint64     taken_back;
  /* An event about a subscription (tally-subscriptions.c applies it),
   * and the strings it points to. */
  gboolean               for_subscription;
  TallySubscriptionEvent subscription;
  char                  *provider_id;
  char                  *subscription_id;
  char                  *status;
} WebhookEvent;

typedef struct
{
  TallyServer      *server;
  WebhookEvent      event;
  TallyWebhookDone  done;
  gpointer          user_data;

  const char       *outcome;
  /* A payment that failed: no transfer tells the app, so the job does. */
  char              failed_account_id[TALLY_UUID_LEN];
  char              failed_session_id[TALLY_SESSION_ID_MAX];
  /* A purchase this event credited for the first time: its email. */
  gboolean          newly_credited;
  TallyPayment      credited;
  /* An auto-recharge this event failed: its email. */
  gboolean          recharge_failed;
  /* The payment is a gift (tally-gifts.c); this event settled it. */
  gboolean          is_gift;
  TallyGift         gift;
  gboolean          gift_settled;
} WebhookJob;

static void
webhook_job_free (gpointer data)
{
  WebhookJob *job = data;

  g_free (job->event.object_id);
  g_free (job->event.payment_id);
  g_free (job->event.intent);
  g_free (job->event.invoice_id);
  g_free (job->event.provider_id);
  g_free (job->event.subscription_id);
  g_free (job->event.status);
  g_object_unref (job->server);
  g_free (job);
}

void
tally_payments_purchase_id (const char *session_id,
                            char        id[37])
{
  tally_uuid_derive ("stripe-checkout", session_id, id);
}

/* --- reading the event --- */

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;

  return json_node_get_int (node);
}

static gboolean
boolean_member (JsonObject *object,
                const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/* The first element of @object's list member @name ({"data": [...]}). */
static JsonObject *
first_of_list (JsonObject *object,
               const char *name)
{
  JsonObject *list = object_member (object, name);
  JsonNode *node = list != NULL ? json_object_get_member (list, "data") : NULL;
  JsonArray *data;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  data = json_node_get_array (node);
  if (json_array_get_length (data) == 0 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (data, 0)))
    return NULL;

  return json_array_get_object_element (data, 0);
}

static EventKind
event_kind (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (event_types); i++)
    {
      if (g_strcmp0 (type, event_types[i].type) == 0)
        return event_types[i].kind;
    }

  return EVENT_OTHER;
}

static void
read_session (JsonObject   *session,
              WebhookEvent *event)
{
  const char *payment_id = string_member (object_member (session, "metadata"), "payment_id");

  if (payment_id == NULL)
    payment_id = string_member (session, "client_reference_id");

  event->payment_id = g_strdup (payment_id);
  event->intent = g_strdup (string_member (session, "payment_intent"));
  event->paid = g_strcmp0 (string_member (session, "payment_status"), "paid") == 0;
}

/* A charge.refunded's charge, or a charge.dispute.created's dispute. */
static void
read_charge (JsonObject   *object,
             WebhookEvent *event)
{
  event->payment_id = g_strdup (string_member (object_member (object, "metadata"),
                                               "payment_id"));
  event->intent = g_strdup (string_member (object, "payment_intent"));
  event->amount = int_member (object, "amount");
  if (event->kind == EVENT_CHARGE_REFUNDED)
    {
      event->taken_back = int_member (object, "amount_refunded");
      event->invoice_id = g_strdup (string_member (object, "invoice"));
    }
  else
    {
      /* A dispute is for its whole amount; its charge is named. */
      event->taken_back = event->amount;
      event->amount = -1;
      g_free (event->object_id);
      event->object_id = g_strdup (string_member (object, "charge"));
    }
}

/* The subscription event's strings are the WebhookEvent's own copies. */
static void
set_subscription (WebhookEvent               *event,
                  TallySubscriptionEventKind  kind,
                  const char                 *provider_id,
                  const char                 *subscription_id)
{
  event->for_subscription = TRUE;
  event->provider_id = g_strdup (provider_id);
  event->subscription_id = g_strdup (subscription_id);
  event->subscription.kind = kind;
  event->subscription.object_id = event->object_id;
  event->subscription.provider_id = event->provider_id;
  event->subscription.subscription_id = event->subscription_id;
}

/* A checkout session in subscription mode starts a subscription; its
 * invoices pay for it. */
static void
read_subscription_session (JsonObject   *session,
                           WebhookEvent *event)
{
  const char *ours = string_member (object_member (session, "metadata"), "subscription_id");

  if (ours == NULL)
    ours = string_member (session, "client_reference_id");
  set_subscription (event, TALLY_SUBSCRIPTION_EVENT_CHECKOUT_COMPLETED,
                    string_member (session, "subscription"), ours);
}

/* Stripe names an invoice's subscription at the top (before API version
 * 2025-03-31) or under parent.subscription_details (since): both read. */
static void
read_invoice (JsonObject   *invoice,
              WebhookEvent *event)
{
  JsonObject *details = object_member (object_member (invoice, "parent"),
                                       "subscription_details");
  const char *provider_id = string_member (invoice, "subscription");
  const char *ours;
  JsonObject *line = first_of_list (invoice, "lines");

  if (details == NULL)
    details = object_member (invoice, "subscription_details");
  if (provider_id == NULL)
    provider_id = string_member (details, "subscription");
  ours = string_member (object_member (details, "metadata"), "subscription_id");
  /* A plan change's proration invoice: its credits are the change's own,
   * granted when the change was made (tally_subscriptions_change()). */
  if ((provider_id == NULL && ours == NULL) ||
      g_strcmp0 (string_member (invoice, "billing_reason"), "subscription_update") == 0)
    return;

  set_subscription (event, event->kind == EVENT_INVOICE_PAID
                           ? TALLY_SUBSCRIPTION_EVENT_INVOICE_PAID
                           : TALLY_SUBSCRIPTION_EVENT_INVOICE_FAILED, provider_id, ours);
  if (line != NULL && object_member (line, "period") != NULL)
    event->subscription.period_end = int_member (object_member (line, "period"), "end");
  if (event->subscription.period_end <= 0)
    event->subscription.period_end = int_member (invoice, "period_end");
}

/* The period's end is on the subscription (before 2025-03-31) or on its
 * item (since). */
static void
read_subscription (JsonObject   *subscription,
                   WebhookEvent *event)
{
  JsonObject *item = first_of_list (subscription, "items");

  set_subscription (event, event->kind == EVENT_SUBSCRIPTION_UPDATED
                           ? TALLY_SUBSCRIPTION_EVENT_UPDATED
                           : TALLY_SUBSCRIPTION_EVENT_DELETED, event->object_id,
                    string_member (object_member (subscription, "metadata"),
                                   "subscription_id"));
  event->status = g_strdup (string_member (subscription, "status"));
  event->subscription.status = event->status;
  event->subscription.cancel_at_period_end = boolean_member (subscription,
                                                             "cancel_at_period_end");
  event->subscription.period_end = int_member (subscription, "current_period_end");
  if (event->subscription.period_end <= 0 && item != NULL)
    event->subscription.period_end = int_member (item, "current_period_end");
}

static gboolean
read_event (GBytes       *payload,
            WebhookEvent *event)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);
  g_autoptr(JsonObject) root = tally_json_parse_object (data != NULL ? data : "", length,
                                                        &problem);
  JsonObject *object = object_member (object_member (root, "data"), "object");

  if (root == NULL || object == NULL || string_member (root, "type") == NULL)
    return FALSE;

  event->kind = event_kind (string_member (root, "type"));
  event->object_id = g_strdup (string_member (object, "id"));
  switch (event->kind)
    {
    case EVENT_CHECKOUT_COMPLETED:
      if (g_strcmp0 (string_member (object, "mode"), "subscription") == 0)
        read_subscription_session (object, event);
      else
        read_session (object, event);
      break;
    case EVENT_ASYNC_SUCCEEDED:
    case EVENT_ASYNC_FAILED:
      read_session (object, event);
      break;
    case EVENT_INVOICE_PAID:
    case EVENT_INVOICE_FAILED:
      read_invoice (object, event);
      break;
    case EVENT_SUBSCRIPTION_UPDATED:
    case EVENT_SUBSCRIPTION_DELETED:
      read_subscription (object, event);
      break;
    case EVENT_CHARGE_REFUNDED:
    case EVENT_DISPUTE_CREATED:
      read_charge (object, event);
      break;
    case EVENT_INTENT_SUCCEEDED:
    case EVENT_INTENT_FAILED:
      event->payment_id = g_strdup (string_member (object_member (object, "metadata"),
                                                   "payment_id"));
      event->intent = g_strdup (event->object_id);
      break;
    case EVENT_OTHER:
    default:
      break;
    }

  return event->kind == EVENT_OTHER || event->object_id != NULL;
}

/* --- applying it, inside the writer --- */

static gboolean
find_payment (WebhookJob    *job,
              TallyPayment  *payment,
              GError       **error)
{
  TallyStore *store = tally_server_get_store (job->server);
  WebhookEvent *event = &job->event;
  g_autoptr(GError) local_error = NULL;
  gboolean found = FALSE;

  if (event->kind == EVENT_CHECKOUT_COMPLETED || event->kind == EVENT_ASYNC_SUCCEEDED ||
      event->kind == EVENT_ASYNC_FAILED)
    found = tally_store_find_payment_by_session (store, event->object_id, payment, &local_error);
  if (!found && local_error == NULL && event->payment_id != NULL &&
      g_uuid_string_is_valid (event->payment_id))
    found = tally_store_find_payment (store, event->payment_id, payment, &local_error);
  if (!found && local_error == NULL && event->intent != NULL)
    found = tally_store_find_payment_by_ref (store, event->intent, payment, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return found;
}

static gboolean
mark_paid (WebhookJob    *job,
           TallyPayment  *payment,
           GError       **error)
{
  if (payment->status == TALLY_PAYMENT_OPEN || payment->status == TALLY_PAYMENT_FAILED)
    {
      payment->status = TALLY_PAYMENT_PAID;
      payment->paid_at = g_get_real_time ();
    }
  if (payment->payment_ref[0] == '\0' && job->event.intent != NULL)
    g_strlcpy (payment->payment_ref, job->event.intent, sizeof payment->payment_ref);

  return tally_store_update_payment (tally_server_get_store (job->server), payment, error);
}

/* A gift's payment credits nobody: its credits now wait for the address
 * (tally-gifts.c), once. */
static gboolean
settle_gift (WebhookJob    *job,
             TallyPayment  *payment,
             GError       **error)
{
  if (!tally_gifts_settle (job->server, &job->gift, &job->gift_settled, error))
    return FALSE;

  job->outcome = job->gift_settled ? "gift_waiting" : "duplicate";
  job->credited = *payment;
  return mark_paid (job, payment, error);
}

/* Posts the purchase transfer; its id comes from the session, so this is
 * a no-op ("duplicate") every time after the first. */
static gboolean
credit (WebhookJob    *job,
        TallyPayment  *payment,
        GError       **error)
{
  TallyLedger *ledger = tally_server_get_ledger (job->server);
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[37];
  g_autofree char *description = g_strdup_printf ("Credit pack “%s”", payment->pack_id);

  if (job->is_gift)
    return settle_gift (job, payment, error);

  tally_payments_purchase_id (payment->session_id, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       payment->account_id, payment->credits, TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, payment->session_id);
  tally_transfer_set_description (&transfer, description);

  if (!tally_ledger_create_transfers (ledger, &transfer, 1, &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The purchase was refused: %s", tally_transfer_result_to_string (result));
      return FALSE;
    }

  job->outcome = result == TALLY_TRANSFER_OK ? "credited" : "duplicate";
  if (!mark_paid (job, payment, error))
    return FALSE;
  job->newly_credited = result == TALLY_TRANSFER_OK;
  job->credited = *payment;
  return TRUE;
}

/* A pack bought by hand also ends a pause of auto-recharge after failed
 * charges: the buyer has a card that works. The first one a referred
 * user buys (for themselves or as a gift) earns the referral's bonus. */
static gboolean
credit_checkout (WebhookJob    *job,
                 TallyPayment  *payment,
                 GError       **error)
{
  if (!credit (job, payment, error))
    return FALSE;
  if (!job->newly_credited && !job->gift_settled)
    return TRUE;

  return tally_store_clear_recharge_failures (tally_server_get_store (job->server),
                                              payment->account_id, error) &&
         tally_referrals_reward (job->server, payment->user_id, error);
}

/* A refund or dispute of a gift nobody claimed cancels it; of a claimed
 * one, takes the credits back from who received them, as for a pack. */
static gboolean
take_back_gift (WebhookJob          *job,
                TallyPayment        *payment,
                TallyPaymentStatus   status,
                GError             **error);

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
available_credits (WebhookJob          *job,
                   const TallyPayment  *payment,
                   gint64              *available,
                   GError             **error)
{
  TallyAccount account;

  if (!tally_ledger_lookup_account (tally_server_get_ledger (job->server), payment->account_id,
                                    &account, error))
    return FALSE;

  *available = MAX (tally_account_available (&account), 0);
  return TRUE;
}

/* Takes the credits of a refund or dispute back, as far as the balance
 * goes: what it lacks is recorded (the payment is flagged short), never
 * owed by a negative balance. Each event moves the share it adds to what
 * earlier ones took, so a repeated one takes nothing. */
static gboolean
take_back (WebhookJob          *job,
           TallyPayment        *payment,
           TallyPaymentStatus   status,
           GError             **error)
{
  gint64 target = share_of (payment, job->event.taken_back, job->event.amount);
  gint64 delta = target - payment->reversed;
  gint64 available, take;
  TallyTransfer transfer;
  TallyTransferResult result;
  g_autofree char *name = NULL;
  char id[37];

  if (delta <= 0)
    {
      job->outcome = "duplicate";
      return TRUE;
    }
  if (!available_credits (job, payment, &available, error))
    return FALSE;

  take = MIN (delta, available);
  if (take > 0)
    {
      name = g_strdup_printf ("%s:%" G_GINT64_FORMAT, payment->id, target);
      tally_uuid_derive ("stripe-reversal", name, id);
      tally_transfer_init (&transfer, id, payment->account_id,
                           tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS), take,
                           TALLY_TRANSFER_KIND_ADJUSTMENT);
      tally_transfer_set_ref (&transfer, job->event.object_id);
      tally_transfer_set_description (&transfer, status == TALLY_PAYMENT_REFUNDED
                                                 ? "Payment refunded" : "Payment disputed");
      if (!tally_ledger_create_transfers (tally_server_get_ledger (job->server), &transfer, 1,
                                          &result, error))
        return FALSE;
      if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
        {
          g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                       "Taking credits back was refused: %s",
                       tally_transfer_result_to_string (result));
          return FALSE;
        }
    }

  payment->reversed = target;
  payment->short_by += delta - take;
  payment->status = status;
  job->outcome = delta > take ? "short" : tally_payment_status_to_string (status);
  if (delta > take)
    tally_log_event ("payment_short", "payment", payment->id, NULL);

  return tally_store_update_payment (tally_server_get_store (job->server), payment, error);
}

static gboolean
take_back_gift (WebhookJob          *job,
                TallyPayment        *payment,
                TallyPaymentStatus   status,
                GError             **error)
{
  gboolean cancelled;

  if (job->gift.status == TALLY_GIFT_CLAIMED)
    {
      /* Only the reversal's account changes; the payment row keeps its own. */
      g_strlcpy (payment->account_id, job->gift.recipient_account_id,
                 sizeof payment->account_id);
      return take_back (job, payment, status, error);
    }

  if (!tally_gifts_cancel (job->server, &job->gift, &cancelled, error))
    return FALSE;
  job->outcome = cancelled ? "gift_cancelled" : "duplicate";
  if (!cancelled)
    return TRUE;

  payment->status = status;
  payment->reversed = payment->credits;
  return tally_store_update_payment (tally_server_get_store (job->server), payment, error);
}

/* A session found by its payment id before its session was recorded (the
 * event can outrun the checkout's own write) gets it now. */
static gboolean
adopt_session (WebhookJob    *job,
               TallyPayment  *payment,
               GError       **error)
{
  if (payment->session_id[0] != '\0' || job->event.kind == EVENT_CHARGE_REFUNDED ||
      job->event.kind == EVENT_DISPUTE_CREATED)
    return TRUE;

  g_strlcpy (payment->session_id, job->event.object_id, sizeof payment->session_id);
  return tally_store_set_payment_session (tally_server_get_store (job->server), payment->id,
                                          payment->session_id, error);
}

static gboolean
apply_event (WebhookJob    *job,
             TallyPayment  *payment,
             GError       **error)
{
  switch (job->event.kind)
    {
    case EVENT_CHECKOUT_COMPLETED:
      if (!job->event.paid)
        {
          /* Paid later (a bank debit): async_payment_succeeded credits. */
          job->outcome = "pending";
          return TRUE;
        }
      return credit_checkout (job, payment, error);
    case EVENT_ASYNC_SUCCEEDED:
      return credit_checkout (job, payment, error);
    case EVENT_ASYNC_FAILED:
      job->outcome = payment->status == TALLY_PAYMENT_OPEN ? "failed" : "duplicate";
      if (payment->status != TALLY_PAYMENT_OPEN)
        return TRUE;
      payment->status = TALLY_PAYMENT_FAILED;
      g_strlcpy (job->failed_account_id, payment->account_id, sizeof job->failed_account_id);
      g_strlcpy (job->failed_session_id, payment->session_id, sizeof job->failed_session_id);
      return tally_store_update_payment (tally_server_get_store (job->server), payment, error);
    case EVENT_CHARGE_REFUNDED:
    case EVENT_DISPUTE_CREATED:
      /* A charge can only be refunded once it was paid: if that event
       * has not arrived yet, credit first, so the order does not matter.
       * Without a session nothing was ever credited, nor can be. */
      if (payment->session_id[0] == '\0')
        {
          tally_log_event ("payment_event_ignored", "reason", "charge of a payment without session",
                           "payment", payment->id, NULL);
          job->outcome = "ignored";
          return TRUE;
        }
      if (!credit (job, payment, error))
        return FALSE;
      if (job->is_gift)
        return take_back_gift (job, payment, job->event.kind == EVENT_CHARGE_REFUNDED
                                             ? TALLY_PAYMENT_REFUNDED : TALLY_PAYMENT_DISPUTED,
                               error);
      return take_back (job, payment, job->event.kind == EVENT_CHARGE_REFUNDED
                                      ? TALLY_PAYMENT_REFUNDED : TALLY_PAYMENT_DISPUTED,
                        error);
    case EVENT_INTENT_SUCCEEDED:
    case EVENT_INTENT_FAILED:
      /* Applied by apply_intent(), which needs no payment found first. */
    case EVENT_INVOICE_PAID:
    case EVENT_INVOICE_FAILED:
    case EVENT_SUBSCRIPTION_UPDATED:
    case EVENT_SUBSCRIPTION_DELETED:
      /* Subscriptions' own: tally_subscriptions_apply(). */
    case EVENT_OTHER:
    default:
      job->outcome = "ignored";
      return TRUE;
    }
}

/* payment_intent.succeeded or .payment_failed: settles an auto-recharge,
 * whatever became of its charge's own answer. A checkout's intent is
 * credited through its session, so any other intent is ignored. */
static gboolean
apply_intent (WebhookJob  *job,
              GError     **error)
{
  WebhookEvent *event = &job->event;
  TallyRechargeOutcome outcome = event->kind == EVENT_INTENT_SUCCEEDED
                                 ? TALLY_RECHARGE_SUCCEEDED : TALLY_RECHARGE_DECLINED;
  g_autoptr(GError) local_error = NULL;
  gboolean changed = FALSE;
  gint64 started_at;

  if (event->payment_id == NULL || !g_uuid_string_is_valid (event->payment_id) ||
      strlen (event->object_id) >= TALLY_SESSION_ID_MAX ||
      !tally_store_find_recharge (tally_server_get_store (job->server), event->payment_id,
                                  &started_at, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }

  if (!tally_recharge_settle (job->server, event->payment_id, event->object_id, outcome,
                              &job->credited, &changed, error))
    return FALSE;

  if (!changed)
    job->outcome = "duplicate";
  else if (outcome == TALLY_RECHARGE_SUCCEEDED)
    {
      job->outcome = "credited";
      job->newly_credited = TRUE;
    }
  else
    {
      job->outcome = "failed";
      job->recharge_failed = TRUE;
      g_strlcpy (job->failed_account_id, job->credited.account_id,
                 sizeof job->failed_account_id);
      g_strlcpy (job->failed_session_id, job->credited.id, sizeof job->failed_session_id);
    }
  return TRUE;
}

static gboolean
webhook_write (gpointer   data,
               GError   **error)
{
  WebhookJob *job = data;
  TallyPayment payment;

  job->outcome = "ignored";
  if (job->event.for_subscription)
    return tally_subscriptions_apply (job->server, &job->event.subscription, &job->outcome,
                                      error);
  if (job->event.kind == EVENT_OTHER || job->event.kind == EVENT_INVOICE_PAID ||
      job->event.kind == EVENT_INVOICE_FAILED || job->event.kind == EVENT_SUBSCRIPTION_UPDATED ||
      job->event.kind == EVENT_SUBSCRIPTION_DELETED)
    return TRUE;
  if (job->event.kind == EVENT_INTENT_SUCCEEDED || job->event.kind == EVENT_INTENT_FAILED)
    return apply_intent (job, error);

  if (!find_payment (job, &payment, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      /* No pack's: a subscription invoice's charge, maybe. */
      if (job->event.kind == EVENT_CHARGE_REFUNDED && job->event.invoice_id != NULL)
        return tally_subscriptions_refund_invoice (job->server, job->event.invoice_id,
                                                   job->event.object_id, job->event.amount,
                                                   job->event.taken_back, &job->outcome,
                                                   error);
      tally_log_event ("payment_event_ignored", "reason", "unknown session or charge",
                       "object", job->event.object_id, NULL);
      return TRUE;
    }

  if (!adopt_session (job, &payment, error))
    return FALSE;
  job->is_gift = tally_store_find_gift (tally_server_get_store (job->server), payment.id,
                                        &job->gift, error);
  if (!job->is_gift && error != NULL && *error != NULL)
    return FALSE;

  return apply_event (job, &payment, error);
}

static void
webhook_done (gpointer      data,
              const GError *error)
{
  WebhookJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (job->server);

  if (error != NULL)
    {
      tally_log_warning ("payment_event_failed", error->message);
      tally_metrics_count (metrics, "tally_payments_total", "outcome", "error");
      job->done (500, "internal_error", NULL, job->user_data);
      return;
    }

  tally_metrics_count (metrics, "tally_payments_total", "outcome", job->outcome);
  if (job->newly_credited && job->credited.credits > 0)
    tally_metrics_add (metrics, "tally_credits_purchased_total", NULL, NULL,
                       (guint64) job->credited.credits);
  if (job->failed_account_id[0] != '\0')
    tally_events_push_payment_failed (job->server, job->failed_account_id,
                                      job->failed_session_id);
  /* A refund that arrives first credits too, but is no purchase to confirm. */
  if (job->newly_credited && (job->event.kind == EVENT_CHECKOUT_COMPLETED ||
                              job->event.kind == EVENT_ASYNC_SUCCEEDED ||
                              job->event.kind == EVENT_INTENT_SUCCEEDED))
    tally_notice_purchase_credited (job->server, &job->credited);
  if (job->recharge_failed)
    tally_notice_recharge_failed (job->server, &job->credited, "The card was declined");
  if (job->gift_settled && job->gift.status == TALLY_GIFT_WAITING)
    {
      tally_notice_gift_waiting (job->server, &job->gift);
      tally_events_push_gift_sent (job->server, job->credited.account_id,
                                   job->credited.session_id, &job->gift);
    }
  job->done (200, NULL, job->outcome, job->user_data);
}

void
tally_payments_receive_event (TallyServer      *server,
                              GBytes           *payload,
                              const char       *signature,
                              TallyWebhookDone  done,
                              gpointer          user_data)
{
  TallyPayments *payments = tally_server_get_payments (server);
  const char *secret = tally_payments_get_webhook_secret (payments);
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);
  WebhookJob *job;

  if (!tally_stripe_verify_signature (signature, secret, data != NULL ? data : "", length,
                                      g_get_real_time () / G_USEC_PER_SEC))
    {
      tally_metrics_count (tally_server_get_metrics (server), "tally_payments_total", "outcome",
                           "invalid_signature");
      done (400, "invalid_signature", NULL, user_data);
      return;
    }

  job = g_new0 (WebhookJob, 1);
  job->server = g_object_ref (server);
  job->done = done;
  job->user_data = user_data;
  if (!read_event (payload, &job->event))
    {
      webhook_job_free (job);
      done (400, "invalid_json", NULL, user_data);
      return;
    }

  tally_writer_submit (tally_server_get_writer (server), webhook_write, webhook_done, job,
                       webhook_job_free);
}

/* --- POST /v1/webhooks/stripe --- */

static void
webhook_answered (guint       status,
                  const char *code,
                  const char *outcome,
                  gpointer    user_data)
{
  g_autoptr(TallyRequest) request = user_data;
  g_autoptr(JsonObject) body = NULL;

  if (code != NULL && g_str_equal (code, "invalid_signature"))
    {
      tally_request_respond_error (request, status, code,
                                   "The Stripe-Signature header does not verify");
      return;
    }
  if (code != NULL)
    {
      tally_request_respond_error (request, status, code, status == 400
                                   ? "The event is not a Stripe event object"
                                   : "The server could not save this; Stripe will retry");
      return;
    }

  body = json_object_new ();
  json_object_set_boolean_member (body, "received", TRUE);
  json_object_set_string_member (body, "outcome", outcome);
  tally_request_respond_object (request, status, body);
}

static void
handle_webhook (TallyRequest *request)
{
  SoupServerMessage *msg = tally_request_get_message (request);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) payload = soup_message_body_flatten (body);
  const char *signature = soup_message_headers_get_one (
                            soup_server_message_get_request_headers (msg), "Stripe-Signature");

  tally_request_pause (request);
  tally_payments_receive_event (tally_request_get_server (request), payload, signature,
                                webhook_answered, tally_request_ref (request));
}

static const TallyRoute routes[] = {
  { "POST", "/v1/webhooks/stripe", handle_webhook, TALLY_ROUTE_PUBLIC },
};

void
tally_api_webhooks_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
