/* tally-api-store.h: what the HTTP layer, the commands and the server's
 * sweeps need of a store beyond the rules
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-rules-store.h"
#include "tally-store-analytics.h"
#include "tally-store-keys.h"
#include "tally-store-webhooks.h"

G_BEGIN_DECLS

#define TALLY_TYPE_API_STORE (tally_api_store_get_type ())

/* The rest of the server (the API's pages, tally-server's commands, the
 * session sweep) reads and writes only through this interface and
 * TallyRulesStore, its prerequisite: so the server runs on either store.
 * TallyStore implements it on SQLite, TallyPgStore on PostgreSQL. Each
 * call means what the TallyLedger or TallyStore function of the same name
 * means, with the same errors. The contract is tests/server/test-api-store*.c. */
G_DECLARE_INTERFACE (TallyApiStore, tally_api_store, TALLY, API_STORE, GObject)

/* Shared state keyed by an email address ("login-email:ADDRESS", the
 * address in lower case): erasing a user deletes it. */
#define TALLY_SHARED_KEY_LOGIN_EMAIL "login-email"

/* Gets a key's state as text (NULL when there is none) and returns its
 * new state, or NULL to drop it, with when it expires. */
typedef char *(*TallySharedUpdate) (const char *state,
                                    gpointer    data,
                                    gint64     *expires_at);

struct _TallyApiStoreInterface
{
  GTypeInterface g_iface;

  /* The ledger beyond the rules: the checks, lots, statements and totals the pages read. */
  gboolean (*check) (TallyApiStore  *self,
                     GError        **error);
  gboolean (*expire_lots) (TallyApiStore  *self,
                           gint64          now,
                           guint          *n_expired,
                           GError        **error);
  GArray *(*list_lots) (TallyApiStore  *self,
                        const char     *account_id,
                        GError        **error);
  GArray *(*posted_totals) (TallyApiStore  *self,
                            const char     *account_id,
                            gint64          since,
                            gint64          until,
                            GError        **error);
  GArray *(*query_statement) (TallyApiStore              *self,
                              const TallyStatementQuery  *query,
                              gint64                     *next_before_seq,
                              GError                    **error);
  GArray *(*recent_run_costs) (TallyApiStore  *self,
                               const char     *account_id,
                               const char     *tool_id,
                               guint           limit,
                               GError        **error);
  gboolean (*rename_account) (TallyApiStore  *self,
                              const char     *id,
                              const char     *name,
                              GError        **error);
  void (*set_clock) (TallyApiStore  *self,
                     TallyClockFunc  clock,
                     gpointer        user_data);

  /* Whether the store cannot be reached now (a database server stopped,
   * restarting or out of connections), which ends by itself: requests are
   * then answered 503, not 500 or 401. A cheap read, which reconnects if
   * it can. */
  gboolean (*is_unavailable) (TallyApiStore *self);

  /* Calls @func on the main context soon after another server commits
   * to the store, until @cancellable is cancelled: live events then
   * reach the WebSockets held here at once. FALSE when the store has no
   * such notice (SQLite: one server writes its file), and the caller
   * polls read_data_version() alone. */
  gboolean (*watch_commits) (TallyApiStore    *self,
                             TallyCommitHook   func,
                             gpointer          data,
                             GCancellable     *cancellable);

  /* State that every server on the store must see the same, such as the
   * sign-in throttles' counts: in a transaction of its own, @key's row
   * locked, @update turns its state into the next. FALSE with no error
   * when the store is not shared (SQLite: one server owns it), and the
   * caller keeps the state in memory. */
  gboolean (*update_shared_state) (TallyApiStore      *self,
                                   const char         *key,
                                   TallySharedUpdate   update,
                                   gpointer            data,
                                   GError            **error);
  /* Up to @limit rows of shared state that expired before @now. */
  gboolean (*delete_expired_state) (TallyApiStore  *self,
                                    gint64          now,
                                    gint64          limit,
                                    gint64         *n_deleted,
                                    GError        **error);

  /* A store on a connection of its own, for a worker thread's long reads
   * (exports, the audit's verify); it only reads. */
  TallyApiStore *(*open_reader) (TallyApiStore  *self,
                                 GError        **error);

