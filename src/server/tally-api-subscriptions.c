/* tally-api-subscriptions.c: plans, subscribing and cancelling over HTTP
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-api-payments.h"
#include "tally-log.h"
#include "tally-subscriptions.h"

gboolean
tally_api_decode_subscribe (JsonObject            *body,
                            TallySubscribeRequest *out,
                            TallyProblem          *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "plan", TALLY_FIELD_REQUIRED, TALLY_PACK_ID_MAX,
                                &out->plan, problem);
}

static void
handle_plans (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_autoptr(JsonObject) body = tally_payments_plans_json (payments);

  tally_request_respond_object (request, 200, body);
}

/* {subscription: {id, plan, status, current_period_end,
 * cancel_at_period_end} | null} */
static void
respond_subscription (TallyRequest            *request,
                      const TallySubscription *subscription)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *object;

  if (subscription == NULL)
    {
      json_object_set_null_member (body, "subscription");
      tally_request_respond_object (request, 200, body);
      return;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "id", subscription->id);
  json_object_set_string_member (object, "plan", subscription->plan_id);
  json_object_set_string_member (object, "status",
                                 tally_subscription_status_to_string (subscription->status));
  tally_api_set_time (object, "current_period_end", subscription->current_period_end);
  json_object_set_boolean_member (object, "cancel_at_period_end",
                                  subscription->cancel_at_period_end);
  tally_api_set_object (body, "subscription", object);
  tally_request_respond_object (request, 200, body);
}

static void
respond_provider_error (TallyRequest *request,
                        const GError *error)
{
  if (g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_DECLINED))
    tally_request_respond_error (request, 402, "payment_declined",
                                 "The card was declined: the plan was not changed");
  else if (g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED))
    {
      tally_log_warning ("subscription_refused", error->message);
      tally_request_respond_error (request, 502, "payment_provider_error",
                                   "The payment provider refused this");
    }
  else if (error->domain == TALLY_STRIPE_ERROR)
    tally_request_respond_error (request, 503, "payment_provider_unavailable",
                                 "The payment provider cannot be reached; try again later");
  else
    tally_request_respond_error (request, 500, "internal_error",
                                 "The server could not save this; try again");
}

/* --- POST /v1/subscriptions --- */

/* The row first (incomplete), then, with Stripe, the customer and the
 * Checkout Session in subscription mode, its id recorded; then the answer. */
typedef struct
{
  TallyRequest         *request;
  TallySubscription     subscription;
  char                 *plan_name;
  gint64                amount;
  char                 *currency;
  char                 *email;
  /* Sent on every attempt of this request's calls to Stripe. */
  char                 *idempotency_key;
  char                 *url;
  TallySubscribeResult  result;
} SubscribeJob;

static void
subscribe_job_free (gpointer data)
{
  SubscribeJob *job = data;

  g_free (job->plan_name);
  g_free (job->currency);
  g_free (job->email);
  g_free (job->idempotency_key);
  g_free (job->url);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
job_server (SubscribeJob *job)
{
  return tally_request_get_server (job->request);
}

static void
subscribe_failed (SubscribeJob *job,
                  const GError *error)
{
  respond_provider_error (job->request, error);
  subscribe_job_free (job);
}

static void
respond_checkout (SubscribeJob *job)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "url", job->url);
  json_object_set_string_member (body, "session_id", job->subscription.session_id);
  tally_request_respond_object (job->request, 200, body);
  subscribe_job_free (job);
}

static gboolean
session_write (gpointer   data,
               GError   **error)
{
  SubscribeJob *job = data;

  return tally_api_store_set_subscription_session (tally_server_get_store (job_server (job)),
                                                   job->subscription.id,
                                                   job->subscription.session_id, error);
}

static void
session_done (gpointer      data,
              const GError *error)
{
  SubscribeJob *job = data;

  if (error != NULL)
    subscribe_failed (job, error);
  else
    respond_checkout (job);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  SubscribeJob *job = data;
  g_autoptr(GError) error = NULL;

  job->url = tally_stripe_client_checkout_finish (TALLY_STRIPE_CLIENT (source), result,
                                                  job->subscription.session_id,
                                                  sizeof job->subscription.session_id, &error);
  if (job->url == NULL)
    {
      subscribe_failed (job, error);
      return;
    }

  tally_writer_submit (tally_server_get_writer (job_server (job)), session_write, session_done,
                       job, NULL);
}

