/* test-usage-page.c: the Usage page over a ledger file, its chart, table view,
 * exports and screenshots, and the page in the window on a real server
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally.h"
#include "tally-usage-page.h"
#include "tally-window.h"

#include "tally-app-test.h"

#define N_DAYS 75

static TestServer *server;

typedef struct
{
  char        *dir;
  char        *path;
  TallyLedger *ledger;
  gint64       now;
  char         user[TALLY_UUID_LEN];
  /* What the test wrote, by local (UTC) day: day 0 is today. */
  gint64       spent[N_DAYS];
  guint        runs[N_DAYS];
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
submit (Fixture       *f,
        TallyTransfer *t)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;

  g_assert_true (tally_ledger_create_transfers (f->ledger, t, 1, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
}

static void
write_run (Fixture    *f,
           const char *tool,
           gint64      amount)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer t;

  tally_transfer_init (&t, id, f->user, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION),
                       amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&t, tool);
  submit (f, &t);
}

static gint64
midnight_utc (gint64 time)
{
  return time - time % (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC);
}

/* A grant, then runs of two tools on most of the last N_DAYS days (in
 * UTC, the account's zone), an hour after midnight, today's too. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  gint64 today = midnight_utc (g_get_real_time ());
  TallyAccount account;
  TallyTransfer grant;
  g_autofree char *grant_id = g_uuid_string_random ();

  f->dir = g_dir_make_tmp ("tally-usage-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "cache.db", NULL);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  tally_ledger_set_clock (f->ledger, fixture_clock, f);

  g_strlcpy (f->user, id, sizeof f->user);
  tally_account_init (&account, f->user, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Ada", "UTC");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, &error));

  f->now = today - (N_DAYS + 1) * G_TIME_SPAN_DAY;
  tally_transfer_init (&grant, grant_id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       f->user, 1000000, TALLY_TRANSFER_KIND_GRANT);
  submit (f, &grant);

  for (int day = N_DAYS - 1; day >= 0; day--)
    {
      f->now = today - day * G_TIME_SPAN_DAY + G_TIME_SPAN_HOUR;
      if (day % 7 == 3)
        continue;
      write_run (f, "image-resize", 10 + day % 5);
      write_run (f, "pdf-merge", day == 4 ? 400 : 20);
      f->spent[day] = 10 + day % 5 + (day == 4 ? 400 : 20);
      f->runs[day] = 2;
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->ledger);
  test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

typedef struct
{
  GtkWidget      *window;
  TallyUsagePage *page;
} PageWindow;

static gboolean
page_complete (gpointer data)
{
  return tally_usage_page_is_complete (data);
}

static void
page_window_open (PageWindow *w,
                  Fixture    *f,
                  int         width)
{
  w->window = gtk_window_new ();
  w->page = g_object_new (TALLY_TYPE_USAGE_PAGE, NULL);
  gtk_window_set_child (GTK_WINDOW (w->window), GTK_WIDGET (w->page));
  gtk_window_set_default_size (GTK_WINDOW (w->window), width, 900);
  gtk_window_present (GTK_WINDOW (w->window));

  tally_usage_page_set_source (w->page, f->ledger, f->user, 3000);
  wait_for (page_complete, w->page, "the page's usage");
  settle (w->window);
}

static gboolean
is_list_box_row (GtkWidget  *widget,
                 const char *unused)
{
  return GTK_IS_LIST_BOX_ROW (widget);
}

static gboolean
is_table_toggle (GtkWidget  *widget,
                 const char *unused)
{
  return GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Show the figures as a table") == 0;
}

static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (ADW_IS_ACTION_ROW (root))
    {
      g_ptr_array_add (rows, root);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static char *
day_name (gint64 time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);

  return g_date_time_format (date, "%A %-d %B %Y");
}

/* The table view, read through the rows' accessible labels: one row per
 * day of the chart, each with the figures the test wrote. */
static void
check_table (PageWindow *w,
             Fixture    *f)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GtkToggleButton *toggle;
  GtkWidget *table;
  gint64 today = midnight_utc (g_get_real_time ());

  toggle = GTK_TOGGLE_BUTTON (wait_for_widget (w->window, is_table_toggle, NULL));
  gtk_toggle_button_set_active (toggle, TRUE);
  settle (w->window);
  table = gtk_widget_get_ancestor (wait_for_widget (w->window, is_list_box_row, NULL),
                                   GTK_TYPE_LIST_BOX);
  gtk_test_accessible_assert_property (table, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Figures of the chart");
  collect_rows (table, rows);
  g_assert_cmpuint (rows->len, ==, 30);

  for (guint i = 0; i < rows->len; i++)
    {
      guint day = 29 - i;
      g_autofree char *name = day_name (today - day * G_TIME_SPAN_DAY);
      g_autofree char *credits = tally_format_credits (f->spent[day]);
      g_autofree char *expected = g_strdup_printf ("%s: %s, %u runs", name, credits,
                                                   f->runs[day]);

      gtk_test_accessible_assert_property (rows->pdata[i], GTK_ACCESSIBLE_PROPERTY_LABEL,
                                           expected);
    }

  save_screenshot (w->window, "usage-page-table.png");
  gtk_toggle_button_set_active (toggle, FALSE);
}

