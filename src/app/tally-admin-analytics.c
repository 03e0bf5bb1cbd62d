/* tally-admin-analytics.c: the Admin view's Analytics pane
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The business questions of the roadmap's phase 9.3 as the server answers
 * them (GET /v1/admin/analytics), drawn with the Usage page's chart. Each
 * chart has its table, the same bars as rows a screen reader reads in
 * order, and Export… writes the figures as CSV. Read when first shown and
 * when the period changes.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <locale.h>
#include <string.h>

#include "tally-admin-analytics.h"
#include "tally-admin-dialogs.h"
#include "tally-format.h"
#include "tally-session-admin.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

static const guint period_days[] = { 7, 30, 90, 365 };
#define DEFAULT_PERIOD 1

typedef struct
{
  TallyBarChart *chart;
  GtkListBox    *table;
  GtkStack      *stack;
} Chart;

struct _TallyAdminAnalytics
{
  TallyAdminPane   parent_instance;

  AdwComboRow     *period_row;
  GtkToggleButton *table_button;
  GtkLabel        *status;
  Chart            charts[TALLY_ANALYTICS_N_CHARTS];
  GtkListBox      *purchases_list;
  TallyAnalytics  *analytics;
};

G_DEFINE_FINAL_TYPE (TallyAdminAnalytics, tally_admin_analytics, TALLY_TYPE_ADMIN_PANE)

/* ---- wording -------------------------------------------------------------- */

/* 503 ‰ as "50.3 %", integers only, with the locale's decimal point. */
static char *
percent_text (gint64 per_mille)
{
  const char *point = localeconv ()->decimal_point;

  /* TRANSLATORS: a rate: whole percent, decimal point, tenths */
  return g_strdup_printf (_("%" PRId64 "%s%" PRId64 " %%"), per_mille / 10,
                          point != NULL && *point != '\0' ? point : ".", per_mille % 10);
}

/* Rounded down to the largest unit that fits. */
static char *
duration_text (gint64 seconds)
{
  gint64 days = seconds / 86400, hours = seconds / 3600, minutes = seconds / 60;

  if (days > 0)
    return g_strdup_printf (ngettext ("%" PRId64 " day", "%" PRId64 " days",
                                      days), days);
  if (hours > 0)
    return g_strdup_printf (ngettext ("%" PRId64 " hour", "%" PRId64 " hours",
                                      hours), hours);
  if (minutes > 0)
    return g_strdup_printf (ngettext ("%" PRId64 " minute", "%" PRId64 " minutes", minutes),
                            minutes);
  return g_strdup (_("Less than a minute"));
}

static char *
runs_text (gint64 runs)
{
  return g_strdup_printf (ngettext ("%" PRId64 " run", "%" PRId64 " runs",
                                    runs), runs);
}

/* The funnel's steps as the server names them. */
static const struct
{
  const char *step;
  const char *label;
  const char *description;
} steps[] = {
  { "registered", N_("Registered"), N_("Registered") },
  { "first_run", N_("Ran"), N_("Made a first run") },
  { "first_purchase", N_("Bought"), N_("Made a first purchase") },
  { "second_purchase", N_("Again"), N_("Made a second purchase") },
};

/* ---- the charts ------------------------------------------------------------ */

typedef struct
{
  GPtrArray *labels;
  GPtrArray *descriptions;
  GArray    *values;
} Bars;

