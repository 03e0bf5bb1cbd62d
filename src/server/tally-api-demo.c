/* tally-api-demo.c: the demo payment provider's own checkout page
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-payments.h"
#include "tally-demo-renewals.h"
#include "tally-receipt.h"
#include "tally-store-payments.h"
#include "tally-store-subscriptions.h"
#include "tally-stripe.h"

/* The page a buyer sees instead of Stripe's. The browser that opens it
 * has no token, so its URL carries the checkout's key (see
 * tally_payments_demo_url() in tally-api-payments.c), bound to the
 * checkout and the user who started it: a session id alone, or another
 * checkout's key, finds nothing. */
static gboolean
find_demo_payment (TallyRequest *request,
                   TallyPayment *payment)
{
  TallyServer *server = tally_request_get_server (request);
  TallyPayments *payments = tally_server_get_payments (server);
  const char *session_id = tally_request_get_param (request, "session_id");
  const char *key = tally_request_get_param (request, "key");
  g_autoptr(GError) error = NULL;

  if (tally_payments_is_demo (payments) &&
      g_str_has_prefix (session_id, "cs_demo_") &&
      tally_rules_store_find_payment_by_session (tally_server_get_rules_store (server), session_id,
                                                 payment,
                                                 &error) &&
      tally_payments_demo_key_matches (payments, session_id, payment->user_id, key))
    return TRUE;

  if (error != NULL)
    tally_request_respond_error (request, 500, "internal_error", "The server could not read this");
  else
    tally_request_respond_error (request, 404, "not_found", "There is no such demo checkout");
  return FALSE;
}

static char *
page (const char *title,
      const char *body)
{
  return g_strdup_printf ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s — Tally demo checkout</title></head>\n<body>"
                          "<h1>%s</h1>\n%s\n<p><small>Demo payment provider: no money moves."
                          "</small></p></body></html>\n", title, title, body);
}

static void
handle_page (TallyRequest *request)
{
  TallyPayment payment;
  g_autofree char *pack = NULL;
  g_autofree char *body = NULL;
  g_autofree char *price = NULL;
  /* Relative to the page's own URL, which ends with the key (64 hex
   * digits, nothing to escape). */
  const char *key = tally_request_get_param (request, "key");

  if (!find_demo_payment (request, &payment))
    return;

  pack = g_markup_escape_text (payment.pack_id, -1);
  price = tally_format_amount (payment.amount, payment.currency);
  if (payment.status != TALLY_PAYMENT_OPEN)
    body = g_strdup_printf ("<p>This checkout is %s.</p>",
                            tally_payment_status_to_string (payment.status));
  else
    body = g_strdup_printf ("<p>Pack <b>%s</b>: %" G_GINT64_FORMAT " credits for %s.</p>\n"
                            "<form method=\"post\" action=\"%s/pay\"><button>Pay</button></form>\n"
                            "<form method=\"post\" action=\"%s/decline\">"
                            "<button>Decline</button></form>",
                            pack, payment.credits, price, key, key);

  tally_request_respond_text (request, 200, "text/html; charset=utf-8",
                              page ("Buy credits", body));
}

static void
answered (guint       status,
          const char *code,
          const char *outcome,
          gpointer    user_data)
{
  g_autoptr(TallyRequest) request = user_data;
  g_autofree char *body = NULL;

  if (code != NULL)
    {
      tally_request_respond_error (request, status, code, "The demo payment did not go through");
      return;
    }

  body = g_strdup_printf ("<p>Result: %s. You can close this page.</p>", outcome);
  tally_request_respond_text (request, 200, "text/html; charset=utf-8",
                              page (g_str_equal (outcome, "failed") ? "Payment declined"
                                                                    : "Payment received",
                                    body));
}

/* A checkout.session event as Stripe would send it, signed with the demo
 * secret and handed to the webhook's own code: the demo takes the same
 * path as real money. */
