/* tally-policy.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-policy.h"

#define SECONDS_PER_DAY (G_GINT64_CONSTANT (24) * 60 * 60)

G_DEFINE_QUARK (tally-policy-error-quark, tally_policy_error)

/* Caps and ceilings */

static gint64 *
caps_slot (TallyCaps  *caps,
           TallyLimit  limit)
{
  switch (limit)
    {
    case TALLY_LIMIT_PER_RUN:
      return &caps->per_run;
    case TALLY_LIMIT_DAILY:
      return &caps->daily;
    case TALLY_LIMIT_MONTHLY:
      return &caps->monthly;
    case TALLY_LIMIT_NONE:
    default:
      return NULL;
    }
}

/* The limit as the user reads it in a message, not as it is stored. */
static const char *
limit_in_words (TallyLimit limit)
{
  switch (limit)
    {
    case TALLY_LIMIT_PER_RUN:
      return "per-run";
    case TALLY_LIMIT_DAILY:
      return "daily";
    case TALLY_LIMIT_MONTHLY:
      return "monthly";
    case TALLY_LIMIT_NONE:
    default:
      return "unknown";
    }
}

/* Finds where @limit lives in @caps, or says why it cannot be set. */
static gint64 *
settable_slot (TallyCaps   *caps,
               TallyLimit   limit,
               gint64       cap,
               GError     **error)
{
  gint64 *slot = caps_slot (caps, limit);

  if (slot == NULL)
    {
      g_set_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID,
                   "Only a per-run, daily or monthly cap can be set");
      return NULL;
    }
  if (cap < 0)
    {
      g_set_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID,
                   "A %s cap of %" G_GINT64_FORMAT " credits is negative; "
                   "use 0 for no cap",
                   limit_in_words (limit), cap);
      return NULL;
    }

  return slot;
}

/* 0 means no cap, so the tighter of two caps is the smaller non-zero one.
 * A negative value can only come from writing the struct directly; it is
 * read as no cap rather than as a cap that refuses everything. */
static gint64
tighter_cap (gint64 a,
             gint64 b)
{
  a = MAX (a, 0);
  b = MAX (b, 0);

  if (a == 0)
    return b;
  if (b == 0)
    return a;

  return MIN (a, b);
}

/* Time zones */

/* IANA identifiers are made of these characters only. GLib would also take
 * a file path or a POSIX TZ rule, which an account setting should not be. */
static gboolean
looks_like_iana_identifier (const char *identifier)
{
  if (strlen (identifier) >= G_SIZEOF_MEMBER (TallyPolicy, timezone))
    return FALSE;
  if (!g_ascii_isalpha (identifier[0]))
    return FALSE;

  for (const char *p = identifier; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("/_+-", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* GLib drops a GTimeZone from its own cache with the last reference and
 * reads the tzfile again for the next one. Windows are computed on every
 * authorization, so the zones in use are kept here for the life of the
 * process: a few hundred at most, and then no file is read again. */
G_LOCK_DEFINE_STATIC (zones);
static GHashTable *zones;

/* A reference to the zone named @identifier, or NULL if GLib does not know
 * it. */
static GTimeZone *
lookup_zone (const char *identifier)
{
  GTimeZone *zone;

  G_LOCK (zones);

  if (zones == NULL)
    zones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_time_zone_unref);

  zone = g_hash_table_lookup (zones, identifier);
  if (zone == NULL)
    {
      zone = g_time_zone_new_identifier (identifier);
      if (zone != NULL)
        g_hash_table_insert (zones, g_strdup (identifier), zone);
    }
  if (zone != NULL)
    g_time_zone_ref (zone);

  G_UNLOCK (zones);

  return zone;
}

static gboolean
is_known_zone (const char *identifier)
{
  g_autoptr(GTimeZone) zone = NULL;

  if (!looks_like_iana_identifier (identifier))
    return FALSE;

  zone = lookup_zone (identifier);

  return zone != NULL;
}

/* The policy's zone. The setters only store known identifiers, but the
 * struct is public: anything else is read as UTC rather than failing a
 * limit check. */
static GTimeZone *
policy_zone (const TallyPolicy *policy)
{
  GTimeZone *zone = NULL;

  if (memchr (policy->timezone, '\0', sizeof policy->timezone) != NULL &&
      looks_like_iana_identifier (policy->timezone))
    zone = lookup_zone (policy->timezone);

  return zone != NULL ? zone : g_time_zone_new_utc ();
}

/* Local days */

static gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if (a % b < 0)
    q--;

  return q;
}

/* @date's midnight read as if it were UTC: the wall-clock time that
 * tz offsets are added to, in seconds. */
static gint64
wall_midnight (const GDate *date)
{
  GDate epoch;

  g_date_clear (&epoch, 1);
  g_date_set_dmy (&epoch, 1, G_DATE_JANUARY, 1970);

  return ((gint64) g_date_get_julian (date) - (gint64) g_date_get_julian (&epoch)) *
         SECONDS_PER_DAY;
}

/* The calendar date of @now (microseconds UTC) in @zone. FALSE when @now
 * is beyond what GDateTime can represent (years 1 to 9999). */
static gboolean
local_date (GTimeZone *zone,
            gint64     now,
            GDate     *date)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint year, month, day;

  utc = g_date_time_new_from_unix_utc (floor_div (now, G_USEC_PER_SEC));
  if (utc == NULL)
    return FALSE;
  local = g_date_time_to_timezone (utc, zone);
  if (local == NULL)
    return FALSE;

  g_date_time_get_ymd (local, &year, &month, &day);
  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);

  return TRUE;
}

