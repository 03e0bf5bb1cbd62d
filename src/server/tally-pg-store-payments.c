/* tally-pg-store-payments.c: purchases of credit packs on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPaymentStatus
status_from_string (const char *text)
{
  for (TallyPaymentStatus status = TALLY_PAYMENT_OPEN; status <= TALLY_PAYMENT_DISPUTED; status++)
    {
      if (g_str_equal (text, tally_payment_status_to_string (status)))
        return status;
    }

  return TALLY_PAYMENT_OPEN;
}

/* Row @row of TALLY_STORE_PAYMENT_COLUMNS. */
void
tally_pg_store_read_payment (const PGresult *res,
                             int             row,
                             TallyPayment   *payment)
{
  memset (payment, 0, sizeof *payment);
  tally_pg_copy_text (res, row, 0, payment->id, sizeof payment->id);
  tally_pg_copy_text (res, row, 1, payment->user_id, sizeof payment->user_id);
  tally_pg_copy_text (res, row, 2, payment->account_id, sizeof payment->account_id);
  tally_pg_copy_text (res, row, 3, payment->pack_id, sizeof payment->pack_id);
  payment->credits = tally_pg_get_int64 (res, row, 4);
  payment->amount = tally_pg_get_int64 (res, row, 5);
  tally_pg_copy_text (res, row, 6, payment->currency, sizeof payment->currency);
  tally_pg_copy_text (res, row, 7, payment->provider, sizeof payment->provider);
  tally_pg_copy_text (res, row, 8, payment->session_id, sizeof payment->session_id);
  payment->status = status_from_string (PQgetvalue (res, row, 9));
  payment->reversed = tally_pg_get_int64 (res, row, 10);
  payment->short_by = tally_pg_get_int64 (res, row, 11);
  payment->created_at = tally_pg_get_int64 (res, row, 12);
  payment->paid_at = tally_pg_get_int64 (res, row, 13);
  tally_pg_copy_text (res, row, 14, payment->payment_ref, sizeof payment->payment_ref);
  /* EXISTS is a boolean here, not SQLite's 0/1. */
  payment->gift = g_str_equal (PQgetvalue (res, row, 15), "t");
}

/* As SQLite: FALSE without an error when no payment has @value in
 * @column. */
static gboolean
find_by (TallyRulesStore  *rules,
         const char       *sql,
         const char       *value,
         TallyPayment     *payment,
         GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, value);
  res = tally_pg_run (tally_pg_store_pg (rules), sql, &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  tally_pg_store_read_payment (res, 0, payment);
  return TRUE;
}

static gboolean
pg_find_payment (TallyRulesStore  *rules,
                 const char       *id,
                 TallyPayment     *payment,
                 GError          **error)
{
  return find_by (rules, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments WHERE id = $1",
                  id, payment, error);
}

static gboolean
pg_find_payment_by_session (TallyRulesStore  *rules,
                            const char       *session_id,
                            TallyPayment     *payment,
                            GError          **error)
{
  return find_by (rules, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments "
                  "WHERE session_id = $1", session_id, payment, error);
}

static gboolean
pg_find_payment_by_ref (TallyRulesStore  *rules,
                        const char       *payment_ref,
                        TallyPayment     *payment,
                        GError          **error)
{
  /* Several rows could share a reference (no unique key on it): the
   * oldest is the one, whichever server asks. */
  return find_by (rules, "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments "
                  "WHERE payment_ref = $1 ORDER BY created_at, id LIMIT 1", payment_ref, payment,
                  error);
}

/* "" is stored as NULL, as SQLite does: the unique session_id takes any
 * number of payments without one. */
static void
add_text_or_null (TallyPgParams *params,
                  const char    *text)
{
  tally_pg_params_add_text (params, text[0] != '\0' ? text : NULL);
}

static gboolean
pg_insert_payment (TallyRulesStore     *rules,
                   const TallyPayment  *payment,
                   GError             **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, payment->id);
  tally_pg_params_add_text (&params, payment->user_id);
  tally_pg_params_add_text (&params, payment->account_id);
  tally_pg_params_add_text (&params, payment->pack_id);
  tally_pg_params_add_int64 (&params, payment->credits);
  tally_pg_params_add_int64 (&params, payment->amount);
  tally_pg_params_add_text (&params, payment->currency);
  tally_pg_params_add_text (&params, payment->provider);
  add_text_or_null (&params, payment->session_id);
  tally_pg_params_add_text (&params, tally_payment_status_to_string (payment->status));
  tally_pg_params_add_int64 (&params, payment->created_at);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO payments (id, user_id, account_id, pack_id, credits, "
                               "amount, currency, provider, session_id, status, created_at) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                               &params, error);
}

/* The first session stays: the statement checks it is unset, so two
 * servers answering the same webhook cannot both set one. */
static gboolean
pg_set_payment_session (TallyRulesStore  *rules,
                        const char       *payment_id,
                        const char       *session_id,
                        GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, session_id);
  tally_pg_params_add_text (&params, payment_id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE payments SET session_id = $1 "
                               "WHERE id = $2 AND session_id IS NULL", &params, error);
}

/* Writes status, reversed, short_by, paid_at and payment_ref back. */
static gboolean
pg_update_payment (TallyRulesStore     *rules,
                   const TallyPayment  *payment,
                   GError             **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_payment_status_to_string (payment->status));
  tally_pg_params_add_int64 (&params, payment->reversed);
  tally_pg_params_add_int64 (&params, payment->short_by);
  tally_pg_params_add_int64 (&params, payment->short_by > 0);
  if (payment->paid_at != 0)
    tally_pg_params_add_int64 (&params, payment->paid_at);
  else
    tally_pg_params_add_text (&params, NULL);
  add_text_or_null (&params, payment->payment_ref);
  tally_pg_params_add_text (&params, payment->id);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE payments SET status = $1, reversed = $2, short_by = $3, "
                               "short = $4, paid_at = $5, payment_ref = $6 WHERE id = $7",
                               &params, error);
}

/* "" when the account has no Stripe customer yet. */
static gboolean
pg_find_stripe_customer (TallyRulesStore  *rules,
                         const char       *account_id,
                         char             *customer_id,
                         gsize             size,
                         GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  customer_id[0] = '\0';
  tally_pg_params_add_text (&params, account_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT customer_id FROM stripe_customers WHERE account_id = $1",
                      &params, error);
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    tally_pg_copy_text (res, 0, 0, customer_id, size);
  return TRUE;
}

/* Paid, or paid then refunded or disputed: anything but open or failed. */
static gboolean
pg_has_paid_purchase (TallyRulesStore  *rules,
                      const char       *user_id,
                      gboolean         *paid,
                      GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *paid = FALSE;
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT EXISTS (SELECT 1 FROM payments WHERE user_id = $1 "
                      "AND status NOT IN ('open', 'failed'))", &params, error);
  if (res == NULL)
    return FALSE;

  *paid = g_str_equal (PQgetvalue (res, 0, 0), "t");
  return TRUE;
}

void
tally_pg_store_payments_init (TallyRulesStoreInterface *iface)
{
  iface->find_payment = pg_find_payment;
  iface->find_payment_by_session = pg_find_payment_by_session;
  iface->find_payment_by_ref = pg_find_payment_by_ref;
  iface->insert_payment = pg_insert_payment;
  iface->set_payment_session = pg_set_payment_session;
  iface->update_payment = pg_update_payment;
  iface->find_stripe_customer = pg_find_stripe_customer;
  iface->has_paid_purchase = pg_has_paid_purchase;
}
