/* tally-migrate-command.c: creates the store's tables or brings them up
 * to this Tally's version, before servers start on them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-migrate-command.h"
#include "tally-store-open.h"

int
tally_migrate_command (int    argc,
                       char **argv)
{
  g_autoptr(TallyConfig) config = tally_config_new ();
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(TallyApiStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, "Creates the ledger's and the server's tables, or "
                                         "brings them up to this version of Tally. Servers "
                                         "on PostgreSQL refuse to start until it has run; "
                                         "SQLite's file is brought up to date by the "
                                         "server itself.");
  g_option_context_add_group (context, tally_config_option_group (config));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1)
    {
      g_printerr ("tally-server migrate: %s\n",
                  error != NULL ? error->message : "unexpected argument");
      return 2;
    }

  store = tally_store_open (config, TALLY_STORE_OPEN_MIGRATE, &error);
  if (store == NULL)
    {
      g_printerr ("tally-server migrate: %s\n", error->message);
      return 1;
    }

  g_print ("The %s's tables are up to date\n",
           config->store_url != NULL ? "PostgreSQL database" : "ledger file");
  return 0;
}
