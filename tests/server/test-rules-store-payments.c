/* test-rules-store-payments.c: payments, auto-recharge and subscriptions,
 * as every TallyRulesStore must keep them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What tally-payment-events.c, tally-recharge.c, tally-subscriptions.c
 * and tally-referrals.c rely on, through the interface alone, once on
 * SQLite and once on PostgreSQL (issue 19): rows found as saved, "none"
 * answered with no error, updates that write only what they say, the
 * failure count and pause of auto-recharge, and at most one recharge in
 * flight. Rows no interface call writes (settings, Stripe customers,
 * gifts) are put in with SQL both stores take.
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tally-ledger-sqlite.h"
#include "tally-test-stores.h"

/* The fixture user's auto-recharge settings: enabled, a cap of 3. */
static void
add_settings (StoreFixture *fixture)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO auto_recharge (account_id, user_id, "
                                          "enabled, threshold, pack_id, monthly_cap, "
                                          "updated_at) VALUES ('%s', '%s', 1, 150, "
                                          "'pack-500', 3, 1)", fixture->user.account_id,
                                          fixture->user.id);

  stores_exec (fixture, sql);
}

static void
init_payment (TallyPayment *payment,
              StoreFixture *fixture,
              gint64        created_at)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (payment, 0, sizeof *payment);
  g_strlcpy (payment->id, id, sizeof payment->id);
  g_strlcpy (payment->user_id, fixture->user.id, sizeof payment->user_id);
  g_strlcpy (payment->account_id, fixture->user.account_id, sizeof payment->account_id);
  g_strlcpy (payment->pack_id, "pack-500", sizeof payment->pack_id);
  g_strlcpy (payment->currency, "eur", sizeof payment->currency);
  g_strlcpy (payment->provider, "stripe", sizeof payment->provider);
  payment->credits = 500;
  payment->amount = 499;
  payment->status = TALLY_PAYMENT_OPEN;
  payment->created_at = created_at;
}

static void
insert_payment (StoreFixture       *fixture,
                const TallyPayment *payment)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_payment (fixture->store, payment, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
update_payment (StoreFixture       *fixture,
                const TallyPayment *payment)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_update_payment (fixture->store, payment, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
find_payment (StoreFixture *fixture,
              const char   *id,
              TallyPayment *payment)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_find_payment (fixture->store, id, payment, &error));
  g_assert_no_error (error);
}

/* A payment is found by id as it was saved, with no session, reference
 * or payment time yet; "none" is FALSE with no error, whatever the key
 * looks like; only the first session sticks; a gift's payment says so;
 * an id taken already is refused and changes nothing. */
