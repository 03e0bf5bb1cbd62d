/* tally-format.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tally-currency.h"
#include "tally-format.h"

char *
tally_format_credits (gint64 credits)
{
  g_autofree char *number = g_strdup_printf ("%'" G_GINT64_FORMAT, credits);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s credit", "%s credits",
                                       credits == 1 || credits == -1 ? 1 : 2),
                          number);
}

static const char *
currency_symbol (const char *currency)
{
  if (g_ascii_strcasecmp (currency, "eur") == 0)
    return "€";
  if (g_ascii_strcasecmp (currency, "usd") == 0)
    return "$";
  if (g_ascii_strcasecmp (currency, "gbp") == 0)
    return "£";
  return NULL;
}

/* @value in units of 10^-@decimals, with the locale's grouping and
 * decimal point. */
static char *
format_decimal (gint64 value,
                guint  decimals)
{
  const char *point = localeconv ()->decimal_point;

  return tally_currency_format_number (value, decimals,
                                       point != NULL && point[0] != '\0' ? point : ".", TRUE);
}

static char *
format_money (gint64      value,
              guint       decimals,
              const char *currency)
{
  g_autofree char *number = format_decimal (value, decimals);
  const char *symbol = currency_symbol (currency);
  g_autofree char *code = NULL;

  if (symbol != NULL)
    /* Translators: a price: "€10.00" */
    return g_strdup_printf (C_("price", "%s%s"), symbol, number);

  code = g_ascii_strup (currency, -1);
  /* Translators: a price without a currency symbol: "10.00 CHF" */
  return g_strdup_printf (C_("price", "%s %s"), number, code);
}

char *
tally_format_price (gint64      amount,
                    const char *currency)
{
  g_return_val_if_fail (currency != NULL, NULL);

  return format_money (amount, tally_currency_decimals (currency), currency);
}

char *
tally_format_price_per_credit (gint64      amount,
                               const char *currency,
                               gint64      credits)
{
  g_return_val_if_fail (currency != NULL, NULL);
  g_return_val_if_fail (credits > 0, NULL);

  /* In hundredths of the minor unit, rounded to the nearest. */
  return format_money ((amount * 100 + credits / 2) / credits,
                       tally_currency_decimals (currency) + 2, currency);
}

char *
tally_format_day (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_return_val_if_fail (time != NULL, NULL);

  local = g_date_time_to_local (time);
  if (g_date_time_get_year (local) == g_date_time_get_year (now))
    /* Translators: a day in this year, as g_date_time_format() takes it: "3 January" */
    return g_date_time_format (local, C_("day", "%-d %B"));
  /* Translators: a day in another year: "3 January 2028" */
  return g_date_time_format (local, C_("day", "%-d %B %Y"));
}
