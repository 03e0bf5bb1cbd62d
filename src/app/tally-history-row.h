/* tally-history-row.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tally-history-item.h"

G_BEGIN_DECLS

#define TALLY_TYPE_HISTORY_ROW (tally_history_row_get_type ())

/* One line of the history list: what, which tool and when, the status of
 * a run that is not settled, and the signed amount. */
G_DECLARE_FINAL_TYPE (TallyHistoryRow, tally_history_row, TALLY, HISTORY_ROW, GtkWidget)

GtkWidget  *tally_history_row_new          (void);
/* @tool_name: the tool's name as the catalogue gives it, or NULL. */
void        tally_history_row_set_item     (TallyHistoryRow  *self,
                                            TallyHistoryItem *item,
                                            const char       *tool_name);

G_END_DECLS
