/* tally-store-rules.c: TallyStore as the rules' store, on SQLite
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-store-keys.h"
#include "tally-store-private.h"
#include "tally-store-teams.h"

/* Only TallyStore implements the interface here. */
static TallyStore *
store_of (TallyRulesStore *rules)
{
  return (TallyStore *) rules;
}

/* The ledger shares the store's connection, so a rule's transfers and
 * its rows commit in the same transaction. */
static TallyLedger *
ledger_of (TallyRulesStore *rules)
{
  return tally_store_get_ledger (store_of (rules));
}

/* A sweep's batch function as the SQLite store calls it, on the worker's
 * own store. */
typedef struct
{
  TallyRulesSweepFunc func;
  gpointer            data;
  GDestroyNotify      destroy;
} SweepCall;

static gboolean
sweep_call (TallyStore  *store,
            gpointer     data,
            gboolean    *more,
            GError     **error)
{
  SweepCall *call = data;

  return call->func (TALLY_RULES_STORE (store), call->data, more, error);
}

static void
sweep_call_free (gpointer data)
{
  SweepCall *call = data;

  if (call->destroy != NULL)
    call->destroy (call->data);
  g_free (call);
}

static void
sqlite_sweep_async (TallyRulesStore      *rules,
                    TallyRulesSweepFunc   func,
                    gpointer              data,
                    GDestroyNotify        destroy,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  SweepCall *call = g_new (SweepCall, 1);

  *call = (SweepCall) { func, data, destroy };
  tally_store_sweep_async (store_of (rules), sweep_call, call, sweep_call_free, cancellable,
                           callback, user_data);
}

static gboolean
sqlite_sweep_finish (TallyRulesStore  *rules,
                     GAsyncResult     *result,
                     GError          **error)
{
  return tally_store_sweep_finish (store_of (rules), result, error);
}

static gboolean
sqlite_begin (TallyRulesStore  *rules,
              GError          **error)
{
  return tally_ledger_begin (ledger_of (rules), error);
}

static gboolean
sqlite_commit (TallyRulesStore  *rules,
               GError          **error)
{
  return tally_ledger_commit (ledger_of (rules), error);
}

static void
sqlite_rollback (TallyRulesStore *rules)
{
  tally_ledger_rollback (ledger_of (rules));
}

static gboolean
sqlite_begin_write (TallyRulesStore  *rules,
                    GError          **error)
{
  return tally_ledger_begin_write (ledger_of (rules), error);
}

static gboolean
sqlite_end_write (TallyRulesStore  *rules,
                  GError          **error)
{
  return tally_ledger_end_write (ledger_of (rules), error);
}

static void
sqlite_undo_write (TallyRulesStore *rules)
{
  tally_ledger_undo_write (ledger_of (rules));
}

static TallyLedgerError
sqlite_get_last_failure (TallyRulesStore *rules)
{
  return tally_ledger_get_last_failure (ledger_of (rules));
}

static const char *
sqlite_defer_sync (TallyRulesStore *rules,
                   TallyCommitHook  committed,
                   gpointer         data)
{
  return tally_store_defer_sync (store_of (rules), committed, data);
}

static void
sqlite_end_deferred_sync (TallyRulesStore *rules)
{
  tally_store_end_deferred_sync (store_of (rules));
}

static gint64
sqlite_now (TallyRulesStore *rules)
{
  return tally_ledger_now (ledger_of (rules));
}

static gboolean
sqlite_create_account (TallyRulesStore     *rules,
                       const TallyAccount  *account,
                       GError             **error)
{
  return tally_ledger_create_account (ledger_of (rules), account, error);
}

static gboolean
sqlite_create_transfers (TallyRulesStore      *rules,
                         TallyTransfer        *transfers,
                         guint                 n_transfers,
                         TallyTransferResult  *results,
                         GError              **error)
{
  return tally_ledger_create_transfers (ledger_of (rules), transfers, n_transfers, results, error);
}

static gboolean
sqlite_lookup_account (TallyRulesStore  *rules,
                       const char       *id,
                       TallyAccount     *account,
                       GError          **error)
{
  return tally_ledger_lookup_account (ledger_of (rules), id, account, error);
}

static gboolean
sqlite_lookup_transfer (TallyRulesStore  *rules,
                        const char       *id,
                        TallyTransfer    *transfer,
                        GError          **error)
{
  return tally_ledger_lookup_transfer (ledger_of (rules), id, transfer, error);
}

static gboolean
sqlite_lookup_pending_state (TallyRulesStore    *rules,
                             const char         *pending_id,
                             TallyPendingState  *state,
                             GError            **error)
{
  return tally_ledger_lookup_pending_state (ledger_of (rules), pending_id, state, error);
}

