/* tally-store-gifts.h: gift credits and referrals, in the server's tables
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
  /* Checkout started, not paid yet. */
  TALLY_GIFT_OPEN,
  /* Paid: the credits wait for the address. */
  TALLY_GIFT_WAITING,
  TALLY_GIFT_CLAIMED,
  /* Refunded or disputed before anyone claimed it. */
  TALLY_GIFT_CANCELLED,
} TallyGiftStatus;

typedef struct
{
  char            payment_id[TALLY_UUID_LEN];
  char            sender_user_id[TALLY_UUID_LEN];
  char            email[TALLY_EMAIL_MAX + 1];
  gint64          credits;
  TallyGiftStatus status;
  /* Empty until claimed. */
  char            recipient_account_id[TALLY_UUID_LEN];
  char            transfer_id[TALLY_UUID_LEN];
  gint64          created_at;
  gint64          claimed_at;
  /* Read with the gift: the sender's name (or email) for the recipient
   * to see; "" once the sender's account is erased. */
  char            sender_name[TALLY_NAME_MAX];
} TallyGift;

const char *tally_gift_status_to_string     (TallyGiftStatus   status);
/* An unknown name reads as the first status, as the stores read rows. */
TallyGiftStatus tally_gift_status_from_string (const char    *name);

gboolean    tally_store_insert_gift         (TallyStore       *self,
                                             const TallyGift  *gift,
                                             GError          **error);
/* FALSE without an error when the payment is no gift. */
gboolean    tally_store_find_gift           (TallyStore       *self,
                                             const char       *payment_id,
                                             TallyGift        *gift,
                                             GError          **error);
/* Moves the gift from @from to @to (and records who claimed it with
 * which transfer, when given); *@changed is FALSE when it was not in
 * @from, so of two racing updates only one changes it. */
gboolean    tally_store_move_gift           (TallyStore       *self,
                                             const char       *payment_id,
                                             TallyGiftStatus   from,
                                             TallyGiftStatus   to,
                                             const char       *recipient_account_id,
                                             const char       *transfer_id,
                                             gint64            now,
                                             gboolean         *changed,
                                             GError          **error);
/* The gifts waiting for @email, oldest first: an array of TallyGift. */
GArray     *tally_store_waiting_gifts       (TallyStore       *self,
                                             const char       *email,
                                             GError          **error);
/* Gifts @account_id received, and gifts @user_id sent, newest first. */
GArray     *tally_store_received_gifts      (TallyStore       *self,
                                             const char       *account_id,
                                             GError          **error);
GArray     *tally_store_sent_gifts          (TallyStore       *self,
                                             const char       *user_id,
                                             GError          **error);

/* --- referrals --- */

#define TALLY_REFERRAL_CODE_MAX 16

typedef enum
{
  TALLY_REFERRAL_PENDING,
  TALLY_REFERRAL_REWARDED,
  /* The address had brought its share of bonuses already. */
  TALLY_REFERRAL_REFUSED,
} TallyReferralStatus;

typedef struct
{
  char                referred_user_id[TALLY_UUID_LEN];
  char                referrer_user_id[TALLY_UUID_LEN];
  char                signup_address[64];
  TallyReferralStatus status;
  gint64              bonus;
  gint64              created_at;
} TallyReferral;

const char          *tally_referral_status_to_string   (TallyReferralStatus  status);
TallyReferralStatus  tally_referral_status_from_string (const char          *name);

/* "" in @code when @user_id has none yet. */
gboolean    tally_store_find_referral_code  (TallyStore       *self,
                                             const char       *user_id,
                                             char              code[TALLY_REFERRAL_CODE_MAX + 1],
                                             GError          **error);
/* FALSE without an error when no user has @code. */
gboolean    tally_store_find_code_owner     (TallyStore       *self,
                                             const char       *code,
                                             char              user_id[TALLY_UUID_LEN],
                                             GError          **error);
/* *@taken is TRUE when another user has @code already. */
gboolean    tally_store_insert_referral_code (TallyStore      *self,
                                              const char      *user_id,
                                              const char      *code,
                                              gboolean        *taken,
                                              GError         **error);
/* *@inserted is FALSE when @referral's user has a referrer already. */
gboolean    tally_store_insert_referral     (TallyStore          *self,
                                             const TallyReferral *referral,
                                             gboolean            *inserted,
                                             GError             **error);
/* FALSE without an error when @user_id was referred by nobody. */
gboolean    tally_store_find_referral       (TallyStore       *self,
                                             const char       *user_id,
                                             TallyReferral    *referral,
                                             GError          **error);
/* Settles a pending referral as @status with @bonus. */
gboolean    tally_store_settle_referral     (TallyStore          *self,
                                             const char          *user_id,
                                             TallyReferralStatus  status,
                                             gint64               bonus,
                                             gint64               now,
                                             GError             **error);
/* Referrals rewarded whose new account signed up from @address. */
gboolean    tally_store_count_rewarded_from (TallyStore       *self,
                                             const char       *address,
                                             gint64           *count,
                                             GError          **error);
/* What @user_id's referrals came to: how many signed up, how many were
 * rewarded, and the credits the referrer earned. */
gboolean    tally_store_referral_totals     (TallyStore       *self,
                                             const char       *user_id,
                                             gint64           *referred,
                                             gint64           *rewarded,
                                             gint64           *earned,
                                             GError          **error);
/* Whether @user_id has a purchase that is paid (or was, then refunded):
 * a referral may be added only before the first. */
gboolean    tally_store_has_paid_purchase   (TallyStore       *self,
                                             const char       *user_id,
                                             gboolean         *paid,
                                             GError          **error);

G_END_DECLS
