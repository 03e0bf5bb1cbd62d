/* fuzz-auto-recharge.c: the body of PUT /v1/me/auto-recharge
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-store-payments.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyAutoRechargeRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_auto_recharge (body, &request, &problem), &problem))
    {
      fuzz_require (request.enabled == TRUE || request.enabled == FALSE);
      fuzz_require (request.threshold >= 0 && request.threshold <= TALLY_API_AMOUNT_MAX);
      fuzz_require (request.monthly_cap >= 1 &&
                    request.monthly_cap <= TALLY_RECHARGE_MONTHLY_CAP_MAX);
      fuzz_require (request.pack != NULL);
      fuzz_touch_string (request.pack);
      /* What the store copies it into holds it whole. */
      fuzz_require (strlen (request.pack) < TALLY_PACK_ID_MAX);
    }
  return 0;
}