static void
bars_init (Bars *bars)
{
  bars->labels = g_ptr_array_new_with_free_func (g_free);
  bars->descriptions = g_ptr_array_new_with_free_func (g_free);
  bars->values = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
bars_add (Bars   *bars,
          char   *label,
          char   *description,
          gint64  value)
{
  g_ptr_array_add (bars->labels, label);
  g_ptr_array_add (bars->descriptions, description);
  g_array_append_val (bars->values, value);
}

/* Draws @bars on @chart's chart and lists them in its table; frees them. */
static void
show_bars (Chart *chart,
           Bars  *bars)
{
  tally_bar_chart_set_bars (chart->chart, (const char * const *) bars->labels->pdata,
                            (const char * const *) bars->descriptions->pdata,
                            (const gint64 *) (gpointer) bars->values->data, bars->values->len);
  tally_list_box_remove_all (chart->table);
  /* The rows read exactly as the chart's bars do. */
  for (guint i = 0; i < bars->values->len; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *text = tally_bar_chart_describe_bar (chart->chart, i);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
      gtk_list_box_append (chart->table, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (chart->table), bars->values->len > 0);
  g_ptr_array_unref (bars->labels);
  g_ptr_array_unref (bars->descriptions);
  g_array_unref (bars->values);
}

static void
show_tools (TallyAdminAnalytics *self)
{
  TallySession *session = tally_page_get_session (TALLY_PAGE (self));
  Bars bars;

  bars_init (&bars);
  for (guint i = 0; i < self->analytics->tools->len; i++)
    {
      TallyAnalyticsItem *tool = self->analytics->tools->pdata[i];
      const char *catalogued = tally_session_get_tool_name (session, tool->name);
      /* The catalogue's name where the app knows the tool; a retired one
       * keeps its id. */
      const char *name = catalogued != NULL ? catalogued
                         : tool->name != NULL ? tool->name : _("No tool");
      g_autofree char *runs = runs_text (tool->count);
      g_autofree char *users = g_strdup_printf (ngettext ("%" PRId64 " user",
                                                          "%" PRId64 " users",
                                                          tool->users), tool->users);

      /* TRANSLATORS: a tool's bar: its name, its runs, the users who ran it */
      bars_add (&bars, g_strdup (name), g_strdup_printf (_("%s (%s by %s)"), name, runs, users),
                tool->credits);
    }
  show_bars (&self->charts[TALLY_ANALYTICS_TOOLS], &bars);
}

static void
show_hours (TallyAdminAnalytics *self)
{
  Bars bars;

  bars_init (&bars);
  for (guint i = 0; i < self->analytics->hours->len; i++)
    {
      TallyAnalyticsItem *hour = self->analytics->hours->pdata[i];
      g_autofree char *runs = runs_text (hour->count);

      /* TRANSLATORS: an hour of the day's bar: from, to, its runs */
      bars_add (&bars, g_strdup_printf ("%u", i),
                g_strdup_printf (_("%02u:00 to %02u:00 UTC (%s)"), i, (i + 1) % 24, runs),
                hour->credits);
    }
  show_bars (&self->charts[TALLY_ANALYTICS_HOURS], &bars);
}

static void
show_days (TallyAdminAnalytics *self)
{
  /* 1 January 2024 was a Monday: the locale's names of the days. */
  g_autoptr(GDateTime) monday = g_date_time_new_utc (2024, 1, 1, 12, 0, 0);
  Bars bars;

  bars_init (&bars);
  for (guint i = 0; i < self->analytics->days->len; i++)
    {
      TallyAnalyticsItem *day = self->analytics->days->pdata[i];
      g_autoptr(GDateTime) date = g_date_time_add_days (monday, i);
      g_autofree char *name = g_date_time_format (date, "%A");
      g_autofree char *runs = runs_text (day->count);

      /* TRANSLATORS: a day of the week's bar: the day, its runs */
      bars_add (&bars, g_date_time_format (date, "%a"),
                g_strdup_printf (_("%s (%s)"), name, runs), day->credits);
    }
  show_bars (&self->charts[TALLY_ANALYTICS_DAYS], &bars);
}

static void
show_packs (TallyAdminAnalytics *self)
{
  Bars bars;

  bars_init (&bars);
  for (guint i = 0; i < self->analytics->packs->len; i++)
    {
      TallyAnalyticsItem *pack = self->analytics->packs->pdata[i];
      g_autofree char *credits = tally_format_credits (pack->credits);
      g_autofree char *buyers = g_strdup_printf (ngettext ("%" PRId64 " buyer",
                                                           "%" PRId64 " buyers",
                                                           pack->users), pack->users);

      /* TRANSLATORS: a pack's bar, whose figure is how often it was bought:
       * the pack, its buyers, the credits they got */
      bars_add (&bars, g_strdup (pack->name),
                g_strdup_printf (_("Purchases of %s (%s, %s)"), pack->name, buyers, credits),
                pack->count);
    }
  show_bars (&self->charts[TALLY_ANALYTICS_PACKS], &bars);
}

static void
show_funnel (TallyAdminAnalytics *self)
{
  Bars bars;

  bars_init (&bars);
  for (guint i = 0; i < self->analytics->funnel->len; i++)
    {
      TallyAnalyticsItem *step = self->analytics->funnel->pdata[i];
      const char *label = step->name, *description = step->name;
      g_autofree char *rate = percent_text (step->per_mille);

      for (guint j = 0; j < G_N_ELEMENTS (steps); j++)
        if (g_strcmp0 (step->name, steps[j].step) == 0)
          {
            label = _(steps[j].label);
            description = _(steps[j].description);
          }
      /* TRANSLATORS: a step of the funnel: the step, its share of those who
       * registered */
      bars_add (&bars, g_strdup (label),
                g_strdup_printf (_("%s (%s of those registered)"), description, rate),
                step->count);
    }
  show_bars (&self->charts[TALLY_ANALYTICS_FUNNEL], &bars);
}

static void
add_figure (GtkListBox *list,
            const char *title,
            const char *figure)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (figure);
  g_autofree char *name = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  /* TRANSLATORS: a figure as a screen reader says it: what, how much */
  name = g_strdup_printf (_("%s: %s"), title, figure);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_list_box_append (list, row);
}

static void
show_purchases (TallyAdminAnalytics *self)
{
  TallyAnalytics *a = self->analytics;
  g_autofree char *purchases = g_strdup_printf ("%'" PRId64, a->purchases);
  g_autofree char *buyers = g_strdup_printf ("%'" PRId64, a->buyers);
  g_autofree char *rate = percent_text (a->repeat_per_mille);
  g_autofree char *again = NULL;
  g_autofree char *median = NULL;

  /* TRANSLATORS: buyers who bought again, and their share of all buyers */
  again = g_strdup_printf (_("%'" PRId64 " (%s)"), a->repeat_buyers, rate);
  median = a->median_seconds_between >= 0 ? duration_text (a->median_seconds_between)
                                          : g_strdup (_("Nobody bought twice"));
  tally_list_box_remove_all (self->purchases_list);
  add_figure (self->purchases_list, _("Purchases"), purchases);
  add_figure (self->purchases_list, _("Buyers"), buyers);
  add_figure (self->purchases_list, _("Bought again"), again);
  add_figure (self->purchases_list, _("Median time between purchases"), median);
}

static char *
local_time (const char *iso)
{
  /* TRANSLATORS: the start or end of the figures' period, see strftime(3) */
  return tally_admin_local_time (iso, _("%Y-%m-%d %H:%M"));
}

static void
show_analytics (TallyAdminAnalytics *self)
{
  g_autofree char *since = local_time (self->analytics->since);
  g_autofree char *until = local_time (self->analytics->until);
  g_autofree char *range = NULL;

  show_tools (self);
  show_hours (self);
  show_days (self);
  show_packs (self);
  show_funnel (self);
  show_purchases (self);
  /* TRANSLATORS: the period the figures cover, start to end */
  range = g_strdup_printf (_("From %s to %s"), since, until);
  gtk_label_set_text (self->status, range);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.export", TRUE);
}

/* ---- loading ---------------------------------------------------------------- */

static void
clear_figures (TallyAdminAnalytics *self)
{
  for (guint i = 0; i < TALLY_ANALYTICS_N_CHARTS; i++)
    {
      tally_bar_chart_set_bars (self->charts[i].chart, NULL, NULL, NULL, 0);
      tally_list_box_remove_all (self->charts[i].table);
      gtk_widget_set_visible (GTK_WIDGET (self->charts[i].table), FALSE);
    }
  tally_list_box_remove_all (self->purchases_list);
  g_clear_pointer (&self->analytics, tally_analytics_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.export", FALSE);
}

static void
analytics_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyAdminAnalytics) self = user_data;
  g_autoptr(GError) error = NULL;
  TallyAnalytics *analytics;

  analytics = tally_session_load_analytics_finish (TALLY_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.reload", TRUE);
  if (analytics == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The figures could not be read: %s"),
                                               error->message);

      /* No figures of another period under the words that say so. */
      clear_figures (self);
      gtk_label_set_text (self->status, text);
      return;
    }
  g_clear_pointer (&self->analytics, tally_analytics_free);
  self->analytics = analytics;
  show_analytics (self);
}