/* Checkout in subscription mode: a monthly price made inline, and our id
 * in the session's and the subscription's metadata, so that every event
 * of the subscription, its invoices' included, names it. */
static void
create_session (const char   *customer_id,
                const GError *error,
                gpointer      data)
{
  SubscribeJob *job = data;
  TallyPayments *payments = tally_server_get_payments (job_server (job));
  g_autoptr(GHashTable) form = NULL;

  if (error != NULL)
    {
      subscribe_failed (job, error);
      return;
    }

  form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  tally_stripe_form_set (form, "mode", g_strdup ("subscription"));
  tally_stripe_form_set (form, "line_items[0][price_data][currency]", g_strdup (job->currency));
  tally_stripe_form_set (form, "line_items[0][price_data][unit_amount]",
                         tally_stripe_amount (job->amount, job->currency));
  tally_stripe_form_set (form, "line_items[0][price_data][recurring][interval]",
                         g_strdup ("month"));
  tally_stripe_form_set (form, "line_items[0][price_data][product_data][name]",
                         g_strdup (job->plan_name));
  tally_stripe_form_set (form, "line_items[0][quantity]", g_strdup ("1"));
  tally_stripe_form_set (form, "success_url",
                         g_strdup (tally_payments_get_success_url (payments)));
  tally_stripe_form_set (form, "cancel_url", g_strdup (tally_payments_get_cancel_url (payments)));
  tally_stripe_form_set (form, "client_reference_id", g_strdup (job->subscription.id));
  tally_stripe_form_set (form, "metadata[subscription_id]", g_strdup (job->subscription.id));
  tally_stripe_form_set (form, "subscription_data[metadata][subscription_id]",
                         g_strdup (job->subscription.id));
  tally_stripe_form_set (form, "customer", g_strdup (customer_id));

  tally_stripe_client_post (tally_payments_get_stripe (payments), "/v1/checkout/sessions", form,
                            job->idempotency_key, on_session_created, job);
}

static gboolean
subscribe_write (gpointer   data,
                 GError   **error)
{
  SubscribeJob *job = data;

  return tally_subscriptions_start (job_server (job), tally_request_get_user (job->request),
                                    &job->subscription, &job->result, error);
}

static void
subscribe_done (gpointer      data,
                const GError *error)
{
  SubscribeJob *job = data;

  if (error != NULL)
    subscribe_failed (job, error);
  else if (job->result == TALLY_SUBSCRIBE_ALREADY_SUBSCRIBED)
    {
      tally_request_respond_error (job->request, 409, "already_subscribed",
                                   "You have a subscription already; cancel it first");
      subscribe_job_free (job);
    }
  else if (job->subscription.session_id[0] != '\0')
    {
      job->url = tally_payments_demo_url (job->request, "subscribe",
                                          job->subscription.session_id,
                                          job->subscription.user_id);
      respond_checkout (job);
    }
  else
    tally_payments_with_customer (job_server (job), job->subscription.account_id, job->email,
                                  job->idempotency_key, create_session, job);
}

static SubscribeJob *
subscribe_job_new (TallyRequest    *request,
                   const TallyPlan *plan)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  const TallyUser *user = tally_request_get_user (request);
  SubscribeJob *job = g_new0 (SubscribeJob, 1);
  TallySubscription *subscription = &job->subscription;
  g_autofree char *id = g_uuid_string_random ();

  job->request = tally_request_ref (request);
  job->plan_name = g_strdup (plan->name);
  job->amount = plan->amount;
  job->currency = g_strdup (plan->currency);
  job->email = g_strdup (user->email);
  job->idempotency_key = g_uuid_string_random ();

  g_strlcpy (subscription->id, id, sizeof subscription->id);
  g_strlcpy (subscription->user_id, user->id, sizeof subscription->user_id);
  g_strlcpy (subscription->account_id, user->account_id, sizeof subscription->account_id);
  g_strlcpy (subscription->plan_id, plan->id, sizeof subscription->plan_id);
  subscription->credits_per_period = plan->credits_per_period;
  g_strlcpy (subscription->provider, tally_payments_get_provider (payments),
             sizeof subscription->provider);
  subscription->status = TALLY_SUBSCRIPTION_INCOMPLETE;
  subscription->created_at = g_get_real_time ();
  /* The demo's session exists with the row; Stripe's once Stripe made it. */
  if (tally_payments_is_demo (payments))
    tally_payments_demo_session_id (subscription->session_id, sizeof subscription->session_id);

  return job;
}

