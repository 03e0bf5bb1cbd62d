/* test-admin-page.c: the Admin view in the window on a real server: hidden
 * from members; the audit log, its filters, a record's detail, the chain's
 * check and the export; each change to a user and its audit record
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-admin-page.h"
#include "tally-audit-model.h"
#include "tally-audit-record.h"
#include "tally-session.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

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

static AdwViewStackPage *
admin_stack_page (GtkWidget *window)
{
  AdwViewStack *stack = ADW_VIEW_STACK (wait_for_widget (window, is_view_stack, NULL));
  GtkWidget *child = adw_view_stack_get_child_by_name (stack, "admin");

  g_assert_nonnull (child);
  return adw_view_stack_get_page (stack, child);
}

static gboolean
is_admin (gpointer data)
{
  return g_strcmp0 (tally_session_get_role (window_session (data)), "admin") == 0;
}

static gboolean
is_menu_button (GtkWidget  *widget,
                const char *unused)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)),
                    "open-menu-symbolic") == 0;
}

/* Whether the main menu, opened, offers Administration. */
static gboolean
menu_offers_admin (GtkWidget *window)
{
  GtkWidget *button = wait_for_widget (window, is_menu_button, NULL);
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (button));
  gboolean offered;

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  settle (window);
  offered = find_widget (GTK_WIDGET (popover), is_label_with, "Administration") != NULL;
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
  settle (window);
  return offered;
}

static const char *
visible_view (GtkWidget *window)
{
  return adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (find_widget (window, is_view_stack,
                                                                           NULL)));
}

/* The window of @token's admin, on the Admin view as the menu opens it. */
static TallyAdminPage *
open_admin (GtkWidget **window,
            const char *token,
            int         width)
{
  *window = signed_in_window (server, token);
  gtk_window_set_default_size (GTK_WINDOW (*window), width, 720);
  wait_for (is_admin, *window, "the admin role");
  g_assert_true (menu_offers_admin (*window));
  g_assert_true (gtk_widget_activate_action (*window, "admin-view.show", NULL));
  g_assert_cmpstr (visible_view (*window), ==, "admin");
  return TALLY_ADMIN_PAGE (adw_view_stack_page_get_child (admin_stack_page (*window)));
}

typedef struct
{
  GListModel *model;
  guint       n;
} LoadWait;

/* The audit model's pages come by its pager. */
static gboolean
audit_loading (GListModel *model)
{
  return tally_pager_get_loading (tally_audit_model_get_pager (TALLY_AUDIT_MODEL (model)));
}

static gboolean
loaded_at_least (gpointer data)
{
  LoadWait *w = data;

  return !audit_loading (w->model) && g_list_model_get_n_items (w->model) >= w->n;
}

static void
wait_loaded (TallyAdminPage *page,
             guint           n)
{
  LoadWait w = { tally_admin_page_get_audit (page), n };

  settle (gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_WINDOW));
  wait_for (loaded_at_least, &w, "the audit log");
}

/* Every record GET /v1/admin/audit lists under @query, newest first. */
static JsonArray *
audit_records (const char *admin,
               const char *query)
{
  JsonArray *all = json_array_new ();
  g_autofree char *cursor = NULL;

  do
    {
      g_autofree char *path = g_strdup_printf ("/v1/admin/audit?limit=500%s%s%s",
                                               query != NULL ? "&" : "", query ? query : "",
                                               cursor != NULL ? "&cursor=" : "");
      g_autofree char *full = g_strconcat (path, cursor != NULL ? cursor : "", NULL);
      g_autoptr(TestResponse) page = test_request (server, "GET", full, admin, NULL);
      JsonArray *items;
      JsonNode *next;

      g_assert_cmpuint (page->status, ==, 200);
      items = json_node_get_array (test_response_member (page, "items"));
      for (guint i = 0; i < json_array_get_length (items); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (items, i)));
      next = test_response_member (page, "next_cursor");
      g_clear_pointer (&cursor, g_free);
      if (next != NULL && !JSON_NODE_HOLDS_NULL (next))
        cursor = g_strdup (json_node_get_string (next));
    }
  while (cursor != NULL);
  return all;
}

static char *
user_id_of (const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return g_strdup (test_response_string (me, "user.id"));
}

/* ---- members ------------------------------------------------------------ */

