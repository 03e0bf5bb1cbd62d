/* fake-stripe.c: a small Stripe on a loopback port, for tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speaks Stripe's wire format for what tally-server uses: form-encoded
 * POST /v1/customers, GET /v1/customers/ID, POST /v1/checkout/sessions,
 * POST /v1/billing_portal/sessions and POST /v1/payment_intents (confirmed
 * off-session with the customer's default payment method, which every
 * customer has: pm_card_visa) with a Bearer secret key, JSON objects and {"error": {"type", "message", ...}} as Stripe
 * sends them, and Idempotency-Key (the same key gets the same answer).
 * It fails on purpose when told, and delivers webhook events signed as
 * Stripe signs them. Test controls live under /_test/:
 *
 *   POST /_test/fail     {"count": N, "status": 500 | 429, "delay_ms": M,
 *                        "after": BOOL} or {"statuses": [500, 429, ...]}:
 *                        the next N API requests answer @status (0: they
 *                        are only delayed by @delay_ms); with @after the
 *                        request is carried out first (at once, even when
 *                        its answer is delayed) and its answer lost
 *   GET  /_test/sessions/ID  a session as created
 *   POST /_test/config   {"webhook_url", "webhook_secret"}
 *   POST /_test/deliver  the event, posted signed to the webhook URL;
 *                        ?secret=S signs with another secret, ?old_secret=S
 *                        adds a first v1 by S (as when a secret is rolled),
 *                        ?age=SECONDS
 *                        back-dates it, ?tamper=1 changes the body after
 *                        signing; answers {"status", "body"} of the webhook
 *   POST /_test/decline  {"count": N}: the next N payment intents are
 *                        declined (402, card_error card_declined; the intent
 *                        is kept, status requires_payment_method)
 *   GET  /_test/stats    {"requests", "customers", "sessions", "replays", "portals",
 *                        "payment_intents", "declines", "intent_lookups",
 *                        "subscriptions", "invoices", "keys": {KEY: attempts}}
 *
 * Subscriptions: a session in mode=subscription (a recurring price_data,
 * subscription_data[metadata]) is paid by a control, which makes the
 * subscription and its invoices and delivers their events, signed, one
 * after another; each answers {"subscription", "invoice", "events": [the
 * events' JSON texts, as delivered], "statuses": [the webhook's statuses]}:
 *
 *   POST /_test/subscribe {"session": ID, "invoice_first": BOOL}: the
 *                        session completes; a subscription (active, 30-day
 *                        periods) and its first invoice (paid):
 *                        checkout.session.completed, then invoice.paid (or
 *                        the other way round, as Stripe may deliver them)
 *   POST /_test/renew    {"subscription": ID, "fail": BOOL}: the next
 *                        invoice: paid (invoice.paid; the period moves on),
 *                        or failed (invoice.payment_failed, then
 *                        customer.subscription.updated, status past_due)
 *   POST /_test/end      {"subscription": ID}: customer.subscription.deleted
 *   GET  /_test/subscriptions/ID  the subscription
 *
 * POST /v1/subscriptions/ID takes cancel_at_period_end=true|false, and a new
 * price for its item (items[0][id], items[0][price_data][...] with the
 * item's product) with proration_behavior always_invoice (a proration
 * invoice, paid at once, becomes latest_invoice; with
 * payment_behavior=error_if_incomplete a queued decline refuses the change
 * with 402) or none; it answers the subscription, as GET
 * /v1/subscriptions/ID does. GET /_test/invoices/ID answers an invoice.
 *
 * Payment intents are read back as Stripe serves them: GET
 * /v1/payment_intents/ID, and GET /v1/payment_intents?customer=C&created[gte]=T
 * (a list object, newest first).
 *
 * It prints its port on standard output, then serves until killed.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#endif

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

typedef struct
{
  guint   status;
  char   *body;
  /* What the first request with the key asked, to refuse another. */
  char   *request;
} Stored;

typedef struct
{
  SoupServer  *server;
  SoupSession *session;
  char        *secret_key;
  char        *webhook_url;
  char        *webhook_secret;
  /* id → JSON text of the object */
  GHashTable  *customers;
  GHashTable  *sessions;
  GHashTable  *subscriptions;
  GHashTable  *invoice_table;
  guint        invoices;
  /* id → JSON text, and the ids in the order they were made */
  GHashTable  *intents;
  GPtrArray   *intent_order;
  guint        intent_lookups;
  /* Idempotency-Key → Stored, and → attempts (GUINT_TO_POINTER) */
  GHashTable  *stored;
  GHashTable  *attempts;
  guint        requests;
  guint        replays;
  guint        portals;
  /* Payment intents that succeeded; declined ones, and how many more to
   * decline. */
  guint        payment_intents;
  guint        declines;
  guint        to_decline;
  /* The statuses the next API requests answer, after delay_ms; with
   * fail_after, once the request was carried out. */
  GQueue       failures;
  guint        delay_ms;
  gboolean     fail_after;
} Fake;

static Fake fake;

static void
stored_free (gpointer data)
{
  Stored *stored = data;

  g_free (stored->body);
  g_free (stored->request);
  g_free (stored);
}

static char *
random_id (const char *prefix)
{
  GString *id = g_string_new (prefix);

  for (guint i = 0; i < 24; i++)
    g_string_append_c (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           [g_random_int_range (0, 62)]);
  return g_string_free (id, FALSE);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         char              *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, json,
                                    strlen (json));
}

/* Stripe's error object. */
static char *
error_json (const char *type,
            const char *code,
            const char *param,
            const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  if (code != NULL)
    {
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, code);
    }
  if (param != NULL)
    {
      json_builder_set_member_name (builder, "param");
      json_builder_add_string_value (builder, param);
    }
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, TRUE);
}

/* "metadata[a]" members of @form as an object. */
static JsonObject *
metadata (GHashTable *form,
          const char *prefix)
{
  JsonObject *object = json_object_new ();
  GHashTableIter iter;
  const char *name, *value;
  gsize length = strlen (prefix);

  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    {
      if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, "]") &&
          strchr (name + length, '[') == NULL)
        {
          g_autofree char *key = g_strndup (name + length, strlen (name) - length - 1);

          json_object_set_string_member (object, key, value);
        }
    }

  return object;
}

