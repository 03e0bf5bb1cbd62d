/* tally-store.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store.h"
#include "tally-store-private.h"
#include "tally-store-schema.h"
#include "tally-store-wal.h"

struct _TallyStore
{
  GObject      parent_instance;

  TallyLedger *ledger;
  sqlite3     *db;
  /* SQL text (always a literal) -> prepared statement. */
  GHashTable  *statements;
  /* While the writer syncs the WAL itself. */
  TallyStoreWal *wal;
};

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyStore, tally_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TALLY_TYPE_RULES_STORE,
                                                      tally_store_rules_store_init)
                               G_IMPLEMENT_INTERFACE (TALLY_TYPE_API_STORE,
                                                      tally_store_api_store_init))

G_DEFINE_QUARK (tally-store-error-quark, tally_store_error)


static const char * const role_names[] = {
  [TALLY_ROLE_MEMBER] = "member",
  [TALLY_ROLE_TEAM_OWNER] = "team_owner",
  [TALLY_ROLE_ADMIN] = "admin",
};

#define USER_COLUMNS TALLY_STORE_USER_COLUMNS

const char *
tally_role_to_string (TallyRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);

  return role_names[role];
}

gboolean
tally_role_from_string (const char *str,
                        TallyRole  *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    {
      if (g_strcmp0 (str, role_names[i]) == 0)
        {
          *role = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* "%text%" with LIKE's own characters escaped (ESCAPE '\\'), so "50%"
 * means 50%. */
char *
tally_store_like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *c);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

static void
tally_store_finalize (GObject *object)
{
  TallyStore *self = (TallyStore *) object;

  g_clear_pointer (&self->wal, tally_store_wal_give_back_sync);
  /* The statements go before the connection they belong to. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (tally_store_parent_class)->finalize (object);
}

static void
tally_store_class_init (TallyStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_store_finalize;
}

static void
tally_store_init (TallyStore *self)
{
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) sqlite3_finalize);
}

TallyStore *
tally_store_new (TallyLedger  *ledger,
                 GError      **error)
{
  g_autoptr(TallyStore) self = NULL;
  const char * const *migrations;
  guint n_migrations;

  g_return_val_if_fail (TALLY_IS_LEDGER (ledger), NULL);

  migrations = tally_store_schema_migrations (&n_migrations);
  if (!tally_ledger_migrate_component (ledger, "server", migrations, n_migrations, error))
    return NULL;

  self = g_object_new (TALLY_TYPE_STORE, NULL);
  self->ledger = g_object_ref (ledger);
  self->db = tally_ledger_get_sqlite (ledger);
  /* What is deleted or overwritten is zeroed in the file, not left in free
   * space: an erased user's email must not survive in the bytes. */
  if (sqlite3_exec (self->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* For a worker thread's read-only connection: the tables are as the
 * server's own store left them, so nothing is migrated. */
TallyStore *
tally_store_new_reader (TallyLedger *ledger)
{
  TallyStore *self;

  g_return_val_if_fail (TALLY_IS_LEDGER (ledger), NULL);

  self = g_object_new (TALLY_TYPE_STORE, NULL);
  self->ledger = g_object_ref (ledger);
  self->db = tally_ledger_get_sqlite (ledger);
  return self;
}

/* --- sweeps --- */

/* After the writer's group commit (G_PRIORITY_DEFAULT_IDLE), before
 * anything of low priority. */
#define SWEEP_PASS_PRIORITY (G_PRIORITY_DEFAULT_IDLE + 10)

typedef struct
{
  char           *path;
  TallySweepFunc  func;
  gpointer        data;
  GDestroyNotify  destroy;

  /* The main loop's: between two batches, the worker waits until it has
   * gone round once, so the writer's commit queued meanwhile goes first. */
  GMainContext   *context;
  GMutex          mutex;
  GCond           cond;
  gboolean        passed;
} Sweep;

static void
sweep_free (gpointer data)
{
  Sweep *sweep = data;

  if (sweep->destroy != NULL)
    sweep->destroy (sweep->data);
  g_main_context_unref (sweep->context);
  g_mutex_clear (&sweep->mutex);
  g_cond_clear (&sweep->cond);
  g_free (sweep->path);
  g_free (sweep);
}

static gboolean
let_pass (gpointer data)
{
  Sweep *sweep = g_task_get_task_data (data);

  g_mutex_lock (&sweep->mutex);
  sweep->passed = TRUE;
  g_cond_signal (&sweep->cond);
  g_mutex_unlock (&sweep->mutex);
  return G_SOURCE_REMOVE;
}

/* SQLite's busy handler sleeps and retries: a worker that began its next
 * transaction at once would keep the writer waiting for the whole sweep. */
static void
wait_for_main_loop (GTask        *task,
                    Sweep        *sweep,
                    GCancellable *cancellable)
{
  g_autoptr(GSource) pass = g_idle_source_new ();

  g_mutex_lock (&sweep->mutex);
  sweep->passed = FALSE;
  /* A source, never a call here: this thread may acquire the context
   * while the main loop does not run. The task keeps the sweep alive for
   * a pass that comes after a cancel. */
  g_source_set_priority (pass, SWEEP_PASS_PRIORITY);
  g_source_set_callback (pass, let_pass, g_object_ref (task), g_object_unref);
  g_source_attach (pass, sweep->context);
  while (!sweep->passed && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&sweep->cond, &sweep->mutex,
                       g_get_monotonic_time () + G_USEC_PER_SEC / 10);
  g_mutex_unlock (&sweep->mutex);
}

/* A store on a worker's read-write connection: zeroes what it deletes, as
 * the server's own does. */
static TallyStore *
new_sweeper (TallyLedger  *ledger,
             GError      **error)
{
  g_autoptr(TallyStore) self = tally_store_new_reader (ledger);

  if (sqlite3_exec (self->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

static gboolean
sweep_batch (Sweep       *sweep,
             TallyStore  *store,
             gboolean    *more,
             GError     **error)
{
  TallyLedger *ledger = tally_store_get_ledger (store);

  if (!tally_ledger_begin (ledger, error))
    return FALSE;
  if (!sweep->func (store, sweep->data, more, error))
    {
      tally_ledger_rollback (ledger);
      return FALSE;
    }
  return tally_ledger_commit (ledger, error);
}

static void
sweep_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  Sweep *sweep = data;
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(TallyStore) store = NULL;
  GError *error = NULL;
  gboolean more = TRUE;

  ledger = tally_ledger_open (sweep->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  if (ledger != NULL)
    store = new_sweeper (ledger, &error);
  while (store != NULL && more && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      more = FALSE;
      if (!sweep_batch (sweep, store, &more, &error))
        break;
      if (more)
        wait_for_main_loop (task, sweep, cancellable);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
tally_store_sweep_async (TallyStore          *self,
                         TallySweepFunc       func,
                         gpointer             data,
                         GDestroyNotify       destroy,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Sweep *sweep;

  g_return_if_fail (TALLY_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  sweep = g_new0 (Sweep, 1);
  sweep->path = g_strdup (tally_ledger_get_path (self->ledger));
  sweep->func = func;
  sweep->data = data;
  sweep->destroy = destroy;
  sweep->context = g_main_context_ref_thread_default ();
  g_mutex_init (&sweep->mutex);
  g_cond_init (&sweep->cond);
  g_task_set_source_tag (task, tally_store_sweep_async);
  g_task_set_task_data (task, sweep, sweep_free);
  g_task_run_in_thread (task, sweep_in_thread);
}

gboolean
tally_store_sweep_finish (TallyStore    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

TallyLedger *
tally_store_get_ledger (TallyStore *self)
{
  g_return_val_if_fail (TALLY_IS_STORE (self), NULL);

  return self->ledger;
}

gboolean
tally_store_sqlite_failed (TallyStore  *self,
                           GError     **error)
{
  g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED, "Storage error: %s",
               sqlite3_errmsg (self->db));
  return FALSE;
}

const char *
tally_store_defer_sync (TallyStore      *self,
                        TallyCommitHook  committed,
                        gpointer         data)
{
  g_return_val_if_fail (TALLY_IS_STORE (self), NULL);
  g_return_val_if_fail (self->wal == NULL, NULL);

  self->wal = tally_store_wal_take_sync (self->ledger, committed, data);
  return self->wal != NULL ? tally_store_wal_get_path (self->wal) : NULL;
}

void
tally_store_end_deferred_sync (TallyStore *self)
{
  g_return_if_fail (TALLY_IS_STORE (self));

  g_clear_pointer (&self->wal, tally_store_wal_give_back_sync);
}

/* Prepared once and kept, keyed by the SQL text's address: callers only
 * ever pass literals. */
sqlite3_stmt *
tally_store_prepare (TallyStore  *self,
                     const char  *sql,
                     GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
tally_store_step_done (TallyStore    *self,
                       sqlite3_stmt  *stmt,
                       GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  return TRUE;
}

gboolean
tally_store_read_data_version (TallyStore  *self,
                               gint64      *version,
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "PRAGMA data_version", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *version = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

void
tally_store_copy_text (sqlite3_stmt *stmt,
                       int           column,
                       char         *dest,
                       gsize         size)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  g_strlcpy (dest, text ? text : "", size);
}

void
tally_store_read_user (sqlite3_stmt *stmt,
                       TallyUser    *user)
{
  memset (user, 0, sizeof *user);
  tally_store_copy_text (stmt, 0, user->id, sizeof user->id);
  tally_store_copy_text (stmt, 1, user->email, sizeof user->email);
  tally_store_copy_text (stmt, 2, user->name, sizeof user->name);
  tally_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &user->role);
  user->disabled = sqlite3_column_int (stmt, 4) != 0;
  tally_store_copy_text (stmt, 5, user->account_id, sizeof user->account_id);
  tally_store_copy_text (stmt, 6, user->timezone, sizeof user->timezone);
  user->created_at = sqlite3_column_int64 (stmt, 7);
}

/* Steps a statement expected to give at most one user. */
static gboolean
fetch_user (TallyStore    *self,
            sqlite3_stmt  *stmt,
            TallyUser     *user,
            char         **password_hash,
            GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      tally_store_read_user (stmt, user);
      if (password_hash != NULL)
        *password_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such user");
  return FALSE;
}

gboolean
tally_store_create_user (TallyStore  *self,
                         const char  *email,
                         const char  *name,
                         const char  *password_hash,
                         TallyRole    role,
                         TallyUser   *user,
                         GError     **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  g_autoptr(GError) local_error = NULL;
  TallyAccount account;
  TallyUser existing;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  if (tally_store_find_user_by_email (self, email, &existing, NULL, &local_error))
    {
      g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_EMAIL_TAKEN,
                   "An account with this email address exists already");
      return FALSE;
    }
  if (!g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, name, "UTC");
  if (!tally_ledger_create_account (self->ledger, &account, error))
    return FALSE;

  stmt = tally_store_prepare (self,
                              "INSERT INTO users (id, email, name, password_hash, role, "
                              "account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, email, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, password_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, tally_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  return tally_store_find_user_by_id (self, id, user, error);
}

gboolean
tally_store_find_user_by_email (TallyStore  *self,
                                const char  *email,
                                TallyUser   *user,
                                char       **password_hash,
                                GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " USER_COLUMNS ", password_hash FROM users "
                                            "WHERE email = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  /* Addresses are stored lower-case; whoever types one may not. */
  sqlite3_bind_text (stmt, 1, g_utf8_strdown (email, -1), -1, g_free);
  return fetch_user (self, stmt, user, password_hash, error);
}

gboolean
tally_store_find_user_by_id (TallyStore  *self,
                             const char  *id,
                             TallyUser   *user,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " USER_COLUMNS "FROM users WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  return fetch_user (self, stmt, user, NULL, error);
}

gboolean
tally_store_find_user_by_account (TallyStore  *self,
                                  const char  *account_id,
                                  TallyUser   *user,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " USER_COLUMNS "FROM users "
                                            "WHERE account_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  return fetch_user (self, stmt, user, NULL, error);
}

GArray *
tally_store_list_users (TallyStore  *self,
                        GError     **error)
{
  g_autoptr(GArray) users = g_array_new (FALSE, FALSE, sizeof (TallyUser));
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " USER_COLUMNS "FROM users "
                                            "WHERE erased_at IS NULL ORDER BY email",
                                            error);
  int rc;

  if (stmt == NULL)
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyUser user;

      tally_store_read_user (stmt, &user);
      g_array_append_val (users, user);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  return g_steal_pointer (&users);
}

/* Runs an UPDATE of one user by email; not found when none matched. */
static gboolean
update_user (TallyStore    *self,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND,
                           "No user with this email address");
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_store_set_role (TallyStore  *self,
                      const char  *email,
                      TallyRole    role,
                      GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SET_ROLE, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tally_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, g_utf8_strdown (email, -1), -1, g_free);
  return update_user (self, stmt, error);
}

gboolean
tally_store_set_disabled (TallyStore  *self,
                          const char  *email,
                          gboolean     disabled,
                          GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SET_DISABLED, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, disabled ? 1 : 0);
  sqlite3_bind_text (stmt, 2, g_utf8_strdown (email, -1), -1, g_free);
  return update_user (self, stmt, error);
}

gboolean
tally_store_create_session (TallyStore    *self,
                            const guint8   token_hash[32],
                            const char    *user_id,
                            const char    *device,
                            gint64         expires_at,
                            GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_CREATE_SESSION, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, token_hash, 32, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  if (device != NULL)
    sqlite3_bind_text (stmt, 3, device, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 5, expires_at);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_find_session (TallyStore    *self,
                          const guint8   token_hash[32],
                          gint64         now,
                          TallyUser     *user,
                          GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_SESSION, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, token_hash, 32, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  return fetch_user (self, stmt, user, NULL, error);
}

gboolean
tally_store_revoke_session (TallyStore    *self,
                            const guint8   token_hash[32],
                            gint64         now,
                            GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_REVOKE_SESSION, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_blob (stmt, 2, token_hash, 32, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}
