/* tally-cache.c: the app's local copy of what the server knows
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-cache-private.h"
#include "tally-ledger-sqlite.h"

struct _TallyCache
{
  GObject           parent_instance;

  /* The UI thread reads through this one; writes go to the writer's. */
  TallyCacheConn    reader;
  TallyCacheWriter *writer;

  /* The sync state as last committed, and the number of the write that
   * committed it. */
  char             *device_id;
  gint64            cursor;
  TallyCacheLease   lease;
  guint64           state_generation;

  /* Documents asked to be stored (name -> JSON text), and those the
   * writer is storing; reads look there before the file. */
  GMutex            documents_lock;
  GHashTable       *documents_queued;
  GHashTable       *documents_writing;
};

G_DEFINE_FINAL_TYPE (TallyCache, tally_cache, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-cache-error-quark, tally_cache_error)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The app's own tables in the ledger file, component "app". Migration N
 * takes them from version N to N + 1; never edit one that has shipped. */
static const char * const app_migrations[] = {
  /* 1 */
  "CREATE TABLE documents ("
  "  name TEXT PRIMARY KEY,"
  "  body TEXT NOT NULL,"
  "  saved_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE sync_state ("
  "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
  "  device_id TEXT NOT NULL,"
  "  cursor INTEGER NOT NULL DEFAULT 0,"
  "  lease_id TEXT NOT NULL DEFAULT '',"
  "  lease_amount INTEGER NOT NULL DEFAULT 0,"
  "  lease_remaining INTEGER NOT NULL DEFAULT 0,"
  "  lease_expires_at INTEGER NOT NULL DEFAULT 0"
  ");"
  /* position keeps the order ops were made in. */
  "CREATE TABLE outbox ("
  "  position INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  op TEXT NOT NULL,"
  "  cost INTEGER NOT NULL CHECK (cost >= 0),"
  "  added_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE rejected_ops ("
  "  id TEXT PRIMARY KEY,"
  "  op TEXT NOT NULL,"
  "  reason TEXT NOT NULL,"
  "  rejected_at INTEGER NOT NULL"
  ");",
  /* 2: the alerts the server sent (GET /v1/alerts, the event stream),
   * each as its API object, for the history offline. */
  "CREATE TABLE alerts ("
  "  id TEXT PRIMARY KEY,"
  "  created_at INTEGER NOT NULL,"
  "  body TEXT NOT NULL"
  ");"
  "CREATE INDEX alerts_by_time ON alerts (created_at DESC, id DESC);",
  /* 3: offline runs on teams' pools. Each op is paid from its account
   * ('' the user's own); each pool the device syncs with has its own
   * cursor and lease (tally-cache-pools.c). */
  "ALTER TABLE outbox ADD COLUMN account_id TEXT NOT NULL DEFAULT '';"
  "CREATE TABLE pool_leases ("
  "  account_id TEXT PRIMARY KEY,"
  "  cursor INTEGER NOT NULL DEFAULT 0,"
  "  lease_id TEXT NOT NULL DEFAULT '',"
  "  lease_amount INTEGER NOT NULL DEFAULT 0,"
  "  lease_remaining INTEGER NOT NULL DEFAULT 0,"
  "  lease_expires_at INTEGER NOT NULL DEFAULT 0"
  ");",
  /* 4: the name of the team whose pool pays for an op, as the user chose
   * it, kept with the op and, once refused, with the rejected op: the
   * notice names the team after the membership, and GET /v1/me's listing
   * of it, are gone. '' for the user's own account, and for ops queued
   * before this migration. */
  "ALTER TABLE outbox ADD COLUMN team_name TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE rejected_ops ADD COLUMN account_id TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE rejected_ops ADD COLUMN team_name TEXT NOT NULL DEFAULT '';",
};

const char * const *
tally_cache_list_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (app_migrations);
  return app_migrations;
}

