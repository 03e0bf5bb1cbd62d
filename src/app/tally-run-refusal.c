/* tally-run-refusal.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-run-refusal.h"

static TallyRunRefusalKind
limit_kind (const char *limit)
{
  if (g_strcmp0 (limit, "per_run") == 0)
    return TALLY_RUN_REFUSAL_PER_RUN_CAP;
  if (g_strcmp0 (limit, "daily") == 0)
    return TALLY_RUN_REFUSAL_DAILY_CAP;
  if (g_strcmp0 (limit, "monthly") == 0)
    return TALLY_RUN_REFUSAL_MONTHLY_CAP;
  return TALLY_RUN_REFUSAL_OTHER;
}

TallyRunRefusal *
tally_run_refusal_new_from_problem (const char *code,
                                    JsonObject *problem)
{
  TallyRunRefusal *self = g_new0 (TallyRunRefusal, 1);
  const char *resets_at;

  if (problem == NULL)
    return self;

  if (g_strcmp0 (code, "insufficient_credits") == 0)
    self->kind = TALLY_RUN_REFUSAL_INSUFFICIENT_CREDITS;
  else if (g_strcmp0 (code, "limit_exceeded") == 0)
    self->kind = limit_kind (json_object_get_string_member_with_default (problem, "limit", NULL));

  self->requested = json_object_get_int_member_with_default (problem, "requested", 0);
  self->available = json_object_get_int_member_with_default (problem, "available", 0);
  self->cap = json_object_get_int_member_with_default (problem, "cap", 0);
  self->spent = json_object_get_int_member_with_default (problem, "spent", 0);
  resets_at = json_object_get_string_member_with_default (problem, "resets_at", NULL);
  if (resets_at != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601 (resets_at, NULL);

      self->resets_at = utc != NULL ? g_date_time_to_local (utc) : NULL;
    }
  return self;
}

void
tally_run_refusal_free (TallyRunRefusal *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->resets_at, g_date_time_unref);
  g_free (self);
}
