/* tally-recharge.c: auto-recharge
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After every group commit, the accounts its transfers touched (and only
 * those) are compared with their threshold. One below it gets a claim, a
 * writer func that checks everything again (the writer runs one func at a
 * time, so of many claims for an account only the first finds no recharge
 * in flight) and records the payment and the recharge in flight together.
 * Then the customer's default payment method is read from Stripe and a
 * PaymentIntent confirmed off-session for the pack, with an
 * Idempotency-Key that every retry reuses, so a lost answer never charges
 * twice.
 *
 * Only a definite answer ends the recharge: a succeeded intent credits the
 * pack (the transfer's id derives from the PaymentIntent), a decline counts
 * towards the pause. Without an answer it stays in flight until Stripe's
 * payment_intent webhook settles it, or until it is older than
 * recharge-settle-after: then, at start or at the account's next commit,
 * the customer's intents are listed and the one made for the payment (its
 * metadata names it) settles it; none means Stripe never charged.
 */

#include "config.h"

#include <string.h>

#include "tally-api-payments.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-payments.h"
#include "tally-recharge.h"

/* Transfers read at a time after a commit. */
#define PAGE_SIZE 256
/* A look-up lists the intents created from this long before the claim. */
#define LOOKUP_SLACK_SECONDS 60

struct _TallyRecharge
{
  GObject      parent_instance;

  /* Not owned: the server owns us. */
  TallyServer *server;
  gulong       committed_id;
  guint        startup_source;
  /* The last transfer looked at: a commit reads only what came after. */
  gint64       last_seq;
  /* Accounts with a job under way in this process (a claim queued, a
   * charge or a look-up at Stripe): no other starts for them, and their
   * recharge in flight is not stale. */
  GHashTable  *busy;
};

G_DEFINE_FINAL_TYPE (TallyRecharge, tally_recharge, G_TYPE_OBJECT)

typedef struct
{
  TallyServer           *server;
  /* Whose job this is; settings are read again into the field below. */
  char                   account_id[TALLY_UUID_LEN];
  TallyRechargeSettings  settings;
  TallyPayment           payment;
  char                   customer_id[TALLY_SESSION_ID_MAX];
  gboolean               claimed;
  /* What Stripe answered, and the PaymentIntent of a success. */
  TallyRechargeOutcome   outcome;
  char                   intent_id[TALLY_SESSION_ID_MAX];
  char                  *failure;
  /* Whether settling credited or failed the payment (not done before). */
  gboolean               changed;
} RechargeJob;

static RechargeJob *
recharge_job_new (TallyRecharge *self,
                  const char    *account_id)
{
  RechargeJob *job = g_new0 (RechargeJob, 1);

  job->server = g_object_ref (self->server);
  g_strlcpy (job->account_id, account_id, sizeof job->account_id);
  g_hash_table_add (self->busy, g_strdup (account_id));
  return job;
}

static void
recharge_job_free (gpointer data)
{
  RechargeJob *job = data;
  TallyRecharge *self = tally_server_get_recharge (job->server);

  if (self != NULL)
    g_hash_table_remove (self->busy, job->account_id);
  g_free (job->failure);
  g_object_unref (job->server);
  g_free (job);
}

static TallyRulesStore *
job_store (RechargeJob *job)
{
  return tally_server_get_rules_store (job->server);
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

  if (!tally_rules_store_lookup_account (tally_server_get_rules_store (server),
                                         settings->account_id, &account, error))
    return FALSE;

  *below = tally_account_available (&account) < settings->threshold;
  return TRUE;
}

/* --- settling a recharge, inside the writer --- */

