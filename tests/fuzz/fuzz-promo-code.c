/* fuzz-promo-code.c: the body of POST /v1/admin/promo-codes
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
  TallyPromoCodeRequest request;
  char normal[TALLY_PROMO_CODE_MAX + 1];

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_promo_code (body, &request, &problem), &problem))
    {
      fuzz_require (request.code != NULL);
      fuzz_require (tally_promo_code_normalize (request.code, normal));
      fuzz_require (request.credits >= 1 && request.credits <= TALLY_PROMO_CREDITS_MAX);
      fuzz_require (request.max_redemptions >= 1 &&
                    request.max_redemptions <= TALLY_PROMO_REDEMPTIONS_MAX);
      /* Absent (0), or in the future when it was decoded. */
      fuzz_require (request.expires_at == 0 ||
                    request.expires_at > g_get_real_time () - 60 * G_USEC_PER_SEC);
      fuzz_require (request.credits_expire_after_days >= 0 &&
                    request.credits_expire_after_days <= 3650);
    }
  return 0;
}
