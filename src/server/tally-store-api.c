/* tally-store-api.c: TallyStore as the rest of the server's store, on SQLite
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api-store.h"
#include "tally-store-private.h"

static TallyStore *
store_of (TallyApiStore *api)
{
  return (TallyStore *) api;
}

static TallyLedger *
ledger_of (TallyApiStore *api)
{
  return tally_store_get_ledger (store_of (api));
}

static gboolean
sqlite_check (TallyApiStore  *api,
              GError        **error)
{
  return tally_ledger_check (ledger_of (api), error);
}

static gboolean
sqlite_expire_lots (TallyApiStore  *api,
                    gint64          now,
                    guint          *n_expired,
                    GError        **error)
{
  return tally_ledger_expire_lots (ledger_of (api), now, n_expired, error);
}

static GArray *
sqlite_list_lots (TallyApiStore  *api,
                  const char     *account_id,
                  GError        **error)
{
  return tally_ledger_list_lots (ledger_of (api), account_id, error);
}

static GArray *
sqlite_posted_totals (TallyApiStore  *api,
                      const char     *account_id,
                      gint64          since,
                      gint64          until,
                      GError        **error)
{
  return tally_ledger_posted_totals (ledger_of (api), account_id, since, until, error);
}

static GArray *
sqlite_query_statement (TallyApiStore              *api,
                        const TallyStatementQuery  *query,
                        gint64                     *next_before_seq,
                        GError                    **error)
{
  return tally_ledger_query_statement (ledger_of (api), query, next_before_seq, error);
}

static GArray *
sqlite_recent_run_costs (TallyApiStore  *api,
                         const char     *account_id,
                         const char     *tool_id,
                         guint           limit,
                         GError        **error)
{
  return tally_ledger_recent_run_costs (ledger_of (api), account_id, tool_id, limit, error);
}

static gboolean
sqlite_rename_account (TallyApiStore  *api,
                       const char     *id,
                       const char     *name,
                       GError        **error)
{
  return tally_ledger_rename_account (ledger_of (api), id, name, error);
}

static void
sqlite_set_clock (TallyApiStore  *api,
                  TallyClockFunc  clock,
                  gpointer        user_data)
{
  tally_ledger_set_clock (ledger_of (api), clock, user_data);
}

static gboolean
sqlite_analytics_buyers (TallyApiStore         *api,
                         gint64                 since,
                         gint64                 until,
                         TallyAnalyticsBuyers  *buyers,
                         GError               **error)
{
  return tally_store_analytics_buyers (store_of (api), since, until, buyers, error);
}

static GArray *
sqlite_analytics_consumption (TallyApiStore           *api,
                              TallyAnalyticsGrouping   grouping,
                              gint64                   since,
                              gint64                   until,
                              GError                 **error)
{
  return tally_store_analytics_consumption (store_of (api), grouping, since, until, error);
}

static gboolean
sqlite_analytics_funnel (TallyApiStore         *api,
                         gint64                 since,
                         gint64                 until,
                         TallyAnalyticsFunnel  *funnel,
                         GError               **error)
{
  return tally_store_analytics_funnel (store_of (api), since, until, funnel, error);
}

static GArray *
sqlite_analytics_gaps (TallyApiStore  *api,
                       gint64          since,
                       gint64          until,
                       GError        **error)
{
  return tally_store_analytics_gaps (store_of (api), since, until, error);
}

static GArray *
sqlite_analytics_packs (TallyApiStore  *api,
                        gint64          since,
                        gint64          until,
                        GError        **error)
{
  return tally_store_analytics_packs (store_of (api), since, until, error);
}

static GArray *
sqlite_analytics_tool_users (TallyApiStore  *api,
                             gint64          since,
                             gint64          until,
                             GError        **error)
{
  return tally_store_analytics_tool_users (store_of (api), since, until, error);
}

static gboolean
sqlite_checkout_stages (TallyApiStore        *api,
                        gint64                now,
                        gint64                timeout,
                        TallyCheckoutStages  *stages,
                        GError              **error)
{
  return tally_store_checkout_stages (store_of (api), now, timeout, stages, error);
}

static gboolean
sqlite_outstanding (TallyApiStore     *api,
                    TallyOutstanding  *outstanding,
                    GError           **error)
{
  return tally_store_outstanding (store_of (api), outstanding, error);
}

static gboolean
sqlite_count_active_admins (TallyApiStore  *api,
                            gint64         *count,
                            GError        **error)
{
  return tally_store_count_active_admins (store_of (api), count, error);
}

static gboolean
sqlite_create_session (TallyApiStore  *api,
                       const guint8    token_hash[32],
                       const char     *user_id,
                       const char     *device,
                       gint64          expires_at,
                       GError        **error)
{
  return tally_store_create_session (store_of (api), token_hash, user_id, device, expires_at,
                                     error);
}

static gboolean
sqlite_create_user (TallyApiStore  *api,
                    const char     *email,
                    const char     *name,
                    const char     *password_hash,
                    TallyRole       role,
                    TallyUser      *user,
                    GError        **error)
{
  return tally_store_create_user (store_of (api), email, name, password_hash, role, user, error);
}

static gboolean
sqlite_delete_old_sessions (TallyApiStore  *api,
                            gint64          before,
                            gint64          limit,
                            gint64         *n_deleted,
                            GError        **error)
{
  return tally_store_delete_old_sessions (store_of (api), before, limit, n_deleted, error);
}

static gboolean
sqlite_find_session (TallyApiStore  *api,
                     const guint8    token_hash[32],
                     gint64          now,
                     TallyUser      *user,
                     GError        **error)
{
  return tally_store_find_session (store_of (api), token_hash, now, user, error);
}

static gboolean
sqlite_revoke_session (TallyApiStore  *api,
                       const guint8    token_hash[32],
                       gint64          now,
                       GError        **error)
{
  return tally_store_revoke_session (store_of (api), token_hash, now, error);
}

static GArray *
sqlite_list_users (TallyApiStore  *api,
                   GError        **error)
{
  return tally_store_list_users (store_of (api), error);
}

static gboolean
sqlite_set_disabled (TallyApiStore  *api,
                     const char     *email,
                     gboolean        disabled,
                     GError        **error)
{
  return tally_store_set_disabled (store_of (api), email, disabled, error);
}

static gboolean
sqlite_set_role (TallyApiStore  *api,
                 const char     *email,
                 TallyRole       role,
                 GError        **error)
{
  return tally_store_set_role (store_of (api), email, role, error);
}

static GArray *
sqlite_search_users (TallyApiStore  *api,
                     const char     *search,
                     gint64          after,
                     guint           limit,
                     gint64         *next_after,
                     GError        **error)
{
  return tally_store_search_users (store_of (api), search, after, limit, next_after, error);
}

static gboolean
sqlite_update_user (TallyApiStore  *api,
                    const char     *user_id,
                    TallyRole       role,
                    gboolean        disabled,
                    GError        **error)
{
  return tally_store_update_user (store_of (api), user_id, role, disabled, error);
}

static gboolean
sqlite_erase_user (TallyApiStore    *api,
                   const TallyUser  *user,
                   GError          **error)
{
  return tally_store_erase_user (store_of (api), user, error);
}

static gboolean
sqlite_load_consent (TallyApiStore  *api,
                     const char     *user_id,
                     TallyConsent   *consent,
                     GError        **error)
{
  return tally_store_load_consent (store_of (api), user_id, consent, error);
}

static gboolean
sqlite_save_consent (TallyApiStore       *api,
                     const char          *user_id,
                     const TallyConsent  *consent,
                     GError             **error)
{
  return tally_store_save_consent (store_of (api), user_id, consent, error);
}

static gboolean
sqlite_find_api_key (TallyApiStore  *api,
                     const guint8    key_hash[32],
                     TallyApiKey    *key,
                     TallyUser      *user,
                     GError        **error)
{
  return tally_store_find_api_key (store_of (api), key_hash, key, user, error);
}

static gboolean
sqlite_insert_api_key (TallyApiStore      *api,
                       const TallyApiKey  *key,
                       const guint8        key_hash[32],
                       GError            **error)
{
  return tally_store_insert_api_key (store_of (api), key, key_hash, error);
}

static GArray *
sqlite_list_api_keys (TallyApiStore  *api,
                      const char     *user_id,
                      GError        **error)
{
  return tally_store_list_api_keys (store_of (api), user_id, error);
}

static GArray *
sqlite_list_all_api_keys (TallyApiStore  *api,
                          const char     *user_id,
                          GError        **error)
{
  return tally_store_list_all_api_keys (store_of (api), user_id, error);
}

static gboolean
sqlite_revoke_api_key (TallyApiStore  *api,
                       const char     *user_id,
                       const char     *id,
                       gint64          now,
                       GError        **error)
{
  return tally_store_revoke_api_key (store_of (api), user_id, id, now, error);
}

static gboolean
sqlite_touch_api_key (TallyApiStore  *api,
                      const char     *id,
                      gint64          when,
                      GError        **error)
{
  return tally_store_touch_api_key (store_of (api), id, when, error);
}

static GArray *
sqlite_usage_by_key (TallyApiStore  *api,
                     const char     *account_id,
                     gint64          since,
                     gint64          until,
                     GError        **error)
{
  return tally_store_usage_by_key (store_of (api), account_id, since, until, error);
}

static gboolean
sqlite_insert_webhook (TallyApiStore       *api,
                       const TallyWebhook  *webhook,
                       GError             **error)
{
  return tally_store_insert_webhook (store_of (api), webhook, error);
}

static gboolean
sqlite_find_webhook (TallyApiStore  *api,
                     const char     *user_id,
                     const char     *id,
                     TallyWebhook   *webhook,
                     GError        **error)
{
  return tally_store_find_webhook (store_of (api), user_id, id, webhook, error);
}

static gboolean
sqlite_delete_webhook (TallyApiStore  *api,
                       const char     *user_id,
                       const char     *id,
                       gboolean       *found,
                       GError        **error)
{
  return tally_store_delete_webhook (store_of (api), user_id, id, found, error);
}

static GArray *
sqlite_list_webhooks (TallyApiStore  *api,
                      const char     *user_id,
                      GError        **error)
{
  return tally_store_list_webhooks (store_of (api), user_id, error);
}

static gboolean
sqlite_enqueue_deliveries (TallyApiStore  *api,
                           const char     *user_id,
                           const char     *event_id,
                           const char     *type,
                           const char     *body,
                           gint64          now,
                           GError        **error)
{
  return tally_store_enqueue_deliveries (store_of (api), user_id, event_id, type, body, now, error);
}

static GArray *
sqlite_due_deliveries (TallyApiStore  *api,
                       gint64          now,
                       guint           limit,
                       GError        **error)
{
  return tally_store_due_deliveries (store_of (api), now, limit, error);
}

static gboolean
sqlite_record_attempt (TallyApiStore        *api,
                       gint64                seq,
                       TallyDeliveryStatus   status,
                       guint                 response_status,
                       gint64                attempted_at,
                       gint64                next_attempt_at,
                       GError              **error)
{
  return tally_store_record_attempt (store_of (api), seq, status, response_status, attempted_at,
                                     next_attempt_at, error);
}

static GArray *
sqlite_list_deliveries (TallyApiStore  *api,
                        const char     *webhook_id,
                        gint64          before_seq,
                        guint           limit,
                        gint64         *next_before_seq,
                        GError        **error)
{
  return tally_store_list_deliveries (store_of (api), webhook_id, before_seq, limit,
                                      next_before_seq, error);
}

static GArray *
sqlite_list_alerts (TallyApiStore  *api,
                    const char     *user_id,
                    gint64          since,
                    gint64          until,
                    gint64          before_seq,
                    guint           limit,
                    gint64         *next_before_seq,
                    GError        **error)
{
  return tally_store_list_alerts (store_of (api), user_id, since, until, before_seq, limit,
                                  next_before_seq, error);
}

static GArray *
sqlite_list_payments (TallyApiStore  *api,
                      const char     *user_id,
                      GError        **error)
{
  return tally_store_list_payments (store_of (api), user_id, error);
}

static gboolean
sqlite_load_invoice_details (TallyApiStore        *api,
                             const char           *user_id,
                             TallyInvoiceDetails  *details,
                             GError              **error)
{
  return tally_store_load_invoice_details (store_of (api), user_id, details, error);
}

static gboolean
sqlite_save_invoice_details (TallyApiStore              *api,
                             const char                 *user_id,
                             const TallyInvoiceDetails  *details,
                             GError                    **error)
{
  return tally_store_save_invoice_details (store_of (api), user_id, details, error);
}

static gboolean
sqlite_set_stripe_customer (TallyApiStore  *api,
                            const char     *account_id,
                            const char     *customer_id,
                            GError        **error)
{
  return tally_store_set_stripe_customer (store_of (api), account_id, customer_id, error);
}

static gboolean
sqlite_set_subscription_session (TallyApiStore  *api,
                                 const char     *id,
                                 const char     *session_id,
                                 GError        **error)
{
  return tally_store_set_subscription_session (store_of (api), id, session_id, error);
}

static GArray *
sqlite_list_due_demo_subscriptions (TallyApiStore  *api,
                                    gint64          now,
                                    guint           limit,
                                    GError        **error)
{
  return tally_store_list_due_demo_subscriptions (store_of (api), now, limit, error);
}

static GArray *
sqlite_list_promo_codes (TallyApiStore  *api,
                         GError        **error)
{
  return tally_store_list_promo_codes (store_of (api), error);
}

static GArray *
sqlite_list_team_members (TallyApiStore  *api,
                          const char     *team_id,
                          GError        **error)
{
  return tally_store_list_team_members (store_of (api), team_id, error);
}

static GArray *
sqlite_list_teams (TallyApiStore  *api,
                   const char     *user_id,
                   GError        **error)
{
  return tally_store_list_teams (store_of (api), user_id, error);
}

static GArray *
sqlite_pool_usage_by_member (TallyApiStore  *api,
                             const char     *account_id,
                             gint64          since,
                             gint64          until,
                             GError        **error)
{
  return tally_store_pool_usage_by_member (store_of (api), account_id, since, until, error);
}

static gboolean
sqlite_policy_spend (TallyApiStore      *api,
                     const char         *account_id,
                     const TallyPolicy  *policy,
                     gint64              now,
                     TallySpend         *spend,
                     GError            **error)
{
  return tally_store_policy_spend (store_of (api), account_id, policy, now, spend, error);
}

static gboolean
sqlite_save_policy (TallyApiStore      *api,
                    const char         *account_id,
                    const TallyPolicy  *policy,
                    GError            **error)
{
  return tally_store_save_policy (store_of (api), account_id, policy, error);
}

static gboolean
sqlite_save_recharge_settings (TallyApiStore                *api,
                               const TallyRechargeSettings  *settings,
                               GError                      **error)
{
  return tally_store_save_recharge_settings (store_of (api), settings, error);
}

static GArray *
sqlite_received_gifts (TallyApiStore  *api,
                       const char     *account_id,
                       GError        **error)
{
  return tally_store_received_gifts (store_of (api), account_id, error);
}

static GArray *
sqlite_sent_gifts (TallyApiStore  *api,
                   const char     *user_id,
                   GError        **error)
{
  return tally_store_sent_gifts (store_of (api), user_id, error);
}

static gboolean
sqlite_referral_totals (TallyApiStore  *api,
                        const char     *user_id,
                        gint64         *referred,
                        gint64         *rewarded,
                        gint64         *earned,
                        GError        **error)
{
  return tally_store_referral_totals (store_of (api), user_id, referred, rewarded, earned, error);
}
static void
sqlite_checkpoint_async (TallyApiStore       *api,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  tally_store_checkpoint_async (store_of (api), callback, user_data);
}

static gboolean
sqlite_checkpoint_finish (TallyApiStore  *api,
                          GAsyncResult   *result,
                          GError        **error)
{
  return tally_store_checkpoint_finish (store_of (api), result, error);
}

/* The file is opened once, at start, and stays open: what fails later is
 * the disk under it, which the writer's storage state reports. */
