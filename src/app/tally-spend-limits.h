/* tally-spend-limits.h: the caps of GET /v1/me's "limits", typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One window's cap. Figures the server leaves out (null) are 0 with their
 * has_ flag unset. */
typedef struct
{
  /* What applies: the lower of the user's own cap and the ceiling. */
  gboolean has_cap;
  gint64   cap;
  /* The ceiling an administrator set, and the user's own cap. */
  gboolean has_ceiling;
  gint64   ceiling;
  gboolean has_user;
  gint64   user;
  /* Spent in the current window (not for the per-run cap). */
  gint64   spent;
} TallySpendLimit;

typedef struct
{
  TallySpendLimit per_run;
  TallySpendLimit daily;
  TallySpendLimit monthly;
} TallySpendLimits;

#define TALLY_TYPE_SPEND_LIMITS (tally_spend_limits_get_type ())

GType             tally_spend_limits_get_type  (void) G_GNUC_CONST;
/* From the "limits" object; members that are missing or of the wrong
 * type read as no cap. */
TallySpendLimits *tally_spend_limits_new_from_json (JsonObject             *limits);
TallySpendLimits *tally_spend_limits_copy      (const TallySpendLimits *self);
void              tally_spend_limits_free      (TallySpendLimits       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallySpendLimits, tally_spend_limits_free)

G_END_DECLS
