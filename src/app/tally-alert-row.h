/* tally-alert-row.h: one alert as a row of a list
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-alert.h"

G_BEGIN_DECLS

/* What happened in words, and when; the Overview's latest alerts and the
 * alerts window show the same rows. */
GtkWidget *tally_alert_row_new (TallyAlert *alert);

G_END_DECLS
