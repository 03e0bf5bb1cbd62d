/* tally-policy.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TALLY_POLICY_ERROR (tally_policy_error_quark ())

typedef enum
{
  /* A user cap looser than the ceiling an admin or team owner set. */
  TALLY_POLICY_ERROR_LOOSER_THAN_CEILING,
  TALLY_POLICY_ERROR_INVALID,
} TallyPolicyError;

typedef enum
{
  TALLY_LIMIT_NONE,
  TALLY_LIMIT_PER_RUN,
  TALLY_LIMIT_DAILY,
  TALLY_LIMIT_MONTHLY,
} TallyLimit;

/* Calendar periods in the policy's time zone; a week starts on Monday. */
typedef enum
{
  TALLY_PERIOD_DAY,
  TALLY_PERIOD_WEEK,
  TALLY_PERIOD_MONTH,
} TallyPeriod;

/* Caps in credits; 0 means no cap. */
typedef struct _TallyCaps
{
  gint64 per_run;
  gint64 daily;
  gint64 monthly;
} TallyCaps;

typedef struct _TallyPolicy
{
  /* Set by an admin or team owner. */
  TallyCaps ceiling;
  /* The user's own, which may only be tighter. */
  TallyCaps user;
  /* IANA time zone of the account; empty means UTC. */
  char      timezone[64];
} TallyPolicy;

/* Why a charge may not go ahead. */
typedef struct _TallyPolicyVerdict
{
  TallyLimit limit;
  gint64     cap;
  /* Spent in the window before this charge. */
  gint64     spent;
  gint64     requested;
  /* How far spent + requested would go over the cap. */
  gint64     excess;
  /* When the window starts again, microseconds UTC; 0 for per-run. */
  gint64     resets_at;
} TallyPolicyVerdict;

GQuark      tally_policy_error_quark     (void);
const char *tally_limit_to_string        (TallyLimit          limit);

void        tally_policy_init            (TallyPolicy        *policy,
                                          const char         *timezone);
gboolean    tally_policy_set_timezone    (TallyPolicy        *policy,
                                          const char         *timezone,
                                          GError            **error);
gboolean    tally_policy_set_ceiling     (TallyPolicy        *policy,
                                          TallyLimit          limit,
                                          gint64              cap,
                                          GError            **error);
gboolean    tally_policy_set_user_cap    (TallyPolicy        *policy,
                                          TallyLimit          limit,
                                          gint64              cap,
                                          GError            **error);
void        tally_policy_effective_caps  (const TallyPolicy  *policy,
                                          TallyCaps          *caps);
/* The window (daily or monthly) that contains @now in the policy's time
 * zone: [start, end), microseconds UTC. A DST day is 23 or 25 hours. */
void        tally_policy_window          (const TallyPolicy  *policy,
                                          TallyLimit          limit,
                                          gint64              now,
                                          gint64             *start,
                                          gint64             *end);
/* The day, week or month that contains @now in the policy's time zone:
 * [start, end), microseconds UTC, each end at a local midnight (or where
 * that day begins when the clocks skip midnight). FALSE outside the years
 * 1 to 9999. */
gboolean    tally_policy_period          (const TallyPolicy  *policy,
                                          TallyPeriod         period,
                                          gint64              now,
                                          gint64             *start,
                                          gint64             *end);
/* TRUE when a charge of @requested is within every cap; otherwise FALSE
 * and @verdict says which limit, by how much and when it resets. */
gboolean    tally_policy_check           (const TallyPolicy  *policy,
                                          gint64              requested,
                                          gint64              spent_today,
                                          gint64              spent_this_month,
                                          gint64              now,
                                          TallyPolicyVerdict *verdict);

G_END_DECLS
