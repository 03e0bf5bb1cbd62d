/* tally-app-test.c: what the app's tests share: waiting, finding and
 * driving widgets, screenshots, signed-in windows
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-app-test.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "tally-balance-widget.h"
#include "tally-preferences-window.h"
#include "tally-purchase-page.h"
#include "tally-secret.h"
#include "tally-tools-page.h"
#include "tally-window.h"

#ifdef __SANITIZE_ADDRESS__
/* GLib drops its first quark table on purpose once a process has more
 * than 2048 quarks, as a window with every page of the app may have. Only
 * a full stack (GLib has no frame pointers) shows build-aux/lsan.supp that
 * it was allocated while GLib initialised. Every app test links this file;
 * the environment's ASAN_OPTIONS still apply. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}
#endif

void
app_test_init (int    *argc,
               char ***argv)
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  /* What the application's resource base path gives the real app. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/tallycredits/Tally/icons");
  /* Screenshots show the end of a transition, not its middle. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  /* GNOME's title-bar buttons rather than GTK's fallback of three, which
   * alone would not fit a 360 px wide header bar. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
}

typedef struct
{
  GtkWidget  *root;
  gboolean  (*match) (GtkWidget *, const char *);
  const char *text;
} Search;

/* Runs the main loop until @done says so, or fails after @seconds. */
void
wait_for (gboolean   (*done) (gpointer),
          gpointer     data,
          const char  *what)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Depth-first search of the widget tree. */
GtkWidget *
find_widget (GtkWidget   *root,
             gboolean   (*match) (GtkWidget *, const char *),
             const char  *text)
{
  if (gtk_widget_get_mapped (root) && match (root, text))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
is_button_labelled (GtkWidget  *widget,
                    const char *label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
has_row_title (GtkWidget  *row,
               const char *title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0;
}

gboolean
is_row_titled (GtkWidget  *widget,
               const char *title)
{
  return ADW_IS_ENTRY_ROW (widget) && has_row_title (widget, title);
}

gboolean
is_action_row_titled (GtkWidget  *widget,
                      const char *title)
{
  return ADW_IS_ACTION_ROW (widget) && has_row_title (widget, title);
}

gboolean
is_view_stack (GtkWidget  *widget,
               const char *unused)
{
  return ADW_IS_VIEW_STACK (widget);
}

gboolean
is_label_starting (GtkWidget  *widget,
                   const char *text)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), text);
}

gboolean
is_text_view (GtkWidget  *widget,
              const char *unused)
{
  return GTK_IS_TEXT_VIEW (widget);
}

gboolean
is_label_with (GtkWidget  *widget,
               const char *text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

gboolean
is_label_containing (GtkWidget  *widget,
                     const char *text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
search_done (gpointer data)
{
  Search *search = data;

  return find_widget (search->root, search->match, search->text) != NULL;
}

/* What the window shows, for the log when something never appears. */
static void
log_labels (GtkWidget *root)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_LABEL (root) && gtk_label_get_text (GTK_LABEL (root))[0] != '\0')
    g_test_message ("visible label: %s", gtk_label_get_text (GTK_LABEL (root)));

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    log_labels (child);
}

GtkWidget *
wait_for_widget (GtkWidget   *root,
                 gboolean   (*match) (GtkWidget *, const char *),
                 const char  *text)
{
  Search search = { root, match, text };
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!search_done (&search) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  if (!search_done (&search))
    {
      log_labels (root);
      g_error ("Timed out waiting for “%s”", text);
    }

  return find_widget (root, match, text);
}

GtkWidget *
row_control (GtkWidget   *root,
             const char  *title,
             WidgetMatch  match)
{
  GtkWidget *row = wait_for_widget (root, is_action_row_titled, title);
  GtkWidget *control = find_widget (row, match, NULL);

  g_assert_nonnull (control);
  return control;
}