static JsonObject *
metadata_object (GHashTable *form,
                 const char *prefix)
{
  JsonObject *object = json_object_new ();

  json_object_set_object_member (object, "metadata", metadata (form, prefix));
  return object;
}

static guint
create_customer (GHashTable  *form,
                 char       **body)
{
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autofree char *id = random_id ("cus_");

  json_object_set_string_member (customer, "id", id);
  json_object_set_string_member (customer, "object", "customer");
  json_object_set_int_member (customer, "created", g_get_real_time () / G_USEC_PER_SEC);
  if (g_hash_table_contains (form, "email"))
    json_object_set_string_member (customer, "email", g_hash_table_lookup (form, "email"));
  else
    json_object_set_null_member (customer, "email");
  json_object_set_object_member (customer, "metadata", metadata (form, "metadata["));
  {
    JsonObject *invoice_settings = json_object_new ();

    /* As if the buyer had saved a card at checkout. */
    json_object_set_string_member (invoice_settings, "default_payment_method", "pm_card_visa");
    json_object_set_object_member (customer, "invoice_settings", invoice_settings);
  }

  *body = object_to_string (customer);
  g_hash_table_insert (fake.customers, g_strdup (id), g_strdup (*body));
  return 200;
}

static const char * const session_required[] = {
  "mode",
  "success_url",
  "line_items[0][price_data][currency]",
  "line_items[0][price_data][unit_amount]",
  "line_items[0][price_data][product_data][name]",
  "line_items[0][quantity]",
};

/* A payment, or a subscription with its monthly price. */
static gboolean
is_mode (GHashTable *form)
{
  const char *mode = g_hash_table_lookup (form, "mode");

  if (g_str_equal (mode, "payment"))
    return TRUE;
  return g_str_equal (mode, "subscription") &&
         g_strcmp0 (g_hash_table_lookup (form, "line_items[0][price_data][recurring][interval]"),
                    "month") == 0;
}

static guint
create_session (GHashTable  *form,
                char       **body)
{
  g_autoptr(JsonObject) session = json_object_new ();
  g_autofree char *id = random_id ("cs_test_");
  g_autofree char *url = NULL;
  const char *customer = g_hash_table_lookup (form, "customer");
  const char *reference = g_hash_table_lookup (form, "client_reference_id");
  gint64 unit_amount, quantity;

  for (guint i = 0; i < G_N_ELEMENTS (session_required); i++)
    {
      g_autofree char *message = g_strdup_printf ("Missing required param: %s.",
                                                  session_required[i]);

      if (!g_hash_table_contains (form, session_required[i]))
        {
          *body = error_json ("invalid_request_error", "parameter_missing", session_required[i],
                              message);
          return 400;
        }
    }
  if (!g_ascii_string_to_signed (g_hash_table_lookup (form,
                                                      "line_items[0][price_data][unit_amount]"),
                                 10, 0, G_MAXINT32, &unit_amount, NULL) ||
      !g_ascii_string_to_signed (g_hash_table_lookup (form, "line_items[0][quantity]"), 10, 1,
                                 999, &quantity, NULL) ||
      !is_mode (form))
    {
      *body = error_json ("invalid_request_error", "parameter_invalid_integer", NULL,
                          "Invalid integer or mode.");
      return 400;
    }
  if (customer != NULL && !g_hash_table_contains (fake.customers, customer))
    {
      g_autofree char *message = g_strdup_printf ("No such customer: '%s'", customer);

      *body = error_json ("invalid_request_error", "resource_missing", "customer", message);
      return 400;
    }

  url = g_strdup_printf ("https://checkout.stripe.com/c/pay/%s", id);
  json_object_set_string_member (session, "id", id);
  json_object_set_string_member (session, "object", "checkout.session");
  json_object_set_string_member (session, "url", url);
  json_object_set_string_member (session, "mode", g_hash_table_lookup (form, "mode"));
  /* What the subscription the session makes will carry. */
  json_object_set_object_member (session, "subscription_data",
                                 metadata_object (form, "subscription_data[metadata]["));
  json_object_set_null_member (session, "subscription");
  json_object_set_string_member (session, "status", "open");
  json_object_set_string_member (session, "payment_status", "unpaid");
  json_object_set_int_member (session, "amount_total", unit_amount * quantity);
  json_object_set_string_member (session, "currency",
                                 g_hash_table_lookup (form,
                                                      "line_items[0][price_data][currency]"));
  if (customer != NULL)
    json_object_set_string_member (session, "customer", customer);
  else
    json_object_set_null_member (session, "customer");
  if (reference != NULL)
    json_object_set_string_member (session, "client_reference_id", reference);
  else
    json_object_set_null_member (session, "client_reference_id");
  json_object_set_object_member (session, "metadata", metadata (form, "metadata["));
  json_object_set_string_member (session, "success_url", g_hash_table_lookup (form,
                                                                              "success_url"));
  json_object_set_null_member (session, "payment_intent");
  json_object_set_int_member (session, "created", g_get_real_time () / G_USEC_PER_SEC);

  *body = object_to_string (session);
  g_hash_table_insert (fake.sessions, g_strdup (id), g_strdup (*body));
  return 200;
}

static guint
create_portal (GHashTable  *form,
               char       **body)
{
  g_autoptr(JsonObject) portal = json_object_new ();
  g_autofree char *id = random_id ("bps_");
  g_autofree char *url = g_strdup_printf ("https://billing.stripe.com/p/session/test_%s", id + 4);
  const char *customer = g_hash_table_lookup (form, "customer");

  if (customer == NULL || !g_hash_table_contains (fake.customers, customer))
    {
      g_autofree char *message = g_strdup_printf ("No such customer: '%s'",
                                                  customer != NULL ? customer : "");

      *body = error_json ("invalid_request_error", "resource_missing", "customer", message);
      return 400;
    }

  json_object_set_string_member (portal, "id", id);
  json_object_set_string_member (portal, "object", "billing_portal.session");
  json_object_set_string_member (portal, "customer", customer);
  json_object_set_string_member (portal, "url", url);
  json_object_set_int_member (portal, "created", g_get_real_time () / G_USEC_PER_SEC);
  *body = object_to_string (portal);
  fake.portals++;
  return 200;
}

static const char * const intent_required[] = {
  "amount", "currency", "customer", "payment_method", "confirm", "off_session",
};