  /* Users, sessions and what a user consents to. */
  gboolean (*create_user) (TallyApiStore  *self,
                           const char     *email,
                           const char     *name,
                           const char     *password_hash,
                           TallyRole       role,
                           TallyUser      *user,
                           GError        **error);
  GArray *(*list_users) (TallyApiStore  *self,
                         GError        **error);
  GArray *(*search_users) (TallyApiStore  *self,
                           const char     *search,
                           gint64          after,
                           guint           limit,
                           gint64         *next_after,
                           GError        **error);
  gboolean (*set_disabled) (TallyApiStore  *self,
                            const char     *email,
                            gboolean        disabled,
                            GError        **error);
  gboolean (*set_role) (TallyApiStore  *self,
                        const char     *email,
                        TallyRole       role,
                        GError        **error);
  gboolean (*update_user) (TallyApiStore  *self,
                           const char     *user_id,
                           TallyRole       role,
                           gboolean        disabled,
                           GError        **error);
  gboolean (*count_active_admins) (TallyApiStore  *self,
                                   gint64         *count,
                                   GError        **error);
  gboolean (*erase_user) (TallyApiStore    *self,
                          const TallyUser  *user,
                          GError          **error);
  gboolean (*load_consent) (TallyApiStore  *self,
                            const char     *user_id,
                            TallyConsent   *consent,
                            GError        **error);
  /* After an erasure, on a worker thread with a connection of its own:
   * the store's files keep as little as it can of what was overwritten
   * (SQLite empties its WAL; PostgreSQL vacuums the tables erasure
   * touches). */
  void (*checkpoint_async) (TallyApiStore       *self,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);
  gboolean (*checkpoint_finish) (TallyApiStore  *self,
                                 GAsyncResult   *result,
                                 GError        **error);
  gboolean (*save_consent) (TallyApiStore       *self,
                            const char          *user_id,
                            const TallyConsent  *consent,
                            GError             **error);
  gboolean (*create_session) (TallyApiStore  *self,
                              const guint8    token_hash[32],
                              const char     *user_id,
                              const char     *device,
                              gint64          expires_at,
                              GError        **error);
  gboolean (*find_session) (TallyApiStore  *self,
                            const guint8    token_hash[32],
                            gint64          now,
                            TallyUser      *user,
                            GError        **error);
  gboolean (*revoke_session) (TallyApiStore  *self,
                              const guint8    token_hash[32],
                              gint64          now,
                              GError        **error);
  gboolean (*delete_old_sessions) (TallyApiStore  *self,
                                   gint64          before,
                                   gint64          limit,
                                   gint64         *n_deleted,
                                   GError        **error);

  /* API keys. */
  gboolean (*insert_api_key) (TallyApiStore      *self,
                              const TallyApiKey  *key,
                              const guint8        key_hash[32],
                              GError            **error);
  gboolean (*find_api_key) (TallyApiStore  *self,
                            const guint8    key_hash[32],
                            TallyApiKey    *key,
                            TallyUser      *user,
                            GError        **error);
  GArray *(*list_api_keys) (TallyApiStore  *self,
                            const char     *user_id,
                            GError        **error);
  GArray *(*list_all_api_keys) (TallyApiStore  *self,
                                const char     *user_id,
                                GError        **error);
  gboolean (*revoke_api_key) (TallyApiStore  *self,
                              const char     *user_id,
                              const char     *id,
                              gint64          now,
                              GError        **error);
  gboolean (*touch_api_key) (TallyApiStore  *self,
                             const char     *id,
                             gint64          when,
                             GError        **error);
  GArray *(*usage_by_key) (TallyApiStore  *self,
                           const char     *account_id,
                           gint64          since,
                           gint64          until,
                           GError        **error);

