/* test-accessibility.c: every control named and reachable by keyboard,
 * every string translatable, every shortcut listed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens each view of the app in a real window, wide and narrow, against a
 * real server, and checks each control that can take keyboard focus: it
 * has an accessible name, and Tab (with the arrow keys inside lists)
 * reaches it from the window.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-admin-analytics.h"
#include "tally-admin-errors.h"
#include "tally-admin-page.h"
#include "tally-alerts-window.h"
#include "tally-application.h"
#include "tally-purchase-page.h"
#include "tally-secret.h"
#include "tally-tool-page.h"
#include "tally-window.h"

#include "tally-app-test.h"

#define MAX_FOCUS_STEPS 2000
#define MAX_ARROW_STEPS 200
#define GRANTED_CREDITS 900
/* The Starter pack, bought once so that Buy Credits shows its receipt and
 * the one-click top-up. */
#define STARTER_CREDITS 500

static TestServer *server;
static char *user_token;
static char *admin_token;
/* What the user has: the grant and the pack, less the runs made here. */
static gint64 balance = GRANTED_CREDITS + STARTER_CREDITS;

/* Offenders seen so far in this test, each reported once however many
 * views show it. */
static GHashTable *reported;
static GString *report;

static void
add_offence (const char *view,
             const char *problem,
             const char *widget)
{
  g_autofree char *key = g_strdup_printf ("%s: %s", problem, widget);

  if (!g_hash_table_add (reported, g_strdup (key)))
    return;
  g_string_append_printf (report, "\n  [%s] %s", view, key);
}

/* ---- accessible names ---------------------------------------------- */

/* Containers that pass focus on to their rows or children rather than
 * being a control of their own (an entry row to its text). */
static gboolean
passes_focus_on (GtkWidget *widget)
{
  return GTK_IS_WINDOW (widget) || GTK_IS_POPOVER (widget) || ADW_IS_ENTRY_ROW (widget) ||
         GTK_IS_LIST_BOX (widget) || GTK_IS_FLOW_BOX (widget) || GTK_IS_LIST_VIEW (widget) ||
         GTK_IS_GRID_VIEW (widget) || GTK_IS_COLUMN_VIEW (widget) ||
         GTK_IS_SCROLLED_WINDOW (widget) || GTK_IS_VIEWPORT (widget);
}

static gboolean
focus_allowed_up_to (GtkWidget *widget,
                     GtkWidget *scope)
{
  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      if (!gtk_widget_get_can_focus (w))
        return FALSE;
      if (w == scope)
        break;
    }
  return TRUE;
}

/* A control someone could focus in @scope now. */
static gboolean
is_control (GtkWidget *widget,
            GtkWidget *scope)
{
  GtkNative *native = gtk_widget_get_native (widget);

  return gtk_widget_get_mapped (widget) && gtk_widget_is_sensitive (widget) &&
         gtk_widget_get_focusable (widget) && !passes_focus_on (widget) &&
         native == gtk_widget_get_native (scope) && focus_allowed_up_to (widget, scope);
}

static void
collect_controls (GtkWidget *root,
                  GtkWidget *scope,
                  GPtrArray *controls)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (is_control (root, scope))
    g_ptr_array_add (controls, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_controls (child, scope, controls);
}

/* The widget a screen reader presents for @widget: the entry, not its
 * inner text; the menu button or drop-down, not its inner toggle. */
static GtkWidget *
presented_widget (GtkWidget *widget)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);

  if (GTK_IS_TEXT (widget))
    {
      for (GtkWidget *w = parent; w != NULL; w = gtk_widget_get_parent (w))
        if (GTK_IS_EDITABLE (w))
          return w;
    }
  if (parent != NULL && (GTK_IS_MENU_BUTTON (parent) || GTK_IS_DROP_DOWN (parent)))
    return parent;

  return widget;
}

static gboolean
has_visible_text (GtkWidget *widget)
{
  if (!gtk_widget_get_visible (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && gtk_label_get_text (GTK_LABEL (widget))[0] != '\0')
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_visible_text (child))
      return TRUE;

  return FALSE;
}

static gboolean
has_title (GtkWidget *widget)
{
  const char *title;

  if (!ADW_IS_PREFERENCES_ROW (widget))
    return FALSE;
  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  return title != NULL && title[0] != '\0';
}

/* The control of an action row that the row's title stands for. */
static gboolean
is_titled_rows_widget (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);

  return row != NULL && has_title (row) &&
         adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) == widget;
}

/* Widgets whose own contents name them: buttons and rows read their
 * labels out. */
