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
 * the user saves the settings again. */
#define TALLY_RECHARGE_MAX_FAILURES 3

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
/* The accounts that may need a recharge: enabled, not paused, none in
 * flight. An array of TallyRechargeSettings. */
GArray  *tally_store_list_rechargeable      (TallyStore                   *self,
                                             GError                      **error);
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
/* Ends the recharge in flight: a success clears the failures, a failure
 * counts one and pauses at TALLY_RECHARGE_MAX_FAILURES. */
gboolean tally_store_finish_recharge        (TallyStore                   *self,
                                             const char                   *account_id,
                                             const char                   *payment_id,
                                             gboolean                      succeeded,
                                             GError                      **error);

G_END_DECLS
