/* tally-test-history.h: writing a test server's ledger in the past
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-test-server.h"

G_BEGIN_DECLS

/* The API has no way to make a history in the past: this is the ledger of
 * a stopped @server, SQLite's file or its PostgreSQL database, whichever
 * it runs on, written through the ledger API (TallyLedger or
 * TallyPgLedger) with @clock for each transfer's time. */
typedef struct _TestHistory TestHistory;

TestHistory *test_history_open   (TestServer     *server,
                                  TallyClockFunc  clock,
                                  gpointer        user_data);
/* @transfer must be answered "ok". */
void         test_history_submit (TestHistory    *history,
                                  TallyTransfer  *transfer);
/* Asserts every invariant of the ledger holds, then closes it. */
void         test_history_close  (TestHistory    *history);

G_END_DECLS
