/* fuzz-api-keys.c: the body of POST /v1/me/api-keys
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-keys.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyApiKeyRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_api_key (body, &request, &problem), &problem))
    {
      fuzz_touch_string (request.name);
      /* What the store copies it into always holds it whole. */
      fuzz_require (strlen (request.name) < sizeof ((TallyApiKey *) NULL)->name);
      fuzz_require (request.rate_limit >= 1 && request.rate_limit <= TALLY_API_KEY_RATE_MAX);
    }
  return 0;
}
