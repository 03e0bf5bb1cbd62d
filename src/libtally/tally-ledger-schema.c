/* tally-ledger-schema.c: the ledger file's numbered migrations
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-ledger-private.h"

/* "TALY": tells a Tally ledger from any other SQLite file. */
#define TALLY_APPLICATION_ID 0x54414c59

/* Migration N brings a file from user_version N to N + 1. Never edit one
 * that has shipped: add the next. */
static const char * const migrations[] = {
  /* 1: accounts, transfers and the state of pending transfers. */
  "CREATE TABLE accounts ("
  "  num INTEGER PRIMARY KEY,"
  "  id BLOB NOT NULL UNIQUE CHECK (length (id) = 16),"
  "  kind INTEGER NOT NULL,"
  "  flags INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  timezone TEXT NOT NULL,"
  "  debits_pending INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),"
  "  debits_posted INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),"
  "  credits_pending INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),"
  "  credits_posted INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE transfers ("
  "  seq INTEGER PRIMARY KEY,"
  "  id BLOB NOT NULL CHECK (length (id) = 16),"
  "  debit_account INTEGER NOT NULL,"
  "  credit_account INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL,"
  "  pending_seq INTEGER,"
  "  units INTEGER NOT NULL,"
  "  timeout INTEGER NOT NULL,"
  "  flags INTEGER NOT NULL,"
  "  kind INTEGER NOT NULL,"
  "  ref TEXT NOT NULL,"
  "  tool_id TEXT,"
  "  description TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE UNIQUE INDEX transfers_by_id ON transfers (id);"
  /* History pages by account and kind in seq order; an unfiltered page
   * merges the kinds. Every index costs each insert a B-tree descent, so
   * these two and the id are all there is. */
  "CREATE INDEX transfers_by_debit ON transfers (debit_account, kind, seq);"
  "CREATE INDEX transfers_by_credit ON transfers (credit_account, kind, seq);"
  "CREATE TABLE pending ("
  "  seq INTEGER PRIMARY KEY,"
  "  state INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  settled_by INTEGER"
  ");"
  "CREATE INDEX pending_due ON pending (expires_at) WHERE state = 0 AND expires_at > 0;",

  /* 2: posted purchases, consumption and refunds summed by account, kind,
   * hour and tool, for usage charts. A year of a heavy user's runs is
   * hundreds of thousands of rows that no index scan sums in the time a
   * chart may take; the same year is at most 8,784 hours per tool here.
   * An item counts at the hour its first transfer was created (the
   * pending one of a run), where the history lists it, with what it
   * settled for; amounts are from the account's side, credits minus
   * debits. Triggers keep it, so every writer (a mirror too) does, in the
   * same transaction. */
  "CREATE TABLE posted_hours ("
  "  account INTEGER NOT NULL,"
  "  kind INTEGER NOT NULL,"
  "  hour INTEGER NOT NULL,"
  "  tool_id TEXT NOT NULL,"
  "  amount INTEGER NOT NULL,"
  "  items INTEGER NOT NULL,"
  "  PRIMARY KEY (account, kind, hour, tool_id)"
  ") WITHOUT ROWID;"
  "INSERT INTO posted_hours (account, kind, hour, tool_id, amount, items) "
  TALLY_POSTED_HOURS_FROM_TRANSFERS ";"
  /* A single-phase transfer is posted as it is written. */
  "CREATE TRIGGER posted_hours_direct AFTER INSERT ON transfers "
  "WHEN NEW.kind IN (0, 2, 3) AND (NEW.flags & 14) = 0 BEGIN "
  "  INSERT INTO posted_hours VALUES (NEW.debit_account, NEW.kind,"
  "    NEW.created_at / 3600000000, COALESCE (NEW.tool_id, ''), -NEW.amount, 1)"
  "    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, items = items + 1;"
  "  INSERT INTO posted_hours VALUES (NEW.credit_account, NEW.kind,"
  "    NEW.created_at / 3600000000, COALESCE (NEW.tool_id, ''), NEW.amount, 1)"
  "    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, items = items + 1;"
  "END;"
  /* A post counts at its pending transfer's hour, with the pending's kind
   * and tool; a void or an expiry posts nothing. */
  "CREATE TRIGGER posted_hours_settled AFTER INSERT ON transfers "
  "WHEN (NEW.flags & 4) != 0 BEGIN "
  "  INSERT INTO posted_hours SELECT p.debit_account, p.kind, p.created_at / 3600000000,"
  "    COALESCE (p.tool_id, ''), -NEW.amount, 1 FROM transfers p"
  "    WHERE p.seq = NEW.pending_seq AND p.kind IN (0, 2, 3)"
  "    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, items = items + 1;"
  "  INSERT INTO posted_hours SELECT p.credit_account, p.kind, p.created_at / 3600000000,"
  "    COALESCE (p.tool_id, ''), NEW.amount, 1 FROM transfers p"
  "    WHERE p.seq = NEW.pending_seq AND p.kind IN (0, 2, 3)"
  "    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, items = items + 1;"
  "END;",

  /* 3: credits that expire (docs/ledger.md, "Lots and expiry"). A lot is
   * the credits one posted transfer brought to a user or team account,
   * with when they expire; every posted debit of the account burns the
   * open lots that expire soonest first, one lot_burns row each; at
   * expiry what is left is taken by one expiry transfer (expired_by) and
   * the lot closes. */
  "CREATE TABLE lots ("
  "  num INTEGER PRIMARY KEY,"
  "  account INTEGER NOT NULL,"
  "  transfer_seq INTEGER NOT NULL UNIQUE,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  remaining INTEGER NOT NULL CHECK (remaining BETWEEN 0 AND amount),"
  "  expires_at INTEGER NOT NULL,"
  "  closed INTEGER NOT NULL DEFAULT 0,"
  "  expired_by INTEGER"
  ");"
  "CREATE INDEX lots_open ON lots (account, expires_at, num) WHERE closed = 0;"
  "CREATE INDEX lots_due ON lots (expires_at) WHERE closed = 0;"
  "CREATE TABLE lot_burns ("
  "  lot INTEGER NOT NULL,"
  "  transfer_seq INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  PRIMARY KEY (lot, transfer_seq)"
  ") WITHOUT ROWID;",
};