static gboolean
sqlite_expire_pending (TallyRulesStore  *rules,
                       gint64            now,
                       guint            *n_expired,
                       GError          **error)
{
  return tally_ledger_expire_pending (ledger_of (rules), now, n_expired, error);
}

static gboolean
sqlite_set_expiry (TallyRulesStore  *rules,
                   const char       *transfer_id,
                   gint64            expires_at,
                   GError          **error)
{
  return tally_ledger_set_expiry (ledger_of (rules), transfer_id, expires_at, error);
}

static gboolean
sqlite_lookup_expiry (TallyRulesStore  *rules,
                      const char       *transfer_id,
                      gint64           *expires_at,
                      GError          **error)
{
  return tally_ledger_lookup_expiry (ledger_of (rules), transfer_id, expires_at, error);
}

static GArray *
sqlite_transfers_after (TallyRulesStore     *rules,
                        const char * const  *account_ids,
                        gint64               after_seq,
                        guint                limit,
                        GError             **error)
{
  return tally_ledger_transfers_after (ledger_of (rules), account_ids, after_seq, limit, error);
}

static GArray *
sqlite_transfers_since (TallyRulesStore  *rules,
                        gint64            after_seq,
                        guint             limit,
                        GError          **error)
{
  return tally_ledger_transfers_since (ledger_of (rules), after_seq, limit, error);
}

static gint64
sqlite_get_last_seq (TallyRulesStore *rules)
{
  return tally_ledger_get_last_seq (ledger_of (rules));
}

static gboolean
sqlite_find_run (TallyRulesStore  *rules,
                 const char       *id,
                 TallyRun         *run,
                 GError          **error)
{
  return tally_store_find_run (store_of (rules), id, run, error);
}

static gboolean
sqlite_insert_run (TallyRulesStore  *rules,
                   const TallyRun   *run,
                   const char       *inputs,
                   GError          **error)
{
  return tally_store_insert_run (store_of (rules), run, inputs, error);
}

static gboolean
sqlite_complete_run (TallyRulesStore  *rules,
                     const TallyRun   *run,
                     GError          **error)
{
  return tally_store_complete_run (store_of (rules), run, error);
}

static gboolean
sqlite_record_run_key (TallyRulesStore  *rules,
                       const char       *run_id,
                       const char       *key_id,
                       GError          **error)
{
  return tally_store_record_run_key (store_of (rules), run_id, key_id, error);
}

static gboolean
sqlite_load_policy (TallyRulesStore  *rules,
                    const char       *account_id,
                    const char       *timezone,
                    TallyPolicy      *policy,
                    GError          **error)
{
  return tally_store_load_policy (store_of (rules), account_id, timezone, policy, error);
}

static gboolean
sqlite_policy_spend_for_caps (TallyRulesStore    *rules,
                              const char         *account_id,
                              const TallyPolicy  *policy,
                              gint64              now,
                              TallySpend         *spend,
                              GError            **error)
{
  return tally_store_policy_spend_for_caps (store_of (rules), account_id, policy, now, spend,
                                                      error);
}

static gboolean
sqlite_find_pool_member (TallyRulesStore  *rules,
                         const char       *account_id,
                         const char       *user_id,
                         TallyTeam        *team,
                         TallyTeamMember  *member,
                         GError          **error)
{
  return tally_store_find_pool_member (store_of (rules), account_id, user_id, team, member, error);
}

static gboolean
sqlite_member_spend (TallyRulesStore  *rules,
                     const char       *account_id,
                     const char       *user_id,
                     gint64            since,
                     gint64            until,
                     gint64            now,
                     gint64           *spent,
                     GError          **error)
{
  return tally_store_member_spend (store_of (rules), account_id, user_id, since, until, now, spent,
                                             error);
}

static gboolean
sqlite_insert_team (TallyRulesStore  *rules,
                    const TallyTeam  *team,
                    const char       *created_by,
                    gint64            now,
                    GError          **error)
{
  return tally_store_insert_team (store_of (rules), team, created_by, now, error);
}

static gboolean
sqlite_find_team_for (TallyRulesStore  *rules,
                      const char       *team_id,
                      const char       *user_id,
                      TallyTeam        *team,
                      GError          **error)
{
  return tally_store_find_team_for (store_of (rules), team_id, user_id, team, error);
}

static gboolean
sqlite_find_team_member (TallyRulesStore  *rules,
                         const char       *team_id,
                         const char       *user_id,
                         TallyTeamMember  *member,
                         GError          **error)
{
  return tally_store_find_team_member (store_of (rules), team_id, user_id, member, error);
}

static gboolean
sqlite_add_team_member (TallyRulesStore  *rules,
                        const char       *team_id,
                        const char       *user_id,
                        TallyTeamRole     role,
                        gint64            now,
                        GError          **error)
{
  return tally_store_add_team_member (store_of (rules), team_id, user_id, role, now, error);
}

