/* tally-migrate-command.h: tally-server migrate
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @argv[0] is "migrate". Returns the process exit status: 0 when the
 * store's tables are at this Tally's version, 1 when they could not be
 * brought there, 2 on a bad command line. */
int tally_migrate_command (int    argc,
                           char **argv);

G_END_DECLS
