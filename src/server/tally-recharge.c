/* tally-recharge.c: auto-recharge
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After every group commit, each account with auto-recharge on and none in
 * flight is compared with its threshold. One below it gets a claim, a
 * writer func that checks everything again (the writer runs one func at a
 * time, so of many claims for an account only the first finds no recharge
 * in flight) and records the payment and the recharge in flight together.
 * Then the customer's default payment method is read from Stripe and a
 * PaymentIntent confirmed off-session for the pack; its answer ends the
 * recharge in a last write: the purchase transfer (id derived from the
 * PaymentIntent, as a checkout's is from its session), or a failure that
 * counts towards the pause.
 */

#include "config.h"

#include <string.h>

#include "tally-api-payments.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-payments.h"
#include "tally-recharge.h"
#include "tally-store-recharge.h"

struct _TallyRecharge
{
  GObject      parent_instance;

  /* Not owned: the server owns us. */
  TallyServer *server;
  gulong       committed_id;
  /* Accounts with a claim queued, so that commits coming one after the
   * other while it waits queue no more. */
  GHashTable  *claiming;
};

G_DEFINE_FINAL_TYPE (TallyRecharge, tally_recharge, G_TYPE_OBJECT)

typedef struct
{
  TallyServer           *server;
  /* Whose claim this is; settings are read again into the field below. */
  char                   account_id[TALLY_UUID_LEN];
  TallyRechargeSettings  settings;
  TallyPayment           payment;
  char                   customer_id[TALLY_SESSION_ID_MAX];
  gboolean               claimed;
  /* The PaymentIntent, once Stripe has answered; empty if it failed. */
  char                   intent_id[TALLY_SESSION_ID_MAX];
  char                  *failure;
} RechargeJob;

static void
recharge_job_free (gpointer data)
{
  RechargeJob *job = data;

  g_free (job->failure);
  g_object_unref (job->server);
  g_free (job);
}

static TallyStore *
job_store (RechargeJob *job)
{
  return tally_server_get_store (job->server);
}

static TallyStripeClient *
job_stripe (RechargeJob *job)
{
  return tally_payments_get_stripe (tally_server_get_payments (job->server));
}

/* Microseconds at the start of the current calendar month, UTC. */
static gint64
month_start (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = g_date_time_new_utc (g_date_time_get_year (now),
                                                    g_date_time_get_month (now), 1, 0, 0, 0);

  return g_date_time_to_unix (start) * G_USEC_PER_SEC;
}

static gboolean
below_threshold (TallyServer                 *server,
                 const TallyRechargeSettings *settings,
                 gboolean                    *below,
                 GError                     **error)
{
  TallyAccount account;

  if (!tally_ledger_lookup_account (tally_server_get_ledger (server), settings->account_id,
                                    &account, error))
    return FALSE;

  *below = tally_account_available (&account) < settings->threshold;
  return TRUE;
}

static void
fill_payment (RechargeJob     *job,
              const TallyPack *pack)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyPayment *payment = &job->payment;

  memset (payment, 0, sizeof *payment);
  g_strlcpy (payment->id, id, sizeof payment->id);
  g_strlcpy (payment->user_id, job->settings.user_id, sizeof payment->user_id);
  g_strlcpy (payment->account_id, job->settings.account_id, sizeof payment->account_id);
  g_strlcpy (payment->pack_id, pack->id, sizeof payment->pack_id);
  payment->credits = pack->credits;
  payment->amount = pack->amount;
  g_strlcpy (payment->currency, pack->currency, sizeof payment->currency);
  g_strlcpy (payment->provider, "stripe", sizeof payment->provider);
  payment->status = TALLY_PAYMENT_OPEN;
  payment->created_at = g_get_real_time ();
}

/* Whether the account may start a recharge now: every condition again, as
 * things stand inside the writer's transaction. */
static gboolean
may_recharge (RechargeJob  *job,
              gboolean     *may,
              GError      **error)
{
  TallyRechargeSettings *settings = &job->settings;
  gboolean found, below = FALSE;
  gint64 started = 0;

  *may = FALSE;
  found = tally_store_find_recharge_settings (job_store (job), job->account_id, settings, error);
  if (!found)
    return error == NULL || *error == NULL;
  if (!settings->enabled || settings->paused || settings->in_flight[0] != '\0')
    return TRUE;

  if (!below_threshold (job->server, settings, &below, error) ||
      !tally_store_count_recharges (job_store (job), settings->account_id, month_start (),
                                    &started, error))
    return FALSE;
  if (!below || started >= settings->monthly_cap)
    return TRUE;

  if (!tally_store_find_stripe_customer (job_store (job), settings->account_id,
                                         job->customer_id, sizeof job->customer_id, error))
    return FALSE;

  /* Without a customer there is no saved card to charge yet. */
  *may = job->customer_id[0] != '\0';
  return TRUE;
}

