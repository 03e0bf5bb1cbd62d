/* tally-ledger.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"
#include "tally-ledger-shared.h"

struct _TallyLedger
{
  GObject         parent_instance;

  char           *path;
  sqlite3        *db;
  sqlite3_stmt   *stmts[N_STMTS];
  int             schema_version;
  gboolean        read_only;
  gboolean        mirror;

  TallyClockFunc  clock;
  gpointer        clock_data;

  /* NULL unless tally_ledger_keep_window_sums() was called. */
  TallyWindowSums *window_sums;
};

G_DEFINE_FINAL_TYPE (TallyLedger, tally_ledger, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-ledger-error-quark, tally_ledger_error)

/* STMT_WINDOW_EVENTS lists every kind, 0 to 7: a new kind goes there too. */
G_STATIC_ASSERT (TALLY_N_TRANSFER_KINDS == 8);

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT chain",
  [STMT_RELEASE] = "RELEASE chain",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO chain",
  [STMT_BATCH_SAVEPOINT] = "SAVEPOINT batch",
  [STMT_BATCH_RELEASE] = "RELEASE batch",
  [STMT_BATCH_ROLLBACK_TO] = "ROLLBACK TO batch",
  [STMT_WRITE_SAVEPOINT] = "SAVEPOINT write",
  [STMT_WRITE_RELEASE] = "RELEASE write",
  [STMT_WRITE_ROLLBACK_TO] = "ROLLBACK TO write",
  [STMT_LAST_TRANSFER] = "SELECT seq, created_at FROM transfers ORDER BY seq DESC LIMIT 1",
  /* What the rows of one debit account in (?5, ?6] change in the sum of
   * consumption created in [?3, ?4): a hold or a direct charge adds its
   * amount, a post replaces its hold's amount by its own, a void takes
   * the hold's amount back. Every kind, since a post need not repeat its
   * hold's kind; the IN list keeps it on the (account, kind, seq) index. */
  [STMT_WINDOW_EVENTS] =
    "SELECT COALESCE (SUM (CASE "
    "  WHEN (t.flags & 12) = 0 THEN "
    "    CASE WHEN t.kind = ?2 AND t.created_at >= ?3 AND t.created_at < ?4 "
    "    THEN t.amount ELSE 0 END "
    "  WHEN p.kind = ?2 AND p.created_at >= ?3 AND p.created_at < ?4 THEN "
    "    CASE WHEN (t.flags & 4) != 0 THEN t.amount - p.amount ELSE -p.amount END "
    "  ELSE 0 END), 0) "
    "FROM transfers t LEFT JOIN transfers p ON p.seq = t.pending_seq "
    "WHERE t.debit_account = ?1 AND t.kind IN (0, 1, 2, 3, 4, 5, 6, 7) "
    "AND t.seq > ?5 AND t.seq <= ?6",
  [STMT_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_COLUMNS "FROM accounts WHERE id = ?",
  [STMT_ACCOUNT_BY_NUM] = "SELECT " ACCOUNT_COLUMNS "FROM accounts WHERE num = ?",
  [STMT_INSERT_ACCOUNT] = "INSERT INTO accounts (id, kind, flags, name, timezone, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
  [STMT_UPDATE_ACCOUNT] = "UPDATE accounts SET debits_pending = ?, debits_posted = ?, "
                          "credits_pending = ?, credits_posted = ? WHERE num = ?",
  [STMT_RENAME_ACCOUNT] = "UPDATE accounts SET name = ? WHERE id = ?",
  [STMT_SEQ_BY_ID] = "SELECT seq FROM transfers WHERE id = ?",
  [STMT_TRANSFER_BY_SEQ] = "SELECT " TRANSFER_COLUMNS TRANSFER_FROM "WHERE t.seq = ?",
  [STMT_INSERT_TRANSFER] = "INSERT OR IGNORE INTO transfers (seq, id, debit_account, credit_account, amount, "
                           "pending_seq, units, timeout, flags, kind, ref, tool_id, description, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  [STMT_PENDING_BY_SEQ] = "SELECT state, expires_at, settled_by FROM pending WHERE seq = ?",
  [STMT_INSERT_PENDING] = "INSERT INTO pending (seq, state, expires_at) VALUES (?, 0, ?)",
  [STMT_SETTLE_PENDING] = "UPDATE pending SET state = ?, settled_by = ? WHERE seq = ?",
  [STMT_DUE_PENDING] = "SELECT seq FROM pending WHERE state = 0 AND expires_at > 0 "
                       "AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  /* The first transfer at or after a seq: the seq itself, except in a
   * mirror, whose sequence has gaps. */
  [STMT_CREATED_AT_BY_SEQ] = "SELECT created_at FROM transfers WHERE seq >= ? ORDER BY seq LIMIT 1",
  [STMT_POSTED_HOURS] = TALLY_SQL_POSTED_HOURS,
  /* Lots (tally-ledger-lots.c): an account's open ones in burn order. */
  [STMT_OPEN_LOTS] = "SELECT num, remaining FROM lots WHERE account = ? AND closed = 0 "
                     "AND remaining > 0 ORDER BY expires_at, num",
  [STMT_BURN_LOT] = "UPDATE lots SET remaining = remaining - ?1 WHERE num = ?2",
  [STMT_INSERT_BURN] = "INSERT INTO lot_burns (lot, transfer_seq, amount) VALUES (?, ?, ?)",
  [STMT_DUE_LOTS] = "SELECT l.num, a.id, l.remaining, t.id FROM lots l "
                    "JOIN transfers t ON t.seq = l.transfer_seq "
                    "JOIN accounts a ON a.num = l.account "
                    "WHERE l.closed = 0 AND l.expires_at <= ? ORDER BY l.expires_at, l.num LIMIT ?",
  [STMT_CLOSE_LOT] = "UPDATE lots SET closed = 1, expired_by = ? WHERE num = ?",
  [STMT_POSTED_ITEMS] = TALLY_SQL_POSTED_ITEMS,
};

