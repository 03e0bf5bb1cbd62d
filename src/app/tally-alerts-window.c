/* tally-alerts-window.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dialog rather than a page: it is reached from the Overview and read
 * once in a while. Its list is the session's alerts model, which the
 * cache fills, so it shows the same offline.
 */

#include "config.h"

#include "tally-alert-row.h"
#include "tally-alerts-window.h"

struct _TallyAlertsWindow
{
  AdwWindow     parent_instance;

  GtkStack     *stack;
  GtkListBox   *list;

  TallySession *session;
};

G_DEFINE_FINAL_TYPE (TallyAlertsWindow, tally_alerts_window, ADW_TYPE_WINDOW)

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return tally_alert_row_new (TALLY_ALERT (item));
}

static void
show_list_or_empty (TallyAlertsWindow *self)
{
  GListModel *alerts = tally_session_get_alerts (self->session);

  gtk_stack_set_visible_child_name (self->stack,
                                    g_list_model_get_n_items (alerts) > 0 ? "list" : "empty");
}

/* Preferences → Alerts, over the main window: this one closes first, as
 * both are modal. */
static void
settings_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.alert-settings", NULL);
  gtk_window_close (GTK_WINDOW (widget));
}

static void
tally_alerts_window_dispose (GObject *object)
{
  TallyAlertsWindow *self = TALLY_ALERTS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_ALERTS_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_alerts_window_parent_class)->dispose (object);
}

static void
tally_alerts_window_class_init (TallyAlertsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_alerts_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/"
                                               "tally-alerts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyAlertsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyAlertsWindow, list);
  gtk_widget_class_install_action (widget_class, "alerts-window.settings", NULL, settings_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tally_alerts_window_init (TallyAlertsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TallyAlertsWindow *
tally_alerts_window_new (GtkWindow    *parent,
                         TallySession *session)
{
  TallyAlertsWindow *self;
  GListModel *alerts;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  self = g_object_new (TALLY_TYPE_ALERTS_WINDOW, "transient-for", parent,
                       "modal", parent != NULL, NULL);
  self->session = g_object_ref (session);
  alerts = tally_session_get_alerts (session);
  gtk_list_box_bind_model (self->list, alerts, create_row, NULL, NULL);
  g_signal_connect_object (alerts, "items-changed", G_CALLBACK (show_list_or_empty), self,
                           G_CONNECT_SWAPPED);
  show_list_or_empty (self);
  return self;
}
