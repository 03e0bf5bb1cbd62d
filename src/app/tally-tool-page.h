/* tally-tool-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"
#include "tally-tool.h"

G_BEGIN_DECLS

#define TALLY_TYPE_TOOL_PAGE (tally_tool_page_get_type ())

/* One tool: its inputs, the estimate as they change, and a run from
 * authorization to what it cost. */
G_DECLARE_FINAL_TYPE (TallyToolPage, tally_tool_page, TALLY, TOOL_PAGE, AdwBin)

TallyToolPage *tally_tool_page_new               (TallyTool     *tool,
                                                  TallySession  *session);
TallyTool     *tally_tool_page_get_tool          (TallyToolPage *self);
/* What the file chooser gives for the file input @input_id: a list of
 * GFile. Tests call it instead of driving the native dialog. */
void           tally_tool_page_set_files         (TallyToolPage *self,
                                                  const char    *input_id,
                                                  GListModel    *files);
/* Where results are saved, as the folder chooser sets it. */
void           tally_tool_page_set_output_folder (TallyToolPage *self,
                                                  GFile         *folder);

G_END_DECLS