static gboolean
sqlite_is_unavailable (TallyApiStore *api)
{
  return FALSE;
}

/* Only this server writes the file; another process that does (a
 * command) is seen through the data version. */
static gboolean
sqlite_watch_commits (TallyApiStore    *api,
                      TallyCommitHook   func,
                      gpointer          data,
                      GCancellable     *cancellable)
{
  return FALSE;
}

/* One server owns the file: its throttles count in memory. */
static gboolean
sqlite_update_shared_state (TallyApiStore      *api,
                            const char         *key,
                            TallySharedUpdate   update,
                            gpointer            data,
                            GError            **error)
{
  return FALSE;
}

/* Nothing writes the table on SQLite; the sweep finds it empty. */
static gboolean
sqlite_delete_expired_state (TallyApiStore  *api,
                             gint64          now,
                             gint64          limit,
                             gint64         *n_deleted,
                             GError        **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (store_of (api), TALLY_STORE_DELETE_EXPIRED_STATE,
                                            error);

  *n_deleted = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (!tally_store_step_done (store_of (api), stmt, error))
    return FALSE;
  *n_deleted = sqlite3_changes (tally_ledger_get_sqlite (ledger_of (api)));
  return TRUE;
}

/* A read-only connection to the same file: long reads on a worker then
 * never wait for the writer, and see one snapshot throughout. */