static gint64
default_clock (gpointer user_data)
{
  return g_get_real_time ();
}

static void
tally_ledger_finalize (GObject *object)
{
  TallyLedger *self = (TallyLedger *) object;

  g_clear_pointer (&self->window_sums, tally_window_sums_free);
  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (tally_ledger_parent_class)->finalize (object);
}

static void
tally_ledger_class_init (TallyLedgerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_ledger_finalize;
}

static void
tally_ledger_init (TallyLedger *self)
{
  self->clock = default_clock;
}

/* What the connection's last failure says of the disk. */
static TallyLedgerError
code_of_last_failure (sqlite3 *db)
{
  switch (sqlite3_errcode (db))
    {
    case SQLITE_FULL:
      return TALLY_LEDGER_ERROR_DISK_FULL;
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return TALLY_LEDGER_ERROR_UNWRITABLE;
    default:
      return TALLY_LEDGER_ERROR_STORAGE;
    }
}

gboolean
tally_ledger_set_sqlite_error (sqlite3  *db,
                               GError  **error)
{
  g_set_error (error, TALLY_LEDGER_ERROR, code_of_last_failure (db),
               "Ledger storage error: %s (SQLite %d)", sqlite3_errmsg (db),
               sqlite3_extended_errcode (db));
  return FALSE;
}

gboolean
tally_ledger_query_int64 (sqlite3     *db,
                          const char  *sql,
                          gint64      *value,
                          GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *value = 0;
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (db, error);
  return TRUE;
}

static gboolean
exec_pragmas (TallyLedger           *self,
              TallyLedgerOpenFlags   flags,
              GError               **error)
{
  const char *sync = (flags & TALLY_LEDGER_OPEN_SYNC_NORMAL) ? "NORMAL" : "FULL";
  g_autofree char *sql = NULL;

  sqlite3_busy_timeout (self->db, 10000);
  if (self->read_only)
    sql = g_strdup ("PRAGMA query_only = ON");
  else
    sql = g_strdup_printf ("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; "
                           "PRAGMA synchronous = %s; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; "
                           "PRAGMA cache_size = -65536", sync);

  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (self->db, error);

  return TRUE;
}

static gboolean
prepare_statements (TallyLedger  *self,
                    GError      **error)
{
  for (guint i = 0; i < N_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (self->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                              &self->stmts[i], NULL) != SQLITE_OK)
        return tally_ledger_set_sqlite_error (self->db, error);
    }

  return TRUE;
}

/**
 * tally_ledger_open:
 * @path: the ledger file; created when missing
 * @flags: how to open it
 * @error: return location for a #GError
 *
 * Opens (or creates) a ledger file and brings its schema up to date.
 *
 * Returns: (transfer full): the ledger, or %NULL with @error set
 */
