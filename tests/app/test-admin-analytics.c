/* test-admin-analytics.c: the Admin view's Analytics and Errors panes in
 * the window on a real server: hidden from members; the figures of a
 * history the test made and summed itself, as charts, tables and CSV;
 * the errors the test caused, grouped
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-admin-analytics.h"
#include "tally-admin-errors.h"
#include "tally-admin-page.h"
#include "tally-section-switcher.h"
#include "tally-session-admin.h"
#include "tally-window.h"

#include "tally-app-test.h"

#define MEMBER_EMAIL "analytics-member@example.com"

static TestServer *server;
static char *admin_token;
static char *member_token;

/* What the test did, as it counts it. */
static struct
{
  guint       registered;
  guint       ran;
  guint       bought;
  guint       bought_twice;
  GHashTable *tool_credits;
  GHashTable *tool_runs;
  /* "tool token" of each user's runs of each tool. */
  GHashTable *tool_users;
  gint64      credits_by_hour[24];
  gint64      credits_by_day[7];
  gint64      runs_by_hour[24];
  guint       starter_purchases;
} history;

static TallySession *
window_session (GtkWidget *window)
{
  return tally_window_get_session (TALLY_WINDOW (window));
}

static gboolean
role_known (gpointer data)
{
  return tally_session_get_role (window_session (data)) != NULL;
}

static gboolean
is_admin (gpointer data)
{
  return g_strcmp0 (tally_session_get_role (window_session (data)), "admin") == 0;
}

static AdwViewStack *
view_stack (GtkWidget *window)
{
  return ADW_VIEW_STACK (wait_for_widget (window, is_view_stack, NULL));
}

static char *
new_user (const char *email,
          char       *account_id)
{
  history.registered++;
  return test_user_new (server, email, account_id);
}

/* ---- the history ------------------------------------------------------------ */

/* One run of @tool that succeeds; its charge is counted where the
 * server's clock put it, by the hour the test saw. */
static void
run_tool (const char *token,
          const char *tool,
          const char *inputs,
          const char *complete_body)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"%s\", \"inputs\": %s}",
                                           id, tool, inputs);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) held = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) done = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  guint hour = g_date_time_get_hour (now);
  guint day = g_date_time_get_day_of_week (now) - 1;
  gint64 charged;

  g_assert_cmpuint (held->status, ==, 201);
  done = test_request (server, "POST", path, token, complete_body);
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpstr (test_response_string (done, "run.status"), ==, "succeeded");
  charged = test_response_int (done, "run.charged");
  g_assert_cmpint (charged, >, 0);

  g_hash_table_insert (history.tool_credits, (gpointer) tool,
                       GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (history.tool_credits,
                                                                              tool)) + charged));
  g_hash_table_insert (history.tool_runs, (gpointer) tool,
                       GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (history.tool_runs,
                                                                              tool)) + 1));
  g_hash_table_add (history.tool_users, g_strconcat (tool, " ", token, NULL));
  history.credits_by_hour[hour] += charged;
  history.runs_by_hour[hour]++;
  history.credits_by_day[day] += charged;
}

static void
run_qr_code (const char *token)
{
  run_tool (token, "qr-code", "{\"text\": \"hi\"}", "{\"units\": 1, \"outcome\": \"succeeded\"}");
}

static void
run_image_convert (const char *token)
{
  run_tool (token, "image-convert", "{\"format\": \"png\", \"images\": 40}",
            "{\"units\": 20, \"outcome\": \"succeeded\"}");
}

/* A Starter pack bought through the demo provider's checkout page. */
static void
buy_starter (const char *token)
{
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", token,
                                                   "{\"pack\": \"starter\"}");
  g_autoptr(TestResponse) paid = NULL;
  g_autofree char *pay = NULL;
  const char *url;

  g_assert_cmpuint (checkout->status, ==, 200);
  url = test_response_string (checkout, "url");
  g_assert_true (g_str_has_prefix (url, server->base_url));
  pay = g_strconcat (url + strlen (server->base_url), "/pay", NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  history.starter_purchases++;
}

/* The runs are counted by the hour the test sees after each; the server
 * counts the hour of the hold, a moment before. Not across the hour. */
