/* test-pricing.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pricing.h"

/* 2 + 3 credits per started block of 10 units, at least 5. */
static const TallyPriceRule sample_rule = {
  .base = 2,
  .rate = 3,
  .per = 10,
  .minimum = 5,
  .min_units = 0,
  .max_units = 1000,
  .typical_units = 25,
};

static gint64
cost_of (const TallyPriceRule *rule,
         gint64                units)
{
  g_autoptr(GError) error = NULL;
  gint64 cost = -1;

  g_assert_true (tally_price_rule_cost (rule, units, &cost, &error));
  g_assert_no_error (error);

  return cost;
}

static void
assert_cost_fails (const TallyPriceRule *rule,
                   gint64                units,
                   TallyPricingError     code)
{
  g_autoptr(GError) error = NULL;
  gint64 cost = -7;

  g_assert_false (tally_price_rule_cost (rule, units, &cost, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, (int) code);
  g_assert_cmpint (cost, ==, -7);
}

static void
test_cost_boundaries (void)
{
  TallyPriceRule rule = sample_rule;

  /* The minimum floors small runs. */
  g_assert_cmpint (cost_of (&rule, 0), ==, 5);
  g_assert_cmpint (cost_of (&rule, 1), ==, 5);
  /* ceil (units / per): a started block is a whole block. */
  g_assert_cmpint (cost_of (&rule, 10), ==, 5);
  g_assert_cmpint (cost_of (&rule, 11), ==, 8);
  g_assert_cmpint (cost_of (&rule, 20), ==, 8);
  g_assert_cmpint (cost_of (&rule, 21), ==, 11);
  g_assert_cmpint (cost_of (&rule, 999), ==, 302);
  g_assert_cmpint (cost_of (&rule, 1000), ==, 302);

  rule.min_units = 3;
  g_assert_cmpint (cost_of (&rule, 3), ==, 5);

  /* per = 1: every unit counts. */
  rule.per = 1;
  rule.minimum = 0;
  g_assert_cmpint (cost_of (&rule, 3), ==, 11);
  g_assert_cmpint (cost_of (&rule, 1000), ==, 3002);

  /* A free tool. */
  rule = (TallyPriceRule) { .per = 1, .max_units = 10 };
  g_assert_cmpint (cost_of (&rule, 10), ==, 0);
}

static void
test_cost_out_of_range (void)
{
  TallyPriceRule rule = sample_rule;

  assert_cost_fails (&rule, -1, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  assert_cost_fails (&rule, 1001, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  assert_cost_fails (&rule, G_MININT64, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  assert_cost_fails (&rule, G_MAXINT64, TALLY_PRICING_ERROR_OUT_OF_RANGE);

  rule.min_units = 1;
  assert_cost_fails (&rule, 0, TALLY_PRICING_ERROR_OUT_OF_RANGE);

  /* A malformed rule is refused rather than divided by zero. */
  rule.per = 0;
  assert_cost_fails (&rule, 5, TALLY_PRICING_ERROR_OUT_OF_RANGE);
}

static void
test_cost_overflow (void)
{
  TallyPriceRule rule = { .rate = G_MAXINT64, .per = 1, .max_units = 2 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (cost_of (&rule, 1), ==, G_MAXINT64);
  assert_cost_fails (&rule, 2, TALLY_PRICING_ERROR_OVERFLOW);
  g_assert_false (tally_price_rule_validate (&rule, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OVERFLOW);
  g_clear_error (&error);

  /* The addition overflows, not the multiplication. */
  rule = (TallyPriceRule) { .base = G_MAXINT64, .rate = 1, .per = 1, .max_units = 1 };
  g_assert_cmpint (cost_of (&rule, 0), ==, G_MAXINT64);
  assert_cost_fails (&rule, 1, TALLY_PRICING_ERROR_OVERFLOW);

  /* Units at INT64_MAX: the ceiling must not compute units + per - 1. */
  rule = (TallyPriceRule) { .rate = 1, .per = 2, .max_units = G_MAXINT64 };
  g_assert_cmpint (cost_of (&rule, G_MAXINT64), ==, G_MAXINT64 / 2 + 1);
  g_assert_true (tally_price_rule_validate (&rule, &error));
  g_assert_no_error (error);

  rule = (TallyPriceRule) { .base = 1, .rate = 1, .per = 1, .max_units = G_MAXINT64 };
  assert_cost_fails (&rule, G_MAXINT64, TALLY_PRICING_ERROR_OVERFLOW);
  g_assert_cmpint (cost_of (&rule, G_MAXINT64 - 1), ==, G_MAXINT64);

  /* Two factors whose product wraps around to zero. */
  rule = (TallyPriceRule) { .rate = G_GINT64_CONSTANT (1) << 32, .per = 1,
                            .max_units = G_GINT64_CONSTANT (1) << 32 };
  assert_cost_fails (&rule, G_GINT64_CONSTANT (1) << 32, TALLY_PRICING_ERROR_OVERFLOW);
}

static void
assert_invalid_rule (const TallyPriceRule *rule,
                     const char           *field)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_price_rule_validate (rule, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  g_assert_true (g_str_has_prefix (error->message, field));
}

static void
test_validate (void)
{
  TallyPriceRule rule;
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_price_rule_validate (&sample_rule, &error));
  g_assert_no_error (error);

  rule = sample_rule;
  rule.per = 0;
  assert_invalid_rule (&rule, "per: must be a positive integer");
  rule.per = -10;
  assert_invalid_rule (&rule, "per:");

  rule = sample_rule;
  rule.base = -1;
  assert_invalid_rule (&rule, "base:");

  rule = sample_rule;
  rule.rate = -1;
  assert_invalid_rule (&rule, "rate:");

  rule = sample_rule;
  rule.minimum = -1;
  assert_invalid_rule (&rule, "minimum:");

  rule = sample_rule;
  rule.min_units = -1;
  assert_invalid_rule (&rule, "min_units:");

  rule = sample_rule;
  rule.max_units = -1;
  assert_invalid_rule (&rule, "max_units:");

  rule = sample_rule;
  rule.typical_units = 1001;
  assert_invalid_rule (&rule, "typical_units:");
  rule.min_units = 30;
  rule.typical_units = 29;
  assert_invalid_rule (&rule, "typical_units:");
}

static TallyEstimate
estimate_of (const TallyPriceRule *rule,
             gint64                units,
             const gint64         *past_costs,
             gsize                 n_past_costs)
{
  g_autoptr(GError) error = NULL;
  TallyEstimate estimate = { -9, -9, -9, -9 };

  g_assert_true (tally_price_rule_estimate (rule, units, past_costs, n_past_costs,
                                            &estimate, &error));
  g_assert_no_error (error);
  g_assert_cmpint (estimate.min, <=, estimate.typical);
  g_assert_cmpint (estimate.typical, <=, estimate.max);

  return estimate;
}

static void
test_estimate_without_history (void)
{
  TallyPriceRule rule = sample_rule;
  TallyEstimate estimate;

  /* Nothing measured yet: the hold is the largest run. */
  estimate = estimate_of (&rule, -1, NULL, 0);
  g_assert_cmpint (estimate.min, ==, 5);
  g_assert_cmpint (estimate.typical, ==, 11);
  g_assert_cmpint (estimate.max, ==, 302);
  g_assert_cmpint (estimate.units, ==, -1);

  /* Measured: max and typical are that run. */
  estimate = estimate_of (&rule, 42, NULL, 0);
  g_assert_cmpint (estimate.min, ==, 5);
  g_assert_cmpint (estimate.typical, ==, 17);
  g_assert_cmpint (estimate.max, ==, 17);
  g_assert_cmpint (estimate.units, ==, 42);

  /* min never goes below the minimum, even for zero units. */
  estimate = estimate_of (&rule, 0, NULL, 0);
  g_assert_cmpint (estimate.min, ==, 5);
  g_assert_cmpint (estimate.typical, ==, 5);
  g_assert_cmpint (estimate.max, ==, 5);

  rule.min_units = 100;
  rule.typical_units = 100;
  estimate = estimate_of (&rule, -1, NULL, 0);
  g_assert_cmpint (estimate.min, ==, 32);
}

static void
test_estimate_out_of_range (void)
{
  g_autoptr(GError) error = NULL;
  TallyEstimate estimate;

  g_assert_false (tally_price_rule_estimate (&sample_rule, 1001, NULL, 0, &estimate, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE);
}

static void
test_estimate_median (void)
{
  const gint64 four[] = { 100, 100, 100, 100 };
  const gint64 odd[] = { 50, 10, 40, 20, 30 };
  const gint64 even[] = { 60, 10, 50, 20, 40, 30 };
  gint64 copy[G_N_ELEMENTS (odd)];
  TallyEstimate estimate;

  /* Fewer than TALLY_ESTIMATE_MIN_HISTORY runs: the declared typical. */
  G_STATIC_ASSERT (G_N_ELEMENTS (four) < TALLY_ESTIMATE_MIN_HISTORY);
  estimate = estimate_of (&sample_rule, -1, four, G_N_ELEMENTS (four));
  g_assert_cmpint (estimate.typical, ==, 11);
  estimate = estimate_of (&sample_rule, 42, four, G_N_ELEMENTS (four));
  g_assert_cmpint (estimate.typical, ==, 17);

  memcpy (copy, odd, sizeof odd);
  estimate = estimate_of (&sample_rule, -1, copy, G_N_ELEMENTS (copy));
  g_assert_cmpint (estimate.typical, ==, 30);
  /* The caller's history is left as it was. */
  g_assert_cmpmem (copy, sizeof copy, odd, sizeof odd);

  /* An even count takes the lower middle, so it stays a real cost. */
  estimate = estimate_of (&sample_rule, -1, even, G_N_ELEMENTS (even));
  g_assert_cmpint (estimate.typical, ==, 30);
}

static void
test_estimate_median_clamped (void)
{
  const gint64 expensive[] = { 500, 400, 900, 700, 600 };
  const gint64 cheap[] = { 0, 1, 2, 0, 1 };
  TallyEstimate estimate;

  /* Past runs were bigger than this one: typical cannot exceed the hold. */
  estimate = estimate_of (&sample_rule, 42, expensive, G_N_ELEMENTS (expensive));
  g_assert_cmpint (estimate.typical, ==, 17);
  g_assert_cmpint (estimate.max, ==, 17);

  estimate = estimate_of (&sample_rule, -1, expensive, G_N_ELEMENTS (expensive));
  g_assert_cmpint (estimate.typical, ==, 302);

  /* Nor fall below the cheapest run (for instance after a price rise). */
  estimate = estimate_of (&sample_rule, -1, cheap, G_N_ELEMENTS (cheap));
  g_assert_cmpint (estimate.typical, ==, 5);
}

static void
test_estimate_long_history (void)
{
  g_autofree gint64 *history = g_new (gint64, 1000);
  TallyEstimate estimate;

  /* The 64 most recent runs come first and are all that count. */
  for (guint i = 0; i < 1000; i++)
    history[i] = i < 64 ? 20 : 200;

  estimate = estimate_of (&sample_rule, -1, history, 1000);
  g_assert_cmpint (estimate.typical, ==, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pricing/cost/boundaries", test_cost_boundaries);
  g_test_add_func ("/pricing/cost/out-of-range", test_cost_out_of_range);
  g_test_add_func ("/pricing/cost/overflow", test_cost_overflow);
  g_test_add_func ("/pricing/validate", test_validate);
  g_test_add_func ("/pricing/estimate/without-history", test_estimate_without_history);
  g_test_add_func ("/pricing/estimate/out-of-range", test_estimate_out_of_range);
  g_test_add_func ("/pricing/estimate/median", test_estimate_median);
  g_test_add_func ("/pricing/estimate/median-clamped", test_estimate_median_clamped);
  g_test_add_func ("/pricing/estimate/long-history", test_estimate_long_history);

  return g_test_run ();
}
