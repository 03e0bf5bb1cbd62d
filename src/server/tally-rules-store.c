/* tally-rules-store.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-rules-store.h"

G_DEFINE_INTERFACE (TallyRulesStore, tally_rules_store, G_TYPE_OBJECT)

static void
tally_rules_store_default_init (TallyRulesStoreInterface *iface)
{
}

gboolean
tally_rules_store_begin (TallyRulesStore  *self,
                         GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->begin (self, error);
}

gboolean
tally_rules_store_commit (TallyRulesStore  *self,
                          GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->commit (self, error);
}

void
tally_rules_store_rollback (TallyRulesStore *self)
{
  g_return_if_fail (TALLY_IS_RULES_STORE (self));

  TALLY_RULES_STORE_GET_IFACE (self)->rollback (self);
}

gboolean
tally_rules_store_begin_write (TallyRulesStore  *self,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->begin_write (self, error);
}

gboolean
tally_rules_store_end_write (TallyRulesStore  *self,
                             GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->end_write (self, error);
}

void
tally_rules_store_undo_write (TallyRulesStore *self)
{
  g_return_if_fail (TALLY_IS_RULES_STORE (self));

  TALLY_RULES_STORE_GET_IFACE (self)->undo_write (self);
}

TallyLedgerError
tally_rules_store_get_last_failure (TallyRulesStore *self)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), TALLY_LEDGER_ERROR_STORAGE);

  return TALLY_RULES_STORE_GET_IFACE (self)->get_last_failure (self);
}

const char *
tally_rules_store_defer_sync (TallyRulesStore *self,
                              TallyCommitHook  committed,
                              gpointer         data)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->defer_sync (self, committed, data);
}

void
tally_rules_store_end_deferred_sync (TallyRulesStore *self)
{
  g_return_if_fail (TALLY_IS_RULES_STORE (self));

  TALLY_RULES_STORE_GET_IFACE (self)->end_deferred_sync (self);
}

gint64
tally_rules_store_now (TallyRulesStore *self)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), 0);

  return TALLY_RULES_STORE_GET_IFACE (self)->now (self);
}

gboolean
tally_rules_store_create_account (TallyRulesStore     *self,
                                  const TallyAccount  *account,
                                  GError             **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->create_account (self, account, error);
}

gboolean
tally_rules_store_create_transfers (TallyRulesStore      *self,
                                    TallyTransfer        *transfers,
                                    guint                 n_transfers,
                                    TallyTransferResult  *results,
                                    GError              **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->create_transfers (self, transfers, n_transfers,
                                                               results, error);
}

gboolean
tally_rules_store_lookup_account (TallyRulesStore  *self,
                                  const char       *id,
                                  TallyAccount     *account,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->lookup_account (self, id, account, error);
}

gboolean
tally_rules_store_lookup_transfer (TallyRulesStore  *self,
                                   const char       *id,
                                   TallyTransfer    *transfer,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->lookup_transfer (self, id, transfer, error);
}

gboolean
tally_rules_store_lookup_pending_state (TallyRulesStore    *self,
                                        const char         *pending_id,
                                        TallyPendingState  *state,
                                        GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->lookup_pending_state (self, pending_id, state, error);
}

gboolean
tally_rules_store_expire_pending (TallyRulesStore  *self,
                                  gint64            now,
                                  guint            *n_expired,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->expire_pending (self, now, n_expired, error);
}

gboolean
tally_rules_store_set_expiry (TallyRulesStore  *self,
                              const char       *transfer_id,
                              gint64            expires_at,
                              GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->set_expiry (self, transfer_id, expires_at, error);
}

gboolean
tally_rules_store_lookup_expiry (TallyRulesStore  *self,
                                 const char       *transfer_id,
                                 gint64           *expires_at,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->lookup_expiry (self, transfer_id, expires_at, error);
}

GArray *
tally_rules_store_transfers_after (TallyRulesStore     *self,
                                   const char * const  *account_ids,
                                   gint64               after_seq,
                                   guint                limit,
                                   GError             **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->transfers_after (self, account_ids, after_seq, limit,
                                                              error);
}

GArray *
tally_rules_store_transfers_since (TallyRulesStore  *self,
                                   gint64            after_seq,
                                   guint             limit,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->transfers_since (self, after_seq, limit, error);
}

gint64
tally_rules_store_get_last_seq (TallyRulesStore *self)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), 0);

  return TALLY_RULES_STORE_GET_IFACE (self)->get_last_seq (self);
}

gboolean
tally_rules_store_find_run (TallyRulesStore  *self,
                            const char       *id,
                            TallyRun         *run,
                            GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_run (self, id, run, error);
}

gboolean
tally_rules_store_insert_run (TallyRulesStore  *self,
                              const TallyRun   *run,
                              const char       *inputs,
                              GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_run (self, run, inputs, error);
}

gboolean
tally_rules_store_complete_run (TallyRulesStore  *self,
                                const TallyRun   *run,
                                GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->complete_run (self, run, error);
}

gboolean
tally_rules_store_record_run_key (TallyRulesStore  *self,
                                  const char       *run_id,
                                  const char       *key_id,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->record_run_key (self, run_id, key_id, error);
}

gboolean
tally_rules_store_load_policy (TallyRulesStore  *self,
                               const char       *account_id,
                               const char       *timezone,
                               TallyPolicy      *policy,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->load_policy (self, account_id, timezone, policy,
                                                          error);
}

gboolean
tally_rules_store_policy_spend_for_caps (TallyRulesStore    *self,
                                         const char         *account_id,
                                         const TallyPolicy  *policy,
                                         gint64              now,
                                         TallySpend         *spend,
                                         GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->policy_spend_for_caps (self, account_id, policy, now,
                                                                    spend, error);
}

gboolean
tally_rules_store_find_pool_member (TallyRulesStore  *self,
                                    const char       *account_id,
                                    const char       *user_id,
                                    TallyTeam        *team,
                                    TallyTeamMember  *member,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_pool_member (self, account_id, user_id, team,
                                                               member, error);
}

gboolean
tally_rules_store_member_spend (TallyRulesStore  *self,
                                const char       *account_id,
                                const char       *user_id,
                                gint64            since,
                                gint64            until,
                                gint64            now,
                                gint64           *spent,
                                GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->member_spend (self, account_id, user_id, since, until,
                                                           now, spent, error);
}

gboolean
tally_rules_store_insert_team (TallyRulesStore  *self,
                               const TallyTeam  *team,
                               const char       *created_by,
                               gint64            now,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_team (self, team, created_by, now, error);
}

gboolean
tally_rules_store_find_team_for (TallyRulesStore  *self,
                                 const char       *team_id,
                                 const char       *user_id,
                                 TallyTeam        *team,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_team_for (self, team_id, user_id, team, error);
}

gboolean
tally_rules_store_find_team_member (TallyRulesStore  *self,
                                    const char       *team_id,
                                    const char       *user_id,
                                    TallyTeamMember  *member,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_team_member (self, team_id, user_id, member,
                                                               error);
}

gboolean
tally_rules_store_add_team_member (TallyRulesStore  *self,
                                   const char       *team_id,
                                   const char       *user_id,
                                   TallyTeamRole     role,
                                   gint64            now,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->add_team_member (self, team_id, user_id, role, now,
                                                              error);
}

gboolean
tally_rules_store_update_team_member (TallyRulesStore        *self,
                                      const char             *team_id,
                                      const TallyTeamMember  *member,
                                      GError                **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->update_team_member (self, team_id, member, error);
}

gboolean
tally_rules_store_remove_team_member (TallyRulesStore  *self,
                                      const char       *team_id,
                                      const char       *user_id,
                                      GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->remove_team_member (self, team_id, user_id, error);
}

gint64
tally_rules_store_count_team_owners (TallyRulesStore  *self,
                                     const char       *team_id,
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), 0);

  return TALLY_RULES_STORE_GET_IFACE (self)->count_team_owners (self, team_id, error);
}

gboolean
tally_rules_store_insert_invitation (TallyRulesStore            *self,
                                     const TallyTeamInvitation  *invitation,
                                     const guint8                token_hash[32],
                                     const char                 *invited_by,
                                     GError                    **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_invitation (self, invitation, token_hash,
                                                                invited_by, error);
}

gboolean
tally_rules_store_find_invitation (TallyRulesStore      *self,
                                   const guint8          token_hash[32],
                                   TallyTeamInvitation  *invitation,
                                   GError              **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_invitation (self, token_hash, invitation, error);
}

gboolean
tally_rules_store_accept_invitation (TallyRulesStore  *self,
                                     const char       *id,
                                     const char       *user_id,
                                     gint64            now,
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->accept_invitation (self, id, user_id, now, error);
}

GPtrArray *
tally_rules_store_list_pool_leases (TallyRulesStore  *self,
                                    const char       *account_id,
                                    const char       *user_id,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->list_pool_leases (self, account_id, user_id, error);
}

gboolean
tally_rules_store_release_lease (TallyRulesStore  *self,
                                 const char       *user_id,
                                 const char       *device,
                                 gboolean         *released,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->release_lease (self, user_id, device, released, error);
}

gboolean
tally_rules_store_find_device (TallyRulesStore  *self,
                               const char       *user_id,
                               const char       *device,
                               TallyDevice      *out,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_device (self, user_id, device, out, error);
}

gboolean
tally_rules_store_save_device (TallyRulesStore    *self,
                               const char         *user_id,
                               const char         *device,
                               const TallyDevice  *row,
                               GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->save_device (self, user_id, device, row, error);
}

gboolean
tally_rules_store_find_sync_op (TallyRulesStore    *self,
                                const char         *id,
                                TallySyncOpRecord  *record,
                                GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_sync_op (self, id, record, error);
}

gboolean
tally_rules_store_add_sync_op (TallyRulesStore  *self,
                               const char       *id,
                               const char       *user_id,
                               const char       *device,
                               const char       *digest,
                               const char       *result,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->add_sync_op (self, id, user_id, device, digest,
                                                          result, error);
}

gboolean
tally_rules_store_add_pool_spend (TallyRulesStore  *self,
                                  const char       *op_id,
                                  const char       *account_id,
                                  const char       *user_id,
                                  gint64            charged,
                                  gint64            now,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->add_pool_spend (self, op_id, account_id, user_id,
                                                             charged, now, error);
}

gboolean
tally_rules_store_find_payment (TallyRulesStore  *self,
                                const char       *id,
                                TallyPayment     *payment,
                                GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_payment (self, id, payment, error);
}

gboolean
tally_rules_store_find_payment_by_session (TallyRulesStore  *self,
                                           const char       *session_id,
                                           TallyPayment     *payment,
                                           GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_payment_by_session (self, session_id, payment,
                                                                      error);
}

gboolean
tally_rules_store_find_payment_by_ref (TallyRulesStore  *self,
                                       const char       *payment_ref,
                                       TallyPayment     *payment,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_payment_by_ref (self, payment_ref, payment,
                                                                  error);
}

gboolean
tally_rules_store_update_payment (TallyRulesStore     *self,
                                  const TallyPayment  *payment,
                                  GError             **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->update_payment (self, payment, error);
}

gboolean
tally_rules_store_set_payment_session (TallyRulesStore  *self,
                                       const char       *payment_id,
                                       const char       *session_id,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->set_payment_session (self, payment_id, session_id,
                                                                  error);
}

gboolean
tally_rules_store_find_recharge (TallyRulesStore  *self,
                                 const char       *payment_id,
                                 gint64           *started_at,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_recharge (self, payment_id, started_at, error);
}

gboolean
tally_rules_store_clear_recharge_failures (TallyRulesStore  *self,
                                           const char       *account_id,
                                           GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->clear_recharge_failures (self, account_id, error);
}

gboolean
tally_rules_store_find_gift (TallyRulesStore  *self,
                             const char       *payment_id,
                             TallyGift        *gift,
                             GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_gift (self, payment_id, gift, error);
}

gboolean
tally_rules_store_insert_payment (TallyRulesStore     *self,
                                  const TallyPayment  *payment,
                                  GError             **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_payment (self, payment, error);
}

gboolean
tally_rules_store_find_stripe_customer (TallyRulesStore  *self,
                                        const char       *account_id,
                                        char             *customer_id,
                                        gsize             size,
                                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_stripe_customer (self, account_id, customer_id,
                                                                   size, error);
}

gboolean
tally_rules_store_find_recharge_settings (TallyRulesStore        *self,
                                          const char             *account_id,
                                          TallyRechargeSettings  *settings,
                                          GError                **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_recharge_settings (self, account_id, settings,
                                                                     error);
}

gboolean
tally_rules_store_start_recharge (TallyRulesStore  *self,
                                  const char       *account_id,
                                  const char       *payment_id,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->start_recharge (self, account_id, payment_id, error);
}

gboolean
tally_rules_store_finish_recharge (TallyRulesStore       *self,
                                   const char            *account_id,
                                   const char            *payment_id,
                                   TallyRechargeOutcome   outcome,
                                   GError               **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->finish_recharge (self, account_id, payment_id,
                                                              outcome, error);
}

gboolean
tally_rules_store_count_recharges (TallyRulesStore  *self,
                                   const char       *account_id,
                                   gint64            since,
                                   gint64           *count,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->count_recharges (self, account_id, since, count,
                                                              error);
}

gboolean
tally_rules_store_last_declined_recharge (TallyRulesStore  *self,
                                          const char       *account_id,
                                          gint64           *started_at,
                                          GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->last_declined_recharge (self, account_id, started_at,
                                                                     error);
}

GPtrArray *
tally_rules_store_list_stale_recharges (TallyRulesStore  *self,
                                        gint64            before,
                                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->list_stale_recharges (self, before, error);
}

gboolean
tally_rules_store_insert_subscription (TallyRulesStore          *self,
                                       const TallySubscription  *subscription,
                                       GError                  **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_subscription (self, subscription, error);
}

gboolean
tally_rules_store_find_subscription (TallyRulesStore    *self,
                                     const char         *id,
                                     TallySubscription  *subscription,
                                     GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_subscription (self, id, subscription, error);
}

gboolean
tally_rules_store_find_subscription_by_session (TallyRulesStore    *self,
                                                const char         *session_id,
                                                TallySubscription  *subscription,
                                                GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_subscription_by_session (self, session_id,
                                                                           subscription, error);
}

gboolean
tally_rules_store_find_subscription_by_provider_id (TallyRulesStore    *self,
                                                    const char         *provider_id,
                                                    TallySubscription  *subscription,
                                                    GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_subscription_by_provider_id (self, provider_id,
                                                                               subscription, error);
}

gboolean
tally_rules_store_find_live_subscription (TallyRulesStore    *self,
                                          const char         *user_id,
                                          TallySubscription  *subscription,
                                          GError            **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_live_subscription (self, user_id, subscription,
                                                                     error);
}

gboolean
tally_rules_store_update_subscription (TallyRulesStore          *self,
                                       const TallySubscription  *subscription,
                                       GError                  **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->update_subscription (self, subscription, error);
}

gboolean
tally_rules_store_change_subscription_plan (TallyRulesStore          *self,
                                            const TallySubscription  *subscription,
                                            GError                  **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->change_subscription_plan (self, subscription, error);
}

gboolean
tally_rules_store_find_invoice_refund (TallyRulesStore  *self,
                                       const char       *invoice_id,
                                       gint64           *reversed,
                                       gint64           *short_by,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_invoice_refund (self, invoice_id, reversed,
                                                                  short_by, error);
}

gboolean
tally_rules_store_save_invoice_refund (TallyRulesStore  *self,
                                       const char       *invoice_id,
                                       const char       *account_id,
                                       gint64            reversed,
                                       gint64            short_by,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->save_invoice_refund (self, invoice_id, account_id,
                                                                  reversed, short_by, error);
}

gboolean
tally_rules_store_insert_gift (TallyRulesStore  *self,
                               const TallyGift  *gift,
                               GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_gift (self, gift, error);
}

gboolean
tally_rules_store_move_gift (TallyRulesStore  *self,
                             const char       *payment_id,
                             TallyGiftStatus   from,
                             TallyGiftStatus   to,
                             const char       *recipient_account_id,
                             const char       *transfer_id,
                             gint64            now,
                             gboolean         *changed,
                             GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->move_gift (self, payment_id, from, to,
                                                        recipient_account_id, transfer_id, now,
                                                        changed, error);
}

GArray *
tally_rules_store_waiting_gifts (TallyRulesStore  *self,
                                 const char       *email,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->waiting_gifts (self, email, error);
}

gboolean
tally_rules_store_insert_referral_code (TallyRulesStore  *self,
                                        const char       *user_id,
                                        const char       *code,
                                        gboolean         *taken,
                                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_referral_code (self, user_id, code, taken,
                                                                   error);
}

gboolean
tally_rules_store_find_referral_code (TallyRulesStore  *self,
                                      const char       *user_id,
                                      char              code[TALLY_REFERRAL_CODE_MAX + 1],
                                      GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_referral_code (self, user_id, code, error);
}

gboolean
tally_rules_store_find_code_owner (TallyRulesStore  *self,
                                   const char       *code,
                                   char              user_id[TALLY_UUID_LEN],
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_code_owner (self, code, user_id, error);
}

gboolean
tally_rules_store_insert_referral (TallyRulesStore      *self,
                                   const TallyReferral  *referral,
                                   gboolean             *inserted,
                                   GError              **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_referral (self, referral, inserted, error);
}

gboolean
tally_rules_store_find_referral (TallyRulesStore  *self,
                                 const char       *user_id,
                                 TallyReferral    *referral,
                                 GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_referral (self, user_id, referral, error);
}

gboolean
tally_rules_store_settle_referral (TallyRulesStore      *self,
                                   const char           *user_id,
                                   TallyReferralStatus   status,
                                   gint64                bonus,
                                   gint64                now,
                                   GError              **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->settle_referral (self, user_id, status, bonus, now,
                                                              error);
}

gboolean
tally_rules_store_count_rewarded_from (TallyRulesStore  *self,
                                       const char       *address,
                                       gint64           *count,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->count_rewarded_from (self, address, count, error);
}

gboolean
tally_rules_store_has_paid_purchase (TallyRulesStore  *self,
                                     const char       *user_id,
                                     gboolean         *paid,
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->has_paid_purchase (self, user_id, paid, error);
}

gboolean
tally_rules_store_insert_promo_code (TallyRulesStore       *self,
                                     const TallyPromoCode  *promo,
                                     GError               **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_promo_code (self, promo, error);
}

gboolean
tally_rules_store_find_promo_code (TallyRulesStore  *self,
                                   const char       *code,
                                   TallyPromoCode   *promo,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_promo_code (self, code, promo, error);
}

gboolean
tally_rules_store_find_redemption (TallyRulesStore  *self,
                                   const char       *promo_id,
                                   const char       *user_id,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_redemption (self, promo_id, user_id, error);
}

gboolean
tally_rules_store_add_redemption (TallyRulesStore  *self,
                                  const char       *promo_id,
                                  const char       *user_id,
                                  const char       *transfer_id,
                                  gboolean         *counted,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->add_redemption (self, promo_id, user_id, transfer_id,
                                                             counted, error);
}

gboolean
tally_rules_store_audit_read_head (TallyRulesStore  *self,
                                   gboolean         *found,
                                   gint64           *seq,
                                   guint8            hash[TALLY_AUDIT_HASH_LEN],
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_read_head (self, found, seq, hash, error);
}

gboolean
tally_rules_store_audit_read_anchor (TallyRulesStore  *self,
                                     gint64           *seq,
                                     guint8            hash[TALLY_AUDIT_HASH_LEN],
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_read_anchor (self, seq, hash, error);
}

gboolean
tally_rules_store_audit_save_anchor (TallyRulesStore  *self,
                                     gint64            seq,
                                     const guint8      hash[TALLY_AUDIT_HASH_LEN],
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_save_anchor (self, seq, hash, error);
}

gboolean
tally_rules_store_audit_insert (TallyRulesStore         *self,
                                const TallyAuditRecord  *record,
                                GError                 **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_insert (self, record, error);
}

gboolean
tally_rules_store_audit_find_link (TallyRulesStore  *self,
                                   gint64            seq,
                                   gboolean         *found,
                                   guint8            hash[TALLY_AUDIT_HASH_LEN],
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_find_link (self, seq, found, hash, error);
}

gboolean
tally_rules_store_audit_find_link_before (TallyRulesStore  *self,
                                          gint64            time,
                                          gboolean         *found,
                                          gint64           *seq,
                                          guint8            hash[TALLY_AUDIT_HASH_LEN],
                                          GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_find_link_before (self, time, found, seq, hash,
                                                                     error);
}

gboolean
tally_rules_store_audit_update_link (TallyRulesStore         *self,
                                     const TallyAuditRecord  *record,
                                     GError                 **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_update_link (self, record, error);
}

gboolean
tally_rules_store_audit_update_sealed (TallyRulesStore         *self,
                                       const TallyAuditRecord  *record,
                                       GError                 **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_update_sealed (self, record, error);
}

gboolean
tally_rules_store_audit_delete_through (TallyRulesStore  *self,
                                        gint64            seq,
                                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_delete_through (self, seq, error);
}

gboolean
tally_rules_store_audit_count_legacy (TallyRulesStore  *self,
                                      gint64           *count,
                                      GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_count_legacy (self, count, error);
}

GArray *
tally_rules_store_audit_query (TallyRulesStore        *self,
                               const TallyAuditQuery  *query,
                               guint                   limit,
                               GError                **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_query (self, query, limit, error);
}

GArray *
tally_rules_store_audit_read_after (TallyRulesStore  *self,
                                    gint64            after_seq,
                                    gint64            last_seq,
                                    guint             limit,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_read_after (self, after_seq, last_seq, limit,
                                                               error);
}

GArray *
tally_rules_store_audit_read_subject (TallyRulesStore          *self,
                                      const TallyAuditSubject  *subject,
                                      gboolean                  search_text,
                                      GError                  **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->audit_read_subject (self, subject, search_text, error);
}

gboolean
tally_rules_store_user_is_erased (TallyRulesStore  *self,
                                  const char       *user_id,
                                  gboolean         *erased,
                                  GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->user_is_erased (self, user_id, erased, error);
}

GArray *
tally_rules_store_list_expiring_runs (TallyRulesStore  *self,
                                      gint64            after,
                                      gint64            until,
                                      GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->list_expiring_runs (self, after, until, error);
}

GPtrArray *
tally_rules_store_list_pool_member_accounts (TallyRulesStore  *self,
                                             const char       *account_id,
                                             GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->list_pool_member_accounts (self, account_id, error);
}

gboolean
tally_rules_store_read_run_status (TallyRulesStore  *self,
                                   const char       *id,
                                   char             *status,
                                   gsize             size,
                                   gboolean         *found,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->read_run_status (self, id, status, size, found, error);
}

gboolean
tally_rules_store_read_data_version (TallyRulesStore  *self,
                                     gint64           *version,
                                     GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->read_data_version (self, version, error);
}

gboolean
tally_rules_store_find_user_by_id (TallyRulesStore  *self,
                                   const char       *id,
                                   TallyUser        *user,
                                   GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_user_by_id (self, id, user, error);
}

gboolean
tally_rules_store_find_user_by_email (TallyRulesStore  *self,
                                      const char       *email,
                                      TallyUser        *user,
                                      char            **password_hash,
                                      GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_user_by_email (self, email, user, password_hash,
                                                                 error);
}

gboolean
tally_rules_store_find_user_by_account (TallyRulesStore  *self,
                                        const char       *account_id,
                                        TallyUser        *user,
                                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_user_by_account (self, account_id, user, error);
}

gboolean
tally_rules_store_load_alert_settings (TallyRulesStore     *self,
                                       const char          *user_id,
                                       TallyAlertSettings  *settings,
                                       GError             **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->load_alert_settings (self, user_id, settings, error);
}

gboolean
tally_rules_store_save_alert_settings (TallyRulesStore           *self,
                                       const char                *user_id,
                                       const TallyAlertSettings  *settings,
                                       gint64                     now,
                                       GError                   **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->save_alert_settings (self, user_id, settings, now,
                                                                  error);
}

gboolean
tally_rules_store_set_low_balance_armed (TallyRulesStore  *self,
                                         const char       *user_id,
                                         gboolean          armed,
                                         gboolean         *changed,
                                         GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->set_low_balance_armed (self, user_id, armed, changed,
                                                                    error);
}

gboolean
tally_rules_store_insert_alert (TallyRulesStore   *self,
                                const TallyAlert  *alert,
                                gboolean          *inserted,
                                GError           **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->insert_alert (self, alert, inserted, error);
}

gboolean
tally_rules_store_find_alert (TallyRulesStore  *self,
                              const char       *id,
                              TallyAlert       *alert,
                              GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->find_alert (self, id, alert, error);
}

gboolean
tally_rules_store_hold_alert_email (TallyRulesStore  *self,
                                    const char       *alert_id,
                                    const char       *user_id,
                                    gint64            send_after,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->hold_alert_email (self, alert_id, user_id, send_after,
                                                               error);
}

gboolean
tally_rules_store_release_alert_email (TallyRulesStore  *self,
                                       const char       *alert_id,
                                       gboolean         *released,
                                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->release_alert_email (self, alert_id, released,
                                                                  error);
}

GPtrArray *
tally_rules_store_due_alert_emails (TallyRulesStore  *self,
                                    gint64            now,
                                    GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), NULL);

  return TALLY_RULES_STORE_GET_IFACE (self)->due_alert_emails (self, now, error);
}

void
tally_rules_store_sweep_async (TallyRulesStore      *self,
                               TallyRulesSweepFunc   func,
                               gpointer              data,
                               GDestroyNotify        destroy,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  g_return_if_fail (TALLY_IS_RULES_STORE (self));

  TALLY_RULES_STORE_GET_IFACE (self)->sweep_async (self, func, data, destroy, cancellable,
                                                   callback, user_data);
}

gboolean
tally_rules_store_sweep_finish (TallyRulesStore  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (TALLY_IS_RULES_STORE (self), FALSE);

  return TALLY_RULES_STORE_GET_IFACE (self)->sweep_finish (self, result, error);
}