static TallyApiStore *
sqlite_open_reader (TallyApiStore  *api,
                    GError        **error)
{
  const char *path = tally_ledger_get_path (ledger_of (api));
  g_autoptr(TallyLedger) ledger = NULL;

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_READ_ONLY, error);
  if (ledger == NULL)
    return NULL;
  return TALLY_API_STORE (tally_store_new_reader (ledger));
}

void
tally_store_api_store_init (TallyApiStoreInterface *iface)
{
  iface->check = sqlite_check;
  iface->expire_lots = sqlite_expire_lots;
  iface->list_lots = sqlite_list_lots;
  iface->posted_totals = sqlite_posted_totals;
  iface->query_statement = sqlite_query_statement;
  iface->recent_run_costs = sqlite_recent_run_costs;
  iface->rename_account = sqlite_rename_account;
  iface->set_clock = sqlite_set_clock;
  iface->analytics_buyers = sqlite_analytics_buyers;
  iface->analytics_consumption = sqlite_analytics_consumption;
  iface->analytics_funnel = sqlite_analytics_funnel;
  iface->analytics_gaps = sqlite_analytics_gaps;
  iface->analytics_packs = sqlite_analytics_packs;
  iface->analytics_tool_users = sqlite_analytics_tool_users;
  iface->checkout_stages = sqlite_checkout_stages;
  iface->outstanding = sqlite_outstanding;
  iface->count_active_admins = sqlite_count_active_admins;
  iface->create_session = sqlite_create_session;
  iface->create_user = sqlite_create_user;
  iface->delete_old_sessions = sqlite_delete_old_sessions;
  iface->find_session = sqlite_find_session;
  iface->revoke_session = sqlite_revoke_session;
  iface->list_users = sqlite_list_users;
  iface->set_disabled = sqlite_set_disabled;
  iface->set_role = sqlite_set_role;
  iface->search_users = sqlite_search_users;
  iface->update_user = sqlite_update_user;
  iface->erase_user = sqlite_erase_user;
  iface->load_consent = sqlite_load_consent;
  iface->save_consent = sqlite_save_consent;
  iface->find_api_key = sqlite_find_api_key;
  iface->insert_api_key = sqlite_insert_api_key;
  iface->list_api_keys = sqlite_list_api_keys;
  iface->list_all_api_keys = sqlite_list_all_api_keys;
  iface->revoke_api_key = sqlite_revoke_api_key;
  iface->touch_api_key = sqlite_touch_api_key;
  iface->usage_by_key = sqlite_usage_by_key;
  iface->insert_webhook = sqlite_insert_webhook;
  iface->find_webhook = sqlite_find_webhook;
  iface->delete_webhook = sqlite_delete_webhook;
  iface->list_webhooks = sqlite_list_webhooks;
  iface->enqueue_deliveries = sqlite_enqueue_deliveries;
  iface->due_deliveries = sqlite_due_deliveries;
  iface->record_attempt = sqlite_record_attempt;
  iface->list_deliveries = sqlite_list_deliveries;
  iface->list_alerts = sqlite_list_alerts;
  iface->list_payments = sqlite_list_payments;
  iface->load_invoice_details = sqlite_load_invoice_details;
  iface->save_invoice_details = sqlite_save_invoice_details;
  iface->set_stripe_customer = sqlite_set_stripe_customer;
  iface->set_subscription_session = sqlite_set_subscription_session;
  iface->list_due_demo_subscriptions = sqlite_list_due_demo_subscriptions;
  iface->list_promo_codes = sqlite_list_promo_codes;
  iface->list_team_members = sqlite_list_team_members;
  iface->list_teams = sqlite_list_teams;
  iface->pool_usage_by_member = sqlite_pool_usage_by_member;
  iface->policy_spend = sqlite_policy_spend;
  iface->save_policy = sqlite_save_policy;
  iface->save_recharge_settings = sqlite_save_recharge_settings;
  iface->received_gifts = sqlite_received_gifts;
  iface->sent_gifts = sqlite_sent_gifts;
  iface->referral_totals = sqlite_referral_totals;
  iface->open_reader = sqlite_open_reader;
  iface->is_unavailable = sqlite_is_unavailable;
  iface->update_shared_state = sqlite_update_shared_state;
  iface->delete_expired_state = sqlite_delete_expired_state;
  iface->watch_commits = sqlite_watch_commits;
  iface->checkpoint_async = sqlite_checkpoint_async;
  iface->checkpoint_finish = sqlite_checkpoint_finish;
}