static const char * const stmt_sql[N_CACHE_STMTS] = {
  /* A document as it was is not written again. */
  [CACHE_STMT_DOCUMENT_PUT] = "INSERT INTO documents (name, body, saved_at) VALUES (?, ?, ?) "
                              "ON CONFLICT (name) DO UPDATE SET body = excluded.body, "
                              "saved_at = excluded.saved_at WHERE body IS NOT excluded.body",
  [CACHE_STMT_DOCUMENT_GET] = "SELECT body FROM documents WHERE name = ?",
  [CACHE_STMT_STATE_INIT] = "INSERT OR IGNORE INTO sync_state (singleton, device_id) VALUES (1, ?)",
  [CACHE_STMT_STATE_GET] = "SELECT device_id, cursor, lease_id, lease_amount, lease_remaining, "
                           "lease_expires_at FROM sync_state WHERE singleton = 1",
  [CACHE_STMT_STATE_PUT] = "UPDATE sync_state SET cursor = ?, lease_id = ?, lease_amount = ?, "
                           "lease_remaining = ?, lease_expires_at = ? WHERE singleton = 1",
  [CACHE_STMT_OUTBOX_ADD] = "INSERT OR IGNORE INTO outbox (id, op, cost, added_at, account_id, "
                            "team_name) VALUES (?, ?, ?, ?, ?, ?)",
  [CACHE_STMT_OUTBOX_PEEK] = "SELECT op FROM outbox WHERE account_id = ? ORDER BY position "
                             "LIMIT ?",
  [CACHE_STMT_OUTBOX_TOTALS] = "SELECT count(*), COALESCE (sum (cost), 0) FROM outbox "
                               "WHERE account_id = ?",
  [CACHE_STMT_OUTBOX_COUNT_ALL] = "SELECT count(*) FROM outbox",
  [CACHE_STMT_OUTBOX_REJECT] = "INSERT OR REPLACE INTO rejected_ops (id, op, reason, rejected_at, "
                               "account_id, team_name) "
                               "SELECT id, op, ?, ?, account_id, team_name FROM outbox "
                               "WHERE id = ?",
  [CACHE_STMT_OUTBOX_REMOVE] = "DELETE FROM outbox WHERE id = ?",
  [CACHE_STMT_REJECTED_LIST] = "SELECT id, op, reason, rejected_at, account_id, team_name "
                               "FROM rejected_ops "
                               "ORDER BY rejected_at DESC, rowid DESC",
  [CACHE_STMT_REJECTED_DISMISS] = "DELETE FROM rejected_ops WHERE id = ?",
  [CACHE_STMT_ALERT_ADD] = "INSERT OR IGNORE INTO alerts (id, created_at, body) VALUES (?, ?, ?)",
  [CACHE_STMT_ALERT_LIST] = "SELECT body FROM alerts ORDER BY created_at DESC, id DESC LIMIT ?",
  [CACHE_STMT_POOL_GET] = "SELECT cursor, lease_id, lease_amount, lease_remaining, "
                          "lease_expires_at FROM pool_leases WHERE account_id = ?",
  [CACHE_STMT_POOL_PUT] = "INSERT OR REPLACE INTO pool_leases (account_id, cursor, lease_id, "
                          "lease_amount, lease_remaining, lease_expires_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
  [CACHE_STMT_POOL_DROP] = "DELETE FROM pool_leases WHERE account_id = ?",
  [CACHE_STMT_POOL_LIST] = "SELECT account_id FROM pool_leases UNION "
                           "SELECT account_id FROM outbox WHERE account_id != '' "
                           "ORDER BY 1",
  [CACHE_STMT_POOL_RESET_CURSORS] = "UPDATE pool_leases SET cursor = 0",
  [CACHE_STMT_OUTBOX_REJECT_ACCOUNT] = "INSERT OR REPLACE INTO rejected_ops "
                                       "(id, op, reason, rejected_at, account_id, team_name) "
                                       "SELECT id, op, ?, ?, account_id, team_name FROM outbox "
                                       "WHERE account_id = ?",
  [CACHE_STMT_OUTBOX_REMOVE_ACCOUNT] = "DELETE FROM outbox WHERE account_id = ?",
  [CACHE_STMT_OUTBOX_NAME_TEAM] = "UPDATE outbox SET team_name = ? "
                                  "WHERE account_id = ? AND team_name = ''",
};

static void
tally_cache_finalize (GObject *object)
{
  TallyCache *self = (TallyCache *) object;

  /* First: the writes still queued use the documents' tables. */
  g_clear_pointer (&self->writer, tally_cache_writer_free);
  tally_cache_conn_close (&self->reader);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->documents_queued, g_hash_table_unref);
  g_mutex_clear (&self->documents_lock);

  G_OBJECT_CLASS (tally_cache_parent_class)->finalize (object);
}

