/* tally-test-common.h: what every test program shares
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib and GIO only, so the libtally tests link it as the server's and
 * the app's do.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes @path and everything under it; symbolic links go, their targets
 * stay. Removes what it can and returns FALSE (saying why with
 * g_test_message()) if anything, @path included, could not go: tests
 * that own the whole tree assert it. */
gboolean test_remove_tree (const char *path);

G_END_DECLS
