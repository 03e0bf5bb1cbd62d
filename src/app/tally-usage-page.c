/* tally-usage-page.c: what the user spent, charted, broken down, projected
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything comes from the local cache through tally_usage_compute(), on
 * a worker thread with a read connection of its own, so the page works
 * offline and a year of history never blocks the window. Two passes: the
 * last 30 days first (what the page opens on: the first chart is drawn
 * from a few percent of the rows), then the year the week and month
 * charts and the breakdowns need. Nothing is read until the page is shown.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <locale.h>
#include <string.h>

#include "tally-export.h"
#include "tally-format.h"
#include "tally-toast.h"
#include "tally-usage-page.h"
#include "tally-widget-builders.h"

#define DAYS_SHOWN   30
#define WEEKS_SHOWN  26
#define MONTHS_SHOWN 12

struct _TallyUsagePage
{
  TallyPage              parent_instance;

  AdwToastOverlay       *toast_overlay;
  GtkToggleButton       *day_button;
  GtkToggleButton       *week_button;
  GtkToggleButton       *month_button;
  GtkToggleButton       *table_button;
  GtkLabel              *status_label;
  GtkStack              *chart_stack;
  TallyBarChart         *chart;
  GtkListBox            *table_list;
  GtkLabel              *days_left_label;
  GtkLabel              *month_end_label;
  GtkBox                *insights_box;
  AdwPreferencesGroup   *tools_group;
  GtkListBox            *tools_list;
  AdwPreferencesGroup   *kinds_group;
  GtkListBox            *kinds_list;
  AdwPreferencesGroup   *compare_group;
  GtkListBox            *compare_list;
  GtkSpinButton         *size_spin;
  GtkDropDown           *unit_dropdown;

  /* NULL when a test sets the source. */
  TallySession          *session;
  TallyLedger           *ledger;
  char                  *account_id;
  gint64                 available;

  TallyUsage            *usage;
  TallyUsageGranularity  granularity;
  /* The passes under way, if any. */
  GCancellable          *cancellable;
  /* A reload was asked for while the page was hidden or reading. */
  gboolean               stale;
  gboolean               complete;
};

G_DEFINE_FINAL_TYPE (TallyUsagePage, tally_usage_page, TALLY_TYPE_PAGE)

typedef struct
{
  char            *path;
  TallyUsageQuery  query;
} UsageJob;

static void start_pass (TallyUsagePage *self,
                        gboolean        full);

/* Dates */

static GDateTime *
bucket_date (const TallyUsageBucket *bucket)
{
  return g_date_time_new_utc (bucket->year, bucket->month, bucket->day, 12, 0, 0);
}

static char *
bucket_label (const TallyUsageBucket *bucket,
              TallyUsageGranularity   granularity)
{
  g_autoptr(GDateTime) date = bucket_date (bucket);

  switch (granularity)
    {
    case TALLY_USAGE_WEEK:
      /* Translators: a week's axis label, its Monday; see g_date_time_format() */
      return g_date_time_format (date, _("%-d %b"));
    case TALLY_USAGE_MONTH:
      /* Translators: a month's axis label; see g_date_time_format() */
      return g_date_time_format (date, _("%b"));
    case TALLY_USAGE_DAY:
    case TALLY_USAGE_N_GRANULARITIES:
    default:
      return g_date_time_format (date, "%-d");
    }
}

static char *
bucket_description (const TallyUsageBucket *bucket,
                    TallyUsageGranularity   granularity)
{
  g_autoptr(GDateTime) date = bucket_date (bucket);

  switch (granularity)
    {
    case TALLY_USAGE_WEEK:
      /* Translators: a week, by its Monday; see g_date_time_format() */
      return g_date_time_format (date, _("Week of %-d %B %Y"));
    case TALLY_USAGE_MONTH:
      /* Translators: a month; see g_date_time_format() */
      return g_date_time_format (date, _("%B %Y"));
    case TALLY_USAGE_DAY:
    case TALLY_USAGE_N_GRANULARITIES:
    default:
      /* Translators: a day; see g_date_time_format() */
      return g_date_time_format (date, _("%A %-d %B %Y"));
    }
}

static const char *
chart_title (TallyUsageGranularity granularity)
{
  switch (granularity)
    {
    case TALLY_USAGE_WEEK:
      return _("Credits spent per week");
    case TALLY_USAGE_MONTH:
      return _("Credits spent per month");
    case TALLY_USAGE_DAY:
    case TALLY_USAGE_N_GRANULARITIES:
    default:
      return _("Credits spent per day");
    }
}

