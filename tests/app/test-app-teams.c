/* test-app-teams.c: Preferences → API Keys and the Team page, against a
 * real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is done through the widgets and checked through the server's
 * API; a key made in the window is used for real requests.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-client.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

static struct
{
  TallyClient *client;
  GSettings   *settings;
  GtkWidget   *window;
} session;

static const char *
session_token (void)
{
  if (session.window == NULL)
    {
      session.client = tally_client_new (server->base_url);
      session.settings = g_settings_new (APPLICATION_ID);
      session.window = signed_up_window (server, session.client, session.settings,
                                         "teams@example.com");
    }
  return tally_client_get_token (session.client);
}

static void
session_end (void)
{
  if (session.window != NULL)
    gtk_window_destroy (GTK_WINDOW (session.window));
  g_clear_object (&session.settings);
  g_clear_object (&session.client);
}

/* --- helpers --- */

static void
set_color_scheme (AdwColorScheme scheme)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

static gboolean
is_button_tooltipped (GtkWidget  *widget,
                      const char *tooltip)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_selectable_label (GtkWidget  *widget,
                     const char *unused)
{
  return GTK_IS_LABEL (widget) && gtk_label_get_selectable (GTK_LABEL (widget)) &&
         gtk_label_get_text (GTK_LABEL (widget))[0] != '\0' &&
         gtk_widget_has_css_class (widget, "monospace");
}

static gboolean
dialog_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !message_dialog_shown (&found);
}

static gboolean
preferences_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !preferences_shown (&found);
}

static gboolean
widget_gone (gpointer data)
{
  const char **what = data;

  return find_widget (GTK_WIDGET (what[0]), is_action_row_titled, what[1]) == NULL;
}

/* --- API keys --- */

static GtkWidget *
open_api_keys (void)
{
  GtkWidget *prefs;

  session_token ();
  prefs = open_preferences (session.window);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "api-keys");
  settle (prefs);
  return prefs;
}

static char *
create_key (GtkWidget  *prefs,
            const char *name,
            gboolean    can_run,
            int         rate)
{
  GtkWidget *dialog = NULL;
  g_autofree char *copied = NULL;
  char *key;

  type_into (prefs, "Key name", name);
  gtk_switch_set_active (GTK_SWITCH (row_control (prefs, "May run tools", is_switch)), can_run);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (prefs, "Requests a minute",
                                                           is_spin_button)), rate);
  click (prefs, "Create _Key");
  wait_for (message_dialog_shown, &dialog, "the new key");
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "API Key Created");
  key = g_strdup (gtk_label_get_text (GTK_LABEL (wait_for_widget (dialog, is_selectable_label,
                                                                  NULL))));
  g_assert_true (g_str_has_prefix (key, "tly_"));
  click (dialog, "_Copy Key");
  wait_for_widget (dialog, is_button_labelled, "Copied");
  copied = clipboard_text (dialog);
  g_assert_cmpstr (copied, ==, key);
  return key;
}

static void
close_dialog (const char *button)
{
  GtkWidget *dialog = NULL;

  wait_for (message_dialog_shown, &dialog, "a dialog");
  click (dialog, button);
  wait_for (dialog_gone, NULL, "the dialog to close");
}

/* The create group's error says something other than the missing name. */
static gboolean
error_changed (gpointer data)
{
  GtkWidget *label = find_widget (data, is_label_starting, "The key was not created: ");

  return label != NULL &&
         !g_str_has_suffix (gtk_label_get_text (GTK_LABEL (label)), "give it a name first");
}

/* A key made in the window works for a GET, is listed by its prefix only
 * (never the key), and once revoked after a confirmation is refused. */
