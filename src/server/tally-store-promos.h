/* tally-store-promos.h: promo codes and who redeemed them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

/* Codes are 3 to 32 of A-Z, 0-9, - and _, stored upper case. */
#define TALLY_PROMO_CODE_MIN 3
#define TALLY_PROMO_CODE_MAX 32

typedef struct
{
  char   id[TALLY_UUID_LEN];
  char   code[TALLY_PROMO_CODE_MAX + 1];
  gint64 credits;
  gint64 max_redemptions;
  gint64 redemptions;
  /* Microseconds since the epoch; 0: the code never expires. */
  gint64 expires_at;
  /* 0: the credits it grants never expire. */
  gint64 credits_expire_after_days;
  char   created_by[TALLY_UUID_LEN];
  gint64 created_at;
} TallyPromoCode;

/* FALSE without an error when @code is taken already. */
gboolean  tally_store_insert_promo_code  (TallyStore            *self,
                                          const TallyPromoCode  *promo,
                                          GError               **error);
/* FALSE without an error when there is no such code (any case). */
gboolean  tally_store_find_promo_code    (TallyStore            *self,
                                          const char            *code,
                                          TallyPromoCode        *promo,
                                          GError               **error);
/* Every code, newest first: an array of TallyPromoCode. */
GArray   *tally_store_list_promo_codes   (TallyStore            *self,
                                          GError               **error);
/* FALSE without an error when @user_id has not redeemed @promo_id. */
gboolean  tally_store_find_redemption    (TallyStore            *self,
                                          const char            *promo_id,
                                          const char            *user_id,
                                          GError               **error);
/* Counts one redemption of @promo_id by @user_id, as long as one is left:
 * *@counted is FALSE when none was. */
gboolean  tally_store_add_redemption     (TallyStore            *self,
                                          const char            *promo_id,
                                          const char            *user_id,
                                          const char            *transfer_id,
                                          gboolean              *counted,
                                          GError               **error);

G_END_DECLS
