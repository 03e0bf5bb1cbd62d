/* tally-rules-store.h: what the rules, the writer and the audit need of a store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-store.h"
#include "tally-store-alerts.h"
#include "tally-store-audit.h"
#include "tally-store-gifts.h"
#include "tally-store-payments.h"
#include "tally-store-promos.h"
#include "tally-store-recharge.h"
#include "tally-store-runs.h"
#include "tally-store-subscriptions.h"
#include "tally-store-sync.h"
#include "tally-store-teams.h"
#include "tally-store-users.h"

G_BEGIN_DECLS

#define TALLY_TYPE_RULES_STORE (tally_rules_store_get_type ())

/* Runs after every commit, before it returns. */
typedef void (*TallyCommitHook) (gpointer data);

/* The business rules (runs, sync, grants, payment events and what they
 * lead to, promotion codes, teams, alerts), the writer, the audit log and
 * live events read and write only through this interface: the ledger and
 * the server's tables as one store. TallyStore implements it on SQLite; a
 * second store implements it without touching them or the HTTP layer.
 * Each call means what the TallyLedger or TallyStore function of the same
 * name means, with the same errors: the rules branch on NOT_FOUND. The
 * contract is tests/server/test-rules-store.c. */
G_DECLARE_INTERFACE (TallyRulesStore, tally_rules_store, TALLY, RULES_STORE, GObject)

/* One short transaction of a sweep, on the sweep's own store: sets *@more
 * when some are left for the next. */
typedef gboolean (*TallyRulesSweepFunc) (TallyRulesStore  *store,
                                         gpointer          data,
                                         gboolean         *more,
                                         GError          **error);

struct _TallyRulesStoreInterface
{
  GTypeInterface g_iface;

  /* The writer's transaction, one a group, and a savepoint a write. */
  gboolean (*begin) (TallyRulesStore  *self,
                     GError          **error);
  gboolean (*commit) (TallyRulesStore  *self,
                      GError          **error);
  void (*rollback) (TallyRulesStore *self);
  gboolean (*begin_write) (TallyRulesStore  *self,
                           GError          **error);
  gboolean (*end_write) (TallyRulesStore  *self,
                         GError          **error);
  void (*undo_write) (TallyRulesStore *self);
  TallyLedgerError (*get_last_failure) (TallyRulesStore *self);

  /* Durability: the file to fdatasync after commits, or NULL if a commit is durable alone. */
  const char *(*defer_sync) (TallyRulesStore *self,
                             TallyCommitHook  committed,
                             gpointer         data);
  void (*end_deferred_sync) (TallyRulesStore *self);

  /* The ledger: every balance change goes through these. */
  gint64 (*now) (TallyRulesStore *self);
  gboolean (*create_account) (TallyRulesStore     *self,
                              const TallyAccount  *account,
                              GError             **error);
  gboolean (*create_transfers) (TallyRulesStore      *self,
                                TallyTransfer        *transfers,
                                guint                 n_transfers,
                                TallyTransferResult  *results,
                                GError              **error);
  gboolean (*lookup_account) (TallyRulesStore  *self,
                              const char       *id,
                              TallyAccount     *account,
                              GError          **error);
  gboolean (*lookup_transfer) (TallyRulesStore  *self,
                               const char       *id,
                               TallyTransfer    *transfer,
                               GError          **error);
  gboolean (*lookup_pending_state) (TallyRulesStore    *self,
                                    const char         *pending_id,
                                    TallyPendingState  *state,
                                    GError            **error);
  gboolean (*expire_pending) (TallyRulesStore  *self,
                              gint64            now,
                              guint            *n_expired,
                              GError          **error);
  gboolean (*set_expiry) (TallyRulesStore  *self,
                          const char       *transfer_id,
                          gint64            expires_at,
                          GError          **error);
  gboolean (*lookup_expiry) (TallyRulesStore  *self,
                             const char       *transfer_id,
                             gint64           *expires_at,
                             GError          **error);
  GArray *(*transfers_after) (TallyRulesStore     *self,
                              const char * const  *account_ids,
                              gint64               after_seq,
                              guint                limit,
                              GError             **error);
  GArray *(*transfers_since) (TallyRulesStore  *self,
                              gint64            after_seq,
                              guint             limit,
                              GError          **error);
  gint64 (*get_last_seq) (TallyRulesStore *self);

  /* Runs and spend policy. */
  gboolean (*find_run) (TallyRulesStore  *self,
                        const char       *id,
                        TallyRun         *run,
                        GError          **error);
  gboolean (*insert_run) (TallyRulesStore  *self,
                          const TallyRun   *run,
                          const char       *inputs,
                          GError          **error);
  gboolean (*complete_run) (TallyRulesStore  *self,
                            const TallyRun   *run,
                            GError          **error);
  gboolean (*record_run_key) (TallyRulesStore  *self,
                              const char       *run_id,
                              const char       *key_id,
                              GError          **error);
  gboolean (*load_policy) (TallyRulesStore  *self,
                           const char       *account_id,
                           const char       *timezone,
                           TallyPolicy      *policy,
                           GError          **error);
  gboolean (*policy_spend_for_caps) (TallyRulesStore    *self,
                                     const char         *account_id,
                                     const TallyPolicy  *policy,
                                     gint64              now,
                                     TallySpend         *spend,
                                     GError            **error);

