/* tally-cache-pools.c: the device's syncs with teams' pools
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pool's lease is read from the file on each call, through the UI
 * thread's connection: pools are few and their state is small, and the
 * writer commits before its callback runs.
 */

#include "config.h"

#include <string.h>

#include "tally-cache-private.h"

/* Pool ids are kept in lower case, as the outbox keeps them. */
static char *
pool_key (const char *account_id)
{
  return g_ascii_strdown (account_id, -1);
}

gboolean
tally_cache_get_pool_lease (TallyCache      *self,
                            const char      *account_id,
                            TallyCacheLease *out,
                            gint64          *cursor)
{
  g_autofree char *key = NULL;
  sqlite3_stmt *stmt;
  gboolean found;

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (account_id != NULL && out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (cursor != NULL)
    *cursor = 0;
  key = pool_key (account_id);
  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_POOL_GET);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      if (cursor != NULL)
        *cursor = sqlite3_column_int64 (stmt, 0);
      g_strlcpy (out->id, (const char *) sqlite3_column_text (stmt, 1), sizeof out->id);
      out->amount = sqlite3_column_int64 (stmt, 2);
      out->remaining = sqlite3_column_int64 (stmt, 3);
      out->expires_at = sqlite3_column_int64 (stmt, 4);
    }
  sqlite3_reset (stmt);
  return found;
}

GStrv
tally_cache_list_pools (TallyCache *self)
{
  g_autoptr(GStrvBuilder) pools = g_strv_builder_new ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_POOL_LIST);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (pools, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return g_strv_builder_end (pools);
}

/* --- a write on a pool --- */

/* What a write on a pool takes: the server's answer on it, or its
 * reason for refusing it. */
typedef struct
{
  char             *account_id;
  TallyCacheAnswer *answer;
  char             *reason;
} PoolWrite;

static PoolWrite *
pool_write_new (const char *account_id)
{
  PoolWrite *pool = g_new0 (PoolWrite, 1);

  pool->account_id = pool_key (account_id);
  return pool;
}

static void
pool_write_free (gpointer data)
{
  PoolWrite *pool = data;

  g_free (pool->account_id);
  g_clear_pointer (&pool->answer, tally_cache_answer_free);
  g_free (pool->reason);
  g_free (pool);
}

/* --- an answer on a pool --- */

static gboolean
put_pool_state (TallyCacheConn         *conn,
                const char             *account_id,
                gint64                  cursor,
                const TallyCacheLease  *lease,
                GError                **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_POOL_PUT);

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_text (stmt, 3, lease->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, lease->amount);
  sqlite3_bind_int64 (stmt, 5, lease->remaining);
  sqlite3_bind_int64 (stmt, 6, lease->expires_at);
  return tally_cache_conn_step_done (conn, stmt, error);
}

static gboolean
write_pool_answer (TallyCacheConn  *conn,
                   gpointer         data,
                   gboolean        *changed,
                   GError         **error)
{
  PoolWrite *pool = data;

  if (!tally_ledger_begin (conn->ledger, error))
    return FALSE;

  return tally_cache_finish_change (conn,
                                    tally_cache_settle_results (conn, pool->answer->results,
                                                                error) &&
                                    put_pool_state (conn, pool->account_id, pool->answer->cursor,
                                                    &pool->answer->lease, error),
                                    changed, error);
}

void
tally_cache_apply_pool_answer_async (TallyCache          *self,
                                     const char          *account_id,
                                     JsonObject          *answer,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  PoolWrite *pool;
  TallyCacheAnswer *decoded;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (account_id != NULL && answer != NULL);

  decoded = tally_cache_answer_new (answer, &error);
  if (decoded == NULL)
    {
      tally_cache_write_failed (self, g_steal_pointer (&error), tally_cache_write_pool_finish,
                                cancellable, callback, user_data);
      return;
    }

  pool = pool_write_new (account_id);
  pool->answer = decoded;
  tally_cache_write_async (self, write_pool_answer, pool, pool_write_free,
                           tally_cache_write_pool_finish, cancellable, callback, user_data);
}

/* --- a pool's team named --- */

typedef struct
{
  char *account_id;
  char *team_name;
} PoolName;

static void
pool_name_free (gpointer data)
{
  PoolName *name = data;

  g_free (name->account_id);
  g_free (name->team_name);
  g_free (name);
}

static gboolean
write_pool_name (TallyCacheConn  *conn,
                 gpointer         data,
                 gboolean        *changed,
                 GError         **error)
{
  PoolName *name = data;
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_OUTBOX_NAME_TEAM);

  sqlite3_bind_text (stmt, 1, name->team_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name->account_id, -1, SQLITE_STATIC);
  return tally_cache_conn_step_done (conn, stmt, error);
}

void
tally_cache_name_pool_ops (TallyCache *self,
                           const char *account_id,
                           const char *team_name)
{
  PoolName *name;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (account_id != NULL && team_name != NULL);

  if (team_name[0] == '\0')
    return;
  name = g_new0 (PoolName, 1);
  name->account_id = pool_key (account_id);
  name->team_name = g_strdup (team_name);
  tally_cache_write_later (self, write_pool_name, name, pool_name_free);
}

/* --- a pool refused --- */

static gboolean
step_on_account (TallyCacheConn  *conn,
                 TallyCacheStmt   which,
                 const char      *account_id,
                 GError         **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, which);

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  return tally_cache_conn_step_done (conn, stmt, error);
}

static gboolean
reject_pool_ops (TallyCacheConn  *conn,
                 PoolWrite       *refusal,
                 GError         **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_OUTBOX_REJECT_ACCOUNT);

  sqlite3_bind_text (stmt, 1, refusal->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_text (stmt, 3, refusal->account_id, -1, SQLITE_TRANSIENT);
  return tally_cache_conn_step_done (conn, stmt, error) &&
         step_on_account (conn, CACHE_STMT_OUTBOX_REMOVE_ACCOUNT, refusal->account_id, error);
}

static gboolean
write_pool_refusal (TallyCacheConn  *conn,
                    gpointer         data,
                    gboolean        *changed,
                    GError         **error)
{
  PoolWrite *refusal = data;

  if (!tally_ledger_begin (conn->ledger, error))
    return FALSE;

  return tally_cache_finish_change (conn,
                                    reject_pool_ops (conn, refusal, error) &&
                                    step_on_account (conn, CACHE_STMT_POOL_DROP,
                                                     refusal->account_id, error),
                                    changed, error);
}

void
tally_cache_refuse_pool_async (TallyCache          *self,
                               const char          *account_id,
                               const char          *reason,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  PoolWrite *refusal;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (account_id != NULL && reason != NULL);

  refusal = pool_write_new (account_id);
  refusal->reason = g_strdup (reason);
  tally_cache_write_async (self, write_pool_refusal, refusal, pool_write_free,
                           tally_cache_write_pool_finish, cancellable, callback, user_data);
}

gboolean
tally_cache_write_pool_finish (TallyCache    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return tally_cache_write_finish (self, result, tally_cache_write_pool_finish, error);
}
