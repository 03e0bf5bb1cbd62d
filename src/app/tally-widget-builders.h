/* tally-widget-builders.h: small widgets built the same way across the app
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A section's heading above a boxed list, with room above it. */
GtkWidget  *tally_heading_new        (const char *text);

/* A hidden, wrapping, selectable line for what went wrong or a note,
 * styled by @css_class ("error", "dim-label"; nullable). */
GtkLabel   *tally_message_label_new  (const char *css_class);
/* Shows @text in @label, or hides @label when @text is NULL. */
void        tally_message_label_set  (GtkLabel   *label,
                                      const char *text);
/* "@what: why" from @error in @label. A call cancelled because its page
 * or window went away has nothing to say: @label is left as it is. */
void        tally_message_label_set_failure (GtkLabel     *label,
                                             const char   *what,
                                             const GError *error);

/* What the user typed counts even before the spin button lost focus. */
gint64      tally_spin_button_get_int64 (GtkSpinButton *spin);

/* A vertical box with @spacing between its children and 12 px around. */
GtkWidget  *tally_padded_box_new     (int         spacing);

/* An empty boxed list without selection, named @accessible_name
 * (nullable) for screen readers. */
GtkListBox *tally_boxed_list_new     (const char *accessible_name);

/* Takes every row out of @list (gtk_list_box_remove_all() is GTK 4.12). */
void        tally_list_box_remove_all (GtkListBox *list);

G_END_DECLS