  /* Teams and their pools. */
  gboolean (*find_pool_member) (TallyRulesStore  *self,
                                const char       *account_id,
                                const char       *user_id,
                                TallyTeam        *team,
                                TallyTeamMember  *member,
                                GError          **error);
  gboolean (*member_spend) (TallyRulesStore  *self,
                            const char       *account_id,
                            const char       *user_id,
                            gint64            since,
                            gint64            until,
                            gint64            now,
                            gint64           *spent,
                            GError          **error);
  gboolean (*insert_team) (TallyRulesStore  *self,
                           const TallyTeam  *team,
                           const char       *created_by,
                           gint64            now,
                           GError          **error);
  gboolean (*find_team_for) (TallyRulesStore  *self,
                             const char       *team_id,
                             const char       *user_id,
                             TallyTeam        *team,
                             GError          **error);
  gboolean (*find_team_member) (TallyRulesStore  *self,
                                const char       *team_id,
                                const char       *user_id,
                                TallyTeamMember  *member,
                                GError          **error);
  gboolean (*add_team_member) (TallyRulesStore  *self,
                               const char       *team_id,
                               const char       *user_id,
                               TallyTeamRole     role,
                               gint64            now,
                               GError          **error);
  gboolean (*update_team_member) (TallyRulesStore        *self,
                                  const char             *team_id,
                                  const TallyTeamMember  *member,
                                  GError                **error);
  gboolean (*remove_team_member) (TallyRulesStore  *self,
                                  const char       *team_id,
                                  const char       *user_id,
                                  GError          **error);
  gint64 (*count_team_owners) (TallyRulesStore  *self,
                               const char       *team_id,
                               GError          **error);
  gboolean (*insert_invitation) (TallyRulesStore            *self,
                                 const TallyTeamInvitation  *invitation,
                                 const guint8                token_hash[32],
                                 const char                 *invited_by,
                                 GError                    **error);
  gboolean (*find_invitation) (TallyRulesStore      *self,
                               const guint8          token_hash[32],
                               TallyTeamInvitation  *invitation,
                               GError              **error);
  gboolean (*accept_invitation) (TallyRulesStore  *self,
                                 const char       *id,
                                 const char       *user_id,
                                 gint64            now,
                                 GError          **error);
  GPtrArray *(*list_pool_leases) (TallyRulesStore  *self,
                                  const char       *account_id,
                                  const char       *user_id,
                                  GError          **error);

  /* Devices, offline leases and synced operations. */
  gboolean (*release_lease) (TallyRulesStore  *self,
                             const char       *user_id,
                             const char       *device,
                             gboolean         *released,
                             GError          **error);
  gboolean (*find_device) (TallyRulesStore  *self,
                           const char       *user_id,
                           const char       *device,
                           TallyDevice      *out,
                           GError          **error);
  gboolean (*save_device) (TallyRulesStore    *self,
                           const char         *user_id,
                           const char         *device,
                           const TallyDevice  *row,
                           GError            **error);
  gboolean (*find_sync_op) (TallyRulesStore    *self,
                            const char         *id,
                            TallySyncOpRecord  *record,
                            GError            **error);
  gboolean (*add_sync_op) (TallyRulesStore  *self,
                           const char       *id,
                           const char       *user_id,
                           const char       *device,
                           const char       *digest,
                           const char       *result,
                           GError          **error);
  gboolean (*add_pool_spend) (TallyRulesStore  *self,
                              const char       *op_id,
                              const char       *account_id,
                              const char       *user_id,
                              gint64            charged,
                              gint64            now,
                              GError          **error);

  /* Payments, recharges and gifts. */
  gboolean (*find_payment) (TallyRulesStore  *self,
                            const char       *id,
                            TallyPayment     *payment,
                            GError          **error);
  gboolean (*find_payment_by_session) (TallyRulesStore  *self,
                                       const char       *session_id,
                                       TallyPayment     *payment,
                                       GError          **error);
  gboolean (*find_payment_by_ref) (TallyRulesStore  *self,
                                   const char       *payment_ref,
                                   TallyPayment     *payment,
                                   GError          **error);
  gboolean (*update_payment) (TallyRulesStore     *self,
                              const TallyPayment  *payment,
                              GError             **error);
  gboolean (*set_payment_session) (TallyRulesStore  *self,
                                   const char       *payment_id,
                                   const char       *session_id,
                                   GError          **error);
  gboolean (*find_recharge) (TallyRulesStore  *self,
                             const char       *payment_id,
                             gint64           *started_at,
                             GError          **error);
  gboolean (*clear_recharge_failures) (TallyRulesStore  *self,
                                       const char       *account_id,
                                       GError          **error);
  gboolean (*find_gift) (TallyRulesStore  *self,
                         const char       *payment_id,
                         TallyGift        *gift,
                         GError          **error);
  gboolean (*insert_payment) (TallyRulesStore     *self,
                              const TallyPayment  *payment,
                              GError             **error);
  gboolean (*find_stripe_customer) (TallyRulesStore  *self,
                                    const char       *account_id,
                                    char             *customer_id,
                                    gsize             size,
                                    GError          **error);

