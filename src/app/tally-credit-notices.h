/* tally-credit-notices.h: words for the credits that come and go without
 * the user doing anything (grants, refunds, adjustments, expiry)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-cache.h"

G_BEGIN_DECLS

#define TALLY_TYPE_CREDIT_NOTICES (tally_credit_notices_get_type ())

G_DECLARE_FINAL_TYPE (TallyCreditNotices, tally_credit_notices, TALLY, CREDIT_NOTICES, GObject)

/* Watches @cache for transfers on @account_id that arrive after now and
 * emits ::notice with a sentence for each: the window shows it as a toast
 * and, when it is not focused, a desktop notification. Runs and purchases
 * have their own pages' messages and are left out; a gift someone bought
 * for the user is ::gift instead. */
TallyCreditNotices *tally_credit_notices_new (TallyCache *cache,
                                              const char *account_id);

G_END_DECLS
