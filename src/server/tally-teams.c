/* tally-teams.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-auth.h"
#include "tally-pool-spend.h"
#include "tally-store-sync.h"
#include "tally-teams.h"

static gboolean
is_not_found (const GError *error)
{
  return g_error_matches (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* FALSE with @error only when the store failed; *@found says whether
 * there was a row. */
static gboolean
found_or_failed (gboolean   ok,
                 GError   **local_error,
                 gboolean  *found,
                 GError   **error)
{
  *found = ok;
  if (ok || is_not_found (*local_error))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (local_error));
  return FALSE;
}

static gboolean
audit (const TallyTeamsContext  *ctx,
       const char               *action,
       const char               *target,
       JsonObject               *details,
       GError                  **error)
{
  return tally_audit_record (ctx->audit, ctx->actor, action, target, "ok", details, error);
}

/* The team, if the actor is in it, with the actor's role. */
static gboolean
find_own_team (const TallyTeamsContext  *ctx,
               const char               *team_id,
               TallyTeam                *team,
               TallyTeamsResult         *result,
               GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean found;

  if (!found_or_failed (tally_rules_store_find_team_for (ctx->store, team_id, ctx->actor->id, team,
                                                         &local_error),
                        &local_error, &found, error))
    return FALSE;

  *result = found ? TALLY_TEAMS_OK : TALLY_TEAMS_NOT_FOUND;
  return TRUE;
}

/* The team, if the actor is an owner or admin of it. */
static gboolean
find_managed_team (const TallyTeamsContext  *ctx,
                   const char               *team_id,
                   TallyTeam                *team,
                   TallyTeamsResult         *result,
                   GError                  **error)
{
  if (!find_own_team (ctx, team_id, team, result, error))
    return FALSE;

  if (*result == TALLY_TEAMS_OK && team->role == TALLY_TEAM_ROLE_MEMBER)
    *result = TALLY_TEAMS_FORBIDDEN;
  return TRUE;
}

static gboolean
find_member (const TallyTeamsContext  *ctx,
             const char               *team_id,
             const char               *user_id,
             TallyTeamMember          *member,
             gboolean                 *found,
             GError                  **error)
{
  g_autoptr(GError) local_error = NULL;

  return found_or_failed (tally_rules_store_find_team_member (ctx->store, team_id, user_id, member,
                                                              &local_error),
                          &local_error, found, error);
}

gboolean
tally_teams_find (const TallyTeamsContext  *ctx,
                  const char               *team_id,
                  TallyTeam                *team,
                  TallyTeamsResult         *result,
                  GError                  **error)
{
  return find_own_team (ctx, team_id, team, result, error);
}

/* --- creating --- */

/* At most @max_bytes of @text, ending on a character boundary. */
static char *
utf8_prefix (const char *text,
             gsize       max_bytes)
{
  const char *end = text;

  while (*end != '\0' && (gsize) (g_utf8_next_char (end) - text) <= max_bytes)
    end = g_utf8_next_char (end);
  return g_strndup (text, end - text);
}

gboolean
tally_teams_create (const TallyTeamsContext  *ctx,
                    const char               *name,
                    TallyTeam                *team,
                    GError                  **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  g_autofree char *account_name = NULL;
  gint64 now = g_get_real_time ();
  TallyAccount account;

  memset (team, 0, sizeof *team);
  g_strlcpy (team->id, id, sizeof team->id);
  g_strlcpy (team->name, name, sizeof team->name);
  g_strlcpy (team->account_id, account_id, sizeof team->account_id);
  team->role = TALLY_TEAM_ROLE_OWNER;

  /* The pool can never be overdrawn, whoever spends from it. Its name is
   * the team's, cut on a character boundary where it is too long. */
  account_name = utf8_prefix (name, sizeof account.name - 1);
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_TEAM,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, account_name, "UTC");

  return tally_rules_store_create_account (ctx->store, &account, error) &&
         tally_rules_store_insert_team (ctx->store, team, ctx->actor->id, now, error) &&
         tally_rules_store_add_team_member (ctx->store, team->id, ctx->actor->id,
                                            TALLY_TEAM_ROLE_OWNER, now, error) &&
         audit (ctx, "team.create", team->id,
                tally_audit_details ("ss", "name", name, "account_id", account_id), error);
}

