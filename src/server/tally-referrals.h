/* tally-referrals.h: referral codes, and the bonus a referral earns
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-gifts.h"

G_BEGIN_DECLS

#define TALLY_REFERRAL_CODE_MIN 4

typedef enum
{
  TALLY_REFERRAL_OK,
  /* No user has the code. */
  TALLY_REFERRAL_NOT_FOUND,
  /* The code is the user's own. */
  TALLY_REFERRAL_SELF,
  /* The user has a referrer already... */
  TALLY_REFERRAL_ALREADY_REFERRED,
  /* ...or bought already: a referral counts only before the first. */
  TALLY_REFERRAL_TOO_LATE,
} TallyReferralResult;

/* Whether @code (any case) is 4 to 16 letters and digits; *@normal
 * receives it upper case. */
gboolean tally_referral_code_normalize (const char          *code,
                                        char                 normal[TALLY_REFERRAL_CODE_MAX + 1]);
/* Inside the writer: @user's code, made (8 random letters and digits) the
 * first time it is asked for. */
gboolean tally_referrals_ensure_code   (TallyServer         *server,
                                        const TallyUser     *user,
                                        char                 code[TALLY_REFERRAL_CODE_MAX + 1],
                                        GError             **error);
/* The owner of @code; *@result is TALLY_REFERRAL_NOT_FOUND without one. */
gboolean tally_referrals_find_owner    (TallyServer         *server,
                                        const char          *code,
                                        char                 owner[TALLY_UUID_LEN],
                                        TallyReferralResult *result,
                                        GError             **error);
/* Inside the writer: @user was brought by @code's owner, and signed up
 * from @address (what the sign-up throttle counts by). Refused for the
 * user's own code, a second referrer, or after the first purchase. */
gboolean tally_referrals_record        (TallyServer         *server,
                                        const TallyUser     *user,
                                        const char          *code,
                                        const char          *address,
                                        TallyReferralResult *result,
                                        GError             **error);
/* Inside the writer, when a purchase of @user_id is paid: the first one
 * of a referred user gives the referrer and the user [referrals] bonus
 * credits each, two grants from the promotions account whose ids derive
 * from the referred user, so they are given once; unless accounts signed
 * up from the same address have brought [referrals] max-per-address
 * bonuses already (then the referral is refused, for good). */
gboolean tally_referrals_reward        (TallyServer         *server,
                                        const char          *user_id,
                                        GError             **error);
/* The bonus grants' ids, for @referred_user_id. */
void     tally_referral_bonus_ids      (const char          *referred_user_id,
                                        char                 referrer_id[TALLY_UUID_LEN],
                                        char                 referred_id[TALLY_UUID_LEN]);

G_END_DECLS