static void
test_member_never_sees (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  GtkWidget *window;

  window = signed_up_window (server, client, settings, "admin-member@example.com");
  wait_for (role_known, window, "the role");
  g_assert_cmpstr (tally_session_get_role (window_session (window)), ==, "member");
  g_assert_false (adw_view_stack_page_get_visible (admin_stack_page (window)));
  g_assert_false (menu_offers_admin (window));
  /* Asking for it by name does not show it either. */
  gtk_widget_activate_action (window, "admin-view.show", NULL);
  show_view (window, "admin");
  settle (window);
  g_assert_cmpstr (visible_view (window), !=, "admin");
  g_assert_null (find_widget (window, is_label_with, "Verify the Chain"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the audit log ------------------------------------------------------ */

static gboolean
record_actions_start (GListModel *model,
                      const char *prefix)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyAuditRecord) record = g_list_model_get_item (model, i);

      if (!g_str_has_prefix (tally_audit_record_get_action (record), prefix))
        return FALSE;
    }
  return n > 0;
}

static gboolean
filtered_to_auth (gpointer data)
{
  GListModel *model = tally_admin_page_get_audit (data);

  return !audit_loading (model) && record_actions_start (model, "auth.");
}

static gboolean
is_search_entry (GtkWidget  *widget,
                 const char *unused)
{
  return GTK_IS_SEARCH_ENTRY (widget);
}

typedef struct
{
  GListModel *model;
  const char *email;
  guint       n;
} SearchWait;

/* The list holds @n records, each by or about @email. */
static gboolean
searched (gpointer data)
{
  SearchWait *w = data;
  guint n = g_list_model_get_n_items (w->model);

  if (audit_loading (w->model) || n != w->n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyAuditRecord) record = g_list_model_get_item (w->model, i);

      if (g_strcmp0 (tally_audit_record_get_actor_email (record), w->email) != 0 &&
          g_strcmp0 (tally_audit_record_get_target (record), w->email) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
check_log_and_detail (TallyAdminPage *page,
                      const char     *admin)
{
  g_autoptr(JsonArray) records = audit_records (admin, NULL);
  GListModel *model = tally_admin_page_get_audit (page);
  g_autoptr(TallyAuditRecord) first = NULL;
  JsonObject *newest = json_array_get_object_element (records, 0);
  GtkWidget *detail;

  wait_loaded (page, MIN (json_array_get_length (records), 50));
  first = g_list_model_get_item (model, 0);
  g_assert_cmpstr (tally_audit_record_get_id (first), ==,
                   json_object_get_string_member (newest, "id"));
  g_assert_cmpuint (strlen (tally_audit_record_get_hash (first)), ==, 64);

  detail = tally_admin_page_show_record (page, first);
  wait_for_widget (detail, is_label_with, json_object_get_string_member (newest, "hash"));
  wait_for_widget (detail, is_label_with, json_object_get_string_member (newest, "prev_hash"));
  wait_for_widget (detail, is_label_with, json_object_get_string_member (newest, "action"));
  gtk_window_destroy (GTK_WINDOW (detail));
}

typedef struct
{
  GListModel *model;
  guint       n;
} OutcomeWait;

/* The list holds @n records, all refused. */
static gboolean
only_refused (gpointer data)
{
  OutcomeWait *w = data;
  guint n = g_list_model_get_n_items (w->model);

  if (audit_loading (w->model) || n != w->n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyAuditRecord) record = g_list_model_get_item (w->model, i);

      if (g_strcmp0 (tally_audit_record_get_outcome (record), "refused") != 0)
        return FALSE;
    }
  return TRUE;
}

static void
check_outcome (GtkWidget      *window,
               TallyAdminPage *page,
               const char     *admin)
{
  g_autoptr(JsonArray) refused = audit_records (admin, "outcome=refused");
  OutcomeWait w = { tally_admin_page_get_audit (page), json_array_get_length (refused) };
  GtkWidget *row = wait_for_widget (window, is_action_row_titled, "Outcome");

  g_assert_true (ADW_IS_COMBO_ROW (row));
  g_assert_cmpuint (w.n, >, 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 2);
  wait_for (only_refused, &w, "the refused records");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 0);
  wait_loaded (page, w.n + 1);
}

static gboolean
is_list_view (GtkWidget  *widget,
              const char *unused)
{
  return GTK_IS_LIST_VIEW (widget);
}

/* A mapped window titled "Audit Record", stored at @data. */
static gboolean
detail_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_widget_get_mapped (GTK_WIDGET (window)) &&
          g_strcmp0 (gtk_window_get_title (window), "Audit Record") == 0)
        {
          *(GtkWidget **) data = GTK_WIDGET (window);
          return TRUE;
        }
    }
  return FALSE;
}