static void
tally_cache_class_init (TallyCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_cache_finalize;

  /**
   * TallyCache::changed:
   *
   * The mirrored ledger, the sync state or the outbox changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tally_cache_init (TallyCache *self)
{
  g_mutex_init (&self->documents_lock);
  self->documents_queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

gboolean
tally_cache_conn_error (TallyCacheConn  *conn,
                        GError         **error)
{
  sqlite3 *db = tally_ledger_get_sqlite (conn->ledger);

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
               _("The local cache could not be written: %s (SQLite %d)"),
               sqlite3_errmsg (db), sqlite3_extended_errcode (db));
  return FALSE;
}

sqlite3_stmt *
tally_cache_conn_stmt (TallyCacheConn *conn,
                       TallyCacheStmt  which)
{
  sqlite3_stmt *stmt = conn->stmts[which];

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

gboolean
tally_cache_conn_step_done (TallyCacheConn  *conn,
                            sqlite3_stmt    *stmt,
                            GError         **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return tally_cache_conn_error (conn, error);
  return TRUE;
}

void
tally_cache_conn_close (TallyCacheConn *conn)
{
  /* Before the ledger: SQLite closes no connection with statements open. */
  for (guint i = 0; i < N_CACHE_STMTS; i++)
    g_clear_pointer (&conn->stmts[i], sqlite3_finalize);
  g_clear_object (&conn->ledger);
}

TallyCacheConn *
tally_cache_reader (TallyCache *self)
{
  return &self->reader;
}

TallyCacheWriter *
tally_cache_get_writer (TallyCache *self)
{
  return self->writer;
}

void
tally_cache_take_state (TallyCache            *self,
                        guint64                generation,
                        const TallyCacheState *state)
{
  if (generation <= self->state_generation)
    return;

  self->state_generation = generation;
  self->cursor = state->cursor;
  self->lease = state->lease;
}

void
tally_cache_emit_changed (TallyCache *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * tally_cache_build_path:
 * @server_url: the server's base URL
 * @user_id: the signed-in user's UUID
 *
 * The id is checked to be a UUID, so a name from the network never
 * reaches outside the cache folder.
 *
 * Returns: (transfer full) (nullable): the cache file's path
 */
char *
tally_cache_build_path (const char *server_url,
                        const char *user_id)
{
  g_autofree char *url_hash = NULL;
  g_autofree char *file = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (server_url != NULL, NULL);

  if (user_id == NULL || !g_uuid_string_is_valid (user_id))
    return NULL;

  url_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, server_url, -1);
  url_hash[16] = '\0';
  /* One file per user, whatever case the id was written in. */
  lower = g_ascii_strdown (user_id, -1);
  file = g_strconcat (lower, ".db", NULL);

  return g_build_filename (g_get_user_data_dir (), "tally", "cache", url_hash, file, NULL);
}

gboolean
tally_cache_conn_prepare (TallyCacheConn  *conn,
                          GError         **error)
{
  sqlite3 *db = tally_ledger_get_sqlite (conn->ledger);

  for (guint i = 0; i < N_CACHE_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &conn->stmts[i],
                              NULL) != SQLITE_OK)
        return tally_cache_conn_error (conn, error);
    }

  return TRUE;
}

/* Reads the sync state as committed; @device_id may be NULL. */
static gboolean
read_state (TallyCacheConn   *conn,
            TallyCacheState  *state,
            char            **device_id,
            GError          **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_STATE_GET);
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      if (device_id != NULL)
        *device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      state->cursor = sqlite3_column_int64 (stmt, 1);
      memset (&state->lease, 0, sizeof state->lease);
      g_strlcpy (state->lease.id, (const char *) sqlite3_column_text (stmt, 2),
                 sizeof state->lease.id);
      state->lease.amount = sqlite3_column_int64 (stmt, 3);
      state->lease.remaining = sqlite3_column_int64 (stmt, 4);
      state->lease.expires_at = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                 _("The local cache has no sync state"));
  else
    tally_cache_conn_error (conn, error);
  return FALSE;
}

gboolean
tally_cache_conn_load_state (TallyCacheConn   *conn,
                             TallyCacheState  *state,
                             GError          **error)
{
  return read_state (conn, state, NULL, error);
}

/* The device id is made once, the first time the file is opened, before
 * the writer's connection is. */
