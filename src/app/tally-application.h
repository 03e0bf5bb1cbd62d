/* tally-application.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-purchase-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_APPLICATION (tally_application_get_type ())

G_DECLARE_FINAL_TYPE (TallyApplication, tally_application, TALLY, APPLICATION, AdwApplication)

TallyApplication *tally_application_new            (void);

/* For tests: replaces what opens the help (NULL: gtk_show_uri_full() again). */
void              tally_application_set_uri_opener (TallyApplication *self,
                                                    TallyUriOpener    opener,
                                                    gpointer          user_data);

G_END_DECLS