static void
handle_subscribe (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallySubscribeRequest decoded;
  const TallyPlan *plan;

  if (body == NULL || !tally_api_decode_subscribe (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  plan = tally_payments_find_plan (payments, decoded.plan);
  if (plan == NULL)
    {
      tally_problem_set (&problem, 400, "invalid_field", "plan", "There is no plan “%s”",
                         decoded.plan);
      tally_request_respond_problem (request, &problem);
      return;
    }

  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       subscribe_write, subscribe_done, subscribe_job_new (request, plan), NULL);
}

/* --- GET, DELETE /v1/me/subscription --- */

static gboolean
find_live (TallyRequest      *request,
           TallySubscription *subscription,
           gboolean          *found)
{
  TallyServer *server = tally_request_get_server (request);
  g_autoptr(GError) error = NULL;

  *found = tally_rules_store_find_live_subscription (tally_server_get_rules_store (server),
                                                     tally_request_get_user (request)->id,
                                                     subscription, &error);
  if (error == NULL)
    return TRUE;

  tally_request_respond_error (request, 500, "internal_error", "The server could not read this");
  return FALSE;
}

static void
handle_get (TallyRequest *request)
{
  TallySubscription subscription;
  gboolean found;

  if (find_live (request, &subscription, &found))
    respond_subscription (request, found ? &subscription : NULL);
}

typedef struct
{
  TallyRequest      *request;
  TallySubscription  subscription;
  gboolean           found;
} CancelJob;

static void
cancel_job_free (gpointer data)
{
  CancelJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
cancel_write (gpointer   data,
              GError   **error)
{
  CancelJob *job = data;

  return tally_subscriptions_cancel (tally_request_get_server (job->request),
                                     tally_request_get_user (job->request), &job->subscription,
                                     &job->found, error);
}

static void
cancel_done (gpointer      data,
             const GError *error)
{
  CancelJob *job = data;

  if (error != NULL)
    respond_provider_error (job->request, error);
  else if (!job->found)
    tally_request_respond_error (job->request, 404, "not_found", "You have no subscription");
  else
    respond_subscription (job->request, &job->subscription);
}

static void
record_cancel (CancelJob *job)
{
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (job->request)),
                       cancel_write, cancel_done, job, cancel_job_free);
}

static void
on_stripe_cancelled (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  CancelJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                  result, &error);

  if (answer != NULL && !json_object_get_boolean_member_with_default (answer,
                                                                      "cancel_at_period_end",
                                                                      FALSE))
    g_set_error (&error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                 "Stripe did not set the subscription to end");
  if (error != NULL)
    {
      respond_provider_error (job->request, error);
      cancel_job_free (job);
      return;
    }

  record_cancel (job);
}

/* Stripe is told first: a subscription it would go on charging must
 * never look cancelled here. Cancelling twice is answered as once. */
static void
handle_cancel (TallyRequest *request)
{
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (request));
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *path = NULL, *key = NULL;
  CancelJob *job = g_new0 (CancelJob, 1);

  job->request = tally_request_ref (request);
  if (!find_live (request, &job->subscription, &job->found))
    {
      cancel_job_free (job);
      return;
    }

  tally_request_pause (request);
  if (!job->found || tally_payments_is_demo (payments) || job->subscription.cancel_at_period_end)
    {
      record_cancel (job);
      return;
    }

  form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  tally_stripe_form_set (form, "cancel_at_period_end", g_strdup ("true"));
  path = g_strconcat ("/v1/subscriptions/", job->subscription.provider_id, NULL);
  key = g_strconcat ("cancel-", job->subscription.id, NULL);
  tally_stripe_client_post (tally_payments_get_stripe (payments), path, form, key,
                            on_stripe_cancelled, job);
}

/* --- PUT /v1/me/subscription: another plan --- */

typedef struct
{
  TallyRequest      *request;
  TallySubscription  subscription;
  TallyPlanChange    change;
  gint64             amount;
  char              *currency;
  /* Sent on every attempt of this request's change at Stripe. */
  char              *idempotency_key;
  gboolean           found;
} ChangeJob;