static void
send_event (TallyRequest       *request,
            const TallyPayment *payment,
            const char         *type,
            const char         *payment_status)
{
  TallyServer *server = tally_request_get_server (request);
  const char *secret = tally_payments_get_webhook_secret (tally_server_get_payments (server));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *event_id = g_strdup_printf ("evt_demo_%s", payment->session_id + 8);
  g_autofree char *intent = g_strdup_printf ("pi_demo_%s", payment->session_id + 8);
  g_autofree char *signature = NULL;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, event_id);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "event");
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "object");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, payment->session_id);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "checkout.session");
  json_builder_set_member_name (builder, "client_reference_id");
  json_builder_add_string_value (builder, payment->id);
  json_builder_set_member_name (builder, "payment_status");
  json_builder_add_string_value (builder, payment_status);
  json_builder_set_member_name (builder, "payment_intent");
  json_builder_add_string_value (builder, intent);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  payload = g_bytes_new_take (text, strlen (text));
  signature = tally_stripe_sign (secret, g_get_real_time () / G_USEC_PER_SEC, text,
                                 strlen (text));
  tally_payments_receive_event (server, payload, signature, answered,
                                tally_request_ref (request));
}

/* Pay and Decline act once: a checkout that is paid, declined or expired
 * is not paid (again). */
static gboolean
find_open_payment (TallyRequest *request,
                   TallyPayment *payment)
{
  if (!find_demo_payment (request, payment))
    return FALSE;
  if (payment->status == TALLY_PAYMENT_OPEN)
    return TRUE;
  tally_request_respond_error (request, 409, "checkout_closed",
                               "This demo checkout is no longer open");
  return FALSE;
}

static void
handle_pay (TallyRequest *request)
{
  TallyPayment payment;

  if (find_open_payment (request, &payment))
    send_event (request, &payment, "checkout.session.completed", "paid");
}

static void
handle_decline (TallyRequest *request)
{
  TallyPayment payment;

  if (find_open_payment (request, &payment))
    send_event (request, &payment, "checkout.session.async_payment_failed", "unpaid");
}

/* --- subscriptions: the same page, in subscription mode --- */

static gboolean
find_demo_subscription (TallyRequest      *request,
                        TallySubscription *subscription)
{
  TallyServer *server = tally_request_get_server (request);
  TallyPayments *payments = tally_server_get_payments (server);
  const char *session_id = tally_request_get_param (request, "session_id");
  const char *key = tally_request_get_param (request, "key");
  g_autoptr(GError) error = NULL;

  if (tally_payments_is_demo (payments) &&
      g_str_has_prefix (session_id, "cs_demo_") &&
      tally_rules_store_find_subscription_by_session (tally_server_get_rules_store (server),
                                                      session_id,
                                                      subscription, &error) &&
      tally_payments_demo_key_matches (payments, session_id, subscription->user_id, key))
    return TRUE;

  if (error != NULL)
    tally_request_respond_error (request, 500, "internal_error", "The server could not read this");
  else
    tally_request_respond_error (request, 404, "not_found", "There is no such demo checkout");
  return FALSE;
}

static void
handle_subscribe_page (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  const char *key = tally_request_get_param (request, "key");
  TallySubscription subscription;
  const TallyPlan *plan;
  g_autofree char *name = NULL;
  g_autofree char *price = NULL;
  g_autofree char *body = NULL;

  if (!find_demo_subscription (request, &subscription))
    return;

  plan = tally_payments_find_plan (payments, subscription.plan_id);
  name = g_markup_escape_text (plan != NULL ? plan->name : subscription.plan_id, -1);
  if (subscription.status != TALLY_SUBSCRIPTION_INCOMPLETE || plan == NULL)
    body = g_strdup_printf ("<p>This subscription is %s.</p>",
                            tally_subscription_status_to_string (subscription.status));
  else
    {
      price = tally_format_amount (plan->amount, plan->currency);
      body = g_strdup_printf ("<p>Plan <b>%s</b>: %" G_GINT64_FORMAT " credits every month for "
                              "%s a month.</p>\n"
                              "<form method=\"post\" action=\"%s/pay\"><button>Subscribe"
                              "</button></form>",
                              name, subscription.credits_per_period, price, key);
    }

  tally_request_respond_text (request, 200, "text/html; charset=utf-8",
                              page ("Subscribe", body));
}