static gboolean
credit_recharge (TallyServer   *server,
                 TallyPayment  *payment,
                 const char    *intent_id,
                 gboolean      *changed,
                 GError       **error)
{
  g_autofree char *description = g_strdup_printf ("Auto-recharge, pack “%s”", payment->pack_id);
  TallyTransferResult result;
  TallyTransfer transfer;
  char id[37];

  /* The intent is the payment's session: refunds and disputes find the
   * same purchase transfer through it. */
  if (payment->session_id[0] == '\0')
    {
      g_strlcpy (payment->session_id, intent_id, sizeof payment->session_id);
      if (!tally_rules_store_set_payment_session (tally_server_get_rules_store (server),
                                                  payment->id, intent_id, error))
        return FALSE;
    }

  tally_payments_purchase_id (payment->session_id, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       payment->account_id, payment->credits, TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (&transfer, payment->session_id);
  tally_transfer_set_description (&transfer, description);
  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), &transfer, 1,
                                           &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK && result != TALLY_TRANSFER_EXISTS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The recharge was refused: %s", tally_transfer_result_to_string (result));
      return FALSE;
    }

  *changed = result == TALLY_TRANSFER_OK;
  /* A refund or dispute that came first keeps its status. */
  if (payment->status == TALLY_PAYMENT_OPEN || payment->status == TALLY_PAYMENT_FAILED)
    {
      payment->status = TALLY_PAYMENT_PAID;
      payment->paid_at = g_get_real_time ();
    }
  if (payment->payment_ref[0] == '\0')
    g_strlcpy (payment->payment_ref, payment->session_id, sizeof payment->payment_ref);
  return tally_rules_store_update_payment (tally_server_get_rules_store (server), payment, error);
}