static void
tally_admin_analytics_reload (TallyAdminPane *pane)
{
  TallyAdminAnalytics *self = TALLY_ADMIN_ANALYTICS (pane);
  guint selected = adw_combo_row_get_selected (self->period_row);
  guint days = period_days[selected < G_N_ELEMENTS (period_days) ? selected : DEFAULT_PERIOD];
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = g_date_time_add_days (now, -(gint) days);
  g_autofree char *since = g_date_time_format_iso8601 (start);

  /* A new period cancels the answer to the last. */
  GCancellable *cancellable = tally_admin_pane_renew_cancellable (pane);

  gtk_label_set_text (self->status, _("Loading…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.reload", FALSE);
  tally_session_load_analytics_async (tally_page_get_session (TALLY_PAGE (self)), since, NULL,
                                      cancellable, analytics_loaded, g_object_ref (self));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  tally_admin_pane_reload (TALLY_ADMIN_PANE (widget));
}

static void
on_period_changed (TallyAdminAnalytics *self)
{
  if (tally_admin_pane_get_loaded (TALLY_ADMIN_PANE (self)))
    tally_admin_pane_reload (TALLY_ADMIN_PANE (self));
}

static void
tally_admin_analytics_clear (TallyAdminPane *pane)
{
  TallyAdminAnalytics *self = TALLY_ADMIN_ANALYTICS (pane);

  clear_figures (self);
  gtk_label_set_text (self->status, "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.reload", TRUE);
}

/* ---- export ------------------------------------------------------------------ */

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyAdminAnalytics) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *text = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    /* TRANSLATORS: %s is a file name */
    text = g_strdup_printf (_("Saved “%s”"), name);
  else
    /* TRANSLATORS: %s says why */
    text = g_strdup_printf (_("Could not save: %s"), error->message);
  tally_toast_show (GTK_WIDGET (self), text);
}

