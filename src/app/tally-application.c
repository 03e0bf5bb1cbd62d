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

struct _TallyApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TallyClient    *client;
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
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
};

static void
tally_application_startup (GApplication *app)
{
  TallyApplication *self = TALLY_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *help_accels[] = { "<Control>question", NULL };
  g_autofree char *server_url = NULL;

  G_APPLICATION_CLASS (tally_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);

  self->settings = g_settings_new (APPLICATION_ID);
  server_url = g_settings_get_string (self->settings, "server-url");
  self->client = tally_client_new (server_url);
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