static void
test_payment_lookups (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *gift_sql = NULL;
  g_autoptr(GError) error = NULL;
  TallyPayment first, second, found, twin;

  init_payment (&first, fixture, 1000);
  init_payment (&second, fixture, 2000);
  insert_payment (fixture, &first);
  /* No session either: "" is stored as none, not as a second "". */
  insert_payment (fixture, &second);

  find_payment (fixture, first.id, &found);
  g_assert_cmpstr (found.id, ==, first.id);
  g_assert_cmpstr (found.user_id, ==, fixture->user.id);
  g_assert_cmpstr (found.account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (found.pack_id, ==, "pack-500");
  g_assert_cmpint (found.credits, ==, 500);
  g_assert_cmpint (found.amount, ==, 499);
  g_assert_cmpstr (found.currency, ==, "eur");
  g_assert_cmpstr (found.provider, ==, "stripe");
  g_assert_cmpstr (found.session_id, ==, "");
  g_assert_cmpint (found.status, ==, TALLY_PAYMENT_OPEN);
  g_assert_cmpint (found.reversed, ==, 0);
  g_assert_cmpint (found.short_by, ==, 0);
  g_assert_cmpint (found.created_at, ==, 1000);
  g_assert_cmpint (found.paid_at, ==, 0);
  g_assert_cmpstr (found.payment_ref, ==, "");
  g_assert_false (found.gift);

  for (guint i = 0; i < 2; i++)
    {
      const char *key = i == 0 ? "5d0c8f62-0000-4000-8000-000000000000" : "' OR ''='";

      g_assert_false (tally_rules_store_find_payment (fixture->store, key, &found, &error));
      g_assert_no_error (error);
      g_assert_false (tally_rules_store_find_payment_by_session (fixture->store, key, &found,
                                                                 &error));
      g_assert_no_error (error);
      g_assert_false (tally_rules_store_find_payment_by_ref (fixture->store, key, &found,
                                                             &error));
      g_assert_no_error (error);
    }

  stores_begin (fixture);
  g_assert_true (tally_rules_store_set_payment_session (fixture->store, first.id, "cs_first",
                                                        &error));
  g_assert_true (tally_rules_store_set_payment_session (fixture->store, first.id, "cs_again",
                                                        &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_true (tally_rules_store_find_payment_by_session (fixture->store, "cs_first", &found,
                                                           &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, first.id);
  g_assert_false (tally_rules_store_find_payment_by_session (fixture->store, "cs_again", &found,
                                                            &error));
  g_assert_no_error (error);

  gift_sql = g_strdup_printf ("INSERT INTO gifts (payment_id, sender_user_id, email, credits, "
                              "status, created_at) VALUES ('%s', '%s', 'friend@example.com', "
                              "500, 'open', 1)", second.id, fixture->user.id);
  stores_exec (fixture, gift_sql);
  find_payment (fixture, second.id, &found);
  g_assert_true (found.gift);
  find_payment (fixture, first.id, &found);
  g_assert_false (found.gift);

  twin = first;
  twin.credits = 1;
  stores_begin (fixture);
  g_assert_false (tally_rules_store_insert_payment (fixture->store, &twin, &error));
  g_assert_nonnull (error);
  tally_rules_store_rollback (fixture->store);
  find_payment (fixture, first.id, &found);
  g_assert_cmpint (found.credits, ==, 500);
}

/* An update writes the outcome (status, reversed, short_by, paid_at,
 * payment_ref) and nothing the checkout fixed; clearing paid_at and the
 * reference reads back as unset; an unknown id changes nothing. */
static void
test_payment_updates (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPayment payment, found, ghost;

  init_payment (&payment, fixture, 1000);
  g_strlcpy (payment.session_id, "cs_update", sizeof payment.session_id);
  insert_payment (fixture, &payment);

  found = payment;
  found.status = TALLY_PAYMENT_REFUNDED;
  found.reversed = 300;
  found.short_by = 20;
  found.paid_at = 5000;
  g_strlcpy (found.payment_ref, "pi_update", sizeof found.payment_ref);
  found.credits = 7;
  found.amount = 8;
  g_strlcpy (found.pack_id, "other", sizeof found.pack_id);
  g_strlcpy (found.session_id, "cs_other", sizeof found.session_id);
  update_payment (fixture, &found);

  g_assert_true (tally_rules_store_find_payment_by_ref (fixture->store, "pi_update", &found,
                                                       &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, payment.id);
  g_assert_cmpint (found.status, ==, TALLY_PAYMENT_REFUNDED);
  g_assert_cmpint (found.reversed, ==, 300);
  g_assert_cmpint (found.short_by, ==, 20);
  g_assert_cmpint (found.paid_at, ==, 5000);
  g_assert_cmpint (found.credits, ==, 500);
  g_assert_cmpint (found.amount, ==, 499);
  g_assert_cmpstr (found.pack_id, ==, "pack-500");
  g_assert_cmpstr (found.session_id, ==, "cs_update");

  found.status = TALLY_PAYMENT_FAILED;
  found.paid_at = 0;
  found.payment_ref[0] = '\0';
  update_payment (fixture, &found);
  find_payment (fixture, payment.id, &found);
  g_assert_cmpint (found.status, ==, TALLY_PAYMENT_FAILED);
  g_assert_cmpint (found.paid_at, ==, 0);
  g_assert_cmpstr (found.payment_ref, ==, "");
  g_assert_false (tally_rules_store_find_payment_by_ref (fixture->store, "pi_update", &found,
                                                        &error));
  g_assert_no_error (error);

  init_payment (&ghost, fixture, 1);
  update_payment (fixture, &ghost);
  g_assert_false (tally_rules_store_find_payment (fixture->store, ghost.id, &found, &error));
  g_assert_no_error (error);
}

/* "" until the account has a Stripe customer; each account its own. */
static void
test_stripe_customer (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();
  g_autofree char *sql = NULL;
  g_autoptr(GError) error = NULL;
  char customer[64] = "left over";

  g_assert_true (tally_rules_store_find_stripe_customer (fixture->store,
                                                         fixture->user.account_id, customer,
                                                         sizeof customer, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (customer, ==, "");

  sql = g_strdup_printf ("INSERT INTO stripe_customers (account_id, customer_id) "
                         "VALUES ('%s', 'cus_contract')", fixture->user.account_id);
  stores_exec (fixture, sql);
  g_assert_true (tally_rules_store_find_stripe_customer (fixture->store,
                                                         fixture->user.account_id, customer,
                                                         sizeof customer, &error));
  g_assert_cmpstr (customer, ==, "cus_contract");
  g_assert_true (tally_rules_store_find_stripe_customer (fixture->store, other, customer,
                                                         sizeof customer, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (customer, ==, "");
}

static gboolean
has_paid (StoreFixture *fixture,
          const char   *user_id)
{
  g_autoptr(GError) error = NULL;
  gboolean paid = TRUE;

  g_assert_true (tally_rules_store_has_paid_purchase (fixture->store, user_id, &paid, &error));
  g_assert_no_error (error);
  return paid;
}

/* Open and failed purchases are not paid ones; paid, refunded and
 * disputed ones are; another user's count for nothing. */
static void
test_paid_purchase (StoreFixture  *fixture,
                    gconstpointer  data)
{
  g_autofree char *stranger = g_uuid_string_random ();
  TallyPayment payment;

  g_assert_false (has_paid (fixture, fixture->user.id));
  init_payment (&payment, fixture, 1000);
  insert_payment (fixture, &payment);
  g_assert_false (has_paid (fixture, fixture->user.id));
  payment.status = TALLY_PAYMENT_FAILED;
  update_payment (fixture, &payment);
  g_assert_false (has_paid (fixture, fixture->user.id));

  payment.status = TALLY_PAYMENT_DISPUTED;
  update_payment (fixture, &payment);
  g_assert_true (has_paid (fixture, fixture->user.id));
  payment.status = TALLY_PAYMENT_REFUNDED;
  update_payment (fixture, &payment);
  g_assert_true (has_paid (fixture, fixture->user.id));
  g_assert_false (has_paid (fixture, stranger));
}

static TallyRechargeSettings
find_settings (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  TallyRechargeSettings settings;

  g_assert_true (tally_rules_store_find_recharge_settings (fixture->store,
                                                           fixture->user.account_id, &settings,
                                                           &error));
  g_assert_no_error (error);
  return settings;
}

/* A payment inserted and started as the account's recharge, as
 * tally-recharge.c claims one; its id in @id. */
static void
start_recharge (StoreFixture *fixture,
                char         *id)
{
  g_autoptr(GError) error = NULL;
  TallyPayment payment;

  init_payment (&payment, fixture, g_get_real_time ());
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_payment (fixture->store, &payment, &error));
  g_assert_true (tally_rules_store_start_recharge (fixture->store, fixture->user.account_id,
                                                   payment.id, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_strlcpy (id, payment.id, TALLY_UUID_LEN);
}

static void
finish_recharge (StoreFixture         *fixture,
                 const char           *id,
                 TallyRechargeOutcome  outcome)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_finish_recharge (fixture->store, fixture->user.account_id,
                                                    id, outcome, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static gint64
count_recharges (StoreFixture *fixture,
                 gint64        since)
{
  g_autoptr(GError) error = NULL;
  gint64 count = -1;

  g_assert_true (tally_rules_store_count_recharges (fixture->store, fixture->user.account_id,
                                                    since, &count, &error));
  g_assert_no_error (error);
  return count;
}

/* Settings found as saved, none for an account without; a recharge
 * started is in flight, found with its start time and counted for the
 * month; a success clears in_flight and the failures. */
static void
test_recharge_start (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyRechargeSettings settings;
  gint64 before = g_get_real_time ();
  gint64 started_at = -1;
  char id[TALLY_UUID_LEN];

  g_assert_false (tally_rules_store_find_recharge_settings (fixture->store,
                                                            fixture->user.account_id,
                                                            &settings, &error));
  g_assert_no_error (error);
  add_settings (fixture);
  settings = find_settings (fixture);
  g_assert_cmpstr (settings.account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (settings.user_id, ==, fixture->user.id);
  g_assert_true (settings.enabled);
  g_assert_cmpint (settings.threshold, ==, 150);
  g_assert_cmpstr (settings.pack_id, ==, "pack-500");
  g_assert_cmpint (settings.monthly_cap, ==, 3);
  g_assert_cmpint (settings.failures, ==, 0);
  g_assert_false (settings.paused);
  g_assert_cmpstr (settings.in_flight, ==, "");
  g_assert_false (tally_rules_store_find_recharge_settings (fixture->store, other, &settings,
                                                            &error));
  g_assert_no_error (error);

  g_assert_cmpint (count_recharges (fixture, 0), ==, 0);
  start_recharge (fixture, id);
  settings = find_settings (fixture);
  g_assert_cmpstr (settings.in_flight, ==, id);
  g_assert_true (tally_rules_store_find_recharge (fixture->store, id, &started_at, &error));
  g_assert_no_error (error);
  g_assert_cmpint (started_at, >=, before);
  g_assert_cmpint (started_at, <=, g_get_real_time ());
  g_assert_cmpint (count_recharges (fixture, before), ==, 1);
  g_assert_cmpint (count_recharges (fixture, started_at + 1), ==, 0);
  g_assert_false (tally_rules_store_find_recharge (fixture->store, other, &started_at, &error));
  g_assert_no_error (error);
  g_assert_cmpint (started_at, ==, 0);

  finish_recharge (fixture, id, TALLY_RECHARGE_SUCCEEDED);
  settings = find_settings (fixture);
  g_assert_cmpstr (settings.in_flight, ==, "");
  g_assert_cmpint (settings.failures, ==, 0);
  g_assert_cmpint (count_recharges (fixture, before), ==, 1);
}

/* Each decline counts one, the last pauses; the latest decline is
 * known; declines are not counted towards the cap; a recharge ended a
 * second time counts nothing; an abandoned one counts nothing; a pack
 * bought by hand clears the failures and the pause. */
static void
test_recharge_declines (StoreFixture  *fixture,
                        gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyRechargeSettings settings;
  gint64 last = -1, started_at = 0;
  char id[TALLY_UUID_LEN];

  add_settings (fixture);
  g_assert_true (tally_rules_store_last_declined_recharge (fixture->store,
                                                          fixture->user.account_id, &last,
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpint (last, ==, 0);

  for (gint64 i = 1; i <= TALLY_RECHARGE_MAX_FAILURES; i++)
    {
      start_recharge (fixture, id);
      finish_recharge (fixture, id, TALLY_RECHARGE_DECLINED);
      settings = find_settings (fixture);
      g_assert_cmpint (settings.failures, ==, i);
      g_assert_true (settings.paused == (i == TALLY_RECHARGE_MAX_FAILURES));
      g_assert_cmpstr (settings.in_flight, ==, "");
    }

  g_assert_true (tally_rules_store_find_recharge (fixture->store, id, &started_at, &error));
  g_assert_true (tally_rules_store_last_declined_recharge (fixture->store,
                                                          fixture->user.account_id, &last,
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpint (last, ==, started_at);
  g_assert_true (tally_rules_store_last_declined_recharge (fixture->store, other, &last,
                                                          &error));
  g_assert_cmpint (last, ==, 0);
  g_assert_cmpint (count_recharges (fixture, 0), ==, 0);

  /* Ended again, by a late webhook say: not in flight, not counted. */
  finish_recharge (fixture, id, TALLY_RECHARGE_DECLINED);
  g_assert_cmpint (find_settings (fixture).failures, ==, TALLY_RECHARGE_MAX_FAILURES);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_clear_recharge_failures (fixture->store,
                                                           fixture->user.account_id, &error));
  g_assert_true (tally_rules_store_clear_recharge_failures (fixture->store, other, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  settings = find_settings (fixture);
  g_assert_cmpint (settings.failures, ==, 0);
  g_assert_false (settings.paused);
  g_assert_true (settings.enabled);

  start_recharge (fixture, id);
  finish_recharge (fixture, id, TALLY_RECHARGE_DECLINED);
  start_recharge (fixture, id);
  finish_recharge (fixture, id, TALLY_RECHARGE_ABANDONED);
  settings = find_settings (fixture);
  g_assert_cmpint (settings.failures, ==, 1);
  g_assert_false (settings.paused);
  g_assert_cmpstr (settings.in_flight, ==, "");
}

static guint
count_stale (StoreFixture *fixture,
             gint64        before,
             const char   *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stale = NULL;

  stale = tally_rules_store_list_stale_recharges (fixture->store, before, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stale);
  for (guint i = 0; i < stale->len; i++)
    g_assert_cmpstr (g_ptr_array_index (stale, i), ==, id);
  return stale->len;
}

/* A recharge in flight is stale once started before the time asked
 * about, and no longer once it ended. */
static void
test_recharge_stale (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 started_at = 0;
  char id[TALLY_UUID_LEN];

  add_settings (fixture);
  g_assert_cmpuint (count_stale (fixture, G_MAXINT64, ""), ==, 0);
  start_recharge (fixture, id);
  g_assert_true (tally_rules_store_find_recharge (fixture->store, id, &started_at, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (count_stale (fixture, started_at, id), ==, 0);
  g_assert_cmpuint (count_stale (fixture, started_at + 1, id), ==, 1);
  finish_recharge (fixture, id, TALLY_RECHARGE_SUCCEEDED);
  g_assert_cmpuint (count_stale (fixture, G_MAXINT64, ""), ==, 0);
}

/* An account without settings may still have a recharge started (the
 * settings deleted meanwhile): found, and nothing in flight to end. On
 * PostgreSQL, where two servers may both have found nothing in flight,
 * the second start is refused and its transaction leaves nothing; on
 * SQLite the one writer read in_flight in the same transaction. */
static void
test_recharge_one_in_flight (StoreFixture  *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPayment second, found;
  gint64 started_at = 0;
  char first[TALLY_UUID_LEN];

  start_recharge (fixture, first);
  g_assert_true (tally_rules_store_find_recharge (fixture->store, first, &started_at, &error));
  finish_recharge (fixture, first, TALLY_RECHARGE_SUCCEEDED);
  g_assert_no_error (error);

  add_settings (fixture);
  start_recharge (fixture, first);
  if (fixture->pg_store == NULL)
    {
      g_test_skip ("SQLite's one writer never starts a second recharge");
      return;
    }

  init_payment (&second, fixture, g_get_real_time ());
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_payment (fixture->store, &second, &error));
  g_assert_no_error (error);
  g_assert_false (tally_rules_store_start_recharge (fixture->store, fixture->user.account_id,
                                                    second.id, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED);
  g_clear_error (&error);
  tally_rules_store_rollback (fixture->store);

  g_assert_cmpstr (find_settings (fixture).in_flight, ==, first);
  g_assert_false (tally_rules_store_find_payment (fixture->store, second.id, &found, &error));
  g_assert_false (tally_rules_store_find_recharge (fixture->store, second.id, &started_at,
                                                   &error));
  g_assert_no_error (error);
}

static void
init_subscription (TallySubscription *subscription,
                   const char        *user_id,
                   const char        *account_id,
                   const char        *session_id,
                   gint64             created_at)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (subscription, 0, sizeof *subscription);
  g_strlcpy (subscription->id, id, sizeof subscription->id);
  g_strlcpy (subscription->user_id, user_id, sizeof subscription->user_id);
  g_strlcpy (subscription->account_id, account_id, sizeof subscription->account_id);
  g_strlcpy (subscription->plan_id, "monthly-1000", sizeof subscription->plan_id);
  g_strlcpy (subscription->provider, "stripe", sizeof subscription->provider);
  g_strlcpy (subscription->session_id, session_id, sizeof subscription->session_id);
  subscription->credits_per_period = 1000;
  subscription->status = TALLY_SUBSCRIPTION_INCOMPLETE;
  subscription->created_at = created_at;
}

static void
write_subscription (StoreFixture            *fixture,
                    const TallySubscription *subscription,
                    gboolean                 insert)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  if (insert)
    g_assert_true (tally_rules_store_insert_subscription (fixture->store, subscription, &error));
  else
    g_assert_true (tally_rules_store_update_subscription (fixture->store, subscription, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static gboolean
find_live (StoreFixture      *fixture,
           const char        *user_id,
           TallySubscription *found)
{
  g_autoptr(GError) error = NULL;
  gboolean live;

  live = tally_rules_store_find_live_subscription (fixture->store, user_id, found, &error);
  g_assert_no_error (error);
  return live;
}

/* Found as saved, by id, session and provider id; "none" with no error;
 * an update writes the provider's side, a plan change the plan, each
 * nothing else; the live one is the user's newest active or past-due. */
static void
test_subscriptions (StoreFixture  *fixture,
                    gconstpointer  data)
{
  g_autofree char *stranger = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallySubscription sub, bare, newer, theirs, found;

  init_subscription (&sub, fixture->user.id, fixture->user.account_id, "cs_sub", 1000);
  init_subscription (&bare, fixture->user.id, fixture->user.account_id, "", 500);
  write_subscription (fixture, &sub, TRUE);
  write_subscription (fixture, &bare, TRUE);

  g_assert_true (tally_rules_store_find_subscription_by_session (fixture->store, "cs_sub",
                                                                &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, sub.id);
  g_assert_cmpstr (found.user_id, ==, fixture->user.id);
  g_assert_cmpstr (found.account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (found.plan_id, ==, "monthly-1000");
  g_assert_cmpint (found.credits_per_period, ==, 1000);
  g_assert_cmpstr (found.provider, ==, "stripe");
  g_assert_cmpstr (found.provider_id, ==, "");
  g_assert_cmpint (found.status, ==, TALLY_SUBSCRIPTION_INCOMPLETE);
  g_assert_cmpint (found.current_period_end, ==, 0);
  g_assert_false (found.cancel_at_period_end);
  g_assert_cmpint (found.created_at, ==, 1000);
  g_assert_true (tally_rules_store_find_subscription (fixture->store, bare.id, &found, &error));
  g_assert_cmpstr (found.session_id, ==, "");
  g_assert_false (tally_rules_store_find_subscription (fixture->store, stranger, &found,
                                                       &error));
  g_assert_false (tally_rules_store_find_subscription_by_session (fixture->store, "cs_none",
                                                                 &found, &error));
  g_assert_false (tally_rules_store_find_subscription_by_provider_id (fixture->store, "",
                                                                     &found, &error));
  g_assert_no_error (error);
  g_assert_false (find_live (fixture, fixture->user.id, &found));

  sub.status = TALLY_SUBSCRIPTION_ACTIVE;
  g_strlcpy (sub.provider_id, "sub_contract", sizeof sub.provider_id);
  sub.current_period_end = 9000;
  sub.cancel_at_period_end = TRUE;
  g_strlcpy (sub.plan_id, "not-written", sizeof sub.plan_id);
  write_subscription (fixture, &sub, FALSE);
  g_assert_true (tally_rules_store_find_subscription_by_provider_id (fixture->store,
                                                                    "sub_contract", &found,
                                                                    &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, sub.id);
  g_assert_cmpint (found.status, ==, TALLY_SUBSCRIPTION_ACTIVE);
  g_assert_cmpint (found.current_period_end, ==, 9000);
  g_assert_true (found.cancel_at_period_end);
  g_assert_cmpstr (found.plan_id, ==, "monthly-1000");

  found.credits_per_period = 2500;
  g_strlcpy (found.plan_id, "monthly-2500", sizeof found.plan_id);
  found.status = TALLY_SUBSCRIPTION_CANCELED;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_change_subscription_plan (fixture->store, &found, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_true (find_live (fixture, fixture->user.id, &found));
  g_assert_cmpstr (found.id, ==, sub.id);
  g_assert_cmpstr (found.plan_id, ==, "monthly-2500");
  g_assert_cmpint (found.credits_per_period, ==, 2500);
  g_assert_cmpint (found.status, ==, TALLY_SUBSCRIPTION_ACTIVE);

  /* Newer and past due wins; a canceled one and another user's never. */
  init_subscription (&newer, fixture->user.id, fixture->user.account_id, "cs_newer", 2000);
  newer.status = TALLY_SUBSCRIPTION_PAST_DUE;
  write_subscription (fixture, &newer, TRUE);
  init_subscription (&theirs, stranger, stranger, "cs_theirs", 3000);
  theirs.status = TALLY_SUBSCRIPTION_ACTIVE;
  write_subscription (fixture, &theirs, TRUE);
  g_assert_true (find_live (fixture, fixture->user.id, &found));
  g_assert_cmpstr (found.id, ==, newer.id);
  newer.status = TALLY_SUBSCRIPTION_CANCELED;
  write_subscription (fixture, &newer, FALSE);
  g_assert_true (find_live (fixture, fixture->user.id, &found));
  g_assert_cmpstr (found.id, ==, sub.id);
  g_assert_true (find_live (fixture, stranger, &found));
  g_assert_cmpstr (found.id, ==, theirs.id);
}

/* Nothing taken back until a refund is saved; a later save overwrites
 * it; each invoice its own. */
static void
test_invoice_refunds (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 reversed = -1, short_by = -1;

  g_assert_true (tally_rules_store_find_invoice_refund (fixture->store, "in_contract",
                                                       &reversed, &short_by, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reversed, ==, 0);
  g_assert_cmpint (short_by, ==, 0);

  for (gint64 i = 1; i <= 2; i++)
    {
      stores_begin (fixture);
      g_assert_true (tally_rules_store_save_invoice_refund (fixture->store, "in_contract",
                                                           fixture->user.account_id, 400 * i,
                                                           30 * i, &error));
      g_assert_no_error (error);
      stores_commit (fixture);
      g_assert_true (tally_rules_store_find_invoice_refund (fixture->store, "in_contract",
                                                           &reversed, &short_by, &error));
      g_assert_cmpint (reversed, ==, 400 * i);
      g_assert_cmpint (short_by, ==, 30 * i);
    }

  g_assert_true (tally_rules_store_find_invoice_refund (fixture->store, "in_other", &reversed,
                                                       &short_by, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reversed, ==, 0);
  g_assert_cmpint (short_by, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("payment-lookups", test_payment_lookups);
  stores_add ("payment-updates", test_payment_updates);
  stores_add ("stripe-customer", test_stripe_customer);
  stores_add ("paid-purchase", test_paid_purchase);
  stores_add ("recharge-start", test_recharge_start);
  stores_add ("recharge-declines", test_recharge_declines);
  stores_add ("recharge-stale", test_recharge_stale);
  stores_add ("recharge-one-in-flight", test_recharge_one_in_flight);
  stores_add ("subscriptions", test_subscriptions);
  stores_add ("invoice-refunds", test_invoice_refunds);

  return stores_run ();
}
