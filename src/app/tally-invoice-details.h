/* tally-invoice-details.h: what receipts print about the buyer
 * (GET, PUT /v1/me/invoice-details), typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Never NULL: a detail the user has not given is "". */
typedef struct
{
  char *company;
  /* Lines separated by "\n". */
  char *address;
  char *vat_id;
} TallyInvoiceDetails;

#define TALLY_TYPE_INVOICE_DETAILS (tally_invoice_details_get_type ())

GType                tally_invoice_details_get_type      (void) G_GNUC_CONST;
/* NULL arguments are "". */
TallyInvoiceDetails *tally_invoice_details_new           (const char                *company,
                                                          const char                *address,
                                                          const char                *vat_id);
/* From the API's object (may be NULL); members that are missing, null or
 * not strings read as "". */
TallyInvoiceDetails *tally_invoice_details_new_from_json (JsonObject                *object);
/* The body of PUT /v1/me/invoice-details. */
JsonObject          *tally_invoice_details_to_json       (const TallyInvoiceDetails *self);
TallyInvoiceDetails *tally_invoice_details_copy          (const TallyInvoiceDetails *self);
void                 tally_invoice_details_free          (TallyInvoiceDetails       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyInvoiceDetails, tally_invoice_details_free)

G_END_DECLS
