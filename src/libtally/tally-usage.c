/* tally-usage.c: what an account spent, by day, week, month, tool and kind
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pass over the account's transfers of the period, read through the
 * (account, kind, seq) indexes and a seq range found by time (created_at
 * never decreases along seq), each row dropped into its local day by a
 * binary search over the day starts. Weeks and months are unions of days,
 * so a DST day of 23 or 25 hours lands in the right week and month
 * without any arithmetic on hours. Days come from tally_policy_window(),
 * the same windows the daily cap uses.
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"
#include "tally-policy.h"
#include "tally-usage.h"

#define COST \
  "CASE WHEN (t.flags & 2) = 0 THEN t.amount WHEN p.state = 0 THEN t.amount " \
  "WHEN p.state = 1 THEN s.amount ELSE 0 END"

/* Rows between two looks at the cancellable. */
#define CANCEL_STRIDE 4096

typedef struct
{
  gint64 start;
  gint64 end;
  GDate  date;
  /* Indexes into the full week and month lists. */
  guint  week;
  guint  month;
} Day;

typedef struct
{
  GArray     *days;
  GArray     *full[TALLY_USAGE_N_GRANULARITIES];
  GHashTable *tools;
  guint       this_month;
  gboolean    has_last_month;
  guint       last_month;
} Pass;

/* The local date of the middle of a day's window: a window starts at or
 * just after midnight and lasts 23 to 25 hours, so its middle is always
 * on the day it is for, whatever DST did at either end. */
static void
window_date (GTimeZone *zone,
             gint64     start,
             gint64     end,
             GDate     *date)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc ((start / 2 + end / 2) / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);
  gint year, month, day;

  g_date_time_get_ymd (local, &year, &month, &day);
  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

static guint
week_key (const GDate *date)
{
  /* Julian day of the week's Monday. */
  return g_date_get_julian (date) - (g_date_get_weekday (date) - G_DATE_MONDAY);
}

static guint
month_key (const GDate *date)
{
  return g_date_get_year (date) * 12 + g_date_get_month (date) - 1;
}

/* The first local date any list or rule needs. */
static void
first_date (const GDate           *today,
            const TallyUsageQuery *query,
            GDate                 *first)
{
  GDate candidate;

  *first = *today;
  g_date_subtract_days (first, 29);

  candidate = *today;
  g_date_subtract_days (&candidate, MAX (query->n_days, 1) - 1);
  if (g_date_compare (&candidate, first) < 0)
    *first = candidate;

  candidate = *today;
  g_date_subtract_days (&candidate, g_date_get_weekday (today) - G_DATE_MONDAY);
  g_date_subtract_days (&candidate, 7 * (MAX (query->n_weeks, 1) - 1));
  if (g_date_compare (&candidate, first) < 0)
    *first = candidate;

  candidate = *today;
  g_date_set_day (&candidate, 1);
  g_date_subtract_months (&candidate, MAX (query->n_months, 2) - 1);
  if (g_date_compare (&candidate, first) < 0)
    *first = candidate;
}

static void
bucket_from_day (TallyUsageBucket *bucket,
                 const Day        *day)
{
  memset (bucket, 0, sizeof *bucket);
  bucket->start = day->start;
  bucket->end = day->end;
  bucket->year = g_date_get_year (&day->date);
  bucket->month = g_date_get_month (&day->date);
  bucket->day = g_date_get_day (&day->date);
}

/* Today's window and date: where the walk back starts. */
static GArray *
today_only (const TallyPolicy *policy,
            GTimeZone         *zone,
            gint64             now)
{
  GArray *days = g_array_new (FALSE, TRUE, sizeof (Day));
  Day today = { 0 };

  tally_policy_window (policy, TALLY_LIMIT_DAILY, now, &today.start, &today.end);
  window_date (zone, today.start, today.end, &today.date);
  g_array_append_val (days, today);

  return days;
}

/* Gives every day the week and month it belongs to, opening a bucket
 * whenever the key changes. */
