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
  GObject          parent_instance;

  TallyLedger     *ledger;
  sqlite3_stmt    *stmts[N_CACHE_STMTS];

  /* The sync state as last committed. */
  char            *device_id;
  gint64           cursor;
  TallyCacheLease  lease;
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
};

static const char * const stmt_sql[N_CACHE_STMTS] = {
  [CACHE_STMT_DOCUMENT_PUT] = "INSERT OR REPLACE INTO documents (name, body, saved_at) "
                              "VALUES (?, ?, ?)",
  [CACHE_STMT_DOCUMENT_GET] = "SELECT body FROM documents WHERE name = ?",
  [CACHE_STMT_STATE_INIT] = "INSERT OR IGNORE INTO sync_state (singleton, device_id) VALUES (1, ?)",
  [CACHE_STMT_STATE_GET] = "SELECT device_id, cursor, lease_id, lease_amount, lease_remaining, "
                           "lease_expires_at FROM sync_state WHERE singleton = 1",
  [CACHE_STMT_STATE_PUT] = "UPDATE sync_state SET cursor = ?, lease_id = ?, lease_amount = ?, "
                           "lease_remaining = ?, lease_expires_at = ? WHERE singleton = 1",
  [CACHE_STMT_OUTBOX_ADD] = "INSERT OR IGNORE INTO outbox (id, op, cost, added_at) "
                            "VALUES (?, ?, ?, ?)",
  [CACHE_STMT_OUTBOX_PEEK] = "SELECT op FROM outbox ORDER BY position LIMIT ?",
  [CACHE_STMT_OUTBOX_TOTALS] = "SELECT count(*), COALESCE (sum (cost), 0) FROM outbox",
  [CACHE_STMT_OUTBOX_REJECT] = "INSERT OR REPLACE INTO rejected_ops (id, op, reason, rejected_at) "
                               "SELECT id, op, ?, ? FROM outbox WHERE id = ?",
  [CACHE_STMT_OUTBOX_REMOVE] = "DELETE FROM outbox WHERE id = ?",
  [CACHE_STMT_REJECTED_LIST] = "SELECT id, op, reason, rejected_at FROM rejected_ops "
                               "ORDER BY rejected_at DESC, rowid DESC",
  [CACHE_STMT_REJECTED_DISMISS] = "DELETE FROM rejected_ops WHERE id = ?",
  [CACHE_STMT_ALERT_ADD] = "INSERT OR IGNORE INTO alerts (id, created_at, body) VALUES (?, ?, ?)",
  [CACHE_STMT_ALERT_LIST] = "SELECT body FROM alerts ORDER BY created_at DESC, id DESC LIMIT ?",
};

static void
tally_cache_finalize (GObject *object)
{
  TallyCache *self = (TallyCache *) object;

  /* Before the ledger: SQLite closes no connection with statements open. */
  for (guint i = 0; i < N_CACHE_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_object (&self->ledger);
  g_clear_pointer (&self->device_id, g_free);

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
}

gboolean
tally_cache_storage_error (TallyCache  *self,
                           GError     **error)
{
  sqlite3 *db = tally_ledger_get_sqlite (self->ledger);

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
               _("The local cache could not be written: %s (SQLite %d)"),
               sqlite3_errmsg (db), sqlite3_extended_errcode (db));
  return FALSE;
}

sqlite3_stmt *
tally_cache_stmt (TallyCache     *self,
                  TallyCacheStmt  which)
{
  sqlite3_stmt *stmt = self->stmts[which];

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

gboolean
tally_cache_step_done (TallyCache    *self,
                       sqlite3_stmt  *stmt,
                       GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return tally_cache_storage_error (self, error);
  return TRUE;
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

static gboolean
prepare_statements (TallyCache  *self,
                    GError     **error)
{
  sqlite3 *db = tally_ledger_get_sqlite (self->ledger);

  for (guint i = 0; i < N_CACHE_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[i],
                              NULL) != SQLITE_OK)
        return tally_cache_storage_error (self, error);
    }

  return TRUE;
}

