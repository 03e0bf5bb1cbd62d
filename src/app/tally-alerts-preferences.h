/* tally-alerts-preferences.h: Preferences → Alerts
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ALERTS_PREFERENCES (tally_alerts_preferences_get_type ())

G_DECLARE_FINAL_TYPE (TallyAlertsPreferences, tally_alerts_preferences, TALLY,
                      ALERTS_PREFERENCES, AdwPreferencesPage)

/* The page is a child of the preferences window's template: it is given
 * its session once, right after, and then reads the settings and the
 * webhooks from the server. */
void tally_alerts_preferences_set_session (TallyAlertsPreferences *self,
                                           TallySession           *session);

G_END_DECLS