static gboolean
named_by_contents (GtkWidget *widget)
{
  return (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_LIST_BOX_ROW (widget) ||
          GTK_IS_FLOW_BOX_CHILD (widget) || GTK_IS_CHECK_BUTTON (widget) ||
          GTK_IS_LABEL (widget) ||
          g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkListItemWidget")) &&
         has_visible_text (widget);
}

/* GTK labels a button by its child, whatever it is: an icon alone makes
 * the relation say nothing. */
static gboolean
labelled_by_text (GtkWidget *widget)
{
  if (!gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                         GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autofree char *mismatch =
        gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget),
                                            GTK_ACCESSIBLE_RELATION_LABELLED_BY, child, NULL);

      if (mismatch == NULL)
        return has_visible_text (child);
    }

  return TRUE;
}

static gboolean
has_accessible_name (GtkWidget *widget)
{
  GtkWidget *presented = presented_widget (widget);
  g_autoptr(GList) mnemonic_labels = gtk_widget_list_mnemonic_labels (presented);

  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (presented),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         labelled_by_text (presented) || mnemonic_labels != NULL || has_title (presented) ||
         is_titled_rows_widget (presented) || named_by_contents (presented);
}

/* Controls that GTK 4.8 and libadwaita 1.2 build inside their own
 * widgets, out of the app's reach: the calendar's month and year arrows, a
 * toast's close button, the password row's reveal toggle, the shortcuts
 * window's search toggle. */
static gboolean
is_toolkit_internal (GtkWidget *widget)
{
  static const char * const owners[] = {
    "GtkCalendar", "AdwToastWidget", "AdwPasswordEntryRow", "GtkShortcutsWindow", NULL
  };

  if (!GTK_IS_BUTTON (widget))
    return FALSE;
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    if (g_strv_contains (owners, G_OBJECT_TYPE_NAME (w)))
      return TRUE;
  return FALSE;
}

/* A button that shows only an icon: a tooltip says what it does to those
 * who see it. */
static gboolean
is_icon_only_button (GtkWidget *widget)
{
  GtkWidget *presented = presented_widget (widget);

  return (GTK_IS_BUTTON (presented) || GTK_IS_MENU_BUTTON (presented)) &&
         !has_visible_text (presented);
}

/* Type, id, icon, tooltip and the app's widget it sits in: enough to find
 * it in a .ui file. */
static char *
describe (GtkWidget *widget)
{
  GtkWidget *presented = presented_widget (widget);
  GString *text = g_string_new (G_OBJECT_TYPE_NAME (presented));
  const char *id = gtk_buildable_get_buildable_id (GTK_BUILDABLE (presented));
  const char *tooltip = gtk_widget_get_tooltip_text (presented);

  /* Builder names objects without an id "___object_N___". */
  if (id != NULL && !g_str_has_prefix (id, "___"))
    g_string_append_printf (text, " #%s", id);
  if (GTK_IS_BUTTON (presented) && gtk_button_get_icon_name (GTK_BUTTON (presented)) != NULL)
    g_string_append_printf (text, " icon=%s", gtk_button_get_icon_name (GTK_BUTTON (presented)));
  if (GTK_IS_MENU_BUTTON (presented) &&
      gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (presented)) != NULL)
    g_string_append_printf (text, " icon=%s",
                            gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (presented)));
  if (tooltip != NULL)
    g_string_append_printf (text, " tooltip=“%s”", tooltip);
  if (has_title (presented))
    g_string_append_printf (text, " title=“%s”",
                            adw_preferences_row_get_title (ADW_PREFERENCES_ROW (presented)));

  for (GtkWidget *w = gtk_widget_get_parent (presented); w != NULL; w = gtk_widget_get_parent (w))
    if (g_str_has_prefix (G_OBJECT_TYPE_NAME (w), "Tally") || ADW_IS_PREFERENCES_PAGE (w))
      {
        g_string_append_printf (text, " in %s", G_OBJECT_TYPE_NAME (w));
        break;
      }

  return g_string_free (text, FALSE);
}

/* ---- keyboard reachability ------------------------------------------ */

static GtkWidget *
list_container (GtkWidget *widget)
{
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_LIST_BOX (w) || GTK_IS_LIST_VIEW (w) || GTK_IS_FLOW_BOX (w) ||
        GTK_IS_GRID_VIEW (w))
      return w;
  return NULL;
}

/* Inside a list, the arrow keys move between rows that Tab skips. */
static void
add_arrow_stops (GtkWidget       *scope,
                 GtkWidget       *start,
                 GtkDirectionType direction,
                 GHashTable      *reached)
{
  GtkRoot *root = gtk_widget_get_root (scope);
  GtkWidget *list = list_container (start);

  gtk_widget_grab_focus (start);
  for (guint step = 0; step < MAX_ARROW_STEPS; step++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (scope, direction))
        break;
      focus = gtk_root_get_focus (root);
      if (focus == NULL || !gtk_widget_is_ancestor (focus, list) ||
          !g_hash_table_add (reached, focus))
        break;
    }
}

