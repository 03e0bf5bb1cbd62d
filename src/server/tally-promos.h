/* tally-promos.h: promo codes, created by admins and redeemed by users
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-decoders.h"
#include "tally-server.h"
#include "tally-store-promos.h"

G_BEGIN_DECLS

/* Bounds of what a code may grant and how often. */
#define TALLY_PROMO_CREDITS_MAX     G_GINT64_CONSTANT (1000000000)
#define TALLY_PROMO_REDEMPTIONS_MAX G_GINT64_CONSTANT (1000000)

typedef enum
{
  TALLY_PROMO_OK,
  /* Creating: another code is spelled the same (in any case). */
  TALLY_PROMO_CODE_TAKEN,
  /* Redeeming: */
  TALLY_PROMO_NOT_FOUND,
  TALLY_PROMO_ALREADY_REDEEMED,
  /* The code's own expiry has passed... */
  TALLY_PROMO_EXPIRED,
  /* ...or every redemption it allows was made. */
  TALLY_PROMO_EXHAUSTED,
} TallyPromoResult;

/* Whether @code (any case) is 3 to 32 of A-Z, 0-9, - and _; *@normal
 * receives it upper case. */
gboolean tally_promo_code_normalize (const char *code,
                                     char        normal[TALLY_PROMO_CODE_MAX + 1]);

/* Inside the writer. Creates the code @admin asked for, audited; @promo
 * receives it. */
gboolean tally_promos_create        (TallyServer                  *server,
                                     const TallyUser              *admin,
                                     const TallyPromoCodeRequest  *request,
                                     TallyPromoCode               *promo,
                                     TallyPromoResult             *result,
                                     GError                      **error);
/* Inside the writer. Grants the code's credits to @user's own account:
 * one grant transfer from the promotions account, whose id derives from
 * the code and the user, so each user redeems a code once; the code's
 * count of redemptions never passes its maximum, however many arrive
 * together. Credits of a code with credits_expire_after_days expire that
 * many days after the redemption (a lot, docs/ledger.md). @transfer
 * receives the grant, *@expires_at when its credits expire (0: never). */
gboolean tally_promos_redeem        (TallyServer                  *server,
                                     const TallyUser              *user,
                                     const char                   *code,
                                     TallyTransfer                *transfer,
                                     gint64                       *expires_at,
                                     TallyPromoResult             *result,
                                     GError                      **error);

G_END_DECLS
