/* tally-currency.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-currency.h"

/* The currencies whose minor unit is not a hundredth, in Stripe's
 * counting (which is ISO 4217's, except that Stripe takes ISK with two
 * decimals and MGA with none). */
static const struct
{
  const char *code;
  guint       decimals;
} exceptions[] = {
  { "bhd", 3 }, { "bif", 0 }, { "clp", 0 }, { "djf", 0 }, { "gnf", 0 }, { "jod", 3 },
  { "jpy", 0 }, { "kmf", 0 }, { "krw", 0 }, { "kwd", 3 }, { "mga", 0 }, { "omr", 3 },
  { "pyg", 0 }, { "rwf", 0 }, { "tnd", 3 }, { "ugx", 0 }, { "vnd", 0 }, { "vuv", 0 },
  { "xaf", 0 }, { "xof", 0 }, { "xpf", 0 },
};

guint
tally_currency_decimals (const char *currency)
{
  g_return_val_if_fail (currency != NULL, 2);

  for (gsize i = 0; i < G_N_ELEMENTS (exceptions); i++)
    {
      if (g_ascii_strcasecmp (currency, exceptions[i].code) == 0)
        return exceptions[i].decimals;
    }

  return 2;
}
