/* tally-widget-builders.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One place for the labels and lists several pages build alike, so they
 * look and read alike.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-widget-builders.h"

GtkWidget *
tally_heading_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

GtkLabel *
tally_message_label_new (const char *css_class)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_xalign (label, 0);
  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_selectable (label, TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), css_class);
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
  return label;
}

void
tally_message_label_set (GtkLabel   *label,
                         const char *text)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

void
tally_message_label_set_failure (GtkLabel     *label,
                                 const char   *what,
                                 const GError *error)
{
  g_autofree char *message = NULL;

  g_return_if_fail (GTK_IS_LABEL (label));
  g_return_if_fail (error != NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: what was not done, then why, e.g. "Your alerts were not
   * saved: the server's reason" */
  message = g_strdup_printf (_("%s: %s"), what, error->message);
  tally_message_label_set (label, message);
}

gint64
tally_spin_button_get_int64 (GtkSpinButton *spin)
{
  g_return_val_if_fail (GTK_IS_SPIN_BUTTON (spin), 0);

  gtk_spin_button_update (spin);
  return (gint64) gtk_spin_button_get_value (spin);
}

GtkWidget *
tally_padded_box_new (int spacing)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, spacing);

  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  return box;
}

GtkListBox *
tally_boxed_list_new (const char *accessible_name)
{
  GtkListBox *list = GTK_LIST_BOX (gtk_list_box_new ());

  gtk_list_box_set_selection_mode (list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (list), "boxed-list");
  if (accessible_name != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    accessible_name, -1);
  return list;
}

void
tally_list_box_remove_all (GtkListBox *list)
{
  GtkWidget *child;

  g_return_if_fail (GTK_IS_LIST_BOX (list));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}
