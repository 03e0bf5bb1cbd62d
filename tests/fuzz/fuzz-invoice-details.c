/* fuzz-invoice-details.c: the body of PUT /v1/me/invoice-details
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
  TallyInvoiceDetailsRequest request;

  if (body == NULL)
    return 0;

  if (fuzz_check_outcome (tally_api_decode_invoice_details (body, &request, &problem), &problem))
    {
      fuzz_touch_string (request.company);
      fuzz_touch_string (request.address);
      fuzz_touch_string (request.vat_id);
      /* What the store copies them into always holds them whole. */
      fuzz_require (strlen (request.company) < sizeof ((TallyInvoiceDetails *) NULL)->company);
      fuzz_require (strlen (request.address) < sizeof ((TallyInvoiceDetails *) NULL)->address);
      fuzz_require (strlen (request.vat_id) < sizeof ((TallyInvoiceDetails *) NULL)->vat_id);
    }
  return 0;
}
