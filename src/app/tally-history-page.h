/* tally-history-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_HISTORY_PAGE (tally_history_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyHistoryPage, tally_history_page, TALLY, HISTORY_PAGE, AdwBin)

/* The items of GET /v1/transactions, newest first. */
void tally_history_page_set_items (TallyHistoryPage *self,
                                   JsonArray        *items);

G_END_DECLS