static gboolean
claim_write (gpointer   data,
             GError   **error)
{
  RechargeJob *job = data;
  const TallyPack *pack;
  gboolean may;

  if (!may_recharge (job, &may, error))
    return FALSE;

  pack = tally_payments_find_pack (tally_server_get_payments (job->server),
                                   job->settings.pack_id);
  if (!may || pack == NULL)
    return TRUE;

  fill_payment (job, pack);
  if (!tally_store_insert_payment (job_store (job), &job->payment, error) ||
      !tally_store_start_recharge (job_store (job), job->settings.account_id, job->payment.id,
                                   error))
    return FALSE;

  job->claimed = TRUE;
  return TRUE;
}

/* --- ending the recharge --- */

static gboolean
credit_recharge (RechargeJob   *job,
                 GError       **error)
{
  TallyPayment *payment = &job->payment;
  g_autofree char *description = g_strdup_printf ("Auto-recharge, pack “%s”", payment->pack_id);
  TallyTransferResult result;
  TallyTransfer transfer;
  char id[37];

  if (!tally_store_set_payment_session (job_store (job), payment->id, job->intent_id, error))
    return FALSE;

  tally_payments_purchase_id (job->intent_id, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       payment->account_id, payment->credits, TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, job->intent_id);
  tally_transfer_set_description (&transfer, description);
  if (!tally_ledger_create_transfers (tally_server_get_ledger (job->server), &transfer, 1,
                                      &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The recharge was refused: %s", tally_transfer_result_to_string (result));
      return FALSE;
    }

  payment->status = TALLY_PAYMENT_PAID;
  payment->paid_at = g_get_real_time ();
  g_strlcpy (payment->payment_ref, job->intent_id, sizeof payment->payment_ref);
  return TRUE;
}

static gboolean
finish_write (gpointer   data,
              GError   **error)
{
  RechargeJob *job = data;
  gboolean succeeded = job->intent_id[0] != '\0';

  if (succeeded && !credit_recharge (job, error))
    return FALSE;
  if (!succeeded)
    job->payment.status = TALLY_PAYMENT_FAILED;

  return tally_store_update_payment (job_store (job), &job->payment, error) &&
         tally_store_finish_recharge (job_store (job), job->settings.account_id,
                                      job->payment.id, succeeded, error);
}

static void
finish_done (gpointer      data,
             const GError *error)
{
  RechargeJob *job = data;
  gboolean succeeded = job->intent_id[0] != '\0';

  tally_metrics_count (tally_server_get_metrics (job->server), "tally_payments_total", "outcome",
                       succeeded ? "recharge_succeeded" : "recharge_failed");
  if (error != NULL)
    tally_log_warning ("recharge_not_recorded", error->message);
  else if (!succeeded)
    {
      tally_log_warning ("recharge_failed", job->failure != NULL ? job->failure : "refused");
      /* The user hears of it at once: their apps show the failure. */
      tally_events_push_payment_failed (job->server, job->settings.account_id, job->payment.id);
      tally_notice_recharge_failed (job->server, &job->payment, job->failure);
    }
  else
    {
      tally_log_event ("recharge_succeeded", "payment_id", job->payment.id, NULL);
      tally_notice_purchase_credited (job->server, &job->payment);
    }
}

static void
finish (RechargeJob *job)
{
  tally_writer_submit (tally_server_get_writer (job->server), finish_write, finish_done, job,
                       recharge_job_free);
}

static void
fail (RechargeJob *job,
      const char  *why)
{
  job->intent_id[0] = '\0';
  g_free (job->failure);
  job->failure = g_strdup (why);
  finish (job);
}

/* --- Stripe --- */

static void
on_intent (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  RechargeJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) intent = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                  result, &error);
  const char *id = NULL, *status = NULL;

  if (intent != NULL)
    {
      id = json_object_get_string_member_with_default (intent, "id", NULL);
      status = json_object_get_string_member_with_default (intent, "status", NULL);
    }
  if (error != NULL)
    {
      fail (job, error->message);
      return;
    }
  /* Off-session, anything but succeeded (a card that wants the buyer to
   * authenticate) is a failure: nobody is there to finish it. */
  if (id == NULL || strlen (id) >= sizeof job->intent_id || g_strcmp0 (status, "succeeded") != 0)
    {
      fail (job, "Stripe did not charge the saved payment method");
      return;
    }

  g_strlcpy (job->intent_id, id, sizeof job->intent_id);
  finish (job);
}