static void
group_days (GArray *days,
            GArray *weeks,
            GArray *months)
{
  guint last_week = G_MAXUINT, last_month = G_MAXUINT;

  for (guint i = 0; i < days->len; i++)
    {
      Day *day = &g_array_index (days, Day, i);
      TallyUsageBucket bucket;

      bucket_from_day (&bucket, day);
      if (week_key (&day->date) != last_week)
        {
          last_week = week_key (&day->date);
          g_array_append_val (weeks, bucket);
        }
      if (month_key (&day->date) != last_month)
        {
          last_month = month_key (&day->date);
          g_array_append_val (months, bucket);
        }
      g_array_index (weeks, TallyUsageBucket, weeks->len - 1).end = day->end;
      g_array_index (months, TallyUsageBucket, months->len - 1).end = day->end;
      day->week = weeks->len - 1;
      day->month = months->len - 1;
    }
}

/* Walks back from today one window at a time: the day before a window is
 * the window of its start's previous microsecond. */
static void
fill_days (GArray            *days,
           const TallyPolicy *policy,
           GTimeZone         *zone,
           const GDate       *first)
{
  Day *today = &g_array_index (days, Day, 0);
  guint n = g_date_get_julian (&today->date) - g_date_get_julian (first) + 1;
  Day *all = g_new0 (Day, n);

  all[n - 1] = *today;
  for (guint i = n - 1; i > 0; i--)
    {
      tally_policy_window (policy, TALLY_LIMIT_DAILY, all[i].start - 1,
                           &all[i - 1].start, &all[i - 1].end);
      all[i - 1].date = all[i].date;
      g_date_subtract_days (&all[i - 1].date, 1);
    }

  g_array_set_size (days, 0);
  g_array_append_vals (days, all, n);
  g_free (all);
}

/* The day of @time, or -1 outside them all. */
static gint
find_day (GArray *days,
          gint64  time)
{
  guint low = 0, high = days->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;
      const Day *day = &g_array_index (days, Day, mid);

      if (time < day->start)
        high = mid;
      else if (time >= day->end)
        low = mid + 1;
      else
        return (gint) mid;
    }

  return -1;
}

static TallyUsageTool *
tool_of (Pass       *pass,
         const char *tool_id)
{
  TallyUsageTool *tool = g_hash_table_lookup (pass->tools, tool_id);

  if (tool == NULL)
    {
      tool = g_new0 (TallyUsageTool, 1);
      g_strlcpy (tool->tool_id, tool_id, sizeof tool->tool_id);
      g_hash_table_insert (pass->tools, tool->tool_id, tool);
    }

  return tool;
}

/* A run of a tool: into its day, week, month and tool. */
static void
add_run (Pass       *pass,
         const Day  *day,
         const char *tool_id,
         gint64      cost,
         gboolean    live)
{
  guint runs = live ? 1 : 0;
  TallyUsageBucket *buckets[] = {
    NULL,
    &g_array_index (pass->full[TALLY_USAGE_WEEK], TallyUsageBucket, day->week),
    &g_array_index (pass->full[TALLY_USAGE_MONTH], TallyUsageBucket, day->month),
  };

  buckets[TALLY_USAGE_DAY] = &g_array_index (pass->full[TALLY_USAGE_DAY], TallyUsageBucket,
                                             day - &g_array_index (pass->days, Day, 0));
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    {
      buckets[i]->spent += cost;
      buckets[i]->runs += runs;
    }

  if (tool_id != NULL && tool_id[0] != '\0')
    {
      TallyUsageTool *tool = tool_of (pass, tool_id);

      tool->spent += cost;
      tool->runs += runs;
      if (day->month == pass->this_month)
        {
          tool->spent_this_month += cost;
          tool->runs_this_month += runs;
        }
      else if (pass->has_last_month && day->month == pass->last_month)
        {
          tool->spent_last_month += cost;
          tool->runs_last_month += runs;
        }
    }
}