static gboolean
sqlite_update_team_member (TallyRulesStore        *rules,
                           const char             *team_id,
                           const TallyTeamMember  *member,
                           GError                **error)
{
  return tally_store_update_team_member (store_of (rules), team_id, member, error);
}

static gboolean
sqlite_remove_team_member (TallyRulesStore  *rules,
                           const char       *team_id,
                           const char       *user_id,
                           GError          **error)
{
  return tally_store_remove_team_member (store_of (rules), team_id, user_id, error);
}

static gint64
sqlite_count_team_owners (TallyRulesStore  *rules,
                          const char       *team_id,
                          GError          **error)
{
  return tally_store_count_team_owners (store_of (rules), team_id, error);
}

static gboolean
sqlite_insert_invitation (TallyRulesStore            *rules,
                          const TallyTeamInvitation  *invitation,
                          const guint8                token_hash[32],
                          const char                 *invited_by,
                          GError                    **error)
{
  return tally_store_insert_invitation (store_of (rules), invitation, token_hash, invited_by,
                                                  error);
}

static gboolean
sqlite_find_invitation (TallyRulesStore      *rules,
                        const guint8          token_hash[32],
                        TallyTeamInvitation  *invitation,
                        GError              **error)
{
  return tally_store_find_invitation (store_of (rules), token_hash, invitation, error);
}

static gboolean
sqlite_accept_invitation (TallyRulesStore  *rules,
                          const char       *id,
                          const char       *user_id,
                          gint64            now,
                          GError          **error)
{
  return tally_store_accept_invitation (store_of (rules), id, user_id, now, error);
}

static GPtrArray *
sqlite_list_pool_leases (TallyRulesStore  *rules,
                         const char       *account_id,
                         const char       *user_id,
                         GError          **error)
{
  return tally_store_list_pool_leases (store_of (rules), account_id, user_id, error);
}

static gboolean
sqlite_release_lease (TallyRulesStore  *rules,
                      const char       *user_id,
                      const char       *device,
                      gboolean         *released,
                      GError          **error)
{
  return tally_store_release_lease (store_of (rules), user_id, device, released, error);
}

static gboolean
sqlite_find_device (TallyRulesStore  *rules,
                    const char       *user_id,
                    const char       *device,
                    TallyDevice      *out,
                    GError          **error)
{
  return tally_store_find_device (store_of (rules), user_id, device, out, error);
}

static gboolean
sqlite_save_device (TallyRulesStore    *rules,
                    const char         *user_id,
                    const char         *device,
                    const TallyDevice  *row,
                    GError            **error)
{
  return tally_store_save_device (store_of (rules), user_id, device, row, error);
}

static gboolean
sqlite_find_sync_op (TallyRulesStore    *rules,
                     const char         *id,
                     TallySyncOpRecord  *record,
                     GError            **error)
{
  return tally_store_find_sync_op (store_of (rules), id, record, error);
}

static gboolean
sqlite_add_sync_op (TallyRulesStore  *rules,
                    const char       *id,
                    const char       *user_id,
                    const char       *device,
                    const char       *digest,
                    const char       *result,
                    GError          **error)
{
  return tally_store_add_sync_op (store_of (rules), id, user_id, device, digest, result, error);
}

static gboolean
sqlite_add_pool_spend (TallyRulesStore  *rules,
                       const char       *op_id,
                       const char       *account_id,
                       const char       *user_id,
                       gint64            charged,
                       gint64            now,
                       GError          **error)
{
  return tally_store_add_pool_spend (store_of (rules), op_id, account_id, user_id, charged, now,
                                               error);
}

static gboolean
sqlite_find_payment (TallyRulesStore  *rules,
                     const char       *id,
                     TallyPayment     *payment,
                     GError          **error)
{
  return tally_store_find_payment (store_of (rules), id, payment, error);
}

static gboolean
sqlite_find_payment_by_session (TallyRulesStore  *rules,
                                const char       *session_id,
                                TallyPayment     *payment,
                                GError          **error)
{
  return tally_store_find_payment_by_session (store_of (rules), session_id, payment, error);
}

static gboolean
sqlite_find_payment_by_ref (TallyRulesStore  *rules,
                            const char       *payment_ref,
                            TallyPayment     *payment,
                            GError          **error)
{
  return tally_store_find_payment_by_ref (store_of (rules), payment_ref, payment, error);
}

static gboolean
sqlite_update_payment (TallyRulesStore     *rules,
                       const TallyPayment  *payment,
                       GError             **error)
{
  return tally_store_update_payment (store_of (rules), payment, error);
}

static gboolean
sqlite_set_payment_session (TallyRulesStore  *rules,
                            const char       *payment_id,
                            const char       *session_id,
                            GError          **error)
{
  return tally_store_set_payment_session (store_of (rules), payment_id, session_id, error);
}

