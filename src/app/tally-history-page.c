/* tally-history-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-history-page.h"

struct _TallyHistoryPage
{
  AdwBin         parent_instance;

  GtkStack      *stack;
  GtkListBox    *list;
};

G_DEFINE_FINAL_TYPE (TallyHistoryPage, tally_history_page, ADW_TYPE_BIN)

static void
tally_history_page_class_init (TallyHistoryPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-history-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, list);
}

static void
tally_history_page_init (TallyHistoryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static const char *
status_text (const char *status)
{
  if (g_strcmp0 (status, "pending") == 0)
    return _("Held while the run goes on");
  if (g_strcmp0 (status, "voided") == 0)
    return _("Released: nothing was charged");
  return NULL;
}

static char *
when_text (const char *iso8601)
{
  g_autoptr(GDateTime) utc = iso8601 ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%x %X") : g_strdup ("");
}

static GtkWidget *
item_row (JsonObject *item)
{
  const char *description = json_object_get_string_member_with_default (item, "description", "");
  const char *kind = json_object_get_string_member_with_default (item, "kind", "");
  const char *status = json_object_get_string_member_with_default (item, "status", "");
  gint64 amount = json_object_get_int_member_with_default (item, "amount", 0);
  g_autofree char *when = when_text (json_object_get_string_member_with_default (item, "created_at",
                                                                                NULL));
  g_autofree char *credits = tally_format_credits (amount);
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *amount_label = gtk_label_new (credits);

  subtitle = status_text (status) ? g_strdup_printf ("%s · %s", when, status_text (status))
                                  : g_strdup (when);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), description[0] ? description : kind);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (amount_label, "numeric");
  if (amount > 0)
    gtk_widget_add_css_class (amount_label, "success");
  else if (g_strcmp0 (status, "posted") != 0)
    gtk_widget_add_css_class (amount_label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), amount_label);
  return row;
}

void
tally_history_page_set_items (TallyHistoryPage *self,
                              JsonArray        *items)
{
  GtkWidget *child;

  g_return_if_fail (TALLY_IS_HISTORY_PAGE (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  for (guint i = 0; i < json_array_get_length (items); i++)
    gtk_list_box_append (self->list, item_row (json_array_get_object_element (items, i)));

  gtk_stack_set_visible_child_name (self->stack, json_array_get_length (items) ? "list" : "empty");
}
