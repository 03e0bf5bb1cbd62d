/* tally-overview-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TALLY_TYPE_OVERVIEW_PAGE (tally_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, TALLY, OVERVIEW_PAGE, AdwBin)

void tally_overview_page_set_account (TallyOverviewPage *self,
                                      const char        *user_name,
                                      gint64             balance,
                                      gint64             available,
                                      gint64             held);

G_END_DECLS
