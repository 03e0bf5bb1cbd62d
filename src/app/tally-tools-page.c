/* tally-tools-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-tool-page.h"
#include "tally-tools-page.h"

struct _TallyToolsPage
{
  AdwBin              parent_instance;

  GtkStack           *stack;
  AdwPreferencesPage *page;
  GPtrArray          *groups;

  TallyClient        *client;
  GSettings          *settings;
  /* The tool open now, and the row that opened it. */
  TallyToolPage      *tool_page;
  GtkWidget          *tool_row;
};

G_DEFINE_FINAL_TYPE (TallyToolsPage, tally_tools_page, ADW_TYPE_BIN)

static void
tally_tools_page_dispose (GObject *object)
{
  TallyToolsPage *self = (TallyToolsPage *) object;

  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  self->tool_page = NULL;
  self->tool_row = NULL;

  G_OBJECT_CLASS (tally_tools_page_parent_class)->dispose (object);
}

static void
close_tool (TallyToolsPage *self)
{
  if (self->tool_page == NULL)
    return;

  /* A run in progress holds the page and still completes. */
  gtk_stack_remove (self->stack, GTK_WIDGET (self->tool_page));
  self->tool_page = NULL;
  self->tool_row = NULL;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TallyToolsPage *self = TALLY_TOOLS_PAGE (widget);

  gtk_stack_set_visible_child_name (self->stack, "catalogue");
  if (self->tool_row != NULL)
    gtk_widget_grab_focus (self->tool_row);
}

static void
tally_tools_page_class_init (TallyToolsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = tally_tools_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-tools-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyToolsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyToolsPage, page);

  gtk_widget_class_install_action (widget_class, "tools.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "tools.back",
                                       NULL);
}

static void
tally_tools_page_init (TallyToolsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->groups = g_ptr_array_new ();
}

/* "From 2 credits, 1 per 2 megapixels" */
static char *
price_text (JsonObject *tool)
{
  JsonObject *pricing = json_object_get_object_member (tool, "pricing");
  gint64 minimum = json_object_get_int_member_with_default (pricing, "minimum", 0);
  gint64 rate = json_object_get_int_member_with_default (pricing, "rate", 0);
  gint64 per = json_object_get_int_member_with_default (pricing, "per", 1);
  const char *unit = json_object_get_string_member_with_default (tool, "unit", "");

  g_autofree char *minimum_text = g_strdup_printf ("%" G_GINT64_FORMAT, minimum);
  g_autofree char *rate_text = g_strdup_printf ("%" G_GINT64_FORMAT, rate);
  g_autofree char *per_text = g_strdup_printf ("%" G_GINT64_FORMAT, per);

  /* Translators: "From 2 credits, then 1 per 2 megapixels" */
  return g_strdup_printf (_("From %s credits, then %s per %s %s"), minimum_text, rate_text,
                          per_text, unit);
}

static AdwPreferencesGroup *
group_for (TallyToolsPage *self,
           const char     *category)
{
  for (guint i = 0; i < self->groups->len; i++)
    {
      AdwPreferencesGroup *group = g_ptr_array_index (self->groups, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (group), "category"), category) == 0)
        return group;
    }

  {
    AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
    g_autofree char *title = g_strdup (category);

    title[0] = g_ascii_toupper (title[0]);
    adw_preferences_group_set_title (group, title);
    g_object_set_data_full (G_OBJECT (group), "category", g_strdup (category), g_free);
    adw_preferences_page_add (self->page, group);
    g_ptr_array_add (self->groups, group);
    return group;
  }
}

/* The same tool again shows its page as it was, with a run in progress. */
static void
open_tool (AdwActionRow   *row,
           TallyToolsPage *self)
{
  TallyTool *tool = g_object_get_data (G_OBJECT (row), "tool");

  g_return_if_fail (self->client != NULL);

  if (self->tool_page == NULL || tally_tool_page_get_tool (self->tool_page) != tool)
    {
      close_tool (self);
      self->tool_page = tally_tool_page_new (tool, self->client, self->settings);
      gtk_stack_add_named (self->stack, GTK_WIDGET (self->tool_page), "tool");
    }

  self->tool_row = GTK_WIDGET (row);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->tool_page));
  gtk_widget_child_focus (GTK_WIDGET (self->tool_page), GTK_DIR_TAB_FORWARD);
}

/* Rows of tools the app can read open their page. */
static void
make_openable (TallyToolsPage *self,
               GtkWidget      *row,
               JsonNode       *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyTool) tool = tally_tool_new_from_json (node, &error);

  if (tool == NULL)
    {
      g_warning ("A tool from the server cannot be read: %s", error->message);
      return;
    }

  g_object_set_data_full (G_OBJECT (row), "tool", g_steal_pointer (&tool), g_object_unref);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect (row, "activated", G_CALLBACK (open_tool), self);
}

static void
add_tool_row (TallyToolsPage *self,
              JsonNode       *node)
{
  JsonObject *tool = json_node_get_object (node);
  AdwPreferencesGroup *group = group_for (self, json_object_get_string_member (tool, "category"));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *price;
  g_autofree char *price_label = price_text (tool);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 json_object_get_string_member (tool, "name"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               json_object_get_string_member (tool, "description"));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  price = gtk_label_new (price_label);
  gtk_widget_add_css_class (price, "dim-label");
  gtk_widget_add_css_class (price, "caption");
  gtk_label_set_wrap (GTK_LABEL (price), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (price), 18);
  gtk_label_set_xalign (GTK_LABEL (price), 1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), price);
  make_openable (self, row, node);
  adw_preferences_group_add (group, row);
}

void
tally_tools_page_set_tools (TallyToolsPage *self,
                            JsonArray      *tools)
{
  g_return_if_fail (TALLY_IS_TOOLS_PAGE (self));

  /* An open tool stays open (a refresh must not lose a run), but its row
   * is gone. */
  self->tool_row = NULL;
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  for (guint i = 0; i < json_array_get_length (tools); i++)
    add_tool_row (self, json_array_get_element (tools, i));
}

void
tally_tools_page_reset (TallyToolsPage *self)
{
  g_return_if_fail (TALLY_IS_TOOLS_PAGE (self));

  gtk_stack_set_visible_child_name (self->stack, "catalogue");
  close_tool (self);
}

void
tally_tools_page_set_client (TallyToolsPage *self,
                             TallyClient    *client,
                             GSettings      *settings)
{
  g_return_if_fail (TALLY_IS_TOOLS_PAGE (self));
  g_return_if_fail (TALLY_IS_CLIENT (client));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->client, client);
  g_set_object (&self->settings, settings);
}