/* Enter on a record (the list's activate-item) opens its detail. */
static void
check_keyboard_detail (GtkWidget *window)
{
  GtkWidget *list = wait_for_widget (window, is_list_view, NULL);
  GtkWidget *detail = NULL;

  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 0));
  wait_for (detail_shown, &detail, "the record's detail");
  g_assert_true (gtk_widget_activate_action (detail, "window.close", NULL));
}

static void
check_filter (GtkWidget      *window,
              TallyAdminPage *page,
              const char     *admin)
{
  g_autoptr(JsonArray) auth = audit_records (admin, "action=auth.");
  GtkWidget *row;

  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (
                                   wait_for_widget (window, is_label_with, "Filters"),
                                   ADW_TYPE_EXPANDER_ROW)), TRUE);
  /* A word alone means every action of its family. */
  type_into (window, "Action or Its Start (run.)", "auth");
  row = find_widget (window, is_row_titled, "Action or Its Start (run.)");
  g_signal_emit_by_name (row, "apply");
  wait_for (filtered_to_auth, page, "the log filtered to auth.");
  wait_loaded (page, MIN (json_array_get_length (auth), 50));
  g_assert_cmpuint (g_list_model_get_n_items (tally_admin_page_get_audit (page)), ==,
                    MIN (json_array_get_length (auth), 50));

  type_into (window, "Action or Its Start (run.)", "");
  g_signal_emit_by_name (row, "apply");
  wait_loaded (page, 1);

  check_outcome (window, page, admin);
}

static void
check_search (GtkWidget      *window,
              TallyAdminPage *page,
              const char     *admin)
{
  g_autoptr(JsonArray) found = audit_records (admin, "q=audited%40example.com");
  GtkWidget *entry = wait_for_widget (window, is_search_entry, NULL);
  SearchWait w = { tally_admin_page_get_audit (page), "audited@example.com",
                   json_array_get_length (found) };

  g_assert_cmpuint (w.n, >, 0);
  gtk_editable_set_text (GTK_EDITABLE (entry), "audited@example.com");
  wait_for (searched, &w, "the log searched");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  wait_loaded (page, w.n + 1);
}

static void
check_verify (GtkWidget      *window,
              TallyAdminPage *page,
              const char     *admin)
{
  g_autoptr(TestResponse) verify = test_request (server, "GET", "/v1/admin/audit/verify", admin,
                                                 NULL);
  g_autofree char *expected = NULL;

  g_assert_cmpuint (verify->status, ==, 200);
  expected = g_strdup_printf ("The chain holds: %" G_GINT64_FORMAT " records checked",
                              test_response_int (verify, "records"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "admin.verify", NULL));
  wait_for_widget (window, is_label_starting, expected);
}

