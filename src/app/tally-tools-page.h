/* tally-tools-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_TOOLS_PAGE (tally_tools_page_get_type ())

/* The catalogue, one group per category, with what a run costs; a row
 * opens the tool's page in its place. */
G_DECLARE_FINAL_TYPE (TallyToolsPage, tally_tools_page, TALLY, TOOLS_PAGE, TallyPage)

/* Follows @session's catalogue. */
TallyToolsPage *tally_tools_page_new   (TallySession   *session);
/* Back to the catalogue, the open tool closed: for another user. */
void            tally_tools_page_reset (TallyToolsPage *self);

G_END_DECLS
