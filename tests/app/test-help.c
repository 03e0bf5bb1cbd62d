/* test-help.c: F1 and the main menu's Help open the user guide, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The help opens with gtk_show_uri_full(), the OpenURI portal's way in a
 * sandbox. Here, outside one, GIO runs the desktop's handler of help: URIs:
 * the test installs its own (a shell that writes the URI to a file) in a
 * private XDG_DATA_HOME, so the real path is followed to the end.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-application.h"

#include "tally-app-test.h"
#include "tally-test-common.h"

#define HELP_URI "help:io.github.tallycredits.Tally"

static char *home;
static char *handler_output;

/* One application for every test: a second one could not export itself
 * on the session bus where the first one was. */
static TallyApplication *
registered_app (void)
{
  static TallyApplication *app;
  g_autoptr(GError) error = NULL;

  if (app != NULL)
    return g_object_ref (app);

  /* Registering runs startup, where the application sets its actions and
   * accels. */
  app = tally_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return g_object_ref (app);
}

static void
test_f1 (void)
{
  g_autoptr(TallyApplication) app = registered_app ();
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                "app.help");
  g_autofree char *uri = NULL;

  g_assert_true (g_strv_contains ((const char * const *) accels, "F1"));

  tally_application_set_uri_opener (app, catch_uri, &uri);
  g_action_group_activate_action (G_ACTION_GROUP (app), "help", NULL);
  tally_application_set_uri_opener (app, NULL, NULL);
  g_assert_cmpstr (uri, ==, HELP_URI);
}

/* The Help item of the window's main menu names app.help. GtkBuilder
 * loads no <menu> alone from a file with a template: the menu is cut out of
 * the window's UI file and loaded by itself. */
static void
test_main_menu (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  g_autoptr(GBytes) ui = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *menu_ui = NULL;
  const char *text, *start, *end;
  GMenuModel *menu;
  gboolean found = FALSE;

  ui = g_resources_lookup_data ("/io/github/tallycredits/Tally/tally-window.ui",
                                G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (ui, NULL);
  start = strstr (text, "<menu id=\"primary_menu\">");
  g_assert_nonnull (start);
  end = strstr (start, "</menu>");
  g_assert_nonnull (end);
  menu_ui = g_strdup_printf ("<interface>%.*s</menu></interface>", (int) (end - start), start);
  gtk_builder_add_from_string (builder, menu_ui, -1, &error);
  g_assert_no_error (error);
  menu = G_MENU_MODEL (gtk_builder_get_object (builder, "primary_menu"));
  g_assert_nonnull (menu);

  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          g_autofree char *action = NULL;
          g_autofree char *label = NULL;

          g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_ACTION, "s", &action);
          g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_LABEL, "s", &label);
          if (g_strcmp0 (action, "app.help") == 0)
            {
              g_assert_cmpstr (label, ==, "_Help");
              found = TRUE;
            }
        }
    }
  g_assert_true (found);
}

/* The shortcuts window lists the Help, by its action, so with F1. */
static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/tallycredits/Tally/gtk/help-overlay.ui");
  g_autoptr(GSList) objects = gtk_builder_get_objects (builder);
  gboolean found = FALSE;

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *action = NULL;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "action-name", &action, NULL);
      found |= g_strcmp0 (action, "app.help") == 0;
    }
  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  g_assert_true (found);
}

static gboolean
handler_ran (gpointer data)
{
  return g_file_test (handler_output, G_FILE_TEST_EXISTS);
}

/* Without an opener set: gtk_show_uri_full() with the window as parent,
 * and the system's handler of help: gets the URI. */
static void
test_show_uri (void)
{
  g_autoptr(TallyApplication) app = registered_app ();
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (G_ACTION_GROUP (app), "help", NULL);
  wait_for (handler_ran, NULL, "the help: handler to run");

  /* The shell writes the file, then its content: wait for the line. */
  for (int i = 0; i < 100; i++)
    {
      g_clear_pointer (&written, g_free);
      g_assert_true (g_file_get_contents (handler_output, &written, NULL, &error));
      g_assert_no_error (error);
      if (g_str_has_suffix (written, "\n"))
        break;
      g_usleep (20000);
    }
  g_assert_cmpstr (written, ==, HELP_URI "\n");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A desktop file that handles help: URIs by writing them to a file, and
 * the mimeapps.list that makes it the default. */
static void
install_help_handler (void)
{
  g_autofree char *apps = g_build_filename (home, "data", "applications", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *desktop = g_build_filename (apps, "tally-test-help.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_autofree char *quoted = g_shell_quote (handler_output);
  g_autofree char *entry = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  entry = g_strdup_printf ("[Desktop Entry]\n"
                           "Type=Application\n"
                           "Name=Tally test help\n"
                           "Exec=sh -c 'echo \"$1\" > \"$0\"' %s %%u\n"
                           "MimeType=x-scheme-handler/help;\n"
                           "NoDisplay=true\n",
                           quoted);
  g_assert_true (g_file_set_contents (desktop, entry, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (mimeapps,
                                      "[Default Applications]\n"
                                      "x-scheme-handler/help=tally-test-help.desktop\n",
                                      -1, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = NULL;
  g_autofree char *config_home = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  /* Before GLib reads them: the handler is the only one GIO sees first. */
  home = g_dir_make_tmp ("tally-test-help-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (home, "data", NULL);
  config_home = g_build_filename (home, "config", NULL);
  handler_output = g_build_filename (home, "opened", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("XDG_CURRENT_DESKTOP", "", TRUE);
  install_help_handler ();

  app_test_init (&argc, &argv);

  g_test_add_func ("/help/f1", test_f1);
  g_test_add_func ("/help/main-menu", test_main_menu);
  g_test_add_func ("/help/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/help/show-uri", test_show_uri);

  status = g_test_run ();

  test_remove_tree (home);
  g_free (handler_output);
  g_free (home);
  return status;
}
