/* tally-store-sync.c: the devices and sync_ops tables
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-leases.h"
#include "tally-store-sync.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such %s", what);
  return FALSE;
}

static void
read_device (sqlite3_stmt *stmt,
             TallyDevice  *out)
{
  memset (out, 0, sizeof *out);
  tally_store_copy_text (stmt, 0, out->lease_account_id, sizeof out->lease_account_id);
  tally_store_copy_text (stmt, 1, out->lease_id, sizeof out->lease_id);
  out->lease_amount = sqlite3_column_int64 (stmt, 2);
  out->lease_spent = sqlite3_column_int64 (stmt, 3);
  out->lease_expires_at = sqlite3_column_int64 (stmt, 4);
  out->created_at = sqlite3_column_int64 (stmt, 5);
}

gboolean
tally_store_find_device (TallyStore   *self,
                         const char   *user_id,
                         const char   *device,
                         TallyDevice  *out,
                         GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self,
                              "SELECT " TALLY_STORE_DEVICE_COLUMNS "FROM devices "
                              "WHERE user_id = ? AND device = ?",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, device, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_device (stmt, out);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return not_found (error, "device");
}

gboolean
tally_store_save_device (TallyStore         *self,
                         const char         *user_id,
                         const char         *device,
                         const TallyDevice  *row,
                         GError            **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self,
                              "INSERT OR REPLACE INTO devices (user_id, device, lease_account_id, "
                              "lease_id, lease_amount, lease_spent, lease_expires_at, created_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, row->lease_account_id, -1, SQLITE_TRANSIENT);
  if (row->lease_id[0] != '\0')
    sqlite3_bind_text (stmt, 4, row->lease_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, row->lease_amount);
  sqlite3_bind_int64 (stmt, 6, row->lease_spent);
  sqlite3_bind_int64 (stmt, 7, row->lease_expires_at);
  sqlite3_bind_int64 (stmt, 8, row->created_at);
  return tally_store_step_done (self, stmt, error);
}

void
tally_sync_op_record_clear (TallySyncOpRecord *record)
{
  g_clear_pointer (&record->result, g_free);
}

gboolean
tally_store_find_sync_op (TallyStore         *self,
                          const char         *id,
                          TallySyncOpRecord  *record,
                          GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self, "SELECT user_id, digest, result FROM sync_ops WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      tally_sync_op_record_clear (record);
      tally_store_copy_text (stmt, 0, record->user_id, sizeof record->user_id);
      tally_store_copy_text (stmt, 1, record->digest, sizeof record->digest);
      record->result = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return not_found (error, "operation");
}

gboolean
tally_store_add_sync_op (TallyStore  *self,
                         const char  *id,
                         const char  *user_id,
                         const char  *device,
                         const char  *digest,
                         const char  *result,
                         GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  stmt = tally_store_prepare (self,
                              "INSERT INTO sync_ops (id, user_id, device, digest, result, "
                              "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, digest, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, result, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_release_lease (TallyStore  *self,
                           const char  *user_id,
                           const char  *device,
                           gboolean    *released,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyDevice row;

  g_return_val_if_fail (TALLY_IS_STORE (self), FALSE);

  *released = FALSE;
  if (!tally_store_find_device (self, user_id, device, &row, &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (row.lease_id[0] == '\0')
    return TRUE;
  if (!tally_leases_release_hold (TALLY_RULES_STORE (self), row.lease_id, released, error))
    return FALSE;

  row.lease_id[0] = '\0';
  row.lease_amount = 0;
  row.lease_spent = 0;
  row.lease_expires_at = 0;
  return tally_store_save_device (self, user_id, device, &row, error);
}
