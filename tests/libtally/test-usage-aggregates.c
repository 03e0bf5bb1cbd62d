/* test-usage-aggregates.c: usage aggregates against sums the test makes itself
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-util.h"

static const char *tools[] = { "image-resize", "ocr", "transcribe" };

static const char *
consumption_account (void)
{
  return tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
}

static void
grant (LedgerFixture *f,
       gint64         amount)
{
  TallyTransfer t;

  transfer_new (&t, f->grants, f->alice, amount, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
}

static void
run (LedgerFixture *f,
     const char    *tool_id,
     gint64         amount)
{
  TallyTransfer t;

  transfer_new (&t, f->alice, consumption_account (), amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&t, tool_id);
  assert_result (f, &t, TALLY_TRANSFER_OK);
}

/* A hold of @held settled at once: posted for @charged, or voided. */
static void
two_phase_run (LedgerFixture *f,
               const char    *tool_id,
               gint64         held,
               gint64         charged,
               gboolean       post)
{
  TallyTransfer p, s;

  transfer_new (&p, f->alice, consumption_account (), held, TALLY_TRANSFER_KIND_CONSUMPTION);
  p.flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_set_tool_id (&p, tool_id);
  assert_result (f, &p, TALLY_TRANSFER_OK);

  transfer_new (&s, "", "", post ? charged : 0, p.kind);
  s.flags = post ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&s, p.id);
  assert_result (f, &s, TALLY_TRANSFER_OK);
}

static TallyUsage *
compute (LedgerFixture *f,
         const char    *timezone,
         gint64         now,
         guint          n_days,
         guint          n_weeks,
         guint          n_months)
{
  g_autoptr(GError) error = NULL;
  TallyUsageQuery query = { .now = now, .n_days = n_days, .n_weeks = n_weeks,
                            .n_months = n_months };
  TallyUsage *usage;

  g_strlcpy (query.account_id, f->alice, sizeof query.account_id);
  g_strlcpy (query.timezone, timezone ? timezone : "", sizeof query.timezone);
  usage = tally_usage_compute (f->ledger, &query, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (usage);

  return usage;
}

/* The test's own bucket keys, from GDateTime in the zone, independent of
 * the day windows tally-usage.c walks. */
static void
local_keys (GTimeZone *zone,
            gint64     time,
            guint     *day,
            guint     *week,
            guint     *month)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (local),
                  g_date_time_get_month (local), g_date_time_get_year (local));
  *day = g_date_get_julian (&date);
  *week = *day - (g_date_get_weekday (&date) - G_DATE_MONDAY);
  *month = g_date_get_year (&date) * 12 + g_date_get_month (&date) - 1;
}

static guint
bucket_julian (const TallyUsageBucket *bucket)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, bucket->day, bucket->month, bucket->year);
  return g_date_get_julian (&date);
}

static guint
bucket_key (const TallyUsageBucket *bucket,
            TallyUsageGranularity   granularity)
{
  if (granularity == TALLY_USAGE_MONTH)
    return bucket->year * 12 + bucket->month - 1;
  return bucket_julian (bucket);
}

/* Runs at random times over 100 days, some two-phase, some voided: every
 * bucket, tool and kind equals what the test adds up from what it wrote. */