  /* Automatic top-ups. */
  gboolean (*find_recharge_settings) (TallyRulesStore        *self,
                                      const char             *account_id,
                                      TallyRechargeSettings  *settings,
                                      GError                **error);
  gboolean (*start_recharge) (TallyRulesStore  *self,
                              const char       *account_id,
                              const char       *payment_id,
                              GError          **error);
  gboolean (*finish_recharge) (TallyRulesStore       *self,
                               const char            *account_id,
                               const char            *payment_id,
                               TallyRechargeOutcome   outcome,
                               GError               **error);
  gboolean (*count_recharges) (TallyRulesStore  *self,
                               const char       *account_id,
                               gint64            since,
                               gint64           *count,
                               GError          **error);
  gboolean (*last_declined_recharge) (TallyRulesStore  *self,
                                      const char       *account_id,
                                      gint64           *started_at,
                                      GError          **error);
  GPtrArray *(*list_stale_recharges) (TallyRulesStore  *self,
                                      gint64            before,
                                      GError          **error);

  /* Subscriptions. */
  gboolean (*insert_subscription) (TallyRulesStore          *self,
                                   const TallySubscription  *subscription,
                                   GError                  **error);
  gboolean (*find_subscription) (TallyRulesStore    *self,
                                 const char         *id,
                                 TallySubscription  *subscription,
                                 GError            **error);
  gboolean (*find_subscription_by_session) (TallyRulesStore    *self,
                                            const char         *session_id,
                                            TallySubscription  *subscription,
                                            GError            **error);
  gboolean (*find_subscription_by_provider_id) (TallyRulesStore    *self,
                                                const char         *provider_id,
                                                TallySubscription  *subscription,
                                                GError            **error);
  gboolean (*find_live_subscription) (TallyRulesStore    *self,
                                      const char         *user_id,
                                      TallySubscription  *subscription,
                                      GError            **error);
  gboolean (*update_subscription) (TallyRulesStore          *self,
                                   const TallySubscription  *subscription,
                                   GError                  **error);
  gboolean (*change_subscription_plan) (TallyRulesStore          *self,
                                        const TallySubscription  *subscription,
                                        GError                  **error);
  gboolean (*find_invoice_refund) (TallyRulesStore  *self,
                                   const char       *invoice_id,
                                   gint64           *reversed,
                                   gint64           *short_by,
                                   GError          **error);
  gboolean (*save_invoice_refund) (TallyRulesStore  *self,
                                   const char       *invoice_id,
                                   const char       *account_id,
                                   gint64            reversed,
                                   gint64            short_by,
                                   GError          **error);

  /* Gifts, referrals and promotion codes. */
  gboolean (*insert_gift) (TallyRulesStore  *self,
                           const TallyGift  *gift,
                           GError          **error);
  gboolean (*move_gift) (TallyRulesStore  *self,
                         const char       *payment_id,
                         TallyGiftStatus   from,
                         TallyGiftStatus   to,
                         const char       *recipient_account_id,
                         const char       *transfer_id,
                         gint64            now,
                         gboolean         *changed,
                         GError          **error);
  GArray *(*waiting_gifts) (TallyRulesStore  *self,
                            const char       *email,
                            GError          **error);
  gboolean (*insert_referral_code) (TallyRulesStore  *self,
                                    const char       *user_id,
                                    const char       *code,
                                    gboolean         *taken,
                                    GError          **error);
  gboolean (*find_referral_code) (TallyRulesStore  *self,
                                  const char       *user_id,
                                  char              code[TALLY_REFERRAL_CODE_MAX + 1],
                                  GError          **error);
  gboolean (*find_code_owner) (TallyRulesStore  *self,
                               const char       *code,
                               char              user_id[TALLY_UUID_LEN],
                               GError          **error);
  gboolean (*insert_referral) (TallyRulesStore      *self,
                               const TallyReferral  *referral,
                               gboolean             *inserted,
                               GError              **error);
  gboolean (*find_referral) (TallyRulesStore  *self,
                             const char       *user_id,
                             TallyReferral    *referral,
                             GError          **error);
  gboolean (*settle_referral) (TallyRulesStore      *self,
                               const char           *user_id,
                               TallyReferralStatus   status,
                               gint64                bonus,
                               gint64                now,
                               GError              **error);
  gboolean (*count_rewarded_from) (TallyRulesStore  *self,
                                   const char       *address,
                                   gint64           *count,
                                   GError          **error);
  gboolean (*has_paid_purchase) (TallyRulesStore  *self,
                                 const char       *user_id,
                                 gboolean         *paid,
                                 GError          **error);
  gboolean (*insert_promo_code) (TallyRulesStore       *self,
                                 const TallyPromoCode  *promo,
                                 GError               **error);
  gboolean (*find_promo_code) (TallyRulesStore  *self,
                               const char       *code,
                               TallyPromoCode   *promo,
                               GError          **error);
  gboolean (*find_redemption) (TallyRulesStore  *self,
                               const char       *promo_id,
                               const char       *user_id,
                               GError          **error);
  gboolean (*add_redemption) (TallyRulesStore  *self,
                              const char       *promo_id,
                              const char       *user_id,
                              const char       *transfer_id,
                              gboolean         *counted,
                              GError          **error);