static void
check_chart_keyboard (PageWindow *w,
                      Fixture    *f)
{
  TallyBarChart *chart = tally_usage_page_get_chart (w->page);
  gint64 today = midnight_utc (g_get_real_time ());
  g_autofree char *name = day_name (today - 4 * G_TIME_SPAN_DAY);
  g_autofree char *credits = tally_format_credits (f->spent[4]);
  g_autofree char *expected = g_strdup_printf ("Credits spent per day. Bar 26 of 30, %s: %s",
                                               name, credits);

  g_assert_cmpuint (tally_bar_chart_get_n_bars (chart), ==, 30);
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 29);
  gtk_widget_grab_focus (GTK_WIDGET (chart));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (chart)));
  /* The bindings of Left, Home and End. */
  for (guint i = 0; i < 4; i++)
    gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", -1);
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 25);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", G_MININT32);
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", -1);
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.move", "i", G_MAXINT32);
  g_assert_cmpuint (tally_bar_chart_get_selected (chart), ==, 29);
}

static void
test_page (Fixture       *f,
           gconstpointer  data)
{
  const TallyUsage *usage;
  gint64 tool_total = 0;
  PageWindow w;

  page_window_open (&w, f, 900);
  usage = tally_usage_page_get_usage (w.page);
  for (guint day = 0; day < N_DAYS; day++)
    if (day % 7 != 3)
      tool_total += 20 + (day == 4 ? 380 : 0);
  g_assert_cmpint (tally_usage_find_tool (usage, "pdf-merge")->spent, ==, tool_total);

  /* The spike on day 4 is said in words, as are the projections. */
  wait_for_widget (w.window, is_label_starting, "On ");
  wait_for_widget (w.window, is_label_starting, "At the pace of the last 30 days");
  wait_for_widget (w.window, is_label_starting, "You spent ");
  wait_for_widget (w.window, is_action_row_titled, "pdf-merge");
  wait_for_widget (w.window, is_action_row_titled, "Tool runs");
  wait_for_widget (w.window, is_action_row_titled, "Grants");

  check_chart_keyboard (&w, f);
  check_table (&w, f);

  tally_usage_page_set_granularity (w.page, TALLY_USAGE_MONTH);
  g_assert_cmpuint (tally_bar_chart_get_n_bars (tally_usage_page_get_chart (w.page)), ==, 12);
  tally_usage_page_set_granularity (w.page, TALLY_USAGE_WEEK);
  g_assert_cmpuint (tally_bar_chart_get_n_bars (tally_usage_page_get_chart (w.page)), ==, 26);

  gtk_window_destroy (GTK_WINDOW (w.window));
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SaveResult;

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SaveResult *r = user_data;

  r->ok = tally_usage_page_save_finish (TALLY_USAGE_PAGE (source), result, &r->error);
  r->done = TRUE;
}

static void
save (PageWindow       *w,
      TallyUsageExport  what,
      GFile            *file)
{
  SaveResult r = { 0 };

  tally_usage_page_save_async (w->page, what, file, NULL, save_done, &r);
  wait_for (flag_set, &r.done, "the file");
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *csv_path = g_build_filename (f->dir, "usage.csv", NULL);
  g_autofree char *png_path = g_build_filename (f->dir, "usage.png", NULL);
  g_autoptr(GFile) csv_file = g_file_new_for_path (csv_path);
  g_autoptr(GFile) png_file = g_file_new_for_path (png_path);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 total = 0;
  PageWindow w;

  page_window_open (&w, f, 900);

  save (&w, TALLY_USAGE_EXPORT_CSV, csv_file);
  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, &error));
  lines = g_strsplit (contents, "\r\n", -1);
  /* The header, 30 days and the empty string after the last line. */
  g_assert_cmpuint (g_strv_length (lines), ==, 32);
  g_assert_cmpstr (lines[0], ==, "period,starts_at,ends_at,credits_spent,runs");
  for (guint i = 1; i <= 30; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], ",", -1);
      guint n = g_strv_length (cells);

      g_assert_cmpuint (n, >=, 5);
      total += g_ascii_strtoll (cells[n - 2], NULL, 10);
    }
  for (guint day = 0; day < 30; day++)
    total -= f->spent[day];
  g_assert_cmpint (total, ==, 0);

  save (&w, TALLY_USAGE_EXPORT_PNG, png_file);
  texture = gdk_texture_new_from_filename (png_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==,
                   gtk_widget_get_width (GTK_WIDGET (tally_usage_page_get_chart (w.page))));

  gtk_window_destroy (GTK_WINDOW (w.window));
}

