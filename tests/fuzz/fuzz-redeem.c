/* fuzz-redeem.c: the body of POST /v1/promo-codes/redeem
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-promos.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyRedeemRequest request;
  char normal[TALLY_PROMO_CODE_MAX + 1];

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_redeem (body, &request, &problem), &problem))
    {
      fuzz_require (request.code != NULL);
      fuzz_touch_string (request.code);
      /* Any string is looked up; one that cannot be a code is no code. */
      if (tally_promo_code_normalize (request.code, normal))
        fuzz_require (strlen (normal) >= TALLY_PROMO_CODE_MIN);
    }
  return 0;
}
