/* tally-pg-store-gifts.c: gifts and referrals on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static void
read_gift (const PGresult *res,
           int             row,
           TallyGift      *gift)
{
  memset (gift, 0, sizeof *gift);
  tally_pg_copy_text (res, row, 0, gift->payment_id, sizeof gift->payment_id);
  tally_pg_copy_text (res, row, 1, gift->sender_user_id, sizeof gift->sender_user_id);
  tally_pg_copy_text (res, row, 2, gift->email, sizeof gift->email);
  gift->credits = tally_pg_get_int64 (res, row, 3);
  gift->status = tally_gift_status_from_string (PQgetvalue (res, row, 4));
  tally_pg_copy_text (res, row, 5, gift->recipient_account_id,
                      sizeof gift->recipient_account_id);
  tally_pg_copy_text (res, row, 6, gift->transfer_id, sizeof gift->transfer_id);
  gift->created_at = tally_pg_get_int64 (res, row, 7);
  gift->claimed_at = tally_pg_get_int64 (res, row, 8);
  /* Cut short, not emptied, when an address stands in for a name: as
   * the SQLite store reads it. */
  g_strlcpy (gift->sender_name, PQgetvalue (res, row, 9), sizeof gift->sender_name);
}

/* The gifts @sql (TALLY_STORE_GIFTS_SELECT and a WHERE on $1) finds:
 * an array of TallyGift, or NULL on error. */
GArray *
tally_pg_store_gifts_where (TallyPg     *pg,
                            const char  *sql,
                            const char  *value,
                            GError     **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *list;

  tally_pg_params_add_text (&params, value);
  res = tally_pg_run (pg, sql, &params, error);
  if (res == NULL)
    return NULL;

  list = g_array_sized_new (FALSE, TRUE, sizeof (TallyGift), PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyGift gift;

      read_gift (res, row, &gift);
      g_array_append_val (list, gift);
    }
  return list;
}

/* FALSE without an error when the payment is no gift. */
static gboolean
pg_find_gift (TallyRulesStore  *rules,
              const char       *payment_id,
              TallyGift        *gift,
              GError          **error)
{
  g_autoptr(GArray) list = tally_pg_store_gifts_where (tally_pg_store_pg (rules),
                                                       TALLY_STORE_FIND_GIFT, payment_id,
                                                       error);

  memset (gift, 0, sizeof *gift);
  if (list == NULL || list->len == 0)
    return FALSE;

  *gift = g_array_index (list, TallyGift, 0);
  return TRUE;
}

static gboolean
pg_insert_gift (TallyRulesStore  *rules,
                const TallyGift  *gift,
                GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, gift->payment_id);
  tally_pg_params_add_text (&params, gift->sender_user_id);
  tally_pg_params_add_text (&params, gift->email);
  tally_pg_params_add_int64 (&params, gift->credits);
  tally_pg_params_add_text (&params, tally_gift_status_to_string (gift->status));
  tally_pg_params_add_int64 (&params, gift->created_at);
  return tally_pg_run_command (tally_pg_store_pg (rules), TALLY_STORE_INSERT_GIFT, &params,
                               error);
}

/* The status in the WHERE decides between two servers moving the same
 * gift (a claim and a refund): the row lock makes the second wait, then
 * find the gift moved already, so only one of them changes it. */
static gboolean
pg_move_gift (TallyRulesStore  *rules,
              const char       *payment_id,
              TallyGiftStatus   from,
              TallyGiftStatus   to,
              const char       *recipient_account_id,
              const char       *transfer_id,
              gint64            now,
              gboolean         *changed,
              GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_gift_status_to_string (to));
  tally_pg_params_add_text (&params, recipient_account_id);
  tally_pg_params_add_text (&params, transfer_id);
  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, payment_id);
  tally_pg_params_add_text (&params, tally_gift_status_to_string (from));
  return tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_MOVE_GIFT, &params, changed,
                              error);
}

/* Oldest first; the address in any case. */
static GArray *
pg_waiting_gifts (TallyRulesStore  *rules,
                  const char       *email,
                  GError          **error)
{
  return tally_pg_store_gifts_where (tally_pg_store_pg (rules), TALLY_STORE_WAITING_GIFTS, email,
                                     error);
}

/* --- referrals --- */

/* The first column of the one row @sql finds into @dest; "" when there
 * is none. */
static gboolean
fetch_text (TallyPg              *pg,
            const char           *sql,
            const TallyPgParams  *params,
            char                 *dest,
            gsize                 size,
            GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg, sql, params, error);

  dest[0] = '\0';
  if (res == NULL)
    return FALSE;

  if (PQntuples (res) > 0)
    tally_pg_copy_text (res, 0, 0, dest, size);
  return TRUE;
}