static gboolean
init_state (TallyCache  *self,
            GError     **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (&self->reader, CACHE_STMT_STATE_INIT);
  g_autofree char *device_id = g_uuid_string_random ();
  TallyCacheState state;

  sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_TRANSIENT);
  if (!tally_cache_conn_step_done (&self->reader, stmt, error) ||
      !read_state (&self->reader, &state, &self->device_id, error))
    return FALSE;

  self->cursor = state.cursor;
  self->lease = state.lease;
  return TRUE;
}

static gboolean
make_parent_folder (const char  *path,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved_errno;

  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Cannot create the cache folder “%s”: %s"), dir, g_strerror (saved_errno));
  return FALSE;
}

/**
 * tally_cache_open:
 * @path: the cache file, e.g. from tally_cache_build_path()
 * @error: return location for a #GError
 *
 * Opens the cache, creating the file, its folders and its tables as
 * needed. The file is a libtally mirror with synchronous=FULL commits;
 * the writes are made on the cache's writer thread, through a second
 * connection.
 *
 * Returns: (transfer full): the cache, or %NULL with @error set
 */
TallyCache *
tally_cache_open (const char  *path,
                  GError     **error)
{
  g_autoptr(TallyCache) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!make_parent_folder (path, error))
    return NULL;

  self = g_object_new (TALLY_TYPE_CACHE, NULL);
  self->reader.ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, error);
  if (self->reader.ledger == NULL)
    return NULL;

  if (!tally_ledger_migrate_component (self->reader.ledger, "app", app_migrations,
                                       G_N_ELEMENTS (app_migrations), error) ||
      !tally_cache_conn_prepare (&self->reader, error) ||
      !init_state (self, error))
    return NULL;

  self->writer = tally_cache_writer_new (path, error);
  if (self->writer == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * tally_cache_get_ledger:
 * @self: a #TallyCache
 *
 * The mirror as the UI thread reads it, for statement queries and
 * exports. Writes go through the cache, which makes them on its writer
 * thread.
 *
 * Returns: (transfer none): the ledger
 */
TallyLedger *
tally_cache_get_ledger (TallyCache *self)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  return self->reader.ledger;
}

const char *
tally_cache_get_device_id (TallyCache *self)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  return self->device_id;
}

/* --- documents --- */

/* The writer stores every document asked for since the last time, in one
 * transaction with synchronous=NORMAL: a document is a copy of the
 * server's answer, so a power cut may take the last one back (it is
 * asked for again on the next start) but never tears the file. A run
 * event brings a new /v1/me each time; queued ones fold into one write,
 * and one the file already holds is not written at all. */
static gboolean
put_documents (TallyCacheConn  *conn,
               GHashTable      *documents,
               GError         **error)
{
  sqlite3 *db = tally_ledger_get_sqlite (conn->ledger);
  GHashTableIter iter;
  gpointer name, body;
  gboolean ok;

  if (sqlite3_exec (db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
    return tally_cache_conn_error (conn, error);
  if (!tally_ledger_begin (conn->ledger, error))
    return FALSE;

  ok = TRUE;
  g_hash_table_iter_init (&iter, documents);
  while (ok && g_hash_table_iter_next (&iter, &name, &body))
    {
      sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_DOCUMENT_PUT);

      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, body, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
      ok = tally_cache_conn_step_done (conn, stmt, error);
    }

  if (ok)
    ok = tally_ledger_commit (conn->ledger, error);
  else
    tally_ledger_rollback (conn->ledger);
  sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  return ok;
}

/* On the writer thread; @data is the cache, which waits for this write
 * before it is finalized. */
static gboolean
store_queued_documents (TallyCacheConn  *conn,
                        gpointer         data,
                        gboolean        *changed,
                        GError         **error)
{
  TallyCache *self = data;
  g_autoptr(GHashTable) writing = NULL;
  gboolean ok;

  g_mutex_lock (&self->documents_lock);
  writing = g_steal_pointer (&self->documents_queued);
  self->documents_queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->documents_writing = writing;
  g_mutex_unlock (&self->documents_lock);

  ok = put_documents (conn, writing, error);

  g_mutex_lock (&self->documents_lock);
  self->documents_writing = NULL;
  g_mutex_unlock (&self->documents_lock);
  return ok;
}

/**
 * tally_cache_set_document:
 * @self: a #TallyCache
 * @name: the document's name, e.g. "me"
 * @document: the document
 * @error: return location for a #GError
 *
 * Queues @document for the writer thread and returns at once: a
 * following tally_cache_get_document() gives it back, and the cache is
 * not finalized before it is written. A document is a copy of the
 * server's answer, so it is committed without waiting for the disk
 * (synchronous=NORMAL); a failure is logged.
 *
 * Returns: %TRUE
 */
gboolean
tally_cache_set_document (TallyCache  *self,
                          const char  *name,
                          JsonNode    *document,
                          GError     **error)
{
  gboolean first;

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (name != NULL && name[0] != '\0', FALSE);
  g_return_val_if_fail (document != NULL, FALSE);

  g_mutex_lock (&self->documents_lock);
  first = g_hash_table_size (self->documents_queued) == 0;
  g_hash_table_replace (self->documents_queued, g_strdup (name),
                        json_to_string (document, FALSE));
  g_mutex_unlock (&self->documents_lock);

  /* One write takes every document queued until it starts. */
  if (first)
    tally_cache_write_later (self, store_queued_documents, self, NULL);
  return TRUE;
}

/* The text of @name as last asked for, while not in the file yet. */
static char *
lookup_queued_document (TallyCache *self,
                        const char *name)
{
  char *body;

  g_mutex_lock (&self->documents_lock);
  body = g_strdup (g_hash_table_lookup (self->documents_queued, name));
  if (body == NULL && self->documents_writing != NULL)
    body = g_strdup (g_hash_table_lookup (self->documents_writing, name));
  g_mutex_unlock (&self->documents_lock);
  return body;
}

static char *
read_document (TallyCache *self,
               const char *name)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (&self->reader, CACHE_STMT_DOCUMENT_GET);
  char *body = NULL;

  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    body = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return body;
}

