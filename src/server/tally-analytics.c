/* tally-analytics.c: the figures of GET /v1/admin/analytics
 * (docs/operations.md, "Analytics")
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-analytics.h"

#define USEC_PER_HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)

static const char * const step_names[] = {
  [TALLY_FUNNEL_REGISTERED] = "registered",
  [TALLY_FUNNEL_FIRST_RUN] = "first_run",
  [TALLY_FUNNEL_FIRST_PURCHASE] = "first_purchase",
  [TALLY_FUNNEL_SECOND_PURCHASE] = "second_purchase",
};

const char *
tally_funnel_step_to_string (TallyFunnelStep step)
{
  g_return_val_if_fail ((guint) step < G_N_ELEMENTS (step_names), NULL);

  return step_names[step];
}

gint64
tally_per_mille (gint64 part,
                 gint64 whole)
{
  return whole > 0 ? part * 1000 / whole : 0;
}

gint64
tally_median (GArray *values)
{
  if (values->len == 0)
    return -1;
  return g_array_index (values, gint64, (values->len - 1) / 2);
}

void
tally_analytics_clear (TallyAnalytics *analytics)
{
  g_clear_pointer (&analytics->tools, g_array_unref);
  g_clear_pointer (&analytics->packs, g_array_unref);
}

/* The range as whole hours, since rounded down and until up, because the
 * ledger sums consumption by the hour. */
static TallyAnalyticsResult
widen_range (const TallyAnalyticsQuery *query,
             TallyAnalytics            *analytics)
{
  gint64 until = query->until > 0 ? query->until : query->now;
  gint64 since = query->since > 0
                 ? query->since : until - TALLY_ANALYTICS_DEFAULT_DAYS * USEC_PER_DAY;

  if (since >= until)
    return TALLY_ANALYTICS_EMPTY_RANGE;
  if (until - since > TALLY_ANALYTICS_MAX_DAYS * USEC_PER_DAY)
    return TALLY_ANALYTICS_TOO_LONG;

  analytics->since = MAX (since, 0) / USEC_PER_HOUR * USEC_PER_HOUR;
  analytics->until = (until + USEC_PER_HOUR - 1) / USEC_PER_HOUR * USEC_PER_HOUR;
  return TALLY_ANALYTICS_OK;
}

static gint64
users_of_tool (GArray     *users,
               const char *tool_id)
{
  for (guint i = 0; i < users->len; i++)
    {
      const TallyAnalyticsToolUsers *row = &g_array_index (users, TallyAnalyticsToolUsers, i);

      if (g_str_equal (row->tool_id, tool_id))
        return row->users;
    }
  return 0;
}

static int
compare_tools (gconstpointer a,
               gconstpointer b)
{
  const TallyAnalyticsTool *x = a, *y = b;

  if (x->credits != y->credits)
    return x->credits > y->credits ? -1 : 1;
  if (x->runs != y->runs)
    return x->runs > y->runs ? -1 : 1;
  return strcmp (x->tool_id, y->tool_id);
}

static gboolean
compute_tools (TallyApiStore   *store,
               TallyAnalytics  *analytics,
               GError         **error)
{
  g_autoptr(GArray) consumption = NULL;
  g_autoptr(GArray) users = NULL;

  consumption = tally_api_store_analytics_consumption (store, TALLY_ANALYTICS_BY_TOOL,
                                                       analytics->since, analytics->until, error);
  if (consumption == NULL)
    return FALSE;
  users = tally_api_store_analytics_tool_users (store, analytics->since, analytics->until, error);
  if (users == NULL)
    return FALSE;

  analytics->tools = g_array_sized_new (FALSE, TRUE, sizeof (TallyAnalyticsTool),
                                        consumption->len);
  for (guint i = 0; i < consumption->len; i++)
    {
      const TallyAnalyticsConsumption *row = &g_array_index (consumption,
                                                             TallyAnalyticsConsumption, i);
      TallyAnalyticsTool tool = { .runs = row->runs, .credits = row->credits };

      g_strlcpy (tool.tool_id, row->tool_id, sizeof tool.tool_id);
      tool.users = users_of_tool (users, row->tool_id);
      g_array_append_val (analytics->tools, tool);
    }
  g_array_sort (analytics->tools, compare_tools);
  return TRUE;
}