static gboolean
sqlite_find_recharge (TallyRulesStore  *rules,
                      const char       *payment_id,
                      gint64           *started_at,
                      GError          **error)
{
  return tally_store_find_recharge (store_of (rules), payment_id, started_at, error);
}

static gboolean
sqlite_clear_recharge_failures (TallyRulesStore  *rules,
                                const char       *account_id,
                                GError          **error)
{
  return tally_store_clear_recharge_failures (store_of (rules), account_id, error);
}

static gboolean
sqlite_find_gift (TallyRulesStore  *rules,
                  const char       *payment_id,
                  TallyGift        *gift,
                  GError          **error)
{
  return tally_store_find_gift (store_of (rules), payment_id, gift, error);
}

static gboolean
sqlite_insert_payment (TallyRulesStore     *rules,
                       const TallyPayment  *payment,
                       GError             **error)
{
  return tally_store_insert_payment (store_of (rules), payment, error);
}

static gboolean
sqlite_find_stripe_customer (TallyRulesStore  *rules,
                             const char       *account_id,
                             char             *customer_id,
                             gsize             size,
                             GError          **error)
{
  return tally_store_find_stripe_customer (store_of (rules), account_id, customer_id, size, error);
}

static gboolean
sqlite_find_recharge_settings (TallyRulesStore        *rules,
                               const char             *account_id,
                               TallyRechargeSettings  *settings,
                               GError                **error)
{
  return tally_store_find_recharge_settings (store_of (rules), account_id, settings, error);
}

static gboolean
sqlite_start_recharge (TallyRulesStore  *rules,
                       const char       *account_id,
                       const char       *payment_id,
                       GError          **error)
{
  return tally_store_start_recharge (store_of (rules), account_id, payment_id, error);
}

static gboolean
sqlite_finish_recharge (TallyRulesStore       *rules,
                        const char            *account_id,
                        const char            *payment_id,
                        TallyRechargeOutcome   outcome,
                        GError               **error)
{
  return tally_store_finish_recharge (store_of (rules), account_id, payment_id, outcome, error);
}

static gboolean
sqlite_count_recharges (TallyRulesStore  *rules,
                        const char       *account_id,
                        gint64            since,
                        gint64           *count,
                        GError          **error)
{
  return tally_store_count_recharges (store_of (rules), account_id, since, count, error);
}

static gboolean
sqlite_last_declined_recharge (TallyRulesStore  *rules,
                               const char       *account_id,
                               gint64           *started_at,
                               GError          **error)
{
  return tally_store_last_declined_recharge (store_of (rules), account_id, started_at, error);
}

static GPtrArray *
sqlite_list_stale_recharges (TallyRulesStore  *rules,
                             gint64            before,
                             GError          **error)
{
  return tally_store_list_stale_recharges (store_of (rules), before, error);
}

static gboolean
sqlite_insert_subscription (TallyRulesStore          *rules,
                            const TallySubscription  *subscription,
                            GError                  **error)
{
  return tally_store_insert_subscription (store_of (rules), subscription, error);
}

static gboolean
sqlite_find_subscription (TallyRulesStore    *rules,
                          const char         *id,
                          TallySubscription  *subscription,
                          GError            **error)
{
  return tally_store_find_subscription (store_of (rules), id, subscription, error);
}

static gboolean
sqlite_find_subscription_by_session (TallyRulesStore    *rules,
                                     const char         *session_id,
                                     TallySubscription  *subscription,
                                     GError            **error)
{
  return tally_store_find_subscription_by_session (store_of (rules), session_id, subscription,
                                                             error);
}

static gboolean
sqlite_find_subscription_by_provider_id (TallyRulesStore    *rules,
                                         const char         *provider_id,
                                         TallySubscription  *subscription,
                                         GError            **error)
{
  return tally_store_find_subscription_by_provider_id (store_of (rules), provider_id, subscription,
                                                                 error);
}

static gboolean
sqlite_find_live_subscription (TallyRulesStore    *rules,
                               const char         *user_id,
                               TallySubscription  *subscription,
                               GError            **error)
{
  return tally_store_find_live_subscription (store_of (rules), user_id, subscription, error);
}

static gboolean
sqlite_update_subscription (TallyRulesStore          *rules,
                            const TallySubscription  *subscription,
                            GError                  **error)
{
  return tally_store_update_subscription (store_of (rules), subscription, error);
}

static gboolean
sqlite_change_subscription_plan (TallyRulesStore          *rules,
                                 const TallySubscription  *subscription,
                                 GError                  **error)
{
  return tally_store_change_subscription_plan (store_of (rules), subscription, error);
}

static gboolean
sqlite_find_invoice_refund (TallyRulesStore  *rules,
                            const char       *invoice_id,
                            gint64           *reversed,
                            gint64           *short_by,
                            GError          **error)
{
  return tally_store_find_invoice_refund (store_of (rules), invoice_id, reversed, short_by, error);
}

