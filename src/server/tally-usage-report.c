/* tally-usage-report.c: an account's usage by day, week or month, and its
 * projection (docs/usage.md)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-usage-report.h"

#define USEC_PER_DAY (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

G_DEFINE_QUARK (tally-usage-error-quark, tally_usage_report_error)

/* Per granularity: its name, how many buckets a range may have (about
 * ten years: a chart never needs more, and a year of days costs a
 * few milliseconds) and how many it has by default, the current one
 * included. */
static const struct
{
  const char *name;
  guint       max_buckets;
  guint       default_buckets;
  /* The longest a bucket can be (a day of 25 hours, and more for the rare
   * zone that moved its date), to refuse a far too long range at once. */
  gint64      max_length;
} granularities[] = {
  [TALLY_PERIOD_DAY] = { "day", 3660, 30, 2 * USEC_PER_DAY },
  [TALLY_PERIOD_WEEK] = { "week", 523, 12, 8 * USEC_PER_DAY },
  [TALLY_PERIOD_MONTH] = { "month", 120, 12, 32 * USEC_PER_DAY },
};

gboolean
tally_usage_report_granularity_from_string (const char  *text,
                                     TallyPeriod *granularity)
{
  for (guint i = 0; i < G_N_ELEMENTS (granularities); i++)
    {
      if (g_strcmp0 (text, granularities[i].name) == 0)
        {
          *granularity = i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
tally_usage_report_granularity_to_string (TallyPeriod granularity)
{
  g_return_val_if_fail (granularity < G_N_ELEMENTS (granularities), NULL);

  return granularities[granularity].name;
}

void
tally_usage_report_free (TallyUsageReport *usage)
{
  g_clear_pointer (&usage->buckets, g_array_unref);
  g_clear_pointer (&usage->tools, g_array_unref);
  g_free (usage);
}

/* The period of @granularity around @time; FALSE with an error outside
 * the calendar. */
static gboolean
period_at (const TallyPolicy  *policy,
           TallyPeriod         granularity,
           gint64              time,
           gint64             *start,
           gint64             *end,
           GError            **error)
{
  if (time > 0 && tally_policy_period (policy, granularity, time, start, end))
    return TRUE;

  g_set_error (error, TALLY_USAGE_REPORT_ERROR, TALLY_USAGE_REPORT_ERROR_OUT_OF_CALENDAR,
               "The range must lie between the years 1970 and 9999");
  return FALSE;
}

/* Absent bounds: until the end of the current bucket, since the start of
 * the default number of buckets back. */
static gboolean
resolve_range (const TallyPolicy      *policy,
               const TallyUsageReportQuery  *query,
               gint64                 *since,
               gint64                 *until,
               GError                **error)
{
  gint64 start, end;

  *since = query->since;
  *until = query->until;

  if (*until == 0)
    {
      if (!period_at (policy, query->granularity, query->now, &start, until, error))
        return FALSE;
    }

  if (*since == 0)
    {
      if (!period_at (policy, query->granularity, *until - 1, since, &end, error))
        return FALSE;
      for (guint i = 1; i < granularities[query->granularity].default_buckets; i++)
        {
          if (!period_at (policy, query->granularity, *since - 1, since, &end, error))
            return FALSE;
        }
    }

  if (*since >= *until)
    {
      g_set_error (error, TALLY_USAGE_REPORT_ERROR, TALLY_USAGE_REPORT_ERROR_EMPTY_RANGE,
                   "“since” must be before “until”");
      return FALSE;
    }

  return TRUE;
}

static void
add_to_tool (GArray                 *tools,
             const TallyPostedTotal *total)
{
  TallyUsageReportTool tool = { { 0 }, 0, 0 };

  for (guint i = 0; i < tools->len; i++)
    {
      TallyUsageReportTool *known = &g_array_index (tools, TallyUsageReportTool, i);

      if (strcmp (known->tool_id, total->tool_id) == 0)
        {
          known->spent -= total->amount;
          known->runs += total->items;
          return;
        }
    }

  g_strlcpy (tool.tool_id, total->tool_id, sizeof tool.tool_id);
  tool.spent = -total->amount;
  tool.runs = total->items;
  g_array_append_val (tools, tool);
}

/* Sums one bucket's [since, until) into @bucket, and its consumption by
 * tool into @tools. */
static gboolean
fill_bucket (TallyApiStore    *store,
             const char        *account_id,
             gint64             since,
             gint64             until,
             TallyUsageReportBucket  *bucket,
             GArray            *tools,
             GError           **error)
{
  g_autoptr(GArray) totals = NULL;

  totals = tally_api_store_posted_totals (store, account_id, since, until, error);
  if (totals == NULL)
    return FALSE;

  for (guint i = 0; i < totals->len; i++)
    {
      const TallyPostedTotal *total = &g_array_index (totals, TallyPostedTotal, i);

      switch (total->kind)
        {
        case TALLY_TRANSFER_KIND_CONSUMPTION:
          bucket->spent -= total->amount;
          bucket->runs += total->items;
          add_to_tool (tools, total);
          break;
        case TALLY_TRANSFER_KIND_PURCHASE:
          bucket->purchased += total->amount;
          break;
        case TALLY_TRANSFER_KIND_REFUND:
          bucket->refunded += total->amount;
          break;
        /* Not summed by the ledger's posted totals. */
        case TALLY_TRANSFER_KIND_GRANT:
        case TALLY_TRANSFER_KIND_ALLOCATION:
        case TALLY_TRANSFER_KIND_EXPIRY:
        case TALLY_TRANSFER_KIND_ADJUSTMENT:
        case TALLY_TRANSFER_KIND_LEASE:
        case TALLY_N_TRANSFER_KINDS:
        default:
          break;
        }
    }

  return TRUE;
}

/* Buckets from the one that contains since to the one that contains the
 * last microsecond before until. The first and the last count only what
 * lies within [since, until), so that the buckets add up to the range. */
static gboolean
fill_buckets (TallyApiStore     *store,
              const TallyPolicy  *policy,
              const char         *account_id,
              TallyUsageReport         *usage,
              GError            **error)
{
  guint max_buckets = granularities[usage->granularity].max_buckets;
  gint64 from = usage->since;

  while (from < usage->until)
    {
      TallyUsageReportBucket bucket = { 0 };
      gint64 end;

      if (usage->buckets->len == max_buckets ||
          (usage->until - usage->since) / max_buckets >
          granularities[usage->granularity].max_length)
        {
          g_set_error (error, TALLY_USAGE_REPORT_ERROR, TALLY_USAGE_REPORT_ERROR_TOO_LONG,
                       "A range may have at most %u buckets of a %s", max_buckets,
                       granularities[usage->granularity].name);
          return FALSE;
        }
      if (!period_at (policy, usage->granularity, from, &bucket.start, &end, error) ||
          !fill_bucket (store, account_id, from, MIN (end, usage->until), &bucket,
                        usage->tools, error))
        return FALSE;

      g_array_append_val (usage->buckets, bucket);
      from = end;
    }

  return TRUE;
}

static gint64
spent_between (TallyApiStore *store,
               const char   *account_id,
               gint64        since,
               gint64        until,
               GError      **error,
               gboolean     *ok)
{
  g_autoptr(GArray) totals = NULL;
  gint64 spent = 0;

  totals = tally_api_store_posted_totals (store, account_id, MAX (since, 0), until, error);
  *ok = totals != NULL;
  if (totals == NULL)
    return 0;

  for (guint i = 0; i < totals->len; i++)
    {
      const TallyPostedTotal *total = &g_array_index (totals, TallyPostedTotal, i);

      if (total->kind == TALLY_TRANSFER_KIND_CONSUMPTION)
        spent -= total->amount;
    }

  return spent;
}

/* How many whole days @available lasts at @spent per 30 days, rounded
 * down, without overflowing: available × 30 / spent in two steps. */
static gint64
days_lasting (gint64 available,
              gint64 spent)
{
  if (available <= 0)
    return 0;

  return available / spent * TALLY_USAGE_REPORT_PACE_DAYS +
         available % spent * TALLY_USAGE_REPORT_PACE_DAYS / spent;
}

/* The local days of this month after today. */
static gboolean
days_after_today (const TallyPolicy  *policy,
                  gint64              now,
                  gint64              month_end,
                  gint64             *days,
                  GError            **error)
{
  gint64 start, end = now;

  *days = -1;
  do
    {
      if (!period_at (policy, TALLY_PERIOD_DAY, end, &start, &end, error))
        return FALSE;
      (*days)++;
    }
  while (end < month_end);

  return TRUE;
}

/* docs/usage.md, "Projection": the pace is the consumption of the last
 * 30 × 24 hours divided by 30; integer arithmetic, rounded down. */
static gboolean
fill_projection (TallyApiStore     *store,
                 const TallyPolicy  *policy,
                 const TallyUsageReportQuery *query,
                 TallyUsageReport         *usage,
                 GError            **error)
{
  TallyAccount account;
  gint64 pace_spent, month_spent, month_start, month_end, days_left_in_month;
  gboolean ok;

  pace_spent = spent_between (store, query->account_id,
                              query->now - TALLY_USAGE_REPORT_PACE_DAYS * USEC_PER_DAY, query->now,
                              error, &ok);
  if (!ok ||
      !period_at (policy, TALLY_PERIOD_MONTH, query->now, &month_start, &month_end, error) ||
      !days_after_today (policy, query->now, month_end, &days_left_in_month, error) ||
      !tally_rules_store_lookup_account (TALLY_RULES_STORE (store), query->account_id, &account,
                                         error))
    return FALSE;

  month_spent = spent_between (store, query->account_id, month_start, query->now, error, &ok);
  if (!ok)
    return FALSE;

  usage->has_days_left = pace_spent > 0;
  if (usage->has_days_left)
    usage->days_left = days_lasting (tally_account_available (&account), pace_spent);
  usage->month_end_spent = month_spent +
                           pace_spent / TALLY_USAGE_REPORT_PACE_DAYS * days_left_in_month +
                           pace_spent % TALLY_USAGE_REPORT_PACE_DAYS * days_left_in_month /
                           TALLY_USAGE_REPORT_PACE_DAYS;
  return TRUE;
}

static int
compare_tools (gconstpointer a,
               gconstpointer b)
{
  const TallyUsageReportTool *x = a;
  const TallyUsageReportTool *y = b;

  if (x->spent != y->spent)
    return x->spent > y->spent ? -1 : 1;
  return strcmp (x->tool_id, y->tool_id);
}

/**
 * tally_usage_report_compute:
 * @store: the store
 * @query: the account, its zone, the granularity and the range
 * @error: return location for a #GError: %TALLY_USAGE_REPORT_ERROR for a range
 *   that cannot be answered, %TALLY_LEDGER_ERROR otherwise
 *
 * With no until, the range ends with the bucket that contains now; with
 * no since, it starts 30 days, 12 weeks or 12 months back, that bucket
 * included.
 *
 * Returns: (transfer full): the usage, or %NULL
 */
TallyUsageReport *
tally_usage_report_compute (TallyApiStore         *store,
                     const TallyUsageReportQuery  *query,
                     GError                **error)
{
  g_autoptr(TallyUsageReport) usage = g_new0 (TallyUsageReport, 1);
  TallyPolicy policy;

  g_return_val_if_fail (TALLY_IS_API_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (query->granularity < G_N_ELEMENTS (granularities), NULL);

  /* The zone spending windows follow; an unknown name reads as UTC, as
   * it does there. */
  tally_policy_init (&policy, NULL);
  tally_policy_set_timezone (&policy, query->timezone, NULL);

  usage->granularity = query->granularity;
  usage->buckets = g_array_new (FALSE, FALSE, sizeof (TallyUsageReportBucket));
  usage->tools = g_array_new (FALSE, FALSE, sizeof (TallyUsageReportTool));

  if (!resolve_range (&policy, query, &usage->since, &usage->until, error) ||
      !fill_buckets (store, &policy, query->account_id, usage, error) ||
      !fill_projection (store, &policy, query, usage, error))
    return NULL;

  g_array_sort (usage->tools, compare_tools);
  return g_steal_pointer (&usage);
}