static void
keep_intent (JsonObject *intent)
{
  const char *id = json_object_get_string_member (intent, "id");

  g_hash_table_insert (fake.intents, g_strdup (id), object_to_string (intent));
  g_ptr_array_add (fake.intent_order, g_strdup (id));
}

/* Stripe keeps a declined intent too, waiting for another payment method. */
static guint
intent_declined (JsonObject  *intent,
                 char       **body)
{
  fake.to_decline--;
  fake.declines++;
  json_object_set_string_member (intent, "status", "requires_payment_method");
  json_object_set_null_member (intent, "latest_charge");
  keep_intent (intent);
  *body = error_json ("card_error", "card_declined", NULL, "Your card was declined.");
  return 402;
}

static guint
create_intent (GHashTable  *form,
               char       **body)
{
  g_autoptr(JsonObject) intent = json_object_new ();
  g_autofree char *id = random_id ("pi_");
  g_autofree char *charge = random_id ("ch_");
  const char *customer = g_hash_table_lookup (form, "customer");
  gint64 amount;

  for (guint i = 0; i < G_N_ELEMENTS (intent_required); i++)
    {
      g_autofree char *message = g_strdup_printf ("Missing required param: %s.",
                                                  intent_required[i]);

      if (!g_hash_table_contains (form, intent_required[i]))
        {
          *body = error_json ("invalid_request_error", "parameter_missing", intent_required[i],
                              message);
          return 400;
        }
    }
  if (!g_hash_table_contains (fake.customers, customer) ||
      !g_str_equal (g_hash_table_lookup (form, "payment_method"), "pm_card_visa") ||
      !g_ascii_string_to_signed (g_hash_table_lookup (form, "amount"), 10, 1, G_MAXINT32,
                                 &amount, NULL))
    {
      *body = error_json ("invalid_request_error", "resource_missing", "payment_method",
                          "No such customer or payment method, or an invalid amount.");
      return 400;
    }
  json_object_set_string_member (intent, "id", id);
  json_object_set_string_member (intent, "object", "payment_intent");
  json_object_set_int_member (intent, "amount", amount);
  json_object_set_int_member (intent, "amount_received", amount);
  json_object_set_string_member (intent, "currency", g_hash_table_lookup (form, "currency"));
  json_object_set_string_member (intent, "customer", customer);
  json_object_set_string_member (intent, "payment_method", "pm_card_visa");
  json_object_set_string_member (intent, "status", "succeeded");
  json_object_set_string_member (intent, "latest_charge", charge);
  json_object_set_object_member (intent, "metadata", metadata (form, "metadata["));
  json_object_set_int_member (intent, "created", g_get_real_time () / G_USEC_PER_SEC);
  if (fake.to_decline > 0)
    return intent_declined (intent, body);

  keep_intent (intent);
  *body = object_to_string (intent);
  fake.payment_intents++;
  return 200;
}

/* --- subscriptions --- */

#define PERIOD_SECONDS (30 * 86400)

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static void
keep_subscription (JsonObject *subscription)
{
  g_hash_table_insert (fake.subscriptions,
                       g_strdup (json_object_get_string_member (subscription, "id")),
                       object_to_string (subscription));
}

/* The period is on the subscription's item, as since API 2025-03-31. */
static JsonObject *
subscription_item (JsonObject *subscription)
{
  JsonArray *data = json_object_get_array_member (json_object_get_object_member (subscription,
                                                                                 "items"),
                                                  "data");

  return json_array_get_object_element (data, 0);
}

static void
set_period (JsonObject *subscription,
            gint64      start)
{
  JsonObject *item = subscription_item (subscription);

  json_object_set_int_member (item, "current_period_start", start);
  json_object_set_int_member (item, "current_period_end", start + PERIOD_SECONDS);
}

static JsonObject *
new_subscription (JsonObject *session)
{
  JsonObject *subscription = json_object_new ();
  JsonObject *items = json_object_new ();
  JsonArray *data = json_array_new ();
  JsonObject *item = json_object_new ();
  JsonObject *data_of_session = json_object_get_object_member (session, "subscription_data");
  g_autofree char *id = random_id ("sub_");
  g_autofree char *item_id = random_id ("si_");

  json_object_set_string_member (subscription, "id", id);
  json_object_set_string_member (subscription, "object", "subscription");
  json_object_set_string_member (subscription, "status", "active");
  json_object_set_boolean_member (subscription, "cancel_at_period_end", FALSE);
  json_object_set_string_member (subscription, "customer",
                                 json_object_get_string_member (session, "customer"));
  json_object_set_string_member (subscription, "currency",
                                 json_object_get_string_member (session, "currency"));
  /* Not a member of Stripe's object: what the fake's invoices charge. */
  json_object_set_int_member (subscription, "amount",
                              json_object_get_int_member (session, "amount_total"));
  json_object_set_object_member (subscription, "metadata",
                                 json_object_ref (json_object_get_object_member (data_of_session,
                                                                                 "metadata")));
  json_object_set_string_member (item, "id", item_id);
  json_object_set_string_member (item, "object", "subscription_item");
  {
    JsonObject *price = json_object_new ();
    JsonObject *recurring = json_object_new ();
    g_autofree char *price_id = random_id ("price_");
    g_autofree char *product = random_id ("prod_");

    json_object_set_string_member (price, "id", price_id);
    json_object_set_string_member (price, "object", "price");
    json_object_set_string_member (price, "product", product);
    json_object_set_int_member (price, "unit_amount",
                                json_object_get_int_member (session, "amount_total"));
    json_object_set_string_member (price, "currency",
                                   json_object_get_string_member (session, "currency"));
    json_object_set_string_member (recurring, "interval", "month");
    json_object_set_object_member (price, "recurring", recurring);
    json_object_set_object_member (item, "price", price);
  }
  json_array_add_object_element (data, item);
  json_object_set_string_member (items, "object", "list");
  json_object_set_array_member (items, "data", data);
  json_object_set_object_member (subscription, "items", items);
  json_object_set_int_member (subscription, "created", g_get_real_time () / G_USEC_PER_SEC);
  set_period (subscription, g_get_real_time () / G_USEC_PER_SEC);
  return subscription;
}

/* An invoice of the subscription's current period, as since API
 * 2025-03-31: its subscription under parent.subscription_details. */
