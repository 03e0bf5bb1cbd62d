/* tally-offline-banner.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tally-sync.h"

G_BEGIN_DECLS

#define TALLY_TYPE_OFFLINE_BANNER (tally_offline_banner_get_type ())

/* A band at the top of the window while the app is offline (with what is
 * left of the offline allowance) or sends what it did offline. */
G_DECLARE_FINAL_TYPE (TallyOfflineBanner, tally_offline_banner, TALLY, OFFLINE_BANNER, GtkWidget)

/* Follows @sync (NULL: hides). */
void         tally_offline_banner_set_sync     (TallyOfflineBanner *self,
                                                TallySync          *sync);
gboolean     tally_offline_banner_get_revealed (TallyOfflineBanner *self);
const char  *tally_offline_banner_get_text     (TallyOfflineBanner *self);

G_END_DECLS