static void
test_sums (LedgerFixture *f,
           gconstpointer  data)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Europe/Paris");
  GHashTable *expected[TALLY_USAGE_N_GRANULARITIES];
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260306);
  g_autoptr(TallyUsage) usage = NULL;
  gint64 tool_spent[G_N_ELEMENTS (tools)] = { 0, };
  guint tool_runs[G_N_ELEMENTS (tools)] = { 0, };
  gint64 consumed = 0, granted = 0;
  gint64 start = f->now;

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    expected[g] = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  grant (f, 10000000);
  granted += 10000000;
  for (guint i = 0; i < 1500; i++)
    {
      guint tool = g_rand_int_range (rand, 0, G_N_ELEMENTS (tools));
      gint64 amount = g_rand_int_range (rand, 1, 500);
      gint64 charged = amount;
      guint kind = g_rand_int_range (rand, 0, 10);
      guint keys[3];

      f->now += (gint64) g_rand_int_range (rand, 1, 2 * 100 * 86400 / 1500) * G_USEC_PER_SEC;
      if (kind == 0)
        {
          grant (f, amount);
          granted += amount;
          continue;
        }
      if (kind == 1)
        {
          two_phase_run (f, tools[tool], amount, 0, FALSE);
          continue;
        }
      if (kind == 2)
        {
          charged = amount / 2 + 1;
          two_phase_run (f, tools[tool], amount, charged, TRUE);
        }
      else
        run (f, tools[tool], amount);

      consumed += charged;
      tool_spent[tool] += charged;
      tool_runs[tool]++;
      local_keys (zone, f->now, &keys[0], &keys[1], &keys[2]);
      for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
        {
          gint64 *sum = g_hash_table_lookup (expected[g], GUINT_TO_POINTER (keys[g]));

          if (sum == NULL)
            {
              sum = g_new0 (gint64, 1);
              g_hash_table_insert (expected[g], GUINT_TO_POINTER (keys[g]), sum);
            }
          *sum += charged;
        }
    }

  /* Everything fits in the lists: 120 days, 20 weeks, 6 months. */
  usage = compute (f, NULL, f->now, 120, 20, 6);
  g_assert_cmpstr (usage->timezone, ==, "Europe/Paris");
  g_assert_cmpint (usage->since, <=, start);

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    {
      GArray *buckets = usage->buckets[g];
      gint64 total = 0;
      guint n_seen = 0;

      for (guint i = 0; i < buckets->len; i++)
        {
          const TallyUsageBucket *bucket = &g_array_index (buckets, TallyUsageBucket, i);
          gint64 *sum = g_hash_table_lookup (expected[g],
                                             GUINT_TO_POINTER (bucket_key (bucket, g)));

          g_assert_cmpint (bucket->spent, ==, sum ? *sum : 0);
          n_seen += sum ? 1 : 0;
          total += bucket->spent;
          if (i > 0)
            g_assert_cmpint (bucket->start, ==,
                             g_array_index (buckets, TallyUsageBucket, i - 1).end);
        }
      g_assert_cmpuint (n_seen, ==, g_hash_table_size (expected[g]));
      g_assert_cmpint (total, ==, consumed);
    }

  for (guint t = 0; t < G_N_ELEMENTS (tools); t++)
    {
      const TallyUsageTool *tool = tally_usage_find_tool (usage, tools[t]);

      g_assert_nonnull (tool);
      g_assert_cmpint (tool->spent, ==, tool_spent[t]);
      g_assert_cmpuint (tool->runs, ==, tool_runs[t]);
    }
  g_assert_cmpint (usage->kinds[TALLY_TRANSFER_KIND_CONSUMPTION].debited, ==, consumed);
  g_assert_cmpint (usage->kinds[TALLY_TRANSFER_KIND_GRANT].credited, ==, granted);

  for (guint g = 0; g < TALLY_USAGE_N_GRANULARITIES; g++)
    g_hash_table_unref (expected[g]);
}