/**
 * tally_cache_get_document:
 * @self: a #TallyCache
 * @name: the document's name, e.g. "me"
 *
 * Returns: (transfer full) (nullable): the document as it was last set
 */
JsonNode *
tally_cache_get_document (TallyCache *self,
                          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  JsonNode *document;

  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  body = lookup_queued_document (self, name);
  if (body == NULL)
    body = read_document (self, name);
  if (body == NULL)
    return NULL;

  document = json_from_string (body, &error);
  if (error != NULL)
    g_warning ("The cached document “%s” is not JSON: %s", name, error->message);
  return document;
}

/* --- sync state --- */

gint64
tally_cache_get_cursor (TallyCache *self)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), 0);

  return self->cursor;
}

void
tally_cache_get_lease (TallyCache      *self,
                       TallyCacheLease *out)
{
  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (out != NULL);

  *out = self->lease;
}

gboolean
tally_cache_lookup_account (TallyCache   *self,
                            const char   *account_id,
                            TallyAccount *out)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return tally_ledger_lookup_account (self->reader.ledger, account_id, out, NULL);
}

/* --- applying a sync answer, on the writer thread --- */

static gboolean
mirror_accounts (TallyLedger  *ledger,
                 GArray       *accounts,
                 GError      **error)
{
  for (guint i = 0; i < accounts->len; i++)
    {
      if (!tally_ledger_mirror_account (ledger, &g_array_index (accounts, TallyAccount, i),
                                        error))
        return FALSE;
    }

  return TRUE;
}

/* The other side of a transfer (a system account, the device's lease
 * account) is known to the mirror only by its id. */
