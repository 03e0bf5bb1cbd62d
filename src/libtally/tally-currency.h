/* tally-currency.h: how many decimals a currency's amounts have
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Amounts of money are integers in the currency's ISO 4217 minor unit:
 * cents for EUR (2 decimals), yen for JPY (0), fils for KWD (3), krónur
 * for ISK (0). The server's receipts and the app's prices both ask here,
 * so they never disagree. @currency is an ISO 4217 code in either case;
 * one not in the table has 2. */
guint    tally_currency_decimals       (const char *currency);

/* @amount written with @decimals decimals and @point between the whole
 * and the fraction ("1.234" for 1234 and 3); integers only, so
 * G_MININT64 too. With @grouping, the whole part is grouped as the C
 * locale's LC_NUMERIC says (printf's ' flag). */
char    *tally_currency_format_number  (gint64      amount,
                                        guint       decimals,
                                        const char *point,
                                        gboolean    grouping);

/* @amount (ISO minor units) in Stripe's unit for @currency, which differs
 * for a few (Stripe takes ISK with two decimals, MGA with none). Returns
 * FALSE when Stripe cannot take the amount exactly (a fraction of its
 * unit) or it overflows. */
gboolean tally_currency_to_stripe      (gint64      amount,
                                        const char *currency,
                                        gint64     *stripe_amount);

G_END_DECLS
