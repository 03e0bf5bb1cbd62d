/* tally-pg-ledger-private.h: what the PostgreSQL ledger's files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger-engine.h"
#include "tally-ledger-shared.h"
#include "tally-pg-ledger.h"

G_BEGIN_DECLS

/* The ledger's tally_pg_run() and tally_pg_run_command(). */
PGresult *tally_pg_ledger_run             (TallyPgLedger        *self,
                                           const char           *sql,
                                           const TallyPgParams  *params,
                                           GError              **error);
gboolean  tally_pg_ledger_run_command     (TallyPgLedger        *self,
                                           const char           *sql,
                                           const TallyPgParams  *params,
                                           GError              **error);
/* SQL of tally-ledger-shared.h, its ?N made $N: free it. */
char     *tally_pg_ledger_sql             (const char           *shared_sql);

/* NULL reads as 0. */
gint64    tally_pg_ledger_int64           (const PGresult       *res,
                                           int                   row,
                                           int                   col);
/* Reads one row of TRANSFER_COLUMNS. */
gboolean  tally_pg_ledger_read_transfer   (const PGresult       *res,
                                           int                   row,
                                           TallyStoredTransfer  *stored,
                                           GError              **error);

/* The engine's calls on this store. */
const TallyLedgerStoreOps *tally_pg_ledger_ops (void);
/* TALLY_LEDGER_ERROR_NOT_FOUND for an unknown or malformed id. */
gboolean  tally_pg_ledger_account_num     (TallyPgLedger        *self,
                                           const char           *id,
                                           gint64               *num,
                                           GError              **error);
/* *@found is FALSE for an unknown or malformed id. */
gboolean  tally_pg_ledger_find_transfer   (TallyPgLedger        *self,
                                           const char           *id,
                                           TallyStoredTransfer  *stored,
                                           gboolean             *found,
                                           GError              **error);

/* tally-pg-ledger-queries.c */
gint64    tally_pg_ledger_first_seq_at    (gpointer              store,
                                           gint64                time,
                                           GError              **error);

G_END_DECLS
