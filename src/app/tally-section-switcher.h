/* tally-section-switcher.h: a stack's switcher that fits a narrow window
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TALLY_TYPE_SECTION_SWITCHER (tally_section_switcher_get_type ())

G_DECLARE_FINAL_TYPE (TallySectionSwitcher, tally_section_switcher, TALLY, SECTION_SWITCHER,
                      AdwBin)

/* The sections of @stack as buttons side by side where they fit, as a
 * drop-down of their titles where they do not. */
GtkWidget *tally_section_switcher_new (GtkStack *stack);

G_END_DECLS