static void
check_export (GtkWidget      *window,
              TallyAdminPage *page,
              const char     *admin)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-admin-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "audit.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  tally_admin_page_export_to (page, file);
  wait_for_widget (window, is_label_with, "The audit log was exported");
  g_assert_true (file_exists (path));
  records = audit_records (admin, NULL);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (g_strchomp (contents), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, json_array_get_length (records));

  /* The export runs oldest first; the list, newest first. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *line, *record = json_array_get_object_element (records, n - 1 - i);

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      line = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (line, "id"), ==,
                       json_object_get_string_member (record, "id"));
      g_assert_cmpstr (json_object_get_string_member (line, "hash"), ==,
                       json_object_get_string_member (record, "hash"));
      g_assert_cmpstr (json_object_get_string_member (line, "action"), ==,
                       json_object_get_string_member (record, "action"));
    }
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

static void
test_audit (void)
{
  g_autofree char *admin = test_admin_new (server, "audit-admin@example.com");
  g_autofree char *member = test_user_new (server, "audited@example.com", NULL);
  TallyAdminPage *page;
  GtkWidget *window, *detail;
  g_autoptr(TallyAuditRecord) first = NULL;
  g_autoptr(TestResponse) refused = NULL;

  /* A refused sign-in, for the outcome filter. */
  refused = test_request (server, "POST", "/v1/auth/login", NULL,
                          "{\"email\": \"audited@example.com\", \"password\": \"wrong horse\"}");
  g_assert_cmpuint (refused->status, ==, 401);
  page = open_admin (&window, admin, 900);
  check_log_and_detail (page, admin);
  check_keyboard_detail (window);
  check_filter (window, page, admin);
  check_search (window, page, admin);
  check_verify (window, page, admin);
  check_export (window, page, admin);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (
                                   find_widget (window, is_label_with, "Filters"),
                                   ADW_TYPE_EXPANDER_ROW)), FALSE);

  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-audit-light.png");
  screenshot (window, ADW_COLOR_SCHEME_FORCE_DARK, "admin-audit-dark.png");
  first = g_list_model_get_item (tally_admin_page_get_audit (page), 0);
  detail = tally_admin_page_show_record (page, first);
  gtk_window_set_default_size (GTK_WINDOW (detail), 480, 760);
  screenshot (detail, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-detail-light.png");
  screenshot (detail, ADW_COLOR_SCHEME_FORCE_DARK, "admin-detail-dark.png");
  gtk_window_destroy (GTK_WINDOW (detail));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
keyring_empty (gpointer data)
{
  g_autofree char *token = keyring_token (server->base_url);

  return *token == '\0';
}

static gboolean
log_empty (gpointer data)
{
  return g_list_model_get_n_items (data) == 0;
}

/* The page needs no more than @width, so it fits a window that wide
 * (the window's own minimum is the widest of its views'). */
static void
assert_fits (TallyAdminPage *page,
             int             width)
{
  int minimum;

  gtk_widget_measure (GTK_WIDGET (page), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL,
                      NULL);
  g_assert_cmpint (minimum, <=, width);
}

/* At 360 px the view fits: nothing wider than the window. */
static void
test_narrow (void)
{
  g_autofree char *admin = test_admin_new (server, "narrow-admin@example.com");
  TallyAdminPage *page;
  GtkWidget *window;

  page = open_admin (&window, admin, 360);
  wait_loaded (page, 1);
  settle (window);
  assert_fits (page, 360);
  tally_admin_page_show_section (page, "users");
  wait_for_widget (window, is_label_with, "narrow-admin@example.com");
  settle (window);
  assert_fits (page, 360);
  save_screenshot (window, "admin-users-narrow.png");

  /* Signed out, what the admin saw is forgotten. */
  tally_session_sign_out (window_session (window));
  wait_for (log_empty, tally_admin_page_get_audit (page), "the log forgotten");
  g_assert_null (find_widget (GTK_WIDGET (page), is_label_with, "narrow-admin@example.com"));
  /* The keyring forgets the token before the next test stores its own. */
  wait_for (keyring_empty, NULL, "the keyring cleared");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- changing users ----------------------------------------------------- */

/* Runs @action on @user_id, then answers the dialog with its button
 * @confirm, first setting its spin buttons to @values in order. */
static void
confirm_action (TallyAdminPage *page,
                const char     *action,
                const char     *user_id,
                const gint64   *values,
                guint           n_values,
                const char     *confirm)
{
  GtkWidget *dialog = NULL;
  GtkWidget *spin;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), action, "s", user_id));
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  for (guint i = 0; i < n_values; i++)
    {
      spin = wait_for_widget (dialog, is_spin_button, NULL);
      g_assert_nonnull (spin);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) values[i]);
      /* The next one is found next: this one leaves the search. */
      gtk_widget_set_name (spin, "set");
      gtk_widget_set_visible (spin, FALSE);
    }
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  click (dialog, confirm);
  /* Answered, it closes. */
  settle (gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_WINDOW));
  g_assert_true (dialog == NULL || !gtk_widget_get_mapped (dialog));
  if (dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
}

typedef struct
{
  const char *admin;
  const char *query;
  const char *target;
  guint       before;
} AuditWait;

static guint
count_for_target (const char *admin,
                  const char *query,
                  const char *target)
{
  g_autoptr(JsonArray) records = audit_records (admin, query);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      if (g_strcmp0 (json_object_get_string_member (record, "target"), target) == 0)
        n++;
    }
  return n;
}

static gboolean
audited (gpointer data)
{
  AuditWait *w = data;

  return count_for_target (w->admin, w->query, w->target) > w->before;
}

typedef struct
{
  GListModel *model;
  const char *id;
} TopWait;

static gboolean
record_on_top (gpointer data)
{
  TopWait *w = data;
  g_autoptr(TallyAuditRecord) first = g_list_model_get_item (w->model, 0);

  return first != NULL && g_strcmp0 (tally_audit_record_get_id (first), w->id) == 0;
}

/* The view's log, read again after the change, shows its record first. */
static void
wait_shown_on_top (TallyAdminPage *page,
                   JsonObject     *record)
{
  TopWait w = { tally_admin_page_get_audit (page), json_object_get_string_member (record, "id") };

  wait_for (record_on_top, &w, "the change's record at the top of the view's log");
}

