/* tally-pg-store-billing.c: the API's payments, invoice details,
 * subscriptions and top-up settings on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

/* Newest first. */
static GArray *
pg_list_payments (TallyApiStore  *api,
                  const char     *user_id,
                  GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *payments;

  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LIST_PAYMENTS, &params, error);
  if (res == NULL)
    return NULL;

  payments = g_array_sized_new (FALSE, FALSE, sizeof (TallyPayment), PQntuples (res));
  g_array_set_size (payments, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_payment (res, row, &g_array_index (payments, TallyPayment, row));
  return payments;
}

/* As SQLite: all "" for a user who saved none. */
static gboolean
pg_load_invoice_details (TallyApiStore        *api,
                         const char           *user_id,
                         TallyInvoiceDetails  *details,
                         GError              **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (details, 0, sizeof *details);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LOAD_INVOICE_DETAILS, &params, error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    {
      tally_pg_copy_text (res, 0, 0, details->company, sizeof details->company);
      tally_pg_copy_text (res, 0, 1, details->address, sizeof details->address);
      tally_pg_copy_text (res, 0, 2, details->vat_id, sizeof details->vat_id);
    }
  return TRUE;
}

/* One statement (ON CONFLICT ... DO UPDATE): two servers saving the same
 * user's details at once both succeed, the later one's kept. */
static gboolean
pg_save_invoice_details (TallyApiStore              *api,
                         const char                 *user_id,
                         const TallyInvoiceDetails  *details,
                         GError                    **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, details->company);
  tally_pg_params_add_text (&params, details->address);
  tally_pg_params_add_text (&params, details->vat_id);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  return tally_pg_run_command (pg_of (api), TALLY_STORE_SAVE_INVOICE_DETAILS, &params, error);
}

/* The first customer recorded for the account stays (ON CONFLICT DO
 * NOTHING), whichever server records it. */
static gboolean
pg_set_stripe_customer (TallyApiStore  *api,
                        const char     *account_id,
                        const char     *customer_id,
                        GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_text (&params, customer_id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_SET_STRIPE_CUSTOMER, &params, error);
}

/* As SQLite: an unknown subscription changes nothing, without an error. */
static gboolean
pg_set_subscription_session (TallyApiStore  *api,
                             const char     *id,
                             const char     *session_id,
                             GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, session_id);
  tally_pg_params_add_text (&params, id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_SET_SUBSCRIPTION_SESSION, &params,
                               error);
}

/* The demo provider's active subscriptions whose period ended by @now,
 * the longest due first. */
static GArray *
pg_list_due_demo_subscriptions (TallyApiStore  *api,
                                gint64          now,
                                guint           limit,
                                GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *list;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_run (pg_of (api), TALLY_STORE_DUE_DEMO_SUBSCRIPTIONS, &params, error);
  if (res == NULL)
    return NULL;

  list = g_array_sized_new (FALSE, TRUE, sizeof (TallySubscription), PQntuples (res));
  g_array_set_size (list, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    tally_pg_store_read_subscription (res, row, &g_array_index (list, TallySubscription, row));
  return list;
}

/* One statement (ON CONFLICT ... DO UPDATE), which also clears the
 * failures and the pause: two servers saving at once both succeed, the
 * later one's kept. The payment in flight stays. */
static gboolean
pg_save_recharge_settings (TallyApiStore                *api,
                           const TallyRechargeSettings  *settings,
                           GError                      **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, settings->account_id);
  tally_pg_params_add_text (&params, settings->user_id);
  tally_pg_params_add_int64 (&params, settings->enabled ? 1 : 0);
  tally_pg_params_add_int64 (&params, settings->threshold);
  tally_pg_params_add_text (&params, settings->pack_id);
  tally_pg_params_add_int64 (&params, settings->monthly_cap);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  return tally_pg_run_command (pg_of (api), TALLY_STORE_SAVE_RECHARGE_SETTINGS, &params, error);
}

void
tally_pg_store_billing_api_init (TallyApiStoreInterface *iface)
{
  iface->list_payments = pg_list_payments;
  iface->load_invoice_details = pg_load_invoice_details;
  iface->save_invoice_details = pg_save_invoice_details;
  iface->set_stripe_customer = pg_set_stripe_customer;
  iface->set_subscription_session = pg_set_subscription_session;
  iface->list_due_demo_subscriptions = pg_list_due_demo_subscriptions;
  iface->save_recharge_settings = pg_save_recharge_settings;
}