static gint64
utc (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GDateTime) time = g_date_time_new_utc (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

static const TallyUsageBucket *
find_bucket (const TallyUsage      *usage,
             TallyUsageGranularity  granularity,
             int                    year,
             int                    month,
             int                    day)
{
  GArray *buckets = usage->buckets[granularity];

  for (guint i = 0; i < buckets->len; i++)
    {
      const TallyUsageBucket *bucket = &g_array_index (buckets, TallyUsageBucket, i);

      if (bucket->year == year && bucket->month == month && bucket->day == day)
        return bucket;
    }

  g_assert_not_reached ();
}

/* In Europe/Berlin 2026 the clocks go forward on Sunday 29 March and back
 * on Sunday 25 October: those days last 23 and 25 hours, and the week and
 * month boundaries next to them are at local midnight. */
static void
test_dst_boundaries (LedgerFixture *f,
                     gconstpointer  data)
{
  g_autoptr(TallyUsage) usage = NULL;
  const TallyUsageBucket *bucket;
  struct { gint64 at; gint64 amount; } runs[] = {
    { utc (2026, 3, 28, 22, 30), 1 },   /* 23:30 CET, Saturday 28 */
    { utc (2026, 3, 28, 23, 30), 2 },   /* 00:30 CET, Sunday 29 */
    { utc (2026, 3, 29, 21, 30), 4 },   /* 23:30 CEST, Sunday 29 */
    { utc (2026, 3, 29, 22, 30), 8 },   /* 00:30 CEST, Monday 30: a new week */
    { utc (2026, 3, 31, 21, 59), 16 },  /* 23:59 CEST, 31 March */
    { utc (2026, 3, 31, 22, 0), 32 },   /* 00:00 CEST, 1 April */
    { utc (2026, 10, 24, 22, 30), 64 }, /* 00:30 CEST, Sunday 25 October */
    { utc (2026, 10, 25, 22, 30), 128 },/* 23:30 CET, Sunday 25 */
    { utc (2026, 10, 31, 22, 30), 256 },/* 23:30 CET, 31 October */
    { utc (2026, 10, 31, 23, 0), 512 },  /* 00:00 CET, 1 November */
  };

  f->now = utc (2026, 3, 1, 12, 0);
  grant (f, 100000);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      f->now = runs[i].at;
      run (f, "ocr", runs[i].amount);
    }

  usage = compute (f, "Europe/Berlin", utc (2026, 11, 15, 12, 0), 300, 40, 12);

  bucket = find_bucket (usage, TALLY_USAGE_DAY, 2026, 3, 28);
  g_assert_cmpint (bucket->spent, ==, 1);
  bucket = find_bucket (usage, TALLY_USAGE_DAY, 2026, 3, 29);
  g_assert_cmpint (bucket->spent, ==, 2 + 4);
  g_assert_cmpint (bucket->start, ==, utc (2026, 3, 28, 23, 0));
  g_assert_cmpint (bucket->end - bucket->start, ==, 23 * G_TIME_SPAN_HOUR);
  bucket = find_bucket (usage, TALLY_USAGE_DAY, 2026, 10, 25);
  g_assert_cmpint (bucket->spent, ==, 64 + 128);
  g_assert_cmpint (bucket->end - bucket->start, ==, 25 * G_TIME_SPAN_HOUR);

  bucket = find_bucket (usage, TALLY_USAGE_WEEK, 2026, 3, 23);
  g_assert_cmpint (bucket->spent, ==, 1 + 2 + 4);
  g_assert_cmpint (bucket->end, ==, utc (2026, 3, 29, 22, 0));
  bucket = find_bucket (usage, TALLY_USAGE_WEEK, 2026, 3, 30);
  g_assert_cmpint (bucket->spent, ==, 8 + 16 + 32);
  bucket = find_bucket (usage, TALLY_USAGE_WEEK, 2026, 10, 19);
  g_assert_cmpint (bucket->spent, ==, 64 + 128);
  g_assert_cmpint (bucket->end - bucket->start, ==, 7 * G_TIME_SPAN_DAY + G_TIME_SPAN_HOUR);

  bucket = find_bucket (usage, TALLY_USAGE_MONTH, 2026, 3, 1);
  g_assert_cmpint (bucket->spent, ==, 1 + 2 + 4 + 8 + 16);
  g_assert_cmpint (bucket->end, ==, utc (2026, 3, 31, 22, 0));
  bucket = find_bucket (usage, TALLY_USAGE_MONTH, 2026, 4, 1);
  g_assert_cmpint (bucket->spent, ==, 32);
  bucket = find_bucket (usage, TALLY_USAGE_MONTH, 2026, 10, 1);
  g_assert_cmpint (bucket->spent, ==, 64 + 128 + 256);
  g_assert_cmpint (bucket->end, ==, utc (2026, 10, 31, 23, 0));
  bucket = find_bucket (usage, TALLY_USAGE_MONTH, 2026, 11, 1);
  g_assert_cmpint (bucket->spent, ==, 512);
  g_assert_cmpuint (usage->buckets[TALLY_USAGE_MONTH]->len, ==, 12);
  g_assert_cmpuint (usage->buckets[TALLY_USAGE_WEEK]->len, ==, 40);
  g_assert_cmpuint (usage->buckets[TALLY_USAGE_DAY]->len, ==, 300);
}

