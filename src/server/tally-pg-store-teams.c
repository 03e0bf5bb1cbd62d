/* tally-pg-store-teams.c: teams, their members, invitations and pools on
 * PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

/* Runs a query for at most one row, read by @read; NOT_FOUND naming
 * @what when there is none. */
static gboolean
fetch_one (TallyRulesStore      *rules,
           const char           *sql,
           const TallyPgParams  *params,
           void                (*read) (const PGresult *res, gpointer out),
           gpointer              out,
           const char           *what,
           GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (tally_pg_store_pg (rules), sql, params, error);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such %s", what);
      return FALSE;
    }

  read (res, out);
  return TRUE;
}

/* An UPDATE or DELETE of one row; NOT_FOUND naming @what when it
 * changed none. */
static gboolean
change_one (TallyRulesStore      *rules,
            const char           *sql,
            const TallyPgParams  *params,
            const char           *what,
            GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (tally_pg_store_pg (rules), sql, params, error);

  if (res == NULL)
    return FALSE;
  if (g_str_equal (PQcmdTuples (res), "0"))
    {
      g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such %s", what);
      return FALSE;
    }
  return TRUE;
}

/* Column 0 of every row, as strings. */
static GPtrArray *
fetch_texts (TallyRulesStore      *rules,
             const char           *sql,
             const TallyPgParams  *params,
             GError              **error)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PGresult) res = tally_pg_run (tally_pg_store_pg (rules), sql, params, error);

  if (res == NULL)
    return NULL;
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (texts, g_strdup (PQgetvalue (res, row, 0)));
  return g_steal_pointer (&texts);
}

/* --- teams --- */

/* Row @row of TALLY_STORE_TEAM_COLUMNS. */
void
tally_pg_store_read_team (const PGresult *res,
                          int             row,
                          TallyTeam      *team)
{
  memset (team, 0, sizeof *team);
  tally_pg_copy_text (res, row, 0, team->id, sizeof team->id);
  tally_pg_copy_text (res, row, 1, team->name, sizeof team->name);
  tally_pg_copy_text (res, row, 2, team->account_id, sizeof team->account_id);
  tally_team_role_from_string (PQgetvalue (res, row, 3), &team->role);
}

static void
read_team (const PGresult *res,
           gpointer        out)
{
  tally_pg_store_read_team (res, 0, out);
}

/* The team's id is a new UUID and its account a new one: the primary
 * key and the unique account refuse a second row (CONSTRAINT). */
static gboolean
pg_insert_team (TallyRulesStore  *rules,
                const TallyTeam  *team,
                const char       *created_by,
                gint64            now,
                GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, team->id);
  tally_pg_params_add_text (&params, team->name);
  tally_pg_params_add_text (&params, team->account_id);
  tally_pg_params_add_text (&params, created_by);
  tally_pg_params_add_int64 (&params, now);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO teams (id, name, account_id, created_by, created_at) "
                               "VALUES ($1, $2, $3, $4, $5)",
                               &params, error);
}

static gboolean
pg_find_team_for (TallyRulesStore  *rules,
                  const char       *team_id,
                  const char       *user_id,
                  TallyTeam        *team,
                  GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, team_id);
  tally_pg_params_add_text (&params, user_id);
  return fetch_one (rules, "SELECT " TALLY_STORE_TEAM_COLUMNS TALLY_STORE_TEAM_FROM
                    "WHERE t.id = $1 AND m.user_id = $2",
                    &params, read_team, team, "team", error);
}

/* --- members --- */

/* Row @row of TALLY_STORE_MEMBER_COLUMNS. */
void
tally_pg_store_read_member (const PGresult *res,
                            int             row,
                            TallyTeamMember *member)
{
  memset (member, 0, sizeof *member);
  tally_pg_copy_text (res, row, 0, member->user_id, sizeof member->user_id);
  tally_pg_copy_text (res, row, 1, member->email, sizeof member->email);
  tally_pg_copy_text (res, row, 2, member->name, sizeof member->name);
  tally_pg_copy_text (res, row, 3, member->account_id, sizeof member->account_id);
  tally_team_role_from_string (PQgetvalue (res, row, 4), &member->role);
  member->daily_cap = tally_pg_get_int64 (res, row, 5);
  member->monthly_cap = tally_pg_get_int64 (res, row, 6);
  member->joined_at = tally_pg_get_int64 (res, row, 7);
}

static void
read_member (const PGresult *res,
             gpointer        out)
{
  tally_pg_store_read_member (res, 0, out);
}

