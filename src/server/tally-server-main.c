/* tally-server-main.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>

#include "tally-api.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-check-command.h"
#include "tally-migrate-command.h"
#include "tally-user-command.h"

static void
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
}

static gboolean
on_signal (gpointer data)
{
  TallyServer *server = data;
  GMainLoop *loop = g_object_get_data (G_OBJECT (server), "loop");

  tally_log_event ("stopping", NULL);
  tally_server_shutdown (server, G_CALLBACK (quit_loop), loop);
  return G_SOURCE_CONTINUE;
}

/* Prints "METHOD PATTERN" per route, from the same register calls the
 * server makes, without opening the data or listening: what
 * tests/server/test-openapi.c compares docs/openapi.json with. */
static int
list_routes (void)
{
  g_autoptr(TallyRouter) router = tally_router_new ();
  GPtrArray *routes;

  tally_api_register_all (router);
  routes = tally_router_get_routes (router);
  for (guint i = 0; i < routes->len; i++)
    {
      const TallyRoute *route = g_ptr_array_index (routes, i);

      g_print ("%s %s\n", route->method, route->pattern);
    }

  return 0;
}

/* The server options (tally_config_option_group()) plus the hidden --list-routes. */
static gboolean
parse_options (TallyConfig   *config,
               gboolean      *routes_only,
               int           *argc,
               char        ***argv,
               GError       **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— the Tally sync server");
  GOptionEntry entries[] = {
    { "list-routes", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, routes_only,
      "Print every route of the API and exit", NULL },
    { NULL }
  };

  g_option_context_set_main_group (context, tally_config_option_group (config));
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error);
}

static int
run_server (int    argc,
            char **argv)
{
  g_autoptr(TallyConfig) config = tally_config_new ();
  g_autoptr(TallyServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  gboolean routes_only = FALSE;

  if (!parse_options (config, &routes_only, &argc, &argv, &error))
    {
      g_printerr ("tally-server: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("tally-server: unexpected argument “%s” (see --help)\n", argv[1]);
      return 2;
    }
  if (routes_only)
    return list_routes ();

  server = tally_server_new (config, &error);
  if (server == NULL || !tally_server_start (server, &error))
    {
      g_printerr ("tally-server: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_object_set_data (G_OBJECT (server), "loop", loop);
  g_unix_signal_add (SIGTERM, on_signal, server);
  g_unix_signal_add (SIGINT, on_signal, server);
  g_main_loop_run (loop);

  tally_log_event ("stopped", NULL);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("TALLY_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* Emails are written in the server's language (LANG, LANGUAGE); error
   * messages in each request's (tally-languages.c). TALLY_LOCALEDIR points
   * at catalogues that are not installed, as the tests' are. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  signal (SIGPIPE, SIG_IGN);

  if (argc > 1 && g_str_equal (argv[1], "user"))
    return tally_user_command (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "check"))
    return tally_check_command (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "migrate"))
    return tally_migrate_command (argc - 1, argv + 1);

  return run_server (argc, argv);
}