  /* Outgoing webhooks and their deliveries. */
  gboolean (*insert_webhook) (TallyApiStore       *self,
                              const TallyWebhook  *webhook,
                              GError             **error);
  gboolean (*find_webhook) (TallyApiStore  *self,
                            const char     *user_id,
                            const char     *id,
                            TallyWebhook   *webhook,
                            GError        **error);
  gboolean (*delete_webhook) (TallyApiStore  *self,
                              const char     *user_id,
                              const char     *id,
                              gboolean       *found,
                              GError        **error);
  GArray *(*list_webhooks) (TallyApiStore  *self,
                            const char     *user_id,
                            GError        **error);
  gboolean (*enqueue_deliveries) (TallyApiStore  *self,
                                  const char     *user_id,
                                  const char     *event_id,
                                  const char     *type,
                                  const char     *body,
                                  gint64          now,
                                  GError        **error);
  GArray *(*due_deliveries) (TallyApiStore  *self,
                             gint64          now,
                             guint           limit,
                             GError        **error);
  gboolean (*record_attempt) (TallyApiStore        *self,
                              gint64                seq,
                              TallyDeliveryStatus   status,
                              guint                 response_status,
                              gint64                attempted_at,
                              gint64                next_attempt_at,
                              GError              **error);
  GArray *(*list_deliveries) (TallyApiStore  *self,
                              const char     *webhook_id,
                              gint64          before_seq,
                              guint           limit,
                              gint64         *next_before_seq,
                              GError        **error);

  /* Payments, subscriptions, top-ups and invoices. */
  GArray *(*list_payments) (TallyApiStore  *self,
                            const char     *user_id,
                            GError        **error);
  gboolean (*load_invoice_details) (TallyApiStore        *self,
                                    const char           *user_id,
                                    TallyInvoiceDetails  *details,
                                    GError              **error);
  gboolean (*save_invoice_details) (TallyApiStore              *self,
                                    const char                 *user_id,
                                    const TallyInvoiceDetails  *details,
                                    GError                    **error);
  gboolean (*set_stripe_customer) (TallyApiStore  *self,
                                   const char     *account_id,
                                   const char     *customer_id,
                                   GError        **error);
  gboolean (*set_subscription_session) (TallyApiStore  *self,
                                        const char     *id,
                                        const char     *session_id,
                                        GError        **error);
  GArray *(*list_due_demo_subscriptions) (TallyApiStore  *self,
                                          gint64          now,
                                          guint           limit,
                                          GError        **error);
  gboolean (*save_recharge_settings) (TallyApiStore                *self,
                                      const TallyRechargeSettings  *settings,
                                      GError                      **error);

  /* Spend policies, teams, gifts, promotion codes and alerts as pages list them. */
  gboolean (*policy_spend) (TallyApiStore      *self,
                            const char         *account_id,
                            const TallyPolicy  *policy,
                            gint64              now,
                            TallySpend         *spend,
                            GError            **error);
  gboolean (*save_policy) (TallyApiStore      *self,
                           const char         *account_id,
                           const TallyPolicy  *policy,
                           GError            **error);
  GArray *(*list_teams) (TallyApiStore  *self,
                         const char     *user_id,
                         GError        **error);
  GArray *(*list_team_members) (TallyApiStore  *self,
                                const char     *team_id,
                                GError        **error);
  GArray *(*pool_usage_by_member) (TallyApiStore  *self,
                                   const char     *account_id,
                                   gint64          since,
                                   gint64          until,
                                   GError        **error);
  GArray *(*received_gifts) (TallyApiStore  *self,
                             const char     *account_id,
                             GError        **error);
  GArray *(*sent_gifts) (TallyApiStore  *self,
                         const char     *user_id,
                         GError        **error);
  gboolean (*referral_totals) (TallyApiStore  *self,
                               const char     *user_id,
                               gint64         *referred,
                               gint64         *rewarded,
                               gint64         *earned,
                               GError        **error);
  GArray *(*list_promo_codes) (TallyApiStore  *self,
                               GError        **error);
  GArray *(*list_alerts) (TallyApiStore  *self,
                          const char     *user_id,
                          gint64          since,
                          gint64          until,
                          gint64          before_seq,
                          guint           limit,
                          gint64         *next_before_seq,
                          GError        **error);