static gboolean
pg_find_team_member (TallyRulesStore  *rules,
                     const char       *team_id,
                     const char       *user_id,
                     TallyTeamMember  *member,
                     GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, team_id);
  tally_pg_params_add_text (&params, user_id);
  return fetch_one (rules, "SELECT " TALLY_STORE_MEMBER_COLUMNS TALLY_STORE_MEMBER_FROM
                    "WHERE m.team_id = $1 AND m.user_id = $2",
                    &params, read_member, member, "member", error);
}

static gboolean
pg_find_pool_member (TallyRulesStore  *rules,
                     const char       *account_id,
                     const char       *user_id,
                     TallyTeam        *team,
                     TallyTeamMember  *member,
                     GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_text (&params, user_id);
  if (!fetch_one (rules, "SELECT " TALLY_STORE_TEAM_COLUMNS TALLY_STORE_TEAM_FROM
                  "WHERE t.account_id = $1 AND m.user_id = $2",
                  &params, read_team, team, "team", error))
    return FALSE;

  return member == NULL || pg_find_team_member (rules, team->id, user_id, member, error);
}

/* Joining twice is joining once, whichever server's insert comes
 * second: the primary key decides, and the first role stays. */
static gboolean
pg_add_team_member (TallyRulesStore  *rules,
                    const char       *team_id,
                    const char       *user_id,
                    TallyTeamRole     role,
                    gint64            now,
                    GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, team_id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, tally_team_role_to_string (role));
  tally_pg_params_add_int64 (&params, now);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO team_members (team_id, user_id, role, joined_at) "
                               "VALUES ($1, $2, $3, $4) "
                               "ON CONFLICT (team_id, user_id) DO NOTHING",
                               &params, error);
}

static gboolean
pg_update_team_member (TallyRulesStore        *rules,
                       const char             *team_id,
                       const TallyTeamMember  *member,
                       GError                **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_team_role_to_string (member->role));
  tally_pg_params_add_int64 (&params, member->daily_cap);
  tally_pg_params_add_int64 (&params, member->monthly_cap);
  tally_pg_params_add_text (&params, team_id);
  tally_pg_params_add_text (&params, member->user_id);
  return change_one (rules,
                     "UPDATE team_members SET role = $1, daily_cap = $2, monthly_cap = $3 "
                     "WHERE team_id = $4 AND user_id = $5",
                     &params, "member", error);
}

static gboolean
pg_remove_team_member (TallyRulesStore  *rules,
                       const char       *team_id,
                       const char       *user_id,
                       GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, team_id);
  tally_pg_params_add_text (&params, user_id);
  return change_one (rules, "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2",
                     &params, "member", error);
}

/* -1 and @error when the store failed. */
static gint64
pg_count_team_owners (TallyRulesStore  *rules,
                      const char       *team_id,
                      GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, team_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT count (*) FROM team_members WHERE team_id = $1 AND role = 'owner'",
                      &params, error);
  return res != NULL ? tally_pg_get_int64 (res, 0, 0) : -1;
}

/* --- invitations --- */

static void
read_invitation (const PGresult *res,
                 gpointer        out)
{
  TallyTeamInvitation *invitation = out;

  memset (invitation, 0, sizeof *invitation);
  tally_pg_copy_text (res, 0, 0, invitation->id, sizeof invitation->id);
  tally_pg_copy_text (res, 0, 1, invitation->team_id, sizeof invitation->team_id);
  tally_pg_copy_text (res, 0, 2, invitation->email, sizeof invitation->email);
  tally_team_role_from_string (PQgetvalue (res, 0, 3), &invitation->role);
  invitation->created_at = tally_pg_get_int64 (res, 0, 4);
  invitation->expires_at = tally_pg_get_int64 (res, 0, 5);
  invitation->accepted_at = tally_pg_get_int64 (res, 0, 6);
}

static gboolean
pg_insert_invitation (TallyRulesStore            *rules,
                      const TallyTeamInvitation  *invitation,
                      const guint8                token_hash[32],
                      const char                 *invited_by,
                      GError                    **error)
{
  g_autofree char *email = g_utf8_strdown (invitation->email, -1);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, invitation->id);
  tally_pg_params_add_text (&params, invitation->team_id);
  tally_pg_params_add_text (&params, email);
  tally_pg_params_add_text (&params, tally_team_role_to_string (invitation->role));
  tally_pg_params_add_bytes (&params, token_hash, 32);
  tally_pg_params_add_text (&params, invited_by);
  tally_pg_params_add_int64 (&params, invitation->created_at);
  tally_pg_params_add_int64 (&params, invitation->expires_at);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO team_invitations (id, team_id, email, role, "
                               "token_hash, invited_by, created_at, expires_at) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                               &params, error);
}

static gboolean
pg_find_invitation (TallyRulesStore      *rules,
                    const guint8          token_hash[32],
                    TallyTeamInvitation  *invitation,
                    GError              **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_bytes (&params, token_hash, 32);
  return fetch_one (rules, "SELECT " TALLY_STORE_INVITATION_COLUMNS
                    "FROM team_invitations WHERE token_hash = $1",
                    &params, read_invitation, invitation, "invitation", error);
}

