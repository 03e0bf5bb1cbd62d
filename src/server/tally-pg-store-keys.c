/* tally-pg-store-keys.c: API keys on PostgreSQL, kept as the SHA-256 of
 * the key (a bytea)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

/* Row @row of TALLY_STORE_KEY_COLUMNS. */
static void
read_key (const PGresult *res,
          int             row,
          TallyApiKey    *key)
{
  memset (key, 0, sizeof *key);
  tally_pg_copy_text (res, row, 0, key->id, sizeof key->id);
  tally_pg_copy_text (res, row, 1, key->user_id, sizeof key->user_id);
  tally_pg_copy_text (res, row, 2, key->name, sizeof key->name);
  tally_pg_copy_text (res, row, 3, key->prefix, sizeof key->prefix);
  key->can_run = g_str_equal (PQgetvalue (res, row, 4), "read run");
  key->rate_limit = tally_pg_get_int64 (res, row, 5);
  key->created_at = tally_pg_get_int64 (res, row, 6);
  key->last_used_at = tally_pg_get_int64 (res, row, 7);
  key->revoked_at = tally_pg_get_int64 (res, row, 8);
}

/* The hash is unique: of two servers inserting one key, the second gets
 * a CONSTRAINT error, as SQLite's second insert would fail. */
static gboolean
pg_insert_api_key (TallyApiStore      *api,
                   const TallyApiKey  *key,
                   const guint8        key_hash[32],
                   GError            **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, key->id);
  tally_pg_params_add_text (&params, key->user_id);
  tally_pg_params_add_text (&params, key->name);
  tally_pg_params_add_text (&params, key->prefix);
  tally_pg_params_add_bytes (&params, key_hash, 32);
  tally_pg_params_add_text (&params, key->can_run ? "read run" : "read");
  tally_pg_params_add_int64 (&params, key->rate_limit);
  tally_pg_params_add_int64 (&params, key->created_at);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_INSERT_API_KEY, &params, error);
}

static GArray *
list_keys (TallyApiStore  *api,
           const char     *sql,
           const char     *user_id,
           GError        **error)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (TallyApiKey));
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), sql, &params, error);
  if (res == NULL)
    return NULL;

  g_array_set_size (keys, PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    read_key (res, i, &g_array_index (keys, TallyApiKey, i));
  return g_steal_pointer (&keys);
}

static GArray *
pg_list_api_keys (TallyApiStore  *api,
                  const char     *user_id,
                  GError        **error)
{
  return list_keys (api, TALLY_STORE_LIST_API_KEYS, user_id, error);
}

static GArray *
pg_list_all_api_keys (TallyApiStore  *api,
                      const char     *user_id,
                      GError        **error)
{
  return list_keys (api, TALLY_STORE_LIST_ALL_API_KEYS, user_id, error);
}

static gboolean
pg_revoke_api_key (TallyApiStore  *api,
                   const char     *user_id,
                   const char     *id,
                   gint64          now,
                   GError        **error)
{
  TallyPgParams params = { 0 };
  gboolean changed;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, id);
  tally_pg_params_add_text (&params, user_id);
  if (!tally_pg_run_change (pg_of (api), TALLY_STORE_REVOKE_API_KEY, &params, &changed, error))
    return FALSE;

  return changed || tally_pg_store_not_found (error, "No such API key");
}

static gboolean
pg_find_api_key (TallyApiStore  *api,
                 const guint8    key_hash[32],
                 TallyApiKey    *key,
                 TallyUser      *user,
                 GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_bytes (&params, key_hash, 32);
  res = tally_pg_run (pg_of (api), TALLY_STORE_FIND_API_KEY, &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such API key");

  read_key (res, 0, key);
  return tally_rules_store_find_user_by_id (TALLY_RULES_STORE (api), key->user_id, user, error);
}

static gboolean
pg_touch_api_key (TallyApiStore  *api,
                  const char     *id,
                  gint64          when,
                  GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, when);
  tally_pg_params_add_text (&params, id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_TOUCH_API_KEY, &params, error);
}

static GArray *
pg_usage_by_key (TallyApiStore  *api,
                 const char     *account_id,
                 gint64          since,
                 gint64          until,
                 GError        **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (TallyKeyUsage));
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, since);
  tally_pg_params_add_int64 (&params, until);
  res = tally_pg_run (pg_of (api), TALLY_STORE_USAGE_BY_KEY, &params, error);
  if (res == NULL)
    return NULL;

  g_array_set_size (rows, PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    {
      TallyKeyUsage *row = &g_array_index (rows, TallyKeyUsage, i);

      tally_pg_copy_text (res, i, 0, row->key_id, sizeof row->key_id);
      tally_pg_copy_text (res, i, 1, row->name, sizeof row->name);
      tally_pg_copy_text (res, i, 2, row->prefix, sizeof row->prefix);
      /* sum () of a bigint is a numeric, printed without a fraction. */
      row->spent = tally_pg_get_int64 (res, i, 3);
      row->runs = tally_pg_get_int64 (res, i, 4);
    }
  return g_steal_pointer (&rows);
}

void
tally_pg_store_keys_api_init (TallyApiStoreInterface *iface)
{
  iface->insert_api_key = pg_insert_api_key;
  iface->find_api_key = pg_find_api_key;
  iface->list_api_keys = pg_list_api_keys;
  iface->list_all_api_keys = pg_list_all_api_keys;
  iface->revoke_api_key = pg_revoke_api_key;
  iface->touch_api_key = pg_touch_api_key;
  iface->usage_by_key = pg_usage_by_key;
}
