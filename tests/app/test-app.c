/* test-app.c: the app's window against a real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in a real X server with a D-Bus session and an unlocked keyring
 * (build-aux/desktop-session): the token goes into gnome-keyring and
 * comes back out, and the balance arrives over the WebSocket.
 */

#include "config.h"

#include <adwaita.h>
#include <locale.h>
#include <string.h>

#include "tally-balance-widget.h"
#include "tally-client.h"
#include "tally-secret.h"
#include "tally-test-server.h"
#include "tally-window.h"

static TestServer *server;

/* Runs the main loop until @done says so, or fails after @seconds. */
static void
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
static GtkWidget *
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

static gboolean
is_button_labelled (GtkWidget  *widget,
                    const char *label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_row_titled (GtkWidget  *widget,
               const char *title)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_label_with (GtkWidget  *widget,
               const char *text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

typedef struct
{
  GtkWidget  *root;
  gboolean  (*match) (GtkWidget *, const char *);
  const char *text;
} Search;

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

static GtkWidget *
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

static void
type_into (GtkWidget  *window,
           const char *title,
           const char *text)
{
  GtkWidget *row = wait_for_widget (window, is_row_titled, title);

  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
click (GtkWidget  *window,
       const char *label)
{
  GtkWidget *button = wait_for_widget (window, is_button_labelled, label);

  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
is_drawn (gpointer data)
{
  GtkWidget *window = data;

  return gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0;
}

/* Lets pending layout and drawing happen. */
static void
settle (GtkWidget *window)
{
  gint64 until = g_get_monotonic_time () + 300 * 1000;

  wait_for (is_drawn, window, "the window to be drawn");
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* Renders the window as it is on screen into a PNG. */
static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = NULL;
  int width, height;

  settle (window);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
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

static gboolean
string_ready (gpointer data)
{
  return *(char **) data != NULL;
}

static char *
keyring_token (const char *server_url)
{
  char *token = NULL;

  tally_secret_lookup_async (server_url, NULL, lookup_done, &token);
  wait_for (string_ready, &token, "the keyring");
  return token;
}

static void
test_sign_up_and_live_balance (void)
{
  g_autofree char *admin = test_admin_new (server, "root@example.com");
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *stored = NULL;
  g_autofree char *account_id = NULL;
  g_autoptr(TestResponse) me = NULL;
  GtkWidget *window;

  window = GTK_WIDGET (tally_window_new (NULL, client, settings));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  gtk_window_present (GTK_WINDOW (window));

  /* No token in the keyring yet: the welcome page. */
  type_into (window, "Server address", server->base_url);
  type_into (window, "Email address", "dana@example.com");
  type_into (window, "Password", TEST_PASSWORD);
  type_into (window, "Your name (for a new account)", "Dana");
  save_screenshot (window, "sign-in.png");
  click (window, "_Create Account");

  {
    g_autofree char *zero = tally_format_credits (0);

    wait_for_widget (window, is_label_with, zero);
  }

  /* The token went to the keyring, not to a file (it is written in the
   * background, so look until it is there). */
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      g_clear_pointer (&stored, g_free);
      stored = keyring_token (server->base_url);
      if (g_strcmp0 (stored, tally_client_get_token (client)) == 0)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpstr (stored, ==, tally_client_get_token (client));
  g_assert_cmpuint (strlen (stored), ==, 43);

  /* An admin grant shows up live, pushed by the server. */
  me = test_request (server, "GET", "/v1/me", stored, NULL);
  account_id = g_strdup (test_response_string (me, "user.account_id"));
  test_grant (server, admin, account_id, 1250);
  {
    g_autofree char *granted = tally_format_credits (1250);

    wait_for_widget (window, is_label_with, granted);
  }
  save_screenshot (window, "overview.png");

  /* Signing out forgets the token everywhere. */
  gtk_widget_activate_action (window, "win.sign-out", NULL);
  wait_for_widget (window, is_button_labelled, "_Sign In");
  g_clear_pointer (&stored, g_free);
  stored = keyring_token (server->base_url);
  g_assert_cmpstr (stored, ==, "");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* What the application's resource base path gives the real app. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/tallycredits/Tally/icons");
  /* Screenshots show the end of a transition, not its middle. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/app/sign-up-and-live-balance", test_sign_up_and_live_balance);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
