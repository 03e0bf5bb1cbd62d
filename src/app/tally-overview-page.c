/* tally-overview-page.c: the balance, what is spent against the caps, and
 * the latest activity
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-history-item.h"
#include "tally-history-row.h"
#include "tally-overview-page.h"

#define N_LATEST 5

struct _TallyOverviewPage
{
  AdwBin         parent_instance;

  GtkLabel      *balance_label;
  GtkLabel      *available_label;
  AdwActionRow  *daily_row;
  GtkLevelBar   *daily_bar;
  AdwActionRow  *monthly_row;
  GtkLevelBar   *monthly_bar;
  AdwActionRow  *per_run_row;
  GtkStack      *activity_stack;
  GtkListBox    *activity_list;

  TallyLedger   *ledger;
  char          *account_id;
  /* Tool id -> name, to name the runs. */
  GHashTable    *tool_names;
};

G_DEFINE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, ADW_TYPE_BIN)

/* The figures */

void
tally_overview_page_set_account (TallyOverviewPage *self,
                                 gint64             balance,
                                 gint64             available,
                                 gint64             held,
                                 gint64             offline_reserve)
{
  g_autofree char *balance_text = tally_format_credits (balance);
  g_autofree char *available_text = tally_format_credits (available);
  g_autofree char *running_text = NULL;
  g_autofree char *reserve_text = NULL;
  g_autofree char *description = NULL;
  gint64 running;

  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));

  offline_reserve = CLAMP (offline_reserve, 0, held);
  running = held - offline_reserve;
  running_text = tally_format_credits (running);
  reserve_text = tally_format_credits (offline_reserve);

  if (running > 0 && offline_reserve > 0)
    /* Translators: "You can spend 90 credits now; 10 credits are held by
     * runs in progress and 100 credits set aside for offline use." */
    description = g_strdup_printf (_("You can spend %s now; %s are held by runs in progress and "
                                     "%s set aside for offline use."),
                                   available_text, running_text, reserve_text);
  else if (running > 0)
    description = g_strdup_printf (_("You can spend %s now; %s are held by runs in progress."),
                                   available_text, running_text);
  else if (offline_reserve > 0)
    description = g_strdup_printf (_("You can spend all of it: %s are set aside so that you can "
                                     "also run tools offline."),
                                   reserve_text);
  else
    description = g_strdup (_("You can spend all of it."));

  gtk_label_set_text (self->balance_label, balance_text);
  gtk_label_set_text (self->available_label, description);
}

/* "12 of 50 credits", or "12 credits, no cap"; the bar only with a cap. */
static void
show_window_limit (AdwActionRow *row,
                   GtkLevelBar  *bar,
                   JsonObject   *limit)
{
  JsonNode *cap = limit != NULL ? json_object_get_member (limit, "cap") : NULL;
  gint64 spent = limit != NULL ? json_object_get_int_member_with_default (limit, "spent", 0) : 0;
  g_autofree char *spent_text = tally_format_credits (spent);
  g_autofree char *subtitle = NULL;

  if (cap == NULL || JSON_NODE_HOLDS_NULL (cap))
    {
      /* Translators: "12 credits, no cap" */
      subtitle = g_strdup_printf (_("%s, no cap"), spent_text);
      gtk_widget_set_visible (GTK_WIDGET (bar), FALSE);
    }
  else
    {
      gint64 cap_value = json_node_get_int (cap);
      g_autofree char *cap_text = tally_format_credits (cap_value);

      /* Translators: "12 of 50 credits" (spent of the cap) */
      subtitle = g_strdup_printf (_("%'" G_GINT64_FORMAT " of %s"), spent, cap_text);
      gtk_level_bar_set_value (bar, cap_value > 0 ? MIN (1.0, (double) spent / (double) cap_value)
                                                  : 1.0);
      gtk_widget_set_visible (GTK_WIDGET (bar), TRUE);
    }

  adw_action_row_set_subtitle (row, subtitle);
}

static void
show_per_run_limit (AdwActionRow *row,
                    JsonObject   *limit)
{
  JsonNode *cap = limit != NULL ? json_object_get_member (limit, "cap") : NULL;
  g_autofree char *cap_text = NULL;
  g_autofree char *subtitle = NULL;

  if (cap == NULL || JSON_NODE_HOLDS_NULL (cap))
    {
      adw_action_row_set_subtitle (row, _("No cap"));
      return;
    }

  cap_text = tally_format_credits (json_node_get_int (cap));
  /* Translators: "At most 100 credits" */
  subtitle = g_strdup_printf (_("At most %s"), cap_text);
  adw_action_row_set_subtitle (row, subtitle);
}