void
type_into (GtkWidget  *window,
           const char *title,
           const char *text)
{
  GtkWidget *row = wait_for_widget (window, is_row_titled, title);

  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

void
click (GtkWidget  *window,
       const char *label)
{
  GtkWidget *button = wait_for_widget (window, is_button_labelled, label);

  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
is_tool_page (GtkWidget  *widget,
              const char *unused)
{
  return TALLY_IS_TOOL_PAGE (widget);
}

static gboolean
is_tools_page (GtkWidget  *widget,
               const char *unused)
{
  return TALLY_IS_TOOLS_PAGE (widget);
}

TallyToolPage *
open_tool_page (GtkWidget  *window,
                const char *name)
{
  GtkWidget *row;

  show_view (window, "tools");
  gtk_widget_activate_action (wait_for_widget (window, is_tools_page, NULL), "tools.back", NULL);
  row = wait_for_widget (window, is_action_row_titled, name);
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  gtk_widget_activate (row);
  return TALLY_TOOL_PAGE (wait_for_widget (window, is_tool_page, NULL));
}

void
set_tool_text (GtkWidget  *window,
               const char *text)
{
  GtkWidget *view = wait_for_widget (window, is_text_view, NULL);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
}

static gboolean
is_drawn (gpointer data)
{
  GtkWidget *window = data;

  return gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0;
}

/* Lets pending layout and drawing happen. */
void
settle (GtkWidget *window)
{
  gint64 until = g_get_monotonic_time () + 300 * 1000;

  wait_for (is_drawn, window, "the window to be drawn");
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* The window as drawn, or NULL while it waits for a new layout (a busy
 * machine may take a while to get there). */
static GskRenderNode *
render_window (GtkWidget *window,
               int        width,
               int        height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

/* The PNG at @path, read back: @width × @height (GSK renders textures at
 * scale 1) and not one colour all over, which is what a window rendered
 * before its first layout, or not at all, gives. */
static void
assert_picture (const char *path,
                int         width,
                int         height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) picture = gdk_texture_new_from_filename (path, &error);
  g_autofree guint32 *pixels = NULL;
  gsize n_pixels;
  gboolean blank = TRUE;

  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (picture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (picture), ==, height);

  n_pixels = (gsize) width * (gsize) height;
  pixels = g_new (guint32, n_pixels);
  gdk_texture_download (picture, (guchar *) pixels, (gsize) width * sizeof (guint32));
  for (gsize i = 1; i < n_pixels && blank; i++)
    blank = pixels[i] == pixels[0];
  g_assert_false (blank);
}

static gboolean
is_any_label (GtkWidget  *widget,
              const char *unused)
{
  return GTK_IS_LABEL (widget);
}

/* Where the window shows the balance, a screen reader hears the same
 * figure: the balance button's accessible label carries it. GTK 4.8 has
 * no way to read the label back, so compare it whole. */
static void
assert_balance_accessible (GtkWidget *window)
{
  GtkWidget *balance = find_widget (window, is_balance_widget, NULL);
  GtkWidget *button;
  GtkWidget *figures;
  g_autofree char *expected = NULL;

  if (balance == NULL)
    return;
  button = gtk_widget_get_first_child (balance);
  g_assert_true (GTK_IS_MENU_BUTTON (button));
  figures = find_widget (button, is_any_label, NULL);
  g_assert_nonnull (figures);
  /* Still loading: the button says "Balance" and no figure yet. */
  if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (figures)), _("Balance")) == 0)
    return;

  /* In the language the test runs in (test-app-german). */
  expected = g_strdup_printf (_("Balance: %s. Show details"),
                              gtk_label_get_text (GTK_LABEL (figures)));
  gtk_test_accessible_assert_property (button, GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
}

/* Renders the window as it is on screen into a PNG, and checks what was
 * written. */
void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = NULL;
  int width, height;

  for (guint attempt = 0; attempt < 20 && node == NULL; attempt++)
    {
      settle (window);
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      node = render_window (window, width, height);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  assert_picture (path, width, height);
  assert_balance_accessible (window);
}

typedef struct
{
  GdkClipboard *clipboard;
  char         *text;
} ClipboardRead;

static void
clipboard_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (read->text == NULL)
    read->text = g_strdup ("");
}