  /* The audit log's chain, and its retention (in a sweep's store). */
  gboolean (*audit_read_head) (TallyRulesStore  *self,
                               gboolean         *found,
                               gint64           *seq,
                               guint8            hash[TALLY_AUDIT_HASH_LEN],
                               GError          **error);
  gboolean (*audit_read_anchor) (TallyRulesStore  *self,
                                 gint64           *seq,
                                 guint8            hash[TALLY_AUDIT_HASH_LEN],
                                 GError          **error);
  gboolean (*audit_save_anchor) (TallyRulesStore  *self,
                                 gint64            seq,
                                 const guint8      hash[TALLY_AUDIT_HASH_LEN],
                                 GError          **error);
  gboolean (*audit_insert) (TallyRulesStore         *self,
                            const TallyAuditRecord  *record,
                            GError                 **error);
  gboolean (*audit_find_link) (TallyRulesStore  *self,
                               gint64            seq,
                               gboolean         *found,
                               guint8            hash[TALLY_AUDIT_HASH_LEN],
                               GError          **error);
  gboolean (*audit_find_link_before) (TallyRulesStore  *self,
                                      gint64            time,
                                      gboolean         *found,
                                      gint64           *seq,
                                      guint8            hash[TALLY_AUDIT_HASH_LEN],
                                      GError          **error);
  gboolean (*audit_update_link) (TallyRulesStore         *self,
                                 const TallyAuditRecord  *record,
                                 GError                 **error);
  gboolean (*audit_update_sealed) (TallyRulesStore         *self,
                                   const TallyAuditRecord  *record,
                                   GError                 **error);
  gboolean (*audit_delete_through) (TallyRulesStore  *self,
                                    gint64            seq,
                                    GError          **error);
  gboolean (*audit_count_legacy) (TallyRulesStore  *self,
                                  gint64           *count,
                                  GError          **error);
  GArray *(*audit_query) (TallyRulesStore        *self,
                          const TallyAuditQuery  *query,
                          guint                   limit,
                          GError                **error);
  GArray *(*audit_read_after) (TallyRulesStore  *self,
                               gint64            after_seq,
                               gint64            last_seq,
                               guint             limit,
                               GError          **error);
  GArray *(*audit_read_subject) (TallyRulesStore          *self,
                                 const TallyAuditSubject  *subject,
                                 gboolean                  search_text,
                                 GError                  **error);
  gboolean (*user_is_erased) (TallyRulesStore  *self,
                              const char       *user_id,
                              gboolean         *erased,
                              GError          **error);
  GArray *(*list_expiring_runs) (TallyRulesStore  *self,
                                 gint64            after,
                                 gint64            until,
                                 GError          **error);

  /* Live events: what changed, and whether another process committed. */
  GPtrArray *(*list_pool_member_accounts) (TallyRulesStore  *self,
                                           const char       *account_id,
                                           GError          **error);
  gboolean (*read_run_status) (TallyRulesStore  *self,
                               const char       *id,
                               char             *status,
                               gsize             size,
                               gboolean         *found,
                               GError          **error);
  gboolean (*read_data_version) (TallyRulesStore  *self,
                                 gint64           *version,
                                 GError          **error);

  /* Users. */
  gboolean (*find_user_by_id) (TallyRulesStore  *self,
                               const char       *id,
                               TallyUser        *user,
                               GError          **error);
  gboolean (*find_user_by_email) (TallyRulesStore  *self,
                                  const char       *email,
                                  TallyUser        *user,
                                  char            **password_hash,
                                  GError          **error);
  gboolean (*find_user_by_account) (TallyRulesStore  *self,
                                    const char       *account_id,
                                    TallyUser        *user,
                                    GError          **error);

  /* Alerts: settings, alerts fired and their emails. */
  gboolean (*load_alert_settings) (TallyRulesStore     *self,
                                   const char          *user_id,
                                   TallyAlertSettings  *settings,
                                   GError             **error);
  gboolean (*save_alert_settings) (TallyRulesStore           *self,
                                   const char                *user_id,
                                   const TallyAlertSettings  *settings,
                                   gint64                     now,
                                   GError                   **error);
  /* *@changed is FALSE when the flag was @armed already: of two servers
   * disarming it, one changes it. */
  gboolean (*set_low_balance_armed) (TallyRulesStore  *self,
                                     const char       *user_id,
                                     gboolean          armed,
                                     gboolean         *changed,
                                     GError          **error);
  gboolean (*insert_alert) (TallyRulesStore   *self,
                            const TallyAlert  *alert,
                            gboolean          *inserted,
                            GError           **error);
  gboolean (*find_alert) (TallyRulesStore  *self,
                          const char       *id,
                          TallyAlert       *alert,
                          GError          **error);
  gboolean (*hold_alert_email) (TallyRulesStore  *self,
                                const char       *alert_id,
                                const char       *user_id,
                                gint64            send_after,
                                GError          **error);
  /* *@released is FALSE when the email was not held (any more): of two
   * servers releasing it, one sends it. */
  gboolean (*release_alert_email) (TallyRulesStore  *self,
                                   const char       *alert_id,
                                   gboolean         *released,
                                   GError          **error);
  GPtrArray *(*due_alert_emails) (TallyRulesStore  *self,
                                  gint64            now,
                                  GError          **error);

