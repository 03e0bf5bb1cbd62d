/* tally-run-refusal.h: why the server refused to hold credits for a run
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  TALLY_RUN_REFUSAL_OTHER,
  /* Not enough available: requested against available. */
  TALLY_RUN_REFUSAL_INSUFFICIENT_CREDITS,
  /* Over a cap: which, the cap, what was spent in its window, when the
   * window resets. */
  TALLY_RUN_REFUSAL_PER_RUN_CAP,
  TALLY_RUN_REFUSAL_DAILY_CAP,
  TALLY_RUN_REFUSAL_MONTHLY_CAP,
} TallyRunRefusalKind;

typedef struct
{
  TallyRunRefusalKind kind;
  gint64              requested;
  gint64              available;
  gint64              cap;
  gint64              spent;
  /* Local time; NULL when the server did not say. */
  GDateTime          *resets_at;
} TallyRunRefusal;

/* From an error code of POST /v1/runs and its problem object (either may
 * be NULL). */
TallyRunRefusal *tally_run_refusal_new_from_problem (const char      *code,
                                                     JsonObject      *problem);
void             tally_run_refusal_free             (TallyRunRefusal *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyRunRefusal, tally_run_refusal_free)

G_END_DECLS
