/* tally-pg-store-accounts.c: users as admins manage them, sessions,
 * consent and erasure on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
/* tally_store_like_pattern(): a search escaped as SQLite's is. */
#include "tally-store-private.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

/* Row @row of TALLY_STORE_USER_COLUMNS. */
static void
read_user (const PGresult *res,
           int             row,
           TallyUser      *user)
{
  memset (user, 0, sizeof *user);
  tally_pg_copy_text (res, row, 0, user->id, sizeof user->id);
  tally_pg_copy_text (res, row, 1, user->email, sizeof user->email);
  tally_pg_copy_text (res, row, 2, user->name, sizeof user->name);
  tally_role_from_string (PQgetvalue (res, row, 3), &user->role);
  user->disabled = tally_pg_get_int64 (res, row, 4) != 0;
  tally_pg_copy_text (res, row, 5, user->account_id, sizeof user->account_id);
  tally_pg_copy_text (res, row, 6, user->timezone, sizeof user->timezone);
  user->created_at = tally_pg_get_int64 (res, row, 7);
}

static GArray *
read_users (const PGresult *res)
{
  GArray *users = g_array_sized_new (FALSE, FALSE, sizeof (TallyUser), PQntuples (res));

  g_array_set_size (users, PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    read_user (res, i, &g_array_index (users, TallyUser, i));
  return users;
}

/* By address as SQLite's NOCASE orders them: ASCII letters folded, the
 * rest byte by byte (tally_nocase, ICU's, would order punctuation
 * otherwise). */
static GArray *
pg_list_users (TallyApiStore  *api,
               GError        **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg_of (api),
                                          "SELECT " TALLY_STORE_USER_COLUMNS "FROM users "
                                          "WHERE erased_at IS NULL "
                                          "ORDER BY lower (email) COLLATE \"C\"",
                                          NULL, error);

  return res != NULL ? read_users (res) : NULL;
}

/* users has no rowid here: the row a page ends at is the number of the
 * user's ledger account, an identity that grows as users sign up (each
 * account is made just before its user). SQLite's LIKE folds only ASCII
 * letters; ILIKE under the "C" collation does the same (and
 * tally_nocase, a nondeterministic collation, takes no LIKE). */
static GArray *
pg_search_users (TallyApiStore  *api,
                 const char     *search,
                 gint64          after,
                 guint           limit,
                 gint64         *next_after,
                 GError        **error)
{
  g_autofree char *pattern = search != NULL ? tally_store_like_pattern (search) : NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GArray) users = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, after);
  tally_pg_params_add_text (&params, pattern);
  /* One more than asked: whether there is a next page. */
  tally_pg_params_add_int64 (&params, (gint64) limit + 1);
  res = tally_pg_run (pg_of (api),
                      "SELECT " TALLY_STORE_USER_COLUMNS_OF_U ", a.num FROM users u "
                      "JOIN accounts a ON a.id = CAST (u.account_id AS uuid) "
                      "WHERE u.erased_at IS NULL AND a.num > $1 "
                      "AND (CAST ($2 AS TEXT) IS NULL "
                      "     OR u.email COLLATE \"C\" ILIKE $2 ESCAPE '\\' "
                      "     OR u.name COLLATE \"C\" ILIKE $2 ESCAPE '\\') "
                      "ORDER BY a.num LIMIT $3",
                      &params, error);
  if (res == NULL)
    return NULL;

  users = read_users (res);
  *next_after = 0;
  if (users->len > limit)
    {
      g_array_set_size (users, limit);
      *next_after = tally_pg_get_int64 (res, limit - 1, 8);
    }
  return g_steal_pointer (&users);
}

/* Not found when no user has the address. */
static gboolean
update_by_email (TallyApiStore        *api,
                 const char           *sql,
                 TallyPgParams        *params,
                 const char           *email,
                 GError              **error)
{
  g_autofree char *lower = g_utf8_strdown (email, -1);
  gboolean changed;

  tally_pg_params_add_text (params, lower);
  if (!tally_pg_run_change (pg_of (api), sql, params, &changed, error))
    return FALSE;

  return changed || tally_pg_store_not_found (error, "No user with this email address");
}

static gboolean
pg_set_disabled (TallyApiStore  *api,
                 const char     *email,
                 gboolean        disabled,
                 GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, disabled ? 1 : 0);
  return update_by_email (api, TALLY_STORE_SET_DISABLED, &params, email, error);
}

static gboolean
pg_set_role (TallyApiStore  *api,
             const char     *email,
             TallyRole       role,
             GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_role_to_string (role));
  return update_by_email (api, TALLY_STORE_SET_ROLE, &params, email, error);
}

/* As on SQLite, no user (or an erased one) is no error: nothing changes. */
static gboolean
pg_update_user (TallyApiStore  *api,
                const char     *user_id,
                TallyRole       role,
                gboolean        disabled,
                GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_role_to_string (role));
  tally_pg_params_add_int64 (&params, disabled ? 1 : 0);
  tally_pg_params_add_text (&params, user_id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_UPDATE_USER, &params, error);
}

static gboolean
pg_count_active_admins (TallyApiStore  *api,
                        gint64         *count,
                        GError        **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg_of (api), TALLY_STORE_COUNT_ACTIVE_ADMINS, NULL,
                                          error);

  *count = res != NULL ? tally_pg_get_int64 (res, 0, 0) : 0;
  return res != NULL;
}

static const char * const erase_statements[] = {
  /* A random name per device: the key (user_id, device) wants them
   * distinct, and nothing of the old name may show through. */
  TALLY_STORE_ERASE_USER ("UPDATE devices SET device = 'erased-' || gen_random_uuid () "
                          "WHERE user_id = $1")
};