static gboolean
sqlite_save_invoice_refund (TallyRulesStore  *rules,
                            const char       *invoice_id,
                            const char       *account_id,
                            gint64            reversed,
                            gint64            short_by,
                            GError          **error)
{
  return tally_store_save_invoice_refund (store_of (rules), invoice_id, account_id, reversed,
                                                    short_by, error);
}

static gboolean
sqlite_insert_gift (TallyRulesStore  *rules,
                    const TallyGift  *gift,
                    GError          **error)
{
  return tally_store_insert_gift (store_of (rules), gift, error);
}

static gboolean
sqlite_move_gift (TallyRulesStore  *rules,
                  const char       *payment_id,
                  TallyGiftStatus   from,
                  TallyGiftStatus   to,
                  const char       *recipient_account_id,
                  const char       *transfer_id,
                  gint64            now,
                  gboolean         *changed,
                  GError          **error)
{
  return tally_store_move_gift (store_of (rules), payment_id, from, to, recipient_account_id,
                                          transfer_id, now, changed, error);
}

static GArray *
sqlite_waiting_gifts (TallyRulesStore  *rules,
                      const char       *email,
                      GError          **error)
{
  return tally_store_waiting_gifts (store_of (rules), email, error);
}

static gboolean
sqlite_insert_referral_code (TallyRulesStore  *rules,
                             const char       *user_id,
                             const char       *code,
                             gboolean         *taken,
                             GError          **error)
{
  return tally_store_insert_referral_code (store_of (rules), user_id, code, taken, error);
}

static gboolean
sqlite_find_referral_code (TallyRulesStore  *rules,
                           const char       *user_id,
                           char              code[TALLY_REFERRAL_CODE_MAX + 1],
                           GError          **error)
{
  return tally_store_find_referral_code (store_of (rules), user_id, code, error);
}

static gboolean
sqlite_find_code_owner (TallyRulesStore  *rules,
                        const char       *code,
                        char              user_id[TALLY_UUID_LEN],
                        GError          **error)
{
  return tally_store_find_code_owner (store_of (rules), code, user_id, error);
}

static gboolean
sqlite_insert_referral (TallyRulesStore      *rules,
                        const TallyReferral  *referral,
                        gboolean             *inserted,
                        GError              **error)
{
  return tally_store_insert_referral (store_of (rules), referral, inserted, error);
}

static gboolean
sqlite_find_referral (TallyRulesStore  *rules,
                      const char       *user_id,
                      TallyReferral    *referral,
                      GError          **error)
{
  return tally_store_find_referral (store_of (rules), user_id, referral, error);
}

static gboolean
sqlite_settle_referral (TallyRulesStore      *rules,
                        const char           *user_id,
                        TallyReferralStatus   status,
                        gint64                bonus,
                        gint64                now,
                        GError              **error)
{
  return tally_store_settle_referral (store_of (rules), user_id, status, bonus, now, error);
}

static gboolean
sqlite_count_rewarded_from (TallyRulesStore  *rules,
                            const char       *address,
                            gint64           *count,
                            GError          **error)
{
  return tally_store_count_rewarded_from (store_of (rules), address, count, error);
}

static gboolean
sqlite_has_paid_purchase (TallyRulesStore  *rules,
                          const char       *user_id,
                          gboolean         *paid,
                          GError          **error)
{
  return tally_store_has_paid_purchase (store_of (rules), user_id, paid, error);
}

static gboolean
sqlite_insert_promo_code (TallyRulesStore       *rules,
                          const TallyPromoCode  *promo,
                          GError               **error)
{
  return tally_store_insert_promo_code (store_of (rules), promo, error);
}

static gboolean
sqlite_find_promo_code (TallyRulesStore  *rules,
                        const char       *code,
                        TallyPromoCode   *promo,
                        GError          **error)
{
  return tally_store_find_promo_code (store_of (rules), code, promo, error);
}

static gboolean
sqlite_find_redemption (TallyRulesStore  *rules,
                        const char       *promo_id,
                        const char       *user_id,
                        GError          **error)
{
  return tally_store_find_redemption (store_of (rules), promo_id, user_id, error);
}

static gboolean
sqlite_add_redemption (TallyRulesStore  *rules,
                       const char       *promo_id,
                       const char       *user_id,
                       const char       *transfer_id,
                       gboolean         *counted,
                       GError          **error)
{
  return tally_store_add_redemption (store_of (rules), promo_id, user_id, transfer_id, counted,
                                               error);
}

static gboolean
sqlite_audit_read_head (TallyRulesStore  *rules,
                        gboolean         *found,
                        gint64           *seq,
                        guint8            hash[TALLY_AUDIT_HASH_LEN],
                        GError          **error)
{
  return tally_store_audit_read_head (store_of (rules), found, seq, hash, error);
}