/* g_date_time_new() resolves a midnight that happens twice to the
 * standard-time one: after a fall-back across midnight (America/Havana in
 * November, 01:00 back to 00:00) that is the second midnight, an hour
 * after the day began. Walk back through the zone's earlier intervals
 * while one of them also shows @wall. */
static gint64
earliest_occurrence (GTimeZone *zone,
                     gint64     wall,
                     gint64     instant)
{
  gint interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, instant);

  while (interval > 0)
    {
      gint64 earlier = wall - g_time_zone_get_offset (zone, interval - 1);

      if (earlier >= instant ||
          g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, earlier) != interval - 1)
        break;

      instant = earlier;
      interval--;
    }

  return instant;
}

/* The first instant of @date in @zone, in seconds UTC. Where the day does
 * not begin at midnight because the clocks jump from 23:59:59 to 01:00
 * (America/Santiago in September), g_date_time_new() moves the missing
 * 00:00 forward to the end of the gap, which is the instant we want.
 * FALSE when the date is beyond what GDateTime can represent. */
static gboolean
day_start (GTimeZone   *zone,
           const GDate *date,
           gint64      *start)
{
  g_autoptr(GDateTime) midnight = NULL;

  midnight = g_date_time_new (zone, g_date_get_year (date), g_date_get_month (date),
                              g_date_get_day (date), 0, 0, 0);
  if (midnight == NULL)
    return FALSE;

  *start = earliest_occurrence (zone, wall_midnight (date), g_date_time_to_unix (midnight));

  return TRUE;
}

/* Moves @date to the first day of the window that follows the one it
 * starts. */
static void
next_window (TallyPeriod  period,
             GDate       *date)
{
  switch (period)
    {
    case TALLY_PERIOD_MONTH:
      g_date_add_months (date, 1);
      break;
    case TALLY_PERIOD_WEEK:
      g_date_add_days (date, 7);
      break;
    case TALLY_PERIOD_DAY:
    default:
      g_date_add_days (date, 1);
      break;
    }
}

/* Moves @date back to the first day of its period. */
static void
period_first_day (TallyPeriod  period,
                  GDate       *date)
{
  if (period == TALLY_PERIOD_MONTH)
    g_date_set_day (date, 1);
  else if (period == TALLY_PERIOD_WEEK)
    g_date_subtract_days (date, g_date_get_weekday (date) - G_DATE_MONDAY);
}

/* The window that begins on @first, in microseconds UTC. A window whose end
 * GDateTime cannot represent (the last month of year 9999) never ends. */
static gboolean
window_from (GTimeZone   *zone,
             TallyPeriod  period,
             const GDate *first,
             gint64      *start,
             gint64      *end)
{
  GDate next = *first;

  if (!day_start (zone, first, start))
    return FALSE;

  next_window (period, &next);
  if (day_start (zone, &next, end))
    *end *= G_USEC_PER_SEC;
  else
    *end = G_MAXINT64;
  *start *= G_USEC_PER_SEC;

  return TRUE;
}