/* Waits for the one new record of @action about @target, and returns it:
 * exactly one, by the admin, and done. */
static JsonObject *
expect_record (const char *admin,
               const char *admin_id,
               const char *action,
               const char *target,
               guint       before)
{
  g_autofree char *query = g_strdup_printf ("action=%s", action);
  AuditWait w = { admin, query, target, before };
  g_autoptr(JsonArray) records = NULL;
  JsonObject *record;

  wait_for (audited, &w, action);
  g_assert_cmpuint (count_for_target (admin, query, target), ==, before + 1);
  records = audit_records (admin, query);
  record = json_array_get_object_element (records, 0);
  g_assert_cmpstr (json_object_get_string_member (record, "target"), ==, target);
  g_assert_cmpstr (json_object_get_string_member (record, "actor"), ==, admin_id);
  g_assert_cmpstr (json_object_get_string_member (record, "outcome"), ==, "ok");
  return json_object_ref (record);
}

static void
wait_for_user (GtkWidget  *window,
               const char *email)
{
  wait_for_widget (window, is_label_with, email);
}

/* The ceilings test_actions() sets, in words (C.UTF-8: no grouping). */
#define CAPS_WORDS "at most 40 credits a run, 300 credits a day, 2000 credits a month"

static void
test_actions (void)
{
  g_autofree char *admin = test_admin_new (server, "acting-admin@example.com");
  g_autofree char *admin_id = user_id_of (admin);
  char account_id[40] = { 0 };
  g_autofree char *member = test_user_new (server, "changed@example.com", account_id);
  g_autofree char *member_id = user_id_of (member);
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(TestResponse) me = NULL;
  static const gint64 amount[] = { 250 };
  static const gint64 ceilings[] = { 40, 300, 2000 };
  JsonObject *details;
  TallyAdminPage *page;
  GtkWidget *window;

  page = open_admin (&window, admin, 900);
  tally_admin_page_show_section (page, "users");
  wait_for_user (window, "changed@example.com");

  /* Grant. */
  confirm_action (page, "admin.grant", member_id, amount, 1, "_Grant");
  record = expect_record (admin, admin_id, "admin.grant", account_id, 0);
  wait_shown_on_top (page, record);
  details = json_object_get_object_member (record, "details");
  g_assert_cmpint (json_object_get_int_member (details, "amount"), ==, 250);
  me = test_request (server, "GET", "/v1/me", member, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 250);
  g_clear_pointer (&record, json_object_unref);

  /* Ceilings. */
  wait_for_user (window, "changed@example.com");
  confirm_action (page, "admin.set-ceilings", member_id, ceilings, 3, "_Set");
  record = expect_record (admin, admin_id, "limits.changed", account_id, 0);
  wait_shown_on_top (page, record);
  details = json_object_get_object_member (record, "details");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (details, "per_run"),
                                               "ceiling"), ==, 40);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (details, "daily"),
                                               "ceiling"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (details, "monthly"),
                                               "ceiling"), ==, 2000);
  g_clear_pointer (&record, json_object_unref);

  /* The row says the caps now in force, in words. */
  wait_for_widget (window, is_label_with, "Member · 250 credits\n" CAPS_WORDS);

  /* Role. */
  wait_for_user (window, "changed@example.com");
  confirm_action (page, "admin.toggle-role", member_id, NULL, 0, "Make _Admin");
  record = expect_record (admin, admin_id, "admin.user_updated", member_id, 0);
  wait_shown_on_top (page, record);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (record, "details"),
                                                  "role"), ==, "admin");
  g_clear_pointer (&record, json_object_unref);

  /* Disable: the user's token no longer works. */
  wait_for_widget (window, is_label_with, "Admin · 250 credits\n" CAPS_WORDS);
  confirm_action (page, "admin.toggle-disabled", member_id, NULL, 0, "_Disable");
  record = expect_record (admin, admin_id, "admin.user_updated", member_id, 1);
  wait_shown_on_top (page, record);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (record,
                                                                                "details"),
                                                 "disabled"));
  g_clear_pointer (&record, json_object_unref);
  g_clear_pointer (&me, test_response_free);
  me = test_request (server, "GET", "/v1/me", member, NULL);
  g_assert_cmpuint (me->status, ==, 401);

  /* Screenshot of the users, with the changed user open. */
  wait_for_widget (window, is_label_with, "Admin · Disabled · 250 credits\n" CAPS_WORDS);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (
                                   find_widget (window, is_label_with, "changed@example.com"),
                                   ADW_TYPE_EXPANDER_ROW)), TRUE);
  screenshot (window, ADW_COLOR_SCHEME_FORCE_LIGHT, "admin-users-light.png");
  screenshot (window, ADW_COLOR_SCHEME_FORCE_DARK, "admin-users-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* Erase. */
  confirm_action (page, "admin.erase", member_id, NULL, 0, "_Erase");
  record = expect_record (admin, admin_id, "user.erased", member_id, 0);
  wait_shown_on_top (page, record);
  g_clear_pointer (&record, json_object_unref);
  g_clear_pointer (&me, test_response_free);
  me = test_request (server, "GET", "/v1/admin/users?q=changed%40example.com", admin, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (me,
                                                                                      "items"))),
                    ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- paging the users --------------------------------------------------- */

