/* test-policy.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-policy.h"

#define HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY (24 * HOUR)

/* An ISO 8601 instant with its offset, in microseconds UTC. The expected
 * instants in these tests were worked out from the tz database with
 * zdump and Python's zoneinfo, not with GLib. */
static gint64
at (const char *iso8601)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso8601, NULL);

  g_assert_nonnull (dt);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static TallyPolicy
policy_in (const char *zone)
{
  TallyPolicy policy;

  tally_policy_init (&policy, zone);

  return policy;
}

static void
set_ceiling (TallyPolicy *policy,
             TallyLimit   limit,
             gint64       cap)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_policy_set_ceiling (policy, limit, cap, &error));
  g_assert_no_error (error);
}

static void
set_user_cap (TallyPolicy *policy,
              TallyLimit   limit,
              gint64       cap)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_policy_set_user_cap (policy, limit, cap, &error));
  g_assert_no_error (error);
}

static void
assert_window (const char *zone,
               TallyLimit  limit,
               const char *now,
               const char *start,
               const char *end)
{
  TallyPolicy policy = policy_in (zone);
  gint64 window_start = 0;
  gint64 window_end = 0;

  tally_policy_window (&policy, limit, at (now), &window_start, &window_end);

  g_assert_cmpint (window_start, ==, at (start));
  g_assert_cmpint (window_end, ==, at (end));
}

static void
assert_daily_window (const char *zone,
                     const char *now,
                     const char *start,
                     const char *end)
{
  assert_window (zone, TALLY_LIMIT_DAILY, now, start, end);
}

static void
assert_monthly_window (const char *zone,
                       const char *now,
                       const char *start,
                       const char *end)
{
  assert_window (zone, TALLY_LIMIT_MONTHLY, now, start, end);
}

static gint64
window_length (const char *zone,
               TallyLimit  limit,
               const char *now)
{
  TallyPolicy policy = policy_in (zone);
  gint64 start = 0;
  gint64 end = 0;

  tally_policy_window (&policy, limit, at (now), &start, &end);

  return end - start;
}

/* Names and init */

static void
test_limit_to_string (void)
{
  g_assert_cmpstr (tally_limit_to_string (TALLY_LIMIT_NONE), ==, "none");
  g_assert_cmpstr (tally_limit_to_string (TALLY_LIMIT_PER_RUN), ==, "per_run");
  g_assert_cmpstr (tally_limit_to_string (TALLY_LIMIT_DAILY), ==, "daily");
  g_assert_cmpstr (tally_limit_to_string (TALLY_LIMIT_MONTHLY), ==, "monthly");
}

static void
test_init (void)
{
  TallyPolicy policy;

  memset (&policy, 0xaa, sizeof policy);
  tally_policy_init (&policy, "Europe/Paris");

  g_assert_cmpint (policy.ceiling.per_run, ==, 0);
  g_assert_cmpint (policy.ceiling.daily, ==, 0);
  g_assert_cmpint (policy.ceiling.monthly, ==, 0);
  g_assert_cmpint (policy.user.per_run, ==, 0);
  g_assert_cmpint (policy.user.daily, ==, 0);
  g_assert_cmpint (policy.user.monthly, ==, 0);
  g_assert_cmpstr (policy.timezone, ==, "Europe/Paris");

  tally_policy_init (&policy, NULL);
  g_assert_cmpstr (policy.timezone, ==, "");
  tally_policy_init (&policy, "");
  g_assert_cmpstr (policy.timezone, ==, "");
}

static void
test_init_unknown_timezone (void)
{
  TallyPolicy policy;

  if (g_test_subprocess ())
    {
      /* Let the warning through so the child can show what it did next. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      tally_policy_init (&policy, "Mars/Olympus_Mons");
      g_assert_cmpstr (policy.timezone, ==, "");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Mars/Olympus_Mons*using UTC*");
}

/* Time zones */

static void
test_timezone_valid (void)
{
  const char *valid[] = {
    "UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
    "America/Port-au-Prince", "Australia/Lord_Howe",
  };
  TallyPolicy policy = policy_in ("Europe/Paris");

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (tally_policy_set_timezone (&policy, valid[i], &error));
      g_assert_no_error (error);
      g_assert_cmpstr (policy.timezone, ==, valid[i]);
    }

  /* As for init, no zone means UTC. */
  g_assert_true (tally_policy_set_timezone (&policy, "", NULL));
  g_assert_cmpstr (policy.timezone, ==, "");
}

static void
test_timezone_invalid (void)
{
  const char *invalid[] = {
    "Europe/Pariss",
    "Not a zone",
    "europe/",
    "/usr/share/zoneinfo/Europe/Paris",
    "../../../etc/passwd",
    "+05:00",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "America/Argentina/Buenos_Aires/And/A/Name/Far/Too/Long/For/The/Struct",
  };
  TallyPolicy policy = policy_in ("Asia/Tokyo");

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 500);

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      TallyPolicy before = policy;

      g_test_message ("time zone %s", invalid[i]);
      g_assert_false (tally_policy_set_timezone (&policy, invalid[i], &error));
      g_assert_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID);
      g_assert_cmpmem (&policy, sizeof policy, &before, sizeof before);
    }
}