static void
keep_off_the_hour (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int left = 3600 - g_date_time_get_minute (now) * 60 - g_date_time_get_second (now);

  if (left < 30)
    g_usleep ((left + 1) * G_USEC_PER_SEC);
}

/* Users who never run, who run but never buy, who buy twice. */
static void
make_history (void)
{
  char account_id[40] = { 0 };
  g_autofree char *never_runs = new_user ("never-runs@example.com", NULL);
  g_autofree char *never_buys = new_user ("never-buys@example.com", account_id);
  g_autofree char *buys_twice = new_user ("buys-twice@example.com", NULL);

  test_grant (server, admin_token, account_id, 1000);
  keep_off_the_hour ();
  run_qr_code (never_buys);
  run_qr_code (never_buys);
  run_image_convert (never_buys);
  history.ran++;

  buy_starter (buys_twice);
  buy_starter (buys_twice);
  history.bought++;
  history.bought_twice++;
  run_qr_code (buys_twice);
  history.ran++;
}

static guint
users_of (const char *tool)
{
  g_autofree char *prefix = g_strconcat (tool, " ", NULL);
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_hash_table_iter_init (&iter, history.tool_users);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    n += g_str_has_prefix (key, prefix);
  return n;
}

/* ---- members ---------------------------------------------------------------- */

static void
loaded_analytics (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  GError **error = data;
  g_autoptr(TallyAnalytics) analytics = NULL;

  analytics = tally_session_load_analytics_finish (TALLY_SESSION (source), result, error);
  g_assert_null (analytics);
  g_assert_nonnull (*error);
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* No Administration view, and the server refuses the figures, in words. */
static void
test_member_refused (void)
{
  GtkWidget *window = signed_in_window (server, member_token);
  g_autoptr(GError) error = NULL;
  AdwViewStack *stack;

  wait_for (role_known, window, "the role");
  g_assert_cmpstr (tally_session_get_role (window_session (window)), ==, "member");
  stack = view_stack (window);
  g_assert_false (adw_view_stack_page_get_visible (
                    adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack,
                                                                                      "admin"))));
  show_view (window, "admin");
  settle (window);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), !=, "admin");
  g_assert_null (find_widget (window, is_button_labelled, "Show as _Tables"));

  tally_session_load_analytics_async (window_session (window), NULL, NULL, NULL,
                                      loaded_analytics, &error);
  wait_for (error_set, &error, "the refusal");
  g_assert_true (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_SERVER));
  g_assert_cmpstr (error->message, !=, "");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the figures ------------------------------------------------------------- */

static TallyAdminPage *
open_admin (GtkWidget **window,
            int         width,
            int         height)
{
  AdwViewStack *stack;

  *window = signed_in_window (server, admin_token);
  gtk_window_set_default_size (GTK_WINDOW (*window), width, height);
  wait_for (is_admin, *window, "the admin role");
  g_assert_true (gtk_widget_activate_action (*window, "admin-view.show", NULL));
  stack = view_stack (*window);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "admin");
  return TALLY_ADMIN_PAGE (adw_view_stack_get_child_by_name (stack, "admin"));
}

static gboolean
is_section_drop_down (GtkWidget  *widget,
                      const char *unused)
{
  return GTK_IS_DROP_DOWN (widget) &&
         gtk_widget_get_ancestor (widget, TALLY_TYPE_SECTION_SWITCHER) != NULL;
}

static gboolean
is_stack_switcher (GtkWidget  *widget,
                   const char *unused)
{
  return GTK_IS_STACK_SWITCHER (widget);
}

static gboolean
is_analytics (GtkWidget  *widget,
              const char *unused)
{
  return TALLY_IS_ADMIN_ANALYTICS (widget);
}

static gboolean
is_errors (GtkWidget  *widget,
           const char *unused)
{
  return TALLY_IS_ADMIN_ERRORS (widget);
}

static gboolean
errors_loaded (gpointer data)
{
  return tally_admin_errors_get_groups (data) != NULL;
}

static gboolean
analytics_loaded (gpointer data)
{
  return tally_admin_analytics_get_analytics (data) != NULL;
}