/* Everything Tab reaches from @scope, then the arrows inside lists. */
static GHashTable *
reach_by_keyboard (GtkWidget *scope)
{
  GtkRoot *root = gtk_widget_get_root (scope);
  GHashTable *reached = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) in_lists = g_ptr_array_new ();

  if (GTK_IS_WINDOW (scope))
    gtk_root_set_focus (root, NULL);

  for (guint step = 0; step < MAX_FOCUS_STEPS; step++)
    {
      GtkWidget *focus;

      /* A popover does not wrap around: its end is the end. */
      if (!gtk_widget_child_focus (scope, GTK_DIR_TAB_FORWARD) && !GTK_IS_WINDOW (scope))
        break;
      focus = gtk_root_get_focus (root);
      if (focus == NULL)
        continue;
      if (!g_hash_table_add (reached, focus))
        break;
      if (list_container (focus) != NULL)
        g_ptr_array_add (in_lists, focus);
    }

  for (guint i = 0; i < in_lists->len; i++)
    {
      add_arrow_stops (scope, in_lists->pdata[i], GTK_DIR_DOWN, reached);
      add_arrow_stops (scope, in_lists->pdata[i], GTK_DIR_UP, reached);
      add_arrow_stops (scope, in_lists->pdata[i], GTK_DIR_RIGHT, reached);
      add_arrow_stops (scope, in_lists->pdata[i], GTK_DIR_LEFT, reached);
    }

  return reached;
}

/* Checks every control of @scope as shown now. */
static void
check_scope (GtkWidget  *scope,
             const char *view)
{
  g_autoptr(GPtrArray) controls = g_ptr_array_new ();
  g_autoptr(GHashTable) reached = NULL;

  settle (GTK_WIDGET (gtk_widget_get_root (scope)));
  collect_controls (scope, scope, controls);
  reached = reach_by_keyboard (scope);
  g_test_message ("%s: %u controls, %u reached by keyboard", view, controls->len,
                  g_hash_table_size (reached));
  g_assert_cmpuint (controls->len, >, 0);

  for (guint i = 0; i < controls->len; i++)
    {
      GtkWidget *control = controls->pdata[i];
      g_autofree char *what = describe (control);

      if (is_toolkit_internal (control) && !has_accessible_name (control))
        g_test_message ("%s: the toolkit's own control %s has no accessible name", view, what);
      else if (!has_accessible_name (control))
        add_offence (view, "no accessible name", what);
      else if (is_icon_only_button (control) &&
               !gtk_widget_get_has_tooltip (presented_widget (control)))
        add_offence (view, "icon-only button without a tooltip", what);
      if (!g_hash_table_contains (reached, control))
        add_offence (view, "not reachable by keyboard", what);
    }
}

static void
collect_menu_buttons (GtkWidget *root,
                      GPtrArray *buttons)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_MENU_BUTTON (root))
    g_ptr_array_add (buttons, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_menu_buttons (child, buttons);
}

/* The view itself, then each of its menus and popovers open. */
static void
check_view (GtkWidget  *window,
            const char *view)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  check_scope (window, view);
  collect_menu_buttons (window, buttons);

  for (guint i = 0; i < buttons->len; i++)
    {
      GtkMenuButton *button = buttons->pdata[i];
      g_autofree char *what = describe (GTK_WIDGET (button));
      g_autofree char *name = g_strdup_printf ("%s, popover of %s", view, what);
      GtkPopover *popover;

      gtk_menu_button_popup (button);
      popover = gtk_menu_button_get_popover (button);
      g_assert_nonnull (popover);
      settle (window);
      check_scope (GTK_WIDGET (popover), name);
      gtk_menu_button_popdown (button);
      settle (window);
    }
}

/* ---- the views --------------------------------------------------------- */

static void
cleared (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  tally_secret_clear_finish (result, NULL);
  *(gboolean *) data = TRUE;
}

static GtkWidget *
sign_in_window (int width)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  gboolean done = FALSE;
  GtkWidget *window;

  tally_secret_clear_async (server->base_url, NULL, cleared, &done);
  wait_for (flag_set, &done, "the keyring");
  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), width, 720);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_widget (window, is_button_labelled, "_Sign In");
  return window;
}

static GtkWidget *
open_window (int width)
{
  GtkWidget *window = signed_in_window (server, user_token);

  gtk_window_set_default_size (GTK_WINDOW (window), width, 720);
  wait_for_credits (window, balance);
  return window;
}

