/* tally-pool-spend.h: what a member may spend from a team's pool
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-rules-store.h"

G_BEGIN_DECLS

/* The rules of runs and offline leases on a pool, shared by the run path
 * (tally-runs.c), sync (tally-sync-apply.c) and the team pages
 * (tally-teams.c). @actor is the member who spends; day and month are
 * counted in their time zone. */

/* Whether @account_id is a pool @actor may spend from: FALSE with no
 * error when it is not. */
gboolean tally_pool_may_use            (TallyRulesStore          *store,
                                        const TallyUser          *actor,
                                        const char               *account_id,
                                        TallyTeam                *team,
                                        TallyTeamMember          *member,
                                        GError                  **error);
/* What @user_id spent from the pool of @team this month. */
gboolean tally_pool_spent_this_month   (TallyRulesStore          *store,
                                        const TallyUser          *actor,
                                        const TallyTeam          *team,
                                        const char               *user_id,
                                        gint64                    now,
                                        gint64                   *spent,
                                        GError                  **error);
/* The member's caps on the pool, checked as the account's own caps are:
 * posted charges and running holds in the day and month, plus @held.
 * *@allowed FALSE with @verdict filled when a cap would be passed. */
gboolean tally_pool_check_member_caps  (TallyRulesStore          *store,
                                        const TallyUser          *actor,
                                        const TallyTeamMember    *member,
                                        const char               *account_id,
                                        gint64                    held,
                                        gint64                    now,
                                        gboolean                 *allowed,
                                        TallyPolicyVerdict       *verdict,
                                        GError                  **error);
/* Offline leases on a pool: how much more the member's caps let them
 * hold or spend from it now, leases they hold included; G_MAXINT64
 * without caps. */
gboolean tally_pool_lease_room         (TallyRulesStore          *store,
                                        const TallyUser          *actor,
                                        const TallyTeamMember    *member,
                                        const char               *account_id,
                                        gint64                    now,
                                        gint64                   *room,
                                        GError                  **error);

G_END_DECLS
