/* tally-history-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "tally-export.h"
#include "tally-history-model.h"
#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_HISTORY_PAGE (tally_history_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyHistoryPage, tally_history_page, TALLY, HISTORY_PAGE, TallyPage)

/* Follows @session's ledger and tools. */
TallyHistoryPage  *tally_history_page_new         (TallySession         *session);
/* The history of @account_id as the local cache @ledger has it. */
void               tally_history_page_set_source  (TallyHistoryPage     *self,
                                                   TallyLedger          *ledger,
                                                   const char           *account_id);
/* Reads the ledger again, e.g. on the cache's ::changed. */
void               tally_history_page_reload      (TallyHistoryPage     *self);
/* The catalogue, for the tool filter and the rows' tool names. */
void               tally_history_page_set_tools   (TallyHistoryPage     *self,
                                                   TallyToolRegistry    *tools);
TallyHistoryModel *tally_history_page_get_model   (TallyHistoryPage     *self);

/* Writes what the filters select to @file, on a worker thread with a read
 * connection of its own. The Export menu comes here after its dialog. */
void               tally_history_page_export_async  (TallyHistoryPage     *self,
                                                     GFile                *file,
                                                     TallyExportFormat     format,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean           tally_history_page_export_finish (TallyHistoryPage     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