static void
check_pages (GtkWidget  *window,
             const char *size)
{
  static const char * const pages[] = { "overview", "tools", "history", "usage", "team",
                                        "purchase" };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *view = g_strdup_printf ("%s, %s", pages[i], size);

      show_view (window, pages[i]);
      if (g_str_equal (pages[i], "history"))
        wait_for_widget (window, is_label_starting, "Grant · ");
      if (g_str_equal (pages[i], "usage"))
        wait_for_widget (window, is_action_row_titled, "Grants");
      if (g_str_equal (pages[i], "team"))
        wait_for_widget (window, is_label_starting, "Owner · ");
      if (g_str_equal (pages[i], "purchase"))
        {
          wait_for_widget (window, is_label_with, "Top Up Again");
          /* Plans and Redeem a Code, below the packs. */
          wait_for_widget (window, is_action_row_titled, "Basic");
          wait_for_widget (window, is_row_titled, "Promo code");
        }
      check_view (window, view);
    }
}

static void
check_tools (GtkWidget  *window,
             const char *size)
{
  static const char * const tools[] = { "Watermark images", "Word count and readability" };

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *view = g_strdup_printf ("tool “%s”, %s", tools[i], size);

      open_tool_page (window, tools[i]);
      check_view (window, view);
    }
}

/* Asks before the run, then shows its result. */
static void
check_run (GtkWidget  *window,
           const char *size)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dialog_view = g_strdup_printf ("run confirmation, %s", size);
  g_autofree char *result_view = g_strdup_printf ("tool result, %s", size);
  g_autofree char *dir = g_dir_make_tmp ("tally-a11y-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  GtkWidget *dialog = NULL;

  tally_tool_page_set_output_folder (open_tool_page (window, "Word count and readability"),
                                     folder);
  set_tool_text (window, "Some words to count.");
  wait_for_widget (window, is_label_with, "For 4 words of input");
  g_settings_set_int64 (settings, "confirm-above", 0);
  click (window, "_Run");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  check_scope (dialog, dialog_view);
  click (dialog, "_Run");
  wait_for_widget (window, is_label_with, "Charged 1 credit");
  balance -= 1;
  g_settings_reset (settings, "confirm-above");
  check_view (window, result_view);
  test_remove_tree (dir);
}

/* The tests have no browser. */
static void
ignore_uri (GtkWindow  *parent,
            const char *uri,
            gpointer    user_data)
{
}

/* Asks before the purchase, then waits for the payment. */
static void
check_purchase (GtkWidget  *window,
                const char *size)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dialog_view = g_strdup_printf ("purchase confirmation, %s", size);
  g_autofree char *waiting_view = g_strdup_printf ("waiting for a payment, %s", size);
  GtkWidget *page;
  GtkWidget *row;
  GtkWidget *dialog = NULL;

  show_view (window, "purchase");
  page = wait_for_widget (window, is_purchase_page, NULL);
  tally_purchase_page_set_uri_opener (TALLY_PURCHASE_PAGE (page), ignore_uri, NULL);
  g_settings_set_int64 (settings, "confirm-purchase-above", 0);
  row = wait_for_widget (window, is_action_row_titled, "Standard");
  g_signal_emit_by_name (wait_for_widget (row, is_button_labelled, "Buy"), "clicked");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  check_scope (dialog, dialog_view);
  click (dialog, "_Buy");
  wait_for_widget (window, is_label_with, "Waiting for the payment…");
  check_view (window, waiting_view);
  gtk_widget_activate_action (page, "purchase.cancel-waiting", NULL);
  g_settings_reset (settings, "confirm-purchase-above");
}

static void
check_preferences (GtkWidget  *window,
                   const char *size)
{
  static const char * const pages[] = { "runs", "limits", "billing", "alerts", "api-keys",
                                        "account" };
  GtkWidget *prefs = open_preferences (window);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *view = g_strdup_printf ("preferences “%s”, %s", pages[i], size);

      adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), pages[i]);
      check_view (prefs, view);
    }

  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* The Overview's All Alerts, a window of its own. */
static void
check_alerts_window (GtkWidget  *window,
                     const char *size)
{
  g_autofree char *view = g_strdup_printf ("alerts window, %s", size);
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *alerts = NULL;

  g_assert_true (gtk_widget_activate_action (window, "win.show-alerts", NULL));
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && alerts == NULL; i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (TALLY_IS_ALERTS_WINDOW (toplevel))
        alerts = toplevel;
    }
  g_assert_nonnull (alerts);
  settle (alerts);
  check_view (alerts, view);
  gtk_window_destroy (GTK_WINDOW (alerts));
}

