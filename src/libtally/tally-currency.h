/* tally-currency.h: how many decimals a currency's amounts have
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Amounts of money are integers in the currency's minor unit, as Stripe
 * counts them: cents for EUR (2 decimals), yen for JPY (0), fils for KWD
 * (3). The server's receipts and the app's prices both ask here, so they
 * never disagree. @currency is an ISO 4217 code in either case. */
guint tally_currency_decimals (const char *currency);

G_END_DECLS
