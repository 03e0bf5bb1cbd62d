/* tally-overview-page.c: the balance, what is spent against the caps, and
 * the latest alerts and activity
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tally-alert-row.h"
#include "tally-format.h"
#include "tally-history-item.h"
#include "tally-history-row.h"
#include "tally-overview-page.h"

#define N_LATEST 5
#define N_LATEST_ALERTS 3

struct _TallyOverviewPage
{
  TallyPage          parent_instance;

  GtkLabel      *balance_label;
  GtkLabel      *available_label;
  GtkLabel      *expiring_label;
  AdwActionRow  *daily_row;
  GtkLevelBar   *daily_bar;
  AdwActionRow  *monthly_row;
  GtkLevelBar   *monthly_bar;
  AdwActionRow  *per_run_row;
  GtkStack      *activity_stack;
  GtkListBox    *activity_list;
  GtkStack      *alerts_stack;
  GtkListBox    *alerts_list;

  TallySession  *session;
};

G_DEFINE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, TALLY_TYPE_PAGE)

/* The figures */

static char *
format_credits (TallyOverviewPage *self,
                gint64             credits)
{
  return tally_format_credits (credits);
}

static char *
describe_available (TallyOverviewPage *self,
                    gint64             available,
                    gint64             held,
                    gint64             offline_reserve)
{
  g_autofree char *available_text = tally_format_credits (available);
  g_autofree char *running_text = NULL;
  g_autofree char *reserve_text = NULL;
  gint64 running;

  offline_reserve = CLAMP (offline_reserve, 0, held);
  running = held - offline_reserve;
  running_text = tally_format_credits (running);
  reserve_text = tally_format_credits (offline_reserve);

  if (running > 0 && offline_reserve > 0)
    /* Translators: "You can spend 90 credits now; 10 credits are held by
     * runs in progress and 100 credits set aside for offline use." */
    return g_strdup_printf (_("You can spend %s now; %s are held by runs in progress and "
                              "%s set aside for offline use."),
                            available_text, running_text, reserve_text);
  if (running > 0)
    return g_strdup_printf (_("You can spend %s now; %s are held by runs in progress."),
                            available_text, running_text);
  if (offline_reserve > 0)
    return g_strdup_printf (_("You can spend all of it: %s are set aside so that you can "
                              "also run tools offline."),
                            reserve_text);
  return g_strdup (_("You can spend all of it."));
}

/* "12 of 50 credits", or "12 credits, no cap"; the bar only with a cap. */
static void
show_window_limit (AdwActionRow          *row,
                   GtkLevelBar           *bar,
                   const TallySpendLimit *limit)
{
  g_autofree char *spent_text = tally_format_credits (limit->spent);
  g_autofree char *subtitle = NULL;

  if (!limit->has_cap)
    {
      /* Translators: "12 credits, no cap" */
      subtitle = g_strdup_printf (_("%s, no cap"), spent_text);
      gtk_widget_set_visible (GTK_WIDGET (bar), FALSE);
    }
  else
    {
      g_autofree char *cap_text = tally_format_credits (limit->cap);

      /* Translators: "12 of 50 credits" (spent of the cap) */
      subtitle = g_strdup_printf (_("%'" PRId64 " of %s"), limit->spent, cap_text);
      gtk_level_bar_set_value (bar, limit->cap > 0 ? MIN (1.0, (double) limit->spent /
                                                               (double) limit->cap)
                                                   : 1.0);
      gtk_widget_set_visible (GTK_WIDGET (bar), TRUE);
    }

  adw_action_row_set_subtitle (row, subtitle);
}

static void
show_per_run_limit (AdwActionRow          *row,
                    const TallySpendLimit *limit)
{
  g_autofree char *cap_text = NULL;
  g_autofree char *subtitle = NULL;

  if (!limit->has_cap)
    {
      adw_action_row_set_subtitle (row, _("No cap"));
      return;
    }

  cap_text = tally_format_credits (limit->cap);
  /* Translators: "At most 100 credits" */
  subtitle = g_strdup_printf (_("At most %s"), cap_text);
  adw_action_row_set_subtitle (row, subtitle);
}

static void
show_limits (TallyOverviewPage *self)
{
  static const TallySpendLimits none;
  const TallySpendLimits *limits = tally_session_get_limits (self->session);

  if (limits == NULL)
    limits = &none;
  show_window_limit (self->daily_row, self->daily_bar, &limits->daily);
  show_window_limit (self->monthly_row, self->monthly_bar, &limits->monthly);
  show_per_run_limit (self->per_run_row, &limits->per_run);
}

/* The latest alerts: the first of the session's, which come newest first */