static gboolean
mirror_counterparty (TallyLedger        *ledger,
                     const char         *account_id,
                     TallyTransferKind   kind,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyAccount account;

  if (tally_ledger_lookup_account (ledger, account_id, &account, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  tally_account_init (&account, account_id,
                      kind == TALLY_TRANSFER_KIND_LEASE ? TALLY_ACCOUNT_KIND_LEASE
                                                        : TALLY_ACCOUNT_KIND_SYSTEM,
                      TALLY_ACCOUNT_FLAG_NONE, "", "UTC");
  return tally_ledger_mirror_account (ledger, &account, error);
}

static gboolean
mirror_counterparties (TallyLedger  *ledger,
                       GArray       *transfers,
                       GError      **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < transfers->len; i++)
    {
      TallyTransfer *t = &g_array_index (transfers, TallyTransfer, i);
      const char *sides[] = { t->debit_account_id, t->credit_account_id };

      for (guint s = 0; s < G_N_ELEMENTS (sides); s++)
        {
          if (!g_hash_table_add (seen, (gpointer) sides[s]))
            continue;
          if (!mirror_counterparty (ledger, sides[s], t->kind, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Writes the sync state; @lease NULL records that the device holds none. */
static gboolean
put_state (TallyCacheConn         *conn,
           gint64                  cursor,
           const TallyCacheLease  *lease,
           GError                **error)
{
  static const TallyCacheLease no_lease = { { 0 }, 0, 0, 0 };
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_STATE_PUT);

  if (lease == NULL)
    lease = &no_lease;

  sqlite3_bind_int64 (stmt, 1, cursor);
  sqlite3_bind_text (stmt, 2, lease->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, lease->amount);
  sqlite3_bind_int64 (stmt, 4, lease->remaining);
  sqlite3_bind_int64 (stmt, 5, lease->expires_at);

  return tally_cache_conn_step_done (conn, stmt, error);
}

gboolean
tally_cache_settle_results (TallyCacheConn  *conn,
                            GArray          *results,
                            GError         **error)
{
  for (guint i = 0; i < results->len; i++)
    {
      if (!tally_cache_outbox_settle (conn, &g_array_index (results, TallyCacheOpResult, i),
                                      error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
apply_decoded (TallyCacheConn    *conn,
               TallyCacheAnswer  *answer,
               GError           **error)
{
  TallyCacheState state;

  return tally_cache_conn_load_state (conn, &state, error) &&
         mirror_accounts (conn->ledger, answer->accounts, error) &&
         mirror_counterparties (conn->ledger, answer->transfers, error) &&
         tally_ledger_mirror_transfers (conn->ledger, (TallyTransfer *) answer->transfers->data,
                                        answer->transfers->len, error) &&
         /* An answer to an older request never takes the cursor back. */
         put_state (conn, MAX (state.cursor, answer->cursor), &answer->lease, error) &&
         tally_cache_settle_results (conn, answer->results, error);
}

/* Ends the transaction a change to the mirror began: commits it once
 * @written says the change went in whole, rolls it back otherwise
 * (@error is then already set). */
gboolean
tally_cache_finish_change (TallyCacheConn  *conn,
                           gboolean         written,
                           gboolean        *changed,
                           GError         **error)
{
  if (!written)
    {
      tally_ledger_rollback (conn->ledger);
      return FALSE;
    }

  if (!tally_ledger_commit (conn->ledger, error))
    return FALSE;

  *changed = TRUE;
  return TRUE;
}

static gboolean
write_answer (TallyCacheConn  *conn,
              gpointer         data,
              gboolean        *changed,
              GError         **error)
{
  if (!tally_ledger_begin (conn->ledger, error))
    return FALSE;

  return tally_cache_finish_change (conn, apply_decoded (conn, data, error), changed, error);
}

void
tally_cache_answer_free (gpointer data)
{
  TallyCacheAnswer *answer = data;

  tally_cache_answer_clear (answer);
  g_free (answer);
}

/* Decoded on the calling thread: the JSON stays there. */
TallyCacheAnswer *
tally_cache_answer_new (JsonObject  *object,
                        GError     **error)
{
  TallyCacheAnswer *answer = g_new0 (TallyCacheAnswer, 1);

  if (!tally_cache_decode_answer (object, answer, error))
    {
      tally_cache_answer_free (answer);
      return NULL;
    }

  return answer;
}

/**
 * tally_cache_apply_sync_answer:
 * @self: a #TallyCache
 * @answer: the body of a POST /v1/sync answer
 * @error: return location for a #GError
 *
 * Applies the whole answer in one transaction, or nothing of it: a
 * malformed answer gives %TALLY_CACHE_ERROR_INVALID_ANSWER, one the mirror
 * cannot follow a %TALLY_LEDGER_ERROR. Waits for the writer thread; the
 * app uses tally_cache_apply_sync_answer_async().
 *
 * Returns: %TRUE when the answer was applied
 */
gboolean
tally_cache_apply_sync_answer (TallyCache  *self,
                               JsonObject  *answer,
                               GError     **error)
{
  TallyCacheAnswer *decoded;

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (answer != NULL, FALSE);

  decoded = tally_cache_answer_new (answer, error);
  if (decoded == NULL)
    return FALSE;

  return tally_cache_write (self, write_answer, decoded, tally_cache_answer_free, error);
}

/**
 * tally_cache_apply_sync_answer_async:
 * @self: a #TallyCache
 * @answer: the body of a POST /v1/sync answer
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the calling thread's main context once applied
 * @user_data: passed to @callback
 *
 * Checks and decodes @answer at once, then mirrors it on the writer
 * thread as tally_cache_apply_sync_answer() would; ::changed is emitted
 * on the calling thread's main context just before @callback.
 */
void
tally_cache_apply_sync_answer_async (TallyCache          *self,
                                     JsonObject          *answer,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  TallyCacheAnswer *decoded;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (answer != NULL);

  decoded = tally_cache_answer_new (answer, &error);
  if (decoded == NULL)
    {
      tally_cache_write_failed (self, g_steal_pointer (&error), tally_cache_apply_sync_answer_async,
                                cancellable, callback, user_data);
      return;
    }

  tally_cache_write_async (self, write_answer, decoded, tally_cache_answer_free,
                           tally_cache_apply_sync_answer_async, cancellable, callback, user_data);
}

gboolean
tally_cache_apply_sync_answer_finish (TallyCache    *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return tally_cache_write_finish (self, result, tally_cache_apply_sync_answer_async, error);
}

static gboolean
write_reset (TallyCacheConn  *conn,
             gpointer         data,
             gboolean        *changed,
             GError         **error)
{
  if (!tally_ledger_begin (conn->ledger, error))
    return FALSE;

  return tally_cache_finish_change (conn,
                               tally_ledger_mirror_clear (conn->ledger, error) &&
                               put_state (conn, 0, NULL, error) &&
                               tally_cache_conn_step_done (
                                 conn, tally_cache_conn_stmt (conn,
                                                              CACHE_STMT_POOL_RESET_CURSORS),
                                 error),
                               changed, error);
}

/**
 * tally_cache_reset_mirror:
 * @self: a #TallyCache
 * @error: return location for a #GError
 *
 * Starts the mirror over, for a server whose ledger is behind the cursor.
 * The rows go in place, in one SQLite transaction with the sync state,
 * rather than by building a new file and renaming it over this one: the
 * file is in WAL mode and its ledger is held open by others (the cache's
 * reader, the history page), and a rename under an open connection or a
 * leftover -wal would pair the new file with the old log. In place, a
 * crash leaves the cache either untouched or reset, and the outbox is
 * never written at all. Waits for the writer thread.
 *
 * Returns: %TRUE when the mirror is empty and the cursor 0
 */
gboolean
tally_cache_reset_mirror (TallyCache  *self,
                          GError     **error)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);

  return tally_cache_write (self, write_reset, NULL, NULL, error);
}

void
tally_cache_reset_mirror_async (TallyCache          *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_CACHE (self));

  tally_cache_write_async (self, write_reset, NULL, NULL, tally_cache_reset_mirror_async,
                           cancellable, callback, user_data);
}

gboolean
tally_cache_reset_mirror_finish (TallyCache    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return tally_cache_write_finish (self, result, tally_cache_reset_mirror_async, error);
}

static gboolean
write_no_lease (TallyCacheConn  *conn,
                gpointer         data,
                gboolean        *changed,
                GError         **error)
{
  TallyCacheState state;

  if (!tally_cache_conn_load_state (conn, &state, error) ||
      !put_state (conn, state.cursor, NULL, error))
    return FALSE;

  *changed = TRUE;
  return TRUE;
}

static void
lease_forgotten (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tally_cache_write_finish (TALLY_CACHE (source), result, tally_cache_forget_lease, &error))
    g_warning ("The local cache could not forget the lease: %s", error->message);
}

/**
 * tally_cache_forget_lease:
 * @self: a #TallyCache
 *
 * Records that the device holds no lease: the server gave it back to pay
 * for an online run (its answer said `"lease": null`). The cache says so
 * at once; the write is made on the writer thread (a failure is logged)
 * and emits ::changed. The next sync brings the new lease.
 */
void
tally_cache_forget_lease (TallyCache *self)
{
  g_return_if_fail (TALLY_IS_CACHE (self));

  /* No earlier write's state, taken later, brings the lease back. */
  self->state_generation = tally_cache_write_async (self, write_no_lease, NULL, NULL,
                                                    tally_cache_forget_lease, NULL,
                                                    lease_forgotten, NULL);
  memset (&self->lease, 0, sizeof self->lease);
}