/* Two servers accepting one invitation: the second UPDATE waits for the
 * first's commit, then finds accepted_at set and changes nothing, which
 * is NOT_FOUND, as a second acceptance is on SQLite. */
static gboolean
pg_accept_invitation (TallyRulesStore  *rules,
                      const char       *id,
                      const char       *user_id,
                      gint64            now,
                      GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, id);
  return change_one (rules,
                     "UPDATE team_invitations SET accepted_by = $1, accepted_at = $2 "
                     "WHERE id = $3 AND accepted_at IS NULL",
                     &params, "invitation", error);
}

/* --- spending from the pool --- */

/* As tally_store_member_spend(): the member's live holds and charged
 * runs created in [@since, @until), their offline spend synced in it,
 * and what is still unspent of their devices' live leases on the pool. */
static gboolean
pg_member_spend (TallyRulesStore  *rules,
                 const char       *account_id,
                 const char       *user_id,
                 gint64            since,
                 gint64            until,
                 gint64            now,
                 gint64           *spent,
                 GError          **error)
{
  g_autofree char *lease_prefix = tally_pool_device_key (account_id, "");
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_int64 (&params, since);
  tally_pg_params_add_int64 (&params, until);
  tally_pg_params_add_text (&params, lease_prefix);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT (SELECT coalesce (sum (CASE "
                      "WHEN status = 'authorized' AND hold_expires_at > $1 THEN held "
                      "WHEN status = 'succeeded' THEN charged ELSE 0 END), 0) FROM runs "
                      "WHERE account_id = $2 AND user_id = $3 "
                      "AND created_at >= $4 AND created_at < $5) + "
                      "(SELECT coalesce (sum (charged), 0) FROM pool_spend "
                      "WHERE account_id = $2 AND user_id = $3 "
                      "AND created_at >= $4 AND created_at < $5) + "
                      "(SELECT coalesce (sum (lease_amount - lease_spent), 0) FROM devices "
                      "WHERE user_id = $3 AND starts_with (device, $6) "
                      "AND coalesce (lease_id, '') != '' AND lease_expires_at > $1)",
                      &params, error);
  if (res == NULL)
    return FALSE;

  *spent = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

/* The operation's id is the key: a second server recording one sync's
 * spend is refused (CONSTRAINT) with the rest of its transaction. */
static gboolean
pg_add_pool_spend (TallyRulesStore  *rules,
                   const char       *op_id,
                   const char       *account_id,
                   const char       *user_id,
                   gint64            charged,
                   gint64            now,
                   GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, op_id);
  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_int64 (&params, charged);
  tally_pg_params_add_int64 (&params, now);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO pool_spend (op_id, account_id, user_id, charged, "
                               "created_at) VALUES ($1, $2, $3, $4, $5)",
                               &params, error);
}

/* The device keys of the member's leases on the pool. */
static GPtrArray *
pg_list_pool_leases (TallyRulesStore  *rules,
                     const char       *account_id,
                     const char       *user_id,
                     GError          **error)
{
  g_autofree char *prefix = tally_pool_device_key (account_id, "");
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, prefix);
  return fetch_texts (rules,
                      "SELECT device FROM devices WHERE user_id = $1 "
                      "AND starts_with (device, $2) AND coalesce (lease_id, '') != ''",
                      &params, error);
}

static GPtrArray *
pg_list_pool_member_accounts (TallyRulesStore  *rules,
                              const char       *account_id,
                              GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, account_id);
  return fetch_texts (rules,
                      "SELECT u.account_id " TALLY_STORE_TEAM_FROM
                      "JOIN users u ON u.id = m.user_id WHERE t.account_id = $1",
                      &params, error);
}

void
tally_pg_store_teams_init (TallyRulesStoreInterface *iface)
{
  iface->insert_team = pg_insert_team;
  iface->find_team_for = pg_find_team_for;
  iface->find_team_member = pg_find_team_member;
  iface->find_pool_member = pg_find_pool_member;
  iface->add_team_member = pg_add_team_member;
  iface->update_team_member = pg_update_team_member;
  iface->remove_team_member = pg_remove_team_member;
  iface->count_team_owners = pg_count_team_owners;
  iface->insert_invitation = pg_insert_invitation;
  iface->find_invitation = pg_find_invitation;
  iface->accept_invitation = pg_accept_invitation;
  iface->member_spend = pg_member_spend;
  iface->add_pool_spend = pg_add_pool_spend;
  iface->list_pool_leases = pg_list_pool_leases;
  iface->list_pool_member_accounts = pg_list_pool_member_accounts;
}