static gboolean
calendar_window (GTimeZone   *zone,
                 TallyPeriod  period,
                 gint64       now,
                 gint64      *start,
                 gint64      *end)
{
  GDate first;

  if (!local_date (zone, now, &first))
    return FALSE;
  period_first_day (period, &first);

  if (!window_from (zone, period, &first, start, end))
    return FALSE;

  /* A fall-back across midnight (America/St_Johns until 2010, 00:01 back to
   * 23:01) shows the previous date again for an hour after the new day
   * began; that hour belongs to the window that has begun. */
  if (now >= *end)
    {
      next_window (period, &first);
      return window_from (zone, period, &first, start, end);
    }

  return TRUE;
}

/* Limit checks */

/* Whether @spent + @requested goes over @cap (> 0), and by how much. A sum
 * past G_MAXINT64 goes over any cap; the excess then saturates. */
static gboolean
goes_over (gint64  cap,
           gint64  spent,
           gint64  requested,
           gint64 *excess)
{
  gint64 over_before;

  /* Such a spent is so far under the cap that no request reaches it; the
   * test keeps spent - cap below from overflowing. */
  if (spent <= G_MININT64 + cap)
    return FALSE;

  over_before = spent - cap;
  if (requested <= -over_before)
    return FALSE;

  *excess = over_before > G_MAXINT64 - requested ? G_MAXINT64 : over_before + requested;

  return TRUE;
}

/* TRUE when the charge is within @limit's @cap (0: no cap); otherwise fills
 * @verdict with the reason. */
static gboolean
within_limit (const TallyPolicy  *policy,
              TallyLimit          limit,
              gint64              cap,
              gint64              spent,
              gint64              requested,
              gint64              now,
              TallyPolicyVerdict *verdict)
{
  gint64 excess;
  gint64 window_start;
  gint64 resets_at = 0;

  if (cap <= 0 || !goes_over (cap, spent, requested, &excess))
    return TRUE;

  /* Only a refusal needs the time zone: the common path stays pure
   * arithmetic. */
  if (limit != TALLY_LIMIT_PER_RUN)
    tally_policy_window (policy, limit, now, &window_start, &resets_at);

  verdict->limit = limit;
  verdict->cap = cap;
  verdict->spent = spent;
  verdict->requested = requested;
  verdict->excess = excess;
  verdict->resets_at = resets_at;

  return FALSE;
}

/* Public API */

const char *
tally_limit_to_string (TallyLimit limit)
{
  switch (limit)
    {
    case TALLY_LIMIT_NONE:
      return "none";
    case TALLY_LIMIT_PER_RUN:
      return "per_run";
    case TALLY_LIMIT_DAILY:
      return "daily";
    case TALLY_LIMIT_MONTHLY:
      return "monthly";
    default:
      return "unknown";
    }
}

void
tally_policy_init (TallyPolicy *policy,
                   const char  *identifier)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (policy != NULL);

  memset (policy, 0, sizeof *policy);

  if (!tally_policy_set_timezone (policy, identifier, &error))
    g_warning ("%s; using UTC", error->message);
}

gboolean
tally_policy_set_timezone (TallyPolicy  *policy,
                           const char   *identifier,
                           GError      **error)
{
  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* As in the struct, no zone at all means UTC. */
  if (identifier == NULL || identifier[0] == '\0')
    {
      policy->timezone[0] = '\0';
      return TRUE;
    }

  if (!is_known_zone (identifier))
    {
      g_set_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_INVALID,
                   "“%s” is not a known time zone", identifier);
      return FALSE;
    }

  g_strlcpy (policy->timezone, identifier, sizeof policy->timezone);

  return TRUE;
}

gboolean
tally_policy_set_ceiling (TallyPolicy  *policy,
                          TallyLimit    limit,
                          gint64        cap,
                          GError      **error)
{
  gint64 *slot;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  slot = settable_slot (&policy->ceiling, limit, cap, error);
  if (slot == NULL)
    return FALSE;

  /* A user cap left looser than the new ceiling stays as it is: the
   * effective cap is the tighter of the two, and it comes back into force
   * if the ceiling is raised again. */
  *slot = cap;

  return TRUE;
}