/* A zone written straight into the struct, bypassing the setters, is read
 * as UTC rather than breaking the check. */
static void
test_timezone_unchecked_struct (void)
{
  TallyPolicy policy = policy_in (NULL);
  gint64 start = 0;
  gint64 end = 0;

  g_strlcpy (policy.timezone, "Nowhere/Atall", sizeof policy.timezone);
  tally_policy_window (&policy, TALLY_LIMIT_DAILY, at ("2026-06-15T12:00:00Z"), &start, &end);
  g_assert_cmpint (start, ==, at ("2026-06-15T00:00:00Z"));
  g_assert_cmpint (end, ==, at ("2026-06-16T00:00:00Z"));

  /* Not even terminated. */
  memset (policy.timezone, 'A', sizeof policy.timezone);
  tally_policy_window (&policy, TALLY_LIMIT_DAILY, at ("2026-06-15T12:00:00Z"), &start, &end);
  g_assert_cmpint (start, ==, at ("2026-06-15T00:00:00Z"));
  g_assert_cmpint (end, ==, at ("2026-06-16T00:00:00Z"));
}

/* Caps */

static void
test_effective_caps (void)
{
  const struct
  {
    gint64 ceiling;
    gint64 user;
    gint64 effective;
  } cases[] = {
    { 0, 0, 0 },       /* nobody set a cap */
    { 300, 0, 300 },   /* only the ceiling */
    { 0, 200, 200 },   /* only the user's */
    { 300, 200, 200 }, /* the user's is tighter */
    { 300, 300, 300 }, /* equal */
    { 100, 200, 100 }, /* the ceiling was lowered below the user's */
    { -5, 200, 200 },  /* negatives, written into the struct, are no cap */
    { 300, -5, 300 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TallyPolicy policy = policy_in (NULL);
      TallyCaps caps;

      policy.ceiling.per_run = cases[i].ceiling;
      policy.user.per_run = cases[i].user;
      policy.ceiling.daily = cases[i].ceiling * 10;
      policy.user.daily = cases[i].user * 10;
      policy.ceiling.monthly = cases[i].ceiling * 100;
      policy.user.monthly = cases[i].user * 100;

      tally_policy_effective_caps (&policy, &caps);

      g_assert_cmpint (caps.per_run, ==, cases[i].effective);
      g_assert_cmpint (caps.daily, ==, cases[i].effective * 10);
      g_assert_cmpint (caps.monthly, ==, cases[i].effective * 100);
    }
}

static void
test_caps_are_per_limit (void)
{
  TallyPolicy policy = policy_in (NULL);
  TallyCaps caps;

  set_ceiling (&policy, TALLY_LIMIT_PER_RUN, 50);
  set_user_cap (&policy, TALLY_LIMIT_DAILY, 400);
  set_ceiling (&policy, TALLY_LIMIT_MONTHLY, 9000);
  set_user_cap (&policy, TALLY_LIMIT_MONTHLY, 8000);

  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.per_run, ==, 50);
  g_assert_cmpint (caps.daily, ==, 400);
  g_assert_cmpint (caps.monthly, ==, 8000);
}

static void
test_user_cap_looser_refused (void)
{
  const TallyLimit limits[] = { TALLY_LIMIT_PER_RUN, TALLY_LIMIT_DAILY, TALLY_LIMIT_MONTHLY };
  const char *words[] = { "per-run", "daily", "monthly" };

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      TallyPolicy policy = policy_in ("Europe/Paris");
      TallyPolicy before;
      g_autoptr(GError) looser = NULL;
      g_autoptr(GError) removed = NULL;

      set_ceiling (&policy, limits[i], 300);
      set_user_cap (&policy, limits[i], 250);
      before = policy;

      g_assert_false (tally_policy_set_user_cap (&policy, limits[i], 301, &looser));
      g_assert_error (looser, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_LOOSER_THAN_CEILING);
      g_assert_nonnull (strstr (looser->message, words[i]));
      g_assert_nonnull (strstr (looser->message, "301"));
      g_assert_nonnull (strstr (looser->message, "300"));
      g_assert_cmpmem (&policy, sizeof policy, &before, sizeof before);

      /* No cap at all is the loosest cap there is. */
      g_assert_false (tally_policy_set_user_cap (&policy, limits[i], 0, &removed));
      g_assert_error (removed, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_LOOSER_THAN_CEILING);
      g_assert_nonnull (strstr (removed->message, words[i]));
      g_assert_nonnull (strstr (removed->message, "300"));
      g_assert_cmpmem (&policy, sizeof policy, &before, sizeof before);
    }
}

