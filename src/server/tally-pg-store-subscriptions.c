/* tally-pg-store-subscriptions.c: subscriptions to plans, and the refunds
 * of their invoices, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallySubscriptionStatus
status_from_string (const char *text)
{
  for (TallySubscriptionStatus status = TALLY_SUBSCRIPTION_INCOMPLETE;
       status <= TALLY_SUBSCRIPTION_CANCELED; status++)
    {
      if (g_str_equal (text, tally_subscription_status_to_string (status)))
        return status;
    }

  return TALLY_SUBSCRIPTION_INCOMPLETE;
}

/* Row @row of TALLY_STORE_SUBSCRIPTION_COLUMNS. */
void
tally_pg_store_read_subscription (const PGresult    *res,
                                  int                row,
                                  TallySubscription *subscription)
{
  memset (subscription, 0, sizeof *subscription);
  tally_pg_copy_text (res, row, 0, subscription->id, sizeof subscription->id);
  tally_pg_copy_text (res, row, 1, subscription->user_id, sizeof subscription->user_id);
  tally_pg_copy_text (res, row, 2, subscription->account_id, sizeof subscription->account_id);
  tally_pg_copy_text (res, row, 3, subscription->plan_id, sizeof subscription->plan_id);
  tally_pg_copy_text (res, row, 4, subscription->provider, sizeof subscription->provider);
  tally_pg_copy_text (res, row, 5, subscription->session_id, sizeof subscription->session_id);
  tally_pg_copy_text (res, row, 6, subscription->provider_id, sizeof subscription->provider_id);
  subscription->status = status_from_string (PQgetvalue (res, row, 7));
  subscription->current_period_end = tally_pg_get_int64 (res, row, 8);
  subscription->cancel_at_period_end = tally_pg_get_int64 (res, row, 9) != 0;
  subscription->created_at = tally_pg_get_int64 (res, row, 10);
  subscription->credits_per_period = tally_pg_get_int64 (res, row, 11);
}

/* "" is stored as NULL, as SQLite does, so the UNIQUE columns take any
 * number of unset ones. */
static void
add_text_or_null (TallyPgParams *params,
                  const char    *text)
{
  tally_pg_params_add_text (params, text[0] != '\0' ? text : NULL);
}