/* Spends @per_day(i) on each of the @n_days days ending today, at noon
 * UTC (afternoon in Paris), and returns today's noon. */
static gint64
spend_days (LedgerFixture *f,
            guint          n_days,
            gint64       (*per_day) (guint day))
{
  gint64 today = utc (2026, 6, 20, 12, 0);

  f->now = today - 100 * G_TIME_SPAN_DAY;
  for (guint i = 0; i < n_days; i++)
    {
      gint64 amount = per_day (i);

      f->now = today - (gint64) (n_days - 1 - i) * G_TIME_SPAN_DAY;
      if (amount > 0)
        run (f, "ocr", amount);
    }

  return today;
}

static gint64 flat (guint day) { return 30; }
static gint64 growing (guint day) { return day + 1; }

static void
project (LedgerFixture        *f,
         gint64                now,
         gint64                available,
         TallyUsageProjection *projection)
{
  g_autoptr(TallyUsage) usage = compute (f, NULL, now, 30, 4, 2);

  tally_usage_project (usage, available, projection);
}

static void
test_projection_flat (LedgerFixture *f,
                      gconstpointer  data)
{
  TallyUsageProjection p;
  gint64 now;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 100000);
  now = spend_days (f, 60, flat);
  project (f, now, 900, &p);

  /* 30 a day: 900 lasts 30 days; 20 June, 10 days after today. */
  g_assert_cmpint (p.spent_last_30_days, ==, 900);
  g_assert_cmpint (p.daily_pace, ==, 30);
  g_assert_true (p.has_days_left);
  g_assert_cmpint (p.days_left, ==, 30);
  g_assert_cmpuint (p.days_after_today, ==, 10);
  g_assert_cmpint (p.spent_this_month, ==, 20 * 30);
  g_assert_cmpint (p.month_end_spent, ==, 20 * 30 + 10 * 30);
}

static void
test_projection_growing (LedgerFixture *f,
                         gconstpointer  data)
{
  TallyUsageProjection p;
  gint64 spent = 0, month = 0;
  gint64 now;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 100000);
  now = spend_days (f, 60, growing);
  for (guint i = 30; i < 60; i++)
    spent += growing (i);
  for (guint i = 40; i < 60; i++)
    month += growing (i);
  project (f, now, 5000, &p);

  g_assert_cmpint (p.spent_last_30_days, ==, spent);
  g_assert_cmpint (p.days_left, ==, 5000 * 30 / spent);
  g_assert_cmpint (p.spent_this_month, ==, month);
  g_assert_cmpint (p.month_end_spent, ==, month + spent * 10 / 30);
}

static void
test_projection_empty (LedgerFixture *f,
                       gconstpointer  data)
{
  TallyUsageProjection p;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 100);
  project (f, utc (2026, 6, 20, 12, 0), 100, &p);

  g_assert_false (p.has_days_left);
  g_assert_cmpint (p.spent_last_30_days, ==, 0);
  g_assert_cmpint (p.month_end_spent, ==, 0);
}

static gint64 single (guint day) { return day == 0 ? 90 : 0; }

