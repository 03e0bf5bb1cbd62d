/* tally-store-promos.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-private.h"
#include "tally-store-promos.h"
#include "tally-store-sql.h"

static void
read_promo (sqlite3_stmt   *stmt,
            TallyPromoCode *promo)
{
  memset (promo, 0, sizeof *promo);
  tally_store_copy_text (stmt, 0, promo->id, sizeof promo->id);
  tally_store_copy_text (stmt, 1, promo->code, sizeof promo->code);
  promo->credits = sqlite3_column_int64 (stmt, 2);
  promo->max_redemptions = sqlite3_column_int64 (stmt, 3);
  promo->redemptions = sqlite3_column_int64 (stmt, 4);
  promo->expires_at = sqlite3_column_int64 (stmt, 5);
  promo->credits_expire_after_days = sqlite3_column_int64 (stmt, 6);
  tally_store_copy_text (stmt, 7, promo->created_by, sizeof promo->created_by);
  promo->created_at = sqlite3_column_int64 (stmt, 8);
}

static void
bind_optional (sqlite3_stmt *stmt,
               int           column,
               gint64        value)
{
  if (value > 0)
    sqlite3_bind_int64 (stmt, column, value);
  else
    sqlite3_bind_null (stmt, column);
}

gboolean
tally_store_insert_promo_code (TallyStore            *self,
                               const TallyPromoCode  *promo,
                               GError               **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_PROMO_CODE, error);
  sqlite3 *db;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, promo->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, promo->code, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, promo->credits);
  sqlite3_bind_int64 (stmt, 4, promo->max_redemptions);
  bind_optional (stmt, 5, promo->expires_at);
  bind_optional (stmt, 6, promo->credits_expire_after_days);
  sqlite3_bind_text (stmt, 7, promo->created_by, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, promo->created_at);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  return sqlite3_changes (db) == 1;
}

gboolean
tally_store_find_promo_code (TallyStore      *self,
                             const char      *code,
                             TallyPromoCode  *promo,
                             GError         **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_PROMO_CODE, error);
  int rc;

  memset (promo, 0, sizeof *promo);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_promo (stmt, promo);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

GArray *
tally_store_list_promo_codes (TallyStore  *self,
                              GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_PROMO_COLUMNS "FROM promo_codes "
                                            "ORDER BY created_at DESC, code", error);
  g_autoptr(GArray) list = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  list = g_array_new (FALSE, TRUE, sizeof (TallyPromoCode));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyPromoCode promo;

      read_promo (stmt, &promo);
      g_array_append_val (list, promo);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  return g_steal_pointer (&list);
}

gboolean
tally_store_find_redemption (TallyStore  *self,
                             const char  *promo_id,
                             const char  *user_id,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_REDEMPTION, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, promo_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

/* The count goes up only while it is below the maximum: with the
 * redemption's own row in the same savepoint, the limit holds however
 * many redemptions a group commit carries. */
gboolean
tally_store_add_redemption (TallyStore  *self,
                            const char  *promo_id,
                            const char  *user_id,
                            const char  *transfer_id,
                            gboolean    *counted,
                            GError     **error)
{
  sqlite3_stmt *count = tally_store_prepare (self, TALLY_STORE_COUNT_REDEMPTION, error);
  sqlite3_stmt *insert = NULL;

  *counted = FALSE;
  if (count == NULL)
    return FALSE;

  sqlite3_bind_text (count, 1, promo_id, -1, SQLITE_STATIC);
  if (!tally_store_step_done (self, count, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (count)) != 1)
    return TRUE;

  insert = tally_store_prepare (self,
                                "INSERT INTO promo_redemptions (promo_id, user_id, "
                                "transfer_id, created_at) VALUES (?, ?, ?, ?)", error);
  if (insert == NULL)
    return FALSE;

  sqlite3_bind_text (insert, 1, promo_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, transfer_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 4, g_get_real_time ());
  *counted = TRUE;
  return tally_store_step_done (self, insert, error);
}