/* As SQLite: FALSE without an error when there is none. */
static gboolean
find_one (TallyRulesStore    *rules,
          const char         *sql,
          const char         *value,
          TallySubscription  *subscription,
          GError            **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (subscription, 0, sizeof *subscription);
  tally_pg_params_add_text (&params, value);
  res = tally_pg_run (tally_pg_store_pg (rules), sql, &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  tally_pg_store_read_subscription (res, 0, subscription);
  return TRUE;
}

static gboolean
pg_find_subscription (TallyRulesStore    *rules,
                      const char         *id,
                      TallySubscription  *subscription,
                      GError            **error)
{
  return find_one (rules, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE id = $1", id, subscription, error);
}

static gboolean
pg_find_subscription_by_session (TallyRulesStore    *rules,
                                 const char         *session_id,
                                 TallySubscription  *subscription,
                                 GError            **error)
{
  return find_one (rules, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE session_id = $1", session_id, subscription, error);
}

static gboolean
pg_find_subscription_by_provider_id (TallyRulesStore    *rules,
                                     const char         *provider_id,
                                     TallySubscription  *subscription,
                                     GError            **error)
{
  return find_one (rules, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE provider_id = $1", provider_id, subscription, error);
}

/* The user's newest subscription that is active or past due; of two
 * started in the same microsecond, the greater id, on every server. */
static gboolean
pg_find_live_subscription (TallyRulesStore    *rules,
                           const char         *user_id,
                           TallySubscription  *subscription,
                           GError            **error)
{
  return find_one (rules, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE user_id = $1 AND status IN ('active', 'past_due') "
                   "ORDER BY created_at DESC, id DESC LIMIT 1", user_id, subscription, error);
}

static gboolean
pg_insert_subscription (TallyRulesStore          *rules,
                        const TallySubscription  *subscription,
                        GError                  **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, subscription->id);
  tally_pg_params_add_text (&params, subscription->user_id);
  tally_pg_params_add_text (&params, subscription->account_id);
  tally_pg_params_add_text (&params, subscription->plan_id);
  tally_pg_params_add_text (&params, subscription->provider);
  add_text_or_null (&params, subscription->session_id);
  add_text_or_null (&params, subscription->provider_id);
  tally_pg_params_add_text (&params, tally_subscription_status_to_string (subscription->status));
  tally_pg_params_add_int64 (&params, subscription->current_period_end);
  tally_pg_params_add_int64 (&params, subscription->cancel_at_period_end);
  tally_pg_params_add_int64 (&params, subscription->created_at);
  tally_pg_params_add_int64 (&params, subscription->credits_per_period);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO subscriptions (" TALLY_STORE_SUBSCRIPTION_COLUMNS
                               ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                               "$10, $11, $12, $13)", &params, error);
}

/* Writes provider_id, status, current_period_end and
 * cancel_at_period_end back. */
static gboolean
pg_update_subscription (TallyRulesStore          *rules,
                        const TallySubscription  *subscription,
                        GError                  **error)
{
  TallyPgParams params = { 0 };

  add_text_or_null (&params, subscription->provider_id);
  tally_pg_params_add_text (&params, tally_subscription_status_to_string (subscription->status));
  tally_pg_params_add_int64 (&params, subscription->current_period_end);
  tally_pg_params_add_int64 (&params, subscription->cancel_at_period_end);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  tally_pg_params_add_text (&params, subscription->id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE subscriptions SET provider_id = $1, status = $2, "
                               "current_period_end = $3, cancel_at_period_end = $4, "
                               "updated_at = $5 WHERE id = $6", &params, error);
}

/* Writes plan_id and credits_per_period back. */
static gboolean
pg_change_subscription_plan (TallyRulesStore          *rules,
                             const TallySubscription  *subscription,
                             GError                  **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, subscription->plan_id);
  tally_pg_params_add_int64 (&params, subscription->credits_per_period);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  tally_pg_params_add_text (&params, subscription->id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE subscriptions SET plan_id = $1, credits_per_period = $2, "
                               "updated_at = $3 WHERE id = $4", &params, error);
}

/* Both 0 when no refund of @invoice_id took anything back yet. */
static gboolean
pg_find_invoice_refund (TallyRulesStore  *rules,
                        const char       *invoice_id,
                        gint64           *reversed,
                        gint64           *short_by,
                        GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *reversed = *short_by = 0;
  tally_pg_params_add_text (&params, invoice_id);
  res = tally_pg_run (tally_pg_store_pg (rules), "SELECT reversed, short_by "
                      "FROM invoice_refunds WHERE invoice_id = $1", &params, error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    {
      *reversed = tally_pg_get_int64 (res, 0, 0);
      *short_by = tally_pg_get_int64 (res, 0, 1);
    }
  return TRUE;
}

/* Inserts or overwrites in one statement: of two servers saving the
 * first refund of an invoice at once, neither fails on the key. */
static gboolean
pg_save_invoice_refund (TallyRulesStore  *rules,
                        const char       *invoice_id,
                        const char       *account_id,
                        gint64            reversed,
                        gint64            short_by,
                        GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, invoice_id);
  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, reversed);
  tally_pg_params_add_int64 (&params, short_by);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO invoice_refunds (invoice_id, account_id, reversed, "
                               "short_by, updated_at) VALUES ($1, $2, $3, $4, $5) "
                               "ON CONFLICT (invoice_id) DO UPDATE SET "
                               "reversed = excluded.reversed, short_by = excluded.short_by, "
                               "updated_at = excluded.updated_at", &params, error);
}

void
tally_pg_store_subscriptions_init (TallyRulesStoreInterface *iface)
{
  iface->find_subscription = pg_find_subscription;
  iface->find_subscription_by_session = pg_find_subscription_by_session;
  iface->find_subscription_by_provider_id = pg_find_subscription_by_provider_id;
  iface->find_live_subscription = pg_find_live_subscription;
  iface->insert_subscription = pg_insert_subscription;
  iface->update_subscription = pg_update_subscription;
  iface->change_subscription_plan = pg_change_subscription_plan;
  iface->find_invoice_refund = pg_find_invoice_refund;
  iface->save_invoice_refund = pg_save_invoice_refund;
}