int
tally_ledger_schema_latest (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  return TRUE;
}

static gboolean
pragma_int (sqlite3     *db,
            const char  *pragma,
            int         *value,
            GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragma);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  rc = sqlite3_step (stmt);
  *value = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);

  return TRUE;
}

static gboolean
create_system_accounts (sqlite3     *db,
                        GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time ();

  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO accounts (id, kind, flags, name, timezone, created_at) "
                          "VALUES (?, ?, 0, ?, 'UTC', ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  for (guint i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    {
      guint8 id[16];

      tally_uuid_to_bytes (tally_system_account_id (i), id);
      sqlite3_bind_blob (stmt, 1, id, sizeof id, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 2, TALLY_ACCOUNT_KIND_SYSTEM);
      sqlite3_bind_text (stmt, 3, tally_system_account_name (i), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, now);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_finalize (stmt);
          return tally_ledger_set_sqlite_error (db, error);
        }
      sqlite3_reset (stmt);
    }

  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
apply_migrations (sqlite3     *db,
                  GError     **error)
{
  g_autofree char *set_version = NULL;
  int from;

  if (!exec_sql (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Another process may have migrated while this one waited for the lock. */
  if (!pragma_int (db, "user_version", &from, error))
    goto fail;

  for (int v = from; v < tally_ledger_schema_latest (); v++)
    {
      if (!exec_sql (db, migrations[v], error))
        goto fail;
    }

  if (from == 0 && !create_system_accounts (db, error))
    goto fail;

  set_version = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d",
                                 TALLY_APPLICATION_ID, tally_ledger_schema_latest ());
  if (!exec_sql (db, set_version, error) || !exec_sql (db, "COMMIT", error))
    goto fail;

  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Brings the file to the latest schema, or refuses: a file of another
 * application or of a newer Tally is never touched. */
gboolean
tally_ledger_schema_migrate (sqlite3   *db,
                             gboolean   read_only,
                             int       *version,
                             GError   **error)
{
  int application_id;

  if (!pragma_int (db, "application_id", &application_id, error) ||
      !pragma_int (db, "user_version", version, error))
    return FALSE;

  if (application_id != 0 && application_id != TALLY_APPLICATION_ID)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The file is an SQLite database of another application");
      return FALSE;
    }

  if (*version > tally_ledger_schema_latest ())
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_SCHEMA_TOO_NEW,
                   "The ledger file has schema version %d; this Tally knows up to %d. "
                   "Upgrade Tally to open it; the file was left unchanged",
                   *version, tally_ledger_schema_latest ());
      return FALSE;
    }

  if (*version == tally_ledger_schema_latest ())
    return TRUE;

  if (read_only)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The ledger file needs migrating (version %d of %d) and is opened read-only",
                   *version, tally_ledger_schema_latest ());
      return FALSE;
    }

  if (!apply_migrations (db, error))
    return FALSE;

  *version = tally_ledger_schema_latest ();
  return TRUE;
}

static gboolean
component_version (sqlite3     *db,
                   const char  *component,
                   int         *version,
                   GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT version FROM components WHERE name = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  sqlite3_bind_text (stmt, 1, component, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *version = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);
  return TRUE;
}

static gboolean
set_component_version (sqlite3     *db,
                       const char  *component,
                       int          version,
                       GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "INSERT INTO components (name, version) VALUES (?, ?) "
                          "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                          -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  sqlite3_bind_text (stmt, 1, component, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, version);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);
  return TRUE;
}

gboolean
tally_ledger_schema_migrate_component (sqlite3            *db,
                                       const char         *component,
                                       const char * const *component_migrations,
                                       guint               n_migrations,
                                       GError            **error)
{
  int version;

  if (!exec_sql (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (!exec_sql (db, "CREATE TABLE IF NOT EXISTS components ("
                     "  name TEXT PRIMARY KEY, version INTEGER NOT NULL)", error) ||
      !component_version (db, component, &version, error))
    goto fail;

  if ((guint) version > n_migrations)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_SCHEMA_TOO_NEW,
                   "The file's %s tables have schema version %d; this Tally knows up to %u. "
                   "Upgrade Tally to open it; the file was left unchanged",
                   component, version, n_migrations);
      goto fail;
    }

  for (guint v = version; v < n_migrations; v++)
    {
      if (!exec_sql (db, component_migrations[v], error))
        goto fail;
    }

  if (!set_component_version (db, component, n_migrations, error) ||
      !exec_sql (db, "COMMIT", error))
    goto fail;

  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}