static JsonObject *
new_invoice (JsonObject *subscription,
             const char *billing_reason,
             gboolean    paid)
{
  JsonObject *invoice = json_object_new ();
  JsonObject *parent = json_object_new ();
  JsonObject *details = json_object_new ();
  JsonObject *lines = json_object_new ();
  JsonArray *data = json_array_new ();
  JsonObject *line = json_object_new ();
  JsonObject *period = json_object_new ();
  JsonObject *item = subscription_item (subscription);
  gint64 amount = json_object_get_int_member (subscription, "amount");
  g_autofree char *id = random_id ("in_");

  fake.invoices++;
  json_object_set_string_member (invoice, "id", id);
  json_object_set_string_member (invoice, "object", "invoice");
  json_object_set_string_member (invoice, "status", paid ? "paid" : "open");
  json_object_set_string_member (invoice, "billing_reason", billing_reason);
  json_object_set_string_member (invoice, "customer",
                                 json_object_get_string_member (subscription, "customer"));
  json_object_set_string_member (invoice, "currency",
                                 json_object_get_string_member (subscription, "currency"));
  json_object_set_int_member (invoice, "amount_due", amount);
  json_object_set_int_member (invoice, "amount_paid", paid ? amount : 0);
  json_object_set_string_member (details, "subscription",
                                 json_object_get_string_member (subscription, "id"));
  json_object_set_object_member (details, "metadata",
                                 json_object_ref (json_object_get_object_member (subscription,
                                                                                 "metadata")));
  json_object_set_string_member (parent, "type", "subscription_details");
  json_object_set_object_member (parent, "subscription_details", details);
  json_object_set_object_member (invoice, "parent", parent);
  json_object_set_int_member (period, "start",
                              json_object_get_int_member (item, "current_period_start"));
  json_object_set_int_member (period, "end",
                              json_object_get_int_member (item, "current_period_end"));
  json_object_set_int_member (line, "amount", amount);
  json_object_set_object_member (line, "period", period);
  json_array_add_object_element (data, line);
  json_object_set_string_member (lines, "object", "list");
  json_object_set_array_member (lines, "data", data);
  json_object_set_object_member (invoice, "lines", lines);
  json_object_set_int_member (invoice, "created", g_get_real_time () / G_USEC_PER_SEC);
  g_hash_table_insert (fake.invoice_table, g_strdup (id), object_to_string (invoice));
  return invoice;
}

/* A new price for the subscription's item; an upgrade's proration
 * invoice charges the difference for what is left of the period. */
static guint
change_price (JsonObject  *subscription,
              GHashTable  *form,
              char       **body)
{
  JsonObject *item = subscription_item (subscription);
  JsonObject *price = json_object_get_object_member (item, "price");
  const char *behavior = g_hash_table_lookup (form, "proration_behavior");
  gint64 old_amount = json_object_get_int_member (price, "unit_amount");
  gint64 amount, now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start = json_object_get_int_member (item, "current_period_start");
  gint64 end = json_object_get_int_member (item, "current_period_end");

  if (g_strcmp0 (g_hash_table_lookup (form, "items[0][id]"),
                 json_object_get_string_member (item, "id")) != 0 ||
      g_strcmp0 (g_hash_table_lookup (form, "items[0][price_data][product]"),
                 json_object_get_string_member (price, "product")) != 0 ||
      !g_ascii_string_to_signed (g_hash_table_lookup (form,
                                                      "items[0][price_data][unit_amount]"),
                                 10, 0, G_MAXINT32, &amount, NULL) ||
      g_strcmp0 (g_hash_table_lookup (form, "items[0][price_data][recurring][interval]"),
                 "month") != 0 ||
      (g_strcmp0 (behavior, "always_invoice") != 0 && g_strcmp0 (behavior, "none") != 0))
    {
      *body = error_json ("invalid_request_error", "resource_missing", "items",
                          "No such subscription item or product, or an invalid price.");
      return 400;
    }
  if (g_str_equal (behavior, "always_invoice") && fake.to_decline > 0 &&
      g_strcmp0 (g_hash_table_lookup (form, "payment_behavior"), "error_if_incomplete") == 0)
    {
      fake.to_decline--;
      fake.declines++;
      *body = error_json ("card_error", "card_declined", NULL, "Your card was declined.");
      return 402;
    }

  json_object_set_int_member (price, "unit_amount", amount);
  json_object_set_int_member (subscription, "amount", amount);
  if (g_str_equal (behavior, "always_invoice"))
    {
      g_autoptr(JsonObject) invoice = new_invoice (subscription, "subscription_update", TRUE);
      gint64 charged = end > start ? (amount - old_amount) * (end - MIN (now, end)) / (end - start)
                                   : 0;

      json_object_set_int_member (invoice, "amount_due", MAX (charged, 0));
      json_object_set_int_member (invoice, "amount_paid", MAX (charged, 0));
      g_hash_table_insert (fake.invoice_table,
                           g_strdup (json_object_get_string_member (invoice, "id")),
                           object_to_string (invoice));
      json_object_set_string_member (subscription, "latest_invoice",
                                     json_object_get_string_member (invoice, "id"));
    }
  return 0;
}

/* POST /v1/subscriptions/ID: cancel_at_period_end, and nothing else. */
static guint
update_subscription (const char  *id,
                     GHashTable  *form,
                     char       **body)
{
  g_autoptr(JsonObject) subscription = parse_object (g_hash_table_lookup (fake.subscriptions,
                                                                          id));
  const char *cancel = g_hash_table_lookup (form, "cancel_at_period_end");

  if (subscription == NULL)
    {
      g_autofree char *message = g_strdup_printf ("No such subscription: '%s'", id);

      *body = error_json ("invalid_request_error", "resource_missing", "id", message);
      return 404;
    }
  if (cancel != NULL && !g_str_equal (cancel, "true") && !g_str_equal (cancel, "false"))
    {
      *body = error_json ("invalid_request_error", "parameter_invalid_boolean",
                          "cancel_at_period_end", "Invalid boolean.");
      return 400;
    }
  if (cancel != NULL)
    json_object_set_boolean_member (subscription, "cancel_at_period_end",
                                    g_str_equal (cancel, "true"));
  if (g_hash_table_contains (form, "items[0][id]"))
    {
      guint status = change_price (subscription, form, body);

      if (status != 0)
        return status;
    }
  if (g_hash_table_contains (form, "metadata[plan]"))
    json_object_set_string_member (json_object_get_object_member (subscription, "metadata"),
                                   "plan", g_hash_table_lookup (form, "metadata[plan]"));

  keep_subscription (subscription);
  *body = object_to_string (subscription);
  return 200;
}

