/* tally-store-gifts.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-gifts.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

static const char * const gift_status_names[] = {
  [TALLY_GIFT_OPEN] = "open",
  [TALLY_GIFT_WAITING] = "waiting",
  [TALLY_GIFT_CLAIMED] = "claimed",
  [TALLY_GIFT_CANCELLED] = "cancelled",
};

static const char * const referral_status_names[] = {
  [TALLY_REFERRAL_PENDING] = "pending",
  [TALLY_REFERRAL_REWARDED] = "rewarded",
  [TALLY_REFERRAL_REFUSED] = "refused",
};

const char *
tally_gift_status_to_string (TallyGiftStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (gift_status_names), NULL);

  return gift_status_names[status];
}

static guint
status_index (const char * const *names,
              guint               n_names,
              const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;

  return 0;
}

TallyGiftStatus
tally_gift_status_from_string (const char *name)
{
  return status_index (gift_status_names, G_N_ELEMENTS (gift_status_names), name);
}

const char *
tally_referral_status_to_string (TallyReferralStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (referral_status_names), NULL);

  return referral_status_names[status];
}

TallyReferralStatus
tally_referral_status_from_string (const char *name)
{
  return status_index (referral_status_names, G_N_ELEMENTS (referral_status_names), name);
}

static void
read_gift (sqlite3_stmt *stmt,
           TallyGift    *gift)
{
  memset (gift, 0, sizeof *gift);
  tally_store_copy_text (stmt, 0, gift->payment_id, sizeof gift->payment_id);
  tally_store_copy_text (stmt, 1, gift->sender_user_id, sizeof gift->sender_user_id);
  tally_store_copy_text (stmt, 2, gift->email, sizeof gift->email);
  gift->credits = sqlite3_column_int64 (stmt, 3);
  gift->status = tally_gift_status_from_string ((const char *) sqlite3_column_text (stmt, 4));
  tally_store_copy_text (stmt, 5, gift->recipient_account_id, sizeof gift->recipient_account_id);
  tally_store_copy_text (stmt, 6, gift->transfer_id, sizeof gift->transfer_id);
  gift->created_at = sqlite3_column_int64 (stmt, 7);
  gift->claimed_at = sqlite3_column_int64 (stmt, 8);
  tally_store_copy_text (stmt, 9, gift->sender_name, sizeof gift->sender_name);
}

gboolean
tally_store_insert_gift (TallyStore       *self,
                         const TallyGift  *gift,
                         GError          **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            TALLY_STORE_INSERT_GIFT, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, gift->payment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, gift->sender_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, gift->email, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, gift->credits);
  sqlite3_bind_text (stmt, 5, gift_status_names[gift->status], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, gift->created_at);
  return tally_store_step_done (self, stmt, error);
}

/* Steps @stmt (bound) into an array of TallyGift; NULL on error. */
static GArray *
read_gifts (TallyStore    *self,
            sqlite3_stmt  *stmt,
            GError       **error)
{
  g_autoptr(GArray) list = g_array_new (FALSE, TRUE, sizeof (TallyGift));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyGift gift;

      read_gift (stmt, &gift);
      g_array_append_val (list, gift);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

/* The statements are cached by their text's address: each is a literal. */
static GArray *
gifts_where (TallyStore  *self,
             const char  *sql,
             const char  *value,
             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  return read_gifts (self, stmt, error);
}

gboolean
tally_store_find_gift (TallyStore  *self,
                       const char  *payment_id,
                       TallyGift   *gift,
                       GError     **error)
{
  g_autoptr(GArray) list = gifts_where (self, TALLY_STORE_FIND_GIFT, payment_id, error);

  memset (gift, 0, sizeof *gift);
  if (list == NULL || list->len == 0)
    return FALSE;

  *gift = g_array_index (list, TallyGift, 0);
  return TRUE;
}

GArray *
tally_store_waiting_gifts (TallyStore  *self,
                           const char  *email,
                           GError     **error)
{
  return gifts_where (self, TALLY_STORE_WAITING_GIFTS, email, error);
}

GArray *
tally_store_received_gifts (TallyStore  *self,
                            const char  *account_id,
                            GError     **error)
{
  return gifts_where (self, TALLY_STORE_RECEIVED_GIFTS, account_id, error);
}

GArray *
tally_store_sent_gifts (TallyStore  *self,
                        const char  *user_id,
                        GError     **error)
{
  return gifts_where (self, TALLY_STORE_SENT_GIFTS, user_id, error);
}

gboolean
tally_store_move_gift (TallyStore       *self,
                       const char       *payment_id,
                       TallyGiftStatus   from,
                       TallyGiftStatus   to,
                       const char       *recipient_account_id,
                       const char       *transfer_id,
                       gint64            now,
                       gboolean         *changed,
                       GError          **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            TALLY_STORE_MOVE_GIFT, error);
  sqlite3 *db;

  *changed = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, gift_status_names[to], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, recipient_account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, transfer_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_text (stmt, 5, payment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, gift_status_names[from], -1, SQLITE_STATIC);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *changed = sqlite3_changes (db) == 1;
  return TRUE;
}

