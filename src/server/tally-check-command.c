/* tally-check-command.c: the ledger's invariants and the audit chain, from
 * the shell
 *
 * The same checks the tests run after every fault they inject, for an
 * operator after a crash, a restore or a disk problem, with an exit status
 * a script can act on. It reads the data directory through SQLite, so it
 * may run while the server does.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include "tally-audit.h"
#include "tally-check-command.h"
#include "tally-config.h"
#include "tally-store-open.h"
#include "tally-writer.h"

enum
{
  CHECK_CLEAN = 0,
  CHECK_BROKEN = 1,
  CHECK_UNREADABLE = 2,
};

static int
check_ledger (TallyApiStore *store)
{
  g_autoptr(GError) error = NULL;

  if (tally_api_store_check (store, &error))
    {
      g_print ("ledger: every invariant holds\n");
      return CHECK_CLEAN;
    }
  if (g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT))
    {
      g_print ("ledger: BROKEN: %s\n", error->message);
      return CHECK_BROKEN;
    }

  g_printerr ("tally-server check: the ledger cannot be read: %s\n", error->message);
  return CHECK_UNREADABLE;
}

static int
check_audit (TallyApiStore *store)
{
  g_autoptr(TallyWriter) writer = tally_writer_new (TALLY_RULES_STORE (store));
  g_autoptr(TallyAudit) audit = tally_audit_new (TALLY_RULES_STORE (store), writer);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 n_records = 0;
  gint64 broken_at = 0;

  if (!tally_audit_verify (audit, &n_records, &broken_at, &message, &error))
    {
      g_printerr ("tally-server check: the audit log cannot be read: %s\n", error->message);
      return CHECK_UNREADABLE;
    }
  if (broken_at != 0)
    {
      g_print ("audit: BROKEN at record %" PRId64 ": %s\n", broken_at, message);
      return CHECK_BROKEN;
    }

  g_print ("audit: %" PRId64 " records, every link holds\n", n_records);
  return CHECK_CLEAN;
}

int
tally_check_command (int    argc,
                     char **argv)
{
  g_autoptr(TallyConfig) config = tally_config_new ();
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(TallyApiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  int ledger_status, audit_status;

  g_option_context_set_summary (context, "Checks the ledger's invariants and the audit chain "
                                         "of a data directory.");
  g_option_context_add_group (context, tally_config_option_group (config));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1)
    {
      g_printerr ("tally-server check: %s\n",
                  error != NULL ? error->message : "unexpected argument");
      return CHECK_UNREADABLE;
    }

  store = tally_store_open (config, TALLY_STORE_OPEN_EXISTING, &error);
  if (store == NULL)
    {
      g_printerr ("tally-server check: %s\n", error->message);
      return CHECK_UNREADABLE;
    }

  ledger_status = check_ledger (store);
  audit_status = check_audit (store);
  return MAX (ledger_status, audit_status);
}
