/* tally-installed-tools.h: the tools installed with the app
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-tool-registry.h"

G_BEGIN_DECLS

/* The registry installed with the app (TALLY_TOOLS_DIR when set), read once
 * per process. */
TallyToolRegistry *tally_installed_tools_get   (void);
/* What runs when the user runs @offered, a tool of the server's catalogue:
 * the installed tool of the same id, whose built-in or command is the one
 * that runs, whatever the server's entry says. NULL when there is none, or
 * it runs another way; @reason (when given) then says why, in words. */
TallyTool         *tally_installed_tools_match (TallyTool  *offered,
                                                char      **reason);

G_END_DECLS
