/* tally-receipt.h: a purchase's receipt, as a PDF
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store-payments.h"

G_BEGIN_DECLS

typedef struct
{
  const char                *seller_name;
  /* Lines separated by newlines. */
  const char                *seller_address;
  const TallyUser           *buyer;
  const TallyInvoiceDetails *details;
  const TallyPayment        *payment;
  /* The pack's name as sold now, or its id once it is no longer sold. */
  const char                *pack_name;
} TallyReceipt;

/* "1234.50 EUR" from 123450 minor units: as many decimals as the currency
 * has minor units, integer arithmetic only. */
char   *tally_format_amount   (gint64              amount,
                               const char         *currency);
/* The receipt's number, derived from the payment so that it is the same
 * every time it is printed: R-YYYYMMDD-XXXXXXXX. */
char   *tally_receipt_number  (const TallyPayment *payment);
/* The PDF's bytes; an error only if cairo fails. */
GBytes *tally_receipt_render  (const TallyReceipt *receipt,
                               GError            **error);

G_END_DECLS