static GArray *
shown_buckets (TallyUsagePage *self)
{
  return self->usage != NULL ? self->usage->buckets[self->granularity] : NULL;
}

/* Rows */

/* Titles may be a tool's name from the server: plain text. */
static GtkWidget *
figure_row (const char *title,
            const char *subtitle,
            const char *figure)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (figure);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);

  return row;
}

static char *
runs_text (guint runs)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run", "%u runs", runs), runs);
}

/* The chart and its table */

/* The table is built only while shown: thirty rows of widgets would
 * delay the first chart for nobody. */
static void
update_table (TallyUsagePage *self)
{
  GArray *buckets = shown_buckets (self);

  tally_list_box_remove_all (self->table_list);
  if (buckets == NULL || !gtk_toggle_button_get_active (self->table_button))
    return;

  for (guint i = 0; i < buckets->len; i++)
    {
      const TallyUsageBucket *bucket = &g_array_index (buckets, TallyUsageBucket, i);
      g_autofree char *credits = tally_format_credits (bucket->spent);
      g_autofree char *runs = runs_text (bucket->runs);
      g_autofree char *description = bucket_description (bucket, self->granularity);
      GtkWidget *row = figure_row (description, runs, credits);
      g_autofree char *name = NULL;

      /* Translators: a period, its credits and its runs, as a table row reads */
      name = g_strdup_printf (_("%s: %s, %s"), description, credits, runs);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      gtk_list_box_append (self->table_list, row);
    }
}

static void
update_chart (TallyUsagePage *self)
{
  GArray *buckets = shown_buckets (self);
  guint n = buckets ? buckets->len : 0;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) descriptions = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint64 *values = g_new0 (gint64, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      const TallyUsageBucket *bucket = &g_array_index (buckets, TallyUsageBucket, i);

      g_ptr_array_add (labels, bucket_label (bucket, self->granularity));
      g_ptr_array_add (descriptions, bucket_description (bucket, self->granularity));
      values[i] = bucket->spent;
    }

  tally_bar_chart_set_title (self->chart, chart_title (self->granularity));
  tally_bar_chart_set_bars (self->chart, (const char * const *) labels->pdata,
                            (const char * const *) descriptions->pdata, values, n);
  update_table (self);
}

/* Projections and insights */

static gint64
available_credits (TallyUsagePage *self)
{
  return self->session ? tally_session_get_available (self->session) : self->available;
}

static const TallySpendLimit *
monthly_limit (TallyUsagePage *self)
{
  const TallySpendLimits *limits = self->session ? tally_session_get_limits (self->session)
                                                 : NULL;

  return limits != NULL && limits->monthly.has_cap ? &limits->monthly : NULL;
}

static char *
days_left_sentence (const TallyUsageProjection *p,
                    gint64                      available)
{
  g_autofree char *spent = tally_format_credits (p->spent_last_30_days);
  g_autofree char *credits = tally_format_credits (MAX (available, 0));

  if (!p->has_days_left)
    return g_strdup (_("Nothing was spent in the last 30 days, so there is no pace to say "
                       "how long your credits will last."));

  if (p->days_left == 0)
    /* Translators: %s is an amount of credits */
    return g_strdup_printf (_("At the pace of the last 30 days (%s spent) you have no credits "
                              "left to spend."), spent);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: credits spent in 30 days, credits
                                        * available, then a number of days */
                                       "At the pace of the last 30 days (%s spent), your %s "
                                       "would last about %" PRId64 " more day.",
                                       "At the pace of the last 30 days (%s spent), your %s "
                                       "would last about %" PRId64 " more days.",
                                       (gulong) MIN (p->days_left, G_MAXLONG)),
                          spent, credits, p->days_left);
}

