/* tally-store-payments.h: purchases of credit packs, in the server's tables
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_PAYMENT_OPEN,
  TALLY_PAYMENT_PAID,
  TALLY_PAYMENT_FAILED,
  TALLY_PAYMENT_REFUNDED,
  TALLY_PAYMENT_DISPUTED,
} TallyPaymentStatus;

#define TALLY_PACK_ID_MAX    64
#define TALLY_CURRENCY_MAX   8
#define TALLY_PROVIDER_MAX   16
#define TALLY_SESSION_ID_MAX 256

typedef struct _TallyPayment
{
  char               id[TALLY_UUID_LEN];
  char               user_id[TALLY_UUID_LEN];
  char               account_id[TALLY_UUID_LEN];
  char               pack_id[TALLY_PACK_ID_MAX];
  gint64             credits;
  /* In the currency's minor units. */
  gint64             amount;
  char               currency[TALLY_CURRENCY_MAX];
  char               provider[TALLY_PROVIDER_MAX];
  /* Empty until the provider has created the session. */
  char               session_id[TALLY_SESSION_ID_MAX];
  TallyPaymentStatus status;
  /* Credits taken back by refunds and disputes, and what the balance
   * lacked to take them all (then the payment is flagged short). */
  gint64             reversed;
  gint64             short_by;
  gint64             created_at;
  gint64             paid_at;
  char               payment_ref[TALLY_SESSION_ID_MAX];
  /* Bought as a gift (tally-gifts.c): its credits go to another address.
   * Read only; the gift has its own row. */
  gboolean           gift;
} TallyPayment;

const char *tally_payment_status_to_string (TallyPaymentStatus status);

gboolean tally_store_insert_payment          (TallyStore          *self,
                                              const TallyPayment  *payment,
                                              GError             **error);
gboolean tally_store_set_payment_session     (TallyStore          *self,
                                              const char          *payment_id,
                                              const char          *session_id,
                                              GError             **error);
/* FALSE without an error when there is none. */
gboolean tally_store_find_payment            (TallyStore          *self,
                                              const char          *id,
                                              TallyPayment        *payment,
                                              GError             **error);
gboolean tally_store_find_payment_by_session (TallyStore          *self,
                                              const char          *session_id,
                                              TallyPayment        *payment,
                                              GError             **error);
gboolean tally_store_find_payment_by_ref     (TallyStore          *self,
                                              const char          *payment_ref,
                                              TallyPayment        *payment,
                                              GError             **error);
/* Writes status, reversed, short_by, paid_at and payment_ref back. */
gboolean tally_store_update_payment          (TallyStore          *self,
                                              const TallyPayment  *payment,
                                              GError             **error);

/* The Stripe customer of an account: "" when there is none yet. */
gboolean tally_store_find_stripe_customer    (TallyStore          *self,
                                              const char          *account_id,
                                              char                *customer_id,
                                              gsize                size,
                                              GError             **error);
gboolean tally_store_set_stripe_customer     (TallyStore          *self,
                                              const char          *account_id,
                                              const char          *customer_id,
                                              GError             **error);

/* Every payment @user_id made, newest first: an array of TallyPayment. */
GArray  *tally_store_list_payments           (TallyStore          *self,
                                              const char          *user_id,
                                              GError             **error);

/* What a business buyer wants on its receipts; each "" when not set.
 * Sizes are in bytes, for as many characters as the API accepts in
 * UTF-8 (four bytes each at most). */
#define TALLY_COMPANY_MAX_CHARS 200
#define TALLY_ADDRESS_MAX_CHARS 500
#define TALLY_VAT_ID_MAX_CHARS  32

typedef struct _TallyInvoiceDetails
{
  char company[TALLY_COMPANY_MAX_CHARS * 4 + 1];
  char address[TALLY_ADDRESS_MAX_CHARS * 4 + 1];
  char vat_id[TALLY_VAT_ID_MAX_CHARS * 4 + 1];
} TallyInvoiceDetails;

/* All empty when the user never set any. */
gboolean tally_store_load_invoice_details    (TallyStore           *self,
                                              const char           *user_id,
                                              TallyInvoiceDetails  *details,
                                              GError              **error);
gboolean tally_store_save_invoice_details    (TallyStore                 *self,
                                              const char                 *user_id,
                                              const TallyInvoiceDetails  *details,
                                              GError                    **error);

G_END_DECLS