#define N_PAGED 53

static gboolean
is_search_for (GtkWidget  *widget,
               const char *placeholder)
{
  g_autofree char *text = NULL;

  if (!GTK_IS_SEARCH_ENTRY (widget))
    return FALSE;
  g_object_get (widget, "placeholder-text", &text, NULL);
  return g_strcmp0 (text, placeholder) == 0;
}

/* The user rows under @root whose title starts with @prefix. */
static guint
count_rows_of (GtkWidget  *root,
               const char *prefix)
{
  guint n = 0;

  if (ADW_IS_EXPANDER_ROW (root) &&
      g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), prefix))
    return 1;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows_of (child, prefix);
  return n;
}

typedef struct
{
  GtkWidget  *window;
  guint       n;
  const char *prefix;
} RowsWait;

static gboolean
rows_shown (gpointer data)
{
  RowsWait *w = data;

  return count_rows_of (w->window, w->prefix) == w->n;
}

typedef struct
{
  RowsWait       rows;
  GtkAdjustment *adjustment;
} ScrollWait;

/* As a person does who wants the rest: scrolls to the end again each time
 * the list has grown or been laid out anew (a slow machine lays the first
 * page out after the first scroll). */
static gboolean
scrolled_rows_shown (gpointer data)
{
  ScrollWait *w = data;
  double end = gtk_adjustment_get_upper (w->adjustment) -
               gtk_adjustment_get_page_size (w->adjustment);

  if (gtk_adjustment_get_value (w->adjustment) < end)
    gtk_adjustment_set_value (w->adjustment, end);
  return rows_shown (&w->rows);
}

/* Registers @n users, @prefix-00@example.com on. */
static void
register_users (const char *prefix,
                guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"email\": \"%s-%02u@example.com\", "
                                               "\"password\": \"" TEST_PASSWORD "\"}",
                                               prefix, i);
      g_autoptr(TestResponse) reply = test_request (server, "POST", "/v1/auth/register", NULL,
                                                    body);

      g_assert_cmpuint (reply->status, ==, 201);
    }
}

/* Searches the users for @prefix (the list shows the first page of
 * 50), then scrolls to the end until all @n are shown; returns the
 * list's scroll adjustment. */
static GtkAdjustment *
scroll_to_all_users (GtkWidget  *window,
                     const char *prefix,
                     guint       n)
{
  GtkWidget *status, *search;
  GtkAdjustment *adjustment;
  RowsWait w = { window, 50, prefix };
  ScrollWait scroll;

  search = wait_for_widget (window, is_search_for, "Search by email or name");
  gtk_editable_set_text (GTK_EDITABLE (search), prefix);
  wait_for (rows_shown, &w, "the first page of users");
  status = wait_for_widget (window, is_label_with, "Scroll down for more users");
  settle (window);
  g_assert_cmpuint (count_rows_of (window, prefix), ==, 50);

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (
                                                      gtk_widget_get_ancestor (
                                                        status, GTK_TYPE_SCROLLED_WINDOW)));
  w.n = n;
  scroll = (ScrollWait) { w, adjustment };
  wait_for (scrolled_rows_shown, &scroll, "the second page of users");
  return adjustment;
}

/* The first page shows 50 users; scrolled to its end, the list reads the
 * rest, each user once. */