static char *
month_end_sentence (const TallyUsageProjection *p,
                    const TallySpendLimit      *monthly)
{
  g_autofree char *so_far = tally_format_credits (p->spent_this_month);
  g_autofree char *end = tally_format_credits (p->month_end_spent);
  g_autofree char *cap = monthly ? tally_format_credits (monthly->cap) : NULL;
  g_autofree char *projection = NULL;

  projection = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             /* Translators: credits spent so far this month,
                                              * a number of days, then the month's total */
                                             "You spent %s so far this month; at the same pace "
                                             "for the %u day left, the month ends at about %s.",
                                             "You spent %s so far this month; at the same pace "
                                             "for the %u days left, the month ends at about %s.",
                                             p->days_after_today),
                                so_far, p->days_after_today, end);
  if (monthly == NULL)
    return g_steal_pointer (&projection);

  if (p->month_end_spent > monthly->cap)
    /* Translators: a sentence, then the monthly cap */
    return g_strdup_printf (_("%s That is more than your monthly cap of %s: runs will be refused "
                              "once it is reached."), projection, cap);

  return g_strdup_printf (_("%s That is within your monthly cap of %s."), projection, cap);
}

static void
update_projections (TallyUsagePage *self)
{
  TallyUsageProjection projection;
  g_autofree char *days_left = NULL;
  g_autofree char *month_end = NULL;

  if (self->usage == NULL)
    {
      gtk_label_set_text (self->days_left_label, "");
      gtk_label_set_text (self->month_end_label, "");
      return;
    }

  tally_usage_project (self->usage, available_credits (self), &projection);
  days_left = days_left_sentence (&projection, available_credits (self));
  month_end = month_end_sentence (&projection, monthly_limit (self));
  gtk_label_set_text (self->days_left_label, days_left);
  gtk_label_set_text (self->month_end_label, month_end);
}

static const char *
tool_name (TallyUsagePage *self,
           const char     *tool_id)
{
  const char *name = self->session ? tally_session_get_tool_name (self->session, tool_id) : NULL;

  return name != NULL ? name : tool_id;
}

static void
add_insight (TallyUsagePage *self,
             const char     *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_box_append (self->insights_box, label);
}

static void
update_insights (TallyUsagePage *self)
{
  TallyUsageInsights insights;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->insights_box))) != NULL)
    gtk_box_remove (self->insights_box, child);
  if (self->usage == NULL)
    return;

  tally_usage_insights (self->usage, &insights);
  if (insights.has_rising_tool)
    {
      g_autofree char *before = tally_format_credits (insights.rising_average_before);
      g_autofree char *now = tally_format_credits (insights.rising_average_now);
      g_autofree char *text =
        /* Translators: a tool's name, then two amounts of credits */
        g_strdup_printf (_("%s costs more this month: %s a run on average, up from %s last "
                           "month. Of your tools its cost rose the most."),
                         tool_name (self, insights.rising_tool_id), now, before);

      add_insight (self, text);
    }
  if (insights.has_spike)
    {
      g_autoptr(GDateTime) date = bucket_date (&insights.spike);
      /* Translators: a day; see g_date_time_format() */
      g_autofree char *day = g_date_time_format (date, _("%A %-d %B"));
      g_autofree char *spent = tally_format_credits (insights.spike.spent);
      g_autofree char *usual = tally_format_credits (insights.usual_day);
      g_autofree char *text =
        /* Translators: a day, then two amounts of credits */
        g_strdup_printf (_("On %s you spent %s, more than three times your usual %s a day "
                           "(the middle day of the last 30)."), day, spent, usual);

      add_insight (self, text);
    }
  if (!insights.has_rising_tool && !insights.has_spike)
    add_insight (self, _("Nothing stands out: insights appear when a tool’s cost rises or a "
                         "day is far above your usual spending."));
}

/* Breakdowns */

static void
update_tools (TallyUsagePage *self)
{
  gint64 total = 0;

  tally_list_box_remove_all (self->tools_list);
  gtk_widget_set_visible (GTK_WIDGET (self->tools_group),
                          self->usage != NULL && self->usage->tools->len > 0);
  if (self->usage == NULL)
    return;

  for (guint i = 0; i < self->usage->tools->len; i++)
    total += g_array_index (self->usage->tools, TallyUsageTool, i).spent;

  for (guint i = 0; i < self->usage->tools->len; i++)
    {
      const TallyUsageTool *tool = &g_array_index (self->usage->tools, TallyUsageTool, i);
      gint64 permille = total > 0 ? tool->spent * 1000 / total : 0;
      g_autofree char *spent = tally_format_credits (tool->spent);
      g_autofree char *average = tally_format_credits (tool->runs ? tool->spent / tool->runs : 0);
      g_autofree char *runs = runs_text (tool->runs);
      /* One decimal, with the locale's decimal point. */
      g_autofree char *share = g_strdup_printf ("%" PRId64 "%s%" PRId64, permille / 10,
                                                localeconv ()->decimal_point, permille % 10);
      g_autofree char *subtitle =
        /* Translators: share of spend in percent, a number of runs, credits per run:
         * "12.5 % of spend · 3 runs · 4 credits a run" */
        g_strdup_printf (_("%s %% of spend · %s · %s a run"), share, runs, average);

      gtk_list_box_append (self->tools_list,
                           figure_row (tool_name (self, tool->tool_id), subtitle, spent));
    }
}

