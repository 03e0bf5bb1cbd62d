/* tally-usage-page.h: what the user spent, charted, broken down, projected
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-bar-chart.h"
#include "tally-page.h"
#include "tally-usage.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_USAGE_EXPORT_CSV,
  TALLY_USAGE_EXPORT_PNG,
} TallyUsageExport;

#define TALLY_TYPE_USAGE_PAGE (tally_usage_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyUsagePage, tally_usage_page, TALLY, USAGE_PAGE, TallyPage)

/* Follows @session's ledger, balance and caps. */
TallyUsagePage *tally_usage_page_new             (TallySession          *session);
/* Without a session (tests): reads @ledger's @account_id; @available is
 * what the projections divide. */
void            tally_usage_page_set_source      (TallyUsagePage        *self,
                                                  TallyLedger           *ledger,
                                                  const char            *account_id,
                                                  gint64                 available);
/* Reads the cache again (on a worker thread) when the page is shown. */
void            tally_usage_page_reload          (TallyUsagePage        *self);
/* The usage shown; NULL while the first pass runs. */
const TallyUsage *tally_usage_page_get_usage     (TallyUsagePage        *self);
/* TRUE once every pass of the last reload is shown. */
gboolean        tally_usage_page_is_complete     (TallyUsagePage        *self);
void            tally_usage_page_set_granularity (TallyUsagePage        *self,
                                                  TallyUsageGranularity  granularity);
TallyBarChart  *tally_usage_page_get_chart       (TallyUsagePage        *self);
/* The chart's figures as CSV, or the chart as a PNG image, to @file. */
void            tally_usage_page_save_async      (TallyUsagePage        *self,
                                                  TallyUsageExport       what,
                                                  GFile                 *file,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
gboolean        tally_usage_page_save_finish     (TallyUsagePage        *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);
/* The CSV that Export writes. */
char           *tally_usage_page_to_csv          (TallyUsagePage        *self);

G_END_DECLS