char *
clipboard_text (GtkWidget *widget)
{
  ClipboardRead read = { gtk_widget_get_clipboard (widget), NULL };

  gdk_clipboard_read_text_async (read.clipboard, NULL, clipboard_read, &read);
  wait_for (string_ready, &read.text, "the clipboard's text");
  return read.text;
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  char **token = data;

  *token = tally_secret_lookup_finish (result, NULL);
  if (*token == NULL)
    *token = g_strdup ("");
}

gboolean
string_ready (gpointer data)
{
  return *(char **) data != NULL;
}

char *
keyring_token (const char *server_url)
{
  char *token = NULL;

  tally_secret_lookup_async (server_url, NULL, lookup_done, &token);
  wait_for (string_ready, &token, "the keyring");
  return token;
}

static void
stored (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  gboolean *done = data;

  g_assert_true (tally_secret_store_finish (result, NULL));
  *done = TRUE;
}

gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A window for a user who signed in before: the token is in the keyring. */
GtkWidget *
signed_in_window (TestServer *server,
                  const char *token)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  gboolean done = FALSE;
  GtkWidget *window;

  tally_secret_store_async (server->base_url, token, NULL, stored, &done);
  wait_for (flag_set, &done, "the keyring");

  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 720);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

TestServer *
app_test_server_start (void)
{
  static const char * const args[] = { "--lease-amount", "0", NULL };

  return test_server_start (args);
}

void
catch_uri (GtkWindow  *parent,
           const char *uri,
           gpointer    user_data)
{
  char **caught = user_data;

  g_free (*caught);
  *caught = g_strdup (uri);
}

TallyPurchasePage *
open_purchase_page (GtkWidget *window)
{
  GtkWidget *balance = wait_for_widget (window, is_balance_widget, NULL);

  gtk_menu_button_popup (GTK_MENU_BUTTON (gtk_widget_get_first_child (balance)));
  click (window, "_Buy Credits…");
  return TALLY_PURCHASE_PAGE (wait_for_widget (window, is_purchase_page, NULL));
}

void
click_in_row (GtkWidget  *window,
              const char *title,
              const char *label)
{
  GtkWidget *row = wait_for_widget (window, is_action_row_titled, title);
  GtkWidget *button = find_widget (row, is_button_labelled, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_get_focusable (button));
  g_signal_emit_by_name (button, "clicked");
}

void
press_on_demo_page (TestServer *server,
                    const char *url,
                    const char *page,
                    const char *button)
{
  g_autofree char *path = NULL;
  g_autoptr(TestResponse) response = NULL;

  g_assert_true (g_str_has_prefix (url, server->base_url));
  path = g_strconcat (url + strlen (server->base_url), "/", button, NULL);
  if (page != NULL)
    g_assert_true (g_str_has_prefix (path, page));
  response = test_request (server, "POST", path, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 200);
}

void
save_screenshots (GtkWidget  *window,
                  const char *name)
{
  static const struct { AdwColorScheme scheme; const char *style; } styles[] = {
    { ADW_COLOR_SCHEME_FORCE_LIGHT, "light" },
    { ADW_COLOR_SCHEME_FORCE_DARK, "dark" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%s.png", name, styles[i].style);

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (), styles[i].scheme);
      save_screenshot (window, file);
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

void
show_view (GtkWidget  *window,
           const char *name)
{
  GtkWidget *stack = wait_for_widget (window, is_view_stack, NULL);

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), name);
}

void
wait_for_credits (GtkWidget *window,
                  gint64     credits)
{
  g_autofree char *text = tally_format_credits (credits);

  wait_for_widget (window, is_label_with, text);
}