static const char *
kind_title (TallyTransferKind kind)
{
  switch (kind)
    {
    case TALLY_TRANSFER_KIND_CONSUMPTION:
      return _("Tool runs");
    case TALLY_TRANSFER_KIND_REFUND:
      return _("Refunds");
    case TALLY_TRANSFER_KIND_PURCHASE:
      return _("Purchases");
    case TALLY_TRANSFER_KIND_GRANT:
      return _("Grants");
    case TALLY_TRANSFER_KIND_ALLOCATION:
      return _("Allocations");
    case TALLY_TRANSFER_KIND_EXPIRY:
      return _("Expired credits");
    case TALLY_TRANSFER_KIND_ADJUSTMENT:
      return _("Adjustments");
    case TALLY_TRANSFER_KIND_LEASE:
    case TALLY_N_TRANSFER_KINDS:
    default:
      return NULL;
    }
}

static char *
kind_figure (const TallyUsageKind *sum)
{
  g_autofree char *in = tally_format_credits (sum->credited);
  g_autofree char *out = tally_format_credits (sum->debited);

  if (sum->credited != 0 && sum->debited != 0)
    /* Translators: credits in, then credits out */
    return g_strdup_printf (_("+%s, −%s"), in, out);
  if (sum->credited != 0)
    return g_strdup_printf ("+%s", in);
  return g_strdup_printf ("−%s", out);
}

static void
update_kinds (TallyUsagePage *self)
{
  /* The order the issue lists them in, then the rarer ones. */
  static const TallyTransferKind order[] = {
    TALLY_TRANSFER_KIND_CONSUMPTION, TALLY_TRANSFER_KIND_REFUND, TALLY_TRANSFER_KIND_PURCHASE,
    TALLY_TRANSFER_KIND_GRANT, TALLY_TRANSFER_KIND_ALLOCATION, TALLY_TRANSFER_KIND_EXPIRY,
    TALLY_TRANSFER_KIND_ADJUSTMENT,
  };
  gboolean any = FALSE;

  tally_list_box_remove_all (self->kinds_list);
  for (guint i = 0; self->usage != NULL && i < G_N_ELEMENTS (order); i++)
    {
      const TallyUsageKind *sum = &self->usage->kinds[order[i]];
      g_autofree char *count = NULL;
      g_autofree char *figure = NULL;

      if (sum->credited == 0 && sum->debited == 0)
        continue;
      count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u transfer", "%u transfers",
                                            sum->count), sum->count);
      figure = kind_figure (sum);
      gtk_list_box_append (self->kinds_list, figure_row (kind_title (order[i]), count, figure));
      any = TRUE;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->kinds_group), any);
}

static void
update_period (TallyUsagePage *self)
{
  g_autofree char *since = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GTimeZone) zone = NULL;

  if (self->usage == NULL)
    return;

  zone = g_time_zone_new_identifier (self->usage->timezone[0] ? self->usage->timezone : "UTC");
  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  utc = g_date_time_new_from_unix_utc (self->usage->since / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, zone);
  /* Translators: a date; see g_date_time_format() */
  since = g_date_time_format (local, _("%-d %B %Y"));
  /* Translators: a date */
  description = g_strdup_printf (_("Since %s"), since);
  adw_preferences_group_set_description (self->tools_group, description);
  adw_preferences_group_set_description (self->kinds_group, description);
}

static void
update_status (TallyUsagePage *self)
{
  const char *status = NULL;

  if (self->ledger == NULL)
    status = _("Your usage appears here once your history has been read.");
  else if (self->usage == NULL && self->complete)
    status = _("No usage yet: spending shows here once you run a tool.");
  else if (self->usage == NULL)
    status = _("Reading your history…");
  else if (!self->complete)
    status = _("Reading older history…");
  else if (self->usage->buckets[TALLY_USAGE_MONTH]->len > 0 &&
           self->usage->kinds[TALLY_TRANSFER_KIND_CONSUMPTION].count == 0)
    status = _("No tool runs in this period yet.");

  gtk_label_set_text (self->status_label, status ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "usage.export-csv", self->usage != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "usage.save-png", self->usage != NULL);
}

