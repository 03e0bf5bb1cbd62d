/* tally-store-payments.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-payments.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static const char * const status_names[] = {
  [TALLY_PAYMENT_OPEN] = "open",
  [TALLY_PAYMENT_PAID] = "paid",
  [TALLY_PAYMENT_FAILED] = "failed",
  [TALLY_PAYMENT_REFUNDED] = "refunded",
  [TALLY_PAYMENT_DISPUTED] = "disputed",
};

const char *
tally_payment_status_to_string (TallyPaymentStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), NULL);

  return status_names[status];
}

static TallyPaymentStatus
status_from_string (const char *str)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_strcmp0 (str, status_names[i]) == 0)
        return i;
    }

  return TALLY_PAYMENT_OPEN;
}

gboolean
tally_store_insert_payment (TallyStore          *self,
                            const TallyPayment  *payment,
                            GError             **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO payments (id, user_id, account_id, "
                                            "pack_id, credits, amount, currency, provider, "
                                            "session_id, status, created_at) "
                                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, payment->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, payment->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, payment->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, payment->pack_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, payment->credits);
  sqlite3_bind_int64 (stmt, 6, payment->amount);
  sqlite3_bind_text (stmt, 7, payment->currency, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, payment->provider, -1, SQLITE_STATIC);
  if (payment->session_id[0] != '\0')
    sqlite3_bind_text (stmt, 9, payment->session_id, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 9);
  sqlite3_bind_text (stmt, 10, status_names[payment->status], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 11, payment->created_at);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_set_payment_session (TallyStore  *self,
                                 const char  *payment_id,
                                 const char  *session_id,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE payments SET session_id = ? "
                                            "WHERE id = ? AND session_id IS NULL", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, session_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, payment_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

static void
read_payment (sqlite3_stmt *stmt,
              TallyPayment *payment)
{
  memset (payment, 0, sizeof *payment);
  tally_store_copy_text (stmt, 0, payment->id, sizeof payment->id);
  tally_store_copy_text (stmt, 1, payment->user_id, sizeof payment->user_id);
  tally_store_copy_text (stmt, 2, payment->account_id, sizeof payment->account_id);
  tally_store_copy_text (stmt, 3, payment->pack_id, sizeof payment->pack_id);
  payment->credits = sqlite3_column_int64 (stmt, 4);
  payment->amount = sqlite3_column_int64 (stmt, 5);
  tally_store_copy_text (stmt, 6, payment->currency, sizeof payment->currency);
  tally_store_copy_text (stmt, 7, payment->provider, sizeof payment->provider);
  tally_store_copy_text (stmt, 8, payment->session_id, sizeof payment->session_id);
  payment->status = status_from_string ((const char *) sqlite3_column_text (stmt, 9));
  payment->reversed = sqlite3_column_int64 (stmt, 10);
  payment->short_by = sqlite3_column_int64 (stmt, 11);
  payment->created_at = sqlite3_column_int64 (stmt, 12);
  payment->paid_at = sqlite3_column_int64 (stmt, 13);
  tally_store_copy_text (stmt, 14, payment->payment_ref, sizeof payment->payment_ref);
  payment->gift = sqlite3_column_int (stmt, 15) != 0;
}

/* @stmt has its one parameter bound. */
static gboolean
find_one (TallyStore    *self,
          sqlite3_stmt  *stmt,
          TallyPayment  *payment,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    read_payment (stmt, payment);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  return rc == SQLITE_ROW;
}

static gboolean
find_by (TallyStore    *self,
         const char    *sql,
         const char    *value,
         TallyPayment  *payment,
         GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  return find_one (self, stmt, payment, error);
}

gboolean
tally_store_find_payment (TallyStore    *self,
                          const char    *id,
                          TallyPayment  *payment,
                          GError       **error)
{
  return find_by (self, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments WHERE id = ?", id,
                  payment, error);
}

gboolean
tally_store_find_payment_by_session (TallyStore    *self,
                                     const char    *session_id,
                                     TallyPayment  *payment,
                                     GError       **error)
{
  return find_by (self, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments WHERE session_id = ?",
                  session_id, payment, error);
}

gboolean
tally_store_find_payment_by_ref (TallyStore    *self,
                                 const char    *payment_ref,
                                 TallyPayment  *payment,
                                 GError       **error)
{
  return find_by (self, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments WHERE payment_ref = ?",
                  payment_ref, payment, error);
}

gboolean
tally_store_update_payment (TallyStore          *self,
                            const TallyPayment  *payment,
                            GError             **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE payments SET status = ?, reversed = ?, "
                                            "short_by = ?, short = ?, paid_at = ?, "
                                            "payment_ref = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, status_names[payment->status], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, payment->reversed);
  sqlite3_bind_int64 (stmt, 3, payment->short_by);
  sqlite3_bind_int (stmt, 4, payment->short_by > 0);
  if (payment->paid_at != 0)
    sqlite3_bind_int64 (stmt, 5, payment->paid_at);
  else
    sqlite3_bind_null (stmt, 5);
  if (payment->payment_ref[0] != '\0')
    sqlite3_bind_text (stmt, 6, payment->payment_ref, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 6);
  sqlite3_bind_text (stmt, 7, payment->id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_find_stripe_customer (TallyStore  *self,
                                  const char  *account_id,
                                  char        *customer_id,
                                  gsize        size,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT customer_id FROM stripe_customers "
                                            "WHERE account_id = ?", error);
  int rc;

  customer_id[0] = '\0';
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tally_store_copy_text (stmt, 0, customer_id, size);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

/* The first customer stays: two checkouts racing keep the same one. */
gboolean
tally_store_set_stripe_customer (TallyStore  *self,
                                 const char  *account_id,
                                 const char  *customer_id,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SET_STRIPE_CUSTOMER, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, customer_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

GArray *
tally_store_list_payments (TallyStore  *self,
                           const char  *user_id,
                           GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LIST_PAYMENTS, error);
  g_autoptr(GArray) payments = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  payments = g_array_new (FALSE, FALSE, sizeof (TallyPayment));
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyPayment payment;

      read_payment (stmt, &payment);
      g_array_append_val (payments, payment);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }

  return g_steal_pointer (&payments);
}

gboolean
tally_store_load_invoice_details (TallyStore           *self,
                                  const char           *user_id,
                                  TallyInvoiceDetails  *details,
                                  GError              **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LOAD_INVOICE_DETAILS, error);
  int rc;

  memset (details, 0, sizeof *details);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      tally_store_copy_text (stmt, 0, details->company, sizeof details->company);
      tally_store_copy_text (stmt, 1, details->address, sizeof details->address);
      tally_store_copy_text (stmt, 2, details->vat_id, sizeof details->vat_id);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_save_invoice_details (TallyStore                 *self,
                                  const char                 *user_id,
                                  const TallyInvoiceDetails  *details,
                                  GError                    **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SAVE_INVOICE_DETAILS, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, details->company, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, details->address, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, details->vat_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  return tally_store_step_done (self, stmt, error);
}