static void
test_api_keys (void)
{
  GtkWidget *prefs = open_api_keys ();
  g_autofree char *key = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *long_name = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) refused = NULL;
  GtkWidget *dialog = NULL;
  const char *gone[] = { (const char *) prefs, "deploy script" };

  wait_for_widget (prefs, is_action_row_titled, "No keys yet");

  /* A name is needed: nothing is sent without one. */
  click (prefs, "Create _Key");
  wait_for_widget (prefs, is_label_starting, "The key was not created: give it a name first");

  /* A name the server refuses (over 100 characters): its words, no key. */
  long_name = g_strnfill (101, 'k');
  type_into (prefs, "Key name", long_name);
  click (prefs, "Create _Key");
  wait_for (error_changed, prefs, "the server's refusal");
  g_clear_pointer (&list, test_response_free);
  list = test_request (server, "GET", "/v1/me/api-keys", session_token (), NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (list,
                                                                                      "items"))),
                    ==, 0);
  g_clear_pointer (&list, test_response_free);

  key = create_key (prefs, "deploy script", TRUE, 120);
  wait_for (message_dialog_shown, &dialog, "the new key");
  save_screenshot (dialog, "api-keys-created.png");
  close_dialog ("_Done");

  me = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpstr (test_response_string (me, "user.email"), ==, "teams@example.com");

  list = test_request (server, "GET", "/v1/me/api-keys", session_token (), NULL);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_null (strstr (list->body, key));
  g_assert_cmpint (test_response_int (list, "items.0.rate_limit"), ==, 120);
  prefix = g_strndup (key, 8);
  g_assert_cmpstr (test_response_string (list, "items.0.prefix"), ==, prefix);

  /* In the window: name, prefix, scope and rate; never the key. */
  expected = g_strdup_printf ("%s… · Read and run · 120 requests a minute", prefix);
  wait_for_widget (prefs, is_action_row_titled, "deploy script");
  wait_for_widget (prefs, is_label_starting, expected);
  g_assert_null (find_widget (prefs, is_label_containing, key));
  g_assert_null (find_widget (prefs, is_action_row_titled, "No keys yet"));

  g_free (create_key (prefs, "read-only dashboard", FALSE, 60));
  close_dialog ("_Done");
  wait_for_widget (prefs, is_action_row_titled, "read-only dashboard");

  set_color_scheme (ADW_COLOR_SCHEME_FORCE_LIGHT);
  settle (prefs);
  save_screenshot (prefs, "api-keys-light.png");
  set_color_scheme (ADW_COLOR_SCHEME_FORCE_DARK);
  settle (prefs);
  save_screenshot (prefs, "api-keys-dark.png");
  set_color_scheme (ADW_COLOR_SCHEME_DEFAULT);

  /* Revoking asks first; cancelled, the key still works. */
  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped,
                                          "Revoke the key deploy script"), "clicked");
  close_dialog ("_Cancel");
  g_clear_pointer (&me, test_response_free);
  me = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (me->status, ==, 200);

  g_signal_emit_by_name (wait_for_widget (prefs, is_button_tooltipped,
                                          "Revoke the key deploy script"), "clicked");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  click (dialog, "_Revoke");
  wait_for (dialog_gone, NULL, "the confirmation to close");
  wait_for_widget (prefs, is_label_with, "Key revoked");
  wait_for (widget_gone, gone, "the revoked key's row to go");
  refused = test_request (server, "GET", "/v1/me", key, NULL);
  g_assert_cmpuint (refused->status, ==, 401);
  wait_for_widget (prefs, is_action_row_titled, "read-only dashboard");

  gtk_window_close (GTK_WINDOW (prefs));
  wait_for (preferences_gone, NULL, "the preferences window to close");
}

/* --- teams --- */