/* The value of the bar labelled @label, read through its description. */
static gint64
bar_value (TallyBarChart *chart,
           guint          bar)
{
  g_autofree char *text = tally_bar_chart_describe_bar (chart, bar);
  const char *figure = strrchr (text, ':');

  g_assert_nonnull (figure);
  return g_ascii_strtoll (figure + 1, NULL, 10);
}

/* Each bar is named as the catalogue names its tool. */
static void
check_tools (GtkWidget           *window,
             TallyAdminAnalytics *pane)
{
  TallyBarChart *chart = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_TOOLS);
  TallyAnalytics *analytics = tally_admin_analytics_get_analytics (pane);

  g_assert_cmpuint (tally_bar_chart_get_n_bars (chart), ==,
                    g_hash_table_size (history.tool_credits));
  for (guint i = 0; i < analytics->tools->len; i++)
    {
      TallyAnalyticsItem *tool = analytics->tools->pdata[i];
      gint64 credits = GPOINTER_TO_INT (g_hash_table_lookup (history.tool_credits, tool->name));
      gint64 runs = GPOINTER_TO_INT (g_hash_table_lookup (history.tool_runs, tool->name));
      g_autofree char *text = tally_bar_chart_describe_bar (chart, i);
      guint users = users_of (tool->name);
      const char *name = tally_session_get_tool_name (window_session (window), tool->name);
      g_autofree char *figure = tally_format_credits (credits);
      g_autofree char *expected = NULL;

      g_assert_nonnull (name);
      g_assert_cmpstr (name, !=, tool->name);
      expected = g_strdup_printf ("%s (%" G_GINT64_FORMAT " run%s by %u user%s): %s", name,
                                  runs, runs == 1 ? "" : "s", users, users == 1 ? "" : "s",
                                  figure);

      g_assert_cmpint (credits, >, 0);
      g_assert_cmpstr (text, ==, expected);
      /* Most credits first. */
      if (i > 0)
        g_assert_cmpint (bar_value (chart, i - 1), >=, bar_value (chart, i));
    }
}

static void
check_hours_and_days (TallyAdminAnalytics *pane)
{
  TallyBarChart *hours = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_HOURS);
  TallyBarChart *days = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_DAYS);

  g_assert_cmpuint (tally_bar_chart_get_n_bars (hours), ==, 24);
  for (guint i = 0; i < 24; i++)
    g_assert_cmpint (bar_value (hours, i), ==, history.credits_by_hour[i]);
  g_assert_cmpuint (tally_bar_chart_get_n_bars (days), ==, 7);
  for (guint i = 0; i < 7; i++)
    g_assert_cmpint (bar_value (days, i), ==, history.credits_by_day[i]);
}

static void
check_purchases_and_funnel (GtkWidget           *window,
                            TallyAdminAnalytics *pane)
{
  TallyBarChart *packs = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_PACKS);
  TallyBarChart *funnel = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_FUNNEL);
  TallyAnalytics *analytics = tally_admin_analytics_get_analytics (pane);
  g_autofree char *pack = NULL;
  g_autofree char *registered = NULL;
  g_autofree char *credits = tally_format_credits (500 * history.starter_purchases);
  g_autofree char *expected_pack = NULL;
  g_autofree char *expected_registered = NULL;

  g_assert_cmpuint (tally_bar_chart_get_n_bars (packs), ==, 1);
  pack = tally_bar_chart_describe_bar (packs, 0);
  expected_pack = g_strdup_printf ("Purchases of starter (1 buyer, %s): %u", credits,
                                   history.starter_purchases);
  g_assert_cmpstr (pack, ==, expected_pack);
  g_assert_cmpint (analytics->buyers, ==, history.bought);
  g_assert_cmpint (analytics->repeat_buyers, ==, history.bought_twice);
  g_assert_cmpint (analytics->repeat_per_mille, ==, 1000);
  /* The two purchases were moments apart. */
  g_assert_cmpint (analytics->median_seconds_between, >=, 0);
  g_assert_cmpint (analytics->median_seconds_between, <, 60);
  wait_for_widget (window, is_label_with, "1 (100.0 %)");
  wait_for_widget (window, is_label_with, "Less than a minute");

  g_assert_cmpuint (tally_bar_chart_get_n_bars (funnel), ==, 4);
  registered = tally_bar_chart_describe_bar (funnel, 0);
  g_assert_cmpint (bar_value (funnel, 0), ==, history.registered);
  expected_registered = g_strdup_printf ("Registered (100.0 %% of those registered): %u",
                                         history.registered);
  g_assert_cmpstr (registered, ==, expected_registered);
  g_assert_cmpint (bar_value (funnel, 1), ==, history.ran);
  g_assert_cmpint (bar_value (funnel, 2), ==, history.bought);
  g_assert_cmpint (bar_value (funnel, 3), ==, history.bought_twice);
}

