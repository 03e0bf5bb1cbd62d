/* tally-history-item.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tally-statement.h"

G_BEGIN_DECLS

#define TALLY_TYPE_HISTORY_ITEM (tally_history_item_get_type ())

/* One row of the history: a transfer as the account sees it (a run and
 * its settlement are one item). Immutable. */
G_DECLARE_FINAL_TYPE (TallyHistoryItem, tally_history_item, TALLY, HISTORY_ITEM, GObject)

TallyHistoryItem  *tally_history_item_new             (const TallyStatementItem *item);

TallyTransferKind  tally_history_item_get_kind        (TallyHistoryItem         *self);
TallyItemStatus    tally_history_item_get_status      (TallyHistoryItem         *self);
/* Signed from the account's side; 0 when voided. */
gint64             tally_history_item_get_amount      (TallyHistoryItem         *self);
/* What a two-phase item held, whatever became of it. */
gint64             tally_history_item_get_held        (TallyHistoryItem         *self);
gint64             tally_history_item_get_units       (TallyHistoryItem         *self);
/* "" when the item is not a tool run. */
const char        *tally_history_item_get_tool_id     (TallyHistoryItem         *self);
const char        *tally_history_item_get_description (TallyHistoryItem         *self);
/* Microseconds since the epoch, UTC. */
gint64             tally_history_item_get_created_at  (TallyHistoryItem         *self);
gint64             tally_history_item_get_seq         (TallyHistoryItem         *self);

G_END_DECLS
