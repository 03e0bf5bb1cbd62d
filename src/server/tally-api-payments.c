/* tally-api-payments.c: credit packs, checkout and the billing portal
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-payments.h"
#include "tally-gifts.h"
#include "tally-log.h"
#include "tally-store-payments.h"

gboolean
tally_api_decode_checkout (JsonObject           *body,
                           TallyCheckoutRequest *out,
                           TallyProblem         *problem)
{
  memset (out, 0, sizeof *out);

  if (!tally_json_get_string (body, "pack", TALLY_FIELD_REQUIRED, TALLY_PACK_ID_MAX,
                              &out->pack, problem) ||
      !tally_json_get_string (body, "gift_email", TALLY_FIELD_OPTIONAL, TALLY_EMAIL_MAX,
                              &out->gift_email, problem))
    return FALSE;

  if (out->gift_email != NULL && !tally_api_email_is_valid (out->gift_email))
    {
      tally_problem_invalid (problem, "gift_email", "“%s” is not an email address",
                             out->gift_email);
      return FALSE;
    }

  return TRUE;
}

static void
handle_packs (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_autoptr(JsonObject) body = tally_payments_packs_json (payments);

  tally_request_respond_object (request, 200, body);
}

/* One checkout on its way: the payment row, then (Stripe) the customer and
 * the session, then the session id recorded, then the answer. */
typedef struct
{
  TallyRequest *request;
  TallyPayment  payment;
  char         *pack_name;
  /* Sent on every attempt of this checkout's session creation. */
  char         *idempotency_key;
  char         *email;
  /* NULL, or the address the pack is a gift to, lower case. */
  char         *gift_email;
  char         *url;
} CheckoutJob;

static void
checkout_job_free (gpointer data)
{
  CheckoutJob *job = data;

  g_free (job->pack_name);
  g_free (job->idempotency_key);
  g_free (job->email);
  g_free (job->gift_email);
  g_free (job->url);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
job_server (CheckoutJob *job)
{
  return tally_request_get_server (job->request);
}

static void
checkout_failed (CheckoutJob  *job,
                 const GError *error)
{
  tally_metrics_count (tally_server_get_metrics (job_server (job)), "tally_payments_total",
                       "outcome", "checkout_failed");
  if (error != NULL && g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED))
    {
      tally_log_warning ("checkout_refused", error->message);
      tally_request_respond_error (job->request, 502, "payment_provider_error",
                                   "The payment provider refused the checkout");
    }
  else if (error != NULL && error->domain == TALLY_STRIPE_ERROR)
    tally_request_respond_error (job->request, 503, "payment_provider_unavailable",
                                 "The payment provider cannot be reached; try again later");
  else
    tally_request_respond_error (job->request, 500, "internal_error",
                                 "The server could not save this; try again");
  checkout_job_free (job);
}

static void
respond_checkout (CheckoutJob *job)
{
  g_autoptr(JsonObject) body = json_object_new ();

  tally_metrics_count (tally_server_get_metrics (job_server (job)), "tally_payments_total",
                       "outcome", "checkout_created");
  json_object_set_string_member (body, "url", job->url);
  json_object_set_string_member (body, "session_id", job->payment.session_id);
  tally_request_respond_object (job->request, 200, body);
}

static gboolean
session_write (gpointer   data,
               GError   **error)
{
  CheckoutJob *job = data;

  return tally_rules_store_set_payment_session (tally_server_get_rules_store (job_server (job)),
                                                job->payment.id, job->payment.session_id, error);
}

static void
session_done (gpointer      data,
              const GError *error)
{
  CheckoutJob *job = data;

  if (error != NULL)
    {
      checkout_failed (job, error);
      return;
    }

  respond_checkout (job);
  checkout_job_free (job);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  CheckoutJob *job = data;
  g_autoptr(GError) error = NULL;

  job->url = tally_stripe_client_checkout_finish (TALLY_STRIPE_CLIENT (source), result,
                                                  job->payment.session_id,
                                                  sizeof job->payment.session_id, &error);
  if (job->url == NULL)
    {
      checkout_failed (job, error);
      return;
    }

  tally_writer_submit (tally_server_get_writer (job_server (job)), session_write, session_done,
                       job, NULL);
}

