/* tally-format.h: credits and money as the app shows them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "1,234 credits", grouped as the user's locale groups digits. */
char *tally_format_credits          (gint64      credits);
/* "€10.00", or "10.000 KWD" for currencies without a symbol here: @amount
 * in the currency's minor units (libtally's tally_currency_decimals()),
 * @currency an ISO 4217 code in either case. */
char *tally_format_price            (gint64      amount,
                                     const char *currency);
/* The price of one credit, with two more decimals: "€0.0091". */
char *tally_format_price_per_credit (gint64      amount,
                                     const char *currency,
                                     gint64      credits);
/* A day in the user's time zone and words: "3 January", with the year
 * when it is not this year's ("3 January 2028"). */
char *tally_format_day              (GDateTime  *time);
/* Spend caps in words, 0 for none: "100 credits a day, no monthly
 * limit", after "at most 40 credits a run" when there is one; "No spend
 * limits" when there is none at all. */
char *tally_format_limits           (gint64      per_run,
                                     gint64      daily,
                                     gint64      monthly);

G_END_DECLS