static void
change_job_free (gpointer data)
{
  ChangeJob *job = data;

  g_free (job->currency);
  g_free (job->idempotency_key);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
change_write (gpointer   data,
              GError   **error)
{
  ChangeJob *job = data;

  return tally_subscriptions_change (tally_request_get_server (job->request),
                                     tally_request_get_user (job->request), &job->change,
                                     &job->subscription, &job->found, error);
}

static void
change_done (gpointer      data,
             const GError *error)
{
  ChangeJob *job = data;

  if (error != NULL)
    respond_provider_error (job->request, error);
  else if (!job->found)
    tally_request_respond_error (job->request, 404, "not_found", "You have no subscription");
  else
    respond_subscription (job->request, &job->subscription);
}

static void
record_change (ChangeJob *job)
{
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (job->request)),
                       change_write, change_done, job, change_job_free);
}

static void
change_failed (ChangeJob    *job,
               const GError *error)
{
  respond_provider_error (job->request, error);
  change_job_free (job);
}

/* An upgrade's proration invoice is paid at once (or the change fails):
 * its id keys the credits granted for the rest of the period. */
static void
on_stripe_changed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  ChangeJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                  result, &error);
  const char *invoice = answer != NULL
                        ? json_object_get_string_member_with_default (answer, "latest_invoice",
                                                                      NULL) : NULL;

  if (answer != NULL && job->change.prorated_credits > 0 &&
      (invoice == NULL || strlen (invoice) >= sizeof job->change.key))
    g_set_error (&error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                 "Stripe's changed subscription has no proration invoice");
  if (error != NULL)
    {
      change_failed (job, error);
      return;
    }

  if (job->change.prorated_credits > 0)
    g_strlcpy (job->change.key, invoice, sizeof job->change.key);
  record_change (job);
}

static gint64
int_or_zero (JsonObject *object,
             const char *name)
{
  return object != NULL ? json_object_get_int_member_with_default (object, name, 0) : 0;
}

/* The subscription's one item, as Stripe has it: its id, its price's
 * product (reused, since a subscription item's price_data needs one) and
 * the period, on the item since API 2025-03-31, on the subscription
 * before. */
static JsonObject *
subscription_item (JsonObject *subscription,
                   gint64     *start,
                   gint64     *end)
{
  JsonObject *items = json_object_get_object_member (subscription, "items");
  JsonArray *data = items != NULL ? json_object_get_array_member (items, "data") : NULL;
  JsonObject *item = data != NULL && json_array_get_length (data) > 0
                     ? json_array_get_object_element (data, 0) : NULL;

  *start = int_or_zero (item, "current_period_start");
  *end = int_or_zero (item, "current_period_end");
  if (*end == 0)
    {
      *start = int_or_zero (subscription, "current_period_start");
      *end = int_or_zero (subscription, "current_period_end");
    }
  return item;
}

static void
on_stripe_subscription (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  ChangeJob *job = data;
  TallyPayments *payments = tally_server_get_payments (tally_request_get_server (job->request));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) subscription = tally_stripe_client_post_finish (
                                         TALLY_STRIPE_CLIENT (source), result, &error);
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *path = NULL;
  JsonObject *item = NULL, *price = NULL;
  const char *item_id = NULL, *product = NULL;
  gint64 start = 0, end = 0;

  if (subscription != NULL)
    item = subscription_item (subscription, &start, &end);
  if (item != NULL)
    {
      item_id = json_object_get_string_member_with_default (item, "id", NULL);
      price = json_object_get_object_member (item, "price");
      product = price != NULL ? json_object_get_string_member_with_default (price, "product",
                                                                            NULL) : NULL;
    }
  if (subscription != NULL && (item_id == NULL || product == NULL || end <= start))
    g_set_error (&error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                 "Stripe's subscription has no item, product or period");
  if (error != NULL)
    {
      change_failed (job, error);
      return;
    }

  job->change.prorated_credits = tally_subscriptions_prorate (
                                   job->subscription.credits_per_period,
                                   job->change.credits_per_period, start * G_USEC_PER_SEC,
                                   end * G_USEC_PER_SEC, g_get_real_time ());
  form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  tally_stripe_form_set (form, "items[0][id]", g_strdup (item_id));
  tally_stripe_form_set (form, "items[0][price_data][currency]", g_strdup (job->currency));
  tally_stripe_form_set (form, "items[0][price_data][product]", g_strdup (product));
  tally_stripe_form_set (form, "items[0][price_data][unit_amount]",
                         tally_stripe_amount (job->amount, job->currency));
  tally_stripe_form_set (form, "items[0][price_data][recurring][interval]", g_strdup ("month"));
  tally_stripe_form_set (form, "metadata[plan]", g_strdup (job->change.plan_id));
  /* An upgrade is charged now, for the rest of the period, or not made;
   * a downgrade waits for the next invoice. */
  tally_stripe_form_set (form, "proration_behavior",
                         g_strdup (job->change.prorated_credits > 0 ? "always_invoice" : "none"));
  if (job->change.prorated_credits > 0)
    tally_stripe_form_set (form, "payment_behavior", g_strdup ("error_if_incomplete"));
  path = g_strconcat ("/v1/subscriptions/", job->subscription.provider_id, NULL);
  tally_stripe_client_post (tally_payments_get_stripe (payments), path, form,
                            job->idempotency_key, on_stripe_changed, job);
}