static void
create_session (CheckoutJob *job,
                const char  *customer_id)
{
  TallyPayments *payments = tally_server_get_payments (job_server (job));
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  tally_stripe_form_set (form, "mode", g_strdup ("payment"));
  tally_stripe_form_set (form, "line_items[0][price_data][currency]",
                         g_strdup (job->payment.currency));
  tally_stripe_form_set (form, "line_items[0][price_data][unit_amount]",
                         tally_stripe_amount (job->payment.amount, job->payment.currency));
  tally_stripe_form_set (form, "line_items[0][price_data][product_data][name]",
                         g_strdup (job->pack_name));
  tally_stripe_form_set (form, "line_items[0][quantity]", g_strdup ("1"));
  tally_stripe_form_set (form, "success_url",
                         g_strdup (tally_payments_get_success_url (payments)));
  tally_stripe_form_set (form, "cancel_url",
                         g_strdup (tally_payments_get_cancel_url (payments)));
  tally_stripe_form_set (form, "client_reference_id", g_strdup (job->payment.id));
  tally_stripe_form_set (form, "metadata[payment_id]", g_strdup (job->payment.id));
  /* So that the charge, refunded or disputed later, names the payment. */
  tally_stripe_form_set (form, "payment_intent_data[metadata][payment_id]",
                         g_strdup (job->payment.id));
  tally_stripe_form_set (form, "customer", g_strdup (customer_id));

  tally_stripe_client_post (tally_payments_get_stripe (payments), "/v1/checkout/sessions", form,
                            job->idempotency_key, on_session_created, job);
}

/* --- the account's Stripe customer, created once --- */

typedef struct
{
  TallyServer        *server;
  char                account_id[TALLY_UUID_LEN];
  char               *customer_id;
  TallyCustomerReady  ready;
  gpointer            user_data;
} CustomerJob;

static void
customer_job_free (gpointer data)
{
  CustomerJob *job = data;

  g_object_unref (job->server);
  g_free (job->customer_id);
  g_free (job);
}

/* The first customer recorded for the account wins, should two checkouts
 * have raced to create one. */
static void
customer_ready (CustomerJob  *job,
                const GError *error)
{
  g_autoptr(GError) local_error = NULL;
  char customer_id[TALLY_SESSION_ID_MAX] = "";

  if (error == NULL &&
      tally_rules_store_find_stripe_customer (tally_server_get_rules_store (job->server),
                                              job->account_id,
                                              customer_id, sizeof customer_id, &local_error) &&
      customer_id[0] == '\0')
    g_set_error (&local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                 "The account's Stripe customer was not recorded");
  if (error == NULL)
    error = local_error;

  job->ready (error == NULL ? customer_id : NULL, error, job->user_data);
  customer_job_free (job);
}

static gboolean
customer_write (gpointer   data,
                GError   **error)
{
  CustomerJob *job = data;

  return tally_api_store_set_stripe_customer (tally_server_get_store (job->server), job->account_id,
                                              job->customer_id, error);
}

static void
customer_done (gpointer      data,
               const GError *error)
{
  customer_ready (data, error);
}

static void
on_customer_created (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  CustomerJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) customer = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                    result, &error);
  const char *id = customer != NULL ? json_object_get_string_member_with_default (customer, "id",
                                                                                  NULL) : NULL;

  if (customer != NULL && (id == NULL || strlen (id) >= TALLY_SESSION_ID_MAX))
    g_set_error (&error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                 "Stripe's customer has no id");
  if (error != NULL)
    {
      customer_ready (job, error);
      return;
    }

  job->customer_id = g_strdup (id);
  tally_writer_submit (tally_server_get_writer (job->server), customer_write, customer_done,
                       job, NULL);
}

