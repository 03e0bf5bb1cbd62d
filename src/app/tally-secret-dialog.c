/* tally-secret-dialog.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-secret-dialog.h"

static void
copy_secret (GtkButton *button,
             GtkLabel  *secret)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)),
                          gtk_label_get_text (secret));
  gtk_button_set_label (button, _("Copied"));
}

/* Selectable, and wrapped anywhere: a secret has no spaces to wrap at. */
static GtkWidget *
secret_label_new (const char *secret,
                  const char *accessible_name)
{
  GtkWidget *label = gtk_label_new (secret);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (label, "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  return label;
}

void
tally_secret_dialog_present (GtkWindow  *parent,
                             const char *heading,
                             const char *body,
                             const char *secret,
                             const char *copy_label,
                             const char *accessible_name)
{
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *label;
  GtkWidget *copy;

  g_return_if_fail (heading != NULL && body != NULL && secret != NULL);
  g_return_if_fail (copy_label != NULL && accessible_name != NULL);

  dialog = adw_message_dialog_new (parent, heading, body);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  label = secret_label_new (secret, accessible_name);
  copy = gtk_button_new_with_mnemonic (copy_label);
  gtk_widget_set_halign (copy, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (copy, "pill");
  g_signal_connect (copy, "clicked", G_CALLBACK (copy_secret), label);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), copy);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Done"));
  gtk_window_present (GTK_WINDOW (dialog));
}
