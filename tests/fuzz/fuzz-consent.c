/* fuzz-consent.c: the bodies of PUT /v1/me/consent and DELETE /v1/me
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-store-users.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_auto(TallyProblem) erase_problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyConsentRequest request;
  TallyEraseRequest erase;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_consent (body, &request, &problem), &problem))
    {
      fuzz_touch_string (request.text_version);
      /* What the store copies it into always holds it whole, printable. */
      fuzz_require (request.text_version[0] != '\0');
      fuzz_require (strlen (request.text_version) < sizeof ((TallyConsent *) NULL)->text_version);
      for (const char *c = request.text_version; *c != '\0'; c++)
        fuzz_require (g_ascii_isgraph (*c));
    }

  if (fuzz_check_outcome (tally_api_decode_erase (body, &erase, &erase_problem), &erase_problem))
    fuzz_touch_string (erase.password);
  return 0;
}
