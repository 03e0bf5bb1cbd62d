/* tally-toast.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A toast that shows @text as it is: libadwaita 1.2 reads toast titles as
 * Pango markup, and what toasts say often comes from a user or the server
 * ("R&D bonus", a file name, an error). */
AdwToast *tally_toast_new_plain (const char *text);
/* Such a toast in the overlay of @widget's window, if it has one. */
void      tally_toast_show      (GtkWidget  *widget,
                                 const char *text);
/* Such a toast in the preferences window @widget is in, in place of the
 * one shown before through @current (kept there), so that saving again
 * and again shows one toast, not a queue of them. */
void      tally_toast_replace   (GtkWidget  *widget,
                                 AdwToast  **current,
                                 const char *text);

G_END_DECLS
