/* tally-usage.h: what an account spent, by day, week, month, tool and kind
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_USAGE_DAY,
  /* Weeks start on Monday (ISO 8601). */
  TALLY_USAGE_WEEK,
  TALLY_USAGE_MONTH,
  TALLY_USAGE_N_GRANULARITIES
} TallyUsageGranularity;

/* One bar: a local day, week or month of the account's time zone. */
typedef struct _TallyUsageBucket
{
  /* [start, end), microseconds UTC; start is a local midnight (or the end
   * of a DST gap where midnight does not exist). */
  gint64   start;
  gint64   end;
  /* The local date the bucket starts on. */
  guint16  year;
  guint8   month;
  guint8   day;
  /* Credits spent on tool runs: what a run cost once settled, what it
   * holds while pending, nothing once voided. Caps count the same. */
  gint64   spent;
  /* Runs that were not voided. */
  guint    runs;
} TallyUsageBucket;

typedef struct _TallyUsageTool
{
  char   tool_id[TALLY_TOOL_ID_MAX];
  /* Over the whole period the usage covers. */
  gint64 spent;
  guint  runs;
  /* This local month and the one before, for "whose cost rose". */
  gint64 spent_this_month;
  guint  runs_this_month;
  gint64 spent_last_month;
  guint  runs_last_month;
} TallyUsageTool;

/* Every transfer of one kind over the period, from the account's side. */
typedef struct _TallyUsageKind
{
  /* Credits that came in (purchases, grants, refunds, allocations to it). */
  gint64 credited;
  /* Credits that went out (runs, allocations from it, expiry). */
  gint64 debited;
  guint  count;
} TallyUsageKind;

typedef struct _TallyUsageQuery
{
  char   account_id[TALLY_UUID_LEN];
  /* IANA zone the buckets follow; empty: the account's own. */
  char   timezone[TALLY_TIMEZONE_MAX];
  /* Microseconds UTC; the last bucket of each list contains it. */
  gint64 now;
  /* How many buckets of each, ending with the one of @now. Whatever the
   * counts, the last 30 days, this month and the one before are read too:
   * projections and insights need them. */
  guint  n_days;
  guint  n_weeks;
  guint  n_months;
} TallyUsageQuery;

typedef struct _TallyUsage
{
  char            timezone[TALLY_TIMEZONE_MAX];
  gint64          now;
  /* [since, until): what the tools and kinds below cover. */
  gint64          since;
  gint64          until;
  /* TallyUsageBucket, oldest first; n_days, n_weeks, n_months of them. */
  GArray         *buckets[TALLY_USAGE_N_GRANULARITIES];
  /* TallyUsageTool, most spent first. */
  GArray         *tools;
  TallyUsageKind  kinds[TALLY_N_TRANSFER_KINDS];
  /* The 30 local days ending with today, today included. */
  gint64          spent_last_30_days;
  gint64          spent_this_month;
  /* Whole local days of this month after today. */
  guint           days_after_today;
  /* The 30 days' spend, oldest first, for "a day far above the usual". */
  TallyUsageBucket last_30_days[30];
} TallyUsage;

/* The pace rule, said in words in the app and in docs/usage.md:
 *   daily pace      = spent in the last 30 days / 30
 *   days_left       = available / daily pace, unknown when nothing was spent
 *   month_end_spent = spent this month + daily pace × whole days left in it
 * Integer credits throughout; divisions round down. */
typedef struct _TallyUsageProjection
{
  gint64   spent_last_30_days;
  gint64   daily_pace;
  gboolean has_days_left;
  gint64   days_left;
  gint64   spent_this_month;
  guint    days_after_today;
  gint64   month_end_spent;
} TallyUsageProjection;

typedef struct _TallyUsageInsights
{
  /* The tool whose average cost per run rose most from last month to this
   * one: at least 3 runs in each and a rise of 20% or more. */
  gboolean         has_rising_tool;
  char             rising_tool_id[TALLY_TOOL_ID_MAX];
  gint64           rising_average_before;
  gint64           rising_average_now;
  /* The day of the last 30 whose spend was at least 3 times the usual
   * (the median day of the 30), when spending happened on 7 days or more. */
  gboolean         has_spike;
  TallyUsageBucket spike;
  gint64           usual_day;
} TallyUsageInsights;

TallyUsage *tally_usage_compute  (TallyLedger             *ledger,
                                  const TallyUsageQuery   *query,
                                  GCancellable            *cancellable,
                                  GError                 **error);
void        tally_usage_free     (TallyUsage              *usage);
void        tally_usage_project  (const TallyUsage        *usage,
                                  gint64                   available,
                                  TallyUsageProjection    *projection);
void        tally_usage_insights (const TallyUsage        *usage,
                                  TallyUsageInsights      *insights);
/* The TallyUsageTool of @tool_id, or NULL when it has no runs. */
const TallyUsageTool *tally_usage_find_tool (const TallyUsage *usage,
                                             const char       *tool_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyUsage, tally_usage_free)

G_END_DECLS