/* --- invitations --- */

static gboolean
is_member_by_email (const TallyTeamsContext  *ctx,
                    const char               *team_id,
                    const char               *email,
                    gboolean                 *member,
                    GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyTeamMember row;
  TallyUser user;
  gboolean found;

  *member = FALSE;
  if (!found_or_failed (tally_rules_store_find_user_by_email (ctx->store, email, &user, NULL,
                                                              &local_error),
                        &local_error, &found, error))
    return FALSE;

  return !found || find_member (ctx, team_id, user.id, &row, member, error);
}

gboolean
tally_teams_invite (const TallyTeamsContext  *ctx,
                    const char               *team_id,
                    const char               *email,
                    TallyTeamRole             role,
                    gint64                    ttl_seconds,
                    TallyTeamInvitation      *invitation,
                    char                    **token,
                    TallyTeamsResult         *result,
                    GError                  **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *secret = NULL;
  gboolean member;
  TallyTeam team;
  guint8 hash[32];

  if (!find_managed_team (ctx, team_id, &team, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;

  if (!is_member_by_email (ctx, team_id, email, &member, error))
    return FALSE;
  if (member)
    {
      *result = TALLY_TEAMS_ALREADY_MEMBER;
      return TRUE;
    }

  memset (invitation, 0, sizeof *invitation);
  g_strlcpy (invitation->id, id, sizeof invitation->id);
  g_strlcpy (invitation->team_id, team_id, sizeof invitation->team_id);
  /* Addresses are kept lower-case, as users' are. */
  {
    g_autofree char *lower = g_utf8_strdown (email, -1);

    g_strlcpy (invitation->email, lower, sizeof invitation->email);
  }
  invitation->role = role;
  invitation->created_at = g_get_real_time ();
  invitation->expires_at = invitation->created_at + ttl_seconds * G_USEC_PER_SEC;

  secret = tally_token_new ();
  tally_token_hash (secret, hash);
  if (!tally_rules_store_insert_invitation (ctx->store, invitation, hash, ctx->actor->id, error) ||
      !audit (ctx, "team.invite", team_id,
              tally_audit_details ("sss", "invitation_id", id, "email", email, "role",
                                   tally_team_role_to_string (role)),
              error))
    return FALSE;

  *token = g_steal_pointer (&secret);
  return TRUE;
}

gboolean
tally_teams_accept (const TallyTeamsContext  *ctx,
                    const char               *token,
                    TallyTeam                *team,
                    TallyTeamsResult         *result,
                    GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyTeamInvitation invitation;
  gint64 now = g_get_real_time ();
  gboolean found;
  guint8 hash[32];

  tally_token_hash (token, hash);
  if (!found_or_failed (tally_rules_store_find_invitation (ctx->store, hash, &invitation,
                                                           &local_error),
                        &local_error, &found, error))
    return FALSE;

  /* Someone else's invitation is no more there than a made-up one. */
  if (!found || g_ascii_strcasecmp (invitation.email, ctx->actor->email) != 0)
    {
      *result = TALLY_TEAMS_NOT_FOUND;
      return TRUE;
    }
  if (invitation.accepted_at != 0 || invitation.expires_at <= now)
    {
      *result = TALLY_TEAMS_EXPIRED;
      return TRUE;
    }

  if (!tally_rules_store_accept_invitation (ctx->store, invitation.id, ctx->actor->id, now,
                                            error) ||
      !tally_rules_store_add_team_member (ctx->store, invitation.team_id, ctx->actor->id,
                                          invitation.role, now, error) ||
      !audit (ctx, "team.join", invitation.team_id,
              tally_audit_details ("ss", "invitation_id", invitation.id, "role",
                                   tally_team_role_to_string (invitation.role)),
              error))
    return FALSE;

  return find_own_team (ctx, invitation.team_id, team, result, error);
}

/* --- members --- */

/* Whether @actor_role may change or remove a member of @target_role:
 * owners anyone, admins plain members (and themselves), members nobody
 * but themselves. */
static gboolean
may_manage (TallyTeamRole actor_role,
            TallyTeamRole target_role)
{
  switch (actor_role)
    {
    case TALLY_TEAM_ROLE_OWNER:
      return TRUE;
    case TALLY_TEAM_ROLE_ADMIN:
      return target_role == TALLY_TEAM_ROLE_MEMBER;
    case TALLY_TEAM_ROLE_MEMBER:
    default:
      return FALSE;
    }
}

/* A change that would leave the team without an owner. */
static gboolean
loses_last_owner (const TallyTeamsContext  *ctx,
                  const char               *team_id,
                  const TallyTeamMember    *target,
                  gboolean                 *last,
                  GError                  **error)
{
  gint64 owners;

  *last = FALSE;
  if (target->role != TALLY_TEAM_ROLE_OWNER)
    return TRUE;

  owners = tally_rules_store_count_team_owners (ctx->store, team_id, error);
  *last = owners == 1;
  return owners >= 0;
}

/* Finds the team and the member @user_id the actor wants to act on. */
static gboolean
find_target (const TallyTeamsContext  *ctx,
             const char               *team_id,
             const char               *user_id,
             TallyTeam                *team,
             TallyTeamMember          *target,
             TallyTeamsResult         *result,
             GError                  **error)
{
  gboolean found;

  if (!find_own_team (ctx, team_id, team, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;

  if (!find_member (ctx, team_id, user_id, target, &found, error))
    return FALSE;
  if (!found)
    *result = TALLY_TEAMS_NOT_FOUND;
  return TRUE;
}

static void
apply_change (TallyTeamMember         *member,
              const TallyMemberChange *change)
{
  if (change->has_role)
    member->role = change->role;
  if (change->has_daily_cap)
    member->daily_cap = change->daily_cap;
  if (change->has_monthly_cap)
    member->monthly_cap = change->monthly_cap;
}

gboolean
tally_teams_change_member (const TallyTeamsContext  *ctx,
                           const char               *team_id,
                           const char               *user_id,
                           const TallyMemberChange  *change,
                           TallyTeamMember          *member,
                           TallyTeamsResult         *result,
                           GError                  **error)
{
  TallyTeam team;
  gboolean last;

  if (!find_target (ctx, team_id, user_id, &team, member, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;

  /* Caps and roles are set by owners and admins, never by a member on
   * themselves; only an owner makes or unmakes an owner. */
  if (team.role == TALLY_TEAM_ROLE_MEMBER ||
      (!may_manage (team.role, member->role) && !g_str_equal (user_id, ctx->actor->id)) ||
      (change->has_role && change->role == TALLY_TEAM_ROLE_OWNER &&
       team.role != TALLY_TEAM_ROLE_OWNER))
    {
      *result = TALLY_TEAMS_FORBIDDEN;
      return TRUE;
    }

  if (change->has_role && change->role != TALLY_TEAM_ROLE_OWNER)
    {
      if (!loses_last_owner (ctx, team_id, member, &last, error))
        return FALSE;
      if (last)
        {
          *result = TALLY_TEAMS_LAST_OWNER;
          return TRUE;
        }
    }

  apply_change (member, change);
  return tally_rules_store_update_team_member (ctx->store, team_id, member, error) &&
         audit (ctx, "team.member.change", team_id,
                tally_audit_details ("ssii", "user_id", user_id, "role",
                                     tally_team_role_to_string (member->role), "daily_cap",
                                     member->daily_cap, "monthly_cap", member->monthly_cap),
                error);
}

static gboolean
void_pool_leases (const TallyTeamsContext  *ctx,
                  const char               *account_id,
                  const char               *user_id,
                  GError                  **error)
{
  g_autoptr(GPtrArray) keys = tally_rules_store_list_pool_leases (ctx->store, account_id, user_id,
                                                                  error);

  if (keys == NULL)
    return FALSE;

  for (guint i = 0; i < keys->len; i++)
    {
      gboolean released;

      if (!tally_rules_store_release_lease (ctx->store, user_id, g_ptr_array_index (keys, i),
                                            &released, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tally_teams_remove_member (const TallyTeamsContext  *ctx,
                           const char               *team_id,
                           const char               *user_id,
                           TallyTeamsResult         *result,
                           GError                  **error)
{
  gboolean leaving = g_str_equal (user_id, ctx->actor->id);
  TallyTeamMember target;
  TallyTeam team;
  gboolean last;

  if (!find_target (ctx, team_id, user_id, &team, &target, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;

  if (!leaving && !may_manage (team.role, target.role))
    {
      *result = TALLY_TEAMS_FORBIDDEN;
      return TRUE;
    }
  if (!loses_last_owner (ctx, team_id, &target, &last, error))
    return FALSE;
  if (last)
    {
      *result = TALLY_TEAMS_LAST_OWNER;
      return TRUE;
    }

  /* Access ends with the row: every request after this commit is checked
   * against team_members again, and the offline leases the member holds on
   * the pool go back to it in the same write. */
  return tally_rules_store_remove_team_member (ctx->store, team_id, user_id, error) &&
         void_pool_leases (ctx, team.account_id, user_id, error) &&
         audit (ctx, leaving ? "team.leave" : "team.member.remove", team_id,
                tally_audit_details ("ss", "user_id", user_id, "role",
                                     tally_team_role_to_string (target.role)),
                error);
}

/* --- allocations --- */

static gboolean
allocation_result (TallyTransferResult  code,
                   TallyTeamsResult    *result,
                   GError             **error)
{
  if (code == TALLY_TRANSFER_OK || code == TALLY_TRANSFER_EXISTS)
    *result = TALLY_TEAMS_OK;
  else if (code == TALLY_TRANSFER_EXCEEDS_CREDITS)
    *result = TALLY_TEAMS_INSUFFICIENT;
  else if (code == TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
    *result = TALLY_TEAMS_CONFLICT;
  else
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The allocation was refused: %s", tally_transfer_result_to_string (code));
      return FALSE;
    }
  return TRUE;
}

gboolean
tally_teams_allocate (const TallyTeamsContext  *ctx,
                      const char               *team_id,
                      const char               *id,
                      const char               *user_id,
                      gint64                    amount,
                      TallyTransfer            *transfer,
                      TallyTeamsResult         *result,
                      GError                  **error)
{
  TallyTransferResult code;
  TallyTeamMember member;
  TallyTeam team;
  gboolean found;

  if (!find_managed_team (ctx, team_id, &team, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;
  if (!find_member (ctx, team_id, user_id, &member, &found, error))
    return FALSE;
  if (!found)
    {
      *result = TALLY_TEAMS_NOT_FOUND;
      return TRUE;
    }

  tally_transfer_init (transfer, id, team.account_id, member.account_id, amount,
                       TALLY_TRANSFER_KIND_ALLOCATION);
  tally_transfer_set_ref (transfer, team.id);
  tally_transfer_set_description (transfer, team.name);
  if (!tally_rules_store_create_transfers (ctx->store, transfer, 1, &code, error) ||
      !allocation_result (code, result, error))
    return FALSE;
  if (*result != TALLY_TEAMS_OK)
    return TRUE;

  /* The transfer as stored: the first one, for a repeated id. */
  if (!tally_rules_store_lookup_transfer (ctx->store, id, transfer, error))
    return FALSE;
  return code != TALLY_TRANSFER_OK ||
         audit (ctx, "team.allocate", team_id,
                tally_audit_details ("ssi", "transfer_id", id, "user_id", user_id, "amount",
                                     amount),
                error);
}

gboolean
tally_teams_manages_pool (const TallyTeamsContext *ctx,
                          const char              *account_id)
{
  TallyTeamMember member;
  TallyTeam team;

  return tally_pool_may_use (ctx->store, ctx->actor, account_id, &team, &member, NULL) &&
         team.role != TALLY_TEAM_ROLE_MEMBER;
}
