/* tally-session-teams.h: the session's calls for teams
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each _async() is one request; its _finish() hands back what the comment
 * says, or NULL (FALSE) with @error, the server's words when it refused.
 */

#pragma once

#include "tally-session.h"
#include "tally-team.h"

G_BEGIN_DECLS

/* GET /v1/teams, then GET /v1/me for the pools' balances: a GPtrArray of
 * TallyTeam with `available` set. */
void       tally_session_list_teams_async         (TallySession        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray *tally_session_list_teams_finish        (TallySession        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* POST /v1/teams: the new team (a TallyTeam). */
void       tally_session_create_team_async        (TallySession        *self,
                                                   const char          *name,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* POST /v1/invitations/{token}/accept: the team joined (a TallyTeam). */
void       tally_session_accept_invitation_async  (TallySession        *self,
                                                   const char          *token,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* GET /v1/teams/{id}/members: a GPtrArray of TallyTeamMember. */
void       tally_session_list_team_members_async  (TallySession        *self,
                                                   const char          *team_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* GET /v1/teams/{id}/usage : a GPtrArray of TallyMemberUsage. */
void       tally_session_team_usage_async         (TallySession        *self,
                                                   const char          *team_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* POST /v1/teams/{id}/invitations: a TallyInvitation with its code. */
void       tally_session_invite_async             (TallySession        *self,
                                                   const char          *team_id,
                                                   const char          *email,
                                                   const char          *role,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* PUT /v1/teams/{id}/members/{user_id}; caps of 0 are none. */
void       tally_session_change_member_async      (TallySession        *self,
                                                   const char          *team_id,
                                                   const char          *user_id,
                                                   const char          *role,
                                                   gint64               daily_cap,
                                                   gint64               monthly_cap,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* DELETE /v1/teams/{id}/members/{user_id}: removing, or leaving with
 * one's own id. */
void       tally_session_remove_member_async      (TallySession        *self,
                                                   const char          *team_id,
                                                   const char          *user_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* POST /v1/teams/{id}/allocations, with a fresh id. */
void       tally_session_allocate_async           (TallySession        *self,
                                                   const char          *team_id,
                                                   const char          *user_id,
                                                   gint64               amount,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* The _finish() of every call above but the list of teams: what its
 * comment says, to free by the caller; TRUE (GINT_TO_POINTER) for the
 * calls that answer nothing to keep. */
gpointer   tally_session_team_call_finish         (TallySession        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
