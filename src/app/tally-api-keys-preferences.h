/* tally-api-keys-preferences.h: Preferences → API Keys
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_API_KEYS_PREFERENCES (tally_api_keys_preferences_get_type ())

G_DECLARE_FINAL_TYPE (TallyApiKeysPreferences, tally_api_keys_preferences, TALLY,
                      API_KEYS_PREFERENCES, AdwPreferencesPage)

/* Once, right after the window's template is built: lists the keys. */
void tally_api_keys_preferences_set_session (TallyApiKeysPreferences *self,
                                             TallySession            *session);

G_END_DECLS