static JsonObject *
limit_member (JsonObject *limits,
              const char *name)
{
  JsonNode *node = limits != NULL ? json_object_get_member (limits, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

void
tally_overview_page_set_limits (TallyOverviewPage *self,
                                JsonObject        *limits)
{
  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));

  show_window_limit (self->daily_row, self->daily_bar, limit_member (limits, "daily"));
  show_window_limit (self->monthly_row, self->monthly_bar, limit_member (limits, "monthly"));
  show_per_run_limit (self->per_run_row, limit_member (limits, "per_run"));
}

/* The latest activity */

static void
clear_activity (TallyOverviewPage *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->activity_list))) != NULL)
    gtk_list_box_remove (self->activity_list, row);
}

static void
add_activity_row (TallyOverviewPage        *self,
                  const TallyStatementItem *item)
{
  g_autoptr(TallyHistoryItem) history_item = tally_history_item_new (item);
  GtkWidget *row = tally_history_row_new ();
  const char *tool_name = g_hash_table_lookup (self->tool_names, item->tool_id);

  tally_history_row_set_item (TALLY_HISTORY_ROW (row), history_item, tool_name);
  gtk_list_box_append (self->activity_list, row);
}

void
tally_overview_page_reload (TallyOverviewPage *self)
{
  TallyStatementQuery query = { 0 };
  g_autoptr(GArray) items = NULL;
  g_autoptr(GError) error = NULL;
  guint shown = 0;

  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));

  clear_activity (self);
  if (self->ledger != NULL)
    {
      g_strlcpy (query.account_id, self->account_id, sizeof query.account_id);
      /* Leases are bookkeeping, not activity. */
      query.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
      query.limit = N_LATEST;
      items = tally_ledger_query_statement (self->ledger, &query, NULL, &error);
      /* Before the first sync the account is not in the cache yet. */
      if (items == NULL &&
          !g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
        g_warning ("The latest activity could not be read: %s", error->message);
    }

  for (guint i = 0; items != NULL && i < items->len; i++, shown++)
    add_activity_row (self, &g_array_index (items, TallyStatementItem, i));

  gtk_stack_set_visible_child_name (self->activity_stack, shown > 0 ? "list" : "empty");
}

void
tally_overview_page_set_source (TallyOverviewPage *self,
                                TallyLedger       *ledger,
                                const char        *account_id)
{
  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (ledger == NULL || account_id != NULL);

  g_set_object (&self->ledger, ledger);
  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  tally_overview_page_reload (self);
}

void
tally_overview_page_set_tools (TallyOverviewPage *self,
                               JsonArray         *tools)
{
  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));

  g_hash_table_remove_all (self->tool_names);
  for (guint i = 0; tools != NULL && i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);
      const char *id = tool != NULL ? json_object_get_string_member_with_default (tool, "id", NULL)
                                    : NULL;
      const char *name = tool != NULL
                           ? json_object_get_string_member_with_default (tool, "name", NULL)
                           : NULL;

      if (id != NULL && name != NULL)
        g_hash_table_insert (self->tool_names, g_strdup (id), g_strdup (name));
    }

  tally_overview_page_reload (self);
}

/* Actions: the window's other pages */

static void
show_view (GtkWidget  *widget,
           const char *name)
{
  GtkWidget *stack = gtk_widget_get_ancestor (widget, ADW_TYPE_VIEW_STACK);

  if (stack != NULL)
    adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), name);
}

static void
show_tools_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  show_view (widget, "tools");
}

static void
show_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  show_view (widget, "history");
}

static void
tally_overview_page_dispose (GObject *object)
{
  TallyOverviewPage *self = TALLY_OVERVIEW_PAGE (object);

  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (tally_overview_page_parent_class)->dispose (object);
}

static void
tally_overview_page_finalize (GObject *object)
{
  TallyOverviewPage *self = TALLY_OVERVIEW_PAGE (object);

  g_free (self->account_id);
  g_hash_table_unref (self->tool_names);

  G_OBJECT_CLASS (tally_overview_page_parent_class)->finalize (object);
}

static void
tally_overview_page_class_init (TallyOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_overview_page_dispose;
  object_class->finalize = tally_overview_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, balance_label);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, available_label);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, daily_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, daily_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, monthly_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, monthly_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, per_run_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, activity_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, activity_list);

  gtk_widget_class_install_action (widget_class, "overview.show-tools", NULL, show_tools_action);
  gtk_widget_class_install_action (widget_class, "overview.show-history", NULL,
                                   show_history_action);
}

static void
tally_overview_page_init (TallyOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->tool_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tally_overview_page_set_limits (self, NULL);
  gtk_stack_set_visible_child_name (self->activity_stack, "empty");
}