static gboolean
sqlite_audit_read_anchor (TallyRulesStore  *rules,
                          gint64           *seq,
                          guint8            hash[TALLY_AUDIT_HASH_LEN],
                          GError          **error)
{
  return tally_store_audit_read_anchor (store_of (rules), seq, hash, error);
}

static gboolean
sqlite_audit_save_anchor (TallyRulesStore  *rules,
                          gint64            seq,
                          const guint8      hash[TALLY_AUDIT_HASH_LEN],
                          GError          **error)
{
  return tally_store_audit_save_anchor (store_of (rules), seq, hash, error);
}

static gboolean
sqlite_audit_insert (TallyRulesStore         *rules,
                     const TallyAuditRecord  *record,
                     GError                 **error)
{
  return tally_store_audit_insert (store_of (rules), record, error);
}

static gboolean
sqlite_audit_find_link (TallyRulesStore  *rules,
                        gint64            seq,
                        gboolean         *found,
                        guint8            hash[TALLY_AUDIT_HASH_LEN],
                        GError          **error)
{
  return tally_store_audit_find_link (store_of (rules), seq, found, hash, error);
}

static gboolean
sqlite_audit_find_link_before (TallyRulesStore  *rules,
                               gint64            time,
                               gboolean         *found,
                               gint64           *seq,
                               guint8            hash[TALLY_AUDIT_HASH_LEN],
                               GError          **error)
{
  return tally_store_audit_find_link_before (store_of (rules), time, found, seq, hash, error);
}

static gboolean
sqlite_audit_update_link (TallyRulesStore         *rules,
                          const TallyAuditRecord  *record,
                          GError                 **error)
{
  return tally_store_audit_update_link (store_of (rules), record, error);
}

static gboolean
sqlite_audit_update_sealed (TallyRulesStore         *rules,
                            const TallyAuditRecord  *record,
                            GError                 **error)
{
  return tally_store_audit_update_sealed (store_of (rules), record, error);
}

static gboolean
sqlite_audit_delete_through (TallyRulesStore  *rules,
                             gint64            seq,
                             GError          **error)
{
  return tally_store_audit_delete_through (store_of (rules), seq, error);
}

static gboolean
sqlite_audit_count_legacy (TallyRulesStore  *rules,
                           gint64           *count,
                           GError          **error)
{
  return tally_store_audit_count_legacy (store_of (rules), count, error);
}

static GArray *
sqlite_audit_query (TallyRulesStore        *rules,
                    const TallyAuditQuery  *query,
                    guint                   limit,
                    GError                **error)
{
  return tally_store_audit_query (store_of (rules), query, limit, error);
}

static GArray *
sqlite_audit_read_after (TallyRulesStore  *rules,
                         gint64            after_seq,
                         gint64            last_seq,
                         guint             limit,
                         GError          **error)
{
  return tally_store_audit_read_after (store_of (rules), after_seq, last_seq, limit, error);
}

static GArray *
sqlite_audit_read_subject (TallyRulesStore          *rules,
                           const TallyAuditSubject  *subject,
                           gboolean                  search_text,
                           GError                  **error)
{
  return tally_store_audit_read_subject (store_of (rules), subject, search_text, error);
}

static gboolean
sqlite_user_is_erased (TallyRulesStore  *rules,
                       const char       *user_id,
                       gboolean         *erased,
                       GError          **error)
{
  return tally_store_user_is_erased (store_of (rules), user_id, erased, error);
}

static GArray *
sqlite_list_expiring_runs (TallyRulesStore  *rules,
                           gint64            after,
                           gint64            until,
                           GError          **error)
{
  return tally_store_list_expiring_runs (store_of (rules), after, until, error);
}

static GPtrArray *
sqlite_list_pool_member_accounts (TallyRulesStore  *rules,
                                  const char       *account_id,
                                  GError          **error)
{
  return tally_store_list_pool_member_accounts (store_of (rules), account_id, error);
}

static gboolean
sqlite_read_run_status (TallyRulesStore  *rules,
                        const char       *id,
                        char             *status,
                        gsize             size,
                        gboolean         *found,
                        GError          **error)
{
  return tally_store_read_run_status (store_of (rules), id, status, size, found, error);
}

static gboolean
sqlite_read_data_version (TallyRulesStore  *rules,
                          gint64           *version,
                          GError          **error)
{
  return tally_store_read_data_version (store_of (rules), version, error);
}

static gboolean
sqlite_find_user_by_id (TallyRulesStore  *rules,
                        const char       *id,
                        TallyUser        *user,
                        GError          **error)
{
  return tally_store_find_user_by_id (store_of (rules), id, user, error);
}

