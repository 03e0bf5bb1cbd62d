/* tally-pricing.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pricing.h"

/* The most past runs a median looks at: the first entries of past_costs,
 * which the caller gives most recent first. Enough for a stable median, and
 * small enough to sort on the stack every time the user types a key. */
#define MAX_HISTORY 64

G_DEFINE_QUARK (tally-pricing-error-quark, tally_pricing_error)

static gboolean
fail_out_of_range (GError     **error,
                   const char  *field,
                   const char  *message)
{
  g_set_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE,
               "%s: %s", field, message);
  return FALSE;
}

/* The checks that make the rule well formed, without pricing anything:
 * tally_price_rule_cost() needs them to divide safely, and the overflow
 * check of tally_price_rule_validate() needs cost(). */
static gboolean
check_fields (const TallyPriceRule  *rule,
              GError               **error)
{
  if (rule->base < 0)
    return fail_out_of_range (error, "base", "must not be negative");
  if (rule->rate < 0)
    return fail_out_of_range (error, "rate", "must not be negative");
  if (rule->per <= 0)
    return fail_out_of_range (error, "per", "must be a positive integer");
  if (rule->minimum < 0)
    return fail_out_of_range (error, "minimum", "must not be negative");
  if (rule->min_units < 0)
    return fail_out_of_range (error, "min_units", "must not be negative");
  if (rule->max_units < rule->min_units)
    return fail_out_of_range (error, "max_units", "must not be less than min_units");
  if (rule->typical_units < rule->min_units || rule->typical_units > rule->max_units)
    return fail_out_of_range (error, "typical_units", "must be within [min_units, max_units]");

  return TRUE;
}

/* Assumes check_fields() passed and @units is within range, so that the
 * division is safe and every term is non-negative. */
static gboolean
compute_cost (const TallyPriceRule  *rule,
              gint64                 units,
              gint64                *cost,
              GError               **error)
{
  gint64 blocks;
  gint64 variable;
  gint64 total;

  /* ceil (units / per) without the units + per - 1 that could overflow. */
  blocks = units / rule->per + (units % rule->per != 0 ? 1 : 0);

  if (__builtin_mul_overflow (rule->rate, blocks, &variable) ||
      __builtin_add_overflow (rule->base, variable, &total))
    {
      g_set_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OVERFLOW,
                   "The cost of %" G_GINT64_FORMAT " units does not fit in 64 bits",
                   units);
      return FALSE;
    }

  *cost = MAX (rule->minimum, total);
  return TRUE;
}

gboolean
tally_price_rule_validate (const TallyPriceRule  *rule,
                           GError               **error)
{
  gint64 cost;

  g_return_val_if_fail (rule != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_fields (rule, error))
    return FALSE;

  /* The cost grows with the units, so when the largest run can be priced
   * every run can: no estimate of a valid rule ever overflows. */
  if (!compute_cost (rule, rule->max_units, &cost, NULL))
    {
      g_set_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OVERFLOW,
                   "max_units: the cost of %" G_GINT64_FORMAT " units does not fit in 64 bits",
                   rule->max_units);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_price_rule_cost (const TallyPriceRule  *rule,
                       gint64                 units,
                       gint64                *cost,
                       GError               **error)
{
  g_return_val_if_fail (rule != NULL, FALSE);
  g_return_val_if_fail (cost != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_fields (rule, error))
    return FALSE;

  if (units < rule->min_units || units > rule->max_units)
    {
      g_set_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE,
                   "%" G_GINT64_FORMAT " units is outside the allowed range "
                   "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                   units, rule->min_units, rule->max_units);
      return FALSE;
    }

  return compute_cost (rule, units, cost, error);
}

/* The lower middle of the first MAX_HISTORY costs, so that the answer is
 * always one of the user's real costs and stays an integer. */
static gint64
median_of_recent (const gint64 *past_costs,
                  gsize         n_past_costs)
{
  gint64 sorted[MAX_HISTORY];
  gsize n = MIN (n_past_costs, MAX_HISTORY);
  gsize i;

  /* Insertion sort: at most 64 items, no allocation, no callback. */
  for (i = 0; i < n; i++)
    {
      gint64 value = past_costs[i];
      gsize j = i;

      for (; j > 0 && sorted[j - 1] > value; j--)
        sorted[j] = sorted[j - 1];
      sorted[j] = value;
    }

  return sorted[(n - 1) / 2];
}

static gboolean
estimate_typical (const TallyPriceRule  *rule,
                  gint64                 units,
                  const gint64          *past_costs,
                  gsize                  n_past_costs,
                  gint64                *typical,
                  GError               **error)
{
  if (n_past_costs >= TALLY_ESTIMATE_MIN_HISTORY)
    {
      *typical = median_of_recent (past_costs, n_past_costs);
      return TRUE;
    }

  if (units >= 0)
    return tally_price_rule_cost (rule, units, typical, error);

  return tally_price_rule_cost (rule, rule->typical_units, typical, error);
}

gboolean
tally_price_rule_estimate (const TallyPriceRule  *rule,
                           gint64                 units,
                           const gint64          *past_costs,
                           gsize                  n_past_costs,
                           TallyEstimate         *estimate,
                           GError               **error)
{
  gint64 min;
  gint64 max;
  gint64 typical;

  g_return_val_if_fail (rule != NULL, FALSE);
  g_return_val_if_fail (past_costs != NULL || n_past_costs == 0, FALSE);
  g_return_val_if_fail (estimate != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!tally_price_rule_cost (rule, rule->min_units, &min, error))
    return FALSE;

  /* max is what the hold will be: the measured run when the inputs say,
   * else the largest run the tool allows. */
  if (!tally_price_rule_cost (rule, units >= 0 ? units : rule->max_units, &max, error))
    return FALSE;

  if (!estimate_typical (rule, units, past_costs, n_past_costs, &typical, error))
    return FALSE;

  estimate->min = min;
  estimate->max = max;
  estimate->typical = CLAMP (typical, min, max);
  estimate->units = units >= 0 ? units : -1;

  return TRUE;
}
