/* tally-syncer.h: makes committed WAL frames durable off the main thread
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TallySyncer TallySyncer;

/* Called on the main context when items became durable: pop them. */
typedef void (*TallySyncerReady) (gpointer data);

TallySyncer *tally_syncer_new  (const char       *wal_path,
                                TallySyncerReady  ready,
                                gpointer          data);
void         tally_syncer_free (TallySyncer      *self);
/* @item (may be NULL, a bare sync) is ready once one fdatasync of the
 * WAL started after this call returned; a clean @item needs none. */
void         tally_syncer_push (TallySyncer      *self,
                                gpointer          item,
                                gboolean          dirty);
/* The oldest ready item, in push order, and when it became durable
 * (monotonic µs); FALSE when none is ready. */
gboolean     tally_syncer_pop  (TallySyncer      *self,
                                gpointer         *item,
                                gint64           *synced_at);
/* Blocks until everything pushed so far is ready. */
void         tally_syncer_wait (TallySyncer      *self);

G_END_DECLS