gboolean
tally_recharge_settle (TallyServer           *server,
                       const char            *payment_id,
                       const char            *intent_id,
                       TallyRechargeOutcome   outcome,
                       TallyPayment          *payment,
                       gboolean              *changed,
                       GError               **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;

  *changed = FALSE;
  if (!tally_rules_store_find_payment (store, payment_id, payment, &local_error))
    {
      /* No such payment: nothing to settle. */
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (outcome == TALLY_RECHARGE_SUCCEEDED)
    {
      if (!credit_recharge (server, payment, intent_id, changed, error))
        return FALSE;
    }
  else if (payment->status == TALLY_PAYMENT_OPEN)
    {
      payment->status = TALLY_PAYMENT_FAILED;
      *changed = TRUE;
      if (!tally_rules_store_update_payment (store, payment, error))
        return FALSE;
    }
  else
    {
      /* Paid, or failed, before: a late answer changes nothing. */
      return TRUE;
    }

  return tally_rules_store_finish_recharge (store, payment->account_id, payment->id, outcome,
                                            error);
}

/* --- claiming a recharge --- */

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

/* After a decline, no new attempt until recharge-retry-after has passed,
 * so that a card that is refused is not tried at every commit. */
static gboolean
backing_off (RechargeJob  *job,
             gboolean     *waiting,
             GError      **error)
{
  gint64 retry_after = tally_server_get_config (job->server)->recharge_retry_after;
  gint64 declined_at;

  *waiting = FALSE;
  if (job->settings.failures == 0)
    return TRUE;
  if (!tally_rules_store_last_declined_recharge (job_store (job), job->account_id, &declined_at,
                                                 error))
    return FALSE;

  *waiting = declined_at > g_get_real_time () - retry_after * G_USEC_PER_SEC;
  return TRUE;
}

/* Whether the account may start a recharge now: every condition again, as
 * things stand inside the writer's transaction. */
static gboolean
may_recharge (RechargeJob  *job,
              gboolean     *may,
              GError      **error)
{
  TallyRechargeSettings *settings = &job->settings;
  gboolean found, below = FALSE, waiting = FALSE;
  gint64 started = 0;

  *may = FALSE;
  found = tally_rules_store_find_recharge_settings (job_store (job), job->account_id, settings,
                                                    error);
  if (!found)
    return error == NULL || *error == NULL;
  if (!settings->enabled || settings->paused || settings->in_flight[0] != '\0')
    return TRUE;

  if (!backing_off (job, &waiting, error) ||
      !below_threshold (job->server, settings, &below, error) ||
      !tally_rules_store_count_recharges (job_store (job), settings->account_id, month_start (),
                                          &started, error))
    return FALSE;
  if (waiting || !below || started >= settings->monthly_cap)
    return TRUE;

  if (!tally_rules_store_find_stripe_customer (job_store (job), settings->account_id,
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
  if (!tally_rules_store_insert_payment (job_store (job), &job->payment, error) ||
      !tally_rules_store_start_recharge (job_store (job), job->settings.account_id,
                                         job->payment.id, error))
    return FALSE;

  job->claimed = TRUE;
  return TRUE;
}

/* --- ending the recharge --- */

static gboolean
finish_write (gpointer   data,
              GError   **error)
{
  RechargeJob *job = data;

  return tally_recharge_settle (job->server, job->payment.id, job->intent_id, job->outcome,
                                &job->payment, &job->changed, error);
}

static const char *
outcome_name (TallyRechargeOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_RECHARGE_SUCCEEDED:
      return "recharge_succeeded";
    case TALLY_RECHARGE_DECLINED:
      return "recharge_failed";
    case TALLY_RECHARGE_ABANDONED:
    default:
      return "recharge_abandoned";
    }
}

static void
finish_done (gpointer      data,
             const GError *error)
{
  RechargeJob *job = data;

  if (error != NULL)
    {
      /* Still in flight: a webhook or a later look-up settles it. */
      tally_log_warning ("recharge_not_recorded", error->message);
      return;
    }
  if (!job->changed)
    {
      tally_log_event ("recharge_already_settled", "payment_id", job->payment.id, NULL);
      return;
    }

  tally_metrics_count (tally_server_get_metrics (job->server), "tally_payments_total", "outcome",
                       outcome_name (job->outcome));
  if (job->outcome == TALLY_RECHARGE_SUCCEEDED)
    {
      tally_metrics_add (tally_server_get_metrics (job->server), "tally_credits_purchased_total",
                         NULL, NULL, (guint64) MAX (job->payment.credits, 0));
      tally_log_event ("recharge_succeeded", "payment_id", job->payment.id, NULL);
      tally_notice_purchase_credited (job->server, &job->payment);
    }
  else if (job->outcome == TALLY_RECHARGE_DECLINED)
    {
      tally_log_warning ("recharge_failed", job->failure != NULL ? job->failure : "refused");
      /* The user hears of it at once: their apps show the failure. */
      tally_events_push_payment_failed (job->server, job->account_id, job->payment.id);
      tally_notice_recharge_failed (job->server, &job->payment, job->failure);
    }
  else
    tally_log_event ("recharge_abandoned", "payment_id", job->payment.id, NULL);
}

static void
finish (RechargeJob          *job,
        TallyRechargeOutcome  outcome,
        const char           *failure)
{
  job->outcome = outcome;
  g_free (job->failure);
  job->failure = g_strdup (failure);
  tally_writer_submit (tally_server_get_writer (job->server), finish_write, finish_done, job,
                       recharge_job_free);
}

/* No answer: the recharge stays in flight, and nothing is counted. */
static void
leave_in_flight (RechargeJob *job,
                 const char  *why)
{
  tally_log_warning ("recharge_unanswered", why);
  tally_metrics_count (tally_server_get_metrics (job->server), "tally_payments_total", "outcome",
                       "recharge_unanswered");
  recharge_job_free (job);
}

/* Settles by what Stripe says of @intent: succeeded, declined (the card
 * needs another payment method, or it was cancelled), or still going. */
static void
settle_by_intent (RechargeJob *job,
                  JsonObject  *intent)
{
  const char *id = json_object_get_string_member_with_default (intent, "id", NULL);
  const char *status = json_object_get_string_member_with_default (intent, "status", NULL);

  if (id == NULL || strlen (id) >= sizeof job->intent_id)
    leave_in_flight (job, "Stripe answered an intent without a usable id");
  else if (g_strcmp0 (status, "succeeded") == 0)
    {
      g_strlcpy (job->intent_id, id, sizeof job->intent_id);
      finish (job, TALLY_RECHARGE_SUCCEEDED, NULL);
    }
  else if (g_strcmp0 (status, "processing") == 0)
    leave_in_flight (job, "The charge is still processing");
  else
    {
      /* Off-session, nobody is there to authenticate or pick a card. */
      finish (job, TALLY_RECHARGE_DECLINED, "Stripe did not charge the saved payment method");
    }
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

  /* Every retry was lost on the network or with a 5xx: the card may have
   * been charged, so this is no failure. */
  if (g_error_matches (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_UNAVAILABLE))
    leave_in_flight (job, error->message);
  else if (error != NULL)
    finish (job, TALLY_RECHARGE_DECLINED, error->message);
  else
    settle_by_intent (job, intent);
}

static void
charge (RechargeJob *job,
        const char  *payment_method)
{
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *key = g_strconcat ("recharge-", job->payment.id, NULL);

  tally_stripe_form_set (form, "amount",
                         tally_stripe_amount (job->payment.amount, job->payment.currency));
  tally_stripe_form_set (form, "currency", g_strdup (job->payment.currency));
  tally_stripe_form_set (form, "customer", g_strdup (job->customer_id));
  tally_stripe_form_set (form, "payment_method", g_strdup (payment_method));
  tally_stripe_form_set (form, "off_session", g_strdup ("true"));
  tally_stripe_form_set (form, "confirm", g_strdup ("true"));
  tally_stripe_form_set (form, "description", g_strdup_printf ("Tally auto-recharge: %s",
                                                  job->payment.pack_id));
  /* So that a webhook, a look-up, a refund or a dispute of the charge
   * names the payment. */
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
  /* Nothing was charged yet: a failure here is a definite one. */
  if (error != NULL)
    finish (job, TALLY_RECHARGE_DECLINED, error->message);
  else if (method == NULL)
    finish (job, TALLY_RECHARGE_DECLINED, "The customer has no default payment method");
  else
    charge (job, method);
}

static void
claim_done (gpointer      data,
            const GError *error)
{
  RechargeJob *job = data;
  g_autofree char *path = NULL;

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
  RechargeJob *job = recharge_job_new (self, settings->account_id);

  job->settings = *settings;
  tally_writer_submit (tally_server_get_writer (self->server), claim_write, claim_done, job,
                       NULL);
}

/* --- looking up a stale recharge --- */

/* The intent made for @payment_id, among a list of intents. */
static JsonObject *
find_intent (JsonObject *list,
             const char *payment_id)
{
  JsonNode *data = json_object_get_member (list, "data");
  JsonArray *intents = data != NULL && JSON_NODE_HOLDS_ARRAY (data)
                       ? json_node_get_array (data) : NULL;

  for (guint i = 0; intents != NULL && i < json_array_get_length (intents); i++)
    {
      JsonNode *node = json_array_get_element (intents, i);
      JsonObject *intent = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *metadata = intent != NULL ? json_object_get_member (intent, "metadata") : NULL;

      if (metadata != NULL && JSON_NODE_HOLDS_OBJECT (metadata) &&
          g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (metadata),
                                                                 "payment_id", NULL),
                     payment_id) == 0)
        return intent;
    }

  return NULL;
}