static gboolean
is_expander_row_titled (GtkWidget  *widget,
                        const char *title)
{
  return ADW_IS_EXPANDER_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_combo_row_titled (GtkWidget  *widget,
                     const char *title)
{
  return ADW_IS_COMBO_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_toast_close (GtkWidget  *widget,
                const char *unused)
{
  GtkWidget *toast = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  return GTK_IS_BUTTON (widget) && toast != NULL &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "window-close-symbolic") == 0;
}

/* The toasts shown and queued dismissed, the page from its top. */
static void
tidy_for_screenshot (GtkWidget *page)
{
  GtkWidget *close;
  GtkWidget *scrolled = gtk_widget_get_first_child (gtk_widget_get_first_child (page));

  for (guint i = 0; i < 10 && (close = find_widget (session.window, is_toast_close, NULL)) != NULL;
       i++)
    {
      g_signal_emit_by_name (close, "clicked");
      settle (session.window);
    }
  gtk_window_set_focus (GTK_WINDOW (session.window), NULL);
  g_assert_true (GTK_IS_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            0);
  settle (session.window);
}

static GtkWidget *
team_page (void)
{
  GtkWidget *stack = find_widget (session.window, is_view_stack, NULL);

  return adw_view_stack_get_child_by_name (ADW_VIEW_STACK (stack), "team");
}

/* Shows the Team view again: it reads everything again when shown. */
static void
reshow_team (void)
{
  show_view (session.window, "overview");
  settle (session.window);
  show_view (session.window, "team");
}

static TestResponse *
get_ok (const char *path,
        const char *token)
{
  TestResponse *response = test_request (server, "GET", path, token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

/* The available credits of @account_id in GET /v1/me as @token. */
static gint64
available (const char *token,
           const char *account_id)
{
  g_autoptr(TestResponse) me = get_ok ("/v1/me", token);
  JsonArray *accounts = json_node_get_array (test_response_member (me, "accounts"));

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = json_array_get_object_element (accounts, i);

      if (g_str_equal (json_object_get_string_member (account, "id"), account_id))
        return json_object_get_int_member (account, "available");
    }
  g_assert_not_reached ();
}

static char *
member_id (const char *team_path,
           const char *email)
{
  g_autoptr(TestResponse) members = get_ok (team_path, session_token ());
  JsonArray *items = json_node_get_array (test_response_member (members, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *member = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (member, "email"), email))
        return g_strdup (json_object_get_string_member (member, "user_id"));
    }
  return NULL;
}

/* "1,000 credits available · You are Owner", as this locale writes it. */
static const char *
pool_text (gint64 credits)
{
  static char *text;
  g_autofree char *amount = tally_format_credits (credits);

  g_free (text);
  text = g_strdup_printf ("%s available · You are Owner", amount);
  return text;
}

static void
set_row_spin (GtkWidget  *root,
              const char *title,
              double      value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (root, title, is_spin_button)), value);
}

static gboolean
is_any_expander_row (GtkWidget  *widget,
                     const char *unused)
{
  return ADW_IS_EXPANDER_ROW (widget);
}

/* Invited by @inviter (through the API) to their new team "Ops", the
 * window's user joins with the code pasted on the page; a code that is
 * not one is refused in words. As a plain member they see the pool and
 * the members, and nothing to change. */
static void
join_from_page (GtkWidget  *page,
                const char *inviter)
{
  g_autoptr(TestResponse) team = NULL;
  g_autoptr(TestResponse) invitation = NULL;
  g_autoptr(TestResponse) teams = NULL;
  g_autofree char *path = NULL;

  team = test_request (server, "POST", "/v1/teams", inviter, "{\"name\": \"Ops\"}");
  g_assert_cmpuint (team->status, ==, 201);
  path = g_strdup_printf ("/v1/teams/%s/invitations", test_response_string (team, "team.id"));
  invitation = test_request (server, "POST", path, inviter,
                             "{\"email\": \"teams@example.com\", \"role\": \"member\"}");
  g_assert_cmpuint (invitation->status, ==, 201);

  type_into (page, "Invitation code", "not-a-code");
  click (page, "_Join");
  wait_for_widget (page, is_label_starting, "You did not join a team: ");
  teams = get_ok ("/v1/teams", session_token ());
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (teams,
                                                                                      "items"))),
                    ==, 0);

  type_into (page, "Invitation code", test_response_string (invitation, "token"));
  click (page, "_Join");
  wait_for_widget (session.window, is_label_with, "You are in the team “Ops”");
  g_clear_pointer (&teams, test_response_free);
  teams = get_ok ("/v1/teams", session_token ());
  g_assert_cmpstr (test_response_string (teams, "items.0.role"), ==, "member");

  wait_for_widget (page, is_label_starting, "Member · ");
  wait_for_widget (page, is_button_labelled, "_Leave Team");
  g_assert_null (find_widget (page, is_button_labelled, "_Invite"));
  g_assert_null (find_widget (page, is_any_expander_row, NULL));
}

/* Created, a second user invited and joining with the code, caps and an
 * allocation set from the page, a run on the pool from a tool page, the
 * last owner refused when leaving, a new owner, then leaving. */
