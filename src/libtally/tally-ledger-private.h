/* tally-ledger-private.h: what only libtally itself may see of the ledger
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "tally-ledger.h"
#include "tally-ledger-engine.h"
#include "tally-ledger-sqlite.h"
#include "tally-uuid.h"

G_BEGIN_DECLS

#define TALLY_USEC_PER_SEC G_GINT64_CONSTANT (1000000)

/* The statements the ledger prepares once and reuses. */
typedef enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_BATCH_SAVEPOINT,
  STMT_BATCH_RELEASE,
  STMT_BATCH_ROLLBACK_TO,
  STMT_WRITE_SAVEPOINT,
  STMT_WRITE_RELEASE,
  STMT_WRITE_ROLLBACK_TO,
  STMT_LAST_TRANSFER,
  STMT_WINDOW_EVENTS,
  STMT_ACCOUNT_BY_ID,
  STMT_ACCOUNT_BY_NUM,
  STMT_INSERT_ACCOUNT,
  STMT_UPDATE_ACCOUNT,
  STMT_RENAME_ACCOUNT,
  STMT_SEQ_BY_ID,
  STMT_TRANSFER_BY_SEQ,
  STMT_INSERT_TRANSFER,
  STMT_PENDING_BY_SEQ,
  STMT_INSERT_PENDING,
  STMT_SETTLE_PENDING,
  STMT_DUE_PENDING,
  STMT_CREATED_AT_BY_SEQ,
  STMT_POSTED_HOURS,
  STMT_POSTED_ITEMS,
  STMT_OPEN_LOTS,
  STMT_BURN_LOT,
  STMT_INSERT_BURN,
  STMT_DUE_LOTS,
  STMT_CLOSE_LOT,
  N_STMTS
} TallyLedgerStmt;

sqlite3      *tally_ledger_get_db          (TallyLedger           *self);
sqlite3_stmt *tally_ledger_stmt            (TallyLedger           *self,
                                            TallyLedgerStmt        which);
gboolean      tally_ledger_set_sqlite_error (sqlite3              *db,
                                            GError               **error);
/* Runs @sql and reads the first column of its first row into @value, 0
 * when it gives no row. */
gboolean      tally_ledger_query_int64     (sqlite3               *db,
                                            const char            *sql,
                                            gint64                *value,
                                            GError               **error);
gboolean      tally_ledger_step_done       (TallyLedger           *self,
                                            sqlite3_stmt          *stmt,
                                            GError               **error);
gboolean      tally_ledger_account_num     (TallyLedger           *self,
                                            const char            *id,
                                            gint64                *num,
                                            GError               **error);
void          tally_ledger_read_account    (sqlite3_stmt          *stmt,
                                            TallyAccount          *account,
                                            gint64                *num);
gboolean      tally_ledger_read_transfer_row (TallyLedger         *self,
                                            sqlite3_stmt          *stmt,
                                            TallyStoredTransfer   *stored,
                                            GError               **error);
gboolean      tally_ledger_find_transfer   (TallyLedger           *self,
                                            const guint8           id[16],
                                            TallyStoredTransfer   *stored,
                                            gboolean              *found,
                                            GError               **error);
gboolean      tally_ledger_find_transfer_by_seq (TallyLedger      *self,
                                            gint64                 seq,
                                            TallyStoredTransfer   *stored,
                                            gboolean              *found,
                                            GError               **error);
gboolean      tally_ledger_find_pending_row (TallyLedger          *self,
                                            gint64                 seq,
                                            TallyPendingRow       *row,
                                            gboolean              *found,
                                            GError               **error);

/* tally-ledger-write.c: the rows of a transfer, shared with mirrors. */
gboolean      tally_ledger_insert_transfer_row (TallyLedger       *ledger,
                                            const TallyTransfer   *t,
                                            const guint8           id[16],
                                            gint64                 debit_num,
                                            gint64                 credit_num,
                                            gint64                 pending_seq,
                                            gboolean              *inserted,
                                            GError               **error);
gboolean      tally_ledger_insert_pending_seq (TallyLedger        *ledger,
                                            gint64                 seq,
                                            gint64                 expires_at,
                                            GError               **error);
gboolean      tally_ledger_insert_pending_row (TallyLedger        *ledger,
                                            const TallyTransfer   *t,
                                            GError               **error);
gboolean      tally_ledger_settle_pending_row (TallyLedger        *ledger,
                                            gint64                 pending_seq,
                                            TallyPendingState      state,
                                            gint64                 settled_by,
                                            GError               **error);

/* tally-ledger-lots.c: the engine's calls on lots (TallyLedgerStoreOps);
 * @store is the TallyLedger. */
gboolean      tally_ledger_read_open_lots  (gpointer               store,
                                            gint64                 account_num,
                                            GArray                *lots,
                                            GError               **error);
gboolean      tally_ledger_burn_lot        (gpointer               store,
                                            gint64                 lot,
                                            gint64                 transfer_seq,
                                            gint64                 amount,
                                            GError               **error);

/* tally-ledger-mirror.c */
/* Tells whether the file is a mirror and, when @become, makes an empty
 * ledger one. */
gboolean      tally_ledger_mirror_detect   (sqlite3               *db,
                                            gboolean               become,
                                            gboolean              *is_mirror,
                                            GError               **error);
/* FALSE with an error on a mirror: what only an origin ledger may do. */
gboolean      tally_ledger_refuse_mirror   (TallyLedger           *self,
                                            GError               **error);

/* tally-ledger-queries.c */
gint64        tally_ledger_first_seq_at    (TallyLedger           *self,
                                            gint64                 time,
                                            GError               **error);
/* tally_ledger_sum_consumption() as one scan of the window's transfers,
 * without the kept sums: what they are checked against. */
gboolean      tally_ledger_sum_consumption_scan (TallyLedger      *self,
                                            const char            *account_id,
                                            gint64                 since,
                                            gint64                 until,
                                            gint64                *spent,
                                            GError               **error);

/* tally-ledger-sums.c */
typedef struct _TallyWindowSums TallyWindowSums;

TallyWindowSums **tally_ledger_window_sums_slot (TallyLedger      *self);
void          tally_window_sums_free       (TallyWindowSums       *sums);
/* After each COMMIT of the ledger's: what is committed never changes. */
void          tally_window_sums_note_commit (TallyLedger          *self);

/* tally-ledger-schema.c */
gboolean      tally_ledger_schema_migrate  (sqlite3               *db,
                                            gboolean               read_only,
                                            int                   *version,
                                            GError               **error);
int           tally_ledger_schema_latest   (void);
gboolean      tally_ledger_schema_migrate_component (sqlite3            *db,
                                            const char            *component,
                                            const char * const    *migrations,
                                            guint                  n_migrations,
                                            GError               **error);

G_END_DECLS
