/* fuzz-login.c: the body of POST /v1/auth/login
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
  TallyLoginRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_login (body, &request, &problem), &problem))
    {
      fuzz_require (request.email != NULL && request.password != NULL);
      fuzz_touch_string (request.email);
      fuzz_touch_string (request.password);
      fuzz_touch_string (request.device);
    }
  return 0;
}
