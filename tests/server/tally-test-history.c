/* tally-test-history.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-ledger.h"
#include "tally-test-history.h"

struct _TestHistory
{
  TallyLedger   *ledger;
  TallyPgLedger *pg_ledger;
};

TestHistory *
test_history_open (TestServer     *server,
                   TallyClockFunc  clock,
                   gpointer        user_data)
{
  TestHistory *history = g_new0 (TestHistory, 1);
  g_autoptr(GError) error = NULL;

  if (server->store_url != NULL)
    {
      g_autoptr(TallyPg) pg = tally_pg_connect (server->store_url, &error);

      g_assert_no_error (error);
      history->pg_ledger = tally_pg_ledger_open (pg, &error);
      g_assert_no_error (error);
      tally_pg_ledger_set_clock (history->pg_ledger, clock, user_data);
    }
  else
    {
      g_autofree char *path = test_server_ledger_path (server);

      history->ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);
      g_assert_no_error (error);
      tally_ledger_set_clock (history->ledger, clock, user_data);
    }
  return history;
}

void
test_history_submit (TestHistory   *history,
                     TallyTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;

  if (history->pg_ledger != NULL)
    g_assert_true (tally_pg_ledger_create_transfers (history->pg_ledger, transfer, 1, &result,
                                                     &error));
  else
    g_assert_true (tally_ledger_create_transfers (history->ledger, transfer, 1, &result,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tally_transfer_result_to_string (result), ==, "ok");
}

void
test_history_close (TestHistory *history)
{
  g_autoptr(GError) error = NULL;

  if (history->pg_ledger != NULL)
    g_assert_true (tally_pg_ledger_check (history->pg_ledger, &error));
  else
    g_assert_true (tally_ledger_check (history->ledger, &error));
  g_assert_no_error (error);
  g_clear_object (&history->pg_ledger);
  g_clear_object (&history->ledger);
  g_free (history);
}
