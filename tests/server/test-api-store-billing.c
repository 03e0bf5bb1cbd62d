/* test-api-store-billing.c: payments, invoice details, subscriptions,
 * top-up settings, spend, teams, gifts, promo codes and alerts as every
 * TallyApiStore lists and saves them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls of tally-pg-store-billing.c and tally-pg-store-pages.c, on
 * SQLite and on PostgreSQL (issue 19): rows read back as saved, newest
 * or most first as the pages show them, upserts changing what they
 * should, nothing for unknown or hostile ids, other users' rows never in
 * a user's list, and the same answers on both stores.
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-sqlite.h"
#include "tally-test-stores.h"

#define HOSTILE_ID "' OR ''='"

/* Microseconds in 2026: past what a 32-bit integer holds. */
#define T0 G_GINT64_CONSTANT (1796000000000000)

static TallyApiStore *
api (StoreFixture *fixture)
{
  return TALLY_API_STORE (fixture->store);
}

static void
check (gboolean  ok,
       GError   *error)
{
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* --- payments and invoice details --- */

static void
insert_payment (StoreFixture    *fixture,
                const TallyUser *user,
                gint64           created_at,
                gint64           credits,
                char             id[TALLY_UUID_LEN])
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyPayment payment;

  memset (&payment, 0, sizeof payment);
  g_strlcpy (payment.id, uuid, sizeof payment.id);
  g_strlcpy (payment.user_id, user->id, sizeof payment.user_id);
  g_strlcpy (payment.account_id, user->account_id, sizeof payment.account_id);
  g_strlcpy (payment.pack_id, "pack-500", sizeof payment.pack_id);
  g_strlcpy (payment.currency, "eur", sizeof payment.currency);
  g_strlcpy (payment.provider, "stripe", sizeof payment.provider);
  payment.credits = credits;
  payment.amount = 499;
  payment.status = TALLY_PAYMENT_OPEN;
  payment.created_at = created_at;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_payment (fixture->store, &payment, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_strlcpy (id, uuid, TALLY_UUID_LEN);
}

/* Newest first, ties by id, each with its columns; none of another
 * user's; an unknown user's list empty. */
static void
test_payments (StoreFixture  *fixture,
               gconstpointer  data)
{
  char old[TALLY_UUID_LEN], newest[TALLY_UUID_LEN], middle[TALLY_UUID_LEN];
  char other_id[TALLY_UUID_LEN];
  g_autoptr(GArray) list = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  TallyUser other;
  TallyPayment *p;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  insert_payment (fixture, &fixture->user, T0 + 100, 500, old);
  insert_payment (fixture, &fixture->user, T0 + 300, 1500, newest);
  insert_payment (fixture, &fixture->user, T0 + 200, 1000, middle);
  insert_payment (fixture, &other, T0 + 400, 2000, other_id);

  list = tally_api_store_list_payments (api (fixture), fixture->user.id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  g_assert_cmpuint (list->len, ==, 3);
  p = &g_array_index (list, TallyPayment, 0);
  g_assert_cmpstr (p->id, ==, newest);
  g_assert_cmpstr (p->user_id, ==, fixture->user.id);
  g_assert_cmpstr (p->account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (p->pack_id, ==, "pack-500");
  g_assert_cmpstr (p->currency, ==, "eur");
  g_assert_cmpint (p->credits, ==, 1500);
  g_assert_cmpint (p->amount, ==, 499);
  g_assert_cmpint (p->status, ==, TALLY_PAYMENT_OPEN);
  g_assert_cmpint (p->created_at, ==, T0 + 300);
  g_assert_false (p->gift);
  g_assert_cmpstr (g_array_index (list, TallyPayment, 1).id, ==, middle);
  g_assert_cmpstr (g_array_index (list, TallyPayment, 2).id, ==, old);

  none = tally_api_store_list_payments (api (fixture), HOSTILE_ID, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
load_details (StoreFixture        *fixture,
              const char          *user_id,
              TallyInvoiceDetails *details)
{
  g_autoptr(GError) error = NULL;

  check (tally_api_store_load_invoice_details (api (fixture), user_id, details, &error), error);
}

static void
save_details (StoreFixture *fixture,
              const char   *user_id,
              const char   *company,
              const char   *address,
              const char   *vat_id)
{
  g_autoptr(GError) error = NULL;
  TallyInvoiceDetails details;

  memset (&details, 0, sizeof details);
  g_strlcpy (details.company, company, sizeof details.company);
  g_strlcpy (details.address, address, sizeof details.address);
  g_strlcpy (details.vat_id, vat_id, sizeof details.vat_id);
  check (tally_api_store_save_invoice_details (api (fixture), user_id, &details, &error), error);
}

/* Empty for a user who saved none; read back as saved, in any script;
 * a second save replaces the first, for that user alone. */
static void
test_invoice_details (StoreFixture  *fixture,
                      gconstpointer  data)
{
  TallyInvoiceDetails details;
  TallyUser other;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  load_details (fixture, fixture->user.id, &details);
  g_assert_cmpstr (details.company, ==, "");
  g_assert_cmpstr (details.address, ==, "");
  g_assert_cmpstr (details.vat_id, ==, "");

  save_details (fixture, fixture->user.id, "Zürich Bytes GmbH", "Rämistrasse 1\n8001 Zürich",
                "CHE-123.456.789");
  save_details (fixture, other.id, "Other Ltd", "1 Main St", "GB123");
  load_details (fixture, fixture->user.id, &details);
  g_assert_cmpstr (details.company, ==, "Zürich Bytes GmbH");
  g_assert_cmpstr (details.address, ==, "Rämistrasse 1\n8001 Zürich");
  g_assert_cmpstr (details.vat_id, ==, "CHE-123.456.789");

  save_details (fixture, fixture->user.id, "Zürich Bytes AG", "", "");
  load_details (fixture, fixture->user.id, &details);
  g_assert_cmpstr (details.company, ==, "Zürich Bytes AG");
  g_assert_cmpstr (details.address, ==, "");
  g_assert_cmpstr (details.vat_id, ==, "");
  load_details (fixture, other.id, &details);
  g_assert_cmpstr (details.company, ==, "Other Ltd");
  g_assert_cmpstr (details.vat_id, ==, "GB123");

  load_details (fixture, HOSTILE_ID, &details);
  g_assert_cmpstr (details.company, ==, "");
}

/* The first customer of an account stays. */
static void
test_stripe_customer (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char customer[64];

  check (tally_api_store_set_stripe_customer (api (fixture), fixture->user.account_id,
                                              "cus_first", &error), error);
  check (tally_api_store_set_stripe_customer (api (fixture), fixture->user.account_id,
                                              "cus_second", &error), error);
  check (tally_rules_store_find_stripe_customer (fixture->store, fixture->user.account_id,
                                                 customer, sizeof customer, &error), error);
  g_assert_cmpstr (customer, ==, "cus_first");
}

/* --- subscriptions and top-ups --- */

static void
insert_subscription (StoreFixture            *fixture,
                     const char              *provider,
                     TallySubscriptionStatus  status,
                     gint64                   period_end,
                     char                     id[TALLY_UUID_LEN])
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallySubscription subscription;

  memset (&subscription, 0, sizeof subscription);
  g_strlcpy (subscription.id, uuid, sizeof subscription.id);
  g_strlcpy (subscription.user_id, fixture->user.id, sizeof subscription.user_id);
  g_strlcpy (subscription.account_id, fixture->user.account_id, sizeof subscription.account_id);
  g_strlcpy (subscription.plan_id, "monthly-1000", sizeof subscription.plan_id);
  g_strlcpy (subscription.provider, provider, sizeof subscription.provider);
  subscription.status = status;
  subscription.current_period_end = period_end;
  subscription.credits_per_period = 1000;
  subscription.created_at = T0;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_subscription (fixture->store, &subscription, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_strlcpy (id, uuid, TALLY_UUID_LEN);
}

/* A session set on one subscription; an unknown one changes nothing. */
static void
test_subscription_session (StoreFixture  *fixture,
                           gconstpointer  data)
{
  char id[TALLY_UUID_LEN], other[TALLY_UUID_LEN];
  g_autoptr(GError) error = NULL;
  TallySubscription found;

  insert_subscription (fixture, "stripe", TALLY_SUBSCRIPTION_INCOMPLETE, 0, id);
  insert_subscription (fixture, "stripe", TALLY_SUBSCRIPTION_INCOMPLETE, 0, other);
  check (tally_api_store_set_subscription_session (api (fixture), id, "cs_test_1", &error),
         error);
  check (tally_rules_store_find_subscription (fixture->store, id, &found, &error), error);
  g_assert_cmpstr (found.session_id, ==, "cs_test_1");
  g_assert_cmpint (found.credits_per_period, ==, 1000);
  check (tally_rules_store_find_subscription_by_session (fixture->store, "cs_test_1", &found,
                                                         &error), error);
  g_assert_cmpstr (found.id, ==, id);
  check (tally_rules_store_find_subscription (fixture->store, other, &found, &error), error);
  g_assert_cmpstr (found.session_id, ==, "");

  check (tally_api_store_set_subscription_session (api (fixture), HOSTILE_ID, "cs_test_2",
                                                   &error), error);
  g_assert_false (tally_rules_store_find_subscription_by_session (fixture->store, "cs_test_2",
                                                                  &found, &error));
  g_assert_no_error (error);
}

/* The demo provider's active subscriptions due by now, the longest due
 * first, up to the limit; not another provider's, an inactive one, one
 * not due or one without a period. */
static void
test_due_demo_subscriptions (StoreFixture  *fixture,
                             gconstpointer  data)
{
  char late[TALLY_UUID_LEN], later[TALLY_UUID_LEN], id[TALLY_UUID_LEN];
  g_autoptr(GArray) due = NULL;
  g_autoptr(GArray) first = NULL;
  g_autoptr(GError) error = NULL;
  TallySubscription *s;

  insert_subscription (fixture, "demo", TALLY_SUBSCRIPTION_ACTIVE, T0 + 100, later);
  insert_subscription (fixture, "demo", TALLY_SUBSCRIPTION_ACTIVE, T0 + 50, late);
  insert_subscription (fixture, "demo", TALLY_SUBSCRIPTION_ACTIVE, T0 + 300, id);
  insert_subscription (fixture, "demo", TALLY_SUBSCRIPTION_ACTIVE, 0, id);
  insert_subscription (fixture, "demo", TALLY_SUBSCRIPTION_CANCELED, T0 + 10, id);
  insert_subscription (fixture, "stripe", TALLY_SUBSCRIPTION_ACTIVE, T0 + 10, id);

  due = tally_api_store_list_due_demo_subscriptions (api (fixture), T0 + 200, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 2);
  s = &g_array_index (due, TallySubscription, 0);
  g_assert_cmpstr (s->id, ==, late);
  g_assert_cmpstr (s->user_id, ==, fixture->user.id);
  g_assert_cmpstr (s->account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (s->plan_id, ==, "monthly-1000");
  g_assert_cmpstr (s->provider, ==, "demo");
  g_assert_cmpint (s->status, ==, TALLY_SUBSCRIPTION_ACTIVE);
  g_assert_cmpint (s->current_period_end, ==, T0 + 50);
  g_assert_cmpint (s->credits_per_period, ==, 1000);
  g_assert_cmpstr (g_array_index (due, TallySubscription, 1).id, ==, later);

  first = tally_api_store_list_due_demo_subscriptions (api (fixture), T0 + 200, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpstr (g_array_index (first, TallySubscription, 0).id, ==, late);
}

static void
save_recharge (StoreFixture *fixture,
               const char   *account_id,
               gboolean      enabled,
               gint64        threshold,
               const char   *pack_id,
               gint64        monthly_cap)
{
  g_autoptr(GError) error = NULL;
  TallyRechargeSettings settings;

  memset (&settings, 0, sizeof settings);
  g_strlcpy (settings.account_id, account_id, sizeof settings.account_id);
  g_strlcpy (settings.user_id, fixture->user.id, sizeof settings.user_id);
  settings.enabled = enabled;
  settings.threshold = threshold;
  g_strlcpy (settings.pack_id, pack_id, sizeof settings.pack_id);
  settings.monthly_cap = monthly_cap;
  check (tally_api_store_save_recharge_settings (api (fixture), &settings, &error), error);
}

static void
find_recharge (StoreFixture          *fixture,
               const char            *account_id,
               TallyRechargeSettings *settings)
{
  g_autoptr(GError) error = NULL;

  check (tally_rules_store_find_recharge_settings (fixture->store, account_id, settings,
                                                   &error), error);
}

/* Saved as given; saved again, replaced, its failures and pause cleared
 * but the payment in flight kept; another account's untouched. */
static void
test_recharge_settings (StoreFixture  *fixture,
                        gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();
  g_autofree char *flag = NULL;
  TallyRechargeSettings settings;

  save_recharge (fixture, fixture->user.account_id, TRUE, 150, "pack-500", 3);
  save_recharge (fixture, other, FALSE, 10, "pack-100", 1);
  find_recharge (fixture, fixture->user.account_id, &settings);
  g_assert_cmpstr (settings.user_id, ==, fixture->user.id);
  g_assert_true (settings.enabled);
  g_assert_cmpint (settings.threshold, ==, 150);
  g_assert_cmpstr (settings.pack_id, ==, "pack-500");
  g_assert_cmpint (settings.monthly_cap, ==, 3);
  g_assert_cmpint (settings.failures, ==, 0);
  g_assert_false (settings.paused);

  flag = g_strdup_printf ("UPDATE auto_recharge SET failures = 3, paused = 1, "
                          "in_flight = 'pay-1' WHERE account_id = '%s'",
                          fixture->user.account_id);
  stores_exec (fixture, flag);
  save_recharge (fixture, fixture->user.account_id, FALSE, 400, "pack-2000", 5);
  find_recharge (fixture, fixture->user.account_id, &settings);
  g_assert_false (settings.enabled);
  g_assert_cmpint (settings.threshold, ==, 400);
  g_assert_cmpstr (settings.pack_id, ==, "pack-2000");
  g_assert_cmpint (settings.monthly_cap, ==, 5);
  g_assert_cmpint (settings.failures, ==, 0);
  g_assert_false (settings.paused);
  g_assert_cmpstr (settings.in_flight, ==, "pay-1");

  find_recharge (fixture, other, &settings);
  g_assert_false (settings.enabled);
  g_assert_cmpint (settings.threshold, ==, 10);
  g_assert_cmpstr (settings.pack_id, ==, "pack-100");
}

typedef struct
{
  const TallyUser *user;
} Billing;

/* A second server's saves of the same rows, with other values. */
static gboolean
save_elsewhere (TallyRulesStore  *store,
                gpointer          data,
                GError          **error)
{
  const TallyUser *user = ((Billing *) data)->user;
  TallyRechargeSettings settings;
  TallyInvoiceDetails details;

  memset (&details, 0, sizeof details);
  g_strlcpy (details.company, "Second Ltd", sizeof details.company);
  memset (&settings, 0, sizeof settings);
  g_strlcpy (settings.account_id, user->account_id, sizeof settings.account_id);
  g_strlcpy (settings.user_id, user->id, sizeof settings.user_id);
  settings.threshold = 999;
  g_strlcpy (settings.pack_id, "pack-2000", sizeof settings.pack_id);
  return tally_api_store_save_invoice_details (TALLY_API_STORE (store), user->id, &details,
                                               error) &&
         tally_api_store_set_stripe_customer (TALLY_API_STORE (store), user->account_id,
                                              "cus_second", error) &&
         tally_api_store_save_recharge_settings (TALLY_API_STORE (store), &settings, error);
}

/* Two servers saving a user's details, customer and top-up settings at
 * once (PostgreSQL): the second waits on the first's new rows, then its
 * upserts win and its customer is ignored, without an error. */
static void
test_billing_races (StoreFixture  *fixture,
                    gconstpointer  data)
{
  Billing billing = { &fixture->user };
  TallyRechargeSettings settings;
  TallyInvoiceDetails details;
  g_autoptr(GError) error = NULL;
  char customer[64];

  if (stores_skip_on_sqlite (fixture))
    return;

  stores_begin (fixture);
  save_details (fixture, fixture->user.id, "First GmbH", "", "");
  check (tally_api_store_set_stripe_customer (api (fixture), fixture->user.account_id,
                                              "cus_first", &error), error);
  save_recharge (fixture, fixture->user.account_id, TRUE, 150, "pack-500", 3);
  stores_race (fixture, save_elsewhere, &billing);

  load_details (fixture, fixture->user.id, &details);
  g_assert_cmpstr (details.company, ==, "Second Ltd");
  check (tally_rules_store_find_stripe_customer (fixture->store, fixture->user.account_id,
                                                 customer, sizeof customer, &error), error);
  g_assert_cmpstr (customer, ==, "cus_first");
  find_recharge (fixture, fixture->user.account_id, &settings);
  g_assert_cmpint (settings.threshold, ==, 999);
  g_assert_false (settings.enabled);
}

/* --- spend --- */

static void
create_transfer (StoreFixture  *fixture,
                 TallyTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;

  g_assert_true (tally_rules_store_create_transfers (fixture->store, transfer, 1, &result,
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
}

/* A run's hold of @amount, posted for @posted (0: voided, -1: left
 * pending). */
static void
spend (StoreFixture *fixture,
       gint64        amount,
       gint64        posted)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *settle_id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, fixture->user.account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
  transfer.timeout = 3600;
  create_transfer (fixture, &transfer);
  if (posted < 0)
    return;

  tally_transfer_init (&transfer, settle_id, "", "", posted, TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.flags = posted > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING
                              : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&transfer, id);
  create_transfer (fixture, &transfer);
}

/* Both windows summed whether capped or not (the page shows both), as
 * the rules sum a capped one; a later day sees none of today's; an
 * unknown account is the ledger's NOT_FOUND. */
static void
test_policy_spend (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallySpend found, capped;
  TallyPolicy policy;
  gint64 now;

  stores_begin (fixture);
  stores_grant (fixture, 1000);
  spend (fixture, 30, -1);
  spend (fixture, 100, 60);
  spend (fixture, 200, 0);
  stores_commit (fixture);
  now = tally_rules_store_now (fixture->store);

  tally_policy_init (&policy, NULL);
  check (tally_api_store_policy_spend (api (fixture), fixture->user.account_id, &policy, now,
                                       &found, &error), error);
  g_assert_cmpint (found.daily_spent, ==, 90);
  g_assert_cmpint (found.monthly_spent, ==, 90);
  g_assert_cmpint (found.daily_resets_at, >, now);
  g_assert_cmpint (found.monthly_resets_at, >=, found.daily_resets_at);

  policy.ceiling.daily = 500;
  policy.ceiling.monthly = 5000;
  check (tally_rules_store_policy_spend_for_caps (fixture->store, fixture->user.account_id,
                                                  &policy, now, &capped, &error), error);
  check (tally_api_store_policy_spend (api (fixture), fixture->user.account_id, &policy, now,
                                       &found, &error), error);
  g_assert_cmpmem (&found, sizeof found, &capped, sizeof capped);

  check (tally_api_store_policy_spend (api (fixture), fixture->user.account_id, &policy,
                                       now + 2 * G_TIME_SPAN_DAY, &found, &error), error);
  g_assert_cmpint (found.daily_spent, ==, 0);

  g_assert_false (tally_api_store_policy_spend (api (fixture), unknown, &policy, now, &found,
                                                &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tally_api_store_policy_spend (api (fixture), HOSTILE_ID, &policy, now, &found,
                                                &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  stores_assert_clean (fixture);
}

/* --- teams and their pools --- */

/* A team named @name on a new pool, owned by the fixture's user; its id
 * in @team. */
static void
make_team (StoreFixture *fixture,
           const char   *name,
           TallyTeam    *team)
{
  g_autofree char *team_id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  memset (team, 0, sizeof *team);
  g_strlcpy (team->id, team_id, sizeof team->id);
  g_strlcpy (team->name, name, sizeof team->name);
  g_strlcpy (team->account_id, account_id, sizeof team->account_id);
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_TEAM,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, name, "UTC");
  stores_begin (fixture);
  g_assert_true (tally_rules_store_create_account (fixture->store, &account, &error));
  g_assert_true (tally_rules_store_insert_team (fixture->store, team, fixture->user.id, 5,
                                                &error));
  g_assert_true (tally_rules_store_add_team_member (fixture->store, team_id, fixture->user.id,
                                                    TALLY_TEAM_ROLE_OWNER, 5, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
add_member (StoreFixture *fixture,
            const char   *team_id,
            const char   *user_id,
            gint64        joined_at)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_team_member (fixture->store, team_id, user_id,
                                                    TALLY_TEAM_ROLE_MEMBER, joined_at, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* A user's teams by name, in byte order as SQLite's BINARY, with the
 * user's role; a team's members owners first, then by address in any
 * case; nothing for an unknown user or team. */
static void
test_teams (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(GArray) teams = NULL;
  g_autoptr(GArray) theirs = NULL;
  g_autoptr(GArray) members = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  TallyTeam farm, alpha, beta;
  TallyTeamMember *m;
  TallyUser amy, bob, carl;

  make_team (fixture, "Render farm", &farm);
  make_team (fixture, "beta", &beta);
  make_team (fixture, "Alpha", &alpha);
  stores_user_new (fixture, "carl@example.com", TALLY_ROLE_MEMBER, &carl);
  stores_user_new (fixture, "Bob@example.com", TALLY_ROLE_MEMBER, &bob);
  stores_user_new (fixture, "amy@example.com", TALLY_ROLE_MEMBER, &amy);
  add_member (fixture, farm.id, carl.id, 7);
  add_member (fixture, farm.id, bob.id, 8);
  add_member (fixture, farm.id, amy.id, 9);
  add_member (fixture, beta.id, amy.id, 9);

  teams = tally_api_store_list_teams (api (fixture), fixture->user.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (teams->len, ==, 3);
  g_assert_cmpstr (g_array_index (teams, TallyTeam, 0).name, ==, "Alpha");
  g_assert_cmpstr (g_array_index (teams, TallyTeam, 0).id, ==, alpha.id);
  g_assert_cmpstr (g_array_index (teams, TallyTeam, 0).account_id, ==, alpha.account_id);
  g_assert_cmpint (g_array_index (teams, TallyTeam, 0).role, ==, TALLY_TEAM_ROLE_OWNER);
  g_assert_cmpstr (g_array_index (teams, TallyTeam, 1).name, ==, "Render farm");
  g_assert_cmpstr (g_array_index (teams, TallyTeam, 2).name, ==, "beta");

  theirs = tally_api_store_list_teams (api (fixture), amy.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (theirs->len, ==, 2);
  g_assert_cmpstr (g_array_index (theirs, TallyTeam, 0).id, ==, farm.id);
  g_assert_cmpint (g_array_index (theirs, TallyTeam, 0).role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_cmpstr (g_array_index (theirs, TallyTeam, 1).id, ==, beta.id);

  members = tally_api_store_list_team_members (api (fixture), farm.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 4);
  m = &g_array_index (members, TallyTeamMember, 0);
  g_assert_cmpstr (m->user_id, ==, fixture->user.id);
  g_assert_cmpint (m->role, ==, TALLY_TEAM_ROLE_OWNER);
  m = &g_array_index (members, TallyTeamMember, 1);
  g_assert_cmpstr (m->user_id, ==, amy.id);
  g_assert_cmpstr (m->email, ==, "amy@example.com");
  g_assert_cmpstr (m->name, ==, "Test");
  g_assert_cmpstr (m->account_id, ==, amy.account_id);
  g_assert_cmpint (m->role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_cmpint (m->daily_cap, ==, 0);
  g_assert_cmpint (m->monthly_cap, ==, 0);
  g_assert_cmpint (m->joined_at, ==, 9);
  g_assert_cmpstr (g_array_index (members, TallyTeamMember, 2).user_id, ==, bob.id);
  g_assert_cmpstr (g_array_index (members, TallyTeamMember, 3).user_id, ==, carl.id);

  none = tally_api_store_list_teams (api (fixture), HOSTILE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_clear_pointer (&none, g_array_unref);
  none = tally_api_store_list_team_members (api (fixture), HOSTILE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

/* A run of @user on @account_id that charged @charged, completed at
 * @completed_at with @status. */
static void
add_run (StoreFixture    *fixture,
         const TallyUser *user,
         const char      *account_id,
         TallyRunStatus   status,
         gint64           charged,
         gint64           completed_at)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyRun run;

  memset (&run, 0, sizeof run);
  g_strlcpy (run.id, id, sizeof run.id);
  g_strlcpy (run.user_id, user->id, sizeof run.user_id);
  g_strlcpy (run.account_id, account_id, sizeof run.account_id);
  g_strlcpy (run.tool_id, "image-resize", sizeof run.tool_id);
  g_strlcpy (run.request_digest, "digest", sizeof run.request_digest);
  run.status = TALLY_RUN_STATUS_AUTHORIZED;
  run.units = -1;
  run.authorize_status = 201;
  run.authorize_body = (char *) "{}";
  run.held = 100;
  run.created_at = completed_at - 1;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_run (fixture->store, &run, "{\"w\":1}", &error));
  run.status = status;
  run.charged = charged;
  run.units = 1;
  run.completed_at = completed_at;
  g_assert_true (tally_rules_store_complete_run (fixture->store, &run, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
add_pool_spend (StoreFixture    *fixture,
                const char      *account_id,
                const TallyUser *user,
                gint64           charged,
                gint64           at)
{
  g_autofree char *op_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_pool_spend (fixture->store, op_id, account_id, user->id,
                                                   charged, at, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* Per member in [since, until): succeeded runs by their completion and
 * synced spend by its charge, most spent first; not another pool's, a
 * failed run or one outside the window. */
static void
test_pool_usage (StoreFixture  *fixture,
                 gconstpointer  data)
{
  g_autoptr(GArray) usage = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  TallyMemberUsage *u;
  TallyTeam farm, other;
  TallyUser amy;

  make_team (fixture, "Render farm", &farm);
  make_team (fixture, "Other", &other);
  stores_user_new (fixture, "amy@example.com", TALLY_ROLE_MEMBER, &amy);
  add_run (fixture, &fixture->user, farm.account_id, TALLY_RUN_STATUS_SUCCEEDED, 40, T0 + 10);
  add_run (fixture, &amy, farm.account_id, TALLY_RUN_STATUS_SUCCEEDED, 30, T0 + 20);
  add_run (fixture, &amy, farm.account_id, TALLY_RUN_STATUS_SUCCEEDED, 25, T0 + 99);
  add_run (fixture, &amy, farm.account_id, TALLY_RUN_STATUS_FAILED, 0, T0 + 30);
  add_run (fixture, &amy, farm.account_id, TALLY_RUN_STATUS_SUCCEEDED, 500, T0 + 100);
  add_run (fixture, &amy, farm.account_id, TALLY_RUN_STATUS_SUCCEEDED, 500, T0 - 1);
  add_run (fixture, &amy, other.account_id, TALLY_RUN_STATUS_SUCCEEDED, 500, T0 + 20);
  add_pool_spend (fixture, farm.account_id, &fixture->user, 5, T0 + 50);
  add_pool_spend (fixture, farm.account_id, &amy, 7, T0);
  add_pool_spend (fixture, farm.account_id, &amy, 700, T0 + 100);
  add_pool_spend (fixture, other.account_id, &amy, 700, T0 + 50);

  usage = tally_api_store_pool_usage_by_member (api (fixture), farm.account_id, T0, T0 + 100,
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (usage->len, ==, 2);
  u = &g_array_index (usage, TallyMemberUsage, 0);
  g_assert_cmpstr (u->user_id, ==, amy.id);
  g_assert_cmpint (u->spent, ==, 62);
  g_assert_cmpint (u->runs, ==, 3);
  u = &g_array_index (usage, TallyMemberUsage, 1);
  g_assert_cmpstr (u->user_id, ==, fixture->user.id);
  g_assert_cmpint (u->spent, ==, 45);
  g_assert_cmpint (u->runs, ==, 2);

  none = tally_api_store_pool_usage_by_member (api (fixture), HOSTILE_ID, T0, T0 + 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

/* --- gifts, referrals and promo codes --- */

static void
insert_gift (StoreFixture *fixture,
             const char   *sender_user_id,
             gint64        credits,
             gint64        created_at,
             char          id[TALLY_UUID_LEN])
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyGift gift;

  memset (&gift, 0, sizeof gift);
  g_strlcpy (gift.payment_id, uuid, sizeof gift.payment_id);
  g_strlcpy (gift.sender_user_id, sender_user_id, sizeof gift.sender_user_id);
  g_strlcpy (gift.email, "friend@example.com", sizeof gift.email);
  gift.credits = credits;
  gift.status = TALLY_GIFT_OPEN;
  gift.created_at = created_at;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_gift (fixture->store, &gift, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_strlcpy (id, uuid, TALLY_UUID_LEN);
}

static void
move_gift (StoreFixture    *fixture,
           const char      *id,
           TallyGiftStatus  from,
           TallyGiftStatus  to,
           const char      *recipient_account_id,
           gint64           now)
{
  g_autofree char *transfer_id = recipient_account_id != NULL ? g_uuid_string_random () : NULL;
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_move_gift (fixture->store, id, from, to, recipient_account_id,
                                              transfer_id, now, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  stores_commit (fixture);
}

/* A sender's gifts once paid for, newest first, with the sender's name;
 * a recipient's, last claimed first; nothing of other users'. */
static void
test_gifts (StoreFixture  *fixture,
            gconstpointer  data)
{
  char open[TALLY_UUID_LEN], waiting[TALLY_UUID_LEN], claimed[TALLY_UUID_LEN];
  char later[TALLY_UUID_LEN], theirs[TALLY_UUID_LEN];
  g_autoptr(GArray) sent = NULL;
  g_autoptr(GArray) received = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  TallyUser friend, other;
  TallyGift *g;

  stores_user_new (fixture, "friend@example.com", TALLY_ROLE_MEMBER, &friend);
  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  insert_gift (fixture, fixture->user.id, 100, T0 + 1, open);
  insert_gift (fixture, fixture->user.id, 200, T0 + 2, waiting);
  insert_gift (fixture, fixture->user.id, 300, T0 + 3, claimed);
  insert_gift (fixture, fixture->user.id, 400, T0 + 4, later);
  insert_gift (fixture, other.id, 500, T0 + 5, theirs);
  move_gift (fixture, waiting, TALLY_GIFT_OPEN, TALLY_GIFT_WAITING, NULL, T0 + 10);
  move_gift (fixture, claimed, TALLY_GIFT_OPEN, TALLY_GIFT_CLAIMED, friend.account_id, T0 + 20);
  move_gift (fixture, later, TALLY_GIFT_OPEN, TALLY_GIFT_CLAIMED, friend.account_id, T0 + 30);
  move_gift (fixture, theirs, TALLY_GIFT_OPEN, TALLY_GIFT_CLAIMED, friend.account_id, T0 + 25);

  sent = tally_api_store_sent_gifts (api (fixture), fixture->user.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->len, ==, 3);
  g = &g_array_index (sent, TallyGift, 0);
  g_assert_cmpstr (g->payment_id, ==, later);
  g_assert_cmpint (g->status, ==, TALLY_GIFT_CLAIMED);
  g_assert_cmpstr (g->recipient_account_id, ==, friend.account_id);
  g_assert_cmpint (g->claimed_at, ==, T0 + 30);
  g_assert_cmpint (g->credits, ==, 400);
  g_assert_cmpstr (g->sender_name, ==, "Test");
  g_assert_cmpstr (g_array_index (sent, TallyGift, 1).payment_id, ==, claimed);
  g = &g_array_index (sent, TallyGift, 2);
  g_assert_cmpstr (g->payment_id, ==, waiting);
  g_assert_cmpint (g->status, ==, TALLY_GIFT_WAITING);
  g_assert_cmpint (g->claimed_at, ==, 0);
  g_assert_cmpstr (g->recipient_account_id, ==, "");

  received = tally_api_store_received_gifts (api (fixture), friend.account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (received->len, ==, 3);
  g_assert_cmpstr (g_array_index (received, TallyGift, 0).payment_id, ==, later);
  g_assert_cmpstr (g_array_index (received, TallyGift, 1).payment_id, ==, theirs);
  g_assert_cmpstr (g_array_index (received, TallyGift, 1).sender_user_id, ==, other.id);
  g_assert_cmpstr (g_array_index (received, TallyGift, 2).payment_id, ==, claimed);

  none = tally_api_store_received_gifts (api (fixture), fixture->user.account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_clear_pointer (&none, g_array_unref);
  none = tally_api_store_sent_gifts (api (fixture), HOSTILE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
refer (StoreFixture        *fixture,
       const char          *referrer,
       const char          *address,
       TallyReferralStatus  status,
       gint64               bonus)
{
  g_autofree char *referred = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyReferral referral;
  gboolean inserted = FALSE;

  memset (&referral, 0, sizeof referral);
  g_strlcpy (referral.referred_user_id, referred, sizeof referral.referred_user_id);
  g_strlcpy (referral.referrer_user_id, referrer, sizeof referral.referrer_user_id);
  g_strlcpy (referral.signup_address, address, sizeof referral.signup_address);
  referral.created_at = T0;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_referral (fixture->store, &referral, &inserted,
                                                    &error));
  g_assert_true (inserted);
  if (status != TALLY_REFERRAL_PENDING)
    g_assert_true (tally_rules_store_settle_referral (fixture->store, referred, status, bonus,
                                                      T0 + 1, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
assert_totals (StoreFixture *fixture,
               const char   *user_id,
               gint64        referred,
               gint64        rewarded,
               gint64        earned)
{
  g_autoptr(GError) error = NULL;
  gint64 r = -1, w = -1, e = -1;

  check (tally_api_store_referral_totals (api (fixture), user_id, &r, &w, &e, &error), error);
  g_assert_cmpint (r, ==, referred);
  g_assert_cmpint (w, ==, rewarded);
  g_assert_cmpint (e, ==, earned);
}

/* Everyone the user referred, those rewarded and the bonus earned; 0 for
 * a user who referred none. */
static void
test_referral_totals (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *other = g_uuid_string_random ();

  assert_totals (fixture, fixture->user.id, 0, 0, 0);
  refer (fixture, fixture->user.id, "a@example.com", TALLY_REFERRAL_REWARDED, 100);
  refer (fixture, fixture->user.id, "b@example.com", TALLY_REFERRAL_REWARDED, 150);
  refer (fixture, fixture->user.id, "c@example.com", TALLY_REFERRAL_REFUSED, 0);
  refer (fixture, fixture->user.id, "d@example.com", TALLY_REFERRAL_PENDING, 0);
  refer (fixture, other, "e@example.com", TALLY_REFERRAL_REWARDED, 999);
  assert_totals (fixture, fixture->user.id, 4, 2, 250);
  assert_totals (fixture, other, 1, 1, 999);
  assert_totals (fixture, HOSTILE_ID, 0, 0, 0);
}

static void
insert_promo (StoreFixture *fixture,
              const char   *code,
              gint64        created_at,
              gint64        expires_at)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyPromoCode promo;

  memset (&promo, 0, sizeof promo);
  g_strlcpy (promo.id, id, sizeof promo.id);
  g_strlcpy (promo.code, code, sizeof promo.code);
  promo.credits = 250;
  promo.max_redemptions = 10;
  promo.expires_at = expires_at;
  g_strlcpy (promo.created_by, fixture->user.id, sizeof promo.created_by);
  promo.created_at = created_at;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_promo_code (fixture->store, &promo, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* None at first; then newest first, codes made at once in byte order,
 * the optional times 0 when unset. */
static void
test_promo_codes (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autoptr(GArray) empty = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GError) error = NULL;
  TallyPromoCode *p;

  empty = tally_api_store_list_promo_codes (api (fixture), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);

  insert_promo (fixture, "spring", T0, 0);
  insert_promo (fixture, "Summer", T0, T0 + 99);
  insert_promo (fixture, "winter", T0 + 1, 0);
  list = tally_api_store_list_promo_codes (api (fixture), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  p = &g_array_index (list, TallyPromoCode, 0);
  g_assert_cmpstr (p->code, ==, "winter");
  g_assert_cmpint (p->expires_at, ==, 0);
  g_assert_cmpint (p->credits, ==, 250);
  g_assert_cmpint (p->max_redemptions, ==, 10);
  g_assert_cmpint (p->redemptions, ==, 0);
  g_assert_cmpstr (p->created_by, ==, fixture->user.id);
  g_assert_cmpint (p->created_at, ==, T0 + 1);
  p = &g_array_index (list, TallyPromoCode, 1);
  g_assert_cmpstr (p->code, ==, "Summer");
  g_assert_cmpint (p->expires_at, ==, T0 + 99);
  g_assert_cmpstr (g_array_index (list, TallyPromoCode, 2).code, ==, "spring");
}

/* --- alerts --- */

static char message[] = "You have used 80% of your daily limit";

static void
insert_alert (StoreFixture    *fixture,
              const TallyUser *user,
              gint64           threshold,
              gint64           created_at)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  gboolean inserted = FALSE;
  TallyAlert alert;

  memset (&alert, 0, sizeof alert);
  g_strlcpy (alert.id, id, sizeof alert.id);
  g_strlcpy (alert.user_id, user->id, sizeof alert.user_id);
  g_strlcpy (alert.account_id, user->account_id, sizeof alert.account_id);
  alert.kind = TALLY_ALERT_SPEND;
  alert.window = TALLY_ALERT_WINDOW_DAY;
  g_strlcpy (alert.window_key, "2026-12-07", sizeof alert.window_key);
  alert.threshold = threshold;
  alert.amount = 800;
  alert.limit = 1000;
  alert.message = message;
  alert.created_at = created_at;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_alert (fixture->store, &alert, &inserted, &error));
  g_assert_no_error (error);
  g_assert_true (inserted);
  stores_commit (fixture);
}

/* The thresholds of one page of alerts, newest first; its next page's
 * start in *@next. */
static char *
alert_page (StoreFixture *fixture,
            const char   *user_id,
            gint64        since,
            gint64        until,
            gint64        before_seq,
            guint         limit,
            gint64       *next)
{
  g_autoptr(GString) thresholds = g_string_new ("");
  g_autoptr(GArray) alerts = NULL;
  g_autoptr(GError) error = NULL;

  alerts = tally_api_store_list_alerts (api (fixture), user_id, since, until, before_seq, limit,
                                        next, &error);
  g_assert_no_error (error);
  g_assert_nonnull (alerts);
  for (guint i = 0; i < alerts->len; i++)
    {
      const TallyAlert *alert = &g_array_index (alerts, TallyAlert, i);

      g_assert_cmpstr (alert->user_id, ==, user_id);
      g_string_append_printf (thresholds, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                              alert->threshold);
    }
  return g_string_free (g_steal_pointer (&thresholds), FALSE);
}

/* A user's alerts newest first, page by page until next_before_seq is
 * 0; since and until bound their times (microseconds, past 32 bits);
 * another user's never listed. */
static void
test_alerts (StoreFixture  *fixture,
             gconstpointer  data)
{
  g_autofree char *page = NULL;
  g_autoptr(GArray) one = NULL;
  g_autoptr(GError) error = NULL;
  TallyUser other;
  gint64 next = -1, next2 = -1, next3 = -1;
  TallyAlert *a;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  for (gint64 i = 1; i <= 5; i++)
    insert_alert (fixture, &fixture->user, i * 10, T0 + i * G_TIME_SPAN_HOUR);
  insert_alert (fixture, &other, 60, T0 + 6 * G_TIME_SPAN_HOUR);

  page = alert_page (fixture, fixture->user.id, 0, 0, 0, 2, &next);
  g_assert_cmpstr (page, ==, "50 40");
  g_assert_cmpint (next, >, 0);
  g_free (page);
  page = alert_page (fixture, fixture->user.id, 0, 0, next, 2, &next2);
  g_assert_cmpstr (page, ==, "30 20");
  g_assert_cmpint (next2, >, 0);
  g_assert_cmpint (next2, <, next);
  g_free (page);
  page = alert_page (fixture, fixture->user.id, 0, 0, next2, 2, &next3);
  g_assert_cmpstr (page, ==, "10");
  g_assert_cmpint (next3, ==, 0);
  g_free (page);
  page = alert_page (fixture, fixture->user.id, 0, 0, 0, 5, &next);
  g_assert_cmpstr (page, ==, "50 40 30 20 10");
  g_assert_cmpint (next, ==, 0);
  g_free (page);

  page = alert_page (fixture, fixture->user.id, T0 + 2 * G_TIME_SPAN_HOUR,
                     T0 + 4 * G_TIME_SPAN_HOUR, 0, 10, &next);
  g_assert_cmpstr (page, ==, "30 20");
  g_free (page);
  page = alert_page (fixture, fixture->user.id, T0 + 3 * G_TIME_SPAN_HOUR, 0, 0, 10, &next);
  g_assert_cmpstr (page, ==, "50 40 30");
  g_free (page);
  page = alert_page (fixture, fixture->user.id, 0, T0 + 2 * G_TIME_SPAN_HOUR, 0, 10, &next);
  g_assert_cmpstr (page, ==, "10");
  g_free (page);
  page = alert_page (fixture, HOSTILE_ID, 0, 0, 0, 10, &next);
  g_assert_cmpstr (page, ==, "");
  g_assert_cmpint (next, ==, 0);

  one = tally_api_store_list_alerts (api (fixture), other.id, 0, 0, 0, 10, &next, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->len, ==, 1);
  a = &g_array_index (one, TallyAlert, 0);
  g_assert_cmpint (a->seq, >, 0);
  g_assert_cmpstr (a->account_id, ==, other.account_id);
  g_assert_cmpint (a->kind, ==, TALLY_ALERT_SPEND);
  g_assert_cmpint (a->window, ==, TALLY_ALERT_WINDOW_DAY);
  g_assert_cmpstr (a->window_key, ==, "2026-12-07");
  g_assert_cmpint (a->amount, ==, 800);
  g_assert_cmpint (a->limit, ==, 1000);
  g_assert_cmpstr (a->message, ==, message);
  g_assert_cmpint (a->created_at, ==, T0 + 6 * G_TIME_SPAN_HOUR);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("api-payments", test_payments);
  stores_add ("api-invoice-details", test_invoice_details);
  stores_add ("api-stripe-customer", test_stripe_customer);
  stores_add ("api-subscription-session", test_subscription_session);
  stores_add ("api-due-demo-subscriptions", test_due_demo_subscriptions);
  stores_add ("api-recharge-settings", test_recharge_settings);
  stores_add ("api-billing-races", test_billing_races);
  stores_add ("api-policy-spend", test_policy_spend);
  stores_add ("api-teams", test_teams);
  stores_add ("api-pool-usage", test_pool_usage);
  stores_add ("api-gifts", test_gifts);
  stores_add ("api-referral-totals", test_referral_totals);
  stores_add ("api-promo-codes", test_promo_codes);
  stores_add ("api-alerts", test_alerts);

  return stores_run ();
}