void
tally_payments_with_customer (TallyServer        *server,
                              const char         *account_id,
                              const char         *email,
                              const char         *idempotency_key,
                              TallyCustomerReady  ready,
                              gpointer            user_data)
{
  TallyPayments *payments = tally_server_get_payments (server);
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  char customer_id[TALLY_SESSION_ID_MAX];

  if (!tally_rules_store_find_stripe_customer (tally_server_get_rules_store (server), account_id,
                                               customer_id, sizeof customer_id, &error))
    {
      ready (NULL, error, user_data);
      return;
    }
  if (customer_id[0] != '\0')
    {
      ready (customer_id, NULL, user_data);
      return;
    }

  {
    CustomerJob *job = g_new0 (CustomerJob, 1);

    job->server = g_object_ref (server);
    g_strlcpy (job->account_id, account_id, sizeof job->account_id);
    job->ready = ready;
    job->user_data = user_data;
    form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
    tally_stripe_form_set (form, "email", g_strdup (email));
    tally_stripe_form_set (form, "metadata[account_id]", g_strdup (account_id));
    key = g_strconcat (idempotency_key, "-customer", NULL);
    tally_stripe_client_post (tally_payments_get_stripe (payments), "/v1/customers", form, key,
                              on_customer_created, job);
  }
}

static void
checkout_customer_ready (const char   *customer_id,
                         const GError *error,
                         gpointer      user_data)
{
  CheckoutJob *job = user_data;

  if (error != NULL)
    checkout_failed (job, error);
  else
    create_session (job, customer_id);
}

/* One Stripe customer per account, created at its first checkout. */
static void
stripe_checkout (CheckoutJob *job)
{
  tally_payments_with_customer (job_server (job), job->payment.account_id, job->email,
                                job->idempotency_key, checkout_customer_ready, job);
}

/* The demo provider's checkout page, on this server. Its last part is the
 * key that pays it, bound to the checkout and its user: the browser that
 * opens it carries no token, and anyone else must not pay for credits. */
char *
tally_payments_demo_url (TallyRequest *request,
                         const char   *page,
                         const char   *session_id,
                         const char   *user_id)
{
  GUri *uri = soup_server_message_get_uri (tally_request_get_message (request));
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_autofree char *key = tally_payments_demo_checkout_key (payments, session_id, user_id);
  g_autofree char *path = g_strconcat ("/demo/", page, "/", session_id, "/", key, NULL);

  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, NULL, NULL);
}

static gboolean
payment_write (gpointer   data,
               GError   **error)
{
  CheckoutJob *job = data;

  return tally_rules_store_insert_payment (tally_server_get_rules_store (job_server (job)),
                                           &job->payment,
                                           error) &&
         (job->gift_email == NULL ||
          tally_gifts_record (job_server (job), &job->payment, job->gift_email, error));
}

static void
payment_done (gpointer      data,
              const GError *error)
{
  CheckoutJob *job = data;

  if (error != NULL)
    checkout_failed (job, error);
  else if (job->payment.session_id[0] != '\0')
    {
      job->url = tally_payments_demo_url (job->request, "checkout", job->payment.session_id,
                                          job->payment.user_id);
      respond_checkout (job);
      checkout_job_free (job);
    }
  else
    stripe_checkout (job);
}

void
tally_payments_demo_session_id (char  *session_id,
                                gsize  size)
{
  guint8 bytes[16];
  char hex[sizeof bytes * 2 + 1];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2hex (hex, sizeof hex, bytes, sizeof bytes);
  g_snprintf (session_id, size, "cs_demo_%s", hex);
}

static CheckoutJob *
checkout_job_new (TallyRequest    *request,
                  const TallyPack *pack)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  const TallyUser *user = tally_request_get_user (request);
  CheckoutJob *job = g_new0 (CheckoutJob, 1);
  g_autofree char *id = g_uuid_string_random ();

  job->request = tally_request_ref (request);
  job->pack_name = g_strdup (pack->name);
  job->idempotency_key = g_uuid_string_random ();
  job->email = g_strdup (user->email);

  g_strlcpy (job->payment.id, id, sizeof job->payment.id);
  g_strlcpy (job->payment.user_id, user->id, sizeof job->payment.user_id);
  g_strlcpy (job->payment.account_id, user->account_id, sizeof job->payment.account_id);
  g_strlcpy (job->payment.pack_id, pack->id, sizeof job->payment.pack_id);
  job->payment.credits = pack->credits;
  job->payment.amount = pack->amount;
  g_strlcpy (job->payment.currency, pack->currency, sizeof job->payment.currency);
  g_strlcpy (job->payment.provider, tally_payments_get_provider (payments),
             sizeof job->payment.provider);
  job->payment.status = TALLY_PAYMENT_OPEN;
  job->payment.created_at = g_get_real_time ();
  /* The demo's session exists as soon as the row does; Stripe's is
   * recorded once Stripe has made it. */
  if (tally_payments_is_demo (payments))
    tally_payments_demo_session_id (job->payment.session_id, sizeof job->payment.session_id);

  return job;
}

