/* tally-pricing.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TALLY_PRICING_ERROR (tally_pricing_error_quark ())

typedef enum
{
  /* Units outside [min_units, max_units], or an input that cannot be priced. */
  TALLY_PRICING_ERROR_OUT_OF_RANGE,
  /* The cost does not fit in an int64. */
  TALLY_PRICING_ERROR_OVERFLOW,
} TallyPricingError;

/* cost = max (minimum, base + rate * ceil (units / per)), all in integers. */
typedef struct _TallyPriceRule
{
  gint64 base;
  gint64 rate;
  gint64 per;
  gint64 minimum;
  /* Smallest and largest units one run may have. */
  gint64 min_units;
  gint64 max_units;
  /* What a run usually measures, when the user has no history. */
  gint64 typical_units;
} TallyPriceRule;

typedef struct _TallyEstimate
{
  gint64 min;
  gint64 typical;
  gint64 max;
  /* Units the given inputs measure, or -1 when they do not say. */
  gint64 units;
} TallyEstimate;

/* Runs needed before a user's own median replaces the declared typical. */
#define TALLY_ESTIMATE_MIN_HISTORY 5

GQuark   tally_pricing_error_quark (void);
gboolean tally_price_rule_validate (const TallyPriceRule *rule,
                                    GError              **error);
gboolean tally_price_rule_cost     (const TallyPriceRule *rule,
                                    gint64                units,
                                    gint64               *cost,
                                    GError              **error);
gboolean tally_price_rule_estimate (const TallyPriceRule *rule,
                                    gint64                units,
                                    const gint64         *past_costs,
                                    gsize                 n_past_costs,
                                    TallyEstimate        *estimate,
                                    GError              **error);

G_END_DECLS