static gboolean
sqlite_find_user_by_email (TallyRulesStore  *rules,
                           const char       *email,
                           TallyUser        *user,
                           char            **password_hash,
                           GError          **error)
{
  return tally_store_find_user_by_email (store_of (rules), email, user, password_hash, error);
}

static gboolean
sqlite_find_user_by_account (TallyRulesStore  *rules,
                             const char       *account_id,
                             TallyUser        *user,
                             GError          **error)
{
  return tally_store_find_user_by_account (store_of (rules), account_id, user, error);
}

static gboolean
sqlite_load_alert_settings (TallyRulesStore     *rules,
                            const char          *user_id,
                            TallyAlertSettings  *settings,
                            GError             **error)
{
  return tally_store_load_alert_settings (store_of (rules), user_id, settings, error);
}

static gboolean
sqlite_save_alert_settings (TallyRulesStore           *rules,
                            const char                *user_id,
                            const TallyAlertSettings  *settings,
                            gint64                     now,
                            GError                   **error)
{
  return tally_store_save_alert_settings (store_of (rules), user_id, settings, now, error);
}

static gboolean
sqlite_set_low_balance_armed (TallyRulesStore  *rules,
                              const char       *user_id,
                              gboolean          armed,
                              gboolean         *changed,
                              GError          **error)
{
  return tally_store_set_low_balance_armed (store_of (rules), user_id, armed, changed, error);
}

static gboolean
sqlite_insert_alert (TallyRulesStore   *rules,
                     const TallyAlert  *alert,
                     gboolean          *inserted,
                     GError           **error)
{
  return tally_store_insert_alert (store_of (rules), alert, inserted, error);
}

static gboolean
sqlite_find_alert (TallyRulesStore  *rules,
                   const char       *id,
                   TallyAlert       *alert,
                   GError          **error)
{
  return tally_store_find_alert (store_of (rules), id, alert, error);
}

static gboolean
sqlite_hold_alert_email (TallyRulesStore  *rules,
                         const char       *alert_id,
                         const char       *user_id,
                         gint64            send_after,
                         GError          **error)
{
  return tally_store_hold_alert_email (store_of (rules), alert_id, user_id, send_after, error);
}

static gboolean
sqlite_release_alert_email (TallyRulesStore  *rules,
                            const char       *alert_id,
                            gboolean         *released,
                            GError          **error)
{
  return tally_store_release_alert_email (store_of (rules), alert_id, released, error);
}

static GPtrArray *
sqlite_due_alert_emails (TallyRulesStore  *rules,
                         gint64            now,
                         GError          **error)
{
  return tally_store_due_alert_emails (store_of (rules), now, error);
}