/* The tool comparison */

static TallyToolRegistry *
registry (TallyUsagePage *self)
{
  return self->session ? tally_session_get_tools (self->session) : NULL;
}

static const char *
selected_unit (TallyUsagePage *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->unit_dropdown);

  return item ? gtk_string_object_get_string (item) : NULL;
}

static char *
cost_or_dash (const TallyPriceRule *rule,
              gint64                units)
{
  gint64 cost;

  if (units < rule->min_units || units > rule->max_units ||
      !tally_price_rule_cost (rule, units, &cost, NULL))
    return g_strdup ("—");

  return tally_format_credits (cost);
}

/* Typical is the user's own average once they ran the tool as often as
 * the estimates need; before that, what the tool declares. */
static char *
typical_cost (TallyUsagePage       *self,
              TallyTool            *tool,
              const TallyPriceRule *rule)
{
  const TallyUsageTool *mine = self->usage
                               ? tally_usage_find_tool (self->usage, tally_tool_get_id (tool))
                               : NULL;

  if (mine != NULL && mine->runs >= TALLY_ESTIMATE_MIN_HISTORY)
    return tally_format_credits (mine->spent / mine->runs);

  return cost_or_dash (rule, rule->typical_units);
}

static GtkWidget *
comparison_row (TallyUsagePage *self,
                TallyTool      *tool,
                gint64          size)
{
  const TallyPriceRule *rule = tally_tool_get_price_rule (tool);
  g_autofree char *at_size = cost_or_dash (rule, size);
  g_autofree char *min = cost_or_dash (rule, rule->min_units);
  g_autofree char *typical = typical_cost (self, tool, rule);
  g_autofree char *max = cost_or_dash (rule, rule->max_units);
  /* Translators: the cheapest, a typical and the dearest run of a tool */
  g_autofree char *subtitle = g_strdup_printf (_("Min %s · typical %s · max %s"), min, typical,
                                               max);

  return figure_row (tally_tool_get_name (tool), subtitle, at_size);
}

static void
update_comparison (TallyUsagePage *self)
{
  TallyToolRegistry *tools = registry (self);
  const char *unit = selected_unit (self);
  gint64 size = (gint64) gtk_spin_button_get_value (self->size_spin);

  tally_list_box_remove_all (self->compare_list);
  if (tools == NULL || unit == NULL)
    return;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tools)); i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (tools), i);

      if (g_strcmp0 (tally_tool_get_unit (tool), unit) == 0)
        gtk_list_box_append (self->compare_list, comparison_row (self, tool, size));
    }
}

/* A new unit starts at the typical size of its first tool. */
static void
unit_changed (TallyUsagePage *self)
{
  TallyToolRegistry *tools = registry (self);
  const char *unit = selected_unit (self);

  for (guint i = 0; tools != NULL && unit != NULL &&
                    i < g_list_model_get_n_items (G_LIST_MODEL (tools)); i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (tools), i);

      if (g_strcmp0 (tally_tool_get_unit (tool), unit) == 0)
        {
          gtk_spin_button_set_value (self->size_spin,
                                     tally_tool_get_price_rule (tool)->typical_units);
          break;
        }
    }

  update_comparison (self);
}

/* Units at least two tools measure in: only those compare. */
static void
update_units (TallyUsagePage *self)
{
  TallyToolRegistry *tools = registry (self);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) units = g_ptr_array_new ();
  g_autoptr(GtkStringList) model = NULL;

  for (guint i = 0; tools != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (tools)); i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (tools), i);
      const char *unit = tally_tool_get_unit (tool);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, unit)) + 1;

      /* The registry keeps the tool, and so its unit, alive. */
      g_hash_table_insert (counts, (gpointer) unit, GUINT_TO_POINTER (count));
      if (count == 2)
        g_ptr_array_add (units, (gpointer) unit);
    }
  g_ptr_array_add (units, NULL);

  model = gtk_string_list_new ((const char * const *) units->pdata);
  gtk_drop_down_set_model (self->unit_dropdown, G_LIST_MODEL (model));
  gtk_widget_set_visible (GTK_WIDGET (self->compare_group), units->len > 1);
  unit_changed (self);
}

