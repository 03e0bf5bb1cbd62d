/* tally-admin-dialogs.c: what the panes of the Admin view say, ask and share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every change to a user asks first, in one shape: a heading naming the
 * user, what the change does, Cancel and the change's own button, and
 * sometimes a form.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-admin-dialogs.h"

GtkLabel *
tally_admin_status_new (void)
{
  GtkLabel *status = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_wrap (status, TRUE);
  gtk_label_set_xalign (status, 0);
  gtk_widget_add_css_class (GTK_WIDGET (status), "dim-label");
  return status;
}

typedef struct
{
  TallyAdminConfirmFunc func;
  gpointer              data;
  GDestroyNotify        destroy;
} Confirm;

static void
confirm_free (gpointer data)
{
  Confirm *confirm = data;

  if (confirm->destroy != NULL)
    confirm->destroy (confirm->data);
  g_free (confirm);
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             Confirm          *confirm)
{
  if (g_str_equal (response, "confirm"))
    confirm->func (dialog, confirm->data);
}

AdwMessageDialog *
tally_admin_confirm (GtkWidget             *widget,
                     const char            *heading,
                     const char            *body,
                     const char            *confirm_label,
                     AdwResponseAppearance  appearance,
                     GtkWidget             *form,
                     TallyAdminConfirmFunc  func,
                     gpointer               data,
                     GDestroyNotify         destroy)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  AdwMessageDialog *dialog;
  Confirm *confirm = g_new0 (Confirm, 1);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "confirm", confirm_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "confirm", appearance);
  adw_message_dialog_set_default_response (dialog, appearance == ADW_RESPONSE_DESTRUCTIVE
                                                   ? "cancel" : "confirm");
  adw_message_dialog_set_close_response (dialog, "cancel");
  if (form != NULL)
    adw_message_dialog_set_extra_child (dialog, form);

  confirm->func = func;
  confirm->data = data;
  confirm->destroy = destroy;
  g_object_set_data_full (G_OBJECT (dialog), "tally-admin-confirm", confirm, confirm_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), confirm);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

char *
tally_admin_local_time (const char *iso,
                        const char *format)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso, NULL);
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (time);
  return g_date_time_format (local, format);
}
