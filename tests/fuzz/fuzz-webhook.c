/* fuzz-webhook.c: the body of POST /v1/me/webhooks, and the URL check
 * that needs no resolver
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-webhooks.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  g_autofree char *signature = NULL;
  const char *url;

  if (body == NULL)
    return 0;

  if (!fuzz_check_outcome (tally_api_decode_webhook (body, &url, &problem), &problem))
    return 0;

  fuzz_require (url != NULL && g_utf8_strlen (url, -1) <= TALLY_WEBHOOK_URL_MAX);
  fuzz_touch_string (url);

  /* Any text signs to "t=N,v1=" and 64 hex digits. */
  signature = tally_webhook_signature ("whsec_fuzz", 1700000000, url);
  fuzz_require (g_str_has_prefix (signature, "t=1700000000,v1="));
  fuzz_require (strlen (signature) == strlen ("t=1700000000,v1=") + 64);
  return 0;
}
