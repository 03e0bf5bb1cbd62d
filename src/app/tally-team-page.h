/* tally-team-page.h: the user's teams, their pools, members and usage
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_TEAM_PAGE (tally_team_page_get_type ())

G_DECLARE_FINAL_TYPE (TallyTeamPage, tally_team_page, TALLY, TEAM_PAGE, TallyPage)

TallyTeamPage *tally_team_page_new (TallySession *session);

G_END_DECLS
