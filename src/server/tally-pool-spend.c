/* tally-pool-spend.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pool-spend.h"

gboolean
tally_pool_may_use (TallyRulesStore  *store,
                    const TallyUser  *actor,
                    const char       *account_id,
                    TallyTeam        *team,
                    TallyTeamMember  *member,
                    GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (tally_rules_store_find_pool_member (store, account_id, actor->id, team, member,
                                          &local_error))
    return TRUE;
  if (!g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
member_window_spend (TallyRulesStore     *store,
                     const TallyPolicy   *policy,
                     TallyLimit           limit,
                     const char          *account_id,
                     const char          *user_id,
                     gint64               now,
                     gint64              *spent,
                     GError             **error)
{
  gint64 start, end;

  tally_policy_window (policy, limit, now, &start, &end);
  return tally_rules_store_member_spend (store, account_id, user_id, start, end, now, spent,
                                         error);
}

gboolean
tally_pool_spent_this_month (TallyRulesStore  *store,
                             const TallyUser  *actor,
                             const TallyTeam  *team,
                             const char       *user_id,
                             gint64            now,
                             gint64           *spent,
                             GError          **error)
{
  TallyPolicy policy;

  tally_policy_init (&policy, actor->timezone);
  return member_window_spend (store, &policy, TALLY_LIMIT_MONTHLY, team->account_id, user_id,
                              now, spent, error);
}

gboolean
tally_pool_check_member_caps (TallyRulesStore        *store,
                              const TallyUser        *actor,
                              const TallyTeamMember  *member,
                              const char             *account_id,
                              gint64                  held,
                              gint64                  now,
                              gboolean               *allowed,
                              TallyPolicyVerdict     *verdict,
                              GError                **error)
{
  gint64 daily = 0, monthly = 0;
  TallyPolicy policy;

  *allowed = TRUE;
  if (member->daily_cap == 0 && member->monthly_cap == 0)
    return TRUE;

  /* The member's caps are ceilings on their share of the pool. */
  tally_policy_init (&policy, actor->timezone);
  policy.ceiling.daily = member->daily_cap;
  policy.ceiling.monthly = member->monthly_cap;

  if ((member->daily_cap > 0 &&
       !member_window_spend (store, &policy, TALLY_LIMIT_DAILY, account_id, member->user_id,
                             now, &daily, error)) ||
      (member->monthly_cap > 0 &&
       !member_window_spend (store, &policy, TALLY_LIMIT_MONTHLY, account_id, member->user_id,
                             now, &monthly, error)))
    return FALSE;

  *allowed = tally_policy_check (&policy, held, daily, monthly, now, verdict);
  return TRUE;
}

gboolean
tally_pool_lease_room (TallyRulesStore        *store,
                       const TallyUser        *actor,
                       const TallyTeamMember  *member,
                       const char             *account_id,
                       gint64                  now,
                       gint64                 *room,
                       GError                **error)
{
  const TallyLimit limits[] = { TALLY_LIMIT_DAILY, TALLY_LIMIT_MONTHLY };
  const gint64 caps[] = { member->daily_cap, member->monthly_cap };
  TallyPolicy policy;

  *room = G_MAXINT64;
  tally_policy_init (&policy, actor->timezone);
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      gint64 spent = 0;

      if (caps[i] == 0)
        continue;
      if (!member_window_spend (store, &policy, limits[i], account_id, member->user_id, now,
                                &spent, error))
        return FALSE;
      *room = MIN (*room, MAX (0, caps[i] - spent));
    }
  return TRUE;
}