static gboolean
authorized (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || !g_str_has_prefix (header, "Bearer sk_"))
    return FALSE;

  return fake.secret_key == NULL || g_str_equal (header + 7, fake.secret_key);
}

/* The API proper, once the failures asked for are spent. */
static void
serve_api (SoupServerMessage *msg)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *key = soup_message_headers_get_one (headers, "Idempotency-Key");
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autofree char *text = g_strndup (request->data, request->length);
  g_autofree char *what = g_strdup_printf ("%s %s", path, text);
  g_autoptr(GHashTable) form = NULL;
  Stored *stored;
  char *body = NULL;
  guint status;

  if (!authorized (msg))
    {
      respond (msg, 401, error_json ("invalid_request_error", NULL, NULL,
                                     "Invalid API Key provided"));
      return;
    }

  stored = key != NULL ? g_hash_table_lookup (fake.stored, key) : NULL;
  if (stored != NULL && !g_str_equal (stored->request, what))
    {
      respond (msg, 400, error_json ("idempotency_error", NULL, NULL,
                                     "Keys for idempotent requests can only be used with the "
                                     "same parameters they were first used with."));
      return;
    }
  if (stored != NULL)
    {
      fake.replays++;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Idempotent-Replayed", "true");
      respond (msg, stored->status, g_strdup (stored->body));
      return;
    }

  form = soup_form_decode (text);
  if (g_str_equal (path, "/v1/customers"))
    status = create_customer (form, &body);
  else if (g_str_equal (path, "/v1/checkout/sessions"))
    status = create_session (form, &body);
  else if (g_str_equal (path, "/v1/billing_portal/sessions"))
    status = create_portal (form, &body);
  else if (g_str_equal (path, "/v1/payment_intents"))
    status = create_intent (form, &body);
  else if (g_str_has_prefix (path, "/v1/subscriptions/"))
    status = update_subscription (path + strlen ("/v1/subscriptions/"), form, &body);
  else
    {
      g_autofree char *message = g_strdup_printf ("Unrecognized request URL (POST: %s).", path);

      status = 404;
      body = error_json ("invalid_request_error", NULL, NULL, message);
    }

  if (key != NULL)
    {
      stored = g_new0 (Stored, 1);
      stored->status = status;
      stored->body = g_strdup (body);
      stored->request = g_strdup (what);
      g_hash_table_insert (fake.stored, g_strdup (key), stored);
    }
  respond (msg, status, body);
}

/* @served: the request was carried out already. */
static void
answer_api (SoupServerMessage *msg,
            guint              fail_status,
            gboolean           served)
{
  if (!served && fail_status != 0 && fake.fail_after)
    serve_api (msg);

  if (fail_status == 429)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "0");
      respond (msg, 429, error_json ("invalid_request_error", "rate_limit",
                                     NULL, "Too many requests hit the API too quickly."));
    }
  else if (fail_status != 0)
    respond (msg, fail_status, error_json ("api_error", NULL, NULL,
                                           "Something went wrong on Stripe's end."));
  else if (!served)
    serve_api (msg);
}

typedef struct
{
  SoupServerMessage *msg;
  guint              fail_status;
  gboolean           served;
} Delayed;

static gboolean
answer_delayed (gpointer data)
{
  Delayed *delayed = data;

  answer_api (delayed->msg, delayed->fail_status, delayed->served);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed);
  return G_SOURCE_REMOVE;
}

static void
handle_api (SoupServerMessage *msg)
{
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  "Idempotency-Key");
  guint fail_status = 0;
  guint delay = 0;

  fake.requests++;
  if (key != NULL)
    g_hash_table_insert (fake.attempts, g_strdup (key),
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (fake.attempts,
                                                                                  key)) + 1));
  if (!g_queue_is_empty (&fake.failures))
    {
      fail_status = GPOINTER_TO_UINT (g_queue_pop_head (&fake.failures));
      delay = fake.delay_ms;
    }

  if (delay == 0)
    {
      answer_api (msg, fail_status, FALSE);
      return;
    }

  {
    Delayed *delayed = g_new0 (Delayed, 1);

    /* With after, the charge is made now and its answer held back: a
     * client killed meanwhile never hears it. */
    delayed->served = fake.fail_after;
    if (delayed->served)
      serve_api (msg);
    delayed->msg = g_object_ref (msg);
    delayed->fail_status = fail_status;
    soup_server_message_pause (msg);
    g_timeout_add (delay, answer_delayed, delayed);
  }
}

/* --- the controls --- */

static JsonObject *
request_object (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, body->data, body->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
handle_fail (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) object = request_object (msg);

  if (object == NULL)
    {
      respond (msg, 400, g_strdup ("{}"));
      return;
    }
  g_queue_clear (&fake.failures);
  if (json_object_has_member (object, "statuses"))
    {
      JsonArray *statuses = json_object_get_array_member (object, "statuses");

      for (guint i = 0; i < json_array_get_length (statuses); i++)
        g_queue_push_tail (&fake.failures,
                           GUINT_TO_POINTER (json_array_get_int_element (statuses, i)));
    }
  else
    {
      gint64 count = json_object_get_int_member_with_default (object, "count", 1);
      guint status = json_object_get_int_member_with_default (object, "status", 500);

      for (gint64 i = 0; i < count; i++)
        g_queue_push_tail (&fake.failures, GUINT_TO_POINTER (status));
    }
  fake.delay_ms = json_object_get_int_member_with_default (object, "delay_ms", 0);
  fake.fail_after = json_object_get_boolean_member_with_default (object, "after", FALSE);
  respond (msg, 200, g_strdup ("{}"));
}

static void
handle_decline (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) object = request_object (msg);

  if (object == NULL)
    {
      respond (msg, 400, g_strdup ("{}"));
      return;
    }
  fake.to_decline = json_object_get_int_member_with_default (object, "count", 1);
  respond (msg, 200, g_strdup ("{}"));
}