/* The demo's period is the month its invoice paid for. */
static void
demo_change (ChangeJob *job)
{
  g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc (
                               job->subscription.current_period_end / G_USEC_PER_SEC);
  g_autoptr(GDateTime) start = g_date_time_add_months (end, -1);
  g_autofree char *key = g_uuid_string_random ();

  job->change.prorated_credits = tally_subscriptions_prorate (
                                   job->subscription.credits_per_period,
                                   job->change.credits_per_period,
                                   g_date_time_to_unix (start) * G_USEC_PER_SEC,
                                   job->subscription.current_period_end, g_get_real_time ());
  g_strlcpy (job->change.key, key, sizeof job->change.key);
  record_change (job);
}

static ChangeJob *
change_job_new (TallyRequest            *request,
                const TallySubscription *subscription,
                const TallyPlan         *plan)
{
  ChangeJob *job = g_new0 (ChangeJob, 1);

  job->request = tally_request_ref (request);
  job->subscription = *subscription;
  g_strlcpy (job->change.subscription_id, subscription->id,
             sizeof job->change.subscription_id);
  g_strlcpy (job->change.plan_id, plan->id, sizeof job->change.plan_id);
  job->change.credits_per_period = plan->credits_per_period;
  job->amount = plan->amount;
  job->currency = g_strdup (plan->currency);
  job->idempotency_key = g_uuid_string_random ();
  return job;
}

static void
handle_change (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  TallyPayments *payments = tally_server_get_payments (server);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  g_autofree char *path = NULL;
  TallySubscribeRequest decoded;
  TallySubscription subscription;
  const TallyPlan *plan;
  gboolean found;
  ChangeJob *job;

  if (body == NULL || !tally_api_decode_subscribe (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }
  plan = tally_payments_find_plan (payments, decoded.plan);
  if (plan == NULL)
    {
      tally_problem_set (&problem, 400, "invalid_field", "plan", "There is no plan “%s”",
                         decoded.plan);
      tally_request_respond_problem (request, &problem);
      return;
    }

  if (!find_live (request, &subscription, &found))
    return;
  if (!found)
    {
      tally_request_respond_error (request, 404, "not_found", "You have no subscription");
      return;
    }
  if (g_str_equal (subscription.plan_id, plan->id))
    {
      respond_subscription (request, &subscription);
      return;
    }
  if (subscription.status != TALLY_SUBSCRIPTION_ACTIVE || subscription.provider_id[0] == '\0')
    {
      tally_request_respond_error (request, 409, "subscription_past_due",
                                   "The last invoice is unpaid: the plan cannot change until "
                                   "it is paid");
      return;
    }

  job = change_job_new (request, &subscription, plan);
  tally_request_pause (request);
  if (tally_payments_is_demo (payments))
    {
      demo_change (job);
      return;
    }

  path = g_strconcat ("/v1/subscriptions/", subscription.provider_id, NULL);
  tally_stripe_client_get (tally_payments_get_stripe (payments), path, on_stripe_subscription,
                           job);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/plans", handle_plans, TALLY_ROUTE_PUBLIC },
  { "POST", "/v1/subscriptions", handle_subscribe, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/subscription", handle_get, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/subscription", handle_change, TALLY_ROUTE_AUTH },
  { "DELETE", "/v1/me/subscription", handle_cancel, TALLY_ROUTE_AUTH },
};

void
tally_api_subscriptions_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