/* "" in @code when @user_id has none yet. */
static gboolean
pg_find_referral_code (TallyRulesStore  *rules,
                       const char       *user_id,
                       char              code[TALLY_REFERRAL_CODE_MAX + 1],
                       GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, user_id);
  return fetch_text (tally_pg_store_pg (rules), TALLY_STORE_FIND_REFERRAL_CODE, &params, code,
                     TALLY_REFERRAL_CODE_MAX + 1, error);
}

/* FALSE without an error when no user has @code. */
static gboolean
pg_find_code_owner (TallyRulesStore  *rules,
                    const char       *code,
                    char              user_id[TALLY_UUID_LEN],
                    GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, code);
  return fetch_text (tally_pg_store_pg (rules), TALLY_STORE_FIND_CODE_OWNER, &params, user_id,
                     TALLY_UUID_LEN, error) &&
         user_id[0] != '\0';
}

/* *@taken is TRUE when the code, or a code for @user_id, exists already. */
static gboolean
pg_insert_referral_code (TallyRulesStore  *rules,
                         const char       *user_id,
                         const char       *code,
                         gboolean         *taken,
                         GError          **error)
{
  TallyPgParams params = { 0 };
  gboolean inserted;

  *taken = FALSE;
  tally_pg_params_add_text (&params, user_id);
  tally_pg_params_add_text (&params, code);
  if (!tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_INSERT_REFERRAL_CODE,
                            &params, &inserted, error))
    return FALSE;

  *taken = !inserted;
  return TRUE;
}

/* *@inserted is FALSE when the user has a referrer already. */
static gboolean
pg_insert_referral (TallyRulesStore      *rules,
                    const TallyReferral  *referral,
                    gboolean             *inserted,
                    GError              **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, referral->referred_user_id);
  tally_pg_params_add_text (&params, referral->referrer_user_id);
  tally_pg_params_add_text (&params, referral->signup_address);
  tally_pg_params_add_int64 (&params, referral->created_at);
  return tally_pg_run_change (tally_pg_store_pg (rules), TALLY_STORE_INSERT_REFERRAL, &params,
                              inserted, error);
}

/* FALSE without an error when @user_id was referred by nobody. */
static gboolean
pg_find_referral (TallyRulesStore  *rules,
                  const char       *user_id,
                  TallyReferral    *referral,
                  GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (referral, 0, sizeof *referral);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_FIND_REFERRAL, &params, error);
  if (res == NULL || PQntuples (res) == 0)
    return FALSE;

  tally_pg_copy_text (res, 0, 0, referral->referred_user_id, sizeof referral->referred_user_id);
  tally_pg_copy_text (res, 0, 1, referral->referrer_user_id, sizeof referral->referrer_user_id);
  tally_pg_copy_text (res, 0, 2, referral->signup_address, sizeof referral->signup_address);
  referral->status = tally_referral_status_from_string (PQgetvalue (res, 0, 3));
  referral->bonus = tally_pg_get_int64 (res, 0, 4);
  referral->created_at = tally_pg_get_int64 (res, 0, 5);
  return TRUE;
}

/* Only a pending referral is settled: of two servers settling it, the
 * second waits on the row, then finds it settled and changes nothing. */
static gboolean
pg_settle_referral (TallyRulesStore      *rules,
                    const char           *user_id,
                    TallyReferralStatus   status,
                    gint64                bonus,
                    gint64                now,
                    GError              **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_referral_status_to_string (status));
  tally_pg_params_add_int64 (&params, bonus);
  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, user_id);
  return tally_pg_run_command (tally_pg_store_pg (rules), TALLY_STORE_SETTLE_REFERRAL, &params,
                               error);
}

static gboolean
pg_count_rewarded_from (TallyRulesStore  *rules,
                        const char       *address,
                        gint64           *count,
                        GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *count = 0;
  tally_pg_params_add_text (&params, address);
  res = tally_pg_run (tally_pg_store_pg (rules), TALLY_STORE_COUNT_REWARDED_FROM, &params,
                      error);
  if (res == NULL)
    return FALSE;

  *count = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

void
tally_pg_store_gifts_init (TallyRulesStoreInterface *iface)
{
  iface->find_gift = pg_find_gift;
  iface->insert_gift = pg_insert_gift;
  iface->move_gift = pg_move_gift;
  iface->waiting_gifts = pg_waiting_gifts;
  iface->insert_referral_code = pg_insert_referral_code;
  iface->find_referral_code = pg_find_referral_code;
  iface->find_code_owner = pg_find_code_owner;
  iface->insert_referral = pg_insert_referral;
  iface->find_referral = pg_find_referral;
  iface->settle_referral = pg_settle_referral;
  iface->count_rewarded_from = pg_count_rewarded_from;
}
