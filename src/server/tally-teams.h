/* tally-teams.h: the rules of teams — roles, invitations, the pool and
 * what each member may spend from it. No HTTP here: tally-api-teams.c
 * decodes requests, calls these from writer funcs and maps the results.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-api-decoders.h"
#include "tally-audit.h"
#include "tally-store-teams.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_TEAMS_OK,
  /* No such team for this user (not a member), member or invitation:
   * answered as missing, so nothing tells that it exists. */
  TALLY_TEAMS_NOT_FOUND,
  /* The caller's role may not do this. */
  TALLY_TEAMS_FORBIDDEN,
  /* The last owner would leave, or stop being an owner. */
  TALLY_TEAMS_LAST_OWNER,
  /* An invitation past its time, or used already. */
  TALLY_TEAMS_EXPIRED,
  /* An invitation for someone who is a member already. */
  TALLY_TEAMS_ALREADY_MEMBER,
  /* The pool has not that much available. */
  TALLY_TEAMS_INSUFFICIENT,
  /* An allocation id used before with other fields. */
  TALLY_TEAMS_CONFLICT,
} TallyTeamsResult;

typedef struct
{
  TallyRulesStore *store;
  TallyAudit      *audit;
  /* The signed-in user who acts. */
  const TallyUser *actor;
} TallyTeamsContext;

/* Every function that writes is called inside a writer func: what it
 * changes and its audit record commit together. */
gboolean tally_teams_create          (const TallyTeamsContext *ctx,
                                      const char              *name,
                                      TallyTeam               *team,
                                      GError                 **error);
/* @token receives the invitation's token (shown once; only its hash is
 * kept). */
gboolean tally_teams_invite          (const TallyTeamsContext *ctx,
                                      const char              *team_id,
                                      const char              *email,
                                      TallyTeamRole            role,
                                      gint64                   ttl_seconds,
                                      TallyTeamInvitation     *invitation,
                                      char                   **token,
                                      TallyTeamsResult        *result,
                                      GError                 **error);
/* The actor accepts: their email must be the invited one. */
gboolean tally_teams_accept          (const TallyTeamsContext *ctx,
                                      const char              *token,
                                      TallyTeam               *team,
                                      TallyTeamsResult        *result,
                                      GError                 **error);
gboolean tally_teams_change_member   (const TallyTeamsContext *ctx,
                                      const char              *team_id,
                                      const char              *user_id,
                                      const TallyMemberChange *change,
                                      TallyTeamMember         *member,
                                      TallyTeamsResult        *result,
                                      GError                 **error);
/* Leaving (@user_id is the actor) or being removed. */
gboolean tally_teams_remove_member   (const TallyTeamsContext *ctx,
                                      const char              *team_id,
                                      const char              *user_id,
                                      TallyTeamsResult        *result,
                                      GError                 **error);
/* Moves @amount from the pool to the member's own account, a transfer of
 * kind allocation whose id is @id (its idempotency key). */
gboolean tally_teams_allocate        (const TallyTeamsContext *ctx,
                                      const char              *team_id,
                                      const char              *id,
                                      const char              *user_id,
                                      gint64                   amount,
                                      TallyTransfer           *transfer,
                                      TallyTeamsResult        *result,
                                      GError                 **error);

/* Reads. The team as the actor sees it: not found unless a member. */
gboolean tally_teams_find            (const TallyTeamsContext *ctx,
                                      const char              *team_id,
                                      TallyTeam               *team,
                                      TallyTeamsResult        *result,
                                      GError                 **error);

/* Whether the actor manages (owns or administers) the team whose pool is
 * @account_id: they read its history and usage as their own account's
 * (GET /v1/transactions, /v1/usage with account_id). */
gboolean tally_teams_manages_pool    (const TallyTeamsContext *ctx,
                                      const char              *account_id);

G_END_DECLS