static void
check_shortcuts_window (int         width,
                        const char *size)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/tallycredits/Tally/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autofree char *view = g_strdup_printf ("shortcuts window, %s", size);

  gtk_window_set_default_size (GTK_WINDOW (overlay), width, 600);
  gtk_window_present (GTK_WINDOW (overlay));
  check_scope (overlay, view);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

static gboolean
banner_shown (gpointer data)
{
  return find_widget (data, is_label_starting, "You are offline") != NULL;
}

static void
check_offline_banner (GtkWidget  *window,
                      const char *size)
{
  g_autofree char *view = g_strdup_printf ("offline banner, %s", size);

  test_server_stop (server, FALSE);
  gtk_widget_activate_action (window, "win.refresh", NULL);
  wait_for (banner_shown, window, "the offline banner");
  show_view (window, "overview");
  check_scope (window, view);
  test_server_restart (server);
}

static gboolean
is_analytics_pane (GtkWidget  *widget,
                   const char *unused)
{
  return TALLY_IS_ADMIN_ANALYTICS (widget);
}

static gboolean
analytics_shown (gpointer data)
{
  return tally_admin_analytics_get_analytics (data) != NULL;
}

static gboolean
is_errors_pane (GtkWidget  *widget,
                const char *unused)
{
  return TALLY_IS_ADMIN_ERRORS (widget);
}

static gboolean
error_groups_shown (gpointer data)
{
  return tally_admin_errors_get_groups (data) != NULL;
}

/* Analytics as charts and as tables, then Errors. */
static void
check_admin_operations (GtkWidget      *window,
                        TallyAdminPage *page,
                        const char     *size)
{
  g_autofree char *charts = g_strdup_printf ("admin analytics, %s", size);
  g_autofree char *tables = g_strdup_printf ("admin analytics tables, %s", size);
  g_autofree char *errors = g_strdup_printf ("admin errors, %s", size);
  GtkWidget *pane;

  tally_admin_page_show_section (page, "analytics");
  pane = wait_for_widget (window, is_analytics_pane, NULL);
  wait_for (analytics_shown, pane, "the figures");
  check_view (window, charts);
  tally_admin_analytics_show_tables (TALLY_ADMIN_ANALYTICS (pane), TRUE);
  check_view (window, tables);
  tally_admin_analytics_show_tables (TALLY_ADMIN_ANALYTICS (pane), FALSE);

  tally_admin_page_show_section (page, "errors");
  pane = wait_for_widget (window, is_errors_pane, NULL);
  wait_for (error_groups_shown, pane, "the error groups");
  check_view (window, errors);
}

/* An admin's Administration view: the audit log, the users, analytics and
 * errors. */
static void
check_admin (int         width,
             const char *size)
{
  GtkWidget *window = signed_in_window (server, admin_token);
  g_autofree char *audit = g_strdup_printf ("admin audit log, %s", size);
  g_autofree char *users = g_strdup_printf ("admin users, %s", size);
  TallyAdminPage *admin_page;
  AdwViewStack *stack;

  gtk_window_set_default_size (GTK_WINDOW (window), width, 720);
  stack = ADW_VIEW_STACK (wait_for_widget (window, is_view_stack, NULL));
  while (!gtk_widget_activate_action (window, "admin-view.show", NULL) ||
         g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "admin") != 0)
    g_main_context_iteration (NULL, TRUE);
  wait_for_widget (window, is_label_starting, "The whole log: ");
  check_view (window, audit);
  admin_page = TALLY_ADMIN_PAGE (adw_view_stack_get_child_by_name (stack, "admin"));
  tally_admin_page_show_section (admin_page, "users");
  wait_for_widget (window, is_label_with, "a11y@example.com");
  check_view (window, users);
  check_admin_operations (window, admin_page, size);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
check_every_view (int width)
{
  const char *size = width < 600 ? "narrow" : "wide";
  g_autofree char *sign_in_view = g_strdup_printf ("sign-in, %s", size);
  GtkWidget *window = sign_in_window (width);

  check_view (window, sign_in_view);
  gtk_window_destroy (GTK_WINDOW (window));

  window = open_window (width);
  check_pages (window, size);
  check_tools (window, size);
  check_run (window, size);
  check_purchase (window, size);
  check_preferences (window, size);
  check_alerts_window (window, size);
  check_shortcuts_window (width, size);
  check_offline_banner (window, size);
  gtk_window_destroy (GTK_WINDOW (window));
  check_admin (width, size);
}

