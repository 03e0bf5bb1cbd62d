/* tally-alerts-window.h: every alert the cache holds, newest first
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ALERTS_WINDOW (tally_alerts_window_get_type ())

G_DECLARE_FINAL_TYPE (TallyAlertsWindow, tally_alerts_window, TALLY, ALERTS_WINDOW, AdwWindow)

/* The session's alerts, online or not, over @parent. */
TallyAlertsWindow *tally_alerts_window_new (GtkWindow    *parent,
                                            TallySession *session);

G_END_DECLS