static void
test_user_cap_tighter_accepted (void)
{
  TallyPolicy policy = policy_in (NULL);
  TallyCaps caps;

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 300);

  set_user_cap (&policy, TALLY_LIMIT_DAILY, 300);
  g_assert_cmpint (policy.user.daily, ==, 300);
  set_user_cap (&policy, TALLY_LIMIT_DAILY, 1);
  g_assert_cmpint (policy.user.daily, ==, 1);

  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.daily, ==, 1);

  /* Without a ceiling, any cap or none is the user's choice. */
  set_user_cap (&policy, TALLY_LIMIT_MONTHLY, G_MAXINT64);
  set_user_cap (&policy, TALLY_LIMIT_MONTHLY, 0);
  g_assert_cmpint (policy.user.monthly, ==, 0);
}

static void
test_ceiling_lowered_below_user_cap (void)
{
  TallyPolicy policy = policy_in (NULL);
  TallyCaps caps;

  set_user_cap (&policy, TALLY_LIMIT_DAILY, 200);

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 100);
  g_assert_cmpint (policy.user.daily, ==, 200);
  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.daily, ==, 100);

  /* Raising the ceiling again brings the user's own cap back. */
  set_ceiling (&policy, TALLY_LIMIT_DAILY, 500);
  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.daily, ==, 200);

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 0);
  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.daily, ==, 200);
}

static void
test_invalid_caps (void)
{
  TallyPolicy policy = policy_in (NULL);
  TallyPolicy before;

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 100);
  before = policy;

  for (guint i = 0; i < 2; i++)
    {
      gboolean (*set) (TallyPolicy *, TallyLimit, gint64, GError **) =
        i == 0 ? tally_policy_set_ceiling : tally_policy_set_user_cap;
      g_autoptr(GError) negative = NULL;
      g_autoptr(GError) none = NULL;
      g_autoptr(GError) unknown = NULL;

      g_assert_false (set (&policy, TALLY_LIMIT_DAILY, -1, &negative));
      g_assert_error (negative, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID);
      g_assert_false (set (&policy, TALLY_LIMIT_NONE, 10, &none));
      g_assert_error (none, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID);
      g_assert_false (set (&policy, (TallyLimit) 42, 10, &unknown));
      g_assert_error (unknown, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID);

      g_assert_cmpmem (&policy, sizeof policy, &before, sizeof before);
    }
}

/* Checks */

static void
assert_verdict (const TallyPolicyVerdict *verdict,
                TallyLimit                limit,
                gint64                    cap,
                gint64                    spent,
                gint64                    requested,
                gint64                    excess,
                gint64                    resets_at)
{
  g_assert_cmpstr (tally_limit_to_string (verdict->limit), ==, tally_limit_to_string (limit));
  g_assert_cmpint (verdict->cap, ==, cap);
  g_assert_cmpint (verdict->spent, ==, spent);
  g_assert_cmpint (verdict->requested, ==, requested);
  g_assert_cmpint (verdict->excess, ==, excess);
  g_assert_cmpint (verdict->resets_at, ==, resets_at);
}

