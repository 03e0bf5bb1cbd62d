/* tally-store-wal.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <tally-ledger-sqlite.h>

#include "tally-store-wal.h"

/* SQLite's own default, kept now that the WAL hook is ours. */
#define DEFAULT_AUTOCHECKPOINT 1000

struct _TallyStoreWal
{
  TallyLedger       *ledger;
  TallyCommitHook    committed;
  gpointer           data;
  int                autocheckpoint;
};

static gint64
pragma_int (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

/* A file-backed ledger in WAL mode. */
static gboolean
is_wal (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean wal = FALSE;

  if (g_strcmp0 (sqlite3_db_filename (db, "main"), "") == 0)
    return FALSE;
  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);

  return wal;
}

/* Replaces SQLite's own hook, so it also runs the auto-checkpoint. */
static int
on_wal_commit (gpointer    data,
               sqlite3    *db,
               const char *name,
               int         n_pages)
{
  TallyStoreWal *self = data;

  if (self->autocheckpoint > 0 && n_pages >= self->autocheckpoint)
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  self->committed (self->data);

  return SQLITE_OK;
}

TallyStoreWal *
tally_store_wal_take_sync (TallyLedger      *ledger,
                           TallyCommitHook   committed,
                           gpointer          data)
{
  sqlite3 *db = tally_ledger_get_sqlite (ledger);
  TallyStoreWal *self;

  /* NORMAL is only safe in WAL mode. */
  if (pragma_int (db, "PRAGMA synchronous") < 2 || !is_wal (db))
    return NULL;

  self = g_new0 (TallyStoreWal, 1);
  self->ledger = g_object_ref (ledger);
  self->committed = committed;
  self->data = data;
  self->autocheckpoint = pragma_int (db, "PRAGMA wal_autocheckpoint");
  if (self->autocheckpoint < 0)
    self->autocheckpoint = DEFAULT_AUTOCHECKPOINT;
  sqlite3_exec (db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  sqlite3_wal_hook (db, on_wal_commit, self);

  return self;
}

const char *
tally_store_wal_get_path (TallyStoreWal *self)
{
  sqlite3 *db = tally_ledger_get_sqlite (self->ledger);

  return sqlite3_filename_wal (sqlite3_db_filename (db, "main"));
}

void
tally_store_wal_give_back_sync (TallyStoreWal *self)
{
  sqlite3 *db = tally_ledger_get_sqlite (self->ledger);

  /* Puts SQLite's own hook back. */
  sqlite3_wal_autocheckpoint (db, self->autocheckpoint);
  sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  g_object_unref (self->ledger);
  g_free (self);
}
