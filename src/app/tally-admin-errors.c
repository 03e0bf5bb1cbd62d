/* tally-admin-errors.c: the Admin view's Errors pane
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What users hit, as the server grouped it (code and route): an admin
 * sees it without reading logs, and the sample request id finds the
 * whole story in them. Read when first shown and on Reload only: the
 * groups are the server's memory since it started, not a live feed.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tally-admin-dialogs.h"
#include "tally-admin-errors.h"
#include "tally-session-admin.h"
#include "tally-widget-builders.h"

struct _TallyAdminErrors
{
  TallyAdminPane    parent_instance;

  GtkListBox       *list;
  GtkLabel         *status;
  TallyErrorGroups *groups;
};

G_DEFINE_FINAL_TYPE (TallyAdminErrors, tally_admin_errors, TALLY_TYPE_ADMIN_PANE)

/* @iso in local time, to the second. */
static char *
local_time (const char *iso)
{
  /* TRANSLATORS: when an error was seen, see strftime(3). */
  return tally_admin_local_time (iso, _("%Y-%m-%d %H:%M:%S"));
}

static GtkWidget *
group_row (TallyErrorGroup *group)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *first = local_time (group->first_seen);
  g_autofree char *last = local_time (group->last_seen);
  g_autofree char *times = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *name = NULL;

  times = g_strdup_printf (ngettext ("%" PRId64 " time", "%" PRId64 " times",
                                     group->count), group->count);
  /* TRANSLATORS: an error group: the request's method, route and status, how
   * often, when first and last, and the request id of the latest. */
  subtitle = g_strdup_printf (_("%s %s · %" PRId64 " · %s\n"
                                "First %s · last %s\n"
                                "Request %s"),
                              group->method, group->route, group->status, times, first, last,
                              group->request_id);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), group->code);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  /* TRANSLATORS: an error group, as a screen reader says it */
  name = g_strdup_printf (_("%s: %s"), group->code, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  return row;
}

static void
show_groups (TallyAdminErrors *self)
{
  g_autofree char *since = NULL;
  g_autofree char *text = NULL;

  tally_list_box_remove_all (self->list);
  for (guint i = 0; i < self->groups->items->len; i++)
    gtk_list_box_append (self->list, group_row (self->groups->items->pdata[i]));
  gtk_widget_set_visible (GTK_WIDGET (self->list), self->groups->items->len > 0);

  since = local_time (self->groups->since);
  if (self->groups->items->len == 0)
    text = g_strdup_printf (_("No errors since the server started, %s"), since);
  else if (self->groups->evicted > 0)
    text = g_strdup_printf (ngettext ("Since the server started, %s; %" PRId64
                                      " older group was dropped to make room",
                                      "Since the server started, %s; %" PRId64
                                      " older groups were dropped to make room",
                                      self->groups->evicted), since, self->groups->evicted);
  else
    text = g_strdup_printf (_("Since the server started, %s"), since);
  gtk_label_set_text (self->status, text);
}

static void
groups_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyAdminErrors) self = user_data;
  g_autoptr(GError) error = NULL;
  TallyErrorGroups *groups;

  groups = tally_session_load_error_groups_finish (TALLY_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.reload", TRUE);
  g_clear_pointer (&self->groups, tally_error_groups_free);
  if (groups == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The errors could not be read: %s"),
                                               error->message);

      tally_list_box_remove_all (self->list);
      gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);
      gtk_label_set_text (self->status, text);
      return;
    }
  self->groups = groups;
  show_groups (self);
}

static void
tally_admin_errors_reload (TallyAdminPane *pane)
{
  TallyAdminErrors *self = TALLY_ADMIN_ERRORS (pane);

  gtk_label_set_text (self->status, _("Loading…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.reload", FALSE);
  tally_session_load_error_groups_async (tally_page_get_session (TALLY_PAGE (self)),
                                         tally_admin_pane_get_cancellable (pane), groups_loaded,
                                         g_object_ref (self));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  tally_admin_pane_reload (TALLY_ADMIN_PANE (widget));
}

static void
tally_admin_errors_clear (TallyAdminPane *pane)
{
  TallyAdminErrors *self = TALLY_ADMIN_ERRORS (pane);

  g_clear_pointer (&self->groups, tally_error_groups_free);
  tally_list_box_remove_all (self->list);
  gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);
  gtk_label_set_text (self->status, "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.reload", TRUE);
}

static void
build (TallyAdminErrors *self)
{
  GtkBox *box = tally_admin_pane_set_body (TALLY_ADMIN_PANE (self), 0);
  GtkWidget *reload = gtk_button_new_with_mnemonic (_("_Reload"));

  self->status = tally_admin_status_new ();
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));

  self->list = tally_boxed_list_new (_("Errors by code and route"));
  gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->list));

  gtk_actionable_set_action_name (GTK_ACTIONABLE (reload), "errors.reload");
  gtk_widget_add_css_class (reload, "pill");
  gtk_widget_set_halign (reload, GTK_ALIGN_CENTER);
  gtk_box_append (box, reload);
}

static void
tally_admin_errors_dispose (GObject *object)
{
  TallyAdminErrors *self = TALLY_ADMIN_ERRORS (object);

  g_clear_pointer (&self->groups, tally_error_groups_free);

  G_OBJECT_CLASS (tally_admin_errors_parent_class)->dispose (object);
}

static void
tally_admin_errors_class_init (TallyAdminErrorsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TallyAdminPaneClass *pane_class = TALLY_ADMIN_PANE_CLASS (klass);

  object_class->dispose = tally_admin_errors_dispose;
  pane_class->reload = tally_admin_errors_reload;
  pane_class->clear = tally_admin_errors_clear;

  gtk_widget_class_install_action (widget_class, "errors.reload", NULL, reload_action);
}

static void
tally_admin_errors_init (TallyAdminErrors *self)
{
  build (self);
}

GtkWidget *
tally_admin_errors_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_ERRORS, "session", session, NULL);
}

TallyErrorGroups *
tally_admin_errors_get_groups (TallyAdminErrors *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_ERRORS (self), NULL);

  return self->groups;
}