void
tally_store_rules_store_init (TallyRulesStoreInterface *iface)
{
  iface->begin = sqlite_begin;
  iface->commit = sqlite_commit;
  iface->rollback = sqlite_rollback;
  iface->begin_write = sqlite_begin_write;
  iface->end_write = sqlite_end_write;
  iface->undo_write = sqlite_undo_write;
  iface->get_last_failure = sqlite_get_last_failure;
  iface->defer_sync = sqlite_defer_sync;
  iface->end_deferred_sync = sqlite_end_deferred_sync;
  iface->now = sqlite_now;
  iface->create_account = sqlite_create_account;
  iface->create_transfers = sqlite_create_transfers;
  iface->lookup_account = sqlite_lookup_account;
  iface->lookup_transfer = sqlite_lookup_transfer;
  iface->lookup_pending_state = sqlite_lookup_pending_state;
  iface->expire_pending = sqlite_expire_pending;
  iface->set_expiry = sqlite_set_expiry;
  iface->lookup_expiry = sqlite_lookup_expiry;
  iface->transfers_after = sqlite_transfers_after;
  iface->transfers_since = sqlite_transfers_since;
  iface->get_last_seq = sqlite_get_last_seq;
  iface->find_run = sqlite_find_run;
  iface->insert_run = sqlite_insert_run;
  iface->complete_run = sqlite_complete_run;
  iface->record_run_key = sqlite_record_run_key;
  iface->load_policy = sqlite_load_policy;
  iface->policy_spend_for_caps = sqlite_policy_spend_for_caps;
  iface->find_pool_member = sqlite_find_pool_member;
  iface->member_spend = sqlite_member_spend;
  iface->insert_team = sqlite_insert_team;
  iface->find_team_for = sqlite_find_team_for;
  iface->find_team_member = sqlite_find_team_member;
  iface->add_team_member = sqlite_add_team_member;
  iface->update_team_member = sqlite_update_team_member;
  iface->remove_team_member = sqlite_remove_team_member;
  iface->count_team_owners = sqlite_count_team_owners;
  iface->insert_invitation = sqlite_insert_invitation;
  iface->find_invitation = sqlite_find_invitation;
  iface->accept_invitation = sqlite_accept_invitation;
  iface->list_pool_leases = sqlite_list_pool_leases;
  iface->release_lease = sqlite_release_lease;
  iface->find_device = sqlite_find_device;
  iface->save_device = sqlite_save_device;
  iface->find_sync_op = sqlite_find_sync_op;
  iface->add_sync_op = sqlite_add_sync_op;
  iface->add_pool_spend = sqlite_add_pool_spend;
  iface->find_payment = sqlite_find_payment;
  iface->find_payment_by_session = sqlite_find_payment_by_session;
  iface->find_payment_by_ref = sqlite_find_payment_by_ref;
  iface->update_payment = sqlite_update_payment;
  iface->set_payment_session = sqlite_set_payment_session;
  iface->find_recharge = sqlite_find_recharge;
  iface->clear_recharge_failures = sqlite_clear_recharge_failures;
  iface->find_gift = sqlite_find_gift;
  iface->insert_payment = sqlite_insert_payment;
  iface->find_stripe_customer = sqlite_find_stripe_customer;
  iface->find_recharge_settings = sqlite_find_recharge_settings;
  iface->start_recharge = sqlite_start_recharge;
  iface->finish_recharge = sqlite_finish_recharge;
  iface->count_recharges = sqlite_count_recharges;
  iface->last_declined_recharge = sqlite_last_declined_recharge;
  iface->list_stale_recharges = sqlite_list_stale_recharges;
  iface->insert_subscription = sqlite_insert_subscription;
  iface->find_subscription = sqlite_find_subscription;
  iface->find_subscription_by_session = sqlite_find_subscription_by_session;
  iface->find_subscription_by_provider_id = sqlite_find_subscription_by_provider_id;
  iface->find_live_subscription = sqlite_find_live_subscription;
  iface->update_subscription = sqlite_update_subscription;
  iface->change_subscription_plan = sqlite_change_subscription_plan;
  iface->find_invoice_refund = sqlite_find_invoice_refund;
  iface->save_invoice_refund = sqlite_save_invoice_refund;
  iface->insert_gift = sqlite_insert_gift;
  iface->move_gift = sqlite_move_gift;
  iface->waiting_gifts = sqlite_waiting_gifts;
  iface->insert_referral_code = sqlite_insert_referral_code;
  iface->find_referral_code = sqlite_find_referral_code;
  iface->find_code_owner = sqlite_find_code_owner;
  iface->insert_referral = sqlite_insert_referral;
  iface->find_referral = sqlite_find_referral;
  iface->settle_referral = sqlite_settle_referral;
  iface->count_rewarded_from = sqlite_count_rewarded_from;
  iface->has_paid_purchase = sqlite_has_paid_purchase;
  iface->insert_promo_code = sqlite_insert_promo_code;
  iface->find_promo_code = sqlite_find_promo_code;
  iface->find_redemption = sqlite_find_redemption;
  iface->add_redemption = sqlite_add_redemption;
  iface->audit_read_head = sqlite_audit_read_head;
  iface->audit_read_anchor = sqlite_audit_read_anchor;
  iface->audit_save_anchor = sqlite_audit_save_anchor;
  iface->audit_insert = sqlite_audit_insert;
  iface->audit_find_link = sqlite_audit_find_link;
  iface->audit_find_link_before = sqlite_audit_find_link_before;
  iface->audit_update_link = sqlite_audit_update_link;
  iface->audit_update_sealed = sqlite_audit_update_sealed;
  iface->audit_delete_through = sqlite_audit_delete_through;
  iface->audit_count_legacy = sqlite_audit_count_legacy;
  iface->audit_query = sqlite_audit_query;
  iface->audit_read_after = sqlite_audit_read_after;
  iface->audit_read_subject = sqlite_audit_read_subject;
  iface->user_is_erased = sqlite_user_is_erased;
  iface->list_expiring_runs = sqlite_list_expiring_runs;
  iface->list_pool_member_accounts = sqlite_list_pool_member_accounts;
  iface->read_run_status = sqlite_read_run_status;
  iface->read_data_version = sqlite_read_data_version;
  iface->find_user_by_id = sqlite_find_user_by_id;
  iface->find_user_by_email = sqlite_find_user_by_email;
  iface->find_user_by_account = sqlite_find_user_by_account;
  iface->load_alert_settings = sqlite_load_alert_settings;
  iface->save_alert_settings = sqlite_save_alert_settings;
  iface->set_low_balance_armed = sqlite_set_low_balance_armed;
  iface->insert_alert = sqlite_insert_alert;
  iface->find_alert = sqlite_find_alert;
  iface->hold_alert_email = sqlite_hold_alert_email;
  iface->release_alert_email = sqlite_release_alert_email;
  iface->due_alert_emails = sqlite_due_alert_emails;
  iface->sweep_async = sqlite_sweep_async;
  iface->sweep_finish = sqlite_sweep_finish;
}