static gboolean
read_side (TallyLedger   *ledger,
           Pass          *pass,
           TallyUsage    *usage,
           gboolean       debit,
           gint64         account_num,
           gint64         from,
           gint64         to,
           GCancellable  *cancellable,
           GError       **error)
{
  sqlite3 *db = tally_ledger_get_db (ledger);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  guint rows = 0;
  int rc = SQLITE_DONE;

  sql = g_strdup_printf ("SELECT t.created_at, t.tool_id, " COST ", "
                         "(t.flags & 2) = 0 OR p.state IN (0, 1) "
                         "FROM transfers t LEFT JOIN pending p ON p.seq = t.seq "
                         "LEFT JOIN transfers s ON s.seq = p.settled_by "
                         "WHERE t.%s = ?1 AND t.kind = ?2 AND (t.flags & 12) = 0 "
                         "AND t.seq >= ?3 AND t.seq < ?4",
                         debit ? "debit_account" : "credit_account");
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  /* Leases are bookkeeping of the offline reserve, not spending. */
  for (guint kind = 0; kind < TALLY_N_TRANSFER_KINDS && rc == SQLITE_DONE; kind++)
    {
      if (kind == TALLY_TRANSFER_KIND_LEASE)
        continue;

      sqlite3_bind_int64 (stmt, 1, account_num);
      sqlite3_bind_int (stmt, 2, (int) kind);
      sqlite3_bind_int64 (stmt, 3, from);
      sqlite3_bind_int64 (stmt, 4, to);

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint index = find_day (pass->days, sqlite3_column_int64 (stmt, 0));
          gint64 cost = sqlite3_column_int64 (stmt, 2);
          gboolean live = sqlite3_column_int (stmt, 3) != 0;
          TallyUsageKind *sum = &usage->kinds[kind];

          if (++rows % CANCEL_STRIDE == 0 &&
              g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              sqlite3_finalize (stmt);
              return FALSE;
            }
          if (index < 0)
            continue;

          if (debit)
            sum->debited += cost;
          else
            sum->credited += cost;
          sum->count += live ? 1 : 0;

          if (debit && kind == TALLY_TRANSFER_KIND_CONSUMPTION)
            add_run (pass, &g_array_index (pass->days, Day, index),
                     (const char *) sqlite3_column_text (stmt, 1), cost, live);
        }
      sqlite3_reset (stmt);
    }

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);

  return TRUE;
}

static gint
compare_tools (gconstpointer a,
               gconstpointer b)
{
  const TallyUsageTool *ta = a, *tb = b;

  if (ta->spent != tb->spent)
    return ta->spent > tb->spent ? -1 : 1;

  return strcmp (ta->tool_id, tb->tool_id);
}

static GArray *
sorted_tools (GHashTable *tools)
{
  GArray *array = g_array_new (FALSE, FALSE, sizeof (TallyUsageTool));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, tools);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_array_append_vals (array, value, 1);
  g_array_sort (array, compare_tools);

  return array;
}

/* The last @n of @buckets, as a new array. */
static GArray *
last_buckets (GArray *buckets,
              guint   n)
{
  GArray *last = g_array_new (FALSE, FALSE, sizeof (TallyUsageBucket));
  guint skip = buckets->len > n ? buckets->len - n : 0;

  g_array_append_vals (last, &g_array_index (buckets, TallyUsageBucket, skip),
                       buckets->len - skip);
  return last;
}

static void
summarise (Pass                  *pass,
           TallyUsage            *usage,
           const TallyUsageQuery *query)
{
  GArray *days = pass->full[TALLY_USAGE_DAY];
  const Day *today = &g_array_index (pass->days, Day, pass->days->len - 1);
  guint n_days[] = { query->n_days, query->n_weeks, query->n_months };

  for (guint i = 0; i < 30; i++)
    {
      usage->last_30_days[i] = g_array_index (days, TallyUsageBucket, days->len - 30 + i);
      usage->spent_last_30_days += usage->last_30_days[i].spent;
    }
  usage->spent_this_month = g_array_index (pass->full[TALLY_USAGE_MONTH], TallyUsageBucket,
                                           pass->this_month).spent;
  usage->days_after_today = g_date_get_days_in_month (g_date_get_month (&today->date),
                                                      g_date_get_year (&today->date)) -
                            g_date_get_day (&today->date);

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    usage->buckets[g] = last_buckets (pass->full[g], n_days[g]);
  usage->tools = sorted_tools (pass->tools);
}

