/* tally-api-store.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api-store.h"

G_DEFINE_INTERFACE (TallyApiStore, tally_api_store, TALLY_TYPE_RULES_STORE)

static void
tally_api_store_default_init (TallyApiStoreInterface *iface)
{
}

gboolean
tally_api_store_check (TallyApiStore  *self,
                       GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->check (self, error);
}

gboolean
tally_api_store_expire_lots (TallyApiStore  *self,
                             gint64          now,
                             guint          *n_expired,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->expire_lots (self, now, n_expired, error);
}

GArray *
tally_api_store_list_lots (TallyApiStore  *self,
                           const char     *account_id,
                           GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_lots (self, account_id, error);
}

GArray *
tally_api_store_posted_totals (TallyApiStore  *self,
                               const char     *account_id,
                               gint64          since,
                               gint64          until,
                               GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->posted_totals (self, account_id, since, until, error);
}

GArray *
tally_api_store_query_statement (TallyApiStore              *self,
                                 const TallyStatementQuery  *query,
                                 gint64                     *next_before_seq,
                                 GError                    **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->query_statement (self, query, next_before_seq, error);
}

GArray *
tally_api_store_recent_run_costs (TallyApiStore  *self,
                                  const char     *account_id,
                                  const char     *tool_id,
                                  guint           limit,
                                  GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->recent_run_costs (self, account_id, tool_id, limit,
                                                             error);
}

gboolean
tally_api_store_rename_account (TallyApiStore  *self,
                                const char     *id,
                                const char     *name,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->rename_account (self, id, name, error);
}

void
tally_api_store_set_clock (TallyApiStore  *self,
                           TallyClockFunc  clock,
                           gpointer        user_data)
{
  g_return_if_fail (TALLY_IS_API_STORE (self));

  TALLY_API_STORE_GET_IFACE (self)->set_clock (self, clock, user_data);
}

gboolean
tally_api_store_analytics_buyers (TallyApiStore         *self,
                                  gint64                 since,
                                  gint64                 until,
                                  TallyAnalyticsBuyers  *buyers,
                                  GError               **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_buyers (self, since, until, buyers, error);
}

GArray *
tally_api_store_analytics_consumption (TallyApiStore           *self,
                                       TallyAnalyticsGrouping   grouping,
                                       gint64                   since,
                                       gint64                   until,
                                       GError                 **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_consumption (self, grouping, since, until,
                                                                  error);
}

gboolean
tally_api_store_analytics_funnel (TallyApiStore         *self,
                                  gint64                 since,
                                  gint64                 until,
                                  TallyAnalyticsFunnel  *funnel,
                                  GError               **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_funnel (self, since, until, funnel, error);
}

GArray *
tally_api_store_analytics_gaps (TallyApiStore  *self,
                                gint64          since,
                                gint64          until,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_gaps (self, since, until, error);
}

GArray *
tally_api_store_analytics_packs (TallyApiStore  *self,
                                 gint64          since,
                                 gint64          until,
                                 GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_packs (self, since, until, error);
}

GArray *
tally_api_store_analytics_tool_users (TallyApiStore  *self,
                                      gint64          since,
                                      gint64          until,
                                      GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->analytics_tool_users (self, since, until, error);
}

gboolean
tally_api_store_checkout_stages (TallyApiStore        *self,
                                 gint64                now,
                                 gint64                timeout,
                                 TallyCheckoutStages  *stages,
                                 GError              **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->checkout_stages (self, now, timeout, stages, error);
}

gboolean
tally_api_store_outstanding (TallyApiStore     *self,
                             TallyOutstanding  *outstanding,
                             GError           **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->outstanding (self, outstanding, error);
}

gboolean
tally_api_store_count_active_admins (TallyApiStore  *self,
                                     gint64         *count,
                                     GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->count_active_admins (self, count, error);
}

gboolean
tally_api_store_create_session (TallyApiStore  *self,
                                const guint8    token_hash[32],
                                const char     *user_id,
                                const char     *device,
                                gint64          expires_at,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->create_session (self, token_hash, user_id, device,
                                                           expires_at, error);
}

gboolean
tally_api_store_create_user (TallyApiStore  *self,
                             const char     *email,
                             const char     *name,
                             const char     *password_hash,
                             TallyRole       role,
                             TallyUser      *user,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->create_user (self, email, name, password_hash, role,
                                                        user, error);
}

gboolean
tally_api_store_delete_old_sessions (TallyApiStore  *self,
                                     gint64          before,
                                     gint64          limit,
                                     gint64         *n_deleted,
                                     GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->delete_old_sessions (self, before, limit, n_deleted,
                                                                error);
}

gboolean
tally_api_store_find_session (TallyApiStore  *self,
                              const guint8    token_hash[32],
                              gint64          now,
                              TallyUser      *user,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->find_session (self, token_hash, now, user, error);
}

gboolean
tally_api_store_revoke_session (TallyApiStore  *self,
                                const guint8    token_hash[32],
                                gint64          now,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->revoke_session (self, token_hash, now, error);
}

GArray *
tally_api_store_list_users (TallyApiStore  *self,
                            GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_users (self, error);
}

gboolean
tally_api_store_set_disabled (TallyApiStore  *self,
                              const char     *email,
                              gboolean        disabled,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->set_disabled (self, email, disabled, error);
}

gboolean
tally_api_store_set_role (TallyApiStore  *self,
                          const char     *email,
                          TallyRole       role,
                          GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->set_role (self, email, role, error);
}

GArray *
tally_api_store_search_users (TallyApiStore  *self,
                              const char     *search,
                              gint64          after,
                              guint           limit,
                              gint64         *next_after,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->search_users (self, search, after, limit, next_after,
                                                         error);
}

gboolean
tally_api_store_update_user (TallyApiStore  *self,
                             const char     *user_id,
                             TallyRole       role,
                             gboolean        disabled,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->update_user (self, user_id, role, disabled, error);
}

gboolean
tally_api_store_erase_user (TallyApiStore    *self,
                            const TallyUser  *user,
                            GError          **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->erase_user (self, user, error);
}

gboolean
tally_api_store_load_consent (TallyApiStore  *self,
                              const char     *user_id,
                              TallyConsent   *consent,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->load_consent (self, user_id, consent, error);
}

gboolean
tally_api_store_save_consent (TallyApiStore       *self,
                              const char          *user_id,
                              const TallyConsent  *consent,
                              GError             **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->save_consent (self, user_id, consent, error);
}

gboolean
tally_api_store_find_api_key (TallyApiStore  *self,
                              const guint8    key_hash[32],
                              TallyApiKey    *key,
                              TallyUser      *user,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->find_api_key (self, key_hash, key, user, error);
}

gboolean
tally_api_store_insert_api_key (TallyApiStore      *self,
                                const TallyApiKey  *key,
                                const guint8        key_hash[32],
                                GError            **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->insert_api_key (self, key, key_hash, error);
}

GArray *
tally_api_store_list_api_keys (TallyApiStore  *self,
                               const char     *user_id,
                               GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_api_keys (self, user_id, error);
}

GArray *
tally_api_store_list_all_api_keys (TallyApiStore  *self,
                                   const char     *user_id,
                                   GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_all_api_keys (self, user_id, error);
}

gboolean
tally_api_store_revoke_api_key (TallyApiStore  *self,
                                const char     *user_id,
                                const char     *id,
                                gint64          now,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->revoke_api_key (self, user_id, id, now, error);
}

gboolean
tally_api_store_touch_api_key (TallyApiStore  *self,
                               const char     *id,
                               gint64          when,
                               GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->touch_api_key (self, id, when, error);
}

GArray *
tally_api_store_usage_by_key (TallyApiStore  *self,
                              const char     *account_id,
                              gint64          since,
                              gint64          until,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->usage_by_key (self, account_id, since, until, error);
}

gboolean
tally_api_store_insert_webhook (TallyApiStore       *self,
                                const TallyWebhook  *webhook,
                                GError             **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->insert_webhook (self, webhook, error);
}

gboolean
tally_api_store_find_webhook (TallyApiStore  *self,
                              const char     *user_id,
                              const char     *id,
                              TallyWebhook   *webhook,
                              GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->find_webhook (self, user_id, id, webhook, error);
}

gboolean
tally_api_store_delete_webhook (TallyApiStore  *self,
                                const char     *user_id,
                                const char     *id,
                                gboolean       *found,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->delete_webhook (self, user_id, id, found, error);
}

GArray *
tally_api_store_list_webhooks (TallyApiStore  *self,
                               const char     *user_id,
                               GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_webhooks (self, user_id, error);
}

gboolean
tally_api_store_enqueue_deliveries (TallyApiStore  *self,
                                    const char     *user_id,
                                    const char     *event_id,
                                    const char     *type,
                                    const char     *body,
                                    gint64          now,
                                    GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->enqueue_deliveries (self, user_id, event_id, type, body,
                                                               now, error);
}

GArray *
tally_api_store_due_deliveries (TallyApiStore  *self,
                                gint64          now,
                                guint           limit,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->due_deliveries (self, now, limit, error);
}

gboolean
tally_api_store_record_attempt (TallyApiStore        *self,
                                gint64                seq,
                                TallyDeliveryStatus   status,
                                guint                 response_status,
                                gint64                attempted_at,
                                gint64                next_attempt_at,
                                GError              **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->record_attempt (self, seq, status, response_status,
                                                           attempted_at, next_attempt_at, error);
}

GArray *
tally_api_store_list_deliveries (TallyApiStore  *self,
                                 const char     *webhook_id,
                                 gint64          before_seq,
                                 guint           limit,
                                 gint64         *next_before_seq,
                                 GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_deliveries (self, webhook_id, before_seq, limit,
                                                            next_before_seq, error);
}

GArray *
tally_api_store_list_alerts (TallyApiStore  *self,
                             const char     *user_id,
                             gint64          since,
                             gint64          until,
                             gint64          before_seq,
                             guint           limit,
                             gint64         *next_before_seq,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_alerts (self, user_id, since, until, before_seq,
                                                        limit, next_before_seq, error);
}

GArray *
tally_api_store_list_payments (TallyApiStore  *self,
                               const char     *user_id,
                               GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_payments (self, user_id, error);
}

gboolean
tally_api_store_load_invoice_details (TallyApiStore        *self,
                                      const char           *user_id,
                                      TallyInvoiceDetails  *details,
                                      GError              **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->load_invoice_details (self, user_id, details, error);
}

gboolean
tally_api_store_save_invoice_details (TallyApiStore              *self,
                                      const char                 *user_id,
                                      const TallyInvoiceDetails  *details,
                                      GError                    **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->save_invoice_details (self, user_id, details, error);
}

gboolean
tally_api_store_set_stripe_customer (TallyApiStore  *self,
                                     const char     *account_id,
                                     const char     *customer_id,
                                     GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->set_stripe_customer (self, account_id, customer_id,
                                                                error);
}

gboolean
tally_api_store_set_subscription_session (TallyApiStore  *self,
                                          const char     *id,
                                          const char     *session_id,
                                          GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->set_subscription_session (self, id, session_id, error);
}

GArray *
tally_api_store_list_due_demo_subscriptions (TallyApiStore  *self,
                                             gint64          now,
                                             guint           limit,
                                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_due_demo_subscriptions (self, now, limit, error);
}

GArray *
tally_api_store_list_promo_codes (TallyApiStore  *self,
                                  GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_promo_codes (self, error);
}

GArray *
tally_api_store_list_team_members (TallyApiStore  *self,
                                   const char     *team_id,
                                   GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_team_members (self, team_id, error);
}

GArray *
tally_api_store_list_teams (TallyApiStore  *self,
                            const char     *user_id,
                            GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->list_teams (self, user_id, error);
}

GArray *
tally_api_store_pool_usage_by_member (TallyApiStore  *self,
                                      const char     *account_id,
                                      gint64          since,
                                      gint64          until,
                                      GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->pool_usage_by_member (self, account_id, since, until,
                                                                 error);
}

gboolean
tally_api_store_policy_spend (TallyApiStore      *self,
                              const char         *account_id,
                              const TallyPolicy  *policy,
                              gint64              now,
                              TallySpend         *spend,
                              GError            **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->policy_spend (self, account_id, policy, now, spend,
                                                         error);
}

gboolean
tally_api_store_save_policy (TallyApiStore      *self,
                             const char         *account_id,
                             const TallyPolicy  *policy,
                             GError            **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->save_policy (self, account_id, policy, error);
}

gboolean
tally_api_store_save_recharge_settings (TallyApiStore                *self,
                                        const TallyRechargeSettings  *settings,
                                        GError                      **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->save_recharge_settings (self, settings, error);
}

GArray *
tally_api_store_received_gifts (TallyApiStore  *self,
                                const char     *account_id,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->received_gifts (self, account_id, error);
}

GArray *
tally_api_store_sent_gifts (TallyApiStore  *self,
                            const char     *user_id,
                            GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->sent_gifts (self, user_id, error);
}

gboolean
tally_api_store_referral_totals (TallyApiStore  *self,
                                 const char     *user_id,
                                 gint64         *referred,
                                 gint64         *rewarded,
                                 gint64         *earned,
                                 GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->referral_totals (self, user_id, referred, rewarded,
                                                            earned, error);
}

TallyApiStore *
tally_api_store_open_reader (TallyApiStore  *self,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), NULL);

  return TALLY_API_STORE_GET_IFACE (self)->open_reader (self, error);
}

void
tally_api_store_checkpoint_async (TallyApiStore       *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_API_STORE (self));

  TALLY_API_STORE_GET_IFACE (self)->checkpoint_async (self, callback, user_data);
}

gboolean
tally_api_store_checkpoint_finish (TallyApiStore  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->checkpoint_finish (self, result, error);
}

gboolean
tally_api_store_is_unavailable (TallyApiStore *self)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->is_unavailable (self);
}

gboolean
tally_api_store_watch_commits (TallyApiStore    *self,
                               TallyCommitHook   func,
                               gpointer          data,
                               GCancellable     *cancellable)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->watch_commits (self, func, data, cancellable);
}

gboolean
tally_api_store_update_shared_state (TallyApiStore      *self,
                                     const char         *key,
                                     TallySharedUpdate   update,
                                     gpointer            data,
                                     GError            **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (update != NULL, FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->update_shared_state (self, key, update, data, error);
}

gboolean
tally_api_store_delete_expired_state (TallyApiStore  *self,
                                      gint64          now,
                                      gint64          limit,
                                      gint64         *n_deleted,
                                      GError        **error)
{
  g_return_val_if_fail (TALLY_IS_API_STORE (self), FALSE);

  return TALLY_API_STORE_GET_IFACE (self)->delete_expired_state (self, now, limit, n_deleted,
                                                                 error);
}