static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  if (ADW_IS_ACTION_ROW (root))
    {
      g_ptr_array_add (rows, root);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

/* Every chart's table: its rows say what its bars say, in order. */
static void
check_tables (GtkWidget           *window,
              TallyAdminAnalytics *pane)
{
  for (guint c = 0; c < TALLY_ANALYTICS_N_CHARTS; c++)
    {
      TallyBarChart *chart = tally_admin_analytics_get_chart (pane, c);
      GtkStack *stack = GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (chart)));
      GtkWidget *table = gtk_stack_get_child_by_name (stack, "table");
      g_autoptr(GPtrArray) rows = g_ptr_array_new ();

      tally_admin_analytics_show_tables (pane, TRUE);
      settle (window);
      g_assert_true (gtk_widget_get_mapped (table));
      g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (chart)));
      collect_rows (table, rows);
      g_assert_cmpuint (rows->len, ==, tally_bar_chart_get_n_bars (chart));
      for (guint i = 0; i < rows->len; i++)
        {
          g_autofree char *bar = tally_bar_chart_describe_bar (chart, i);

          gtk_test_accessible_assert_property (rows->pdata[i], GTK_ACCESSIBLE_PROPERTY_LABEL,
                                               bar);
        }
    }
  tally_admin_analytics_show_tables (pane, FALSE);
  settle (window);
}

/* Tab reaches a chart, the arrow keys move along it, and what it is
 * named says which bar and its figure. */
static void
check_keyboard (TallyAdminAnalytics *pane)
{
  TallyBarChart *chart = tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_FUNNEL);
  g_autofree char *expected = NULL;

  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (chart)));
  gtk_widget_grab_focus (GTK_WIDGET (chart));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (chart)));
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 3);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", -1);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", -1);
  expected = g_strdup_printf ("Users who registered in the period, step by step. Bar 2 of 4, "
                              "Made a first run (%u.%u %% of those registered): %u",
                              history.ran * 1000 / history.registered / 10,
                              history.ran * 1000 / history.registered % 10, history.ran);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
}

static gboolean
file_written (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
check_csv (GtkWidget           *window,
           TallyAdminAnalytics *pane)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-analytics-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "analytics.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *registered = NULL;

  tally_admin_analytics_export_to (pane, file);
  wait_for_widget (window, is_label_with, "Saved “analytics.csv”");
  g_assert_true (file_written (path));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "section,item,measure,value\r\n"));
  qr = g_strdup_printf ("\r\ntool,qr-code,credits,%d\r\n",
                        GPOINTER_TO_INT (g_hash_table_lookup (history.tool_credits, "qr-code")));
  g_assert_nonnull (strstr (contents, qr));
  g_assert_nonnull (strstr (contents, "\r\npack,starter,purchases,2\r\n"));
  g_assert_nonnull (strstr (contents, "\r\npurchases,,repeat_rate_per_mille,1000\r\n"));
  registered = g_strdup_printf ("\r\nfunnel,registered,users,%u\r\n", history.registered);
  g_assert_nonnull (strstr (contents, registered));
  g_remove (path);
  g_rmdir (dir);
}

static void
screenshot (GtkWidget      *window,
            AdwColorScheme  scheme,
            const char     *name)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
  save_screenshot (window, name);
}