static void
charge (RechargeJob *job,
        const char  *payment_method)
{
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *key = g_strconcat ("recharge-", job->payment.id, NULL);

  tally_stripe_form_set (form, "amount",
                         g_strdup_printf ("%" G_GINT64_FORMAT, job->payment.amount));
  tally_stripe_form_set (form, "currency", g_strdup (job->payment.currency));
  tally_stripe_form_set (form, "customer", g_strdup (job->customer_id));
  tally_stripe_form_set (form, "payment_method", g_strdup (payment_method));
  tally_stripe_form_set (form, "off_session", g_strdup ("true"));
  tally_stripe_form_set (form, "confirm", g_strdup ("true"));
  tally_stripe_form_set (form, "description", g_strdup_printf ("Tally auto-recharge: %s",
                                                  job->payment.pack_id));
  /* So that a refund or dispute of the charge names the payment. */
  tally_stripe_form_set (form, "metadata[payment_id]", g_strdup (job->payment.id));
  tally_stripe_client_post (job_stripe (job), "/v1/payment_intents", form, key, on_intent, job);
}

static void
on_customer (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  RechargeJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) customer = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                    result, &error);
  JsonNode *settings = customer != NULL ? json_object_get_member (customer, "invoice_settings")
                                        : NULL;
  const char *method = NULL;

  if (settings != NULL && JSON_NODE_HOLDS_OBJECT (settings))
    method = json_object_get_string_member_with_default (json_node_get_object (settings),
                                                         "default_payment_method", NULL);
  if (error != NULL)
    fail (job, error->message);
  else if (method == NULL)
    fail (job, "The customer has no default payment method");
  else
    charge (job, method);
}

static void
claim_done (gpointer      data,
            const GError *error)
{
  RechargeJob *job = data;
  TallyRecharge *self = tally_server_get_recharge (job->server);
  g_autofree char *path = NULL;

  if (self != NULL)
    g_hash_table_remove (self->claiming, job->account_id);
  if (error != NULL || !job->claimed)
    {
      recharge_job_free (job);
      return;
    }

  tally_log_event ("recharge_started", "payment_id", job->payment.id, NULL);
  path = g_strconcat ("/v1/customers/", job->customer_id, NULL);
  tally_stripe_client_get (job_stripe (job), path, on_customer, job);
}

static void
claim (TallyRecharge               *self,
       const TallyRechargeSettings *settings)
{
  RechargeJob *job = g_new0 (RechargeJob, 1);

  job->server = g_object_ref (self->server);
  job->settings = *settings;
  g_strlcpy (job->account_id, settings->account_id, sizeof job->account_id);
  g_hash_table_add (self->claiming, g_strdup (settings->account_id));
  tally_writer_submit (tally_server_get_writer (self->server), claim_write, claim_done, job,
                       NULL);
}

/* Every account with auto-recharge on is looked at: few have it, and the
 * look is a read between commits. */
static void
on_committed (TallyWriter   *writer,
              guint          n_items,
              gboolean       ok,
              TallyRecharge *self)
{
  g_autoptr(GArray) candidates = NULL;
  g_autoptr(GError) error = NULL;

  if (!ok || tally_payments_is_demo (tally_server_get_payments (self->server)))
    return;

  candidates = tally_store_list_rechargeable (tally_server_get_store (self->server), &error);
  for (guint i = 0; candidates != NULL && i < candidates->len; i++)
    {
      const TallyRechargeSettings *settings = &g_array_index (candidates,
                                                              TallyRechargeSettings, i);
      gboolean below = FALSE;

      if (g_hash_table_contains (self->claiming, settings->account_id))
        continue;
      if (!below_threshold (self->server, settings, &below, &error))
        break;
      if (below)
        claim (self, settings);
    }

  if (error != NULL)
    tally_log_warning ("recharge_check_failed", error->message);
}

static void
tally_recharge_dispose (GObject *object)
{
  TallyRecharge *self = (TallyRecharge *) object;

  if (self->server != NULL)
    g_clear_signal_handler (&self->committed_id, tally_server_get_writer (self->server));
  self->server = NULL;
  g_clear_pointer (&self->claiming, g_hash_table_unref);

  G_OBJECT_CLASS (tally_recharge_parent_class)->dispose (object);
}

static void
tally_recharge_class_init (TallyRechargeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_recharge_dispose;
}

static void
tally_recharge_init (TallyRecharge *self)
{
  self->claiming = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TallyRecharge *
tally_recharge_new (TallyServer *server)
{
  TallyRecharge *self = g_object_new (TALLY_TYPE_RECHARGE, NULL);

  self->server = server;
  self->committed_id = g_signal_connect (tally_server_get_writer (server), "committed",
                                         G_CALLBACK (on_committed), self);
  return self;
}
