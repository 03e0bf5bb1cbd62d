/* fuzz-complete.c: the body of POST /v1/runs/{id}/complete
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
  TallyCompleteRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_complete (body, &request, &problem), &problem))
    {
      fuzz_require (request.units >= 0);
      fuzz_require (tally_run_outcome_to_string (request.outcome) != NULL);
    }
  return 0;
}