static void
show_usage (TallyUsagePage *self,
            TallyUsage     *usage)
{
  g_clear_pointer (&self->usage, tally_usage_free);
  self->usage = usage;

  update_chart (self);
  update_projections (self);
  update_insights (self);
  update_tools (self);
  update_kinds (self);
  update_period (self);
  update_status (self);
  update_comparison (self);
}

/* Reading, off the UI thread */

static void
usage_job_free (gpointer data)
{
  UsageJob *job = data;

  g_free (job->path);
  g_free (job);
}

static void
compute_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  UsageJob *job = task_data;
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  TallyUsage *usage = NULL;

  ledger = tally_ledger_open (job->path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  if (ledger != NULL)
    usage = tally_usage_compute (ledger, &job->query, cancellable, &error);

  if (usage == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, usage, (GDestroyNotify) tally_usage_free);
}

static gboolean
is_unknown_account (const GError *error)
{
  return g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
}

static void
pass_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (source);
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  gboolean full = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "full"));
  g_autoptr(GError) error = NULL;
  TallyUsage *usage;

  usage = g_task_propagate_pointer (G_TASK (result), &error);
  /* A reload since cancelled this pass and started another. */
  if (cancellable != self->cancellable || g_cancellable_is_cancelled (cancellable))
    {
      g_clear_pointer (&usage, tally_usage_free);
      return;
    }

  if (usage == NULL)
    {
      if (!is_unknown_account (error))
        g_warning ("Could not read the usage: %s", error->message);
      g_clear_object (&self->cancellable);
      self->complete = TRUE;
      update_status (self);
      return;
    }

  self->complete = full;
  show_usage (self, usage);
  if (!full)
    {
      start_pass (self, TRUE);
      return;
    }

  g_clear_object (&self->cancellable);
  if (self->stale)
    tally_usage_page_reload (self);
}

static gboolean
has_own_file (TallyLedger *ledger)
{
  const char *path = tally_ledger_get_path (ledger);

  return path != NULL && path[0] != '\0' && g_strcmp0 (path, ":memory:") != 0;
}

static void
build_query (TallyUsagePage  *self,
             gboolean         full,
             TallyUsageQuery *query)
{
  memset (query, 0, sizeof *query);
  g_strlcpy (query->account_id, self->account_id, sizeof query->account_id);
  query->now = g_get_real_time ();
  query->n_days = DAYS_SHOWN;
  query->n_weeks = full ? WEEKS_SHOWN : 1;
  query->n_months = full ? MONTHS_SHOWN : 1;
}

/* A ledger with no file of its own (a test's, in memory) is read on the
 * spot: a worker could not open a second connection to it. */
static void
compute_here (TallyUsagePage *self)
{
  g_autoptr(GError) error = NULL;
  TallyUsageQuery query;
  TallyUsage *usage;

  build_query (self, TRUE, &query);
  usage = tally_usage_compute (self->ledger, &query, NULL, &error);
  if (usage == NULL && !is_unknown_account (error))
    g_warning ("Could not read the usage: %s", error->message);
  self->complete = TRUE;
  if (usage != NULL)
    show_usage (self, usage);
  else
    update_status (self);
}

static void
start_pass (TallyUsagePage *self,
            gboolean        full)
{
  g_autoptr(GTask) task = NULL;
  UsageJob *job = g_new0 (UsageJob, 1);

  job->path = g_strdup (tally_ledger_get_path (self->ledger));
  build_query (self, full, &job->query);

  task = g_task_new (self, self->cancellable, pass_done, NULL);
  g_task_set_source_tag (task, start_pass);
  g_task_set_task_data (task, job, usage_job_free);
  g_object_set_data (G_OBJECT (task), "full", GINT_TO_POINTER (full));
  g_task_run_in_thread (task, compute_in_thread);
}

void
tally_usage_page_reload (TallyUsagePage *self)
{
  g_return_if_fail (TALLY_IS_USAGE_PAGE (self));

  self->stale = TRUE;
  update_status (self);
  /* Read when shown, and only once at a time: a sync that brings many
   * batches asks for many reloads. */
  if (self->ledger == NULL || self->account_id == NULL ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)) || self->cancellable != NULL)
    return;

  self->stale = FALSE;
  self->complete = FALSE;
  if (!has_own_file (self->ledger))
    {
      compute_here (self);
      return;
    }

  self->cancellable = g_cancellable_new ();
  start_pass (self, self->usage != NULL);
}

/* Following the session */