  /* Sweeps: @func again and again, each time in a transaction of its own
   * on a connection of its own, off the main thread (see
   * tally_store_sweep_async()); @func gets that connection's store. */
  void     (*sweep_async)  (TallyRulesStore      *self,
                            TallyRulesSweepFunc   func,
                            gpointer              data,
                            GDestroyNotify        destroy,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*sweep_finish) (TallyRulesStore      *self,
                            GAsyncResult         *result,
                            GError              **error);
};

gboolean tally_rules_store_begin (TallyRulesStore  *self,
                                  GError          **error);
gboolean tally_rules_store_commit (TallyRulesStore  *self,
                                   GError          **error);
void tally_rules_store_rollback (TallyRulesStore *self);
gboolean tally_rules_store_begin_write (TallyRulesStore  *self,
                                        GError          **error);
gboolean tally_rules_store_end_write (TallyRulesStore  *self,
                                      GError          **error);
void tally_rules_store_undo_write (TallyRulesStore *self);
TallyLedgerError tally_rules_store_get_last_failure (TallyRulesStore *self);
const char *tally_rules_store_defer_sync (TallyRulesStore *self,
                                          TallyCommitHook  committed,
                                          gpointer         data);
void tally_rules_store_end_deferred_sync (TallyRulesStore *self);
gint64 tally_rules_store_now (TallyRulesStore *self);
gboolean tally_rules_store_create_account (TallyRulesStore     *self,
                                           const TallyAccount  *account,
                                           GError             **error);
gboolean tally_rules_store_create_transfers (TallyRulesStore      *self,
                                             TallyTransfer        *transfers,
                                             guint                 n_transfers,
                                             TallyTransferResult  *results,
                                             GError              **error);
gboolean tally_rules_store_lookup_account (TallyRulesStore  *self,
                                           const char       *id,
                                           TallyAccount     *account,
                                           GError          **error);
gboolean tally_rules_store_lookup_transfer (TallyRulesStore  *self,
                                            const char       *id,
                                            TallyTransfer    *transfer,
                                            GError          **error);
gboolean tally_rules_store_lookup_pending_state (TallyRulesStore    *self,
                                                 const char         *pending_id,
                                                 TallyPendingState  *state,
                                                 GError            **error);
gboolean tally_rules_store_expire_pending (TallyRulesStore  *self,
                                           gint64            now,
                                           guint            *n_expired,
                                           GError          **error);
gboolean tally_rules_store_set_expiry (TallyRulesStore  *self,
                                       const char       *transfer_id,
                                       gint64            expires_at,
                                       GError          **error);
gboolean tally_rules_store_lookup_expiry (TallyRulesStore  *self,
                                          const char       *transfer_id,
                                          gint64           *expires_at,
                                          GError          **error);
GArray *tally_rules_store_transfers_after (TallyRulesStore     *self,
                                           const char * const  *account_ids,
                                           gint64               after_seq,
                                           guint                limit,
                                           GError             **error);
GArray *tally_rules_store_transfers_since (TallyRulesStore  *self,
                                           gint64            after_seq,
                                           guint             limit,
                                           GError          **error);
gint64 tally_rules_store_get_last_seq (TallyRulesStore *self);
gboolean tally_rules_store_find_run (TallyRulesStore  *self,
                                     const char       *id,
                                     TallyRun         *run,
                                     GError          **error);
gboolean tally_rules_store_insert_run (TallyRulesStore  *self,
                                       const TallyRun   *run,
                                       const char       *inputs,
                                       GError          **error);
gboolean tally_rules_store_complete_run (TallyRulesStore  *self,
                                         const TallyRun   *run,
                                         GError          **error);
gboolean tally_rules_store_record_run_key (TallyRulesStore  *self,
                                           const char       *run_id,
                                           const char       *key_id,
                                           GError          **error);
gboolean tally_rules_store_load_policy (TallyRulesStore  *self,
                                        const char       *account_id,
                                        const char       *timezone,
                                        TallyPolicy      *policy,
                                        GError          **error);
gboolean tally_rules_store_policy_spend_for_caps (TallyRulesStore    *self,
                                                  const char         *account_id,
                                                  const TallyPolicy  *policy,
                                                  gint64              now,
                                                  TallySpend         *spend,
                                                  GError            **error);
gboolean tally_rules_store_find_pool_member (TallyRulesStore  *self,
                                             const char       *account_id,
                                             const char       *user_id,
                                             TallyTeam        *team,
                                             TallyTeamMember  *member,
                                             GError          **error);
gboolean tally_rules_store_member_spend (TallyRulesStore  *self,
                                         const char       *account_id,
                                         const char       *user_id,
                                         gint64            since,
                                         gint64            until,
                                         gint64            now,
                                         gint64           *spent,
                                         GError          **error);
gboolean tally_rules_store_insert_team (TallyRulesStore  *self,
                                        const TallyTeam  *team,
                                        const char       *created_by,
                                        gint64            now,
                                        GError          **error);
gboolean tally_rules_store_find_team_for (TallyRulesStore  *self,
                                          const char       *team_id,
                                          const char       *user_id,
                                          TallyTeam        *team,
                                          GError          **error);
