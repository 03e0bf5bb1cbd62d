/* tally-pg-store-shared.c: state every server on the database sees the
 * same (the sign-in throttles' counts)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

static gboolean
run_key (TallyPg     *pg,
         const char  *sql,
         const char  *key,
         GError     **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, key);
  return tally_pg_run_command (pg, sql, &params, error);
}

/* Locks @key's row (made first if there is none) and writes what @update
 * makes of it. */
static gboolean
update_locked (TallyPg            *pg,
               const char         *key,
               TallySharedUpdate   update,
               gpointer            data,
               GError            **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autofree char *next = NULL;
  TallyPgParams params = { 0 };
  const char *state = NULL;
  gint64 expires_at = 0;

  if (!run_key (pg, TALLY_STORE_ENSURE_SHARED_STATE, key, error))
    return FALSE;
  tally_pg_params_add_text (&params, key);
  res = tally_pg_run (pg, TALLY_STORE_LOCK_SHARED_STATE, &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 1 && PQgetvalue (res, 0, 0)[0] != '\0')
    state = PQgetvalue (res, 0, 0);

  next = update (state, data, &expires_at);
  if (next == NULL)
    return run_key (pg, TALLY_STORE_DROP_SHARED_STATE, key, error);

  params = (TallyPgParams) { 0 };
  tally_pg_params_add_text (&params, key);
  tally_pg_params_add_text (&params, next);
  tally_pg_params_add_int64 (&params, expires_at);
  return tally_pg_run_command (pg, TALLY_STORE_SAVE_SHARED_STATE, &params, error);
}

static gboolean
pg_update_shared_state (TallyApiStore      *api,
                        const char         *key,
                        TallySharedUpdate   update,
                        gpointer            data,
                        GError            **error)
{
  TallyPg *pg = pg_of (api);

  /* Its own transaction: a request's, or the writer's, is never open
   * between two main-loop callbacks. */
  if (tally_pg_in_transaction (pg))
    {
      g_set_error_literal (error, TALLY_PG_ERROR, TALLY_PG_ERROR_FAILED,
                           "Shared state is updated outside other transactions");
      return FALSE;
    }
  if (!tally_pg_begin (pg, error))
    return FALSE;
  if (!update_locked (pg, key, update, data, error))
    {
      tally_pg_rollback (pg, NULL);
      return FALSE;
    }
  return tally_pg_commit (pg, error);
}

static gboolean
pg_delete_expired_state (TallyApiStore  *api,
                         gint64          now,
                         gint64          limit,
                         gint64         *n_deleted,
                         GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  *n_deleted = 0;
  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_run (pg_of (api), TALLY_STORE_DELETE_EXPIRED_STATE, &params, error);
  if (res == NULL)
    return FALSE;
  *n_deleted = g_ascii_strtoll (PQcmdTuples (res), NULL, 10);
  return TRUE;
}

void
tally_pg_store_shared_api_init (TallyApiStoreInterface *iface)
{
  iface->update_shared_state = pg_update_shared_state;
  iface->delete_expired_state = pg_delete_expired_state;
}
