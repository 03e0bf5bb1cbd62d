/* tally-window.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-cache.h"
#include "tally-client.h"
#include "tally-sync.h"

G_BEGIN_DECLS

#define TALLY_TYPE_WINDOW (tally_window_get_type ())

G_DECLARE_FINAL_TYPE (TallyWindow, tally_window, TALLY, WINDOW, AdwApplicationWindow)

TallyWindow *tally_window_new (AdwApplication *application,
                               TallyClient    *client,
                               GSettings      *settings);
TallyCache  *tally_window_get_cache (TallyWindow *self);
TallySync   *tally_window_get_sync  (TallyWindow *self);
/* The signed-in user's account; NULL before /v1/me (or the cache) said. */
const char  *tally_window_get_account_id (TallyWindow *self);

G_END_DECLS