/* Fills @slots (@n_slots of them) from the consumption grouped so. */
static gboolean
compute_slots (TallyApiStore           *store,
               TallyAnalyticsGrouping   grouping,
               TallyAnalytics          *analytics,
               TallyAnalyticsSlot      *slots,
               guint                    n_slots,
               GError                 **error)
{
  g_autoptr(GArray) rows = tally_api_store_analytics_consumption (store, grouping, analytics->since,
                                                                  analytics->until, error);

  if (rows == NULL)
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      const TallyAnalyticsConsumption *row = &g_array_index (rows, TallyAnalyticsConsumption, i);

      g_return_val_if_fail (row->slot < n_slots, FALSE);
      slots[row->slot].credits = row->credits;
      slots[row->slot].runs = row->runs;
    }
  return TRUE;
}

static gboolean
compute_purchases (TallyApiStore   *store,
                   TallyAnalytics  *analytics,
                   GError         **error)
{
  g_autoptr(GArray) gaps = NULL;

  analytics->packs = tally_api_store_analytics_packs (store, analytics->since, analytics->until,
                                                      error);
  if (analytics->packs == NULL)
    return FALSE;
  gaps = tally_api_store_analytics_gaps (store, analytics->since, analytics->until, error);
  if (gaps == NULL ||
      !tally_api_store_analytics_buyers (store, analytics->since, analytics->until,
                                         &analytics->buyers, error))
    return FALSE;

  analytics->repeat_rate_per_mille = tally_per_mille (analytics->buyers.repeat_buyers,
                                                      analytics->buyers.buyers);
  analytics->median_seconds_between = tally_median (gaps);
  if (analytics->median_seconds_between > 0)
    analytics->median_seconds_between /= G_USEC_PER_SEC;
  return TRUE;
}

static gboolean
compute_funnel (TallyApiStore   *store,
                TallyAnalytics  *analytics,
                GError         **error)
{
  TallyAnalyticsFunnel funnel = { 0 };
  gint64 users[TALLY_FUNNEL_N_STEPS];

  if (!tally_api_store_analytics_funnel (store, analytics->since, analytics->until, &funnel, error))
    return FALSE;

  users[TALLY_FUNNEL_REGISTERED] = funnel.registered;
  users[TALLY_FUNNEL_FIRST_RUN] = funnel.first_run;
  users[TALLY_FUNNEL_FIRST_PURCHASE] = funnel.first_purchase;
  users[TALLY_FUNNEL_SECOND_PURCHASE] = funnel.second_purchase;
  for (guint i = 0; i < TALLY_FUNNEL_N_STEPS; i++)
    {
      TallyAnalyticsStep *step = &analytics->funnel[i];

      step->users = users[i];
      step->per_mille_of_registered = tally_per_mille (users[i], funnel.registered);
      step->per_mille_of_previous = i == 0 ? 1000 : tally_per_mille (users[i], users[i - 1]);
    }
  return TRUE;
}

TallyAnalyticsResult
tally_analytics_compute (TallyApiStore              *store,
                         const TallyAnalyticsQuery  *query,
                         TallyAnalytics             *analytics,
                         GError                    **error)
{
  TallyAnalyticsResult result;

  memset (analytics, 0, sizeof *analytics);
  result = widen_range (query, analytics);
  if (result != TALLY_ANALYTICS_OK)
    return result;

  if (!compute_tools (store, analytics, error) ||
      !compute_slots (store, TALLY_ANALYTICS_BY_HOUR, analytics, analytics->by_hour,
                      G_N_ELEMENTS (analytics->by_hour), error) ||
      !compute_slots (store, TALLY_ANALYTICS_BY_WEEKDAY, analytics, analytics->by_weekday,
                      G_N_ELEMENTS (analytics->by_weekday), error) ||
      !compute_purchases (store, analytics, error) ||
      !compute_funnel (store, analytics, error))
    return TALLY_ANALYTICS_FAILED;

  return TALLY_ANALYTICS_OK;
}