TallyLedger *
tally_ledger_open (const char            *path,
                   TallyLedgerOpenFlags   flags,
                   GError               **error)
{
  g_autoptr(TallyLedger) self = NULL;
  int open_flags;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TALLY_TYPE_LEDGER, NULL);
  self->path = g_strdup (path);
  self->read_only = (flags & TALLY_LEDGER_OPEN_READ_ONLY) != 0;

  open_flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  open_flags |= self->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

  if (sqlite3_open_v2 (path, &self->db, open_flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                   "Cannot open the ledger file “%s”: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }

  if (!exec_pragmas (self, flags, error) ||
      !tally_ledger_schema_migrate (self->db, self->read_only, &self->schema_version, error) ||
      !tally_ledger_mirror_detect (self->db,
                                   (flags & TALLY_LEDGER_OPEN_MIRROR) && !self->read_only,
                                   &self->mirror, error) ||
      !prepare_statements (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
tally_ledger_get_path (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);

  return self->path;
}

int
tally_ledger_get_schema_version (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), 0);

  return self->schema_version;
}

int
tally_ledger_get_latest_schema_version (void)
{
  return tally_ledger_schema_latest ();
}

/**
 * tally_ledger_set_clock:
 * @self: a #TallyLedger
 * @clock: (nullable): the time source; %NULL restores the real clock
 * @user_data: passed to @clock
 *
 * Replaces the ledger's clock, so tests can move time forward.
 */
void
tally_ledger_set_clock (TallyLedger    *self,
                        TallyClockFunc  clock,
                        gpointer        user_data)
{
  g_return_if_fail (TALLY_IS_LEDGER (self));

  self->clock = clock ? clock : default_clock;
  self->clock_data = clock ? user_data : NULL;
}

gboolean
tally_ledger_is_mirror (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  return self->mirror;
}

gint64
tally_ledger_now (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), 0);

  return self->clock (self->clock_data);
}

sqlite3 *
tally_ledger_get_db (TallyLedger *self)
{
  return self->db;
}

sqlite3_stmt *
tally_ledger_stmt (TallyLedger     *self,
                   TallyLedgerStmt  which)
{
  sqlite3_stmt *stmt = self->stmts[which];

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

TallyWindowSums **
tally_ledger_window_sums_slot (TallyLedger *self)
{
  return &self->window_sums;
}

gboolean
tally_ledger_step_done (TallyLedger   *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return tally_ledger_set_sqlite_error (self->db, error);

  return TRUE;
}

static void
copy_column_text (sqlite3_stmt *stmt,
                  int           column,
                  char         *dest,
                  gsize         size)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  g_strlcpy (dest, text ? text : "", size);
}

static void
copy_column_uuid (sqlite3_stmt *stmt,
                  int           column,
                  char          dest[TALLY_UUID_LEN])
{
  const void *blob = sqlite3_column_blob (stmt, column);

  if (blob != NULL && sqlite3_column_bytes (stmt, column) == 16)
    tally_uuid_from_bytes (blob, dest);
  else
    dest[0] = '\0';
}

void
tally_ledger_read_account (sqlite3_stmt *stmt,
                           TallyAccount *account,
                           gint64       *num)
{
  memset (account, 0, sizeof *account);
  *num = sqlite3_column_int64 (stmt, 0);
  copy_column_uuid (stmt, 1, account->id);
  account->kind = sqlite3_column_int (stmt, 2);
  account->flags = sqlite3_column_int (stmt, 3);
  copy_column_text (stmt, 4, account->name, sizeof account->name);
  copy_column_text (stmt, 5, account->timezone, sizeof account->timezone);
  account->debits_pending = sqlite3_column_int64 (stmt, 6);
  account->debits_posted = sqlite3_column_int64 (stmt, 7);
  account->credits_pending = sqlite3_column_int64 (stmt, 8);
  account->credits_posted = sqlite3_column_int64 (stmt, 9);
  account->created_at = sqlite3_column_int64 (stmt, 10);
}