/* The sign-in throttle's count of failures names the address (on SQLite
 * it is only in memory, and expires). */
static gboolean
erase_shared_state (TallyPg          *pg,
                    const TallyUser  *user,
                    GError          **error)
{
  g_autofree char *email = g_utf8_strdown (user->email, -1);
  g_autofree char *key = g_strconcat (TALLY_SHARED_KEY_LOGIN_EMAIL ":", email, NULL);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, key);
  return tally_pg_run_command (pg, TALLY_STORE_DROP_SHARED_STATE, &params, error);
}

static gboolean
erase_rows (TallyPg          *pg,
            const TallyUser  *user,
            GError          **error)
{
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < G_N_ELEMENTS (erase_statements); i++)
    {
      TallyPgParams params = { 0 };

      tally_pg_params_add_text (&params, user->id);
      /* PostgreSQL refuses a parameter it cannot type: one the
       * statement does not use. */
      if (strstr (erase_statements[i], "$2") != NULL)
        tally_pg_params_add_int64 (&params, now);
      if (!tally_pg_run_command (pg, erase_statements[i], &params, error))
        return FALSE;
    }
  return erase_shared_state (pg, user, error);
}

/* In the caller's transaction, or in one of its own: all of the user's
 * personal data goes, or none. */
static gboolean
pg_erase_user (TallyApiStore    *api,
               const TallyUser  *user,
               GError          **error)
{
  TallyPg *pg = pg_of (api);

  if (tally_pg_in_transaction (pg))
    return erase_rows (pg, user, error);

  if (!tally_pg_begin (pg, error))
    return FALSE;
  if (!erase_rows (pg, user, error))
    {
      tally_pg_rollback (pg, NULL);
      return FALSE;
    }
  return tally_pg_commit (pg, error);
}

/* No such user reads as no consent, as on SQLite. */
static gboolean
pg_load_consent (TallyApiStore  *api,
                 const char     *user_id,
                 TallyConsent   *consent,
                 GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  memset (consent, 0, sizeof *consent);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LOAD_CONSENT, &params, error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    {
      consent->opt_in = tally_pg_get_int64 (res, 0, 0) != 0;
      consent->changed_at = tally_pg_get_int64 (res, 0, 1);
      tally_pg_copy_text (res, 0, 2, consent->text_version, sizeof consent->text_version);
    }
  return TRUE;
}

static gboolean
pg_save_consent (TallyApiStore       *api,
                 const char          *user_id,
                 const TallyConsent  *consent,
                 GError             **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, consent->opt_in ? 1 : 0);
  tally_pg_params_add_int64 (&params, consent->changed_at);
  tally_pg_params_add_text (&params, consent->text_version);
  tally_pg_params_add_text (&params, user_id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_SAVE_CONSENT, &params, error);
}

static gboolean
pg_create_session (TallyApiStore  *api,
                   const guint8    token_hash[32],
                   const char     *user_id,
                   const char     *device,
                   gint64          expires_at,
                   GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_bytes (&params, token_hash, 32);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, device);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  tally_pg_params_add_int64 (&params, expires_at);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_CREATE_SESSION, &params, error);
}

static gboolean
pg_find_session (TallyApiStore  *api,
                 const guint8    token_hash[32],
                 gint64          now,
                 TallyUser      *user,
                 GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  tally_pg_params_add_bytes (&params, token_hash, 32);
  tally_pg_params_add_int64 (&params, now);
  res = tally_pg_run (pg_of (api), TALLY_STORE_FIND_SESSION, &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such user");

  read_user (res, 0, user);
  return TRUE;
}

/* Revoked once: a second server's revocation waits for the first's row
 * and then changes nothing. No such session is no error, as on SQLite. */
static gboolean
pg_revoke_session (TallyApiStore  *api,
                   const guint8    token_hash[32],
                   gint64          now,
                   GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_bytes (&params, token_hash, 32);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_REVOKE_SESSION, &params, error);
}

/* sessions has no rowid here, its key is the hash. SKIP LOCKED: two
 * servers' sweeps take different batches, and each counts only the rows
 * it deleted. */
static gboolean
pg_delete_old_sessions (TallyApiStore  *api,
                        gint64          before,
                        gint64          limit,
                        gint64         *n_deleted,
                        GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };

  *n_deleted = 0;
  tally_pg_params_add_int64 (&params, before);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_run (pg_of (api),
                      "DELETE FROM sessions WHERE token_hash IN "
                      "(SELECT token_hash FROM sessions WHERE expires_at < $1 "
                      " OR revoked_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                      &params, error);
  if (res == NULL)
    return FALSE;

  *n_deleted = g_ascii_strtoll (PQcmdTuples (res), NULL, 10);
  return TRUE;
}

void
tally_pg_store_accounts_api_init (TallyApiStoreInterface *iface)
{
  iface->list_users = pg_list_users;
  iface->search_users = pg_search_users;
  iface->set_disabled = pg_set_disabled;
  iface->set_role = pg_set_role;
  iface->update_user = pg_update_user;
  iface->count_active_admins = pg_count_active_admins;
  iface->erase_user = pg_erase_user;
  iface->load_consent = pg_load_consent;
  iface->save_consent = pg_save_consent;
  iface->create_session = pg_create_session;
  iface->find_session = pg_find_session;
  iface->revoke_session = pg_revoke_session;
  iface->delete_old_sessions = pg_delete_old_sessions;
}
