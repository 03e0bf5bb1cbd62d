/* test-rules-store-gifts.c: gifts, referrals and promo codes, as every
 * TallyRulesStore keeps them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What tally-gifts.c, tally-referrals.c and tally-promos.c rely on through
 * the interface: rows found as saved, "none" answered as FALSE with no
 * error, updates that change only what they should and only from the
 * state they name, limits that hold, on SQLite and on PostgreSQL
 * (issue 19). On PostgreSQL, two stores on one database also race a
 * gift's claim and refund, and a redemption, as two servers would.
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

#define HOSTILE_ID "' OR ''='"

static void
gift_init (TallyGift  *gift,
           const char *sender_user_id,
           const char *email,
           gint64      credits,
           gint64      created_at)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (gift, 0, sizeof *gift);
  g_strlcpy (gift->payment_id, id, sizeof gift->payment_id);
  g_strlcpy (gift->sender_user_id, sender_user_id, sizeof gift->sender_user_id);
  g_strlcpy (gift->email, email, sizeof gift->email);
  gift->credits = credits;
  gift->status = TALLY_GIFT_OPEN;
  gift->created_at = created_at;
}

static void
insert_gift (StoreFixture *fixture,
             TallyGift    *gift)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_gift (fixture->store, gift, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static gboolean
move_gift (StoreFixture    *fixture,
           const char      *payment_id,
           TallyGiftStatus  from,
           TallyGiftStatus  to,
           const char      *recipient_account_id,
           const char      *transfer_id,
           gint64           now)
{
  g_autoptr(GError) error = NULL;
  gboolean changed = TRUE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_move_gift (fixture->store, payment_id, from, to,
                                              recipient_account_id, transfer_id, now, &changed,
                                              &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return changed;
}

static void
find_gift (StoreFixture *fixture,
           const char   *payment_id,
           TallyGift    *gift)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_find_gift (fixture->store, payment_id, gift, &error));
  g_assert_no_error (error);
}

/* A gift as a checkout saves it, found with its sender's name; one from
 * a sender with no user row has none; no gift is FALSE without an
 * error. */
