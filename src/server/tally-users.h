/* tally-users.h: the rules of managing users (roles, disabling, erasure),
 * free of HTTP: decoded requests in, named results out
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-audit.h"
#include "tally-api-store.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_USERS_OK,
  TALLY_USERS_NOT_FOUND,
  /* Erased already: nothing of them is left to change. */
  TALLY_USERS_ERASED,
  /* The change would leave no admin who can sign in. */
  TALLY_USERS_LAST_ADMIN,
} TallyUsersResult;

/* PUT /v1/admin/users/{id}: what to change; unset members stay. */
typedef struct
{
  gboolean  set_role;
  TallyRole role;
  gboolean  set_disabled;
  gboolean  disabled;
} TallyUserChange;

/* Each runs inside a writer func and records itself in the audit log.
 * FALSE only when storage failed. */
gboolean tally_users_update (TallyApiStore          *store,
                             TallyAudit             *audit,
                             const TallyUser        *actor,
                             const char             *user_id,
                             const TallyUserChange  *change,
                             TallyUser              *user,
                             TallyUsersResult       *result,
                             GError                **error);
/* Deletes the user's personal data: their row keeps only ids, sessions
 * go, the ledger account is renamed, audit records are pseudonymised.
 * Balances and every transfer stay. @user gets who they were (for the
 * caller to close their WebSockets after the commit). */
gboolean tally_users_erase  (TallyApiStore     *store,
                             TallyAudit        *audit,
                             const TallyUser   *actor,
                             const char        *user_id,
                             TallyUser         *user,
                             TallyUsersResult  *result,
                             GError           **error);

/* Erases again what requests of @user (as they were before erasure)
 * wrote after it: they were authenticated before its commit, and their
 * writes landed after. */
gboolean tally_users_sweep_erased (TallyApiStore    *store,
                                   TallyAudit       *audit,
                                   const TallyUser  *user,
                                   GError          **error);

/* Marketing email consent as the user gave it with @text_version of the
 * consent text. Saying the same again keeps the time it was first said;
 * a change is recorded in the audit log. *@consent is what is now stored. */
gboolean tally_users_set_consent (TallyApiStore         *store,
                                  TallyAudit            *audit,
                                  const TallyUser       *user,
                                  gboolean               opt_in,
                                  const char            *text_version,
                                  struct _TallyConsent  *consent,
                                  GError               **error);

G_END_DECLS
