/* fuzz-checkout.c: the body of POST /v1/checkout
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
  TallyCheckoutRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_checkout (body, &request, &problem), &problem))
    {
      fuzz_require (request.pack != NULL);
      fuzz_touch_string (request.pack);
      fuzz_require (g_utf8_strlen (request.pack, -1) <= TALLY_PACK_ID_MAX);
    }
  return 0;
}