static void
test_users_paging (void)
{
  g_autofree char *admin = test_admin_new (server, "paging-admin@example.com");
  GtkWidget *window;
  TallyAdminPage *page;

  register_users ("paged", N_PAGED);
  page = open_admin (&window, admin, 900);
  tally_admin_page_show_section (page, "users");
  scroll_to_all_users (window, "paged-", N_PAGED);
  wait_for_widget (window, is_label_with, "53 users");
  g_assert_nonnull (find_widget (window, is_label_with, "paged-52@example.com"));
  g_assert_nonnull (find_widget (window, is_label_with, "paged-00@example.com"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- changing a user in place ------------------------------------------- */

static gboolean
is_user_row (GtkWidget  *widget,
             const char *email)
{
  return ADW_IS_EXPANDER_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), email) == 0;
}

/* The one user GET /v1/admin/users finds by @email, as the server has them. */
static JsonObject *
server_user (const char *admin,
             const char *email)
{
  g_autofree char *query = g_uri_escape_string (email, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/v1/admin/users?q=%s", query);
  g_autoptr(TestResponse) reply = test_request (server, "GET", path, admin, NULL);
  JsonArray *items;

  g_assert_cmpuint (reply->status, ==, 200);
  items = json_node_get_array (test_response_member (reply, "items"));
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  return json_object_ref (json_array_get_object_element (items, 0));
}

static gint64
server_balance (const char *admin,
                const char *email)
{
  g_autoptr(JsonObject) user = server_user (admin, email);
  JsonArray *accounts = json_object_get_array_member (user, "accounts");

  return json_object_get_int_member (json_array_get_object_element (accounts, 0), "balance");
}

/* The row's subtitle as it starts: "Member · 250 credits". */
static char *
subtitle_start (const char *role,
                gint64      balance)
{
  return g_strdup_printf ("%s · %" G_GINT64_FORMAT " credit%s", role, balance,
                          balance == 1 ? "" : "s");
}

typedef struct
{
  GtkWidget  **row;
  const char  *start;
} SubtitleWait;

/* The row, never read again and so never made anew, says @start. */
static gboolean
subtitle_starts (gpointer data)
{
  SubtitleWait *w = data;

  g_assert_nonnull (*w->row);
  return g_str_has_prefix (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (*w->row)),
                           w->start);
}

/* A user's row where an admin left it: open, the focus on @action's row,
 * and the list scrolled as it was. */
typedef struct
{
  GtkWidget     *window;
  GtkWidget     *row;
  GtkWidget     *focus;
  GtkAdjustment *adjustment;
  double         scrolled;
} Place;

/* Opens the row of @email, puts the focus on its change @title, as a
 * keyboard user does, and notes where the list is scrolled. */
static void
take_place (Place         *place,
            GtkWidget     *window,
            GtkAdjustment *adjustment,
            const char    *email,
            const char    *title)
{
  place->window = window;
  place->adjustment = adjustment;
  place->row = wait_for_widget (window, is_user_row, email);
  g_object_add_weak_pointer (G_OBJECT (place->row), (gpointer *) &place->row);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (place->row), TRUE);
  settle (window);
  place->focus = wait_for_widget (place->row, is_action_row_titled, title);
  g_assert_true (gtk_widget_grab_focus (place->focus));
  settle (window);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == place->focus);
  place->scrolled = gtk_adjustment_get_value (adjustment);
  /* Far down the list: on its second page. */
  g_assert_cmpfloat (place->scrolled, >, 0);
}

/* The list was not read again: the same row, all @n rows, the same
 * scroll, the focus where it was. */
static void
assert_in_place (Place      *place,
                 const char *prefix,
                 guint       n)
{
  settle (place->window);
  g_assert_nonnull (place->row);
  g_assert_cmpuint (count_rows_of (place->window, prefix), ==, n);
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (place->row)));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (place->window)) == place->focus);
  g_assert_true (gtk_widget_is_ancestor (place->focus, place->row));
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (place->adjustment), place->scrolled,
                                  1.0);
}

static void
leave_place (Place *place)
{
  if (place->row != NULL)
    g_object_remove_weak_pointer (G_OBJECT (place->row), (gpointer *) &place->row);
}

/* On the list's second page, a grant and a role change show in the
 * user's row as the server has them; the list keeps all its rows, its
 * scroll, its search and the focus. An erasure takes the row away and
 * hands the focus to the next one. */
