/* fuzz-runs.c: the body of POST /v1/runs, then the pricing of its hold
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-tools.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyAuthorizeRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_authorize (body, &request, &problem), &problem))
    {
      fuzz_check_uuid (request.id, FALSE);
      fuzz_check_uuid (request.account_id, TRUE);
      fuzz_require (request.tool != NULL && request.inputs != NULL);
      fuzz_touch_string (request.tool);
      /* Priced inputs are kept with the run. */
      if (fuzz_estimate (request.tool, request.inputs))
        fuzz_check_stored_object (request.inputs);
    }
  return 0;
}
