/* tally-application.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-application.h"
#include "tally-client.h"
#include "tally-window.h"

/* The user guide, installed under share/help/ (Yelp, also in the GNOME
 * runtime, shows it inside the sandbox). */
#define HELP_URI "help:" APPLICATION_ID

struct _TallyApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TallyClient    *client;

  TallyUriOpener  opener;
  gpointer        opener_data;
};

G_DEFINE_FINAL_TYPE (TallyApplication, tally_application, ADW_TYPE_APPLICATION)

static void
tally_application_activate (GApplication *app)
{
  TallyApplication *self = TALLY_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (tally_window_new (ADW_APPLICATION (app), self->client, self->settings));

  gtk_window_present (window);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Tally developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Tally"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The Tally developers"),
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "comments", _("Credits for metered tools, with spending under control"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
help_shown (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("The help cannot be opened: %s", error->message);
}

static void
help_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  TallyApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->opener != NULL)
    {
      self->opener (parent, HELP_URI, self->opener_data);
      return;
    }

  /* gtk_show_uri_full() goes through the OpenURI portal in a sandbox, and
   * its finish function needs a window. */
  if (parent != NULL)
    gtk_show_uri_full (parent, HELP_URI, GDK_CURRENT_TIME, NULL, help_shown, NULL);
  else
    gtk_show_uri (NULL, HELP_URI, GDK_CURRENT_TIME);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "help", help_action },
  { "quit", quit_action },
};

static void
tally_application_startup (GApplication *app)
{
  TallyApplication *self = TALLY_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *shortcuts_accels[] = { "<Control>question", NULL };
  const char *help_accels[] = { "F1", NULL };
  g_autofree char *server_url = NULL;
  g_auto(GStrv) hosts = NULL;

  G_APPLICATION_CLASS (tally_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         shortcuts_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.help", help_accels);

  self->settings = g_settings_new (APPLICATION_ID);
  server_url = g_settings_get_string (self->settings, "server-url");
  hosts = g_settings_get_strv (self->settings, "allow-insecure-servers");
  self->client = tally_client_new (server_url);
  tally_client_set_insecure_hosts (self->client, (const char * const *) hosts);
}

static void
tally_application_dispose (GObject *object)
{
  TallyApplication *self = TALLY_APPLICATION (object);

  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tally_application_parent_class)->dispose (object);
}

static void
tally_application_class_init (TallyApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = tally_application_dispose;
  app_class->activate = tally_application_activate;
  app_class->startup = tally_application_startup;
}

static void
tally_application_init (TallyApplication *self)
{
}

TallyApplication *
tally_application_new (void)
{
  return g_object_new (TALLY_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/tallycredits/Tally",
                       NULL);
}

/**
 * tally_application_set_uri_opener:
 * @self: a #TallyApplication
 * @opener: (nullable): what opens the help instead of gtk_show_uri_full()
 * @user_data: passed to @opener
 *
 * For tests: replaces what opens the user guide.
 */
void
tally_application_set_uri_opener (TallyApplication *self,
                                  TallyUriOpener    opener,
                                  gpointer          user_data)
{
  g_return_if_fail (TALLY_IS_APPLICATION (self));

  self->opener = opener;
  self->opener_data = user_data;
}
