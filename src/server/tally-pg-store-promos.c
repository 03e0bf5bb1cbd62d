/* tally-pg-store-promos.c: promo codes and who redeemed them, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

/* Row @row of TALLY_STORE_PROMO_COLUMNS. */
void
tally_pg_store_read_promo (const PGresult *res,
                           int             row,
                           TallyPromoCode *promo)
{
  memset (promo, 0, sizeof *promo);
  tally_pg_copy_text (res, row, 0, promo->id, sizeof promo->id);
  tally_pg_copy_text (res, row, 1, promo->code, sizeof promo->code);
  promo->credits = tally_pg_get_int64 (res, row, 2);
  promo->max_redemptions = tally_pg_get_int64 (res, row, 3);
  promo->redemptions = tally_pg_get_int64 (res, row, 4);
  promo->expires_at = tally_pg_get_int64 (res, row, 5);
  promo->credits_expire_after_days = tally_pg_get_int64 (res, row, 6);
  tally_pg_copy_text (res, row, 7, promo->created_by, sizeof promo->created_by);
  promo->created_at = tally_pg_get_int64 (res, row, 8);
}

/* 0 (never) is stored as NULL. */
static void
add_optional (TallyPgParams *params,
              gint64         value)
{
  if (value > 0)
    tally_pg_params_add_int64 (params, value);
  else
    tally_pg_params_add_text (params, NULL);
}

/* FALSE without an error when the code is taken already: the unique
 * code decides between two servers creating it at once. */
static gboolean
pg_insert_promo_code (TallyRulesStore       *rules,
                      const TallyPromoCode  *promo,
                      GError               **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, promo->id);
  tally_pg_params_add_text (&params, promo->code);
  tally_pg_params_add_int64 (&params, promo->credits);
  tally_pg_params_add_int64 (&params, promo->max_redemptions);
  add_optional (&params, promo->expires_at);
  add_optional (&params, promo->credits_expire_after_days);
  tally_pg_params_add_text (&params, promo->created_by);
  tally_pg_params_add_int64 (&params, promo->created_at);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_INSERT_PROMO_CODE, &params,
                      error);

  return res != NULL && g_str_equal (PQcmdTuples (res), "1");
}

/* FALSE without an error when there is no such code. */
static gboolean
pg_find_promo_code (TallyRulesStore  *rules,
                    const char       *code,
                    TallyPromoCode   *promo,
                    GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (promo, 0, sizeof *promo);
  tally_pg_params_add_text (&params, code);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_FIND_PROMO_CODE, &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  tally_pg_store_read_promo (res, 0, promo);
  return TRUE;
}

/* FALSE without an error when @user_id has not redeemed @promo_id. */
static gboolean
pg_find_redemption (TallyRulesStore  *rules,
                    const char       *promo_id,
                    const char       *user_id,
                    GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_text (&params, promo_id);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_FIND_REDEMPTION, &params, error);

  return res != NULL && PQntuples (res) > 0;
}

/* Runs @sql, an UPDATE of the code $1: TRUE in *@changed when it
 * changed the code's row. */
static gboolean
update_count (TallyPg     *pg,
              const char  *sql,
              const char  *promo_id,
              gboolean    *changed,
              GError     **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, promo_id);
  return tally_pg_run_change (pg, sql, &params, changed, error);
}

/* Two servers may redeem at once. The count goes up only while it is
 * below the maximum, and its UPDATE holds the code's row to the end of
 * the transaction: the other server waits, then counts against the new
 * total. The redemption's row is written after that lock, so it sees one
 * the same user committed meanwhile through another server (SQLite's one
 * writer has no such race, and its INSERT no ON CONFLICT): then the count
 * is given back and nothing is counted. */
static gboolean
pg_add_redemption (TallyRulesStore  *rules,
                   const char       *promo_id,
                   const char       *user_id,
                   const char       *transfer_id,
                   gboolean         *counted,
                   GError          **error)
{
  TallyPg *pg = tally_pg_store_pg (rules);
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  gboolean given_back;

  *counted = FALSE;
  if (!update_count (pg, TALLY_STORE_COUNT_REDEMPTION, promo_id, counted, error))
    return FALSE;
  if (!*counted)
    return TRUE;

  tally_pg_params_add_text (&params, promo_id);
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, transfer_id);
  tally_pg_params_add_int64 (&params, g_get_real_time ());
  res = tally_pg_run (pg, "INSERT INTO promo_redemptions (promo_id, user_id, transfer_id, "
                      "created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                      &params, error);
  if (res == NULL)
    return FALSE;

  if (g_str_equal (PQcmdTuples (res), "1"))
    return TRUE;

  *counted = FALSE;
  return update_count (pg, "UPDATE promo_codes SET redemptions = redemptions - 1 WHERE id = $1",
                       promo_id, &given_back, error);
}

void
tally_pg_store_promos_init (TallyRulesStoreInterface *iface)
{
  iface->insert_promo_code = pg_insert_promo_code;
  iface->find_promo_code = pg_find_promo_code;
  iface->find_redemption = pg_find_redemption;
  iface->add_redemption = pg_add_redemption;
}