static void
set_ledger (TallyUsagePage *self,
            TallyLedger    *ledger,
            const char     *account_id)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_set_object (&self->ledger, ledger);
  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  show_usage (self, NULL);
  tally_usage_page_reload (self);
}

static void
follow_ledger (TallyUsagePage *self)
{
  set_ledger (self, tally_session_get_ledger (self->session),
              tally_session_get_account_id (self->session));
}

/* User interaction */

static void
granularity_toggled (TallyUsagePage  *self,
                     GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    return;

  if (button == self->week_button)
    self->granularity = TALLY_USAGE_WEEK;
  else if (button == self->month_button)
    self->granularity = TALLY_USAGE_MONTH;
  else
    self->granularity = TALLY_USAGE_DAY;
  update_chart (self);
}

static void
table_toggled (TallyUsagePage  *self,
               GtkToggleButton *button)
{
  update_table (self);
  gtk_stack_set_visible_child_name (self->chart_stack,
                                    gtk_toggle_button_get_active (button) ? "table" : "chart");
}

char *
tally_usage_page_to_csv (TallyUsagePage *self)
{
  GArray *buckets;
  g_autoptr(GString) csv = g_string_new ("period,starts_at,ends_at,credits_spent,runs\r\n");

  g_return_val_if_fail (TALLY_IS_USAGE_PAGE (self), NULL);

  buckets = shown_buckets (self);
  for (guint i = 0; buckets != NULL && i < buckets->len; i++)
    {
      const TallyUsageBucket *bucket = &g_array_index (buckets, TallyUsageBucket, i);
      g_autofree char *period = bucket_description (bucket, self->granularity);
      g_autofree char *starts = tally_time_to_iso8601 (bucket->start);
      g_autofree char *ends = tally_time_to_iso8601 (bucket->end);

      /* The period is translated text: neutralised as any text cell. */
      tally_csv_append_text_cell (csv, period);
      g_string_append_printf (csv, ",%s,%s,%" G_GINT64_FORMAT ",%u\r\n", starts, ends,
                              bucket->spent, bucket->runs);
    }

  return g_string_free (g_steal_pointer (&csv), FALSE);
}

static void
saved (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

void
tally_usage_page_save_async (TallyUsagePage      *self,
                             TallyUsageExport     what,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  g_return_if_fail (TALLY_IS_USAGE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_usage_page_save_async);

  /* Both are small and made from what is on screen; only the writing
   * goes off the UI thread. */
  if (what == TALLY_USAGE_EXPORT_PNG)
    bytes = tally_bar_chart_render_png (self->chart, &error);
  else
    {
      char *csv = tally_usage_page_to_csv (self);

      bytes = g_bytes_new_take (csv, strlen (csv));
    }

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, saved, g_object_ref (task));
}

gboolean
tally_usage_page_save_finish (TallyUsagePage  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (source);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;

  if (tally_usage_page_save_finish (self, result, &error))
    /* Translators: %s is a file name */
    title = g_strdup_printf (_("Saved “%s”"), name);
  else
    /* Translators: %s says why */
    title = g_strdup_printf (_("Could not save: %s"), error->message);

  adw_toast_overlay_add_toast (self->toast_overlay, tally_toast_new_plain (title));
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
chooser_response (GtkNativeDialog *chooser,
                  int              response,
                  TallyUsagePage  *self)
{
  TallyUsageExport what = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "what"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tally_usage_page_save_async (self, what, file, NULL, save_done, file);
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_file (TallyUsagePage   *self,
             TallyUsageExport  what)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  static const char * const names[] = { "day", "week", "month" };
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (what == TALLY_USAGE_EXPORT_PNG ? _("Save Chart")
                                                                        : _("Export Figures"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  name = g_strdup_printf ("tally-usage-per-%s.%s", names[self->granularity],
                          what == TALLY_USAGE_EXPORT_PNG ? "png" : "csv");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "what", GINT_TO_POINTER (what));
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

G_GNUC_END_IGNORE_DEPRECATIONS

static void
export_csv_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  choose_file (TALLY_USAGE_PAGE (widget), TALLY_USAGE_EXPORT_CSV);
}

static void
save_png_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (widget);

  /* The image is of the chart as drawn: show it first. */
  gtk_toggle_button_set_active (self->table_button, FALSE);
  choose_file (self, TALLY_USAGE_EXPORT_PNG);
}

/* The class */

static void
tally_usage_page_map (GtkWidget *widget)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (widget);

  GTK_WIDGET_CLASS (tally_usage_page_parent_class)->map (widget);

  if (self->stale)
    tally_usage_page_reload (self);
}