static void
test_gift_found (StoreFixture  *fixture,
                 gconstpointer  data)
{
  g_autofree char *stranger = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyGift gift, orphan, found;

  gift_init (&gift, fixture->user.id, "Friend@Example.com", 500, 1000);
  insert_gift (fixture, &gift);
  find_gift (fixture, gift.payment_id, &found);
  g_assert_cmpstr (found.payment_id, ==, gift.payment_id);
  g_assert_cmpstr (found.sender_user_id, ==, fixture->user.id);
  /* Stored lower case, whoever typed it. */
  g_assert_cmpstr (found.email, ==, "friend@example.com");
  g_assert_cmpint (found.credits, ==, 500);
  g_assert_cmpint (found.status, ==, TALLY_GIFT_OPEN);
  g_assert_cmpstr (found.recipient_account_id, ==, "");
  g_assert_cmpstr (found.transfer_id, ==, "");
  g_assert_cmpint (found.created_at, ==, 1000);
  g_assert_cmpint (found.claimed_at, ==, 0);
  g_assert_cmpstr (found.sender_name, ==, "Test");

  gift_init (&orphan, stranger, "friend@example.com", 7, 1001);
  insert_gift (fixture, &orphan);
  find_gift (fixture, orphan.payment_id, &found);
  g_assert_cmpstr (found.sender_name, ==, "");

  g_assert_false (tally_rules_store_find_gift (fixture->store, stranger, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.payment_id, ==, "");
  g_assert_false (tally_rules_store_find_gift (fixture->store, HOSTILE_ID, &found, &error));
  g_assert_no_error (error);

  /* The payment's id is the gift's key. */
  stores_begin (fixture);
  g_assert_false (tally_rules_store_insert_gift (fixture->store, &gift, &error));
  g_assert_nonnull (error);
  tally_rules_store_rollback (fixture->store);
}

/* A gift moves only from the status named, once; a claim records who
 * claimed it with which transfer and when, a cancellation none of that. */
static void
test_gift_moves (StoreFixture  *fixture,
                 gconstpointer  data)
{
  g_autofree char *transfer_id = g_uuid_string_random ();
  g_autofree char *unknown = g_uuid_string_random ();
  TallyGift claimed, cancelled, found;

  gift_init (&claimed, fixture->user.id, "friend@example.com", 300, 1000);
  insert_gift (fixture, &claimed);
  gift_init (&cancelled, fixture->user.id, "friend@example.com", 200, 1000);
  insert_gift (fixture, &cancelled);

  g_assert_false (move_gift (fixture, claimed.payment_id, TALLY_GIFT_WAITING, TALLY_GIFT_CLAIMED,
                             fixture->user.account_id, transfer_id, 5000));
  g_assert_true (move_gift (fixture, claimed.payment_id, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING,
                            NULL, NULL, 2000));
  g_assert_false (move_gift (fixture, claimed.payment_id, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING,
                             NULL, NULL, 2000));
  find_gift (fixture, claimed.payment_id, &found);
  g_assert_cmpint (found.status, ==, TALLY_GIFT_WAITING);
  g_assert_cmpint (found.claimed_at, ==, 0);
  g_assert_cmpstr (found.recipient_account_id, ==, "");

  g_assert_true (move_gift (fixture, claimed.payment_id, TALLY_GIFT_WAITING, TALLY_GIFT_CLAIMED,
                            fixture->user.account_id, transfer_id, 5000));
  /* A refund racing the claim finds it claimed and changes nothing. */
  g_assert_false (move_gift (fixture, claimed.payment_id, TALLY_GIFT_WAITING,
                             TALLY_GIFT_CANCELLED, NULL, NULL, 6000));
  find_gift (fixture, claimed.payment_id, &found);
  g_assert_cmpint (found.status, ==, TALLY_GIFT_CLAIMED);
  g_assert_cmpstr (found.recipient_account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (found.transfer_id, ==, transfer_id);
  g_assert_cmpint (found.claimed_at, ==, 5000);
  g_assert_cmpint (found.credits, ==, 300);
  g_assert_cmpint (found.created_at, ==, 1000);

  g_assert_true (move_gift (fixture, cancelled.payment_id, TALLY_GIFT_OPEN, TALLY_GIFT_CANCELLED,
                            NULL, NULL, 7000));
  find_gift (fixture, cancelled.payment_id, &found);
  g_assert_cmpint (found.status, ==, TALLY_GIFT_CANCELLED);
  g_assert_cmpint (found.claimed_at, ==, 0);
  g_assert_cmpstr (found.transfer_id, ==, "");

  g_assert_false (move_gift (fixture, unknown, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING, NULL, NULL,
                             1));
  g_assert_false (move_gift (fixture, HOSTILE_ID, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING, NULL, NULL,
                             1));
}

/* The gifts waiting for an address, in any case, oldest first: not
 * those still open, claimed, or for another address. */
static void
test_waiting_gifts (StoreFixture  *fixture,
                    gconstpointer  data)
{
  g_autoptr(GArray) none = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GError) error = NULL;
  TallyGift newer, older, open, claimed, other;
  TallyGift *waiting[] = { &newer, &older, &claimed, &other };

  gift_init (&newer, fixture->user.id, "friend@example.com", 20, 3000);
  gift_init (&older, fixture->user.id, "FRIEND@example.com", 10, 2000);
  gift_init (&open, fixture->user.id, "friend@example.com", 30, 1000);
  gift_init (&claimed, fixture->user.id, "friend@example.com", 40, 1000);
  gift_init (&other, fixture->user.id, "other@example.com", 50, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (waiting); i++)
    {
      insert_gift (fixture, waiting[i]);
      g_assert_true (move_gift (fixture, waiting[i]->payment_id, TALLY_GIFT_OPEN,
                                TALLY_GIFT_WAITING, NULL, NULL, 1));
    }
  insert_gift (fixture, &open);
  g_assert_true (move_gift (fixture, claimed.payment_id, TALLY_GIFT_WAITING, TALLY_GIFT_CLAIMED,
                            fixture->user.account_id, claimed.payment_id, 4000));

  list = tally_rules_store_waiting_gifts (fixture->store, "Friend@EXAMPLE.com", &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (g_array_index (list, TallyGift, 0).payment_id, ==, older.payment_id);
  g_assert_cmpint (g_array_index (list, TallyGift, 0).credits, ==, 10);
  g_assert_cmpstr (g_array_index (list, TallyGift, 0).sender_name, ==, "Test");
  g_assert_cmpstr (g_array_index (list, TallyGift, 1).payment_id, ==, newer.payment_id);
  g_assert_cmpint (g_array_index (list, TallyGift, 1).status, ==, TALLY_GIFT_WAITING);

  none = tally_rules_store_waiting_gifts (fixture->store, "nobody@example.com", &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_cmpuint (none->len, ==, 0);
}

/* A user's code: none at first, then the one saved, found by its owner;
 * a code another user has, or a second one for the user, is taken. */
static void
test_referral_codes (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  char code[TALLY_REFERRAL_CODE_MAX + 1];
  char owner[TALLY_UUID_LEN];
  gboolean taken = TRUE;

  g_assert_true (tally_rules_store_find_referral_code (fixture->store, fixture->user.id, code,
                                                       &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "");

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_referral_code (fixture->store, fixture->user.id,
                                                         "ABCD2345", &taken, &error));
  g_assert_no_error (error);
  g_assert_false (taken);
  g_assert_true (tally_rules_store_insert_referral_code (fixture->store, other, "ABCD2345",
                                                         &taken, &error));
  g_assert_no_error (error);
  g_assert_true (taken);
  taken = FALSE;
  g_assert_true (tally_rules_store_insert_referral_code (fixture->store, fixture->user.id,
                                                         "WXYZ6789", &taken, &error));
  g_assert_no_error (error);
  g_assert_true (taken);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_referral_code (fixture->store, fixture->user.id, code,
                                                       &error));
  g_assert_cmpstr (code, ==, "ABCD2345");
  g_assert_true (tally_rules_store_find_referral_code (fixture->store, other, code, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "");

  g_assert_true (tally_rules_store_find_code_owner (fixture->store, "ABCD2345", owner, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (owner, ==, fixture->user.id);
  g_assert_false (tally_rules_store_find_code_owner (fixture->store, "WXYZ6789", owner, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (owner, ==, "");
  g_assert_false (tally_rules_store_find_code_owner (fixture->store, HOSTILE_ID, owner, &error));
  g_assert_no_error (error);
}

static void
referral_init (TallyReferral *referral,
               const char    *referred,
               const char    *referrer,
               const char    *address)
{
  memset (referral, 0, sizeof *referral);
  g_strlcpy (referral->referred_user_id, referred, sizeof referral->referred_user_id);
  g_strlcpy (referral->referrer_user_id, referrer, sizeof referral->referrer_user_id);
  g_strlcpy (referral->signup_address, address, sizeof referral->signup_address);
  referral->created_at = 1000;
}

static gboolean
insert_referral (StoreFixture        *fixture,
                 const TallyReferral *referral)
{
  g_autoptr(GError) error = NULL;
  gboolean inserted = FALSE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_referral (fixture->store, referral, &inserted, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return inserted;
}

static void
settle (StoreFixture        *fixture,
        const char          *user_id,
        TallyReferralStatus  status,
        gint64               bonus)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_settle_referral (fixture->store, user_id, status, bonus, 9000,
                                                    &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static gint64
rewarded_from (StoreFixture *fixture,
               const char   *address)
{
  g_autoptr(GError) error = NULL;
  gint64 count = -1;

  g_assert_true (tally_rules_store_count_rewarded_from (fixture->store, address, &count,
                                                        &error));
  g_assert_no_error (error);
  return count;
}

/* One referrer per user, found as saved; only a pending referral is
 * settled; the rewarded ones count per sign-up address. */
static void
test_referrals (StoreFixture  *fixture,
                gconstpointer  data)
{
  g_autofree char *second = g_uuid_string_random ();
  g_autofree char *third = g_uuid_string_random ();
  g_autofree char *referrer = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyReferral referral, found;

  referral_init (&referral, fixture->user.id, referrer, "192.0.2.7");
  g_assert_true (insert_referral (fixture, &referral));
  referral_init (&referral, fixture->user.id, second, "192.0.2.8");
  g_assert_false (insert_referral (fixture, &referral));

  g_assert_true (tally_rules_store_find_referral (fixture->store, fixture->user.id, &found,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.referred_user_id, ==, fixture->user.id);
  g_assert_cmpstr (found.referrer_user_id, ==, referrer);
  g_assert_cmpstr (found.signup_address, ==, "192.0.2.7");
  g_assert_cmpint (found.status, ==, TALLY_REFERRAL_PENDING);
  g_assert_cmpint (found.bonus, ==, 0);
  g_assert_cmpint (found.created_at, ==, 1000);
  g_assert_false (tally_rules_store_find_referral (fixture->store, referrer, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.referred_user_id, ==, "");
  g_assert_false (tally_rules_store_find_referral (fixture->store, HOSTILE_ID, &found, &error));
  g_assert_no_error (error);

  g_assert_cmpint (rewarded_from (fixture, "192.0.2.7"), ==, 0);
  settle (fixture, fixture->user.id, TALLY_REFERRAL_REWARDED, 50);
  settle (fixture, fixture->user.id, TALLY_REFERRAL_REFUSED, 0);
  g_assert_true (tally_rules_store_find_referral (fixture->store, fixture->user.id, &found,
                                                  &error));
  g_assert_cmpint (found.status, ==, TALLY_REFERRAL_REWARDED);
  g_assert_cmpint (found.bonus, ==, 50);
  g_assert_cmpstr (found.referrer_user_id, ==, referrer);

  /* Refused from the same address: not counted. */
  referral_init (&referral, second, referrer, "192.0.2.7");
  g_assert_true (insert_referral (fixture, &referral));
  settle (fixture, second, TALLY_REFERRAL_REFUSED, 0);
  g_assert_true (tally_rules_store_find_referral (fixture->store, second, &found, &error));
  g_assert_cmpint (found.status, ==, TALLY_REFERRAL_REFUSED);
  referral_init (&referral, third, referrer, "192.0.2.7");
  g_assert_true (insert_referral (fixture, &referral));
  settle (fixture, third, TALLY_REFERRAL_REWARDED, 50);

  g_assert_cmpint (rewarded_from (fixture, "192.0.2.7"), ==, 2);
  g_assert_cmpint (rewarded_from (fixture, "192.0.2.8"), ==, 0);
  g_assert_cmpint (rewarded_from (fixture, HOSTILE_ID), ==, 0);
}

static void
promo_init (TallyPromoCode *promo,
            const char     *code,
            gint64          max_redemptions,
            const char     *created_by)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (promo, 0, sizeof *promo);
  g_strlcpy (promo->id, id, sizeof promo->id);
  g_strlcpy (promo->code, code, sizeof promo->code);
  promo->credits = 250;
  promo->max_redemptions = max_redemptions;
  g_strlcpy (promo->created_by, created_by, sizeof promo->created_by);
  promo->created_at = 1000;
}

static gboolean
insert_promo (StoreFixture         *fixture,
              const TallyPromoCode *promo)
{
  g_autoptr(GError) error = NULL;
  gboolean inserted;

  stores_begin (fixture);
  inserted = tally_rules_store_insert_promo_code (fixture->store, promo, &error);
  g_assert_no_error (error);
  stores_commit (fixture);
  return inserted;
}

static void
find_promo (StoreFixture   *fixture,
            const char     *code,
            TallyPromoCode *promo)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_find_promo_code (fixture->store, code, promo, &error));
  g_assert_no_error (error);
}

/* A code as an admin saves it, with or without its times; a code taken
 * is FALSE without an error and keeps the first. */
static void
test_promo_codes (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPromoCode promo, dated, clash, found;

  promo_init (&promo, "WELCOME-10", 3, fixture->user.id);
  g_assert_true (insert_promo (fixture, &promo));
  promo_init (&dated, "SPRING_26", 1, fixture->user.id);
  dated.expires_at = 1800000000000000;
  dated.credits_expire_after_days = 30;
  g_assert_true (insert_promo (fixture, &dated));
  promo_init (&clash, "WELCOME-10", 9, fixture->user.id);
  g_assert_false (insert_promo (fixture, &clash));

  find_promo (fixture, "WELCOME-10", &found);
  g_assert_cmpstr (found.id, ==, promo.id);
  g_assert_cmpstr (found.code, ==, "WELCOME-10");
  g_assert_cmpint (found.credits, ==, 250);
  g_assert_cmpint (found.max_redemptions, ==, 3);
  g_assert_cmpint (found.redemptions, ==, 0);
  g_assert_cmpint (found.expires_at, ==, 0);
  g_assert_cmpint (found.credits_expire_after_days, ==, 0);
  g_assert_cmpstr (found.created_by, ==, fixture->user.id);
  g_assert_cmpint (found.created_at, ==, 1000);

  find_promo (fixture, "SPRING_26", &found);
  g_assert_cmpstr (found.id, ==, dated.id);
  g_assert_cmpint (found.expires_at, ==, 1800000000000000);
  g_assert_cmpint (found.credits_expire_after_days, ==, 30);

  g_assert_false (tally_rules_store_find_promo_code (fixture->store, "NOPE", &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, "");
  g_assert_false (tally_rules_store_find_promo_code (fixture->store, HOSTILE_ID, &found, &error));
  g_assert_no_error (error);
}

static gboolean
redeem (StoreFixture         *fixture,
        const TallyPromoCode *promo,
        const char           *user_id)
{
  g_autofree char *transfer_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  gboolean counted = FALSE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_redemption (fixture->store, promo->id, user_id,
                                                   transfer_id, &counted, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return counted;
}

static gboolean
has_redeemed (StoreFixture         *fixture,
              const TallyPromoCode *promo,
              const char           *user_id)
{
  g_autoptr(GError) error = NULL;
  gboolean found;

  found = tally_rules_store_find_redemption (fixture->store, promo->id, user_id, &error);
  g_assert_no_error (error);
  return found;
}

/* Redemptions count up to the maximum and no further; each is found for
 * its user and code alone. */
static void
test_redemptions (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autofree char *second = g_uuid_string_random ();
  g_autofree char *third = g_uuid_string_random ();
  g_autofree char *unknown = g_uuid_string_random ();
  TallyPromoCode promo, other, found;

  promo_init (&promo, "TWICE", 2, fixture->user.id);
  g_assert_true (insert_promo (fixture, &promo));
  promo_init (&other, "OTHER", 5, fixture->user.id);
  g_assert_true (insert_promo (fixture, &other));

  g_assert_false (has_redeemed (fixture, &promo, fixture->user.id));
  g_assert_true (redeem (fixture, &promo, fixture->user.id));
  g_assert_true (has_redeemed (fixture, &promo, fixture->user.id));
  g_assert_false (has_redeemed (fixture, &other, fixture->user.id));
  g_assert_false (has_redeemed (fixture, &promo, second));

  g_assert_true (redeem (fixture, &promo, second));
  g_assert_false (redeem (fixture, &promo, third));
  g_assert_false (has_redeemed (fixture, &promo, third));
  find_promo (fixture, "TWICE", &found);
  g_assert_cmpint (found.redemptions, ==, 2);
  find_promo (fixture, "OTHER", &found);
  g_assert_cmpint (found.redemptions, ==, 0);

  /* An unknown code counts nothing. */
  memset (&other, 0, sizeof other);
  g_strlcpy (other.id, unknown, sizeof other.id);
  g_assert_false (redeem (fixture, &other, fixture->user.id));
  g_assert_false (has_redeemed (fixture, &other, fixture->user.id));
  g_strlcpy (other.id, HOSTILE_ID, sizeof other.id);
  g_assert_false (redeem (fixture, &other, fixture->user.id));
}

typedef struct
{
  const char *payment_id;
  gboolean    changed;
} Refund;

static gboolean
refund_elsewhere (TallyRulesStore  *store,
                  gpointer          data,
                  GError          **error)
{
  Refund *refund = data;

  return tally_rules_store_move_gift (store, refund->payment_id, TALLY_GIFT_WAITING,
                                      TALLY_GIFT_CANCELLED, NULL, NULL, 6000, &refund->changed,
                                      error);
}

/* A claim on one server and a refund on another at once: the refund
 * waits for the claim, then finds the gift claimed and changes nothing. */
static void
test_gift_race (StoreFixture  *fixture,
                gconstpointer  data)
{
  g_autofree char *transfer_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;
  TallyGift gift, found;
  Refund refund = { 0 };

  if (stores_skip_on_sqlite (fixture))
    return;

  gift_init (&gift, fixture->user.id, "friend@example.com", 300, 1000);
  insert_gift (fixture, &gift);
  g_assert_true (move_gift (fixture, gift.payment_id, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING, NULL,
                            NULL, 2000));

  stores_begin (fixture);
  g_assert_true (tally_rules_store_move_gift (fixture->store, gift.payment_id, TALLY_GIFT_WAITING,
                                              TALLY_GIFT_CLAIMED, fixture->user.account_id,
                                              transfer_id, 5000, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  refund.payment_id = gift.payment_id;
  stores_race (fixture, refund_elsewhere, &refund);

  g_assert_false (refund.changed);
  find_gift (fixture, gift.payment_id, &found);
  g_assert_cmpint (found.status, ==, TALLY_GIFT_CLAIMED);
  g_assert_cmpstr (found.transfer_id, ==, transfer_id);
}

typedef struct
{
  const char *promo_id;
  const char *user_id;
  gboolean    counted;
} Redemption;

static gboolean
redeem_elsewhere (TallyRulesStore  *store,
                  gpointer          data,
                  GError          **error)
{
  g_autofree char *transfer_id = g_uuid_string_random ();
  Redemption *redemption = data;

  return tally_rules_store_add_redemption (store, redemption->promo_id, redemption->user_id,
                                           transfer_id, &redemption->counted, error);
}

/* Two servers on one database redeem the same code for the same user at
 * once: the second waits for the first, then counts nothing, and the
 * count stays right for other users. */
static void
test_redemption_race (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *transfer_id = g_uuid_string_random ();
  g_autofree char *second = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  Redemption redemption = { 0 };
  TallyPromoCode promo, found;
  gboolean counted = FALSE;

  if (stores_skip_on_sqlite (fixture))
    return;

  promo_init (&promo, "RACE", 2, fixture->user.id);
  g_assert_true (insert_promo (fixture, &promo));

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_redemption (fixture->store, promo.id, fixture->user.id,
                                                   transfer_id, &counted, &error));
  g_assert_no_error (error);
  g_assert_true (counted);
  redemption = (Redemption) { promo.id, fixture->user.id, TRUE };
  stores_race (fixture, redeem_elsewhere, &redemption);

  g_assert_false (redemption.counted);
  find_promo (fixture, "RACE", &found);
  g_assert_cmpint (found.redemptions, ==, 1);
  g_assert_true (redeem (fixture, &promo, second));
  find_promo (fixture, "RACE", &found);
  g_assert_cmpint (found.redemptions, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("gift-found", test_gift_found);
  stores_add ("gift-moves", test_gift_moves);
  stores_add ("waiting-gifts", test_waiting_gifts);
  stores_add ("referral-codes", test_referral_codes);
  stores_add ("referrals", test_referrals);
  stores_add ("promo-codes", test_promo_codes);
  stores_add ("redemptions", test_redemptions);
  stores_add ("gift-race", test_gift_race);
  stores_add ("redemption-race", test_redemption_race);

  return stores_run ();
}
