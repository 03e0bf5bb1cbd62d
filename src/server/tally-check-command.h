/* tally-check-command.h: `tally-server check`
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @argv[0] is "check". Returns the process exit status: 0 when the
 * ledger's invariants and the audit chain hold, 1 when one does not, 2
 * when the data could not be read. */
int tally_check_command (int    argc,
                         char **argv);

G_END_DECLS
