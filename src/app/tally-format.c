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

char *
tally_format_limits (gint64 per_run,
                     gint64 daily,
                     gint64 monthly)
{
  g_autofree char *run = per_run > 0 ? tally_format_credits (per_run) : NULL;
  g_autofree char *day = daily > 0 ? tally_format_credits (daily) : NULL;
  g_autofree char *month = monthly > 0 ? tally_format_credits (monthly) : NULL;
  g_autofree char *day_words = NULL;
  g_autofree char *month_words = NULL;

  if (run == NULL && day == NULL && month == NULL)
    return g_strdup (_("No spend limits"));

  /* Translators: a spend cap: "100 credits a day" */
  day_words = day != NULL ? g_strdup_printf (_("%s a day"), day) : g_strdup (_("no daily limit"));
  /* Translators: a spend cap: "2,000 credits a month" */
  month_words = month != NULL ? g_strdup_printf (_("%s a month"), month)
                              : g_strdup (_("no monthly limit"));
  if (run == NULL)
    /* Translators: the daily cap, then the monthly one: "100 credits a day, no monthly limit" */
    return g_strdup_printf (_("%s, %s"), day_words, month_words);
  /* Translators: the three caps: "at most 40 credits a run, 100 credits a day, no monthly limit" */
  return g_strdup_printf (_("at most %s a run, %s, %s"), run, day_words, month_words);
}