/* GET /v1/customers/ID: not failed on purpose, nor delayed. */
static void
handle_get_customer (SoupServerMessage *msg,
                     const char        *id)
{
  const char *customer = g_hash_table_lookup (fake.customers, id);

  fake.requests++;
  if (!authorized (msg))
    respond (msg, 401, error_json ("invalid_request_error", NULL, NULL,
                                   "Invalid API Key provided"));
  else if (customer == NULL)
    respond (msg, 404, error_json ("invalid_request_error", "resource_missing", "id",
                                   "No such customer"));
  else
    respond (msg, 200, g_strdup (customer));
}

/* GET /v1/subscriptions/ID: not failed on purpose, nor delayed. */
static void
handle_get_subscription (SoupServerMessage *msg,
                         const char        *id)
{
  const char *subscription = g_hash_table_lookup (fake.subscriptions, id);

  fake.requests++;
  if (!authorized (msg))
    respond (msg, 401, error_json ("invalid_request_error", NULL, NULL,
                                   "Invalid API Key provided"));
  else if (subscription == NULL)
    respond (msg, 404, error_json ("invalid_request_error", "resource_missing", "id",
                                   "No such subscription"));
  else
    respond (msg, 200, g_strdup (subscription));
}

/* GET /v1/payment_intents/ID, or the list of a customer's intents. */
static void
handle_get_intents (SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query)
{
  const char *customer = query != NULL ? g_hash_table_lookup (query, "customer") : NULL;
  const char *since = query != NULL ? g_hash_table_lookup (query, "created[gte]") : NULL;
  g_autoptr(JsonObject) list = NULL;
  JsonArray *data;

  fake.requests++;
  fake.intent_lookups++;
  if (!authorized (msg))
    {
      respond (msg, 401, error_json ("invalid_request_error", NULL, NULL,
                                     "Invalid API Key provided"));
      return;
    }
  if (g_str_has_prefix (path, "/v1/payment_intents/"))
    {
      const char *intent = g_hash_table_lookup (fake.intents,
                                                path + strlen ("/v1/payment_intents/"));

      if (intent == NULL)
        respond (msg, 404, error_json ("invalid_request_error", "resource_missing", "intent",
                                       "No such payment_intent"));
      else
        respond (msg, 200, g_strdup (intent));
      return;
    }

  list = json_object_new ();
  data = json_array_new ();
  for (guint i = fake.intent_order->len; i > 0; i--)
    {
      const char *text = g_hash_table_lookup (fake.intents,
                                              g_ptr_array_index (fake.intent_order, i - 1));
      g_autoptr(JsonNode) node = json_from_string (text, NULL);
      JsonObject *intent = json_node_get_object (node);

      if ((customer == NULL ||
           g_strcmp0 (json_object_get_string_member (intent, "customer"), customer) == 0) &&
          (since == NULL || json_object_get_int_member (intent, "created") >= atoll (since)))
        json_array_add_element (data, json_node_copy (node));
    }
  json_object_set_string_member (list, "object", "list");
  json_object_set_string_member (list, "url", "/v1/payment_intents");
  json_object_set_boolean_member (list, "has_more", FALSE);
  json_object_set_array_member (list, "data", data);
  respond (msg, 200, object_to_string (list));
}

static void
handle_config (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) object = request_object (msg);

  if (object == NULL)
    {
      respond (msg, 400, g_strdup ("{}"));
      return;
    }
  if (json_object_has_member (object, "webhook_url"))
    {
      g_free (fake.webhook_url);
      fake.webhook_url = g_strdup (json_object_get_string_member (object, "webhook_url"));
    }
  if (json_object_has_member (object, "webhook_secret"))
    {
      g_free (fake.webhook_secret);
      fake.webhook_secret = g_strdup (json_object_get_string_member (object, "webhook_secret"));
    }
  respond (msg, 200, g_strdup ("{}"));
}

static void
handle_stats (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) stats = json_object_new ();
  JsonObject *keys = json_object_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fake.attempts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_int_member (keys, key, GPOINTER_TO_UINT (value));

  json_object_set_int_member (stats, "requests", fake.requests);
  json_object_set_int_member (stats, "customers", g_hash_table_size (fake.customers));
  json_object_set_int_member (stats, "sessions", g_hash_table_size (fake.sessions));
  json_object_set_int_member (stats, "replays", fake.replays);
  json_object_set_int_member (stats, "portals", fake.portals);
  json_object_set_int_member (stats, "payment_intents", fake.payment_intents);
  json_object_set_int_member (stats, "declines", fake.declines);
  json_object_set_int_member (stats, "intent_lookups", fake.intent_lookups);
  json_object_set_int_member (stats, "subscriptions", g_hash_table_size (fake.subscriptions));
  json_object_set_int_member (stats, "invoices", fake.invoices);
  json_object_set_object_member (stats, "keys", keys);
  respond (msg, 200, object_to_string (stats));
}

static void
on_delivered (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(SoupServerMessage) msg = data;
  SoupMessage *sent = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autofree char *text = NULL;

  if (bytes != NULL)
    text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  json_object_set_int_member (answer, "status", bytes != NULL ? soup_message_get_status (sent)
                                                              : 0);
  json_object_set_string_member (answer, "body", text != NULL ? text : "");
  respond (msg, 200, object_to_string (answer));
  soup_server_message_unpause (msg);
}

static char *
sign (const char *secret,
      gint64      timestamp,
      const char *payload,
      gsize       length)
{
  g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, timestamp);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret,
                                      strlen (secret));

  g_hmac_update (hmac, (const guchar *) t, -1);
  g_hmac_update (hmac, (const guchar *) ".", 1);
  g_hmac_update (hmac, (const guchar *) payload, length);
  return g_strdup_printf ("t=%s,v1=%s", t, g_hmac_get_string (hmac));
}

