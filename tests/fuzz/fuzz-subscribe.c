/* fuzz-subscribe.c: the body of POST /v1/subscriptions
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
  TallySubscribeRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_subscribe (body, &request, &problem), &problem))
    {
      fuzz_require (request.plan != NULL);
      fuzz_touch_string (request.plan);
      fuzz_require (g_utf8_strlen (request.plan, -1) <= TALLY_PACK_ID_MAX);
    }
  return 0;
}