static void
pass_clear (Pass *pass)
{
  g_clear_pointer (&pass->days, g_array_unref);
  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    g_clear_pointer (&pass->full[g], g_array_unref);
  g_clear_pointer (&pass->tools, g_hash_table_unref);
}

static gboolean
resolve_timezone (TallyLedger            *ledger,
                  const TallyUsageQuery  *query,
                  char                   *timezone,
                  GError                **error)
{
  TallyAccount account;

  if (query->timezone[0] != '\0')
    {
      g_strlcpy (timezone, query->timezone, TALLY_TIMEZONE_MAX);
      return TRUE;
    }

  if (!tally_ledger_lookup_account (ledger, query->account_id, &account, error))
    return FALSE;
  g_strlcpy (timezone, account.timezone, TALLY_TIMEZONE_MAX);

  return TRUE;
}

/* Days, then their weeks and months, with an empty bucket for each. */
static void
prepare_pass (Pass                  *pass,
              const TallyPolicy     *policy,
              GTimeZone             *zone,
              const TallyUsageQuery *query)
{
  GDate first;
  const Day *today;

  pass->days = today_only (policy, zone, query->now);
  first_date (&g_array_index (pass->days, Day, 0).date, query, &first);
  fill_days (pass->days, policy, zone, &first);

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    pass->full[g] = g_array_new (FALSE, TRUE, sizeof (TallyUsageBucket));
  for (guint i = 0; i < pass->days->len; i++)
    {
      TallyUsageBucket bucket;

      bucket_from_day (&bucket, &g_array_index (pass->days, Day, i));
      g_array_append_val (pass->full[TALLY_USAGE_DAY], bucket);
    }
  group_days (pass->days, pass->full[TALLY_USAGE_WEEK], pass->full[TALLY_USAGE_MONTH]);

  today = &g_array_index (pass->days, Day, pass->days->len - 1);
  pass->this_month = today->month;
  pass->has_last_month = today->month > 0;
  pass->last_month = today->month - 1;
  pass->tools = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

/**
 * tally_usage_compute:
 * @ledger: a #TallyLedger; on a worker thread, a read connection of its own
 * @query: whose usage, in which zone, and how many buckets
 * @cancellable: (nullable): a #GCancellable, looked at every few thousand rows
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the usage, or %NULL with @error set
 */
TallyUsage *
tally_usage_compute (TallyLedger            *ledger,
                     const TallyUsageQuery  *query,
                     GCancellable           *cancellable,
                     GError                **error)
{
  g_autoptr(TallyUsage) usage = g_new0 (TallyUsage, 1);
  g_autoptr(GTimeZone) zone = NULL;
  TallyPolicy policy;
  Pass pass = { 0 };
  gint64 account_num, from, to;
  gboolean ok;

  g_return_val_if_fail (TALLY_IS_LEDGER (ledger), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!tally_ledger_account_num (ledger, query->account_id, &account_num, error) ||
      !resolve_timezone (ledger, query, usage->timezone, error))
    return NULL;

  /* An unknown zone reads as UTC, as the caps do. */
  memset (&policy, 0, sizeof policy);
  if (!tally_policy_set_timezone (&policy, usage->timezone, NULL))
    usage->timezone[0] = '\0';
  zone = usage->timezone[0] ? g_time_zone_new_identifier (usage->timezone) : NULL;
  if (zone == NULL)
    zone = g_time_zone_new_utc ();

  usage->now = query->now;
  prepare_pass (&pass, &policy, zone, query);
  usage->since = g_array_index (pass.days, Day, 0).start;
  usage->until = g_array_index (pass.days, Day, pass.days->len - 1).end;

  from = tally_ledger_first_seq_at (ledger, usage->since, error);
  to = from < 0 ? -1 : tally_ledger_first_seq_at (ledger, usage->until, error);
  ok = to >= 0 &&
       read_side (ledger, &pass, usage, TRUE, account_num, from, to, cancellable, error) &&
       read_side (ledger, &pass, usage, FALSE, account_num, from, to, cancellable, error);
  if (ok)
    summarise (&pass, usage, query);
  pass_clear (&pass);

  return ok ? g_steal_pointer (&usage) : NULL;
}

void
tally_usage_free (TallyUsage *usage)
{
  if (usage == NULL)
    return;

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    g_clear_pointer (&usage->buckets[g], g_array_unref);
  g_clear_pointer (&usage->tools, g_array_unref);
  g_free (usage);
}

/* @a * @b / @c rounded down, for non-negative figures, without the
 * product overflowing for any balance a ledger can hold. */
static gint64
mul_div (gint64 a,
         gint64 b,
         gint64 c)
{
  return (gint64) (((__int128) a * b) / c);
}

void
tally_usage_project (const TallyUsage     *usage,
                     gint64                available,
                     TallyUsageProjection *projection)
{
  gint64 spent = usage->spent_last_30_days;

  g_return_if_fail (usage != NULL);
  g_return_if_fail (projection != NULL);

  memset (projection, 0, sizeof *projection);
  projection->spent_last_30_days = spent;
  projection->daily_pace = spent / 30;
  projection->spent_this_month = usage->spent_this_month;
  projection->days_after_today = usage->days_after_today;
  /* The pace is spent / 30 but divided last, so a pace under one credit a
   * day still counts. */
  projection->month_end_spent = usage->spent_this_month +
                                (spent > 0 ? mul_div (spent, usage->days_after_today, 30) : 0);

  if (spent <= 0)
    return;

  projection->has_days_left = TRUE;
  projection->days_left = available > 0 ? mul_div (available, 30, spent) : 0;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
find_rising_tool (const TallyUsage   *usage,
                  TallyUsageInsights *insights)
{
  gint64 best_permille = 0;

  for (guint i = 0; i < usage->tools->len; i++)
    {
      const TallyUsageTool *tool = &g_array_index (usage->tools, TallyUsageTool, i);
      gint64 before, now, permille;

      if (tool->runs_this_month < 3 || tool->runs_last_month < 3)
        continue;
      before = tool->spent_last_month / tool->runs_last_month;
      now = tool->spent_this_month / tool->runs_this_month;
      if (before <= 0 || now * 5 < before * 6)
        continue;

      permille = mul_div (now - before, 1000, before);
      if (permille > best_permille)
        {
          best_permille = permille;
          insights->has_rising_tool = TRUE;
          g_strlcpy (insights->rising_tool_id, tool->tool_id, sizeof insights->rising_tool_id);
          insights->rising_average_before = before;
          insights->rising_average_now = now;
        }
    }
}

static void
find_spike (const TallyUsage   *usage,
            TallyUsageInsights *insights)
{
  gint64 sorted[30];
  guint spending_days = 0;

  for (guint i = 0; i < 30; i++)
    {
      sorted[i] = usage->last_30_days[i].spent;
      spending_days += sorted[i] > 0 ? 1 : 0;
    }
  if (spending_days < 7)
    return;

  qsort (sorted, 30, sizeof sorted[0], compare_gint64);
  insights->usual_day = (sorted[14] + sorted[15]) / 2;
  if (insights->usual_day <= 0)
    return;

  for (guint i = 0; i < 30; i++)
    {
      const TallyUsageBucket *day = &usage->last_30_days[i];

      if (day->spent >= insights->usual_day * 3 &&
          (!insights->has_spike || day->spent > insights->spike.spent))
        {
          insights->has_spike = TRUE;
          insights->spike = *day;
        }
    }
}

void
tally_usage_insights (const TallyUsage   *usage,
                      TallyUsageInsights *insights)
{
  g_return_if_fail (usage != NULL);
  g_return_if_fail (insights != NULL);

  memset (insights, 0, sizeof *insights);
  find_rising_tool (usage, insights);
  find_spike (usage, insights);
}

const TallyUsageTool *
tally_usage_find_tool (const TallyUsage *usage,
                       const char       *tool_id)
{
  g_return_val_if_fail (usage != NULL, NULL);

  for (guint i = 0; i < usage->tools->len; i++)
    {
      const TallyUsageTool *tool = &g_array_index (usage->tools, TallyUsageTool, i);

      if (g_strcmp0 (tool->tool_id, tool_id) == 0)
        return tool;
    }

  return NULL;
}