static void
send_signed (TallyRequest     *request,
             const char       *text,
             TallyWebhookDone  done,
             gpointer          user_data)
{
  tally_demo_send_signed (tally_request_get_server (request), text, done, user_data);
}

typedef struct
{
  TallyRequest      *request;
  TallySubscription  subscription;
} DemoSubscribe;

static void
on_session_event (guint       status,
                  const char *code,
                  const char *outcome,
                  gpointer    user_data)
{
  DemoSubscribe *demo = user_data;
  g_autofree char *invoice = NULL;

  if (code != NULL)
    answered (status, code, outcome, tally_request_ref (demo->request));
  else
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      TallyConfig *config = tally_server_get_config (tally_request_get_server (demo->request));

      /* The first period; tally-demo-renewals.c pays the next ones. */
      invoice = tally_demo_invoice_paid_event (&demo->subscription, now,
                                               tally_demo_period_end (config, now), TRUE);
      send_signed (demo->request, invoice, answered, tally_request_ref (demo->request));
    }

  tally_request_unref (demo->request);
  g_free (demo);
}

/* Subscribe acts once: checkout.session.completed in subscription mode,
 * then the first invoice paid, each signed and taken through the webhook's
 * own code. Renewals come from the demo's clock (tally-demo-renewals.c). */
static void
handle_subscribe_pay (TallyRequest *request)
{
  DemoSubscribe *demo;
  g_autofree char *event = NULL;
  const char *hex;

  demo = g_new0 (DemoSubscribe, 1);
  if (!find_demo_subscription (request, &demo->subscription))
    {
      g_free (demo);
      return;
    }
  if (demo->subscription.status != TALLY_SUBSCRIPTION_INCOMPLETE)
    {
      tally_request_respond_error (request, 409, "checkout_closed",
                                   "This demo checkout is no longer open");
      g_free (demo);
      return;
    }

  demo->request = tally_request_ref (request);
  hex = demo->subscription.session_id + strlen ("cs_demo_");
  event = g_strdup_printf ("{\"id\": \"evt_demo_cs_%s\", \"object\": \"event\", "
                           "\"type\": \"checkout.session.completed\", \"data\": {\"object\": {"
                           "\"id\": \"%s\", \"object\": \"checkout.session\", "
                           "\"mode\": \"subscription\", \"payment_status\": \"paid\", "
                           "\"client_reference_id\": \"%s\", "
                           "\"metadata\": {\"subscription_id\": \"%s\"}, "
                           "\"subscription\": \"sub_demo_%s\"}}}",
                           hex, demo->subscription.session_id, demo->subscription.id,
                           demo->subscription.id, hex);
  send_signed (request, event, on_session_event, demo);
}

static const TallyRoute routes[] = {
  { "GET", "/demo/checkout/{session_id}/{key}", handle_page, TALLY_ROUTE_PUBLIC },
  { "POST", "/demo/checkout/{session_id}/{key}/pay", handle_pay, TALLY_ROUTE_PUBLIC },
  { "POST", "/demo/checkout/{session_id}/{key}/decline", handle_decline, TALLY_ROUTE_PUBLIC },
  { "GET", "/demo/subscribe/{session_id}/{key}", handle_subscribe_page, TALLY_ROUTE_PUBLIC },
  { "POST", "/demo/subscribe/{session_id}/{key}/pay", handle_subscribe_pay, TALLY_ROUTE_PUBLIC },
};

void
tally_api_demo_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
