/* fuzz-teams.c: the bodies of the team routes — a team, an invitation, a
 * member's change and an allocation — each decoder fed the same input
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

static void
check_team (JsonObject *body)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyTeamRequest request;

  if (fuzz_check_outcome (tally_api_decode_team (body, &request, &problem), &problem))
    {
      fuzz_touch_string (request.name);
      fuzz_require (strlen (request.name) < sizeof ((TallyTeam *) NULL)->name);
    }
}

static void
check_invitation (JsonObject *body)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyInvitationRequest request;

  if (fuzz_check_outcome (tally_api_decode_invitation (body, &request, &problem), &problem))
    {
      fuzz_touch_string (request.email);
      fuzz_require (strlen (request.email) < sizeof ((TallyTeamInvitation *) NULL)->email);
      fuzz_require (request.role == TALLY_TEAM_ROLE_ADMIN ||
                    request.role == TALLY_TEAM_ROLE_MEMBER);
    }
}

static void
check_member_change (JsonObject *body)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyMemberChange change;

  if (fuzz_check_outcome (tally_api_decode_member_change (body, &change, &problem), &problem))
    {
      fuzz_require (change.daily_cap >= 0 && change.monthly_cap >= 0);
      fuzz_require (change.has_daily_cap || change.daily_cap == 0);
      fuzz_require (change.has_monthly_cap || change.monthly_cap == 0);
    }
}

static void
check_allocation (JsonObject *body)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyAllocationRequest request;

  if (fuzz_check_outcome (tally_api_decode_allocation (body, &request, &problem), &problem))
    {
      fuzz_check_uuid (request.user_id, FALSE);
      fuzz_check_uuid (request.id, TRUE);
      fuzz_require (request.amount >= 1 && request.amount <= TALLY_API_AMOUNT_MAX);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);

  if (body == NULL)
    return 0;

  check_team (body);
  check_invitation (body);
  check_member_change (body);
  check_allocation (body);
  return 0;
}
