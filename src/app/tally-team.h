/* tally-team.h: teams, their members and their usage (/v1/teams...),
 * typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char   *id;
  char   *name;
  /* The pool: a run with this account_id spends from it. */
  char   *account_id;
  /* The caller's: "owner", "admin" or "member". */
  char   *role;
  /* From GET /v1/me; -1 until known. */
  gint64  available;
} TallyTeam;

typedef struct
{
  char   *user_id;
  char   *email;
  char   *name;
  char   *role;
  /* 0: no cap. */
  gint64  daily_cap;
  gint64  monthly_cap;
  gint64  spent_this_month;
} TallyTeamMember;

typedef struct
{
  char      *token;
  char      *email;
  GDateTime *expires;
  gboolean   email_sent;
} TallyInvitation;

/* One item of a team usage's by_member. */
typedef struct
{
  char   *user_id;
  gint64  spent;
  gint64  runs;
} TallyMemberUsage;

#define TALLY_TYPE_TEAM (tally_team_get_type ())
#define TALLY_TYPE_TEAM_MEMBER (tally_team_member_get_type ())

GType            tally_team_get_type            (void) G_GNUC_CONST;
/* NULL with @error without an id, a name, a pool or a role. */
TallyTeam       *tally_team_new_from_json       (JsonObject             *object,
                                                 GError                **error);
TallyTeam       *tally_team_copy                (const TallyTeam        *self);
void             tally_team_free                (TallyTeam              *self);
/* "Owner", "Admin", "Member", translated. */
const char      *tally_team_role_label          (const char             *role);
/* Whether @role may invite, change members and allocate. */
gboolean         tally_team_role_manages        (const char             *role);

GType            tally_team_member_get_type     (void) G_GNUC_CONST;
TallyTeamMember *tally_team_member_new_from_json (JsonObject            *object,
                                                  GError               **error);
TallyTeamMember *tally_team_member_copy         (const TallyTeamMember  *self);
void             tally_team_member_free         (TallyTeamMember        *self);
/* The body of PUT /v1/teams/{id}/members/{user_id}: 0 caps are null. */
JsonObject      *tally_team_member_change       (const char             *role,
                                                 gint64                  daily_cap,
                                                 gint64                  monthly_cap);

TallyInvitation *tally_invitation_new_from_json (JsonObject             *object,
                                                 GError                **error);
void             tally_invitation_free          (TallyInvitation        *self);

TallyMemberUsage *tally_member_usage_new_from_json (JsonObject          *object,
                                                    GError             **error);
void             tally_member_usage_free        (TallyMemberUsage       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyTeam, tally_team_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyTeamMember, tally_team_member_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyInvitation, tally_invitation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyMemberUsage, tally_member_usage_free)

G_END_DECLS