static void
tally_usage_page_constructed (GObject *object)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (object);

  G_OBJECT_CLASS (tally_usage_page_parent_class)->constructed (object);

  self->session = tally_page_get_session (TALLY_PAGE (self));
  update_status (self);
  if (self->session == NULL)
    return;

  g_signal_connect_object (self->session, "notify::ledger", G_CALLBACK (follow_ledger), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "ledger-changed",
                           G_CALLBACK (tally_usage_page_reload), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::available",
                           G_CALLBACK (update_projections), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::limits",
                           G_CALLBACK (update_projections), self, G_CONNECT_SWAPPED);
  /* Tool names may come after the figures. */
  g_signal_connect_object (self->session, "notify::tools", G_CALLBACK (update_tools), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::tools", G_CALLBACK (update_units), self,
                           G_CONNECT_SWAPPED);
  update_units (self);
  follow_ledger (self);
}

static void
tally_usage_page_dispose (GObject *object)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (tally_usage_page_parent_class)->dispose (object);
}

static void
tally_usage_page_finalize (GObject *object)
{
  TallyUsagePage *self = TALLY_USAGE_PAGE (object);

  g_clear_pointer (&self->usage, tally_usage_free);
  g_free (self->account_id);

  G_OBJECT_CLASS (tally_usage_page_parent_class)->finalize (object);
}

static void
tally_usage_page_class_init (TallyUsagePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_usage_page_constructed;
  object_class->dispose = tally_usage_page_dispose;
  object_class->finalize = tally_usage_page_finalize;
  widget_class->map = tally_usage_page_map;

  g_type_ensure (TALLY_TYPE_BAR_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-usage-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, day_button);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, week_button);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, month_button);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, table_button);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, chart_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, chart);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, table_list);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, days_left_label);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, month_end_label);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, insights_box);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, tools_group);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, tools_list);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, kinds_group);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, kinds_list);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, compare_group);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, compare_list);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, size_spin);
  gtk_widget_class_bind_template_child (widget_class, TallyUsagePage, unit_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, granularity_toggled);
  gtk_widget_class_bind_template_callback (widget_class, table_toggled);
  gtk_widget_class_bind_template_callback (widget_class, update_comparison);
  gtk_widget_class_bind_template_callback (widget_class, unit_changed);

  gtk_widget_class_install_action (widget_class, "usage.export-csv", NULL, export_csv_activated);
  gtk_widget_class_install_action (widget_class, "usage.save-png", NULL, save_png_activated);
}

static void
tally_usage_page_init (TallyUsagePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tally_bar_chart_set_title (self->chart, chart_title (TALLY_USAGE_DAY));
  gtk_widget_set_visible (GTK_WIDGET (self->tools_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->kinds_group), FALSE);
}

TallyUsagePage *
tally_usage_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_USAGE_PAGE, "session", session, NULL);
}

void
tally_usage_page_set_source (TallyUsagePage *self,
                             TallyLedger    *ledger,
                             const char     *account_id,
                             gint64          available)
{
  g_return_if_fail (TALLY_IS_USAGE_PAGE (self));

  self->available = available;
  set_ledger (self, ledger, account_id);
}

const TallyUsage *
tally_usage_page_get_usage (TallyUsagePage *self)
{
  g_return_val_if_fail (TALLY_IS_USAGE_PAGE (self), NULL);

  return self->usage;
}

gboolean
tally_usage_page_is_complete (TallyUsagePage *self)
{
  g_return_val_if_fail (TALLY_IS_USAGE_PAGE (self), FALSE);

  return self->usage != NULL && self->complete;
}

void
tally_usage_page_set_granularity (TallyUsagePage        *self,
                                  TallyUsageGranularity  granularity)
{
  GtkToggleButton *buttons[] = { self->day_button, self->week_button, self->month_button };

  g_return_if_fail (TALLY_IS_USAGE_PAGE (self));
  g_return_if_fail (granularity < TALLY_USAGE_N_GRANULARITIES);

  gtk_toggle_button_set_active (buttons[granularity], TRUE);
}

TallyBarChart *
tally_usage_page_get_chart (TallyUsagePage *self)
{
  g_return_val_if_fail (TALLY_IS_USAGE_PAGE (self), NULL);

  return self->chart;
}
