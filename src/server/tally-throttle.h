/* tally-throttle.h: counting failures per key over a sliding window, or
 * answering them with growing delays
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tally-api-store.h"

G_BEGIN_DECLS

#define TALLY_TYPE_THROTTLE (tally_throttle_get_type ())

G_DECLARE_FINAL_TYPE (TallyThrottle, tally_throttle, TALLY, THROTTLE, GObject)

TallyThrottle *tally_throttle_new            (guint          max_failures,
                                              gint64         window);
/* After @free_failures, each failure makes the key wait before its next
 * attempt: 1 s, then twice as long at each further failure, never more
 * than @max_delay seconds. A key with no failure for @max_delay after its
 * delay ended starts afresh. Nothing is ever locked for longer than the
 * delay, so the right password works again once it has passed. */
TallyThrottle *tally_throttle_new_backoff    (guint          free_failures,
                                              gint64         max_delay);
/* TRUE when @key has had max_failures within the window before @now (or,
 * with backoff, while its delay runs); @retry_after says in how many
 * seconds it may try again. */
gboolean       tally_throttle_is_blocked     (TallyThrottle *self,
                                              const char    *key,
                                              gint64         now,
                                              gint64        *retry_after);
void           tally_throttle_record_failure (TallyThrottle *self,
                                              const char    *key,
                                              gint64         now);
/* Takes back the failure recorded for @key at @when, if it is still kept. */
void           tally_throttle_forgive        (TallyThrottle *self,
                                              const char    *key,
                                              gint64         when);
void           tally_throttle_reset          (TallyThrottle *self,
                                              const char    *key);
/* Keeps the counts in @store when several servers share it, under @name,
 * so a client spreading its attempts over them is counted once; SQLite's
 * store is not shared, and the counts stay in memory. */
void           tally_throttle_share          (TallyThrottle *self,
                                              TallyApiStore *store,
                                              const char    *name);

G_END_DECLS