/* --- referrals --- */

/* Steps @stmt (bound) for one text column; "" when there is no row. */
static gboolean
step_text (TallyStore    *self,
           sqlite3_stmt  *stmt,
           char          *dest,
           gsize          size,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  dest[0] = '\0';
  if (rc == SQLITE_ROW)
    tally_store_copy_text (stmt, 0, dest, size);
  sqlite3_reset (stmt);

  return rc == SQLITE_ROW || rc == SQLITE_DONE || tally_store_sqlite_failed (self, error);
}

gboolean
tally_store_find_referral_code (TallyStore  *self,
                                const char  *user_id,
                                char         code[TALLY_REFERRAL_CODE_MAX + 1],
                                GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_REFERRAL_CODE, error);

  code[0] = '\0';
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  return step_text (self, stmt, code, TALLY_REFERRAL_CODE_MAX + 1, error);
}

gboolean
tally_store_find_code_owner (TallyStore  *self,
                             const char  *code,
                             char         user_id[TALLY_UUID_LEN],
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_CODE_OWNER, error);

  user_id[0] = '\0';
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  return step_text (self, stmt, user_id, TALLY_UUID_LEN, error) && user_id[0] != '\0';
}

gboolean
tally_store_insert_referral_code (TallyStore  *self,
                                  const char  *user_id,
                                  const char  *code,
                                  gboolean    *taken,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_REFERRAL_CODE, error);
  sqlite3 *db;

  *taken = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, code, -1, SQLITE_STATIC);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *taken = sqlite3_changes (db) == 0;
  return TRUE;
}

gboolean
tally_store_insert_referral (TallyStore           *self,
                             const TallyReferral  *referral,
                             gboolean             *inserted,
                             GError              **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_REFERRAL, error);
  sqlite3 *db;

  *inserted = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, referral->referred_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, referral->referrer_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, referral->signup_address, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, referral->created_at);
  db = sqlite3_db_handle (stmt);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (db) == 1;
  return TRUE;
}

gboolean
tally_store_find_referral (TallyStore     *self,
                           const char     *user_id,
                           TallyReferral  *referral,
                           GError        **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_REFERRAL, error);
  int rc;

  memset (referral, 0, sizeof *referral);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      tally_store_copy_text (stmt, 0, referral->referred_user_id,
                             sizeof referral->referred_user_id);
      tally_store_copy_text (stmt, 1, referral->referrer_user_id,
                             sizeof referral->referrer_user_id);
      tally_store_copy_text (stmt, 2, referral->signup_address, sizeof referral->signup_address);
      referral->status =
        tally_referral_status_from_string ((const char *) sqlite3_column_text (stmt, 3));
      referral->bonus = sqlite3_column_int64 (stmt, 4);
      referral->created_at = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

gboolean
tally_store_settle_referral (TallyStore           *self,
                             const char           *user_id,
                             TallyReferralStatus   status,
                             gint64                bonus,
                             gint64                now,
                             GError              **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SETTLE_REFERRAL, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, referral_status_names[status], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, bonus);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_text (stmt, 4, user_id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

/* Steps @stmt (bound) for up to three integer columns of one row. */
static gboolean
step_ints (TallyStore    *self,
           sqlite3_stmt  *stmt,
           gint64        *a,
           gint64        *b,
           gint64        *c,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      *a = sqlite3_column_int64 (stmt, 0);
      if (b != NULL)
        *b = sqlite3_column_int64 (stmt, 1);
      if (c != NULL)
        *c = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  return rc == SQLITE_ROW || tally_store_sqlite_failed (self, error);
}

gboolean
tally_store_count_rewarded_from (TallyStore  *self,
                                 const char  *address,
                                 gint64      *count,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_COUNT_REWARDED_FROM, error);

  *count = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, address, -1, SQLITE_STATIC);
  return step_ints (self, stmt, count, NULL, NULL, error);
}

gboolean
tally_store_referral_totals (TallyStore  *self,
                             const char  *user_id,
                             gint64      *referred,
                             gint64      *rewarded,
                             gint64      *earned,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_REFERRAL_TOTALS, error);

  *referred = *rewarded = *earned = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  return step_ints (self, stmt, referred, rewarded, earned, error);
}

gboolean
tally_store_has_paid_purchase (TallyStore  *self,
                               const char  *user_id,
                               gboolean    *paid,
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "SELECT count(*) FROM payments "
                                            "WHERE user_id = ? AND status != 'open' "
                                            "AND status != 'failed'", error);
  gint64 count = 0;

  *paid = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  if (!step_ints (self, stmt, &count, NULL, NULL, error))
    return FALSE;

  *paid = count > 0;
  return TRUE;
}