  /* What the admin's analytics and the gauges read. */
  gboolean (*analytics_buyers) (TallyApiStore         *self,
                                gint64                 since,
                                gint64                 until,
                                TallyAnalyticsBuyers  *buyers,
                                GError               **error);
  GArray *(*analytics_consumption) (TallyApiStore           *self,
                                    TallyAnalyticsGrouping   grouping,
                                    gint64                   since,
                                    gint64                   until,
                                    GError                 **error);
  gboolean (*analytics_funnel) (TallyApiStore         *self,
                                gint64                 since,
                                gint64                 until,
                                TallyAnalyticsFunnel  *funnel,
                                GError               **error);
  GArray *(*analytics_gaps) (TallyApiStore  *self,
                             gint64          since,
                             gint64          until,
                             GError        **error);
  GArray *(*analytics_packs) (TallyApiStore  *self,
                              gint64          since,
                              gint64          until,
                              GError        **error);
  GArray *(*analytics_tool_users) (TallyApiStore  *self,
                                   gint64          since,
                                   gint64          until,
                                   GError        **error);
  gboolean (*checkout_stages) (TallyApiStore        *self,
                               gint64                now,
                               gint64                timeout,
                               TallyCheckoutStages  *stages,
                               GError              **error);
  gboolean (*outstanding) (TallyApiStore     *self,
                           TallyOutstanding  *outstanding,
                           GError           **error);
};

gboolean tally_api_store_check (TallyApiStore  *self,
                                GError        **error);
gboolean tally_api_store_expire_lots (TallyApiStore  *self,
                                      gint64          now,
                                      guint          *n_expired,
                                      GError        **error);
GArray *tally_api_store_list_lots (TallyApiStore  *self,
                                   const char     *account_id,
                                   GError        **error);
GArray *tally_api_store_posted_totals (TallyApiStore  *self,
                                       const char     *account_id,
                                       gint64          since,
                                       gint64          until,
                                       GError        **error);
GArray *tally_api_store_query_statement (TallyApiStore              *self,
                                         const TallyStatementQuery  *query,
                                         gint64                     *next_before_seq,
                                         GError                    **error);
GArray *tally_api_store_recent_run_costs (TallyApiStore  *self,
                                          const char     *account_id,
                                          const char     *tool_id,
                                          guint           limit,
                                          GError        **error);
gboolean tally_api_store_rename_account (TallyApiStore  *self,
                                         const char     *id,
                                         const char     *name,
                                         GError        **error);
void tally_api_store_set_clock (TallyApiStore  *self,
                                TallyClockFunc  clock,
                                gpointer        user_data);

gboolean tally_api_store_is_unavailable (TallyApiStore *self);
gboolean tally_api_store_update_shared_state (TallyApiStore      *self,
                                              const char         *key,
                                              TallySharedUpdate   update,
                                              gpointer            data,
                                              GError            **error);
gboolean tally_api_store_delete_expired_state (TallyApiStore  *self,
                                               gint64          now,
                                               gint64          limit,
                                               gint64         *n_deleted,
                                               GError        **error);
gboolean tally_api_store_watch_commits (TallyApiStore    *self,
                                        TallyCommitHook   func,
                                        gpointer          data,
                                        GCancellable     *cancellable);
TallyApiStore *tally_api_store_open_reader (TallyApiStore  *self,
                                            GError        **error);

gboolean tally_api_store_create_user (TallyApiStore  *self,
                                      const char     *email,
                                      const char     *name,
                                      const char     *password_hash,
                                      TallyRole       role,
                                      TallyUser      *user,
                                      GError        **error);
GArray *tally_api_store_list_users (TallyApiStore  *self,
                                    GError        **error);
GArray *tally_api_store_search_users (TallyApiStore  *self,
                                      const char     *search,
                                      gint64          after,
                                      guint           limit,
                                      gint64         *next_after,
                                      GError        **error);
gboolean tally_api_store_set_disabled (TallyApiStore  *self,
                                       const char     *email,
                                       gboolean        disabled,
                                       GError        **error);
gboolean tally_api_store_set_role (TallyApiStore  *self,
                                   const char     *email,
                                   TallyRole       role,
                                   GError        **error);
gboolean tally_api_store_update_user (TallyApiStore  *self,
                                      const char     *user_id,
                                      TallyRole       role,
                                      gboolean        disabled,
                                      GError        **error);
gboolean tally_api_store_count_active_admins (TallyApiStore  *self,
                                              gint64         *count,
                                              GError        **error);
gboolean tally_api_store_erase_user (TallyApiStore    *self,
                                     const TallyUser  *user,
                                     GError          **error);