/* Reads one row of TRANSFER_COLUMNS. */
gboolean
tally_ledger_read_transfer_row (TallyLedger          *self,
                                sqlite3_stmt         *stmt,
                                TallyStoredTransfer  *stored,
                                GError              **error)
{
  TallyTransfer *t = &stored->transfer;

  memset (stored, 0, sizeof *stored);
  t->seq = sqlite3_column_int64 (stmt, 0);
  copy_column_uuid (stmt, 1, t->id);
  copy_column_uuid (stmt, 2, t->debit_account_id);
  copy_column_uuid (stmt, 3, t->credit_account_id);
  t->amount = sqlite3_column_int64 (stmt, 4);
  copy_column_uuid (stmt, 5, t->pending_id);
  t->units = sqlite3_column_int64 (stmt, 6);
  t->timeout = (guint32) sqlite3_column_int64 (stmt, 7);
  t->flags = sqlite3_column_int (stmt, 8);
  t->kind = sqlite3_column_int (stmt, 9);
  copy_column_text (stmt, 10, t->ref, sizeof t->ref);
  copy_column_text (stmt, 11, t->tool_id, sizeof t->tool_id);
  copy_column_text (stmt, 12, t->description, sizeof t->description);
  t->created_at = sqlite3_column_int64 (stmt, 13);
  stored->debit_num = sqlite3_column_int64 (stmt, 14);
  stored->credit_num = sqlite3_column_int64 (stmt, 15);
  stored->pending_seq = sqlite3_column_int64 (stmt, 16);

  if ((guint) t->kind >= TALLY_N_TRANSFER_KINDS)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                   "Transfer %" G_GINT64_FORMAT " has an unknown kind %d", t->seq, t->kind);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_ledger_find_transfer_by_seq (TallyLedger          *self,
                                   gint64                seq,
                                   TallyStoredTransfer  *stored,
                                   gboolean             *found,
                                   GError              **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_TRANSFER_BY_SEQ);
  gboolean ok = TRUE;
  int rc;

  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    ok = tally_ledger_read_transfer_row (self, stmt, stored, error);
  else if (rc != SQLITE_DONE)
    ok = tally_ledger_set_sqlite_error (self->db, error);
  sqlite3_reset (stmt);

  return ok;
}

gboolean
tally_ledger_find_transfer (TallyLedger          *self,
                            const guint8          id[16],
                            TallyStoredTransfer  *stored,
                            gboolean             *found,
                            GError              **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_SEQ_BY_ID);
  gint64 seq = 0;
  int rc;

  sqlite3_bind_blob (stmt, 1, id, 16, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (self->db, error);

  *found = FALSE;
  if (rc == SQLITE_DONE)
    return TRUE;

  return tally_ledger_find_transfer_by_seq (self, seq, stored, found, error);
}

gboolean
tally_ledger_find_pending_row (TallyLedger      *self,
                               gint64            seq,
                               TallyPendingRow  *row,
                               gboolean         *found,
                               GError          **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_PENDING_BY_SEQ);
  int rc;

  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    {
      row->state = sqlite3_column_int (stmt, 0);
      row->expires_at = sqlite3_column_int64 (stmt, 1);
      row->settled_by = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (self->db, error);

  return TRUE;
}

/**
 * tally_ledger_create_account:
 * @self: a #TallyLedger
 * @account: the account's id, kind, flags, name and time zone
 * @error: return location for a #GError
 *
 * Creates an account with zero balances. Idempotent by id.
 *
 * Returns: %TRUE if the account exists as described afterwards
 */
gboolean
tally_ledger_create_account (TallyLedger         *self,
                             const TallyAccount  *account,
                             GError             **error)
{
  TallyAccount existing;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  guint8 id[16];

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!tally_ledger_rules_check_new_account (account, id, error))
    return FALSE;

  if (tally_ledger_lookup_account (self, account->id, &existing, &local_error))
    {
      if (tally_ledger_rules_account_equal (account, &existing))
        return TRUE;

      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS,
                   "Account “%s” exists with different fields", account->id);
      return FALSE;
    }
  if (!g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  stmt = tally_ledger_stmt (self, STMT_INSERT_ACCOUNT);
  sqlite3_bind_blob (stmt, 1, id, sizeof id, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, account->kind);
  sqlite3_bind_int (stmt, 3, account->flags);
  sqlite3_bind_text (stmt, 4, account->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, account->timezone[0] ? account->timezone : "UTC", -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, tally_ledger_now (self));

  return tally_ledger_step_done (self, stmt, error);
}

/* The name is the only field that is not bookkeeping: an erased user's
 * account keeps its balances under a name that says nothing of them. */