void
tally_admin_analytics_export_to (TallyAdminAnalytics *self,
                                 GFile               *file)
{
  g_autoptr(GBytes) bytes = NULL;
  char *csv;

  g_return_if_fail (TALLY_IS_ADMIN_ANALYTICS (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->analytics != NULL);

  csv = tally_analytics_to_csv (self->analytics);
  bytes = g_bytes_new_take (csv, strlen (csv));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       tally_admin_pane_get_cancellable (TALLY_ADMIN_PANE (self)),
                                       exported, g_object_ref (self));
}

static void
chooser_response (GtkNativeDialog     *chooser,
                  int                  response,
                  TallyAdminAnalytics *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->analytics != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tally_admin_analytics_export_to (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  /* Nothing to export: the action is off, but a caller may not ask. */
  if (TALLY_ADMIN_ANALYTICS (widget)->analytics == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Export the Figures"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "tally-analytics.csv");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- building ------------------------------------------------------------------ */

static void
on_table_toggled (TallyAdminAnalytics *self)
{
  gboolean tables = gtk_toggle_button_get_active (self->table_button);

  for (guint i = 0; i < TALLY_ANALYTICS_N_CHARTS; i++)
    gtk_stack_set_visible_child_name (self->charts[i].stack, tables ? "table" : "chart");
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LEVEL, 2, -1);
  return label;
}

static void
add_chart (TallyAdminAnalytics *self,
           GtkBox              *box,
           TallyAnalyticsChart  which,
           const char          *title,
           TallyBarChartUnit    unit)
{
  Chart *chart = &self->charts[which];
  /* TRANSLATORS: the table that says what a chart shows, %s its title */
  g_autofree char *table_name = g_strdup_printf (_("%s, as a table"), title);

  chart->chart = TALLY_BAR_CHART (tally_bar_chart_new ());
  tally_bar_chart_set_title (chart->chart, title);
  tally_bar_chart_set_unit (chart->chart, unit);
  chart->table = tally_boxed_list_new (table_name);
  gtk_widget_set_visible (GTK_WIDGET (chart->table), FALSE);
  chart->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_vhomogeneous (chart->stack, FALSE);
  gtk_stack_add_named (chart->stack, GTK_WIDGET (chart->chart), "chart");
  gtk_stack_add_named (chart->stack, GTK_WIDGET (chart->table), "table");
  gtk_box_append (box, heading (title));
  gtk_box_append (box, GTK_WIDGET (chart->stack));
}

static GtkWidget *
build_controls (TallyAdminAnalytics *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *list = GTK_WIDGET (tally_boxed_list_new (_("Period")));
  GtkWidget *export = gtk_button_new_with_mnemonic (_("E_xport…"));
  g_autoptr(GtkStringList) periods = gtk_string_list_new (NULL);

  gtk_string_list_append (periods, _("Last 7 days"));
  gtk_string_list_append (periods, _("Last 30 days"));
  gtk_string_list_append (periods, _("Last 90 days"));
  gtk_string_list_append (periods, _("Last 365 days"));
  self->period_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->period_row), _("_Period"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->period_row), TRUE);
  adw_combo_row_set_model (self->period_row, G_LIST_MODEL (periods));
  adw_combo_row_set_selected (self->period_row, DEFAULT_PERIOD);
  g_signal_connect_object (self->period_row, "notify::selected", G_CALLBACK (on_period_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (self->period_row));
  gtk_box_append (GTK_BOX (box), list);

  self->table_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("Show as _Tables")));
  g_signal_connect_object (self->table_button, "toggled", G_CALLBACK (on_table_toggled), self,
                           G_CONNECT_SWAPPED);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (export), "analytics.export");
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->table_button));
  gtk_box_append (GTK_BOX (buttons), export);
  gtk_box_append (GTK_BOX (box), buttons);

  self->status = tally_admin_status_new ();
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  return box;
}