/* Reads the sync state as committed into the object. */
static gboolean
load_state (TallyCache  *self,
            GError     **error)
{
  sqlite3_stmt *stmt = tally_cache_stmt (self, CACHE_STMT_STATE_GET);
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      g_free (self->device_id);
      self->device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      self->cursor = sqlite3_column_int64 (stmt, 1);
      memset (&self->lease, 0, sizeof self->lease);
      g_strlcpy (self->lease.id, (const char *) sqlite3_column_text (stmt, 2),
                 sizeof self->lease.id);
      self->lease.amount = sqlite3_column_int64 (stmt, 3);
      self->lease.remaining = sqlite3_column_int64 (stmt, 4);
      self->lease.expires_at = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                 _("The local cache has no sync state"));
  else
    tally_cache_storage_error (self, error);
  return FALSE;
}

/* The device id is made once, the first time the file is opened. */
static gboolean
init_state (TallyCache  *self,
            GError     **error)
{
  sqlite3_stmt *stmt = tally_cache_stmt (self, CACHE_STMT_STATE_INIT);
  g_autofree char *device_id = g_uuid_string_random ();

  sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_TRANSIENT);
  return tally_cache_step_done (self, stmt, error) && load_state (self, error);
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
 * needed. The file is a libtally mirror with synchronous=FULL commits.
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
  self->ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, error);
  if (self->ledger == NULL)
    return NULL;

  if (!tally_ledger_migrate_component (self->ledger, "app", app_migrations,
                                       G_N_ELEMENTS (app_migrations), error) ||
      !prepare_statements (self, error) ||
      !init_state (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * tally_cache_get_ledger:
 * @self: a #TallyCache
 *
 * The mirror, for statement queries and exports. Writes go through the
 * cache.
 *
 * Returns: (transfer none): the ledger
 */
TallyLedger *
tally_cache_get_ledger (TallyCache *self)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  return self->ledger;
}

const char *
tally_cache_get_device_id (TallyCache *self)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  return self->device_id;
}

/* --- documents --- */

gboolean
tally_cache_set_document (TallyCache  *self,
                          const char  *name,
                          JsonNode    *document,
                          GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *body = NULL;

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (name != NULL && name[0] != '\0', FALSE);
  g_return_val_if_fail (document != NULL, FALSE);

  body = json_to_string (document, FALSE);
  stmt = tally_cache_stmt (self, CACHE_STMT_DOCUMENT_PUT);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());

  return tally_cache_step_done (self, stmt, error);
}

/**
 * tally_cache_get_document:
 * @self: a #TallyCache
 * @name: the document's name, e.g. "me"
 *
 * Returns: (transfer full) (nullable): the document as it was stored
 */
JsonNode *
tally_cache_get_document (TallyCache *self,
                          const char *name)
{
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;
  JsonNode *document = NULL;

  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stmt = tally_cache_stmt (self, CACHE_STMT_DOCUMENT_GET);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    document = json_from_string ((const char *) sqlite3_column_text (stmt, 0), &error);
  sqlite3_reset (stmt);

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

  return tally_ledger_lookup_account (self->ledger, account_id, out, NULL);
}

/* --- applying a sync answer --- */

static gboolean
mirror_accounts (TallyCache  *self,
                 GArray      *accounts,
                 GError     **error)
{
  for (guint i = 0; i < accounts->len; i++)
    {
      if (!tally_ledger_mirror_account (self->ledger, &g_array_index (accounts, TallyAccount, i),
                                        error))
        return FALSE;
    }

  return TRUE;
}

/* The other side of a transfer (a system account, the device's lease
 * account) is known to the mirror only by its id. */
static gboolean
mirror_counterparty (TallyCache         *self,
                     const char         *account_id,
                     TallyTransferKind   kind,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyAccount account;

  if (tally_ledger_lookup_account (self->ledger, account_id, &account, &local_error))
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
  return tally_ledger_mirror_account (self->ledger, &account, error);
}

