/* tally-plan.h: a subscription plan on sale (GET /v1/plans)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_PLAN (tally_plan_get_type ())

G_DECLARE_FINAL_TYPE (TallyPlan, tally_plan, TALLY, PLAN, GObject)

/* NULL with @error when @object is not a plan of the API. */
TallyPlan  *tally_plan_new_from_json (JsonObject  *object,
                                      GError     **error);
const char *tally_plan_get_id        (TallyPlan   *self);
const char *tally_plan_get_name      (TallyPlan   *self);
/* Credits granted for each month paid. */
gint64      tally_plan_get_credits   (TallyPlan   *self);
/* A month's price, in the currency's minor units. */
gint64      tally_plan_get_amount    (TallyPlan   *self);
const char *tally_plan_get_currency  (TallyPlan   *self);
/* "€9.00" */
char       *tally_plan_format_price  (TallyPlan   *self);

G_END_DECLS
