/* tally-api-webhooks.c: Stripe's events, verified and decoded; their rules are
 * in tally-payment-events.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-payments.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-payment-events.h"
#include "tally-stripe.h"

static const struct
{
  const char *type;
  TallyPaymentEventKind kind;
} event_types[] = {
  { "checkout.session.completed", TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED },
  { "checkout.session.async_payment_succeeded", TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED },
  { "checkout.session.async_payment_failed", TALLY_PAYMENT_EVENT_ASYNC_FAILED },
  { "charge.refunded", TALLY_PAYMENT_EVENT_CHARGE_REFUNDED },
  { "charge.dispute.created", TALLY_PAYMENT_EVENT_DISPUTE_CREATED },
  { "payment_intent.succeeded", TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED },
  { "payment_intent.payment_failed", TALLY_PAYMENT_EVENT_INTENT_FAILED },
  { "invoice.paid", TALLY_PAYMENT_EVENT_INVOICE_PAID },
  { "invoice.payment_failed", TALLY_PAYMENT_EVENT_INVOICE_FAILED },
  { "customer.subscription.updated", TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED },
  { "customer.subscription.deleted", TALLY_PAYMENT_EVENT_SUBSCRIPTION_DELETED },
};

typedef struct
{
  TallyServer             *server;
  TallyPaymentEvent        event;
  TallyWebhookDone         done;
  gpointer                 user_data;

  TallyPaymentEventResult  result;
} WebhookJob;

static void
webhook_job_free (gpointer data)
{
  WebhookJob *job = data;

  tally_payment_event_clear (&job->event);
  g_object_unref (job->server);
  g_free (job);
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

static TallyPaymentEventKind
event_kind (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (event_types); i++)
    {
      if (g_strcmp0 (type, event_types[i].type) == 0)
        return event_types[i].kind;
    }

  return TALLY_PAYMENT_EVENT_OTHER;
}

static void
read_session (JsonObject   *session,
              TallyPaymentEvent *event)
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
             TallyPaymentEvent *event)
{
  event->payment_id = g_strdup (string_member (object_member (object, "metadata"),
                                               "payment_id"));
  event->intent = g_strdup (string_member (object, "payment_intent"));
  event->amount = int_member (object, "amount");
  if (event->kind == TALLY_PAYMENT_EVENT_CHARGE_REFUNDED)
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

/* The subscription event's strings are the TallyPaymentEvent's own copies. */
static void
set_subscription (TallyPaymentEvent               *event,
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
                           TallyPaymentEvent *event)
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
              TallyPaymentEvent *event)
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

  set_subscription (event, event->kind == TALLY_PAYMENT_EVENT_INVOICE_PAID
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
                   TallyPaymentEvent *event)
{
  JsonObject *item = first_of_list (subscription, "items");

  set_subscription (event, event->kind == TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED
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
            TallyPaymentEvent *event)
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
    case TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED:
      if (g_strcmp0 (string_member (object, "mode"), "subscription") == 0)
        read_subscription_session (object, event);
      else
        read_session (object, event);
      break;
    case TALLY_PAYMENT_EVENT_ASYNC_SUCCEEDED:
    case TALLY_PAYMENT_EVENT_ASYNC_FAILED:
      read_session (object, event);
      break;
    case TALLY_PAYMENT_EVENT_INVOICE_PAID:
    case TALLY_PAYMENT_EVENT_INVOICE_FAILED:
      read_invoice (object, event);
      break;
    case TALLY_PAYMENT_EVENT_SUBSCRIPTION_UPDATED:
    case TALLY_PAYMENT_EVENT_SUBSCRIPTION_DELETED:
      read_subscription (object, event);
      break;
    case TALLY_PAYMENT_EVENT_CHARGE_REFUNDED:
    case TALLY_PAYMENT_EVENT_DISPUTE_CREATED:
      read_charge (object, event);
      break;
    case TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED:
    case TALLY_PAYMENT_EVENT_INTENT_FAILED:
      event->payment_id = g_strdup (string_member (object_member (object, "metadata"),
                                                   "payment_id"));
      event->intent = g_strdup (event->object_id);
      break;
    case TALLY_PAYMENT_EVENT_OTHER:
    default:
      break;
    }

  return event->kind == TALLY_PAYMENT_EVENT_OTHER || event->object_id != NULL;
}

/* --- applying it, inside the writer (tally-payment-events.c) --- */

/* The outcome as the answer and the metrics name it. */
static const char *
outcome_name (const TallyPaymentEventResult *result)
{
  switch (result->outcome)
    {
    case TALLY_PAYMENT_OUTCOME_PENDING:
      return "pending";
    case TALLY_PAYMENT_OUTCOME_CREDITED:
      return "credited";
    case TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED:
      return "duplicate";
    case TALLY_PAYMENT_OUTCOME_FAILED:
      return "failed";
    case TALLY_PAYMENT_OUTCOME_REFUNDED:
      return "refunded";
    case TALLY_PAYMENT_OUTCOME_DISPUTED:
      return "disputed";
    case TALLY_PAYMENT_OUTCOME_SHORT:
      return "short";
    case TALLY_PAYMENT_OUTCOME_GIFT_WAITING:
      return "gift_waiting";
    case TALLY_PAYMENT_OUTCOME_GIFT_CANCELLED:
      return "gift_cancelled";
    case TALLY_PAYMENT_OUTCOME_SUBSCRIPTION:
      return result->subscription_outcome;
    case TALLY_PAYMENT_OUTCOME_IGNORED:
    case TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT:
    case TALLY_PAYMENT_OUTCOME_NO_SESSION:
    default:
      return "ignored";
    }
}

static gboolean
webhook_write (gpointer   data,
               GError   **error)
{
  WebhookJob *job = data;

  return tally_payment_events_apply (job->server, &job->event, &job->result, error);
}

static void
webhook_done (gpointer      data,
              const GError *error)
{
  WebhookJob *job = data;
  TallyMetrics *metrics = tally_server_get_metrics (job->server);
  const char *outcome = outcome_name (&job->result);

  if (error != NULL)
    {
      tally_log_warning ("payment_event_failed", error->message);
      tally_metrics_count (metrics, "tally_payments_total", "outcome", "error");
      job->done (500, "internal_error", NULL, job->user_data);
      return;
    }

  tally_metrics_count (metrics, "tally_payments_total", "outcome", outcome);
  tally_payment_events_announce (job->server, &job->event, &job->result);
  job->done (200, NULL, outcome, job->user_data);
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