gboolean
tally_policy_set_user_cap (TallyPolicy  *policy,
                           TallyLimit    limit,
                           gint64        cap,
                           GError      **error)
{
  gint64 *slot;
  gint64 ceiling;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  slot = settable_slot (&policy->user, limit, cap, error);
  if (slot == NULL)
    return FALSE;

  ceiling = *caps_slot (&policy->ceiling, limit);
  if (ceiling > 0 && cap == 0)
    {
      g_set_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_LOOSER_THAN_CEILING,
                   "The %s cap cannot be removed: it must stay within the ceiling "
                   "of %" G_GINT64_FORMAT " credits set for this account",
                   limit_in_words (limit), ceiling);
      return FALSE;
    }
  if (ceiling > 0 && cap > ceiling)
    {
      g_set_error (error, TALLY_POLICY_ERROR, TALLY_POLICY_ERROR_LOOSER_THAN_CEILING,
                   "A %s cap of %" G_GINT64_FORMAT " credits is looser than the ceiling "
                   "of %" G_GINT64_FORMAT " credits set for this account",
                   limit_in_words (limit), cap, ceiling);
      return FALSE;
    }

  *slot = cap;

  return TRUE;
}

void
tally_policy_effective_caps (const TallyPolicy *policy,
                             TallyCaps         *caps)
{
  g_return_if_fail (policy != NULL);
  g_return_if_fail (caps != NULL);

  caps->per_run = tighter_cap (policy->ceiling.per_run, policy->user.per_run);
  caps->daily = tighter_cap (policy->ceiling.daily, policy->user.daily);
  caps->monthly = tighter_cap (policy->ceiling.monthly, policy->user.monthly);
}

void
tally_policy_window (const TallyPolicy *policy,
                     TallyLimit         limit,
                     gint64             now,
                     gint64            *start,
                     gint64            *end)
{
  g_return_if_fail (policy != NULL);
  g_return_if_fail (start != NULL);
  g_return_if_fail (end != NULL);

  *start = now;
  *end = now;

  switch (limit)
    {
    case TALLY_LIMIT_DAILY:
    case TALLY_LIMIT_MONTHLY:
      break;
    case TALLY_LIMIT_NONE:
    case TALLY_LIMIT_PER_RUN:
    default:
      return;
    }

  if (!tally_policy_period (policy, limit == TALLY_LIMIT_MONTHLY ? TALLY_PERIOD_MONTH
                                                                  : TALLY_PERIOD_DAY,
                            now, start, end))
    {
      /* Outside years 1 to 9999 there is no calendar to speak of. */
      *start = now;
      *end = now;
    }
}

gboolean
tally_policy_period (const TallyPolicy *policy,
                     TallyPeriod        period,
                     gint64             now,
                     gint64            *start,
                     gint64            *end)
{
  g_autoptr(GTimeZone) zone = NULL;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (start != NULL, FALSE);
  g_return_val_if_fail (end != NULL, FALSE);

  zone = policy_zone (policy);
  return calendar_window (zone, period, now, start, end);
}

gboolean
tally_policy_check (const TallyPolicy  *policy,
                    gint64              requested,
                    gint64              spent_today,
                    gint64              spent_this_month,
                    gint64              now,
                    TallyPolicyVerdict *verdict)
{
  TallyPolicyVerdict unused;
  TallyCaps caps;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (requested >= 0, FALSE);

  if (verdict == NULL)
    verdict = &unused;
  memset (verdict, 0, sizeof *verdict);
  verdict->limit = TALLY_LIMIT_NONE;

  tally_policy_effective_caps (policy, &caps);

  /* Per run first: a run too big for any single run is the clearest
   * answer, whatever the windows hold; then the shorter window, which
   * resets sooner. A run has spent nothing before itself. */
  return within_limit (policy, TALLY_LIMIT_PER_RUN, caps.per_run, 0, requested, now, verdict) &&
         within_limit (policy, TALLY_LIMIT_DAILY, caps.daily, spent_today, requested, now,
                       verdict) &&
         within_limit (policy, TALLY_LIMIT_MONTHLY, caps.monthly, spent_this_month, requested,
                       now, verdict);
}
