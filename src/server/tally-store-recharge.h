/* tally-store-recharge.h: auto-recharge settings and recharges started
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store-payments.h"

G_BEGIN_DECLS

/* Failed charges in a row after which auto-recharge pauses itself until
 * the user saves the settings again or buys a pack. */
#define TALLY_RECHARGE_MAX_FAILURES 3

/* How a recharge ended. */
typedef enum
{
  TALLY_RECHARGE_SUCCEEDED,
  /* The card was declined: counts towards the pause, and no new attempt
   * is made for a while. */
  TALLY_RECHARGE_DECLINED,
  /* Stripe never created the charge (the server stopped before asking):
   * nothing is counted. */
  TALLY_RECHARGE_ABANDONED,
} TallyRechargeOutcome;

typedef struct
{
  char     account_id[TALLY_UUID_LEN];
  char     user_id[TALLY_UUID_LEN];
  gboolean enabled;
  gint64   threshold;
  char     pack_id[TALLY_PACK_ID_MAX];
  /* Recharges a calendar month (UTC) may start. */
  gint64   monthly_cap;
  gint64   failures;
  gboolean paused;
  /* The payment being charged; empty when none is. */
  char     in_flight[TALLY_UUID_LEN];
} TallyRechargeSettings;

/* FALSE without an error when the account has none. */
gboolean tally_store_find_recharge_settings (TallyStore                   *self,
                                             const char                   *account_id,
                                             TallyRechargeSettings        *settings,
                                             GError                      **error);
/* Saves what the user sets; a save clears the failures and the pause, and
 * leaves a recharge in flight as it is. */
gboolean tally_store_save_recharge_settings (TallyStore                   *self,
                                             const TallyRechargeSettings  *settings,
                                             GError                      **error);
/* The payments in flight whose recharge was started before @before:
 * a GPtrArray of payment ids. */
GPtrArray *tally_store_list_stale_recharges (TallyStore                   *self,
                                             gint64                        before,
                                             GError                      **error);
/* Whether @payment_id is a recharge, and when it was started. FALSE
 * without an error when it is not. */
gboolean tally_store_find_recharge          (TallyStore                   *self,
                                             const char                   *payment_id,
                                             gint64                       *started_at,
                                             GError                      **error);
/* When the latest declined recharge of @account_id was started; 0 if
 * none was. */
gboolean tally_store_last_declined_recharge (TallyStore                   *self,
                                             const char                   *account_id,
                                             gint64                       *started_at,
                                             GError                      **error);
/* A pack bought by hand: the failures and the pause are cleared. */
gboolean tally_store_clear_recharge_failures (TallyStore                  *self,
                                              const char                  *account_id,
                                              GError                     **error);
/* Recharges of @account_id started since @since and not failed. */
gboolean tally_store_count_recharges        (TallyStore                   *self,
                                             const char                   *account_id,
                                             gint64                        since,
                                             gint64                       *count,
                                             GError                      **error);
/* Records @payment_id as the account's recharge in flight. */
gboolean tally_store_start_recharge         (TallyStore                   *self,
                                             const char                   *account_id,
                                             const char                   *payment_id,
                                             GError                      **error);
/* Ends the recharge: if it is the one in flight, a success clears the
 * failures, a decline counts one and pauses at TALLY_RECHARGE_MAX_FAILURES;
 * a recharge ended before (by a webhook, say) counts nothing twice. */
gboolean tally_store_finish_recharge        (TallyStore                   *self,
                                             const char                   *account_id,
                                             const char                   *payment_id,
                                             TallyRechargeOutcome          outcome,
                                             GError                      **error);

G_END_DECLS
