/* fuzz-user-update.c: the body of PUT /v1/admin/users/{id}
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-store.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyUserUpdateRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_user_update (body, &request, &problem), &problem))
    {
      TallyRole role;

      /* Only the two roles an admin may give, and a role that parses. */
      fuzz_require (request.has_role == (request.role != NULL));
      if (request.has_role)
        {
          fuzz_require (g_str_equal (request.role, "member") ||
                        g_str_equal (request.role, "admin"));
          fuzz_require (tally_role_from_string (request.role, &role));
        }
      fuzz_require (request.disabled == FALSE || request.disabled == TRUE);
    }
  return 0;
}