static void
show_alerts (TallyOverviewPage *self)
{
  GListModel *alerts = tally_session_get_alerts (self->session);
  guint n = MIN (g_list_model_get_n_items (alerts), N_LATEST_ALERTS);
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->alerts_list))) != NULL)
    gtk_list_box_remove (self->alerts_list, row);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyAlert) alert = g_list_model_get_item (alerts, i);

      gtk_list_box_append (self->alerts_list, tally_alert_row_new (alert));
    }

  gtk_stack_set_visible_child_name (self->alerts_stack, n > 0 ? "list" : "empty");
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
  const char *tool_name = tally_session_get_tool_name (self->session, item->tool_id);

  tally_history_row_set_item (TALLY_HISTORY_ROW (row), history_item, tool_name);
  gtk_list_box_append (self->activity_list, row);
}

static void
reload (TallyOverviewPage *self)
{
  TallyLedger *ledger = tally_session_get_ledger (self->session);
  TallyStatementQuery query = { 0 };
  g_autoptr(GArray) items = NULL;
  g_autoptr(GError) error = NULL;
  guint shown = 0;

  clear_activity (self);
  if (ledger != NULL)
    {
      g_strlcpy (query.account_id, tally_session_get_account_id (self->session),
                 sizeof query.account_id);
      /* Leases are bookkeeping, not activity. */
      query.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
      query.limit = N_LATEST;
      items = tally_ledger_query_statement (ledger, &query, NULL, &error);
      /* Before the first sync the account is not in the cache yet. */
      if (items == NULL &&
          !g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
        g_warning ("The latest activity could not be read: %s", error->message);
    }

  for (guint i = 0; items != NULL && i < items->len; i++, shown++)
    add_activity_row (self, &g_array_index (items, TallyStatementItem, i));

  gtk_stack_set_visible_child_name (self->activity_stack, shown > 0 ? "list" : "empty");
}

/* "120 credits expire on 3 January": the soonest lot only. */
static void
show_expiring (TallyOverviewPage *self)
{
  gint64 credits = 0;
  GDateTime *at = tally_session_get_expiring (self->session, &credits);
  g_autofree char *day = NULL;
  g_autofree char *number = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->expiring_label), at != NULL && credits > 0);
  if (at == NULL || credits <= 0)
    return;

  day = tally_format_day (at);
  number = g_strdup_printf ("%'" G_GINT64_FORMAT, credits);
  /* Translators: "120 credits expire on 3 January" */
  text = g_strdup_printf (ngettext ("%s credit expires on %s", "%s credits expire on %s",
                                    (gulong) credits),
                          number, day);
  gtk_label_set_text (self->expiring_label, text);
}

static void
tally_overview_page_constructed (GObject *object)
{
  TallyOverviewPage *self = TALLY_OVERVIEW_PAGE (object);

  G_OBJECT_CLASS (tally_overview_page_parent_class)->constructed (object);

  /* The base class holds the reference. */
  self->session = tally_page_get_session (TALLY_PAGE (self));

  g_signal_connect_object (self->session, "notify::limits", G_CALLBACK (show_limits), self,
                           G_CONNECT_SWAPPED);
  /* The activity: the cache opened or changed, the runs' names arrived. */
  g_signal_connect_object (self->session, "notify::ledger", G_CALLBACK (reload), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "ledger-changed", G_CALLBACK (reload), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::tools", G_CALLBACK (reload), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tally_session_get_alerts (self->session), "items-changed",
                           G_CALLBACK (show_alerts), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::expiring-at", G_CALLBACK (show_expiring),
                           self, G_CONNECT_SWAPPED);
  show_expiring (self);
  show_limits (self);
  show_alerts (self);
  reload (self);
}

static void
tally_overview_page_dispose (GObject *object)
{
  TallyOverviewPage *self = TALLY_OVERVIEW_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_OVERVIEW_PAGE);

  G_OBJECT_CLASS (tally_overview_page_parent_class)->dispose (object);
}

static void
tally_overview_page_class_init (TallyOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_overview_page_constructed;
  object_class->dispose = tally_overview_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, balance_label);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, available_label);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, expiring_label);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, daily_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, daily_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, monthly_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, monthly_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, per_run_row);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, activity_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, activity_list);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, alerts_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, alerts_list);
  gtk_widget_class_bind_template_callback (widget_class, format_credits);
  gtk_widget_class_bind_template_callback (widget_class, describe_available);
}

static void
tally_overview_page_init (TallyOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->activity_stack, "empty");
}

TallyOverviewPage *
tally_overview_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_OVERVIEW_PAGE, "session", session, NULL);
}