static void
check_report (void)
{
  if (report->len > 0)
    g_test_fail_printf ("Controls without an accessible name or out of keyboard reach:%s",
                        report->str);
  g_string_truncate (report, 0);
  g_hash_table_remove_all (reported);
}

/* The checker itself: an icon-only button without a label is caught, one
 * with a label but no tooltip too, one with both is not, and a button Tab
 * cannot reach is caught. */
static void
test_checker_catches_offenders (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *unnamed = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  GtkWidget *named = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *untipped = gtk_button_new_from_icon_name ("edit-paste-symbolic");
  GtkWidget *text = gtk_entry_new ();
  GtkWidget *hidden_from_tab = gtk_button_new_with_label ("Skipped");
  GtkWidget *notebook = gtk_notebook_new ();

  gtk_accessible_update_property (GTK_ACCESSIBLE (named), GTK_ACCESSIBLE_PROPERTY_LABEL, "Copy",
                                  -1);
  gtk_widget_set_tooltip_text (named, "Copy");
  gtk_accessible_update_property (GTK_ACCESSIBLE (untipped), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Paste", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_LABEL, "Note",
                                  -1);
  gtk_box_append (GTK_BOX (box), unnamed);
  gtk_box_append (GTK_BOX (box), named);
  gtk_box_append (GTK_BOX (box), untipped);
  gtk_box_append (GTK_BOX (box), text);
  /* A notebook's Tab goes to the notebook and its page, never into the
   * widgets of its tabs. */
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), box, hidden_from_tab);
  gtk_window_set_child (GTK_WINDOW (window), notebook);
  gtk_window_present (GTK_WINDOW (window));

  check_scope (window, "checker");
  g_test_message ("the checker found:%s", report->str);
  g_assert_true (g_hash_table_contains (reported,
                                        "no accessible name: GtkButton icon=edit-delete-symbolic"));
  g_assert_true (g_hash_table_contains (
    reported, "icon-only button without a tooltip: GtkButton icon=edit-paste-symbolic"));
  g_assert_false (g_hash_table_contains (reported, "no accessible name: GtkEntry"));
  g_assert_true (g_hash_table_contains (reported, "not reachable by keyboard: GtkButton"));
  g_assert_true (g_hash_table_contains (reported, "no accessible name: GtkNotebook"));
  /* Nothing about the button with a name and a tooltip, nor the entry. */
  g_assert_cmpuint (g_hash_table_size (reported), ==, 4);

  g_string_truncate (report, 0);
  g_hash_table_remove_all (reported);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_wide (void)
{
  check_every_view (900);
  check_report ();
}

static void
test_narrow (void)
{
  check_every_view (360);
  check_report ();
}

/* Pays for the Starter pack on the demo checkout page, as the browser
 * would, and remembers it as the app does after a purchase. */
static void
buy_starter_pack (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", user_token,
                                                   "{\"pack\": \"starter\"}");
  const char *url = test_response_string (checkout, "url");
  g_autofree char *pay = NULL;
  g_autoptr(TestResponse) paid = NULL;
  static const char * const recent[] = { "starter", NULL };

  g_assert_true (g_str_has_prefix (url, server->base_url));
  pay = g_strconcat (url + strlen (server->base_url), "/pay", NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_settings_set_strv (settings, "recent-packs", recent);
}

/* ---- static checks ----------------------------------------------------- */

static char *
source_root (void)
{
  return g_path_get_dirname (g_getenv ("G_TEST_SRCDIR"));
}

/* Properties and attributes of .ui files that people read. */
static gboolean
is_user_facing (const char *name)
{
  static const char * const names[] = {
    "label", "title", "subtitle", "tooltip-text", "tooltip-markup", "placeholder-text",
    "description", "text", "heading", "body", "secondary-text", "button-label", NULL
  };

  return g_strv_contains (names, name);
}

typedef struct
{
  const char *file;
  GString    *offences;
  gboolean    in_text;
  gboolean    translatable;
  char       *name;
  GString    *text;
} UiScan;

static void
ui_start (GMarkupParseContext  *context,
          const char           *element,
          const char          **attribute_names,
          const char          **attribute_values,
          gpointer              data,
          GError              **error)
{
  UiScan *scan = data;
  const char *name = NULL;
  gboolean translatable = FALSE;

  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      if (g_str_equal (attribute_names[i], "name"))
        name = attribute_values[i];
      else if (g_str_equal (attribute_names[i], "translatable"))
        translatable = g_str_equal (attribute_values[i], "yes");
    }

  /* GtkStringList items are shown as they are. */
  scan->in_text = g_str_equal (element, "item") ||
                  ((g_str_equal (element, "property") || g_str_equal (element, "attribute")) &&
                   name != NULL && is_user_facing (name));
  scan->translatable = translatable;
  g_free (scan->name);
  scan->name = g_strdup (name != NULL ? name : element);
  g_string_truncate (scan->text, 0);
}