static void
build (TallyAdminAnalytics *self)
{
  GtkBox *box = tally_admin_pane_set_body (TALLY_ADMIN_PANE (self), 900);

  gtk_box_append (box, build_controls (self));
  add_chart (self, box, TALLY_ANALYTICS_TOOLS, _("Credits spent by tool"),
             TALLY_BAR_CHART_CREDITS);
  add_chart (self, box, TALLY_ANALYTICS_HOURS, _("Credits spent by hour of the day (UTC)"),
             TALLY_BAR_CHART_CREDITS);
  add_chart (self, box, TALLY_ANALYTICS_DAYS, _("Credits spent by day of the week (UTC)"),
             TALLY_BAR_CHART_CREDITS);
  add_chart (self, box, TALLY_ANALYTICS_PACKS, _("Purchases by pack"), TALLY_BAR_CHART_COUNT);
  self->purchases_list = tally_boxed_list_new (_("Purchase patterns"));
  gtk_box_append (box, GTK_WIDGET (self->purchases_list));
  add_chart (self, box, TALLY_ANALYTICS_FUNNEL,
             _("Users who registered in the period, step by step"), TALLY_BAR_CHART_COUNT);
}

/* ---- the class ---------------------------------------------------------------- */

static void
tally_admin_analytics_dispose (GObject *object)
{
  TallyAdminAnalytics *self = TALLY_ADMIN_ANALYTICS (object);

  g_clear_pointer (&self->analytics, tally_analytics_free);

  G_OBJECT_CLASS (tally_admin_analytics_parent_class)->dispose (object);
}

static void
tally_admin_analytics_class_init (TallyAdminAnalyticsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TallyAdminPaneClass *pane_class = TALLY_ADMIN_PANE_CLASS (klass);

  object_class->dispose = tally_admin_analytics_dispose;
  pane_class->reload = tally_admin_analytics_reload;
  pane_class->clear = tally_admin_analytics_clear;

  gtk_widget_class_install_action (widget_class, "analytics.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "analytics.export", NULL, export_action);
}

static void
tally_admin_analytics_init (TallyAdminAnalytics *self)
{
  build (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.export", FALSE);
}

GtkWidget *
tally_admin_analytics_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_ANALYTICS, "session", session, NULL);
}

void
tally_admin_analytics_set_days (TallyAdminAnalytics *self,
                                guint                days)
{
  g_return_if_fail (TALLY_IS_ADMIN_ANALYTICS (self));

  for (guint i = 0; i < G_N_ELEMENTS (period_days); i++)
    if (period_days[i] == days)
      {
        if (adw_combo_row_get_selected (self->period_row) == i)
          tally_admin_pane_reload (TALLY_ADMIN_PANE (self));
        else
          adw_combo_row_set_selected (self->period_row, i);
        return;
      }
  g_return_if_reached ();
}

TallyAnalytics *
tally_admin_analytics_get_analytics (TallyAdminAnalytics *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_ANALYTICS (self), NULL);

  return self->analytics;
}

TallyBarChart *
tally_admin_analytics_get_chart (TallyAdminAnalytics *self,
                                 TallyAnalyticsChart  chart)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_ANALYTICS (self), NULL);
  g_return_val_if_fail (chart < TALLY_ANALYTICS_N_CHARTS, NULL);

  return self->charts[chart].chart;
}

void
tally_admin_analytics_show_tables (TallyAdminAnalytics *self,
                                   gboolean             tables)
{
  g_return_if_fail (TALLY_IS_ADMIN_ANALYTICS (self));

  gtk_toggle_button_set_active (self->table_button, tables);
}
