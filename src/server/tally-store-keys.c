/* tally-store-keys.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-keys.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static void
read_key (sqlite3_stmt *stmt,
          TallyApiKey  *key)
{
  memset (key, 0, sizeof *key);
  tally_store_copy_text (stmt, 0, key->id, sizeof key->id);
  tally_store_copy_text (stmt, 1, key->user_id, sizeof key->user_id);
  tally_store_copy_text (stmt, 2, key->name, sizeof key->name);
  tally_store_copy_text (stmt, 3, key->prefix, sizeof key->prefix);
  key->can_run = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 4), "read run") == 0;
  key->rate_limit = sqlite3_column_int64 (stmt, 5);
  key->created_at = sqlite3_column_int64 (stmt, 6);
  key->last_used_at = sqlite3_column_int64 (stmt, 7);
  key->revoked_at = sqlite3_column_int64 (stmt, 8);
}

gboolean
tally_store_insert_api_key (TallyStore         *self,
                            const TallyApiKey  *key,
                            const guint8        key_hash[32],
                            GError            **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_API_KEY, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, key->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, key->prefix, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 5, key_hash, 32, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, key->can_run ? "read run" : "read", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, key->rate_limit);
  sqlite3_bind_int64 (stmt, 8, key->created_at);
  return tally_store_step_done (self, stmt, error);
}

static GArray *
list_keys (TallyStore  *self,
           const char  *sql,
           const char  *user_id,
           GError     **error)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (TallyApiKey));
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyApiKey key;

      read_key (stmt, &key);
      g_array_append_val (keys, key);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&keys);
}

GArray *
tally_store_list_api_keys (TallyStore  *self,
                           const char  *user_id,
                           GError     **error)
{
  return list_keys (self, TALLY_STORE_LIST_API_KEYS, user_id, error);
}

GArray *
tally_store_list_all_api_keys (TallyStore  *self,
                               const char  *user_id,
                               GError     **error)
{
  return list_keys (self, TALLY_STORE_LIST_ALL_API_KEYS, user_id, error);
}

gboolean
tally_store_revoke_api_key (TallyStore  *self,
                            const char  *user_id,
                            const char  *id,
                            gint64       now,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_REVOKE_API_KEY, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_STATIC);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (tally_ledger_get_sqlite (tally_store_get_ledger (self))) == 0)
    {
      g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND,
                           "No such API key");
      return FALSE;
    }
  return TRUE;
}

gboolean
tally_store_find_api_key (TallyStore    *self,
                          const guint8   key_hash[32],
                          TallyApiKey   *key,
                          TallyUser     *user,
                          GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_API_KEY, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, key_hash, 32, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_key (stmt, key);
  sqlite3_reset (stmt);

  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND,
                           "No such API key");
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);

  return tally_store_find_user_by_id (self, key->user_id, user, error);
}

gboolean
tally_store_touch_api_key (TallyStore  *self,
                           const char  *id,
                           gint64       when,
                           GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_TOUCH_API_KEY, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, when);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_record_run_key (TallyStore  *self,
                            const char  *run_id,
                            const char  *key_id,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO run_keys (run_id, key_id) VALUES (?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

GArray *
tally_store_usage_by_key (TallyStore  *self,
                          const char  *account_id,
                          gint64       since,
                          gint64       until,
                          GError     **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (TallyKeyUsage));
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_USAGE_BY_KEY, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, until);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyKeyUsage row = { { 0 } };

      tally_store_copy_text (stmt, 0, row.key_id, sizeof row.key_id);
      tally_store_copy_text (stmt, 1, row.name, sizeof row.name);
      tally_store_copy_text (stmt, 2, row.prefix, sizeof row.prefix);
      row.spent = sqlite3_column_int64 (stmt, 3);
      row.runs = sqlite3_column_int64 (stmt, 4);
      g_array_append_val (rows, row);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}
