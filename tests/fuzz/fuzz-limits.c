/* fuzz-limits.c: the body that sets spend limits (tally-api-me.c)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-policy.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyLimitsRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_limits (body, &request, &problem), &problem))
    {
      fuzz_require (!request.given[TALLY_LIMIT_NONE]);
      for (guint i = 0; i < G_N_ELEMENTS (request.cap); i++)
        fuzz_require (request.cap[i] >= 0 && request.cap[i] <= TALLY_API_AMOUNT_MAX);
    }
  return 0;
}
