/* tally-store-teams.h: teams, their members and invitations
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_TEAM_ROLE_OWNER,
  TALLY_TEAM_ROLE_ADMIN,
  TALLY_TEAM_ROLE_MEMBER,
} TallyTeamRole;

/* Characters of a team's name. */
#define TALLY_TEAM_NAME_MAX 100

typedef struct
{
  char          id[TALLY_UUID_LEN];
  /* Whole, in any script. */
  char          name[TALLY_TEAM_NAME_MAX * 4 + 1];
  /* The pool: a ledger account of kind team. */
  char          account_id[TALLY_UUID_LEN];
  /* The role of the user it was looked up for. */
  TallyTeamRole role;
} TallyTeam;

typedef struct
{
  char          user_id[TALLY_UUID_LEN];
  char          email[TALLY_EMAIL_MAX + 1];
  char          name[TALLY_NAME_MAX];
  /* The member's own account, where allocations go. */
  char          account_id[TALLY_UUID_LEN];
  TallyTeamRole role;
  /* What the member may spend from the pool a day and a month; 0 is no
   * cap. */
  gint64        daily_cap;
  gint64        monthly_cap;
  gint64        joined_at;
} TallyTeamMember;

typedef struct
{
  char          id[TALLY_UUID_LEN];
  char          team_id[TALLY_UUID_LEN];
  /* As typed, lower-cased: in any script. */
  char          email[TALLY_EMAIL_MAX * 4 + 1];
  TallyTeamRole role;
  gint64        created_at;
  gint64        expires_at;
  /* 0 until accepted. */
  gint64        accepted_at;
} TallyTeamInvitation;

const char *tally_team_role_to_string   (TallyTeamRole  role);
gboolean    tally_team_role_from_string (const char    *text,
                                         TallyTeamRole *role);

gboolean tally_store_insert_team        (TallyStore                *self,
                                         const TallyTeam           *team,
                                         const char                *created_by,
                                         gint64                     now,
                                         GError                   **error);
/* Adds @user_id with @role; nothing when it is a member already. */
gboolean tally_store_add_team_member    (TallyStore                *self,
                                         const char                *team_id,
                                         const char                *user_id,
                                         TallyTeamRole              role,
                                         gint64                     now,
                                         GError                   **error);
/* The team with @user_id's role in it; not found when @user_id is not a
 * member (or there is no such team). */
gboolean tally_store_find_team_for      (TallyStore                *self,
                                         const char                *team_id,
                                         const char                *user_id,
                                         TallyTeam                 *team,
                                         GError                   **error);
/* The same by the team's account, with the member's row. */
gboolean tally_store_find_pool_member   (TallyStore                *self,
                                         const char                *account_id,
                                         const char                *user_id,
                                         TallyTeam                 *team,
                                         TallyTeamMember           *member,
                                         GError                   **error);
/* @user_id's teams, by name: a GArray of TallyTeam. */
GArray  *tally_store_list_teams         (TallyStore                *self,
                                         const char                *user_id,
                                         GError                   **error);
/* A GArray of TallyTeamMember, owners first, then by email. */
GArray  *tally_store_list_team_members  (TallyStore                *self,
                                         const char                *team_id,
                                         GError                   **error);
gboolean tally_store_find_team_member   (TallyStore                *self,
                                         const char                *team_id,
                                         const char                *user_id,
                                         TallyTeamMember           *member,
                                         GError                   **error);
/* Saves role and caps. */
gboolean tally_store_update_team_member (TallyStore                *self,
                                         const char                *team_id,
                                         const TallyTeamMember     *member,
                                         GError                   **error);
gboolean tally_store_remove_team_member (TallyStore                *self,
                                         const char                *team_id,
                                         const char                *user_id,
                                         GError                   **error);
gint64   tally_store_count_team_owners  (TallyStore                *self,
                                         const char                *team_id,
                                         GError                   **error);

gboolean tally_store_insert_invitation  (TallyStore                *self,
                                         const TallyTeamInvitation *invitation,
                                         const guint8               token_hash[32],
                                         const char                *invited_by,
                                         GError                   **error);
gboolean tally_store_find_invitation    (TallyStore                *self,
                                         const guint8               token_hash[32],
                                         TallyTeamInvitation       *invitation,
                                         GError                   **error);
gboolean tally_store_accept_invitation  (TallyStore                *self,
                                         const char                *id,
                                         const char                *user_id,
                                         gint64                     now,
                                         GError                   **error);

/* What @user_id's runs on the pool @account_id hold or charged, for runs
 * authorized in [@since, @until): holds still running count in full, as
 * the account's own caps count them; so do what their offline runs
 * charged in the range and what their offline leases on it still hold
 * (whenever taken). */
gboolean tally_store_member_spend       (TallyStore                *self,
                                         const char                *account_id,
                                         const char                *user_id,
                                         gint64                     since,
                                         gint64                     until,
                                         gint64                     now,
                                         gint64                    *spent,
                                         GError                   **error);
/* The own accounts of the members of the team whose pool is @account_id
 * (none when it is no pool): a GPtrArray of strings. */
GPtrArray *tally_store_list_pool_member_accounts (TallyStore      *self,
                                                  const char      *account_id,
                                                  GError         **error);

/* Offline leases on a pool are kept in `devices` under a key of their
 * own per pool and device, so a device holds one lease per account. */
char    *tally_pool_device_key          (const char                *account_id,
                                         const char                *device);
/* What an offline run of @user_id charged to the pool @account_id. */
gboolean tally_store_add_pool_spend     (TallyStore                *self,
                                         const char                *op_id,
                                         const char                *account_id,
                                         const char                *user_id,
                                         gint64                     charged,
                                         gint64                     now,
                                         GError                   **error);
/* The device keys under which @user_id holds a lease on @account_id: a
 * GPtrArray of strings. */
GPtrArray *tally_store_list_pool_leases (TallyStore                *self,
                                         const char                *account_id,
                                         const char                *user_id,
                                         GError                   **error);

/* Posted consumption of the pool by member, for runs completed (or
 * offline runs synced) in [@since, @until): a GArray of TallyMemberUsage,
 * most spent first. */
typedef struct
{
  char   user_id[TALLY_UUID_LEN];
  gint64 spent;
  gint64 runs;
} TallyMemberUsage;

GArray  *tally_store_pool_usage_by_member (TallyStore              *self,
                                           const char              *account_id,
                                           gint64                   since,
                                           gint64                   until,
                                           GError                 **error);

G_END_DECLS