static void
test_check_no_caps (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  TallyPolicyVerdict verdict;

  memset (&verdict, 0xaa, sizeof verdict);
  g_assert_true (tally_policy_check (&policy, G_MAXINT64, G_MAXINT64, G_MAXINT64,
                                     at ("2026-06-15T12:00:00Z"), &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_NONE, 0, 0, 0, 0, 0);

  /* The verdict is optional. */
  g_assert_true (tally_policy_check (&policy, 5, 0, 0, at ("2026-06-15T12:00:00Z"), NULL));
}

static void
test_check_per_run (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  TallyPolicyVerdict verdict;
  gint64 now = at ("2026-06-15T12:00:00Z");

  set_ceiling (&policy, TALLY_LIMIT_PER_RUN, 100);

  g_assert_true (tally_policy_check (&policy, 100, 0, 0, now, &verdict));
  g_assert_cmpint (verdict.limit, ==, TALLY_LIMIT_NONE);

  g_assert_false (tally_policy_check (&policy, 101, 40, 70, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_PER_RUN, 100, 0, 101, 1, 0);

  /* The user's tighter cap is the one that applies. */
  set_user_cap (&policy, TALLY_LIMIT_PER_RUN, 60);
  g_assert_true (tally_policy_check (&policy, 60, 0, 0, now, &verdict));
  g_assert_false (tally_policy_check (&policy, 75, 0, 0, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_PER_RUN, 60, 0, 75, 15, 0);
}

static void
test_check_daily (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  TallyPolicyVerdict verdict;
  gint64 now = at ("2026-06-15T12:00:00Z");

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 1000);

  g_assert_true (tally_policy_check (&policy, 100, 900, 900, now, &verdict));
  g_assert_cmpint (verdict.limit, ==, TALLY_LIMIT_NONE);

  g_assert_false (tally_policy_check (&policy, 101, 900, 900, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 1000, 900, 101, 1,
                  at ("2026-06-15T22:00:00Z"));

  /* Already over (the cap was lowered): even a run of 0 is refused. */
  g_assert_false (tally_policy_check (&policy, 0, 1200, 1200, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 1000, 1200, 0, 200,
                  at ("2026-06-15T22:00:00Z"));
}

static void
test_check_monthly (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  TallyPolicyVerdict verdict;
  gint64 now = at ("2026-06-15T12:00:00Z");

  set_ceiling (&policy, TALLY_LIMIT_MONTHLY, 5000);

  g_assert_true (tally_policy_check (&policy, 10, 0, 4990, now, &verdict));
  g_assert_cmpint (verdict.limit, ==, TALLY_LIMIT_NONE);

  g_assert_false (tally_policy_check (&policy, 11, 0, 4990, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_MONTHLY, 5000, 4990, 11, 1,
                  at ("2026-06-30T22:00:00Z"));
}

static void
test_check_order (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  TallyPolicyVerdict verdict;
  gint64 now = at ("2026-06-15T12:00:00Z");

  set_ceiling (&policy, TALLY_LIMIT_PER_RUN, 100);
  set_ceiling (&policy, TALLY_LIMIT_DAILY, 1000);
  set_ceiling (&policy, TALLY_LIMIT_MONTHLY, 5000);

  /* All three go over: per run is named. */
  g_assert_false (tally_policy_check (&policy, 150, 990, 4990, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_PER_RUN, 100, 0, 150, 50, 0);

  /* Daily and monthly go over: daily is named. */
  g_assert_false (tally_policy_check (&policy, 50, 990, 4990, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 1000, 990, 50, 40,
                  at ("2026-06-15T22:00:00Z"));

  /* Only monthly. */
  g_assert_false (tally_policy_check (&policy, 50, 0, 4990, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_MONTHLY, 5000, 4990, 50, 40,
                  at ("2026-06-30T22:00:00Z"));

  /* Exactly at every cap at once. */
  g_assert_true (tally_policy_check (&policy, 100, 900, 4900, now, &verdict));
  g_assert_cmpint (verdict.limit, ==, TALLY_LIMIT_NONE);
}

/* A refused charge says when the window starts again in the account's own
 * zone, even on a day that has no midnight. */
static void
test_check_resets_at_local_midnight (void)
{
  TallyPolicy policy = policy_in ("America/Santiago");
  TallyPolicyVerdict verdict;

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 10);

  g_assert_false (tally_policy_check (&policy, 11, 0, 0, at ("2025-09-06T20:00:00Z"), &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 10, 0, 11, 1, at ("2025-09-07T04:00:00Z"));
}

static void
test_check_overflow (void)
{
  TallyPolicy policy = policy_in (NULL);
  TallyPolicyVerdict verdict;
  gint64 now = at ("2026-06-15T12:00:00Z");

  set_ceiling (&policy, TALLY_LIMIT_DAILY, 100);
  set_ceiling (&policy, TALLY_LIMIT_MONTHLY, G_MAXINT64);

  /* The sum wraps, the excess does not: it is reported exactly. */
  g_assert_false (tally_policy_check (&policy, 10, G_MAXINT64 - 5, 0, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 100, G_MAXINT64 - 5, 10, G_MAXINT64 - 95,
                  at ("2026-06-16T00:00:00Z"));

  /* The excess itself is past G_MAXINT64: it saturates. */
  g_assert_false (tally_policy_check (&policy, G_MAXINT64, G_MAXINT64, 0, now, &verdict));
  g_assert_cmpint (verdict.limit, ==, TALLY_LIMIT_DAILY);
  g_assert_cmpint (verdict.excess, ==, G_MAXINT64);

  /* A cap of G_MAXINT64 is reached, not passed, by G_MAXINT64... */
  set_ceiling (&policy, TALLY_LIMIT_DAILY, 0);
  g_assert_true (tally_policy_check (&policy, 0, 0, G_MAXINT64, now, &verdict));
  g_assert_true (tally_policy_check (&policy, G_MAXINT64 - 100, 0, 100, now, &verdict));
  /* ...and passed by one more, although the sum cannot be represented. */
  g_assert_false (tally_policy_check (&policy, 1, 0, G_MAXINT64, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_MONTHLY, G_MAXINT64, G_MAXINT64, 1, 1,
                  at ("2026-07-01T00:00:00Z"));

  /* A window in credit (refunds) leaves room; the most negative spent does
   * not overflow either. */
  set_ceiling (&policy, TALLY_LIMIT_DAILY, 100);
  g_assert_true (tally_policy_check (&policy, 100, -50, 0, now, &verdict));
  g_assert_true (tally_policy_check (&policy, 100, G_MININT64, 0, now, &verdict));
  g_assert_true (tally_policy_check (&policy, 100, G_MININT64 + 100, 0, now, &verdict));
  g_assert_false (tally_policy_check (&policy, 151, -50, 0, now, &verdict));
  assert_verdict (&verdict, TALLY_LIMIT_DAILY, 100, -50, 151, 1, at ("2026-06-16T00:00:00Z"));
}

static void
test_check_negative_request (void)
{
  if (g_test_subprocess ())
    {
      TallyPolicy policy = policy_in (NULL);

      tally_policy_check (&policy, -1, 0, 0, 0, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*requested >= 0*");
}

/* Windows */

static void
test_window_per_run (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  gint64 now = at ("2026-06-15T12:00:00Z");
  gint64 start = 0;
  gint64 end = 0;

  tally_policy_window (&policy, TALLY_LIMIT_PER_RUN, now, &start, &end);
  g_assert_cmpint (start, ==, now);
  g_assert_cmpint (end, ==, now);

  tally_policy_window (&policy, TALLY_LIMIT_NONE, now, &start, &end);
  g_assert_cmpint (start, ==, now);
  g_assert_cmpint (end, ==, now);
}

static void
test_window_utc (void)
{
  assert_daily_window (NULL, "2026-06-15T12:34:56.789Z",
                       "2026-06-15T00:00:00Z", "2026-06-16T00:00:00Z");
  assert_daily_window ("UTC", "2026-06-15T12:34:56.789Z",
                       "2026-06-15T00:00:00Z", "2026-06-16T00:00:00Z");
  assert_monthly_window ("", "2026-06-15T12:34:56.789Z",
                         "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z");
  /* Before 1970, where microseconds are negative. */
  assert_daily_window (NULL, "1969-12-31T23:59:59.5Z",
                       "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z");
}

static void
test_window_paris (void)
{
  /* Summer time: local midnight is 22:00 UTC the day before. */
  assert_daily_window ("Europe/Paris", "2026-06-15T12:00:00Z",
                       "2026-06-14T22:00:00Z", "2026-06-15T22:00:00Z");
  /* Late evening UTC is already tomorrow in Paris. */
  assert_daily_window ("Europe/Paris", "2026-06-15T22:30:00Z",
                       "2026-06-15T22:00:00Z", "2026-06-16T22:00:00Z");

  /* Spring forward at 02:00 local, 01:00 UTC: 23 hours, whether now is
   * before or after the change. */
  assert_daily_window ("Europe/Paris", "2026-03-29T00:30:00Z",
                       "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
  assert_daily_window ("Europe/Paris", "2026-03-29T12:00:00Z",
                       "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
  g_assert_cmpint (window_length ("Europe/Paris", TALLY_LIMIT_DAILY, "2026-03-29T12:00:00Z"),
                   ==, 23 * HOUR);

  /* Fall back at 03:00 local, 01:00 UTC: 25 hours. */
  assert_daily_window ("Europe/Paris", "2026-10-25T12:00:00Z",
                       "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
  g_assert_cmpint (window_length ("Europe/Paris", TALLY_LIMIT_DAILY, "2026-10-25T12:00:00Z"),
                   ==, 25 * HOUR);

  /* A month that starts in winter time and ends in summer time. */
  assert_monthly_window ("Europe/Paris", "2026-03-15T12:00:00Z",
                         "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z");
  g_assert_cmpint (window_length ("Europe/Paris", TALLY_LIMIT_MONTHLY, "2026-03-15T12:00:00Z"),
                   ==, 31 * DAY - HOUR);
}

static void
assert_period (const char  *zone,
               TallyPeriod  period,
               const char  *now,
               const char  *start,
               const char  *end)
{
  TallyPolicy policy = policy_in (zone);
  gint64 period_start = 0;
  gint64 period_end = 0;

  g_assert_true (tally_policy_period (&policy, period, at (now), &period_start, &period_end));
  g_assert_cmpint (period_start, ==, at (start));
  g_assert_cmpint (period_end, ==, at (end));
}

/* Weeks run Monday to Sunday, local midnight to local midnight: the week
 * of the spring change is an hour short, whichever day now is. */
static void
test_period_week (void)
{
  /* Sunday 29 March 2026, Paris springs forward: Monday 23rd 00:00 CET
   * to Monday 30th 00:00 CEST. */
  assert_period ("Europe/Paris", TALLY_PERIOD_WEEK, "2026-03-29T12:00:00Z",
                 "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z");
  assert_period ("Europe/Paris", TALLY_PERIOD_WEEK, "2026-03-22T23:00:00Z",
                 "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z");
  /* A Monday's first second belongs to its own week. */
  assert_period ("Europe/Paris", TALLY_PERIOD_WEEK, "2026-03-29T22:00:00Z",
                 "2026-03-29T22:00:00Z", "2026-04-05T22:00:00Z");
  /* Across a year's end: Monday 29 December 2025 to Monday 5 January. */
  assert_period ("UTC", TALLY_PERIOD_WEEK, "2026-01-01T08:00:00Z",
                 "2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z");
  /* Day and month agree with the policy's windows. */
  assert_period ("Europe/Paris", TALLY_PERIOD_DAY, "2026-10-25T12:00:00Z",
                 "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
  assert_period ("Europe/Paris", TALLY_PERIOD_MONTH, "2026-03-15T12:00:00Z",
                 "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z");
}

static void
test_window_new_york (void)
{
  /* Spring forward at 02:00 local. */
  assert_daily_window ("America/New_York", "2026-03-08T12:00:00Z",
                       "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
  g_assert_cmpint (window_length ("America/New_York", TALLY_LIMIT_DAILY,
                                  "2026-03-08T12:00:00Z"), ==, 23 * HOUR);

  /* Fall back at 02:00 local: 01:30 happens twice, in the same day. */
  assert_daily_window ("America/New_York", "2026-11-01T05:30:00Z",
                       "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
  assert_daily_window ("America/New_York", "2026-11-01T06:30:00Z",
                       "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
  g_assert_cmpint (window_length ("America/New_York", TALLY_LIMIT_DAILY,
                                  "2026-11-01T12:00:00Z"), ==, 25 * HOUR);

  /* Evening in New York is the next day in UTC. */
  assert_daily_window ("America/New_York", "2026-06-16T02:00:00Z",
                       "2026-06-15T04:00:00Z", "2026-06-16T04:00:00Z");
}

/* Half-hour daylight saving time. */
static void
test_window_lord_howe (void)
{
  /* Back from +11 to +10:30 at 02:00 local. */
  assert_daily_window ("Australia/Lord_Howe", "2026-04-05T00:00:00Z",
                       "2026-04-04T13:00:00Z", "2026-04-05T13:30:00Z");
  g_assert_cmpint (window_length ("Australia/Lord_Howe", TALLY_LIMIT_DAILY,
                                  "2026-04-05T00:00:00Z"), ==, 24 * HOUR + HOUR / 2);

  /* Forward from +10:30 to +11 at 02:00 local. */
  assert_daily_window ("Australia/Lord_Howe", "2026-10-04T00:00:00Z",
                       "2026-10-03T13:30:00Z", "2026-10-04T13:00:00Z");
  g_assert_cmpint (window_length ("Australia/Lord_Howe", TALLY_LIMIT_DAILY,
                                  "2026-10-04T00:00:00Z"), ==, 23 * HOUR + HOUR / 2);
}

/* Santiago springs forward at midnight: 2025-09-06 23:59:59 -04 is followed
 * by 2025-09-07 01:00:00 -03, and the day begins at 01:00. Chile, Cuba and
 * Lebanon change their rules at short notice, so these tests use past
 * years, which tz database updates leave alone. */
static void
test_window_midnight_skipped (void)
{
  assert_daily_window ("America/Santiago", "2025-09-07T12:00:00Z",
                       "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z");
  g_assert_cmpint (window_length ("America/Santiago", TALLY_LIMIT_DAILY,
                                  "2025-09-07T12:00:00Z"), ==, 23 * HOUR);

  /* The day before ends at the first instant of the short day. */
  assert_daily_window ("America/Santiago", "2025-09-07T03:59:59.999999Z",
                       "2025-09-06T04:00:00Z", "2025-09-07T04:00:00Z");
  assert_daily_window ("America/Santiago", "2025-09-07T04:00:00Z",
                       "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z");

  /* Santiago falls back at midnight too: 23:00 to 24:00 happens twice and
   * the day is 25 hours. */
  assert_daily_window ("America/Santiago", "2025-04-05T12:00:00Z",
                       "2025-04-05T03:00:00Z", "2025-04-06T04:00:00Z");

  /* Havana and Beirut, the same on other days. */
  assert_daily_window ("America/Havana", "2020-03-08T12:00:00Z",
                       "2020-03-08T05:00:00Z", "2020-03-09T04:00:00Z");
  assert_daily_window ("Asia/Beirut", "2025-03-30T12:00:00Z",
                       "2025-03-29T22:00:00Z", "2025-03-30T21:00:00Z");

  /* Apia skipped a whole day: 2011-12-29 was followed by 2011-12-31. */
  assert_daily_window ("Pacific/Apia", "2011-12-30T09:59:59Z",
                       "2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z");
  assert_daily_window ("Pacific/Apia", "2011-12-30T10:00:00Z",
                       "2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z");
}

/* Havana falls back from 01:00 to 00:00, so midnight happens twice; the day
 * begins at the first one. */
static void
test_window_midnight_twice (void)
{
  assert_daily_window ("America/Havana", "2020-11-01T04:30:00Z",
                       "2020-11-01T04:00:00Z", "2020-11-02T05:00:00Z");
  assert_daily_window ("America/Havana", "2020-11-01T05:30:00Z",
                       "2020-11-01T04:00:00Z", "2020-11-02T05:00:00Z");
  assert_daily_window ("America/Havana", "2020-11-01T03:59:59Z",
                       "2020-10-31T04:00:00Z", "2020-11-01T04:00:00Z");
  g_assert_cmpint (window_length ("America/Havana", TALLY_LIMIT_DAILY,
                                  "2020-11-01T12:00:00Z"), ==, 25 * HOUR);

  /* In 2020 that day was the 1st, so the month began at the first one too. */
  assert_monthly_window ("America/Havana", "2020-11-15T12:00:00Z",
                         "2020-11-01T04:00:00Z", "2020-12-01T05:00:00Z");
  assert_monthly_window ("America/Havana", "2020-11-01T04:00:00Z",
                         "2020-11-01T04:00:00Z", "2020-12-01T05:00:00Z");
}

/* Until 2011 St. John's fell back at 00:01, to 23:01 the day before: the
 * new day began, then the clocks showed the old date again for an hour.
 * That hour belongs to the day that has begun, so windows stay in order. */
static void
test_window_midnight_crossed_back (void)
{
  assert_daily_window ("America/St_Johns", "2010-11-07T02:00:00Z",
                       "2010-11-06T02:30:00Z", "2010-11-07T02:30:00Z");
  assert_daily_window ("America/St_Johns", "2010-11-07T02:45:00Z",
                       "2010-11-07T02:30:00Z", "2010-11-08T03:30:00Z");
}

static void
test_window_month_ends (void)
{
  /* Across the year end, on either side of Paris midnight. */
  assert_monthly_window ("Europe/Paris", "2026-12-31T22:59:59Z",
                         "2026-11-30T23:00:00Z", "2026-12-31T23:00:00Z");
  assert_monthly_window ("Europe/Paris", "2026-12-31T23:30:00Z",
                         "2026-12-31T23:00:00Z", "2027-01-31T23:00:00Z");
  assert_daily_window ("Europe/Paris", "2026-12-31T23:30:00Z",
                       "2026-12-31T23:00:00Z", "2027-01-01T23:00:00Z");

  /* February of a leap year and of a common one. */
  assert_monthly_window (NULL, "2028-02-15T12:00:00Z",
                         "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z");
  g_assert_cmpint (window_length (NULL, TALLY_LIMIT_MONTHLY, "2028-02-15T12:00:00Z"),
                   ==, 29 * DAY);
  g_assert_cmpint (window_length (NULL, TALLY_LIMIT_MONTHLY, "2027-02-15T12:00:00Z"),
                   ==, 28 * DAY);
  assert_daily_window (NULL, "2028-02-29T12:00:00Z",
                       "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z");
  assert_monthly_window ("America/New_York", "2028-02-29T23:00:00Z",
                         "2028-02-01T05:00:00Z", "2028-03-01T05:00:00Z");
  /* 2028-03-01 00:30 in New York: March already. */
  assert_monthly_window ("America/New_York", "2028-03-01T05:30:00Z",
                         "2028-03-01T05:00:00Z", "2028-04-01T04:00:00Z");
  /* The 31st, then a 30-day month: adding a month must not skip one. */
  assert_monthly_window (NULL, "2026-03-31T12:00:00Z",
                         "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
}

static void
test_window_boundaries (void)
{
  /* The end of a window is the start of the next: an instant exactly at a
   * boundary belongs to the new window. */
  assert_daily_window ("Europe/Paris", "2026-03-29T22:00:00Z",
                       "2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z");
  assert_daily_window ("Europe/Paris", "2026-03-29T21:59:59.999999Z",
                       "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
  assert_daily_window (NULL, "2026-06-16T00:00:00Z",
                       "2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z");
  assert_monthly_window ("Europe/Paris", "2026-11-30T23:00:00Z",
                         "2026-11-30T23:00:00Z", "2026-12-31T23:00:00Z");
  assert_monthly_window ("Europe/Paris", "2026-11-30T22:59:59.999999Z",
                         "2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z");
}

/* Whatever the zone and the instant, windows contain now, follow each
 * other without gap or overlap, and last about a day or a month. */
static void
test_window_properties (void)
{
  const char *zones[] = {
    "UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
    "America/Havana", "Asia/Beirut", "America/St_Johns", "Pacific/Apia", "Asia/Kathmandu",
    "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "Antarctica/Troll",
  };
  /* 1970 to 2037, where the tz database has every transition. */
  const gint64 from = 0;
  const gint64 span = G_GINT64_CONSTANT (2114380800) * G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      TallyPolicy policy = policy_in (zones[i]);

      for (guint n = 0; n < 2000; n++)
        {
          TallyLimit limit = n % 2 ? TALLY_LIMIT_MONTHLY : TALLY_LIMIT_DAILY;
          gint64 now = from + (gint64) (g_test_rand_double () * (double) span);
          gint64 start, end, before_start, before_end, after_start, after_end;

          tally_policy_window (&policy, limit, now, &start, &end);
          tally_policy_window (&policy, limit, start - 1, &before_start, &before_end);
          tally_policy_window (&policy, limit, end, &after_start, &after_end);

          if (start > now || now >= end || before_end != start || after_start != end)
            g_error ("%s, %s window for %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT
                     ", %" G_GINT64_FORMAT ")", zones[i], tally_limit_to_string (limit),
                     now, start, end);

          if (limit == TALLY_LIMIT_DAILY)
            {
              g_assert_cmpint (end - start, >=, 22 * HOUR);
              g_assert_cmpint (end - start, <=, 26 * HOUR);
            }
          else
            {
              g_assert_cmpint (end - start, >=, 27 * DAY);
              g_assert_cmpint (end - start, <=, 32 * DAY);
            }
        }
    }
}

static void
test_window_out_of_range (void)
{
  TallyPolicy policy = policy_in ("Europe/Paris");
  gint64 start = 0;
  gint64 end = 0;

  /* Beyond GDateTime's years 1 to 9999 there is no window to speak of. */
  tally_policy_window (&policy, TALLY_LIMIT_DAILY, G_MAXINT64, &start, &end);
  g_assert_cmpint (start, ==, G_MAXINT64);
  g_assert_cmpint (end, ==, G_MAXINT64);
  tally_policy_window (&policy, TALLY_LIMIT_MONTHLY, G_MININT64, &start, &end);
  g_assert_cmpint (start, ==, G_MININT64);
  g_assert_cmpint (end, ==, G_MININT64);

  /* The last month GDateTime knows never ends. */
  tally_policy_window (&policy, TALLY_LIMIT_MONTHLY, at ("9999-12-15T12:00:00Z"), &start, &end);
  g_assert_cmpint (start, ==, at ("9999-11-30T23:00:00Z"));
  g_assert_cmpint (end, ==, G_MAXINT64);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/policy/limit-to-string", test_limit_to_string);
  g_test_add_func ("/policy/period/week", test_period_week);
  g_test_add_func ("/policy/init", test_init);
  g_test_add_func ("/policy/init/unknown-timezone", test_init_unknown_timezone);
  g_test_add_func ("/policy/timezone/valid", test_timezone_valid);
  g_test_add_func ("/policy/timezone/invalid", test_timezone_invalid);
  g_test_add_func ("/policy/timezone/unchecked-struct", test_timezone_unchecked_struct);
  g_test_add_func ("/policy/caps/effective", test_effective_caps);
  g_test_add_func ("/policy/caps/per-limit", test_caps_are_per_limit);
  g_test_add_func ("/policy/caps/user-looser-refused", test_user_cap_looser_refused);
  g_test_add_func ("/policy/caps/user-tighter-accepted", test_user_cap_tighter_accepted);
  g_test_add_func ("/policy/caps/ceiling-lowered", test_ceiling_lowered_below_user_cap);
  g_test_add_func ("/policy/caps/invalid", test_invalid_caps);
  g_test_add_func ("/policy/check/no-caps", test_check_no_caps);
  g_test_add_func ("/policy/check/per-run", test_check_per_run);
  g_test_add_func ("/policy/check/daily", test_check_daily);
  g_test_add_func ("/policy/check/monthly", test_check_monthly);
  g_test_add_func ("/policy/check/order", test_check_order);
  g_test_add_func ("/policy/check/resets-at-local-midnight", test_check_resets_at_local_midnight);
  g_test_add_func ("/policy/check/overflow", test_check_overflow);
  g_test_add_func ("/policy/check/negative-request", test_check_negative_request);
  g_test_add_func ("/policy/window/per-run", test_window_per_run);
  g_test_add_func ("/policy/window/utc", test_window_utc);
  g_test_add_func ("/policy/window/paris", test_window_paris);
  g_test_add_func ("/policy/window/new-york", test_window_new_york);
  g_test_add_func ("/policy/window/lord-howe", test_window_lord_howe);
  g_test_add_func ("/policy/window/midnight-skipped", test_window_midnight_skipped);
  g_test_add_func ("/policy/window/midnight-twice", test_window_midnight_twice);
  g_test_add_func ("/policy/window/midnight-crossed-back", test_window_midnight_crossed_back);
  g_test_add_func ("/policy/window/month-ends", test_window_month_ends);
  g_test_add_func ("/policy/window/boundaries", test_window_boundaries);
  g_test_add_func ("/policy/window/properties", test_window_properties);
  g_test_add_func ("/policy/window/out-of-range", test_window_out_of_range);

  return g_test_run ();
}