static void
test_users_change_in_place (void)
{
  g_autofree char *admin = test_admin_new (server, "in-place-admin@example.com");
  static const gint64 amount[] = { 250 };
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *start = NULL;
  GtkAdjustment *adjustment;
  GtkWidget *window, *search, *next;
  TallyAdminPage *page;
  SubtitleWait w;
  Place place;
  gint64 before;

  register_users ("inplace", N_PAGED);
  page = open_admin (&window, admin, 900);
  tally_admin_page_show_section (page, "users");
  adjustment = scroll_to_all_users (window, "inplace-", N_PAGED);
  wait_for_widget (window, is_label_with, "53 users");
  user = server_user (admin, "inplace-51@example.com");
  before = server_balance (admin, "inplace-51@example.com");

  /* A grant. */
  take_place (&place, window, adjustment, "inplace-51@example.com", "_Grant Credits…");
  confirm_action (page, "admin.grant", json_object_get_string_member (user, "id"), amount, 1,
                  "_Grant");
  wait_for_widget (window, is_label_with, "Granted 250 credits to inplace-51@example.com");
  start = subtitle_start ("Member", before + 250);
  w = (SubtitleWait) { &place.row, start };
  wait_for (subtitle_starts, &w, "the granted credits in the user's row");
  g_assert_cmpint (server_balance (admin, "inplace-51@example.com"), ==, before + 250);
  assert_in_place (&place, "inplace-", N_PAGED);
  wait_for_widget (window, is_label_with, "53 users");

  /* A role change: the row's words follow, the change's own title too. */
  confirm_action (page, "admin.toggle-role", json_object_get_string_member (user, "id"), NULL,
                  0, "Make _Admin");
  g_free (start);
  start = subtitle_start ("Admin", before + 250);
  w = (SubtitleWait) { &place.row, start };
  wait_for (subtitle_starts, &w, "the new role in the user's row");
  g_clear_pointer (&user, json_object_unref);
  user = server_user (admin, "inplace-51@example.com");
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "admin");
  g_assert_nonnull (find_widget (place.row, is_action_row_titled, "Make _Member…"));
  g_assert_null (find_widget (place.row, is_action_row_titled, "Make _Admin…"));
  assert_in_place (&place, "inplace-", N_PAGED);
  search = wait_for_widget (window, is_search_for, "Search by email or name");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "inplace-");
  leave_place (&place);

  /* An erasure: the row goes, the focus moves to the next one. */
  take_place (&place, window, adjustment, "inplace-50@example.com", "_Erase…");
  next = wait_for_widget (window, is_user_row, "inplace-51@example.com");
  g_clear_pointer (&user, json_object_unref);
  user = server_user (admin, "inplace-50@example.com");
  confirm_action (page, "admin.erase", json_object_get_string_member (user, "id"), NULL, 0,
                  "_Erase");
  wait_for_widget (window, is_label_with, "52 users");
  g_assert_null (place.row);
  g_assert_cmpuint (count_rows_of (window, "inplace-"), ==, N_PAGED - 1);
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), next));
  leave_place (&place);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A change the server refuses (a grant without a reason) leaves the row
 * as it was, and a toast says why in the server's words. */
static void
test_users_change_refused (void)
{
  g_autofree char *admin = test_admin_new (server, "refusing-admin@example.com");
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *subtitle = NULL;
  GtkAdjustment *adjustment;
  GtkWidget *window, *dialog = NULL, *spin;
  TallyAdminPage *page;
  Place place;
  gint64 before;

  register_users ("refused", N_PAGED);
  page = open_admin (&window, admin, 900);
  tally_admin_page_show_section (page, "users");
  adjustment = scroll_to_all_users (window, "refused-", N_PAGED);
  user = server_user (admin, "refused-52@example.com");
  before = server_balance (admin, "refused-52@example.com");

  take_place (&place, window, adjustment, "refused-52@example.com", "_Grant Credits…");
  subtitle = g_strdup (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (place.row)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "admin.grant", "s",
                                             json_object_get_string_member (user, "id")));
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  spin = wait_for_widget (dialog, is_spin_button, NULL);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 75);
  type_into (dialog, "Reason", "   ");
  click (dialog, "_Grant");
  wait_for_widget (window, is_label_with, "“reason” must say why the credits are granted");

  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (place.row)), ==, subtitle);
  g_assert_cmpint (server_balance (admin, "refused-52@example.com"), ==, before);
  assert_in_place (&place, "refused-", N_PAGED);
  leave_place (&place);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/admin-page/member-never-sees", test_member_never_sees);
  g_test_add_func ("/admin-page/audit", test_audit);
  g_test_add_func ("/admin-page/narrow", test_narrow);
  g_test_add_func ("/admin-page/actions", test_actions);
  g_test_add_func ("/admin-page/users-paging", test_users_paging);
  g_test_add_func ("/admin-page/users-change-in-place", test_users_change_in_place);
  g_test_add_func ("/admin-page/users-change-refused", test_users_change_refused);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);

  return status;
}