gboolean tally_rules_store_find_team_member (TallyRulesStore  *self,
                                             const char       *team_id,
                                             const char       *user_id,
                                             TallyTeamMember  *member,
                                             GError          **error);
gboolean tally_rules_store_add_team_member (TallyRulesStore  *self,
                                            const char       *team_id,
                                            const char       *user_id,
                                            TallyTeamRole     role,
                                            gint64            now,
                                            GError          **error);
gboolean tally_rules_store_update_team_member (TallyRulesStore        *self,
                                               const char             *team_id,
                                               const TallyTeamMember  *member,
                                               GError                **error);
gboolean tally_rules_store_remove_team_member (TallyRulesStore  *self,
                                               const char       *team_id,
                                               const char       *user_id,
                                               GError          **error);
gint64 tally_rules_store_count_team_owners (TallyRulesStore  *self,
                                            const char       *team_id,
                                            GError          **error);
gboolean tally_rules_store_insert_invitation (TallyRulesStore            *self,
                                              const TallyTeamInvitation  *invitation,
                                              const guint8                token_hash[32],
                                              const char                 *invited_by,
                                              GError                    **error);
gboolean tally_rules_store_find_invitation (TallyRulesStore      *self,
                                            const guint8          token_hash[32],
                                            TallyTeamInvitation  *invitation,
                                            GError              **error);
gboolean tally_rules_store_accept_invitation (TallyRulesStore  *self,
                                              const char       *id,
                                              const char       *user_id,
                                              gint64            now,
                                              GError          **error);
GPtrArray *tally_rules_store_list_pool_leases (TallyRulesStore  *self,
                                               const char       *account_id,
                                               const char       *user_id,
                                               GError          **error);
gboolean tally_rules_store_release_lease (TallyRulesStore  *self,
                                          const char       *user_id,
                                          const char       *device,
                                          gboolean         *released,
                                          GError          **error);
gboolean tally_rules_store_find_device (TallyRulesStore  *self,
                                        const char       *user_id,
                                        const char       *device,
                                        TallyDevice      *out,
                                        GError          **error);
gboolean tally_rules_store_save_device (TallyRulesStore    *self,
                                        const char         *user_id,
                                        const char         *device,
                                        const TallyDevice  *row,
                                        GError            **error);
gboolean tally_rules_store_find_sync_op (TallyRulesStore    *self,
                                         const char         *id,
                                         TallySyncOpRecord  *record,
                                         GError            **error);
gboolean tally_rules_store_add_sync_op (TallyRulesStore  *self,
                                        const char       *id,
                                        const char       *user_id,
                                        const char       *device,
                                        const char       *digest,
                                        const char       *result,
                                        GError          **error);
gboolean tally_rules_store_add_pool_spend (TallyRulesStore  *self,
                                           const char       *op_id,
                                           const char       *account_id,
                                           const char       *user_id,
                                           gint64            charged,
                                           gint64            now,
                                           GError          **error);
gboolean tally_rules_store_find_payment (TallyRulesStore  *self,
                                         const char       *id,
                                         TallyPayment     *payment,
                                         GError          **error);
gboolean tally_rules_store_find_payment_by_session (TallyRulesStore  *self,
                                                    const char       *session_id,
                                                    TallyPayment     *payment,
                                                    GError          **error);
gboolean tally_rules_store_find_payment_by_ref (TallyRulesStore  *self,
                                                const char       *payment_ref,
                                                TallyPayment     *payment,
                                                GError          **error);
gboolean tally_rules_store_update_payment (TallyRulesStore     *self,
                                           const TallyPayment  *payment,
                                           GError             **error);
gboolean tally_rules_store_set_payment_session (TallyRulesStore  *self,
                                                const char       *payment_id,
                                                const char       *session_id,
                                                GError          **error);
gboolean tally_rules_store_find_recharge (TallyRulesStore  *self,
                                          const char       *payment_id,
                                          gint64           *started_at,
                                          GError          **error);
gboolean tally_rules_store_clear_recharge_failures (TallyRulesStore  *self,
                                                    const char       *account_id,
                                                    GError          **error);
gboolean tally_rules_store_find_gift (TallyRulesStore  *self,
                                      const char       *payment_id,
                                      TallyGift        *gift,
                                      GError          **error);
gboolean tally_rules_store_insert_payment (TallyRulesStore     *self,
                                           const TallyPayment  *payment,
                                           GError             **error);
gboolean tally_rules_store_find_stripe_customer (TallyRulesStore  *self,
                                                 const char       *account_id,
                                                 char             *customer_id,
                                                 gsize             size,
                                                 GError          **error);
gboolean tally_rules_store_find_recharge_settings (TallyRulesStore        *self,
                                                   const char             *account_id,
                                                   TallyRechargeSettings  *settings,
                                                   GError                **error);
gboolean tally_rules_store_start_recharge (TallyRulesStore  *self,
                                           const char       *account_id,
                                           const char       *payment_id,
                                           GError          **error);
gboolean tally_rules_store_finish_recharge (TallyRulesStore       *self,
                                            const char            *account_id,
                                            const char            *payment_id,
                                            TallyRechargeOutcome   outcome,
                                            GError               **error);
gboolean tally_rules_store_count_recharges (TallyRulesStore  *self,
                                            const char       *account_id,
                                            gint64            since,
                                            gint64           *count,
                                            GError          **error);
