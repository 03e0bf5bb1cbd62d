/* tally-history-model.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

#define TALLY_HISTORY_MODEL_PAGE_SIZE 100

#define TALLY_TYPE_HISTORY_MODEL (tally_history_model_get_type ())

/* An account's history, newest first, as a GListModel of TallyHistoryItem
 * that reads pages of the ledger as they are asked for and keeps only a
 * few of them. It shows the ledger as it was at the last reload. */
G_DECLARE_FINAL_TYPE (TallyHistoryModel, tally_history_model, TALLY, HISTORY_MODEL, GObject)

TallyHistoryModel *tally_history_model_new                 (void);

/* Reloads. @ledger may be NULL: the model is then empty. */
void               tally_history_model_set_source          (TallyHistoryModel         *self,
                                                            TallyLedger               *ledger,
                                                            const char                *account_id);
TallyLedger       *tally_history_model_get_ledger          (TallyHistoryModel         *self);
/* Which items: the kind, excluded kinds, tool, search and time range of
 * @filter (its account, cursor and limit are ignored; its strings are
 * copied). Leases are left out unless @filter asks for that kind. Reloads. */
void               tally_history_model_set_filter          (TallyHistoryModel         *self,
                                                            const TallyStatementQuery *filter);
/* The account and filter, for an export of what the model shows; the
 * strings belong to the model and live until the next set_filter(). */
void               tally_history_model_get_query           (TallyHistoryModel         *self,
                                                            TallyStatementQuery       *query);
/* Reads the ledger again after it changed. A long list goes on showing
 * what it showed (and the user's place in it) until the new snapshot is
 * counted, then swaps in one items-changed. */
void               tally_history_model_reload              (TallyHistoryModel         *self);
/* TRUE while the count and page starts are being read on a worker thread;
 * until then the model holds the first page only. */
gboolean           tally_history_model_get_loading         (TallyHistoryModel         *self);

/* For tests and benchmarks: pages read from the ledger since the model was
 * made, and pages held now. */
guint              tally_history_model_get_n_pages_fetched (TallyHistoryModel         *self);
guint              tally_history_model_get_n_pages_cached  (TallyHistoryModel         *self);

G_END_DECLS
