/* tally-session-gifts.h: the user's referral code and what it earned
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-session.h"

G_BEGIN_DECLS

typedef struct
{
  char   *code;
  char   *url;
  /* Credits each side gets for a referral's first purchase. */
  gint64  bonus;
  /* Who signed up with the code, how many of them earned the bonus, and
   * the credits the user earned. */
  gint64  referred;
  gint64  rewarded;
  gint64  earned;
} TallyReferralInfo;

void tally_referral_info_free (TallyReferralInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyReferralInfo, tally_referral_info_free)

/* GET /v1/me/referral. */
void               tally_session_load_referral_async  (TallySession         *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
TallyReferralInfo *tally_session_load_referral_finish (TallySession         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
