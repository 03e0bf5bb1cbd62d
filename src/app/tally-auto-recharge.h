/* tally-auto-recharge.h: the automatic top-up settings
 * (GET, PUT /v1/me/auto-recharge), typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* What the user sets. */
  gboolean  enabled;
  /* Buy @pack_id when the balance falls below this many credits... */
  gint64    threshold;
  /* ...NULL when no pack was ever chosen... */
  char     *pack_id;
  /* ...at most this many times a month. */
  gint64    monthly_cap;

  /* What the server says of it, never sent: stopped after @failures
   * failed charges in a row, and a charge under way. */
  gboolean  paused;
  gboolean  in_flight;
  gint64    failures;
} TallyAutoRecharge;

#define TALLY_TYPE_AUTO_RECHARGE (tally_auto_recharge_get_type ())

GType              tally_auto_recharge_get_type      (void) G_GNUC_CONST;
/* What the user sets; the server's state is FALSE and 0. */
TallyAutoRecharge *tally_auto_recharge_new           (gboolean                 enabled,
                                                      gint64                   threshold,
                                                      const char              *pack_id,
                                                      gint64                   monthly_cap);
/* From the API's object (may be NULL). A member that is missing, null or
 * of the wrong type reads as off, 0 or no pack; a negative figure as 0. */
TallyAutoRecharge *tally_auto_recharge_new_from_json (JsonObject              *object);
/* The body of PUT /v1/me/auto-recharge: what the user sets, the pack null
 * when there is none (which the server refuses in words). */
JsonObject        *tally_auto_recharge_to_json       (const TallyAutoRecharge *self);
TallyAutoRecharge *tally_auto_recharge_copy          (const TallyAutoRecharge *self);
void               tally_auto_recharge_free          (TallyAutoRecharge       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyAutoRecharge, tally_auto_recharge_free)

G_END_DECLS