static void
test_team (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-teams-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *admin = NULL;
  g_autofree char *second = NULL;
  g_autofree char *code = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *members_path = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *pool = NULL;
  g_autoptr(TestResponse) teams = NULL;
  g_autoptr(TestResponse) joined = NULL;
  g_autoptr(TestResponse) members = NULL;
  char second_account[37];
  GtkWidget *page, *dialog = NULL, *row;
  TallyToolPage *tool;
  AdwComboRow *payer;
  const char *own;
  g_autofree char *own_id = NULL;
  g_autofree char *own_path = NULL;
  g_autoptr(TestResponse) capped = NULL;
  gint64 before;

  session_token ();
  admin = test_admin_new (server, "teams-admin@example.com");
  second = test_user_new (server, "second@example.com", second_account);
  show_view (session.window, "team");
  page = team_page ();

  /* No team yet: only creating or joining one. */
  wait_for_widget (page, is_row_titled, "New team name");
  g_assert_null (find_widget (page, is_button_labelled, "_Leave Team"));
  click (page, "_Create Team");
  wait_for_widget (page, is_label_starting, "The team was not created: give it a name first");
  type_into (page, "New team name", "Design");
  click (page, "_Create Team");
  wait_for_widget (session.window, is_label_with, "You are in the team “Design”");
  teams = get_ok ("/v1/teams", session_token ());
  g_assert_cmpstr (test_response_string (teams, "items.0.role"), ==, "owner");
  pool = g_strdup (test_response_string (teams, "items.0.account_id"));
  members_path = g_strdup_printf ("/v1/teams/%s/members", test_response_string (teams,
                                                                               "items.0.id"));
  /* The pool's balance follows the server's live events, without the
   * view being shown again. */
  wait_for_widget (page, is_label_starting, pool_text (0));
  test_grant (server, admin, pool, 1000);
  wait_for_widget (page, is_label_starting, pool_text (1000));

  /* Invited from the page; the code shown joins the second user. */
  type_into (page, "Email address to invite", "second@example.com");
  click (page, "_Invite");
  wait_for (message_dialog_shown, &dialog, "the invitation's code");
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Invitation Made");
  code = g_strdup (gtk_label_get_text (GTK_LABEL (wait_for_widget (dialog, is_selectable_label,
                                                                   NULL))));
  click (dialog, "_Copy Code");
  wait_for_widget (dialog, is_button_labelled, "Copied");
  copied = clipboard_text (dialog);
  g_assert_cmpstr (copied, ==, code);
  save_screenshot (dialog, "team-invitation.png");
  close_dialog ("_Done");
  accept = g_strdup_printf ("/v1/invitations/%s/accept", code);
  joined = test_request (server, "POST", accept, second, NULL);
  g_assert_cmpuint (joined->status, ==, 200);
  g_assert_cmpstr (test_response_string (joined, "team.role"), ==, "member");
  second_id = member_id (members_path, "second@example.com");

  /* Caps and an allocation, from the member's row. */
  reshow_team ();
  row = wait_for_widget (page, is_expander_row_titled, "second@example.com");
  wait_for_widget (page, is_label_starting, pool_text (1000));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  settle (session.window);
  set_row_spin (row, "Daily cap", 50);
  set_row_spin (row, "Monthly cap", 500);
  click (row, "_Save Changes");
  wait_for_widget (session.window, is_label_with, "Changes to second@example.com saved");
  members = get_ok (members_path, session_token ());
  g_assert_cmpint (test_response_int (members, "items.1.daily_cap"), ==, 50);
  g_assert_cmpint (test_response_int (members, "items.1.monthly_cap"), ==, 500);

  row = wait_for_widget (page, is_expander_row_titled, "second@example.com");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  settle (session.window);
  /* More than the pool holds: the server's refusal, in words. */
  set_row_spin (row, "Credits to allocate", 5000);
  click (row, "_Allocate");
  wait_for_widget (page, is_label_starting, "No credits were allocated: ");
  g_assert_cmpint (available (session_token (), pool), ==, 1000);
  settle (session.window);
  save_screenshot (session.window, "team-refusal.png");

  set_row_spin (row, "Credits to allocate", 100);
  click (row, "_Allocate");
  wait_for_widget (session.window, is_label_with, "100 credits allocated to second@example.com");
  g_assert_cmpint (available (second, second_account), ==, 100);
  g_assert_cmpint (available (session_token (), pool), ==, 900);
  wait_for_widget (page, is_label_starting, pool_text (900));

  /* A run paid from the pool, chosen on the tool page. */
  tool = open_tool_page (session.window, "Word count and readability");
  tally_tool_page_set_output_folder (tool, folder);
  payer = ADW_COMBO_ROW (wait_for_widget (GTK_WIDGET (tool), is_combo_row_titled, "Paid from"));
  adw_combo_row_set_selected (payer, 1);
  set_tool_text (session.window, "One small step. Another one!");
  wait_for_widget (session.window, is_label_with, "For 5 words of input");
  own = tally_session_get_account_id (tally_window_get_session (TALLY_WINDOW (session.window)));
  before = available (session_token (), own);
  click (session.window, "_Run");
  wait_for_widget (session.window, is_label_with, "Charged 1 credit");
  g_assert_cmpint (available (session_token (), pool), ==, 899);
  g_assert_cmpint (available (session_token (), own), ==, before);

  /* Over the user's own daily cap on the pool: refused in words, nothing
   * charged. */
  own_id = member_id (members_path, "teams@example.com");
  own_path = g_strdup_printf ("%s/%s", members_path, own_id);
  capped = test_request (server, "PUT", own_path, session_token (), "{\"daily_cap\": 1}");
  g_assert_cmpuint (capped->status, ==, 200);
  click (session.window, "_Run");
  wait_for_widget (session.window, is_label_starting,
                   "Over your daily cap of 1 credit on the team’s pool: 1 credit already spent");
  g_assert_cmpint (available (session_token (), pool), ==, 899);
  g_clear_pointer (&capped, test_response_free);
  capped = test_request (server, "PUT", own_path, session_token (), "{\"daily_cap\": null}");
  g_assert_cmpuint (capped->status, ==, 200);

  /* Usage by member, and the screenshots. */
  reshow_team ();
  wait_for_widget (page, is_label_starting, "1 credit in 1 run");
  tidy_for_screenshot (page);
  for (guint i = 0; i < 2; i++)
    {
      set_color_scheme (i == 0 ? ADW_COLOR_SCHEME_FORCE_LIGHT : ADW_COLOR_SCHEME_FORCE_DARK);
      settle (session.window);
      save_screenshot (session.window, i == 0 ? "team-light.png" : "team-dark.png");
    }
  set_color_scheme (ADW_COLOR_SCHEME_DEFAULT);

  /* The last owner cannot leave: the server's words. */
  click (page, "_Leave Team");
  close_dialog ("_Leave");
  wait_for_widget (page, is_label_starting, "You did not leave the team: ");

  /* A second owner; then leaving works, and the page offers a new team. */
  row = wait_for_widget (page, is_expander_row_titled, "second@example.com");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  settle (session.window);
  adw_combo_row_set_selected (ADW_COMBO_ROW (wait_for_widget (row, is_combo_row_titled, "Role")),
                              0);
  click (row, "_Save Changes");
  wait_for_widget (session.window, is_label_with, "Changes to second@example.com saved");
  g_clear_pointer (&members, test_response_free);
  members = get_ok (members_path, second);
  g_assert_cmpstr (test_response_string (members, "items.1.role"), ==, "owner");

  click (page, "_Leave Team");
  close_dialog ("_Leave");
  wait_for_widget (session.window, is_label_with, "You left “Design”");
  g_clear_pointer (&teams, test_response_free);
  teams = get_ok ("/v1/teams", session_token ());
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (teams,
                                                                                      "items"))),
                    ==, 0);
  wait_for_widget (page, is_row_titled, "New team name");
  g_assert_null (find_widget (page, is_button_labelled, "_Leave Team"));
  join_from_page (page, second);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/app-teams/api-keys", test_api_keys);
  g_test_add_func ("/app-teams/team", test_team);

  /* No offline leases: the pool's figures are exactly what runs and
   * allocations left it (test-offline checks leases on a pool). */
  server = app_test_server_start ();
  status = g_test_run ();
  session_end ();
  test_server_free (server);
  return status;
}