static gboolean
mirror_counterparties (TallyCache  *self,
                       GArray      *transfers,
                       GError     **error)
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
          if (!mirror_counterparty (self, sides[s], t->kind, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Writes the sync state; @lease NULL records that the device holds none. */
static gboolean
put_state (TallyCache             *self,
           gint64                  cursor,
           const TallyCacheLease  *lease,
           GError                **error)
{
  static const TallyCacheLease no_lease = { { 0 }, 0, 0, 0 };
  sqlite3_stmt *stmt = tally_cache_stmt (self, CACHE_STMT_STATE_PUT);

  if (lease == NULL)
    lease = &no_lease;

  sqlite3_bind_int64 (stmt, 1, cursor);
  sqlite3_bind_text (stmt, 2, lease->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, lease->amount);
  sqlite3_bind_int64 (stmt, 4, lease->remaining);
  sqlite3_bind_int64 (stmt, 5, lease->expires_at);

  return tally_cache_step_done (self, stmt, error);
}

static gboolean
settle_outbox (TallyCache  *self,
               GArray      *results,
               GError     **error)
{
  for (guint i = 0; i < results->len; i++)
    {
      if (!tally_cache_outbox_settle (self, &g_array_index (results, TallyCacheOpResult, i),
                                      error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
apply_decoded (TallyCache        *self,
               TallyCacheAnswer  *answer,
               GError           **error)
{
  return mirror_accounts (self, answer->accounts, error) &&
         mirror_counterparties (self, answer->transfers, error) &&
         tally_ledger_mirror_transfers (self->ledger, (TallyTransfer *) answer->transfers->data,
                                        answer->transfers->len, error) &&
         /* An answer to an older request never takes the cursor back. */
         put_state (self, MAX (self->cursor, answer->cursor), &answer->lease, error) &&
         settle_outbox (self, answer->results, error);
}

/* Ends the transaction a change to the mirror began: commits it and tells
 * the views once @written says the change went in whole, rolls it back
 * otherwise (@error is then already set). */
static gboolean
finish_mirror_change (TallyCache  *self,
                      gboolean     written,
                      GError     **error)
{
  if (!written)
    {
      tally_ledger_rollback (self->ledger);
      return FALSE;
    }

  if (!tally_ledger_commit (self->ledger, error) || !load_state (self, error))
    return FALSE;

  tally_cache_emit_changed (self);
  return TRUE;
}

/**
 * tally_cache_apply_sync_answer:
 * @self: a #TallyCache
 * @answer: the body of a POST /v1/sync answer
 * @error: return location for a #GError
 *
 * Applies the whole answer in one transaction, or nothing of it: a
 * malformed answer gives %TALLY_CACHE_ERROR_INVALID_ANSWER, one the mirror
 * cannot follow a %TALLY_LEDGER_ERROR.
 *
 * Returns: %TRUE when the answer was applied
 */
gboolean
tally_cache_apply_sync_answer (TallyCache  *self,
                               JsonObject  *answer,
                               GError     **error)
{
  g_auto(TallyCacheAnswer) decoded = { NULL, NULL, NULL, 0, { { 0 }, 0, 0, 0 } };

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (answer != NULL, FALSE);

  if (!tally_cache_decode_answer (answer, &decoded, error) ||
      !tally_ledger_begin (self->ledger, error))
    return FALSE;

  return finish_mirror_change (self, apply_decoded (self, &decoded, error), error);
}

/**
 * tally_cache_reset_mirror:
 * @self: a #TallyCache
 * @error: return location for a #GError
 *
 * Starts the mirror over, for a server whose ledger is behind the cursor.
 * The rows go in place, in one SQLite transaction with the sync state,
 * rather than by building a new file and renaming it over this one: the
 * file is in WAL mode and its ledger may be held open by others (the
 * history page), and a rename under an open connection or a leftover -wal
 * would pair the new file with the old log. In place, a crash leaves the
 * cache either untouched or reset, and the outbox is never written at all.
 *
 * Returns: %TRUE when the mirror is empty and the cursor 0
 */
gboolean
tally_cache_reset_mirror (TallyCache  *self,
                          GError     **error)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);

  if (!tally_ledger_begin (self->ledger, error))
    return FALSE;

  return finish_mirror_change (self,
                               tally_ledger_mirror_clear (self->ledger, error) &&
                               put_state (self, 0, NULL, error),
                               error);
}

/**
 * tally_cache_forget_lease:
 * @self: a #TallyCache
 * @error: return location for a #GError
 *
 * Records that the device holds no lease: the server gave it back to pay
 * for an online run (its answer said `"lease": null`). The next sync
 * brings the new one.
 *
 * Returns: %TRUE when recorded
 */
gboolean
tally_cache_forget_lease (TallyCache  *self,
                          GError     **error)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);

  if (!put_state (self, self->cursor, NULL, error) || !load_state (self, error))
    return FALSE;

  tally_cache_emit_changed (self);
  return TRUE;
}