static void
on_intents (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  RechargeJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) list = tally_stripe_client_post_finish (TALLY_STRIPE_CLIENT (source),
                                                                result, &error);
  JsonObject *intent;

  if (error != NULL)
    {
      leave_in_flight (job, error->message);
      return;
    }

  intent = find_intent (list, job->payment.id);
  if (intent != NULL)
    settle_by_intent (job, intent);
  else
    finish (job, TALLY_RECHARGE_ABANDONED, "Stripe never charged it");
}

/* Asks Stripe what became of the recharge @payment_id: its customer's
 * intents since it started, one of which names it if it was made. */
static void
look_up (TallyRecharge *self,
         const char    *payment_id,
         gint64         started_at)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *customer = NULL;
  g_autofree char *path = NULL;
  TallyPayment payment;
  RechargeJob *job;

  if (!tally_rules_store_find_payment (tally_server_get_rules_store (self->server), payment_id,
                                       &payment, &error))
    {
      tally_log_warning ("recharge_check_failed", error != NULL ? error->message
                                                                : "no such payment");
      return;
    }
  if (g_hash_table_contains (self->busy, payment.account_id))
    return;

  job = recharge_job_new (self, payment.account_id);
  job->payment = payment;
  if (!tally_rules_store_find_stripe_customer (tally_server_get_rules_store (self->server),
                                               payment.account_id, job->customer_id,
                                               sizeof job->customer_id, &error))
    {
      leave_in_flight (job, error->message);
      return;
    }

  tally_log_event ("recharge_look_up", "payment_id", payment_id, NULL);
  customer = g_uri_escape_string (job->customer_id, NULL, FALSE);
  path = g_strdup_printf ("/v1/payment_intents?customer=%s&limit=100&created%%5Bgte%%5D=%"
                          G_GINT64_FORMAT, customer,
                          started_at / G_USEC_PER_SEC - LOOKUP_SLACK_SECONDS);
  tally_stripe_client_get (job_stripe (job), path, on_intents, job);
}

static gint64
stale_before (TallyRecharge *self)
{
  gint64 settle_after = tally_server_get_config (self->server)->recharge_settle_after;

  return g_get_real_time () - settle_after * G_USEC_PER_SEC;
}

