/* tally-user-command.h: `tally-server user …`
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @argv[0] is "user". Returns the process exit status. */
int tally_user_command (int    argc,
                        char **argv);

G_END_DECLS
