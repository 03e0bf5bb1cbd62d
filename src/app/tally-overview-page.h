/* tally-overview-page.h: the balance, what is spent against the caps, and
 * the latest activity
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

#define TALLY_TYPE_OVERVIEW_PAGE (tally_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, TALLY, OVERVIEW_PAGE, AdwBin)

/* @offline_reserve: the part of @held that the device's offline lease
 * sets aside (the rest is held by runs in progress). */
void tally_overview_page_set_account (TallyOverviewPage *self,
                                      gint64             balance,
                                      gint64             available,
                                      gint64             held,
                                      gint64             offline_reserve);
/* The `limits` object of GET /v1/me: caps and what was spent in their
 * windows. */
void tally_overview_page_set_limits  (TallyOverviewPage *self,
                                      JsonObject        *limits);
/* Where the latest activity is read from (the app's cache), or NULL. */
void tally_overview_page_set_source  (TallyOverviewPage *self,
                                      TallyLedger       *ledger,
                                      const char        *account_id);
/* Reads the latest activity again (the cache changed). */
void tally_overview_page_reload      (TallyOverviewPage *self);
/* The tools' names, from the `tools` array of GET /v1/tools. */
void tally_overview_page_set_tools   (TallyOverviewPage *self,
                                      JsonArray         *tools);

G_END_DECLS