static void
ui_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              data,
         GError              **error)
{
  UiScan *scan = data;

  if (scan->in_text)
    g_string_append_len (scan->text, text, (gssize) length);
}

static gboolean
has_letters (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalpha (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

static void
ui_end (GMarkupParseContext  *context,
        const char           *element,
        gpointer              data,
        GError              **error)
{
  UiScan *scan = data;

  if (scan->in_text && !scan->translatable && has_letters (scan->text->str))
    g_string_append_printf (scan->offences, "\n  %s: %s “%s” is not translatable", scan->file,
                            scan->name, scan->text->str);
  scan->in_text = FALSE;
}

static char **
ui_files (void)
{
  g_autofree char *root = source_root ();
  g_autofree char *dir_path = g_build_filename (root, "ui", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GStrvBuilder) files = g_strv_builder_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".ui"))
      {
        g_autofree char *file = g_build_filename ("ui", name, NULL);

        g_strv_builder_add (files, file);
      }

  return g_strv_builder_end (files);
}

static char *
read_source (const char *relative)
{
  g_autofree char *root = source_root ();
  g_autofree char *path = g_build_filename (root, relative, NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

/* Adds to @offences each user-facing string of the .ui @contents that is
 * not marked translatable. */
static void
scan_ui (const char *file,
         const char *contents,
         GString    *offences)
{
  static const GMarkupParser parser = { ui_start, ui_end, ui_text, NULL, NULL };
  g_autoptr(GString) text = g_string_new (NULL);
  UiScan scan = { file, offences, FALSE, FALSE, NULL, text };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_autoptr(GError) error = NULL;

  g_markup_parse_context_parse (context, contents, -1, &error);
  g_assert_no_error (error);
  g_free (scan.name);
}

/* The scanner itself, on a file with one string of each kind. */
static void
test_ui_scanner (void)
{
  static const char contents[] =
    "<interface><object class=\"GtkButton\">"
    "<property name=\"label\" translatable=\"yes\">_Save</property>"
    "<property name=\"tooltip-text\">Save the file</property>"
    "<property name=\"icon-name\">document-save-symbolic</property>"
    "<property name=\"label\">1234</property>"
    "<accessibility><property name=\"label\">Save now</property></accessibility>"
    "</object><menu><item><attribute name=\"label\">_Quit</attribute></item></menu>"
    "</interface>";
  g_autoptr(GString) offences = g_string_new (NULL);

  scan_ui ("example.ui", contents, offences);
  g_assert_cmpstr (offences->str, ==,
                   "\n  example.ui: tooltip-text “Save the file” is not translatable"
                   "\n  example.ui: label “Save now” is not translatable"
                   "\n  example.ui: label “_Quit” is not translatable");
}

static void
test_ui_strings_translatable (void)
{
  g_auto(GStrv) files = ui_files ();
  g_autoptr(GString) offences = g_string_new (NULL);

  g_assert_cmpuint (g_strv_length (files), >, 5);
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *contents = read_source (files[i]);

      scan_ui (files[i], contents, offences);
    }

  if (offences->len > 0)
    g_test_fail_printf ("User-facing strings not marked translatable:%s", offences->str);
}

/* "<Control>comma" and "<Primary>comma" alike. */
static char *
normal_accelerator (const char *accelerator)
{
  guint key = 0;
  GdkModifierType mods = 0;

  g_assert_true (gtk_accelerator_parse (accelerator, &key, &mods));
  return gtk_accelerator_name (key, mods);
}

static void
add_accels_of_action (GtkApplication *app,
                      const char     *action,
                      GHashTable     *accels)
{
  g_auto(GStrv) found = gtk_application_get_accels_for_action (app, action);

  for (guint i = 0; found[i] != NULL; i++)
    g_hash_table_insert (accels, normal_accelerator (found[i]), g_strdup (action));
}

static gboolean
installed_by_app (GtkWidget  *widget,
                  const char *action)
{
  GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS (widget);
  GType owner;
  const char *name;
  const GVariantType *parameter_type;
  const char *property;

  /* GTK 4.8 wants every out argument. */
  for (guint i = 0;
       gtk_widget_class_query_action (klass, i, &owner, &name, &parameter_type, &property); i++)
    if (g_str_equal (name, action) && g_str_has_prefix (g_type_name (owner), "Tally"))
      return TRUE;
  return FALSE;
}

static void
add_shortcut (GtkWidget   *widget,
              GtkShortcut *shortcut,
              GHashTable  *accels)
{
  GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
  GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
  GtkKeyvalTrigger *keys;
  const char *name;

  if (!GTK_IS_KEYVAL_TRIGGER (trigger) || !GTK_IS_NAMED_ACTION (action))
    return;
  keys = GTK_KEYVAL_TRIGGER (trigger);
  name = gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
  if (installed_by_app (widget, name))
    g_hash_table_insert (accels,
                         gtk_accelerator_name (gtk_keyval_trigger_get_keyval (keys),
                                               gtk_keyval_trigger_get_modifiers (keys)),
                         g_strdup (name));
}

/* The key bindings the app's widget classes add, in every widget of the
 * window (pages not shown included). */
static void
add_widget_bindings (GtkWidget  *root,
                     GHashTable *accels)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (root);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          add_shortcut (root, shortcut, accels);
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    add_widget_bindings (child, accels);
}

