/* tally-store-teams.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-private.h"
#include "tally-store-sql.h"
#include "tally-store-teams.h"

static const char * const team_roles[] = {
  [TALLY_TEAM_ROLE_OWNER] = "owner",
  [TALLY_TEAM_ROLE_ADMIN] = "admin",
  [TALLY_TEAM_ROLE_MEMBER] = "member",
};

const char *
tally_team_role_to_string (TallyTeamRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (team_roles), NULL);

  return team_roles[role];
}

gboolean
tally_team_role_from_string (const char    *text,
                             TallyTeamRole *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (team_roles); i++)
    {
      if (g_strcmp0 (text, team_roles[i]) == 0)
        {
          *role = (TallyTeamRole) i;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such %s", what);
  return FALSE;
}

/* Steps a statement expected to give one row, read by @read; not found
 * when it gives none. */
static gboolean
fetch_one (TallyStore    *self,
           sqlite3_stmt  *stmt,
           void         (*read) (sqlite3_stmt *stmt, gpointer out),
           gpointer       out,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    read (stmt, out);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return not_found (error, what);
}

/* Steps a statement to its end, appending each row read by @read. */
static GArray *
fetch_all (TallyStore    *self,
           sqlite3_stmt  *stmt,
           void         (*read) (sqlite3_stmt *stmt, gpointer out),
           gsize          size,
           GError       **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, size);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_array_set_size (rows, rows->len + 1);
      read (stmt, rows->data + (gsize) (rows->len - 1) * size);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static gboolean
changed_one (TallyStore    *self,
             sqlite3_stmt  *stmt,
             const char    *what,
             GError       **error)
{
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (tally_ledger_get_sqlite (tally_store_get_ledger (self))) == 0)
    return not_found (error, what);
  return TRUE;
}

/* --- teams --- */

static void
read_team (sqlite3_stmt *stmt,
           gpointer      out)
{
  TallyTeam *team = out;

  memset (team, 0, sizeof *team);
  tally_store_copy_text (stmt, 0, team->id, sizeof team->id);
  tally_store_copy_text (stmt, 1, team->name, sizeof team->name);
  tally_store_copy_text (stmt, 2, team->account_id, sizeof team->account_id);
  tally_team_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &team->role);
}