static void
look_up_if_stale (TallyRecharge *self,
                  const char    *payment_id)
{
  g_autoptr(GError) error = NULL;
  gint64 started_at;

  if (tally_rules_store_find_recharge (tally_server_get_rules_store (self->server), payment_id,
                                       &started_at, &error) &&
      started_at < stale_before (self))
    look_up (self, payment_id, started_at);
  if (error != NULL)
    tally_log_warning ("recharge_check_failed", error->message);
}

/* Recharges that an earlier run left in flight. */
static gboolean
look_up_stale (gpointer data)
{
  TallyRecharge *self = data;
  g_autoptr(GPtrArray) stale = NULL;
  g_autoptr(GError) error = NULL;

  self->startup_source = 0;
  stale = tally_rules_store_list_stale_recharges (tally_server_get_rules_store (self->server),
                                                  stale_before (self), &error);
  if (stale == NULL)
    tally_log_warning ("recharge_check_failed", error->message);
  for (guint i = 0; stale != NULL && i < stale->len; i++)
    look_up_if_stale (self, g_ptr_array_index (stale, i));

  return G_SOURCE_REMOVE;
}

/* --- watching commits --- */

void
tally_recharge_check_account (TallyRecharge *self,
                              const char    *account_id)
{
  g_autoptr(GError) error = NULL;
  TallyRechargeSettings settings;
  gboolean below = FALSE;

  g_return_if_fail (TALLY_IS_RECHARGE (self));

  if (tally_payments_is_demo (tally_server_get_payments (self->server)) ||
      g_hash_table_contains (self->busy, account_id) ||
      !tally_rules_store_find_recharge_settings (tally_server_get_rules_store (self->server),
                                                 account_id, &settings, &error) ||
      !settings.enabled)
    goto out;

  if (settings.in_flight[0] != '\0')
    look_up_if_stale (self, settings.in_flight);
  else if (!settings.paused && below_threshold (self->server, &settings, &below, &error) && below)
    claim (self, &settings);

out:
  if (error != NULL)
    tally_log_warning ("recharge_check_failed", error->message);
}

/* The accounts of the transfers committed since the last look, both
 * sides, up to @durable_seq: FALSE when there are no more. */
static gboolean
read_touched (TallyRecharge *self,
              gint64         durable_seq,
              GHashTable    *touched)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;

  transfers = tally_rules_store_transfers_since (tally_server_get_rules_store (self->server),
                                                 self->last_seq, PAGE_SIZE, &error);
  if (transfers == NULL)
    {
      tally_log_warning ("recharge_check_failed", error->message);
      return FALSE;
    }

  for (guint i = 0; i < transfers->len; i++)
    {
      const TallyTransfer *transfer = &g_array_index (transfers, TallyTransfer, i);

      if (transfer->seq > durable_seq)
        return FALSE;
      g_hash_table_add (touched, g_strdup (transfer->debit_account_id));
      g_hash_table_add (touched, g_strdup (transfer->credit_account_id));
      self->last_seq = transfer->seq;
    }

  return transfers->len == PAGE_SIZE;
}

static void
on_committed (TallyWriter   *writer,
              guint          n_items,
              gboolean       ok,
              TallyRecharge *self)
{
  g_autoptr(GHashTable) touched = NULL;
  GHashTableIter iter;
  gpointer account_id;

  if (!ok || tally_payments_is_demo (tally_server_get_payments (self->server)))
    return;

  touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (read_touched (self, tally_writer_get_committed_seq (writer), touched))
    ;

  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &account_id, NULL))
    tally_recharge_check_account (self, account_id);
}

static void
tally_recharge_dispose (GObject *object)
{
  TallyRecharge *self = (TallyRecharge *) object;

  if (self->server != NULL)
    g_clear_signal_handler (&self->committed_id, tally_server_get_writer (self->server));
  g_clear_handle_id (&self->startup_source, g_source_remove);
  self->server = NULL;
  g_clear_pointer (&self->busy, g_hash_table_unref);

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
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TallyRecharge *
tally_recharge_new (TallyServer *server)
{
  TallyRecharge *self = g_object_new (TALLY_TYPE_RECHARGE, NULL);

  self->server = server;
  self->last_seq = tally_rules_store_get_last_seq (tally_server_get_rules_store (server));
  self->committed_id = g_signal_connect (tally_server_get_writer (server), "committed",
                                         G_CALLBACK (on_committed), self);
  if (!tally_payments_is_demo (tally_server_get_payments (server)))
    self->startup_source = g_idle_add (look_up_stale, self);
  return self;
}
