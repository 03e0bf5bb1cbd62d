/* tally-demo-renewals.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stripe renews a subscription by itself; the demo provider has no one to
 * do it, so this clock does, with the same events Stripe would send,
 * signed and taken through the webhook's own code.
 */

#include "config.h"

#include <string.h>

#include "tally-demo-renewals.h"
#include "tally-log.h"
#include "tally-stripe.h"

/* Subscriptions renewed per tick: the rest come at the next. */
#define MAX_PER_TICK 100

gint64
tally_demo_period_end (TallyConfig *config,
                       gint64       start)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (start);
  g_autoptr(GDateTime) end = NULL;

  if (config->demo_period > 0)
    return start + config->demo_period;

  end = g_date_time_add_months (at, 1);
  return g_date_time_to_unix (end);
}

static const char *
demo_hex (const TallySubscription *subscription)
{
  return subscription->session_id + strlen ("cs_demo_");
}

char *
tally_demo_invoice_paid_event (const TallySubscription *subscription,
                               gint64                   start,
                               gint64                   end,
                               gboolean                 first)
{
  const char *hex = demo_hex (subscription);
  g_autofree char *invoice = first ? g_strdup_printf ("in_demo_%s", hex)
                                   : g_strdup_printf ("in_demo_%s_%" G_GINT64_FORMAT, hex, start);

  return g_strdup_printf ("{\"id\": \"evt_demo_%s\", \"object\": \"event\", "
                          "\"type\": \"invoice.paid\", \"data\": {\"object\": {"
                          "\"id\": \"%s\", \"object\": \"invoice\", "
                          "\"status\": \"paid\", \"billing_reason\": \"%s\", "
                          "\"parent\": {\"type\": \"subscription_details\", "
                          "\"subscription_details\": {\"subscription\": \"sub_demo_%s\", "
                          "\"metadata\": {\"subscription_id\": \"%s\"}}}, "
                          "\"lines\": {\"object\": \"list\", \"data\": [{\"period\": "
                          "{\"start\": %" G_GINT64_FORMAT ", \"end\": %" G_GINT64_FORMAT "}}]}}}}",
                          invoice, invoice, first ? "subscription_create" : "subscription_cycle",
                          hex, subscription->id, start, end);
}

/* The period ended after a cancel: the subscription ends, as Stripe's
 * customer.subscription.deleted says. */
static char *
deleted_event (const TallySubscription *subscription)
{
  const char *hex = demo_hex (subscription);

  return g_strdup_printf ("{\"id\": \"evt_demo_del_%s\", \"object\": \"event\", "
                          "\"type\": \"customer.subscription.deleted\", \"data\": {\"object\": {"
                          "\"id\": \"sub_demo_%s\", \"object\": \"subscription\", "
                          "\"status\": \"canceled\", \"cancel_at_period_end\": true, "
                          "\"metadata\": {\"subscription_id\": \"%s\"}}}}",
                          hex, hex, subscription->id);
}

void
tally_demo_send_signed (TallyServer      *server,
                        const char       *text,
                        TallyWebhookDone  done,
                        gpointer          user_data)
{
  const char *secret = tally_payments_get_webhook_secret (tally_server_get_payments (server));
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autofree char *signature = tally_stripe_sign (secret, g_get_real_time () / G_USEC_PER_SEC,
                                                  text, strlen (text));

  tally_payments_receive_event (server, payload, signature, done, user_data);
}

static void
renewal_done (guint       status,
              const char *code,
              const char *outcome,
              gpointer    user_data)
{
  g_autofree char *id = user_data;

  if (code != NULL)
    tally_log_warning ("demo_renewal_failed", code);
  else
    tally_log_event ("demo_renewal", "subscription", id, "outcome", outcome, NULL);
}

static void
renew (TallyServer             *server,
       const TallySubscription *subscription)
{
  gint64 start = subscription->current_period_end / G_USEC_PER_SEC;
  g_autofree char *event = NULL;

  if (!g_str_has_prefix (subscription->session_id, "cs_demo_"))
    return;

  if (subscription->cancel_at_period_end)
    event = deleted_event (subscription);
  else
    event = tally_demo_invoice_paid_event (subscription, start,
                                           tally_demo_period_end (tally_server_get_config (server),
                                                                  start), FALSE);
  tally_demo_send_signed (server, event, renewal_done, g_strdup (subscription->id));
}

static gboolean
renewals_tick (gpointer data)
{
  TallyServer *server = data;
  g_autoptr(GError) error = NULL;
  TallyApiStore *store = tally_server_get_store (server);
  g_autoptr(GArray) due = tally_api_store_list_due_demo_subscriptions (store, g_get_real_time (),
                                                                       MAX_PER_TICK, &error);

  if (due == NULL)
    {
      tally_log_warning ("demo_renewal_failed", error->message);
      return G_SOURCE_CONTINUE;
    }

  for (guint i = 0; i < due->len; i++)
    renew (server, &g_array_index (due, TallySubscription, i));
  return G_SOURCE_CONTINUE;
}

guint
tally_demo_renewals_start (TallyServer *server)
{
  TallyConfig *config = tally_server_get_config (server);
  /* A short test period is looked at often; a month, once a minute. */
  guint interval = config->demo_period > 0 ? (guint) CLAMP (config->demo_period / 2, 1, 60) : 60;

  if (!tally_payments_is_demo (tally_server_get_payments (server)))
    return 0;

  return g_timeout_add_seconds (interval, renewals_tick, server);
}
