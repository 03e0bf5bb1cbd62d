/* tally-analytics.h: the figures of GET /v1/admin/analytics, without the
 * HTTP: popular tools, consumption by hour and weekday, purchase patterns
 * and the sign-up funnel
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-store.h"

G_BEGIN_DECLS

/* The default range: the 30 days before its end. */
#define TALLY_ANALYTICS_DEFAULT_DAYS 30
/* The longest range, in days (about ten years). */
#define TALLY_ANALYTICS_MAX_DAYS 3660

typedef struct
{
  /* Microseconds UTC; 0 for the defaults (until: now; since: 30 days
   * before until). */
  gint64 since;
  gint64 until;
  gint64 now;
} TallyAnalyticsQuery;

typedef enum
{
  TALLY_ANALYTICS_OK,
  /* since is not before until. */
  TALLY_ANALYTICS_EMPTY_RANGE,
  /* More than TALLY_ANALYTICS_MAX_DAYS. */
  TALLY_ANALYTICS_TOO_LONG,
  TALLY_ANALYTICS_FAILED,
} TallyAnalyticsResult;

typedef struct
{
  char   tool_id[TALLY_TOOL_ID_MAX];
  gint64 runs;
  gint64 credits;
  gint64 users;
} TallyAnalyticsTool;

typedef struct
{
  gint64 credits;
  gint64 runs;
} TallyAnalyticsSlot;

typedef enum
{
  TALLY_FUNNEL_REGISTERED,
  TALLY_FUNNEL_FIRST_RUN,
  TALLY_FUNNEL_FIRST_PURCHASE,
  TALLY_FUNNEL_SECOND_PURCHASE,
  TALLY_FUNNEL_N_STEPS
} TallyFunnelStep;

typedef struct
{
  gint64 users;
  gint64 per_mille_of_registered;
  gint64 per_mille_of_previous;
} TallyAnalyticsStep;

typedef struct
{
  /* The range, widened to whole hours. */
  gint64               since;
  gint64               until;
  /* TallyAnalyticsTool, most credits first. */
  GArray              *tools;
  TallyAnalyticsSlot   by_hour[24];
  /* Monday first. */
  TallyAnalyticsSlot   by_weekday[7];
  /* TallyAnalyticsPack, most purchases first. */
  GArray              *packs;
  TallyAnalyticsBuyers buyers;
  gint64               repeat_rate_per_mille;
  /* -1 when no buyer bought twice in the range. */
  gint64               median_seconds_between;
  TallyAnalyticsStep   funnel[TALLY_FUNNEL_N_STEPS];
} TallyAnalytics;

const char          *tally_funnel_step_to_string (TallyFunnelStep            step);

/* Fills @analytics (to free with tally_analytics_clear()) for @query;
 * TALLY_ANALYTICS_FAILED sets @error. */
TallyAnalyticsResult tally_analytics_compute     (TallyApiStore              *store,
                                                  const TallyAnalyticsQuery  *query,
                                                  TallyAnalytics             *analytics,
                                                  GError                    **error);
void                 tally_analytics_clear       (TallyAnalytics            *analytics);

/* @part × 1000 / @whole, rounded down; 0 when @whole is 0. */
gint64               tally_per_mille             (gint64                     part,
                                                  gint64                     whole);
/* The median of @values (sorted ascending, gint64; the lower middle of an
 * even count), or -1 when there are none. */
gint64               tally_median                (GArray                    *values);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyAnalytics, tally_analytics_clear)

G_END_DECLS
