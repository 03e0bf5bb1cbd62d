/* tally-pg-store-users.c: users on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static void
read_user (const PGresult *res,
           TallyUser      *user)
{
  memset (user, 0, sizeof *user);
  tally_pg_copy_text (res, 0, 0, user->id, sizeof user->id);
  tally_pg_copy_text (res, 0, 1, user->email, sizeof user->email);
  tally_pg_copy_text (res, 0, 2, user->name, sizeof user->name);
  tally_role_from_string (PQgetvalue (res, 0, 3), &user->role);
  user->disabled = tally_pg_get_int64 (res, 0, 4) != 0;
  tally_pg_copy_text (res, 0, 5, user->account_id, sizeof user->account_id);
  tally_pg_copy_text (res, 0, 6, user->timezone, sizeof user->timezone);
  user->created_at = tally_pg_get_int64 (res, 0, 7);
}

/* Runs a query for at most one user, whose password hash is column 8
 * when @password_hash is asked for. */
static gboolean
fetch_user (TallyPg              *pg,
            const char           *sql,
            const TallyPgParams  *params,
            TallyUser            *user,
            char                **password_hash,
            GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg, sql, params, error);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such user");

  read_user (res, user);
  if (password_hash != NULL)
    *password_hash = g_strdup (PQgetvalue (res, 0, 8));
  return TRUE;
}

static gboolean
find_user_by_id (TallyPg     *pg,
                 const char  *id,
                 TallyUser   *user,
                 GError     **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, id);
  return fetch_user (pg, "SELECT " TALLY_STORE_USER_COLUMNS "FROM users WHERE id = $1",
                     &params, user, NULL, error);
}

static gboolean
pg_find_user_by_id (TallyRulesStore  *rules,
                    const char       *id,
                    TallyUser        *user,
                    GError          **error)
{
  return find_user_by_id (tally_pg_store_pg (rules), id, user, error);
}

static gboolean
find_user_by_email (TallyPg     *pg,
                    const char  *email,
                    TallyUser   *user,
                    char       **password_hash,
                    GError     **error)
{
  /* Addresses are stored lower-case; whoever types one may not. */
  g_autofree char *lower = g_utf8_strdown (email, -1);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, lower);
  return fetch_user (pg, "SELECT " TALLY_STORE_USER_COLUMNS ", password_hash FROM users "
                     "WHERE email = $1", &params, user, password_hash, error);
}

static gboolean
pg_find_user_by_email (TallyRulesStore  *rules,
                       const char       *email,
                       TallyUser        *user,
                       char            **password_hash,
                       GError          **error)
{
  return find_user_by_email (tally_pg_store_pg (rules), email, user, password_hash, error);
}

static gboolean
pg_find_user_by_account (TallyRulesStore  *rules,
                         const char       *account_id,
                         TallyUser        *user,
                         GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  return fetch_user (tally_pg_store_pg (rules), "SELECT " TALLY_STORE_USER_COLUMNS
                     "FROM users WHERE account_id = $1", &params, user, NULL, error);
}

static gboolean
pg_user_is_erased (TallyRulesStore  *rules,
                   const char       *user_id,
                   gboolean         *erased,
                   GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT erased_at IS NOT NULL FROM users WHERE id = $1", &params, error);
  if (res == NULL)
    return FALSE;

  *erased = PQntuples (res) > 0 && g_str_equal (PQgetvalue (res, 0, 0), "t");
  return TRUE;
}

/* As tally_store_create_user(): the user's account and row together, in
 * the caller's transaction, whose rollback undoes the account when the
 * address is taken. The unique address decides between two servers
 * registering it at once. */
gboolean
tally_pg_store_create_user (TallyPgStore  *self,
                            const char    *email,
                            const char    *name,
                            const char    *password_hash,
                            TallyRole      role,
                            TallyUser     *user,
                            GError       **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  g_autofree char *lower = g_utf8_strdown (email, -1);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };
  TallyAccount account;
  TallyPg *pg;

  g_return_val_if_fail (TALLY_IS_PG_STORE (self), FALSE);

  pg = tally_pg_store_get_pg (self);
  if (find_user_by_email (pg, email, user, NULL, &local_error))
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
  if (!tally_pg_ledger_create_account (tally_pg_store_get_ledger (self), &account, error))
    return FALSE;

  tally_pg_params_add_text (&params, id);
  tally_pg_params_add_text (&params, lower);
  tally_pg_params_add_text (&params, name);
  tally_pg_params_add_text (&params, password_hash);
  tally_pg_params_add_text (&params, tally_role_to_string (role));
  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  res = tally_pg_run (pg, "INSERT INTO users (id, email, name, password_hash, role, account_id, "
                      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                      "ON CONFLICT (email) DO NOTHING", &params, error);
  if (res == NULL)
    return FALSE;
  if (!g_str_equal (PQcmdTuples (res), "1"))
    {
      g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_EMAIL_TAKEN,
                   "An account with this email address exists already");
      return FALSE;
    }

  return find_user_by_id (pg, id, user, error);
}

void
tally_pg_store_users_init (TallyRulesStoreInterface *iface)
{
  iface->find_user_by_id = pg_find_user_by_id;
  iface->find_user_by_email = pg_find_user_by_email;
  iface->find_user_by_account = pg_find_user_by_account;
  iface->user_is_erased = pg_user_is_erased;
}
