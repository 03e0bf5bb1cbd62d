/* fuzz-grants.c: the body of POST /v1/admin/grants
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyGrantRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_grant (body, &request, &problem), &problem))
    {
      fuzz_check_uuid (request.account_id, FALSE);
      fuzz_check_uuid (request.id, TRUE);
      fuzz_require (request.amount >= 1 && request.amount <= TALLY_API_AMOUNT_MAX);
      fuzz_require (request.reason != NULL);
      fuzz_touch_string (request.reason);
      /* Absent (0), or in the future when it was decoded. */
      fuzz_require (request.expires_at == 0 ||
                    request.expires_at > g_get_real_time () - 60 * G_USEC_PER_SEC);
    }
  return 0;
}