gboolean
tally_ledger_rename_account (TallyLedger  *self,
                             const char   *id,
                             const char   *name,
                             GError      **error)
{
  sqlite3_stmt *stmt;
  guint8 bytes[16];

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!tally_ledger_rules_check_rename (id, name, bytes, error))
    return FALSE;

  stmt = tally_ledger_stmt (self, STMT_RENAME_ACCOUNT);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 2, bytes, sizeof bytes, SQLITE_TRANSIENT);
  if (!tally_ledger_step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (tally_ledger_get_sqlite (self)) == 0)
    return tally_ledger_no_account (id, error);

  return TRUE;
}

static gboolean
fetch_account (TallyLedger   *self,
               const char    *id,
               TallyAccount  *account,
               gint64        *num,
               GError       **error)
{
  sqlite3_stmt *stmt;
  guint8 bytes[16];
  int rc;

  if (!tally_uuid_to_bytes (id, bytes))
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND,
                   "“%s” is not an account id", id ? id : "(null)");
      return FALSE;
    }

  stmt = tally_ledger_stmt (self, STMT_ACCOUNT_BY_ID);
  sqlite3_bind_blob (stmt, 1, bytes, sizeof bytes, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tally_ledger_read_account (stmt, account, num);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (self->db, error);

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND, "No account “%s”", id);
  return FALSE;
}

/**
 * tally_ledger_lookup_account:
 * @self: a #TallyLedger
 * @id: the account's UUID
 * @account: (out caller-allocates): filled with the account
 * @error: return location for a #GError, %TALLY_LEDGER_ERROR_NOT_FOUND
 *   when there is no such account
 *
 * Returns: %TRUE if the account was found
 */
gboolean
tally_ledger_lookup_account (TallyLedger   *self,
                             const char    *id,
                             TallyAccount  *account,
                             GError       **error)
{
  gint64 num;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  return fetch_account (self, id, account, &num, error);
}

gboolean
tally_ledger_account_num (TallyLedger  *self,
                          const char   *id,
                          gint64       *num,
                          GError      **error)
{
  TallyAccount account;

  return fetch_account (self, id, &account, num, error);
}

gboolean
tally_ledger_begin (TallyLedger  *self,
                    GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (sqlite3_get_autocommit (self->db), FALSE);

  return tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_BEGIN), error);
}

gboolean
tally_ledger_commit (TallyLedger  *self,
                     GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_COMMIT), error))
    {
      tally_window_sums_note_commit (self);
      return TRUE;
    }

  tally_ledger_rollback (self);
  return FALSE;
}

void
tally_ledger_rollback (TallyLedger *self)
{
  g_return_if_fail (TALLY_IS_LEDGER (self));

  if (!sqlite3_get_autocommit (self->db))
    tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_ROLLBACK), NULL);
}

gboolean
tally_ledger_begin_write (TallyLedger  *self,
                          GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (!sqlite3_get_autocommit (self->db), FALSE);

  return tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_WRITE_SAVEPOINT), error);
}

gboolean
tally_ledger_end_write (TallyLedger  *self,
                        GError      **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  return tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_WRITE_RELEASE), error);
}

void
tally_ledger_undo_write (TallyLedger *self)
{
  g_return_if_fail (TALLY_IS_LEDGER (self));

  tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_WRITE_ROLLBACK_TO), NULL);
  tally_ledger_step_done (self, tally_ledger_stmt (self, STMT_WRITE_RELEASE), NULL);
}

TallyLedgerError
tally_ledger_get_last_failure (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), TALLY_LEDGER_ERROR_STORAGE);

  return code_of_last_failure (self->db);
}

gboolean
tally_ledger_in_transaction (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  return !sqlite3_get_autocommit (self->db);
}

/**
 * tally_ledger_get_sqlite:
 * @self: a #TallyLedger
 *
 * The connection itself, for a component (the server, the app's cache)
 * that keeps its own tables in the ledger file, so that its writes and the
 * ledger's commit together.
 *
 * Returns: (transfer none): the SQLite connection
 */
sqlite3 *
tally_ledger_get_sqlite (TallyLedger *self)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), NULL);

  return self->db;
}

gboolean
tally_ledger_migrate_component (TallyLedger        *self,
                                const char         *component,
                                const char * const *migrations,
                                guint               n_migrations,
                                GError            **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (component != NULL, FALSE);

  return tally_ledger_schema_migrate_component (self->db, component, migrations, n_migrations,
                                                error);
}