gboolean
tally_store_insert_team (TallyStore       *self,
                         const TallyTeam  *team,
                         const char       *created_by,
                         gint64            now,
                         GError          **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO teams (id, name, account_id, "
                                            "created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, team->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, team->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, team->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, created_by, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, now);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_add_team_member (TallyStore     *self,
                             const char     *team_id,
                             const char     *user_id,
                             TallyTeamRole   role,
                             gint64          now,
                             GError        **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO team_members (team_id, user_id, role, "
                                            "joined_at) VALUES (?, ?, ?, ?) "
                                            "ON CONFLICT (team_id, user_id) DO NOTHING",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, tally_team_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_find_team_for (TallyStore  *self,
                           const char  *team_id,
                           const char  *user_id,
                           TallyTeam   *team,
                           GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_TEAM_COLUMNS
                                            TALLY_STORE_TEAM_FROM
                                            "WHERE t.id = ? AND m.user_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  return fetch_one (self, stmt, read_team, team, "team", error);
}

gboolean
tally_store_find_pool_member (TallyStore       *self,
                              const char       *account_id,
                              const char       *user_id,
                              TallyTeam        *team,
                              TallyTeamMember  *member,
                              GError          **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_TEAM_COLUMNS
                                            TALLY_STORE_TEAM_FROM
                                            "WHERE t.account_id = ? AND m.user_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  if (!fetch_one (self, stmt, read_team, team, "team", error))
    return FALSE;

  return member == NULL || tally_store_find_team_member (self, team->id, user_id, member, error);
}

GArray *
tally_store_list_teams (TallyStore  *self,
                        const char  *user_id,
                        GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_TEAM_COLUMNS
                                            TALLY_STORE_TEAM_FROM
                                            "WHERE m.user_id = ? ORDER BY t.name, t.id",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  return fetch_all (self, stmt, read_team, sizeof (TallyTeam), error);
}

/* --- members --- */

static void
read_member (sqlite3_stmt *stmt,
             gpointer      out)
{
  TallyTeamMember *member = out;

  memset (member, 0, sizeof *member);
  tally_store_copy_text (stmt, 0, member->user_id, sizeof member->user_id);
  tally_store_copy_text (stmt, 1, member->email, sizeof member->email);
  tally_store_copy_text (stmt, 2, member->name, sizeof member->name);
  tally_store_copy_text (stmt, 3, member->account_id, sizeof member->account_id);
  tally_team_role_from_string ((const char *) sqlite3_column_text (stmt, 4), &member->role);
  member->daily_cap = sqlite3_column_int64 (stmt, 5);
  member->monthly_cap = sqlite3_column_int64 (stmt, 6);
  member->joined_at = sqlite3_column_int64 (stmt, 7);
}

GArray *
tally_store_list_team_members (TallyStore  *self,
                               const char  *team_id,
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LIST_TEAM_MEMBERS, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  return fetch_all (self, stmt, read_member, sizeof (TallyTeamMember), error);
}

gboolean
tally_store_find_team_member (TallyStore       *self,
                              const char       *team_id,
                              const char       *user_id,
                              TallyTeamMember  *member,
                              GError          **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_MEMBER_COLUMNS
                                            TALLY_STORE_MEMBER_FROM
                                            "WHERE m.team_id = ? AND m.user_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  return fetch_one (self, stmt, read_member, member, "member", error);
}

gboolean
tally_store_update_team_member (TallyStore             *self,
                                const char             *team_id,
                                const TallyTeamMember  *member,
                                GError                **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE team_members SET role = ?, daily_cap = ?, "
                                            "monthly_cap = ? WHERE team_id = ? AND user_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tally_team_role_to_string (member->role), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, member->daily_cap);
  sqlite3_bind_int64 (stmt, 3, member->monthly_cap);
  sqlite3_bind_text (stmt, 4, team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, member->user_id, -1, SQLITE_STATIC);
  return changed_one (self, stmt, "member", error);
}

gboolean
tally_store_remove_team_member (TallyStore  *self,
                                const char  *team_id,
                                const char  *user_id,
                                GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "DELETE FROM team_members "
                                            "WHERE team_id = ? AND user_id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  return changed_one (self, stmt, "member", error);
}

gint64
tally_store_count_team_owners (TallyStore  *self,
                               const char  *team_id,
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT count(*) FROM team_members "
                                            "WHERE team_id = ? AND role = 'owner'",
                                            error);
  gint64 count = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, team_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    tally_store_sqlite_failed (self, error);
  sqlite3_reset (stmt);
  return count;
}

/* --- invitations --- */

static void
read_invitation (sqlite3_stmt *stmt,
                 gpointer      out)
{
  TallyTeamInvitation *invitation = out;

  memset (invitation, 0, sizeof *invitation);
  tally_store_copy_text (stmt, 0, invitation->id, sizeof invitation->id);
  tally_store_copy_text (stmt, 1, invitation->team_id, sizeof invitation->team_id);
  tally_store_copy_text (stmt, 2, invitation->email, sizeof invitation->email);
  tally_team_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &invitation->role);
  invitation->created_at = sqlite3_column_int64 (stmt, 4);
  invitation->expires_at = sqlite3_column_int64 (stmt, 5);
  invitation->accepted_at = sqlite3_column_int64 (stmt, 6);
}

gboolean
tally_store_insert_invitation (TallyStore                 *self,
                               const TallyTeamInvitation  *invitation,
                               const guint8                token_hash[32],
                               const char                 *invited_by,
                               GError                    **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO team_invitations (id, team_id, email, "
                                            "role, token_hash, invited_by, created_at, "
                                            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, invitation->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, invitation->team_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, g_utf8_strdown (invitation->email, -1), -1, g_free);
  sqlite3_bind_text (stmt, 4, tally_team_role_to_string (invitation->role), -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 5, token_hash, 32, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, invited_by, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, invitation->created_at);
  sqlite3_bind_int64 (stmt, 8, invitation->expires_at);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_find_invitation (TallyStore           *self,
                             const guint8          token_hash[32],
                             TallyTeamInvitation  *invitation,
                             GError              **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_INVITATION_COLUMNS
                                            "FROM team_invitations WHERE token_hash = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, token_hash, 32, SQLITE_STATIC);
  return fetch_one (self, stmt, read_invitation, invitation, "invitation", error);
}

gboolean
tally_store_accept_invitation (TallyStore  *self,
                               const char  *id,
                               const char  *user_id,
                               gint64       now,
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE team_invitations SET accepted_by = ?, "
                                            "accepted_at = ? WHERE id = ? AND accepted_at IS NULL",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  return changed_one (self, stmt, "invitation", error);
}

/* --- spending from the pool --- */

gboolean
tally_store_member_spend (TallyStore  *self,
                          const char  *account_id,
                          const char  *user_id,
                          gint64       since,
                          gint64       until,
                          gint64       now,
                          gint64      *spent,
                          GError     **error)
{
  g_autofree char *lease_prefix = tally_pool_device_key (account_id, "");
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT (SELECT coalesce (sum (CASE "
                                            "WHEN status = 'authorized' AND hold_expires_at > ?1 "
                                            "THEN held WHEN status = 'succeeded' THEN charged "
                                            "ELSE 0 END), 0) FROM runs "
                                            "WHERE account_id = ?2 AND user_id = ?3 "
                                            "AND created_at >= ?4 AND created_at < ?5) + "
                                            "(SELECT coalesce (sum (charged), 0) FROM pool_spend "
                                            "WHERE account_id = ?2 AND user_id = ?3 "
                                            "AND created_at >= ?4 AND created_at < ?5) + "
                                            "(SELECT coalesce (sum (lease_amount - lease_spent), "
                                            "0) FROM devices WHERE user_id = ?3 "
                                            "AND substr (device, 1, length (?6)) = ?6 "
                                            "AND coalesce (lease_id, '') != '' "
                                            "AND lease_expires_at > ?1)",
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, since);
  sqlite3_bind_int64 (stmt, 5, until);
  sqlite3_bind_text (stmt, 6, lease_prefix, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *spent = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return rc == SQLITE_ROW || tally_store_sqlite_failed (self, error);
}

static void
read_member_usage (sqlite3_stmt *stmt,
                   gpointer      out)
{
  TallyMemberUsage *usage = out;

  tally_store_copy_text (stmt, 0, usage->user_id, sizeof usage->user_id);
  usage->spent = sqlite3_column_int64 (stmt, 1);
  usage->runs = sqlite3_column_int64 (stmt, 2);
}

GArray *
tally_store_pool_usage_by_member (TallyStore  *self,
                                  const char  *account_id,
                                  gint64       since,
                                  gint64       until,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_POOL_USAGE_BY_MEMBER, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, until);
  return fetch_all (self, stmt, read_member_usage, sizeof (TallyMemberUsage), error);
}

/* --- offline spending on a pool --- */

char *
tally_pool_device_key (const char *account_id,
                       const char *device)
{
  return g_strdup_printf ("pool:%s:%s", account_id, device);
}

gboolean
tally_store_add_pool_spend (TallyStore  *self,
                            const char  *op_id,
                            const char  *account_id,
                            const char  *user_id,
                            gint64       charged,
                            gint64       now,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO pool_spend (op_id, account_id, user_id, "
                                            "charged, created_at) VALUES (?, ?, ?, ?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, charged);
  sqlite3_bind_int64 (stmt, 5, now);
  return tally_store_step_done (self, stmt, error);
}

GPtrArray *
tally_store_list_pool_leases (TallyStore  *self,
                              const char  *account_id,
                              const char  *user_id,
                              GError     **error)
{
  g_autofree char *prefix = tally_pool_device_key (account_id, "");
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT device FROM devices WHERE user_id = ? "
                                            "AND substr (device, 1, length (?2)) = ?2 "
                                            "AND coalesce (lease_id, '') != ''",
                                            error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, prefix, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (keys, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&keys);
}

GPtrArray *
tally_store_list_pool_member_accounts (TallyStore  *self,
                                       const char  *account_id,
                                       GError     **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT u.account_id FROM teams t "
                                            "JOIN team_members m ON m.team_id = t.id "
                                            "JOIN users u ON u.id = m.user_id "
                                            "WHERE t.account_id = ?",
                                            error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (accounts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&accounts);
}
