/* tally-users.c: the rules of managing users (roles, disabling, erasure)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-log.h"
#include "tally-store-users.h"
#include "tally-users.h"

/* The name an erased user's account keeps in the ledger. */
#define ERASED_ACCOUNT_NAME "Erased user"

static gboolean
active_admin (const TallyUser *user)
{
  return user->role == TALLY_ROLE_ADMIN && !user->disabled;
}

/* Finds a user who was not erased; the result says why not otherwise. */
static gboolean
find_live_user (TallyApiStore     *store,
                const char        *user_id,
                TallyUser         *user,
                TallyUsersResult  *result,
                GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean erased = FALSE;

  *result = TALLY_USERS_OK;
  if (!tally_rules_store_find_user_by_id (TALLY_RULES_STORE (store), user_id, user, &local_error))
    {
      if (!g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *result = TALLY_USERS_NOT_FOUND;
      return TRUE;
    }

  if (!tally_rules_store_user_is_erased (TALLY_RULES_STORE (store), user_id, &erased, error))
    return FALSE;
  if (erased)
    *result = TALLY_USERS_ERASED;
  return TRUE;
}

/* An admin who can sign in leaving that state must not be the last. */
static gboolean
check_last_admin (TallyApiStore     *store,
                  const TallyUser   *before,
                  gboolean           stays_active_admin,
                  TallyUsersResult  *result,
                  GError           **error)
{
  gint64 admins;

  if (!active_admin (before) || stays_active_admin)
    return TRUE;
  if (!tally_api_store_count_active_admins (store, &admins, error))
    return FALSE;
  if (admins <= 1)
    *result = TALLY_USERS_LAST_ADMIN;
  return TRUE;
}

gboolean
tally_users_update (TallyApiStore          *store,
                    TallyAudit             *audit,
                    const TallyUser        *actor,
                    const char             *user_id,
                    const TallyUserChange  *change,
                    TallyUser              *user,
                    TallyUsersResult       *result,
                    GError                **error)
{
  TallyUser before;
  TallyRole role;
  gboolean disabled;

  if (!find_live_user (store, user_id, &before, result, error))
    return FALSE;
  if (*result != TALLY_USERS_OK)
    return TRUE;

  role = change->set_role ? change->role : before.role;
  disabled = change->set_disabled ? change->disabled : before.disabled;
  if (!check_last_admin (store, &before, role == TALLY_ROLE_ADMIN && !disabled, result, error))
    return FALSE;
  if (*result != TALLY_USERS_OK)
    return TRUE;

  return tally_api_store_update_user (store, user_id, role, disabled, error) &&
         tally_audit_record (audit, actor, "admin.user_updated", user_id, "ok",
                             tally_audit_details ("ssbb",
                                                  "role", tally_role_to_string (role),
                                                  "previous_role",
                                                  tally_role_to_string (before.role),
                                                  "disabled", disabled,
                                                  "previous_disabled", before.disabled),
                             error) &&
         tally_rules_store_find_user_by_id (TALLY_RULES_STORE (store), user_id, user, error);
}

gboolean
tally_users_erase (TallyApiStore     *store,
                   TallyAudit        *audit,
                   const TallyUser   *actor,
                   const char        *user_id,
                   TallyUser         *user,
                   TallyUsersResult  *result,
                   GError           **error)
{
  if (!find_live_user (store, user_id, user, result, error))
    return FALSE;
  if (*result != TALLY_USERS_OK)
    return TRUE;
  if (!check_last_admin (store, user, FALSE, result, error))
    return FALSE;
  if (*result != TALLY_USERS_OK)
    return TRUE;

  /* Recorded first, so the record of the erasure is pseudonymised too
   * when the user erased themselves. */
  if (!tally_audit_record (audit, actor, "user.erased", user->id, "ok",
                           tally_audit_details ("s", "by",
                                                g_strcmp0 (actor->id, user->id) == 0 ?
                                                "self" : "admin"),
                           error))
    return FALSE;

  return tally_users_sweep_erased (store, audit, user, error) &&
         tally_api_store_rename_account (store, user->account_id,
                                         ERASED_ACCOUNT_NAME, error);
}

gboolean
tally_users_sweep_erased (TallyApiStore    *store,
                          TallyAudit       *audit,
                          const TallyUser  *user,
                          GError          **error)
{
  TallyAuditSubject subject = { user->id, user->account_id, user->email, user->name };
  gint64 n_changed, n_legacy;

  if (!tally_audit_pseudonymise (audit, &subject, &n_changed, &n_legacy, error))
    return FALSE;
  if (n_legacy > 0)
    tally_log_warning ("audit_legacy_records",
                       "Audit records written before format 2 still hold an erased "
                       "user's email; see docs/privacy.md");

  return tally_api_store_erase_user (store, user, error);
}

gboolean
tally_users_set_consent (TallyApiStore    *store,
                         TallyAudit       *audit,
                         const TallyUser  *user,
                         gboolean          opt_in,
                         const char       *text_version,
                         TallyConsent     *consent,
                         GError          **error)
{
  if (!tally_api_store_load_consent (store, user->id, consent, error))
    return FALSE;
  if (consent->changed_at != 0 && consent->opt_in == opt_in &&
      g_strcmp0 (consent->text_version, text_version) == 0)
    return TRUE;

  consent->opt_in = opt_in;
  consent->changed_at = g_get_real_time ();
  g_strlcpy (consent->text_version, text_version, sizeof consent->text_version);
  return tally_api_store_save_consent (store, user->id, consent, error) &&
         tally_audit_record (audit, user, "consent.changed", user->id, "ok",
                             tally_audit_details ("bs", "marketing_opt_in", opt_in,
                                                  "text_version", text_version),
                             error);
}
