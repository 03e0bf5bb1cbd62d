/* tally-window.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_WINDOW (tally_window_get_type ())

G_DECLARE_FINAL_TYPE (TallyWindow, tally_window, TALLY, WINDOW, AdwApplicationWindow)

/* A window on a new session of @client's server. */
TallyWindow  *tally_window_new         (AdwApplication *application,
                                        TallyClient    *client,
                                        GSettings      *settings);
TallySession *tally_window_get_session (TallyWindow    *self);

G_END_DECLS