static void
handle_deliver (SoupServerMessage *msg,
                GHashTable        *query)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *secret = query != NULL && g_hash_table_contains (query, "secret")
                       ? g_hash_table_lookup (query, "secret") : fake.webhook_secret;
  const char *age = query != NULL ? g_hash_table_lookup (query, "age") : NULL;
  gint64 timestamp = g_get_real_time () / G_USEC_PER_SEC - (age != NULL ? atoi (age) : 0);
  g_autofree char *payload = g_strndup (body->data, body->length);
  g_autofree char *signature = NULL;
  g_autoptr(SoupMessage) post = NULL;

  if (fake.webhook_url == NULL || secret == NULL)
    {
      respond (msg, 400, g_strdup ("{\"error\": \"no webhook_url or webhook_secret\"}"));
      return;
    }

  signature = sign (secret, timestamp, payload, strlen (payload));
  /* While a secret is rolled, Stripe signs with the old one too. */
  if (query != NULL && g_hash_table_contains (query, "old_secret"))
    {
      g_autofree char *old = sign (g_hash_table_lookup (query, "old_secret"), timestamp, payload,
                                   strlen (payload));
      char *both = g_strconcat (old, ",", strstr (signature, "v1="), NULL);

      g_free (signature);
      signature = both;
    }
  if (query != NULL && g_hash_table_contains (query, "tamper"))
    {
      /* "paid" for "unpaid" would be the attack; any byte must do. */
      char *tampered = g_strconcat (payload, " ", NULL);

      g_free (payload);
      payload = tampered;
    }

  post = soup_message_new ("POST", fake.webhook_url);
  soup_message_headers_replace (soup_message_get_request_headers (post), "Stripe-Signature",
                                signature);
  soup_message_set_request_body_from_bytes (post, "application/json; charset=utf-8",
                                            g_bytes_new_take (payload, strlen (payload)));
  payload = NULL;
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (fake.session, post, G_PRIORITY_DEFAULT, NULL, on_delivered,
                                    g_object_ref (msg));
}

/* --- subscription controls: events delivered one after another --- */

typedef struct
{
  SoupServerMessage *msg;
  /* Event texts, and the answer being made. */
  GPtrArray         *events;
  guint              next;
  JsonObject        *answer;
  JsonArray         *statuses;
} Chain;

static char *
event_text (const char *type,
            JsonObject *object)
{
  g_autoptr(JsonObject) event = json_object_new ();
  JsonObject *data = json_object_new ();
  g_autofree char *id = random_id ("evt_");

  json_object_set_string_member (event, "id", id);
  json_object_set_string_member (event, "object", "event");
  json_object_set_string_member (event, "api_version", "2025-03-31.basil");
  json_object_set_string_member (event, "type", type);
  json_object_set_int_member (event, "created", g_get_real_time () / G_USEC_PER_SEC);
  json_object_set_object_member (data, "object", json_object_ref (object));
  json_object_set_object_member (event, "data", data);
  return object_to_string (event);
}

static void chain_next (Chain *chain);

static void
on_chain_delivered (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  Chain *chain = data;
  SoupMessage *sent = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);

  json_array_add_int_element (chain->statuses, bytes != NULL ? soup_message_get_status (sent)
                                                             : 0);
  chain->next++;
  chain_next (chain);
}

static void
chain_next (Chain *chain)
{
  const char *text;
  g_autofree char *signature = NULL;
  g_autoptr(SoupMessage) post = NULL;
  JsonArray *events;

  if (chain->next < chain->events->len)
    {
      text = g_ptr_array_index (chain->events, chain->next);
      signature = sign (fake.webhook_secret, g_get_real_time () / G_USEC_PER_SEC, text,
                        strlen (text));
      post = soup_message_new ("POST", fake.webhook_url);
      soup_message_headers_replace (soup_message_get_request_headers (post), "Stripe-Signature",
                                    signature);
      soup_message_set_request_body_from_bytes (post, "application/json; charset=utf-8",
                                                g_bytes_new (text, strlen (text)));
      soup_session_send_and_read_async (fake.session, post, G_PRIORITY_DEFAULT, NULL,
                                        on_chain_delivered, chain);
      return;
    }

  events = json_array_new ();
  for (guint i = 0; i < chain->events->len; i++)
    json_array_add_string_element (events, g_ptr_array_index (chain->events, i));
  json_object_set_array_member (chain->answer, "events", events);
  json_object_set_array_member (chain->answer, "statuses", chain->statuses);
  respond (chain->msg, 200, object_to_string (chain->answer));
  soup_server_message_unpause (chain->msg);
  g_object_unref (chain->msg);
  g_ptr_array_unref (chain->events);
  json_object_unref (chain->answer);
  g_free (chain);
}

static Chain *
chain_new (SoupServerMessage *msg)
{
  Chain *chain = g_new0 (Chain, 1);

  chain->msg = g_object_ref (msg);
  chain->events = g_ptr_array_new_with_free_func (g_free);
  chain->answer = json_object_new ();
  chain->statuses = json_array_new ();
  return chain;
}

static void
chain_start (Chain *chain)
{
  soup_server_message_pause (chain->msg);
  chain_next (chain);
}

/* The control's subscription, or NULL (answered 400). */
static JsonObject *
control_subscription (SoupServerMessage *msg,
                      JsonObject        *request)
{
  const char *id = request != NULL ? json_object_get_string_member_with_default (request,
                                                                                 "subscription",
                                                                                 "") : "";
  JsonObject *subscription = parse_object (g_hash_table_lookup (fake.subscriptions, id));

  if (subscription == NULL || fake.webhook_url == NULL || fake.webhook_secret == NULL)
    respond (msg, 400, g_strdup ("{\"error\": \"no such subscription, or no webhook\"}"));
  return subscription;
}

static void
handle_subscribe (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) request = request_object (msg);
  const char *id = request != NULL ? json_object_get_string_member_with_default (request,
                                                                                 "session", "")
                                   : "";
  g_autoptr(JsonObject) session = parse_object (g_hash_table_lookup (fake.sessions, id));
  g_autoptr(JsonObject) subscription = NULL;
  g_autoptr(JsonObject) invoice = NULL;
  Chain *chain;

  if (session == NULL || g_strcmp0 (json_object_get_string_member (session, "mode"),
                                    "subscription") != 0 ||
      g_strcmp0 (json_object_get_string_member (session, "status"), "open") != 0 ||
      fake.webhook_url == NULL || fake.webhook_secret == NULL)
    {
      respond (msg, 400, g_strdup ("{\"error\": \"no open subscription session, or no "
                                   "webhook\"}"));
      return;
    }

  subscription = new_subscription (session);
  invoice = new_invoice (subscription, "subscription_create", TRUE);
  json_object_set_string_member (subscription, "latest_invoice",
                                 json_object_get_string_member (invoice, "id"));
  keep_subscription (subscription);
  json_object_set_string_member (session, "status", "complete");
  json_object_set_string_member (session, "payment_status", "paid");
  json_object_set_string_member (session, "subscription",
                                 json_object_get_string_member (subscription, "id"));
  g_hash_table_insert (fake.sessions, g_strdup (id), object_to_string (session));

  chain = chain_new (msg);
  json_object_set_string_member (chain->answer, "subscription",
                                 json_object_get_string_member (subscription, "id"));
  json_object_set_string_member (chain->answer, "invoice",
                                 json_object_get_string_member (invoice, "id"));
  g_ptr_array_add (chain->events, event_text ("checkout.session.completed", session));
  if (json_object_get_boolean_member_with_default (request, "invoice_first", FALSE))
    g_ptr_array_insert (chain->events, 0, event_text ("invoice.paid", invoice));
  else
    g_ptr_array_add (chain->events, event_text ("invoice.paid", invoice));
  chain_start (chain);
}

