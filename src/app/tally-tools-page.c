/* tally-tools-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tally-installed-tools.h"
#include "tally-tool-page.h"
#include "tally-tools-page.h"

struct _TallyToolsPage
{
  TallyPage          parent_instance;

  GtkStack           *stack;
  AdwPreferencesPage *page;
  GPtrArray          *groups;

  TallySession       *session;
  /* The tool open now, and the row that opened it. */
  TallyToolPage      *tool_page;
  GtkWidget          *tool_row;
};

G_DEFINE_FINAL_TYPE (TallyToolsPage, tally_tools_page, TALLY_TYPE_PAGE)

static void
tally_tools_page_dispose (GObject *object)
{
  TallyToolsPage *self = (TallyToolsPage *) object;

  g_clear_pointer (&self->groups, g_ptr_array_unref);
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

static void show_tools (TallyToolsPage *self);

static void
tally_tools_page_constructed (GObject *object)
{
  TallyToolsPage *self = TALLY_TOOLS_PAGE (object);

  G_OBJECT_CLASS (tally_tools_page_parent_class)->constructed (object);

  /* The base class holds the reference. */
  self->session = tally_page_get_session (TALLY_PAGE (self));

  g_signal_connect_object (self->session, "notify::tools", G_CALLBACK (show_tools), self,
                           G_CONNECT_SWAPPED);
  show_tools (self);
}

static void
tally_tools_page_class_init (TallyToolsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_tools_page_constructed;
  object_class->dispose = tally_tools_page_dispose;
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

/* "From 2 credits, then 1 per 2 megapixels" */
static char *
price_text (TallyTool *tool)
{
  const TallyPriceRule *rule = tally_tool_get_price_rule (tool);
  g_autofree char *minimum = g_strdup_printf ("%'" G_GINT64_FORMAT, rule->minimum);
  g_autofree char *from = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "From %s credit",
                                                        "From %s credits",
                                                        rule->minimum == 1 ? 1 : 2),
                                           minimum);
  g_autofree char *then = NULL;

  if (rule->per == 1)
    /* Translators: the rest of "From 2 credits, then 1 per page" */
    then = g_strdup_printf (_("then %'" PRId64 " per %s"), rule->rate,
                            tally_tool_get_unit_singular (tool));
  else
    /* Translators: the rest of "From 2 credits, then 1 per 2 megapixels" */
    then = g_strdup_printf (_("then %'" PRId64 " per %'" PRId64 " %s"),
                            rule->rate, rule->per, tally_tool_get_unit (tool));

  /* Translators: "From 2 credits" and "then 1 per 2 megapixels" */
  return g_strdup_printf (_("%s, %s"), from, then);
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

  if (self->tool_page == NULL || tally_tool_page_get_tool (self->tool_page) != tool)
    {
      close_tool (self);
      self->tool_page = tally_tool_page_new (tool, self->session);
      gtk_stack_add_named (self->stack, GTK_WIDGET (self->tool_page), "tool");
    }

  self->tool_row = GTK_WIDGET (row);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->tool_page));
  gtk_widget_child_focus (GTK_WIDGET (self->tool_page), GTK_DIR_TAB_FORWARD);
}

static void
add_tool_row (TallyToolsPage *self,
              TallyTool      *tool)
{
  AdwPreferencesGroup *group = group_for (self, tally_tool_get_category (tool));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *price;
  g_autofree char *price_label = price_text (tool);
  g_autofree char *unavailable = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), tally_tool_get_name (tool));
  /* A tool the app cannot run says so on its row, before it is opened. */
  if (tally_installed_tools_match (tool, &unavailable) == NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), unavailable);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), tally_tool_get_description (tool));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  price = gtk_label_new (price_label);
  gtk_widget_add_css_class (price, "dim-label");
  gtk_widget_add_css_class (price, "caption");
  gtk_label_set_wrap (GTK_LABEL (price), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (price), 18);
  gtk_label_set_xalign (GTK_LABEL (price), 1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), price);
  g_object_set_data_full (G_OBJECT (row), "tool", g_object_ref (tool), g_object_unref);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect (row, "activated", G_CALLBACK (open_tool), self);
  adw_preferences_group_add (group, row);
}

/* The catalogue changed (or arrived): one group per category. */
static void
show_tools (TallyToolsPage *self)
{
  TallyToolRegistry *tools = tally_session_get_tools (self->session);

  /* An open tool stays open (a refresh must not lose a run), but its row
   * is gone. */
  self->tool_row = NULL;
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  for (guint i = 0; tools != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (tools)); i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (tools), i);

      add_tool_row (self, tool);
    }
}

void
tally_tools_page_reset (TallyToolsPage *self)
{
  g_return_if_fail (TALLY_IS_TOOLS_PAGE (self));

  gtk_stack_set_visible_child_name (self->stack, "catalogue");
  close_tool (self);
}

TallyToolsPage *
tally_tools_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_TOOLS_PAGE, "session", session, NULL);
}
