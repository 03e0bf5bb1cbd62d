/* tally-api-gifts.h: what the gifts and referrals API shares with sign-up
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-referrals.h"
#include "tally-request.h"

G_BEGIN_DECLS

/* The answer to a referral @result that is not OK; a code that is the
 * user's own is a 400 naming @field. */
void tally_api_respond_referral_refused (TallyRequest        *request,
                                         TallyReferralResult  result,
                                         const char          *field);

G_END_DECLS