gboolean tally_rules_store_last_declined_recharge (TallyRulesStore  *self,
                                                   const char       *account_id,
                                                   gint64           *started_at,
                                                   GError          **error);
GPtrArray *tally_rules_store_list_stale_recharges (TallyRulesStore  *self,
                                                   gint64            before,
                                                   GError          **error);
gboolean tally_rules_store_insert_subscription (TallyRulesStore          *self,
                                                const TallySubscription  *subscription,
                                                GError                  **error);
gboolean tally_rules_store_find_subscription (TallyRulesStore    *self,
                                              const char         *id,
                                              TallySubscription  *subscription,
                                              GError            **error);
gboolean tally_rules_store_find_subscription_by_session (TallyRulesStore    *self,
                                                         const char         *session_id,
                                                         TallySubscription  *subscription,
                                                         GError            **error);
gboolean tally_rules_store_find_subscription_by_provider_id (TallyRulesStore    *self,
                                                             const char         *provider_id,
                                                             TallySubscription  *subscription,
                                                             GError            **error);
gboolean tally_rules_store_find_live_subscription (TallyRulesStore    *self,
                                                   const char         *user_id,
                                                   TallySubscription  *subscription,
                                                   GError            **error);
gboolean tally_rules_store_update_subscription (TallyRulesStore          *self,
                                                const TallySubscription  *subscription,
                                                GError                  **error);
gboolean tally_rules_store_change_subscription_plan (TallyRulesStore          *self,
                                                     const TallySubscription  *subscription,
                                                     GError                  **error);
gboolean tally_rules_store_find_invoice_refund (TallyRulesStore  *self,
                                                const char       *invoice_id,
                                                gint64           *reversed,
                                                gint64           *short_by,
                                                GError          **error);
gboolean tally_rules_store_save_invoice_refund (TallyRulesStore  *self,
                                                const char       *invoice_id,
                                                const char       *account_id,
                                                gint64            reversed,
                                                gint64            short_by,
                                                GError          **error);
gboolean tally_rules_store_insert_gift (TallyRulesStore  *self,
                                        const TallyGift  *gift,
                                        GError          **error);
gboolean tally_rules_store_move_gift (TallyRulesStore  *self,
                                      const char       *payment_id,
                                      TallyGiftStatus   from,
                                      TallyGiftStatus   to,
                                      const char       *recipient_account_id,
                                      const char       *transfer_id,
                                      gint64            now,
                                      gboolean         *changed,
                                      GError          **error);
GArray *tally_rules_store_waiting_gifts (TallyRulesStore  *self,
                                         const char       *email,
                                         GError          **error);
gboolean tally_rules_store_insert_referral_code (TallyRulesStore  *self,
                                                 const char       *user_id,
                                                 const char       *code,
                                                 gboolean         *taken,
                                                 GError          **error);
gboolean tally_rules_store_find_referral_code (TallyRulesStore  *self,
                                               const char       *user_id,
                                               char              code[TALLY_REFERRAL_CODE_MAX + 1],
                                               GError          **error);
gboolean tally_rules_store_find_code_owner (TallyRulesStore  *self,
                                            const char       *code,
                                            char              user_id[TALLY_UUID_LEN],
                                            GError          **error);
gboolean tally_rules_store_insert_referral (TallyRulesStore      *self,
                                            const TallyReferral  *referral,
                                            gboolean             *inserted,
                                            GError              **error);
gboolean tally_rules_store_find_referral (TallyRulesStore  *self,
                                          const char       *user_id,
                                          TallyReferral    *referral,
                                          GError          **error);
gboolean tally_rules_store_settle_referral (TallyRulesStore      *self,
                                            const char           *user_id,
                                            TallyReferralStatus   status,
                                            gint64                bonus,
                                            gint64                now,
                                            GError              **error);
gboolean tally_rules_store_count_rewarded_from (TallyRulesStore  *self,
                                                const char       *address,
                                                gint64           *count,
                                                GError          **error);
gboolean tally_rules_store_has_paid_purchase (TallyRulesStore  *self,
                                              const char       *user_id,
                                              gboolean         *paid,
                                              GError          **error);
gboolean tally_rules_store_insert_promo_code (TallyRulesStore       *self,
                                              const TallyPromoCode  *promo,
                                              GError               **error);
gboolean tally_rules_store_find_promo_code (TallyRulesStore  *self,
                                            const char       *code,
                                            TallyPromoCode   *promo,
                                            GError          **error);
gboolean tally_rules_store_find_redemption (TallyRulesStore  *self,
                                            const char       *promo_id,
                                            const char       *user_id,
                                            GError          **error);
gboolean tally_rules_store_add_redemption (TallyRulesStore  *self,
                                           const char       *promo_id,
                                           const char       *user_id,
                                           const char       *transfer_id,
                                           gboolean         *counted,
                                           GError          **error);
gboolean tally_rules_store_audit_read_head (TallyRulesStore  *self,
                                            gboolean         *found,
                                            gint64           *seq,
                                            guint8            hash[TALLY_AUDIT_HASH_LEN],
                                            GError          **error);
gboolean tally_rules_store_audit_read_anchor (TallyRulesStore  *self,
                                              gint64           *seq,
                                              guint8            hash[TALLY_AUDIT_HASH_LEN],
                                              GError          **error);