/* The screenshot from the pane's top, nothing in focus to scroll to. */
static void
scroll_to_top (GtkWidget           *window,
               TallyAdminAnalytics *pane)
{
  GtkWidget *chart = GTK_WIDGET (tally_admin_analytics_get_chart (pane, TALLY_ANALYTICS_TOOLS));
  GtkWidget *scrolled = gtk_widget_get_ancestor (chart, GTK_TYPE_SCROLLED_WINDOW);

  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  settle (window);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            0);
}

static void
test_figures (void)
{
  TallyAdminAnalytics *pane;
  TallyAdminPage *page;
  GtkWidget *window;

  make_history ();
  page = open_admin (&window, 900, 1400);
  tally_admin_page_show_section (page, "analytics");
  pane = TALLY_ADMIN_ANALYTICS (wait_for_widget (window, is_analytics, NULL));
  wait_for (analytics_loaded, pane, "the figures");
  /* Wide, the sections are buttons side by side. */
  g_assert_nonnull (find_widget (window, is_stack_switcher, NULL));
  g_assert_null (find_widget (window, is_section_drop_down, NULL));

  check_tools (window, pane);
  check_hours_and_days (pane);
  check_purchases_and_funnel (window, pane);
  check_tables (window, pane);
  check_keyboard (pane);
  check_csv (window, pane);
  scroll_to_top (window, pane);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-analytics-light.png");
  screenshot (window, ADW_COLOR_SCHEME_FORCE_DARK, "admin-analytics-dark.png");
  tally_admin_analytics_show_tables (pane, TRUE);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-analytics-tables.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* Another period: read again, the same figures (all of them are today's). */
  tally_admin_analytics_set_days (pane, 7);
  wait_for_widget (window, is_label_with, "Loading…");
  wait_for (analytics_loaded, pane, "the figures for 7 days");
  wait_for_widget (window, is_label_starting, "From ");
  check_hours_and_days (pane);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Measured rather than the window: its minimum is the widest of its
 * views'. */
static void
assert_fits (GtkWidget *widget,
             int        width)
{
  int minimum;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, width);
}

static void
test_narrow (void)
{
  TallyAdminAnalytics *pane;
  TallyAdminPage *page;
  GtkDropDown *drop_down;
  GtkWidget *window;

  page = open_admin (&window, 360, 720);
  tally_admin_page_show_section (page, "analytics");
  pane = TALLY_ADMIN_ANALYTICS (wait_for_widget (window, is_analytics, NULL));
  wait_for (analytics_loaded, pane, "the figures");
  wait_for_widget (window, is_label_starting, "From ");
  settle (window);
  assert_fits (GTK_WIDGET (page), 360);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-analytics-narrow.png");
  tally_admin_page_show_section (page, "errors");
  wait_for (errors_loaded, wait_for_widget (window, is_errors, NULL), "the errors");
  assert_fits (GTK_WIDGET (page), 360);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_DARK, "admin-errors-narrow.png");

  /* The sections as a drop-down naming the one shown, which chooses too. */
  drop_down = GTK_DROP_DOWN (wait_for_widget (window, is_section_drop_down, NULL));
  g_assert_null (find_widget (window, is_stack_switcher, NULL));
  g_assert_cmpuint (gtk_drop_down_get_selected (drop_down), ==, 3);
  gtk_drop_down_set_selected (drop_down, 2);
  settle (window);
  g_assert_nonnull (find_widget (window, is_analytics, NULL));
  g_assert_null (find_widget (window, is_errors, NULL));
  tally_admin_page_show_section (page, "users");
  g_assert_cmpuint (gtk_drop_down_get_selected (drop_down), ==, 1);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the errors ----------------------------------------------------------------- */

/* The member asks three times for what only an admin may do: one group,
 * counted three times, shown as the server groups it. */
static void
test_errors (void)
{
  g_autoptr(TestResponse) groups = NULL;
  TallyAdminErrors *pane;
  TallyAdminPage *page;
  GtkWidget *window;
  const char *code = NULL;
  g_autofree char *subtitle = NULL;
  JsonArray *items;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) refused = test_request (server, "GET", "/v1/admin/users",
                                                      member_token, NULL);

      g_assert_cmpuint (refused->status, ==, 403);
      code = code != NULL ? code : g_intern_string (test_response_error (refused));
    }

  page = open_admin (&window, 900, 900);
  tally_admin_page_show_section (page, "errors");
  pane = TALLY_ADMIN_ERRORS (wait_for_widget (window, is_errors, NULL));
  wait_for (errors_loaded, pane, "the errors");
  gtk_widget_activate_action (GTK_WIDGET (pane), "errors.reload", NULL);
  wait_for_widget (window, is_label_with, "Loading…");
  wait_for (errors_loaded, pane, "the errors again");

  /* The server's own answer has the group the pane shows. */
  groups = test_request (server, "GET", "/v1/admin/errors", admin_token, NULL);
  g_assert_cmpuint (groups->status, ==, 200);
  items = json_node_get_array (test_response_member (groups, "items"));
  g_assert_cmpuint (json_array_get_length (items), >, 0);
  subtitle = g_strdup ("GET /v1/admin/users · 403 · 3 times\n");
  wait_for_widget (window, is_label_with, code);
  wait_for_widget (window, is_label_starting, subtitle);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-errors-light.png");
  screenshot (window, ADW_COLOR_SCHEME_FORCE_DARK, "admin-errors-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
analytics_gone (gpointer data)
{
  return tally_admin_analytics_get_analytics (data) == NULL;
}

/* The server gone: each pane says so in words and shows no figures,
 * nothing to export; back, they read again. */
static void
test_server_gone (void)
{
  TallyAdminAnalytics *analytics;
  TallyAdminErrors *errors;
  TallyAdminPage *page;
  GtkWidget *window;

  page = open_admin (&window, 900, 900);
  tally_admin_page_show_section (page, "analytics");
  analytics = TALLY_ADMIN_ANALYTICS (wait_for_widget (window, is_analytics, NULL));
  wait_for (analytics_loaded, analytics, "the figures");
  tally_admin_page_show_section (page, "errors");
  errors = TALLY_ADMIN_ERRORS (wait_for_widget (window, is_errors, NULL));
  wait_for (errors_loaded, errors, "the errors");

  test_server_stop (server, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (errors), "errors.reload", NULL);
  wait_for_widget (window, is_label_starting, "The errors could not be read: ");
  g_assert_null (tally_admin_errors_get_groups (errors));

  tally_admin_page_show_section (page, "analytics");
  gtk_widget_activate_action (GTK_WIDGET (analytics), "analytics.reload", NULL);
  wait_for_widget (window, is_label_starting, "The figures could not be read: ");
  wait_for (analytics_gone, analytics, "the figures cleared");
  g_assert_cmpuint (tally_bar_chart_get_n_bars (tally_admin_analytics_get_chart (
                      analytics, TALLY_ANALYTICS_HOURS)), ==, 0);
  /* The action is off: its button is insensitive. */
  g_assert_false (gtk_widget_get_sensitive (find_widget (GTK_WIDGET (analytics),
                                                         is_button_labelled, "E_xport…")));

  test_server_restart (server);
  gtk_widget_activate_action (GTK_WIDGET (analytics), "analytics.reload", NULL);
  wait_for (analytics_loaded, analytics, "the figures again");
  wait_for_widget (window, is_label_starting, "From ");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/admin-analytics/member-refused", test_member_refused);
  g_test_add_func ("/admin-analytics/figures", test_figures);
  g_test_add_func ("/admin-analytics/narrow", test_narrow);
  g_test_add_func ("/admin-analytics/errors", test_errors);
  g_test_add_func ("/admin-analytics/server-gone", test_server_gone);

  history.tool_credits = g_hash_table_new (g_str_hash, g_str_equal);
  history.tool_runs = g_hash_table_new (g_str_hash, g_str_equal);
  history.tool_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server = test_server_start (NULL);
  admin_token = test_admin_new (server, "analytics-admin@example.com");
  history.registered++;
  member_token = new_user (MEMBER_EMAIL, NULL);
  status = g_test_run ();
  test_server_free (server);
  g_free (admin_token);
  g_free (member_token);
  g_hash_table_unref (history.tool_credits);
  g_hash_table_unref (history.tool_runs);
  g_hash_table_unref (history.tool_users);

  return status;
}