gboolean tally_api_store_load_consent (TallyApiStore  *self,
                                       const char     *user_id,
                                       TallyConsent   *consent,
                                       GError        **error);
void tally_api_store_checkpoint_async (TallyApiStore       *self,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean tally_api_store_checkpoint_finish (TallyApiStore  *self,
                                            GAsyncResult   *result,
                                            GError        **error);
gboolean tally_api_store_save_consent (TallyApiStore       *self,
                                       const char          *user_id,
                                       const TallyConsent  *consent,
                                       GError             **error);
gboolean tally_api_store_create_session (TallyApiStore  *self,
                                         const guint8    token_hash[32],
                                         const char     *user_id,
                                         const char     *device,
                                         gint64          expires_at,
                                         GError        **error);
gboolean tally_api_store_find_session (TallyApiStore  *self,
                                       const guint8    token_hash[32],
                                       gint64          now,
                                       TallyUser      *user,
                                       GError        **error);
gboolean tally_api_store_revoke_session (TallyApiStore  *self,
                                         const guint8    token_hash[32],
                                         gint64          now,
                                         GError        **error);
gboolean tally_api_store_delete_old_sessions (TallyApiStore  *self,
                                              gint64          before,
                                              gint64          limit,
                                              gint64         *n_deleted,
                                              GError        **error);

gboolean tally_api_store_insert_api_key (TallyApiStore      *self,
                                         const TallyApiKey  *key,
                                         const guint8        key_hash[32],
                                         GError            **error);
gboolean tally_api_store_find_api_key (TallyApiStore  *self,
                                       const guint8    key_hash[32],
                                       TallyApiKey    *key,
                                       TallyUser      *user,
                                       GError        **error);
GArray *tally_api_store_list_api_keys (TallyApiStore  *self,
                                       const char     *user_id,
                                       GError        **error);
GArray *tally_api_store_list_all_api_keys (TallyApiStore  *self,
                                           const char     *user_id,
                                           GError        **error);
gboolean tally_api_store_revoke_api_key (TallyApiStore  *self,
                                         const char     *user_id,
                                         const char     *id,
                                         gint64          now,
                                         GError        **error);
gboolean tally_api_store_touch_api_key (TallyApiStore  *self,
                                        const char     *id,
                                        gint64          when,
                                        GError        **error);
GArray *tally_api_store_usage_by_key (TallyApiStore  *self,
                                      const char     *account_id,
                                      gint64          since,
                                      gint64          until,
                                      GError        **error);

gboolean tally_api_store_insert_webhook (TallyApiStore       *self,
                                         const TallyWebhook  *webhook,
                                         GError             **error);
gboolean tally_api_store_find_webhook (TallyApiStore  *self,
                                       const char     *user_id,
                                       const char     *id,
                                       TallyWebhook   *webhook,
                                       GError        **error);
gboolean tally_api_store_delete_webhook (TallyApiStore  *self,
                                         const char     *user_id,
                                         const char     *id,
                                         gboolean       *found,
                                         GError        **error);
GArray *tally_api_store_list_webhooks (TallyApiStore  *self,
                                       const char     *user_id,
                                       GError        **error);
gboolean tally_api_store_enqueue_deliveries (TallyApiStore  *self,
                                             const char     *user_id,
                                             const char     *event_id,
                                             const char     *type,
                                             const char     *body,
                                             gint64          now,
                                             GError        **error);
GArray *tally_api_store_due_deliveries (TallyApiStore  *self,
                                        gint64          now,
                                        guint           limit,
                                        GError        **error);
gboolean tally_api_store_record_attempt (TallyApiStore        *self,
                                         gint64                seq,
                                         TallyDeliveryStatus   status,
                                         guint                 response_status,
                                         gint64                attempted_at,
                                         gint64                next_attempt_at,
                                         GError              **error);
GArray *tally_api_store_list_deliveries (TallyApiStore  *self,
                                         const char     *webhook_id,
                                         gint64          before_seq,
                                         guint           limit,
                                         gint64         *next_before_seq,
                                         GError        **error);

GArray *tally_api_store_list_payments (TallyApiStore  *self,
                                       const char     *user_id,
                                       GError        **error);
gboolean tally_api_store_load_invoice_details (TallyApiStore        *self,
                                               const char           *user_id,
                                               TallyInvoiceDetails  *details,
                                               GError              **error);
gboolean tally_api_store_save_invoice_details (TallyApiStore              *self,
                                               const char                 *user_id,
                                               const TallyInvoiceDetails  *details,
                                               GError                    **error);
gboolean tally_api_store_set_stripe_customer (TallyApiStore  *self,
                                              const char     *account_id,
                                              const char     *customer_id,
                                              GError        **error);
gboolean tally_api_store_set_subscription_session (TallyApiStore  *self,
                                                   const char     *id,
                                                   const char     *session_id,
                                                   GError        **error);
GArray *tally_api_store_list_due_demo_subscriptions (TallyApiStore  *self,
                                                     gint64          now,
                                                     guint           limit,
                                                     GError        **error);
gboolean tally_api_store_save_recharge_settings (TallyApiStore                *self,
                                                 const TallyRechargeSettings  *settings,
                                                 GError                      **error);

gboolean tally_api_store_policy_spend (TallyApiStore      *self,
                                       const char         *account_id,
                                       const TallyPolicy  *policy,
                                       gint64              now,
                                       TallySpend         *spend,
                                       GError            **error);
gboolean tally_api_store_save_policy (TallyApiStore      *self,
                                      const char         *account_id,
                                      const TallyPolicy  *policy,
                                      GError            **error);
GArray *tally_api_store_list_teams (TallyApiStore  *self,
                                    const char     *user_id,
                                    GError        **error);
GArray *tally_api_store_list_team_members (TallyApiStore  *self,
                                           const char     *team_id,
                                           GError        **error);
GArray *tally_api_store_pool_usage_by_member (TallyApiStore  *self,
                                              const char     *account_id,
                                              gint64          since,
                                              gint64          until,
                                              GError        **error);
GArray *tally_api_store_received_gifts (TallyApiStore  *self,
                                        const char     *account_id,
                                        GError        **error);
GArray *tally_api_store_sent_gifts (TallyApiStore  *self,
                                    const char     *user_id,
                                    GError        **error);
gboolean tally_api_store_referral_totals (TallyApiStore  *self,
                                          const char     *user_id,
                                          gint64         *referred,
                                          gint64         *rewarded,
                                          gint64         *earned,
                                          GError        **error);
GArray *tally_api_store_list_promo_codes (TallyApiStore  *self,
                                          GError        **error);
GArray *tally_api_store_list_alerts (TallyApiStore  *self,
                                     const char     *user_id,
                                     gint64          since,
                                     gint64          until,
                                     gint64          before_seq,
                                     guint           limit,
                                     gint64         *next_before_seq,
                                     GError        **error);

gboolean tally_api_store_analytics_buyers (TallyApiStore         *self,
                                           gint64                 since,
                                           gint64                 until,
                                           TallyAnalyticsBuyers  *buyers,
                                           GError               **error);
GArray *tally_api_store_analytics_consumption (TallyApiStore           *self,
                                               TallyAnalyticsGrouping   grouping,
                                               gint64                   since,
                                               gint64                   until,
                                               GError                 **error);
gboolean tally_api_store_analytics_funnel (TallyApiStore         *self,
                                           gint64                 since,
                                           gint64                 until,
                                           TallyAnalyticsFunnel  *funnel,
                                           GError               **error);
GArray *tally_api_store_analytics_gaps (TallyApiStore  *self,
                                        gint64          since,
                                        gint64          until,
                                        GError        **error);
GArray *tally_api_store_analytics_packs (TallyApiStore  *self,
                                         gint64          since,
                                         gint64          until,
                                         GError        **error);
GArray *tally_api_store_analytics_tool_users (TallyApiStore  *self,
                                              gint64          since,
                                              gint64          until,
                                              GError        **error);
gboolean tally_api_store_checkout_stages (TallyApiStore        *self,
                                          gint64                now,
                                          gint64                timeout,
                                          TallyCheckoutStages  *stages,
                                          GError              **error);
gboolean tally_api_store_outstanding (TallyApiStore     *self,
                                      TallyOutstanding  *outstanding,
                                      GError           **error);

G_END_DECLS