gboolean tally_rules_store_audit_save_anchor (TallyRulesStore  *self,
                                              gint64            seq,
                                              const guint8      hash[TALLY_AUDIT_HASH_LEN],
                                              GError          **error);
gboolean tally_rules_store_audit_insert (TallyRulesStore         *self,
                                         const TallyAuditRecord  *record,
                                         GError                 **error);
gboolean tally_rules_store_audit_find_link (TallyRulesStore  *self,
                                            gint64            seq,
                                            gboolean         *found,
                                            guint8            hash[TALLY_AUDIT_HASH_LEN],
                                            GError          **error);
gboolean tally_rules_store_audit_find_link_before (TallyRulesStore  *self,
                                                   gint64            time,
                                                   gboolean         *found,
                                                   gint64           *seq,
                                                   guint8            hash[TALLY_AUDIT_HASH_LEN],
                                                   GError          **error);
gboolean tally_rules_store_audit_update_link (TallyRulesStore         *self,
                                              const TallyAuditRecord  *record,
                                              GError                 **error);
gboolean tally_rules_store_audit_update_sealed (TallyRulesStore         *self,
                                                const TallyAuditRecord  *record,
                                                GError                 **error);
gboolean tally_rules_store_audit_delete_through (TallyRulesStore  *self,
                                                 gint64            seq,
                                                 GError          **error);
gboolean tally_rules_store_audit_count_legacy (TallyRulesStore  *self,
                                               gint64           *count,
                                               GError          **error);
GArray *tally_rules_store_audit_query (TallyRulesStore        *self,
                                       const TallyAuditQuery  *query,
                                       guint                   limit,
                                       GError                **error);
GArray *tally_rules_store_audit_read_after (TallyRulesStore  *self,
                                            gint64            after_seq,
                                            gint64            last_seq,
                                            guint             limit,
                                            GError          **error);
GArray *tally_rules_store_audit_read_subject (TallyRulesStore          *self,
                                              const TallyAuditSubject  *subject,
                                              gboolean                  search_text,
                                              GError                  **error);
gboolean tally_rules_store_user_is_erased (TallyRulesStore  *self,
                                           const char       *user_id,
                                           gboolean         *erased,
                                           GError          **error);
GArray *tally_rules_store_list_expiring_runs (TallyRulesStore  *self,
                                              gint64            after,
                                              gint64            until,
                                              GError          **error);
GPtrArray *tally_rules_store_list_pool_member_accounts (TallyRulesStore  *self,
                                                        const char       *account_id,
                                                        GError          **error);
gboolean tally_rules_store_read_run_status (TallyRulesStore  *self,
                                            const char       *id,
                                            char             *status,
                                            gsize             size,
                                            gboolean         *found,
                                            GError          **error);
gboolean tally_rules_store_read_data_version (TallyRulesStore  *self,
                                              gint64           *version,
                                              GError          **error);
gboolean tally_rules_store_find_user_by_id (TallyRulesStore  *self,
                                            const char       *id,
                                            TallyUser        *user,
                                            GError          **error);
gboolean tally_rules_store_find_user_by_email (TallyRulesStore  *self,
                                               const char       *email,
                                               TallyUser        *user,
                                               char            **password_hash,
                                               GError          **error);
gboolean tally_rules_store_find_user_by_account (TallyRulesStore  *self,
                                                 const char       *account_id,
                                                 TallyUser        *user,
                                                 GError          **error);
gboolean tally_rules_store_load_alert_settings (TallyRulesStore     *self,
                                                const char          *user_id,
                                                TallyAlertSettings  *settings,
                                                GError             **error);
gboolean tally_rules_store_save_alert_settings (TallyRulesStore           *self,
                                                const char                *user_id,
                                                const TallyAlertSettings  *settings,
                                                gint64                     now,
                                                GError                   **error);
gboolean tally_rules_store_set_low_balance_armed (TallyRulesStore  *self,
                                                  const char       *user_id,
                                                  gboolean          armed,
                                                  gboolean         *changed,
                                                  GError          **error);
gboolean tally_rules_store_insert_alert (TallyRulesStore   *self,
                                         const TallyAlert  *alert,
                                         gboolean          *inserted,
                                         GError           **error);
gboolean tally_rules_store_find_alert (TallyRulesStore  *self,
                                       const char       *id,
                                       TallyAlert       *alert,
                                       GError          **error);
gboolean tally_rules_store_hold_alert_email (TallyRulesStore  *self,
                                             const char       *alert_id,
                                             const char       *user_id,
                                             gint64            send_after,
                                             GError          **error);
gboolean tally_rules_store_release_alert_email (TallyRulesStore  *self,
                                                const char       *alert_id,
                                                gboolean         *released,
                                                GError          **error);
GPtrArray *tally_rules_store_due_alert_emails (TallyRulesStore  *self,
                                               gint64            now,
                                               GError          **error);
void     tally_rules_store_sweep_async  (TallyRulesStore      *self,
                                         TallyRulesSweepFunc   func,
                                         gpointer              data,
                                         GDestroyNotify        destroy,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean tally_rules_store_sweep_finish (TallyRulesStore      *self,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