/* Stores at @found the first mapped toplevel of @type, if any. */
static gboolean
find_mapped_toplevel (GType       type,
                      GtkWidget **found)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) && gtk_widget_get_mapped (toplevel))
        {
          *found = toplevel;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
message_dialog_shown (gpointer data)
{
  return find_mapped_toplevel (ADW_TYPE_MESSAGE_DIALOG, data);
}

gboolean
preferences_shown (gpointer data)
{
  return find_mapped_toplevel (TALLY_TYPE_PREFERENCES_WINDOW, data);
}

GtkWidget *
open_preferences (GtkWidget *window)
{
  GtkWidget *prefs = NULL;

  g_assert_true (gtk_widget_activate_action (window, "win.preferences", NULL));
  wait_for (preferences_shown, &prefs, "the preferences window");
  return prefs;
}

gboolean
is_spin_button (GtkWidget  *widget,
                const char *unused)
{
  return GTK_IS_SPIN_BUTTON (widget);
}

gboolean
is_switch (GtkWidget  *widget,
           const char *unused)
{
  return GTK_IS_SWITCH (widget);
}

gboolean
is_balance_widget (GtkWidget  *widget,
                   const char *unused)
{
  return TALLY_IS_BALANCE_WIDGET (widget);
}

gboolean
is_purchase_page (GtkWidget  *widget,
                  const char *unused)
{
  return TALLY_IS_PURCHASE_PAGE (widget);
}

static void
cleared (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  gboolean *done = data;

  tally_secret_clear_finish (result, NULL);
  *done = TRUE;
}

/* A new user, signed up in the window itself. */
GtkWidget *
sign_up_form (TestServer     *server,
              AdwApplication *application,
              TallyClient    *client,
              GSettings      *settings,
              const char     *email,
              const char     *name)
{
  gboolean done = FALSE;
  GtkWidget *window;

  tally_secret_clear_async (server->base_url, NULL, cleared, &done);
  wait_for (flag_set, &done, "the keyring");

  window = GTK_WIDGET (tally_window_new (application, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 720);
  gtk_window_present (GTK_WINDOW (window));
  type_into (window, "Server address", server->base_url);
  type_into (window, "Email address", email);
  type_into (window, "Password", TEST_PASSWORD);
  type_into (window, "Your name (for a new account)", name);
  return window;
}

GtkWidget *
signed_up_window (TestServer  *server,
                  TallyClient *client,
                  GSettings   *settings,
                  const char  *email)
{
  return signed_up_app_window (server, NULL, client, settings, email);
}

GtkWidget *
signed_up_app_window (TestServer     *server,
                      AdwApplication *application,
                      TallyClient    *client,
                      GSettings      *settings,
                      const char     *email)
{
  GtkWidget *window = sign_up_form (server, application, client, settings, email, "Gale");

  click (window, "_Create Account");
  wait_for_credits (window, 0);
  return window;
}

/* --- a desktop's notification service --- */

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/>"
  "<arg type='i' direction='in'/><arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "<method name='GetServerInformation'><arg type='s' direction='out'/>"
  "<arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "<arg type='s' direction='out'/></method>"
  "</interface></node>";

static void
notification_method (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  NotificationService *service = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      g_autoptr(GVariant) body = g_variant_get_child_value (parameters, 4);

      g_ptr_array_add (service->bodies, g_variant_dup_string (body, NULL));
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)", service->bodies->len));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(@as [],)"));
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "test", "tally", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
notifications_owned (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  ((NotificationService *) user_data)->owned = TRUE;
}

void
notification_service_start (NotificationService *service)
{
  static const GDBusInterfaceVTable vtable = { notification_method, NULL, NULL, { 0 } };
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (notifications_xml, NULL);

  g_assert_nonnull (bus);
  service->bodies = g_ptr_array_new_with_free_func (g_free);
  service->registration = g_dbus_connection_register_object (bus,
                                                             "/org/freedesktop/Notifications",
                                                             node->interfaces[0], &vtable,
                                                             service, NULL, NULL);
  g_assert_cmpuint (service->registration, >, 0);
  service->owner = g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 notifications_owned, NULL, service, NULL);
  wait_for (flag_set, &service->owned, "the notification service's name");
}

void
notification_service_stop (NotificationService *service)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  g_bus_unown_name (service->owner);
  g_dbus_connection_unregister_object (bus, service->registration);
  g_ptr_array_unref (service->bodies);
}

gboolean
notified (gpointer data)
{
  NotificationService *service = data;

  return service->bodies->len > 0;
}