static void
test_projection_single_day (LedgerFixture *f,
                            gconstpointer  data)
{
  TallyUsageProjection p;
  gint64 now;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 1000);
  now = spend_days (f, 1, single);
  project (f, now, 910, &p);

  /* 90 in 30 days is 3 a day. */
  g_assert_cmpint (p.daily_pace, ==, 3);
  g_assert_cmpint (p.days_left, ==, 910 * 30 / 90);
  g_assert_cmpint (p.month_end_spent, ==, 90 + 10 * 3);
}

static void
test_projection_zero_balance (LedgerFixture *f,
                              gconstpointer  data)
{
  TallyUsageProjection p;
  gint64 now;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 1800);
  now = spend_days (f, 60, flat);
  project (f, now, 0, &p);

  g_assert_true (p.has_days_left);
  g_assert_cmpint (p.days_left, ==, 0);
}

/* ocr costs 10 a run last month and 15 this month; one day is 10 times
 * the usual. */
static void
test_insights (LedgerFixture *f,
               gconstpointer  data)
{
  g_autoptr(TallyUsage) usage = NULL;
  TallyUsageInsights insights;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 100000);
  f->now = utc (2026, 5, 10, 12, 0);
  for (guint i = 0; i < 4; i++)
    run (f, "ocr", 10);
  for (guint day = 1; day <= 20; day++)
    {
      f->now = utc (2026, 6, day, 12, 0);
      run (f, "ocr", day == 12 ? 150 : 15);
      run (f, "image-resize", 5);
    }

  usage = compute (f, NULL, f->now, 30, 4, 2);
  tally_usage_insights (usage, &insights);

  g_assert_true (insights.has_rising_tool);
  g_assert_cmpstr (insights.rising_tool_id, ==, "ocr");
  g_assert_cmpint (insights.rising_average_before, ==, 10);
  g_assert_cmpint (insights.rising_average_now, ==, (19 * 15 + 150) / 20);
  g_assert_true (insights.has_spike);
  g_assert_cmpint (insights.spike.day, ==, 12);
  g_assert_cmpint (insights.spike.spent, ==, 155);
  /* 20 days of 20 and 10 days of nothing: the median day is 20. */
  g_assert_cmpint (insights.usual_day, ==, 20);
}

static void
test_no_insights (LedgerFixture *f,
                  gconstpointer  data)
{
  g_autoptr(TallyUsage) usage = NULL;
  TallyUsageInsights insights;

  f->now = utc (2026, 1, 1, 12, 0);
  grant (f, 1000);
  f->now = utc (2026, 6, 2, 12, 0);
  run (f, "ocr", 500);

  usage = compute (f, NULL, f->now, 30, 4, 2);
  tally_usage_insights (usage, &insights);
  g_assert_false (insights.has_rising_tool);
  g_assert_false (insights.has_spike);
}

static void
test_unknown_account (LedgerFixture *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyUsageQuery query = { .now = f->now, .n_days = 30 };
  g_autofree char *id = g_uuid_string_random ();

  g_strlcpy (query.account_id, id, sizeof query.account_id);
  g_assert_null (tally_usage_compute (f->ledger, &query, NULL, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
}

#define ADD(path, func) \
  g_test_add (path, LedgerFixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/usage/sums", test_sums);
  ADD ("/usage/dst-boundaries", test_dst_boundaries);
  ADD ("/usage/projection/flat", test_projection_flat);
  ADD ("/usage/projection/growing", test_projection_growing);
  ADD ("/usage/projection/empty", test_projection_empty);
  ADD ("/usage/projection/single-day", test_projection_single_day);
  ADD ("/usage/projection/zero-balance", test_projection_zero_balance);
  ADD ("/usage/insights", test_insights);
  ADD ("/usage/no-insights", test_no_insights);
  ADD ("/usage/unknown-account", test_unknown_account);

  return g_test_run ();
}