static void
handle_checkout (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyCheckoutRequest decoded;
  const TallyPack *pack;
  CheckoutJob *job;

  if (body == NULL || !tally_api_decode_checkout (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  pack = tally_payments_find_pack (payments, decoded.pack);
  if (pack == NULL)
    {
      tally_problem_set (&problem, 400, "invalid_field", "pack", "There is no pack “%s”",
                         decoded.pack);
      tally_request_respond_problem (request, &problem);
      return;
    }
  if (decoded.gift_email != NULL &&
      g_ascii_strcasecmp (decoded.gift_email, tally_request_get_user (request)->email) == 0)
    {
      tally_problem_invalid (&problem, "gift_email",
                             "A gift goes to someone else: buy the pack for yourself instead");
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = checkout_job_new (request, pack);
  if (decoded.gift_email != NULL)
    job->gift_email = g_ascii_strdown (decoded.gift_email, -1);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       payment_write, payment_done, job, NULL);
}

/* --- POST /v1/billing/portal: saved payment methods, on Stripe's pages --- */

static void
on_portal_created (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(TallyRequest) request = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) portal = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                  result, &error);
  const char *url = portal != NULL ? json_object_get_string_member_with_default (portal, "url",
                                                                                 NULL) : NULL;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL && g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED))
    tally_log_warning ("portal_refused", error->message);
  if (error != NULL && g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_UNAVAILABLE))
    {
      tally_request_respond_error (request, 503, "payment_provider_unavailable",
                                   "The payment provider cannot be reached; try again later");
      return;
    }
  if (url == NULL)
    {
      tally_request_respond_error (request, 502, "payment_provider_error",
                                   "The payment provider refused to open the billing portal");
      return;
    }

  body = json_object_new ();
  json_object_set_string_member (body, "url", url);
  tally_request_respond_object (request, 200, body);
}

/* Only Stripe keeps payment methods, and only for an account that has
 * bought through it: its customer. */
static void
handle_portal (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  TallyPayments *payments = tally_server_get_payments (server);
  const TallyUser *user = tally_request_get_user (request);
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  char customer_id[TALLY_SESSION_ID_MAX] = "";

  if (!tally_payments_is_demo (payments) &&
      !tally_rules_store_find_stripe_customer (tally_server_get_rules_store (server),
                                               user->account_id,
                                               customer_id, sizeof customer_id, &error))
    {
      tally_request_respond_error (request, 500, "internal_error",
                                   "The server could not read this");
      return;
    }
  if (customer_id[0] == '\0')
    {
      tally_request_respond_error (request, 404, "not_found",
                                   "There are no saved payment methods: nothing was bought "
                                   "through Stripe yet");
      return;
    }

  form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  tally_stripe_form_set (form, "customer", g_strdup (customer_id));
  key = g_uuid_string_random ();
  tally_stripe_client_post (tally_payments_get_stripe (payments), "/v1/billing_portal/sessions",
                            form, key, on_portal_created, tally_request_ref (request));
}

static const TallyRoute routes[] = {
  { "GET", "/v1/packs", handle_packs, TALLY_ROUTE_PUBLIC },
  { "POST", "/v1/checkout", handle_checkout, TALLY_ROUTE_AUTH },
  { "POST", "/v1/billing/portal", handle_portal, TALLY_ROUTE_AUTH },
};

void
tally_api_payments_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