static void
handle_renew (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) request = request_object (msg);
  g_autoptr(JsonObject) subscription = control_subscription (msg, request);
  g_autoptr(JsonObject) invoice = NULL;
  gboolean fail;
  Chain *chain;

  if (subscription == NULL)
    return;

  fail = json_object_get_boolean_member_with_default (request, "fail", FALSE);
  if (!fail)
    set_period (subscription, json_object_get_int_member (subscription_item (subscription),
                                                          "current_period_end"));
  invoice = new_invoice (subscription, "subscription_cycle", !fail);
  json_object_set_string_member (subscription, "status", fail ? "past_due" : "active");
  json_object_set_string_member (subscription, "latest_invoice",
                                 json_object_get_string_member (invoice, "id"));
  keep_subscription (subscription);

  chain = chain_new (msg);
  json_object_set_string_member (chain->answer, "subscription",
                                 json_object_get_string_member (subscription, "id"));
  json_object_set_string_member (chain->answer, "invoice",
                                 json_object_get_string_member (invoice, "id"));
  g_ptr_array_add (chain->events, event_text (fail ? "invoice.payment_failed" : "invoice.paid",
                                              invoice));
  if (fail)
    g_ptr_array_add (chain->events, event_text ("customer.subscription.updated", subscription));
  chain_start (chain);
}

static void
handle_end (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) request = request_object (msg);
  g_autoptr(JsonObject) subscription = control_subscription (msg, request);
  Chain *chain;

  if (subscription == NULL)
    return;

  json_object_set_string_member (subscription, "status", "canceled");
  json_object_set_int_member (subscription, "ended_at", g_get_real_time () / G_USEC_PER_SEC);
  keep_subscription (subscription);

  chain = chain_new (msg);
  json_object_set_string_member (chain->answer, "subscription",
                                 json_object_get_string_member (subscription, "id"));
  json_object_set_null_member (chain->answer, "invoice");
  g_ptr_array_add (chain->events, event_text ("customer.subscription.deleted", subscription));
  chain_start (chain);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           data)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/_test/fail"))
    handle_fail (msg);
  else if (g_str_equal (path, "/_test/config"))
    handle_config (msg);
  else if (g_str_equal (path, "/_test/stats"))
    handle_stats (msg);
  else if (g_str_equal (path, "/_test/deliver"))
    handle_deliver (msg, query);
  else if (g_str_equal (path, "/_test/decline"))
    handle_decline (msg);
  else if (g_str_equal (path, "/_test/subscribe"))
    handle_subscribe (msg);
  else if (g_str_equal (path, "/_test/renew"))
    handle_renew (msg);
  else if (g_str_equal (path, "/_test/end"))
    handle_end (msg);
  else if (g_str_has_prefix (path, "/_test/subscriptions/") &&
           g_hash_table_contains (fake.subscriptions, path + strlen ("/_test/subscriptions/")))
    respond (msg, 200, g_strdup (g_hash_table_lookup (fake.subscriptions,
                                                      path + strlen ("/_test/subscriptions/"))));
  else if (g_str_equal (method, "GET") && g_str_has_prefix (path, "/v1/customers/"))
    handle_get_customer (msg, path + strlen ("/v1/customers/"));
  else if (g_str_equal (method, "GET") && g_str_has_prefix (path, "/v1/payment_intents"))
    handle_get_intents (msg, path, query);
  else if (g_str_equal (method, "GET") && g_str_has_prefix (path, "/v1/subscriptions/"))
    handle_get_subscription (msg, path + strlen ("/v1/subscriptions/"));
  else if (g_str_has_prefix (path, "/_test/invoices/") &&
           g_hash_table_contains (fake.invoice_table, path + strlen ("/_test/invoices/")))
    respond (msg, 200, g_strdup (g_hash_table_lookup (fake.invoice_table,
                                                      path + strlen ("/_test/invoices/"))));
  else if (g_str_has_prefix (path, "/_test/sessions/") &&
           g_hash_table_contains (fake.sessions, path + strlen ("/_test/sessions/")))
    respond (msg, 200, g_strdup (g_hash_table_lookup (fake.sessions,
                                                      path + strlen ("/_test/sessions/"))));
  else if (g_str_equal (method, "POST"))
    handle_api (msg);
  else
    respond (msg, 404, error_json ("invalid_request_error", NULL, NULL,
                                   "Unrecognized request URL."));
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "secret-key", 0, 0, G_OPTION_ARG_STRING, &fake.secret_key, "The only key accepted", "KEY" },
    { "webhook-url", 0, 0, G_OPTION_ARG_STRING, &fake.webhook_url, "Where events go", "URL" },
    { "webhook-secret", 0, 0, G_OPTION_ARG_STRING, &fake.webhook_secret, "Signs events", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- a fake Stripe for tests");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSList) uris = NULL;

#ifdef __linux__
  /* A test that fails on an assertion never kills us: go with it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fake-stripe: %s\n", error->message);
      return 2;
    }

  fake.customers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake.sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake.subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake.invoice_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake.intents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake.intent_order = g_ptr_array_new_with_free_func (g_free);
  fake.stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stored_free);
  fake.attempts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake.session = soup_session_new ();
  fake.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fake.server, NULL, handle, NULL, NULL);
  if (!soup_server_listen_local (fake.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("fake-stripe: %s\n", error->message);
      return 1;
    }

  uris = soup_server_get_uris (fake.server);
  g_print ("%d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_main_loop_run (loop);
  return 0;
}
