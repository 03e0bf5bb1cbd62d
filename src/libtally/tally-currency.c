/* tally-currency.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-currency.h"

/* The active ISO 4217 currencies whose minor unit is not a hundredth
 * (the standard's list of 2024; funds codes included). */
static const struct
{
  const char *code;
  guint       decimals;
} exceptions[] = {
  { "bhd", 3 }, { "bif", 0 }, { "clf", 4 }, { "clp", 0 }, { "djf", 0 }, { "gnf", 0 },
  { "iqd", 3 }, { "isk", 0 }, { "jod", 3 }, { "jpy", 0 }, { "kmf", 0 }, { "krw", 0 },
  { "kwd", 3 }, { "lyd", 3 }, { "omr", 3 }, { "pyg", 0 }, { "rwf", 0 }, { "tnd", 3 },
  { "ugx", 0 }, { "uyi", 0 }, { "uyw", 4 }, { "vnd", 0 }, { "vuv", 0 }, { "xaf", 0 },
  { "xof", 0 }, { "xpf", 0 },
};

/* Where Stripe counts otherwise than ISO 4217 (its "special cases"). */
static const struct
{
  const char *code;
  guint       decimals;
} stripe_exceptions[] = {
  { "isk", 2 }, { "mga", 0 },
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

static guint
stripe_decimals (const char *currency)
{
  for (gsize i = 0; i < G_N_ELEMENTS (stripe_exceptions); i++)
    {
      if (g_ascii_strcasecmp (currency, stripe_exceptions[i].code) == 0)
        return stripe_exceptions[i].decimals;
    }

  return tally_currency_decimals (currency);
}

static guint64
power_of_ten (guint exponent)
{
  guint64 power = 1;

  for (guint i = 0; i < exponent; i++)
    power *= 10;
  return power;
}

char *
tally_currency_format_number (gint64      amount,
                              guint       decimals,
                              const char *point,
                              gboolean    grouping)
{
  /* Unsigned, so that G_MININT64 has a magnitude too. */
  guint64 magnitude = amount < 0 ? -(guint64) amount : (guint64) amount;
  guint64 unit;
  const char *sign = amount < 0 ? "-" : "";

  g_return_val_if_fail (decimals <= 18, NULL);
  g_return_val_if_fail (point != NULL, NULL);

  unit = power_of_ten (decimals);
  if (decimals == 0)
    return grouping ? g_strdup_printf ("%s%'" G_GUINT64_FORMAT, sign, magnitude)
                    : g_strdup_printf ("%s%" G_GUINT64_FORMAT, sign, magnitude);

  if (grouping)
    return g_strdup_printf ("%s%'" G_GUINT64_FORMAT "%s%0*" G_GUINT64_FORMAT, sign,
                            magnitude / unit, point, (int) decimals, magnitude % unit);
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT "%s%0*" G_GUINT64_FORMAT, sign,
                          magnitude / unit, point, (int) decimals, magnitude % unit);
}

gboolean
tally_currency_to_stripe (gint64      amount,
                          const char *currency,
                          gint64     *stripe_amount)
{
  guint iso, stripe;
  gint64 factor;

  g_return_val_if_fail (currency != NULL, FALSE);
  g_return_val_if_fail (stripe_amount != NULL, FALSE);

  iso = tally_currency_decimals (currency);
  stripe = stripe_decimals (currency);
  if (stripe >= iso)
    {
      factor = (gint64) power_of_ten (stripe - iso);
      if (amount > G_MAXINT64 / factor || amount < G_MININT64 / factor)
        return FALSE;
      *stripe_amount = amount * factor;
      return TRUE;
    }

  factor = (gint64) power_of_ten (iso - stripe);
  if (amount % factor != 0)
    return FALSE;
  *stripe_amount = amount / factor;
  return TRUE;
}
