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
#include "tally-toast.h"

void
tally_admin_toast (GtkWidget  *widget,
                   const char *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), tally_toast_new_plain (text));
}

GtkLabel *
tally_admin_status_new (void)
{
  GtkLabel *status = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_wrap (status, TRUE);
  gtk_label_set_xalign (status, 0);
  gtk_widget_add_css_class (GTK_WIDGET (status), "dim-label");
  return status;
}

GtkWidget *
tally_admin_form_new (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return list;
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

void
tally_admin_follow_session (GtkWidget    *pane,
                            TallySession *session,
                            GCallback     on_map,
                            GCallback     on_change)
{
  g_signal_connect (pane, "map", on_map, NULL);
  g_signal_connect_object (session, "notify::role", on_change, pane, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::user-id", on_change, pane, G_CONNECT_SWAPPED);
}

void
tally_admin_renew_cancellable (GCancellable **cancellable)
{
  g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
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
