/* tally-user-command.c: managing users from the shell
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tally-api-decoders.h"
#include "tally-auth.h"
#include "tally-config.h"
#include "tally-store-open.h"
#include "tally-user-command.h"

#define USAGE \
  "Usage:\n" \
  "  tally-server user add EMAIL [--role member|team_owner|admin] [--name NAME]\n" \
  "  tally-server user list\n" \
  "  tally-server user set-role EMAIL ROLE\n" \
  "  tally-server user disable EMAIL\n" \
  "  tally-server user enable EMAIL\n" \
  "\n" \
  "“add” reads the password from standard input. Every command also takes the\n" \
  "server's --data-dir and --config options.\n"

/* One line from standard input, without echo when it is a terminal. */
static char *
read_password (void)
{
  struct termios saved, quiet;
  gboolean terminal = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  char buffer[2048];
  char *line;

  if (terminal)
    {
      g_printerr ("Password: ");
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }

  line = fgets (buffer, sizeof buffer, stdin);

  if (terminal)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }

  if (line == NULL)
    return NULL;

  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  memset (buffer, 0, sizeof buffer);
  return line;
}

static gboolean
check_password (const char  *password,
                GError     **error)
{
  glong chars;

  if (password == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "No password on standard input");
      return FALSE;
    }

  chars = g_utf8_validate (password, -1, NULL) ? g_utf8_strlen (password, -1) : -1;
  if (chars < TALLY_PASSWORD_MIN_CHARS || chars > TALLY_PASSWORD_MAX_CHARS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The password must have %d to %d characters", TALLY_PASSWORD_MIN_CHARS,
                   TALLY_PASSWORD_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

static gboolean
add_user (TallyApiStore  *store,
          const char     *email,
          const char     *name,
          TallyRole       role,
          GError        **error)
{
  g_autofree char *password = read_password ();
  g_autofree char *hash = NULL;
  g_autofree char *lower = NULL;
  TallyRulesStore *rules = TALLY_RULES_STORE (store);
  TallyUser user;

  if (!tally_api_email_is_valid (email))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "“%s” is not an email address",
                   email);
      return FALSE;
    }
  if (!check_password (password, error) || !tally_auth_init (error))
    return FALSE;

  hash = tally_password_hash (password, error);
  if (hash == NULL || !tally_rules_store_begin (rules, error))
    return FALSE;

  lower = g_utf8_strdown (email, -1);
  if (!tally_api_store_create_user (store, lower, name ? name : "", hash, role, &user, error))
    {
      tally_rules_store_rollback (rules);
      return FALSE;
    }
  if (!tally_rules_store_commit (rules, error))
    return FALSE;

  g_print ("Created %s (%s), user %s, account %s\n", user.email, tally_role_to_string (role),
           user.id, user.account_id);
  return TRUE;
}

static gboolean
list_users (TallyApiStore  *store,
            GError        **error)
{
  g_autoptr(GArray) users = tally_api_store_list_users (store, error);

  if (users == NULL)
    return FALSE;

  for (guint i = 0; i < users->len; i++)
    {
      const TallyUser *user = &g_array_index (users, TallyUser, i);

      g_print ("%s\t%s\t%s\t%s\n", user->email, tally_role_to_string (user->role),
               user->disabled ? "disabled" : "active", user->id);
    }

  return TRUE;
}

static gboolean
parse_role (const char  *name,
            TallyRole   *role,
            GError     **error)
{
  if (tally_role_from_string (name, role))
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Unknown role “%s”: use member, team_owner or admin", name);
  return FALSE;
}

static gboolean
run_action (TallyApiStore  *store,
            char          **args,
            const char     *role_name,
            const char     *name,
            GError        **error)
{
  const char *action = args[0];
  guint n_args = g_strv_length (args);
  TallyRole role = TALLY_ROLE_MEMBER;

  if (g_str_equal (action, "add") && n_args == 2)
    return parse_role (role_name ? role_name : "member", &role, error) &&
           add_user (store, args[1], name, role, error);
  if (g_str_equal (action, "list") && n_args == 1)
    return list_users (store, error);
  if (g_str_equal (action, "set-role") && n_args == 3)
    return parse_role (args[2], &role, error) && tally_api_store_set_role (store, args[1], role,
                                                                           error);
  if (g_str_equal (action, "disable") && n_args == 2)
    return tally_api_store_set_disabled (store, args[1], TRUE, error);
  if (g_str_equal (action, "enable") && n_args == 2)
    return tally_api_store_set_disabled (store, args[1], FALSE, error);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown command\n\n%s", USAGE);
  return FALSE;
}

int
tally_user_command (int    argc,
                    char **argv)
{
  g_autoptr(TallyConfig) config = tally_config_new ();
  g_autoptr(GOptionContext) context = g_option_context_new ("add|list|set-role|disable|enable …");
  g_autoptr(TallyApiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *role = NULL;
  g_autofree char *name = NULL;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "The new user's role", "ROLE" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The new user's name", "NAME" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, tally_config_option_group (config));
  g_option_context_set_description (context, USAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tally-server user: %s\n", error->message);
      return 2;
    }
  if (argc < 2)
    {
      g_printerr ("%s", USAGE);
      return 2;
    }

  store = tally_store_open (config, TALLY_STORE_OPEN_SERVE, &error);
  if (store == NULL || !run_action (store, argv + 1, role, name, &error))
    {
      g_printerr ("tally-server user: %s\n", error->message);
      return 1;
    }

  return 0;
}