/* What the shortcuts window shows: its accelerators, and those of the
 * actions it names. */
static GHashTable *
listed_accels (GtkApplication *app,
               GString        *offences)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/tallycredits/Tally/gtk/help-overlay.ui");
  g_autoptr(GSList) objects = gtk_builder_get_objects (builder);
  GHashTable *listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *accelerator = NULL;
      g_autofree char *action = NULL;
      g_autofree char *title = NULL;
      guint before = g_hash_table_size (listed);

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "accelerator", &accelerator, "action-name", &action, "title", &title,
                    NULL);
      if (accelerator != NULL)
        {
          g_auto(GStrv) each = g_strsplit (accelerator, " ", -1);

          for (guint i = 0; each[i] != NULL; i++)
            if (each[i][0] != '\0')
              g_hash_table_insert (listed, normal_accelerator (each[i]), g_strdup (title));
        }
      if (action != NULL)
        add_accels_of_action (app, action, listed);
      if (g_hash_table_size (listed) == before)
        g_string_append_printf (offences, "\n  “%s” shows no key", title);
    }

  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  return listed;
}

static void
test_shortcuts_listed (void)
{
  g_autoptr(TallyApplication) app = tally_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) listed = NULL;
  g_autoptr(GString) offences = g_string_new (NULL);
  g_auto(GStrv) actions = NULL;
  GtkWidget *window = sign_in_window (900);
  GHashTableIter iter;
  gpointer accel, action;

  /* Registering runs startup, where the application sets its accels. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  for (guint i = 0; actions[i] != NULL; i++)
    add_accels_of_action (GTK_APPLICATION (app), actions[i], set);
  add_widget_bindings (window, set);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_cmpuint (g_hash_table_size (set), >=, 4);

  listed = listed_accels (GTK_APPLICATION (app), offences);
  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &accel, &action))
    if (!g_hash_table_contains (listed, accel))
      g_string_append_printf (offences, "\n  %s (%s) is not listed", (char *) accel,
                              (char *) action);
  /* Nor a key that nothing answers to any more. */
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, &accel, &action))
    if (!g_hash_table_contains (set, accel))
      g_string_append_printf (offences, "\n  %s (“%s”) is listed but does nothing",
                              (char *) accel, (char *) action);

  if (offences->len > 0)
    g_test_fail_printf ("The shortcuts window is out of date:%s", offences->str);
}

/* A team of the user's own: the Team view shows its pool and members, and
 * each tool page its "Paid from" row. */
static void
join_a_team (void)
{
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", user_token,
                                               "{\"name\": \"Reviewers\"}");

  g_assert_cmpuint (team->status, ==, 201);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *admin = NULL;
  char account_id[37];
  int status;

  app_test_init (&argc, &argv);
  reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  report = g_string_new (NULL);

  g_test_add_func ("/accessibility/ui-scanner", test_ui_scanner);
  g_test_add_func ("/accessibility/ui-strings-translatable", test_ui_strings_translatable);
  g_test_add_func ("/accessibility/shortcuts-listed", test_shortcuts_listed);
  g_test_add_func ("/accessibility/checker-catches-offenders", test_checker_catches_offenders);
  g_test_add_func ("/accessibility/wide", test_wide);
  g_test_add_func ("/accessibility/narrow", test_narrow);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "a11y-admin@example.com");
  admin_token = g_strdup (admin);
  user_token = test_user_new (server, "a11y@example.com", account_id);
  test_grant (server, admin, account_id, GRANTED_CREDITS);
  buy_starter_pack ();
  join_a_team ();

  status = g_test_run ();

  g_free (user_token);
  g_free (admin_token);
  g_string_free (report, TRUE);
  g_hash_table_unref (reported);
  test_server_free (server);
  return status;
}
