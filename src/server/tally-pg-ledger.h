/* tally-pg-ledger.h: the ledger on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger.h"
#include "tally-pg.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PG_LEDGER (tally_pg_ledger_get_type ())

/* The calls of TallyLedger that the server's writes need, with the same
 * meaning and the same TALLY_LEDGER_ERROR codes, on a PostgreSQL
 * database; a store failure is a TALLY_PG_ERROR (RETRY, UNAVAILABLE, ...).
 * Every transfer is decided by libtally's engine and rules, as on SQLite.
 * Use it from one thread at a time, as its TallyPg. */
G_DECLARE_FINAL_TYPE (TallyPgLedger, tally_pg_ledger, TALLY, PG_LEDGER, GObject)

/* Brings the ledger's tables up to date on @pg first. */
TallyPgLedger *tally_pg_ledger_new                 (TallyPg              *pg,
                                                    GError              **error);
TallyPg       *tally_pg_ledger_get_pg              (TallyPgLedger        *self);
void           tally_pg_ledger_set_clock           (TallyPgLedger        *self,
                                                    TallyClockFunc        func,
                                                    gpointer              user_data);
gint64         tally_pg_ledger_now                 (TallyPgLedger        *self);

gboolean       tally_pg_ledger_create_account      (TallyPgLedger        *self,
                                                    const TallyAccount   *account,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_account      (TallyPgLedger        *self,
                                                    const char           *id,
                                                    TallyAccount         *account,
                                                    GError              **error);
/* FALSE only when the store failed, and then nothing of the batch was
 * written; a RETRY error asks the caller to send the batch again. */
gboolean       tally_pg_ledger_create_transfers    (TallyPgLedger        *self,
                                                    TallyTransfer        *transfers,
                                                    guint                 n_transfers,
                                                    TallyTransferResult  *results,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_transfer     (TallyPgLedger        *self,
                                                    const char           *id,
                                                    TallyTransfer        *transfer,
                                                    GError              **error);
gboolean       tally_pg_ledger_lookup_pending_state (TallyPgLedger       *self,
                                                    const char           *pending_id,
                                                    TallyPendingState    *state,
                                                    GError              **error);
gboolean       tally_pg_ledger_expire_pending      (TallyPgLedger        *self,
                                                    gint64                now,
                                                    guint                *n_expired,
                                                    GError              **error);
gboolean       tally_pg_ledger_get_last_seq        (TallyPgLedger        *self,
                                                    gint64               *seq,
                                                    GError              **error);
/* Every invariant of tally_ledger_check(), by the same queries. */
gboolean       tally_pg_ledger_check               (TallyPgLedger        *self,
                                                    GError              **error);

G_END_DECLS
