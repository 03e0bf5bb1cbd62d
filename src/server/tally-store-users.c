/* tally-store-users.c: users as admins manage them, and erasure's rows
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-users.h"
#include "tally-store-private.h"

GArray *
tally_store_search_users (TallyStore  *self,
                          const char  *search,
                          gint64       after,
                          guint        limit,
                          gint64      *next_after,
                          GError     **error)
{
  g_autoptr(GArray) users = g_array_new (FALSE, FALSE, sizeof (TallyUser));
  g_autofree char *pattern = search != NULL ? tally_store_like_pattern (search) : NULL;
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TALLY_IS_STORE (self), NULL);

  stmt = tally_store_prepare (self,
                              "SELECT " TALLY_STORE_USER_COLUMNS ", rowid FROM users "
                              "WHERE erased_at IS NULL AND rowid > ?1 "
                              "AND (?2 IS NULL OR email LIKE ?2 ESCAPE '\\' "
                              "     OR name LIKE ?2 ESCAPE '\\') "
                              "ORDER BY rowid LIMIT ?3",
                              error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, after);
  if (pattern != NULL)
    sqlite3_bind_text (stmt, 2, pattern, -1, SQLITE_STATIC);
  /* One more than asked: whether there is a next page. */
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyUser user;
      gint64 rowid = sqlite3_column_int64 (stmt, 8);

      tally_store_read_user (stmt, &user);
      g_array_append_val (users, user);
      g_array_append_val (rowids, rowid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  *next_after = 0;
  if (users->len > limit)
    {
      g_array_set_size (users, limit);
      *next_after = g_array_index (rowids, gint64, limit - 1);
    }

  return g_steal_pointer (&users);
}

/* Steps a statement that gives one integer. */
static gboolean
fetch_int (TallyStore    *self,
           sqlite3_stmt  *stmt,
           gint64        *value,
           gboolean      *found,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  *found = rc == SQLITE_ROW;
  if (*found)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_count_active_admins (TallyStore  *self,
                                 gint64      *count,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_COUNT_ACTIVE_ADMINS, error);
  gboolean found;

  *count = 0;
  return stmt != NULL && fetch_int (self, stmt, count, &found, error);
}

gboolean
tally_store_user_is_erased (TallyStore  *self,
                            const char  *user_id,
                            gboolean    *erased,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT erased_at IS NOT NULL FROM users "
                                            "WHERE id = ?",
                                            error);
  gint64 value = 0;
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  if (!fetch_int (self, stmt, &value, &found, error))
    return FALSE;

  *erased = found && value != 0;
  return TRUE;
}

gboolean
tally_store_update_user (TallyStore  *self,
                         const char  *user_id,
                         TallyRole    role,
                         gboolean     disabled,
                         GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_UPDATE_USER, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tally_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, disabled ? 1 : 0);
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_TRANSIENT);
  return tally_store_step_done (self, stmt, error);
}

/* The same statements as PostgreSQL's (tally-store-sql.h): the user's id
 * is $1, the time $2. */
static const char * const erase_statements[] = {
  TALLY_STORE_ERASE_USER ("UPDATE devices SET device = 'erased-' || rowid WHERE user_id = $1")
};

gboolean
tally_store_erase_user (TallyStore       *self,
                        const TallyUser  *user,
                        GError          **error)
{
  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (erase_statements); i++)
    {
      /* Prepared from the table's literal, so kept like any other. */
      sqlite3_stmt *stmt = tally_store_prepare (self, erase_statements[i], error);
      int at;

      if (stmt == NULL)
        return FALSE;
      /* By name: SQLite numbers $n in the order they first appear, and
       * the last statement names the time first. */
      sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, "$1"), user->id, -1,
                         SQLITE_TRANSIENT);
      at = sqlite3_bind_parameter_index (stmt, "$2");
      if (at > 0)
        sqlite3_bind_int64 (stmt, at, g_get_real_time ());
      if (!tally_store_step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
tally_store_load_consent (TallyStore    *self,
                          const char    *user_id,
                          TallyConsent  *consent,
                          GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LOAD_CONSENT, error);
  int rc;

  memset (consent, 0, sizeof *consent);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      consent->opt_in = sqlite3_column_int (stmt, 0) != 0;
      consent->changed_at = sqlite3_column_int64 (stmt, 1);
      tally_store_copy_text (stmt, 2, consent->text_version, sizeof consent->text_version);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_save_consent (TallyStore          *self,
                          const char          *user_id,
                          const TallyConsent  *consent,
                          GError             **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SAVE_CONSENT, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, consent->opt_in ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, consent->changed_at);
  sqlite3_bind_text (stmt, 3, consent->text_version, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, user_id, -1, SQLITE_TRANSIENT);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_delete_old_sessions (TallyStore  *self,
                                 gint64       before,
                                 gint64       limit,
                                 gint64      *n_deleted,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "DELETE FROM sessions WHERE rowid IN "
                                            "(SELECT rowid FROM sessions WHERE expires_at < ?1 "
                                            " OR revoked_at < ?1 LIMIT ?2)",
                                            error);

  *n_deleted = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, before);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *n_deleted = sqlite3_changes (tally_ledger_get_sqlite (tally_store_get_ledger (self)));
  return TRUE;
}

/* Long enough for a commit to end, short enough that nobody notices: a
 * checkpoint that waits holds new writes back. Between attempts, it holds
 * nothing. */
#define CHECKPOINT_BUSY_MS 100
#define CHECKPOINT_ATTEMPTS 10

static void
checkpoint_in_thread (GTask        *task,
                      gpointer      source,
                      gpointer      data,
                      GCancellable *cancellable)
{
  const char *path = data;
  int n_log = -1, n_done = -1;
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL);
  /* A connection finds the WAL only once it has read the file; before,
   * a checkpoint does nothing and says so with -1. */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, CHECKPOINT_BUSY_MS);
      for (guint i = 0; i < CHECKPOINT_ATTEMPTS; i++)
        {
          rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &n_log, &n_done);
          if (rc != SQLITE_BUSY)
            break;
          g_usleep (CHECKPOINT_BUSY_MS * 1000);
        }
    }

  if (rc == SQLITE_OK && (n_log < 0 || n_done < n_log))
    g_task_return_new_error (task, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                             "Checkpoint incomplete: %d of %d frames", n_done, n_log);
  else if (rc == SQLITE_OK)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                             "Checkpoint failed: %s", db != NULL ? sqlite3_errmsg (db)
                                                                  : sqlite3_errstr (rc));
  sqlite3_close (db);
}

void
tally_store_checkpoint_async (TallyStore          *self,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_return_if_fail (TALLY_IS_STORE (self));

  g_task_set_source_tag (task, tally_store_checkpoint_async);
  g_task_set_task_data (task, g_strdup (tally_ledger_get_path (tally_store_get_ledger (self))),
                        g_free);
  g_task_run_in_thread (task, checkpoint_in_thread);
}

gboolean
tally_store_checkpoint_finish (TallyStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
