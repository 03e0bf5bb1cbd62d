/* tally-toast.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-toast.h"

AdwToast *
tally_toast_new_plain (const char *text)
{
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  escaped = g_markup_escape_text (text, -1);
  return adw_toast_new (escaped);
}

void
tally_toast_show (GtkWidget  *widget,
                  const char *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), tally_toast_new_plain (text));
}

void
tally_toast_replace (GtkWidget   *widget,
                     AdwToast   **current,
                     const char  *text)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (!ADW_IS_PREFERENCES_WINDOW (root))
    return;
  if (*current != NULL)
    adw_toast_dismiss (*current);
  g_clear_object (current);
  *current = g_object_ref (tally_toast_new_plain (text));
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), *current);
}
