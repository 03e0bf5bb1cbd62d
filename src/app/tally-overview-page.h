/* tally-overview-page.h: the balance, what is spent against the caps, and
 * the latest activity
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_OVERVIEW_PAGE (tally_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, TALLY, OVERVIEW_PAGE, TallyPage)

/* The balance, what is spent against the caps, and the latest activity,
 * all from @session. */
TallyOverviewPage *tally_overview_page_new (TallySession *session);

G_END_DECLS
