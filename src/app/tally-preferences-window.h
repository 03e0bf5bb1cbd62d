/* tally-preferences-window.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-client.h"
#include "tally-purchase-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PREFERENCES_WINDOW (tally_preferences_window_get_type ())

/* Preferences: confirmations (GSettings), the user's own spend caps,
 * invoice details, automatic top-up, payment methods and the account. */
G_DECLARE_FINAL_TYPE (TallyPreferencesWindow, tally_preferences_window, TALLY,
                      PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Reads what it shows from the server at once; @parent's win.sign-out
 * action is what Sign Out activates. */
TallyPreferencesWindow *tally_preferences_window_new            (GtkWindow              *parent,
                                                                 TallySession           *session);
/* For tests: replaces the browser for the payment methods page. */
void                    tally_preferences_window_set_uri_opener (TallyPreferencesWindow *self,
                                                                 TallyUriOpener          opener,
                                                                 gpointer                user_data);
/* What Export My Data does once a file is chosen (tests skip the chooser). */
void                    tally_preferences_window_export_data    (TallyPreferencesWindow *self,
                                                                 GFile                  *destination);

G_END_DECLS