static void
shoot (Fixture        *f,
       int             width,
       AdwColorScheme  scheme,
       const char     *name)
{
  PageWindow w;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
  page_window_open (&w, f, width);
  save_screenshot (w.window, name);
  gtk_window_destroy (GTK_WINDOW (w.window));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_screenshots (Fixture       *f,
                  gconstpointer  data)
{
  shoot (f, 900, ADW_COLOR_SCHEME_FORCE_LIGHT, "usage-page-light.png");
  shoot (f, 900, ADW_COLOR_SCHEME_FORCE_DARK, "usage-page-dark.png");
  shoot (f, 360, ADW_COLOR_SCHEME_FORCE_LIGHT, "usage-page-narrow-light.png");
  shoot (f, 360, ADW_COLOR_SCHEME_FORCE_DARK, "usage-page-narrow-dark.png");
}

/* A new account has nothing to chart: the page says so. */
static void
test_empty (void)
{
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tally-usage-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *id = g_uuid_string_random ();
  TallyAccount account;
  PageWindow w;

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  tally_account_init (&account, id, TALLY_ACCOUNT_KIND_USER, 0, "Bo", "Europe/Berlin");
  g_assert_true (tally_ledger_create_account (ledger, &account, &error));

  w.window = gtk_window_new ();
  w.page = g_object_new (TALLY_TYPE_USAGE_PAGE, NULL);
  gtk_window_set_child (GTK_WINDOW (w.window), GTK_WIDGET (w.page));
  gtk_window_present (GTK_WINDOW (w.window));
  tally_usage_page_set_source (w.page, ledger, id, 0);
  wait_for (page_complete, w.page, "the page's usage");
  wait_for_widget (w.window, is_label_starting, "No tool runs in this period yet.");
  wait_for_widget (w.window, is_label_starting, "Nothing was spent in the last 30 days");

  gtk_window_destroy (GTK_WINDOW (w.window));
  g_clear_object (&ledger);
  test_remove_tree (dir);
}

static gboolean
is_drop_down (GtkWidget  *widget,
              const char *unused)
{
  return GTK_IS_DROP_DOWN (widget);
}

static gboolean
is_spin_button_labelled (GtkWidget  *widget,
                         const char *unused)
{
  return GTK_IS_SPIN_BUTTON (widget);
}

/* Tools measured in words, side by side for 6,000 words: the word count
 * costs 3 credits there, as the server charges. */
static void
check_comparison (GtkWidget *window)
{
  GtkDropDown *units = GTK_DROP_DOWN (wait_for_widget (window, is_drop_down, NULL));
  GListModel *model = gtk_drop_down_get_model (units);
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (units), TALLY_TYPE_USAGE_PAGE);
  g_autofree char *three = tally_format_credits (3);
  GtkWidget *row;
  guint n_rows = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) unit = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (unit), "words"))
        gtk_drop_down_set_selected (units, i);
    }
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (page, is_spin_button_labelled, NULL)),
                             6000);
  row = wait_for_widget (window, is_action_row_titled, "Word count and readability");
  g_assert_nonnull (find_widget (row, is_label_with, three));
  for (GtkWidget *r = gtk_widget_get_first_child (gtk_widget_get_parent (row)); r != NULL;
       r = gtk_widget_get_next_sibling (r))
    n_rows++;
  g_assert_cmpuint (n_rows, >=, 2);
}

/* The page in the window follows the session: a grant the server makes
 * shows in the kinds once the cache has it. */
static void
test_in_window (void)
{
  g_autofree char *admin = test_admin_new (server, "usage-admin@example.com");
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TestResponse) me = NULL;
  GtkWidget *window;
  GtkWidget *row;

  window = signed_up_window (server, client, settings, "usage@example.com");
  me = test_request (server, "GET", "/v1/me", tally_client_get_token (client), NULL);
  test_grant (server, admin, test_response_string (me, "user.account_id"), 700);
  wait_for_credits (window, 700);

  show_view (window, "usage");
  row = wait_for_widget (window, is_action_row_titled, "Grants");
  g_assert_nonnull (find_widget (row, is_label_with, "+700 credits"));
  wait_for_widget (window, is_label_starting, "Nothing was spent in the last 30 days");
  check_comparison (window);
  save_screenshot (window, "usage-window.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/usage/page/chart-table-breakdowns", test_page);
  ADD ("/usage/page/export", test_export);
  ADD ("/usage/page/screenshots", test_screenshots);
#undef ADD
  g_test_add_func ("/usage/page/empty", test_empty);
  g_test_add_func ("/usage/window", test_in_window);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);

  return status;
}
