/* test-lots.c: credits that expire — the burn order, one expiry per lot,
 * the rule for holds, and the invariants that check them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "tally-test-util.h"

#define DAY (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

#define ADD(path, func) \
  g_test_add (path, LedgerFixture, NULL, fixture_set_up, func, fixture_tear_down)

static const char *
consumption (void)
{
  return tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
}

/* Grants @amount to Alice; with @expires_in, credits that expire that long
 * from now. The grant's id goes to @id when given. */
static void
grant (LedgerFixture *f,
       gint64         amount,
       gint64         expires_in,
       char          *id)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer t;

  transfer_new (&t, f->grants, f->alice, amount, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  if (expires_in > 0)
    {
      g_assert_true (tally_ledger_set_expiry (f->ledger, t.id, f->now + expires_in, &error));
      g_assert_no_error (error);
    }
  if (id != NULL)
    g_strlcpy (id, t.id, TALLY_UUID_LEN);
}

static void
spend (LedgerFixture *f,
       gint64         amount)
{
  TallyTransfer t;

  transfer_new (&t, f->alice, consumption (), amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &t, TALLY_TRANSFER_OK);
}

static GArray *
lots (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;
  GArray *list = tally_ledger_list_lots (f->ledger, f->alice, &error);

  g_assert_no_error (error);
  return list;
}

static TallyAccount
alice (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_ledger_lookup_account (f->ledger, f->alice, &account, &error));
  g_assert_no_error (error);
  return account;
}

static guint
expire (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_assert_true (tally_ledger_expire_lots (f->ledger, f->now, &n, &error));
  g_assert_no_error (error);
  return n;
}

/* Consumption burns the credits that expire soonest first, then those
 * that never do. */
static void
test_burn_order (LedgerFixture *f,
                 gconstpointer  data)
{
  g_autoptr(GArray) after_first = NULL, after_second = NULL, before = NULL;
  char later[TALLY_UUID_LEN], sooner[TALLY_UUID_LEN];

  grant (f, 100, 0, NULL);
  grant (f, 50, 10 * DAY, later);
  grant (f, 30, 5 * DAY, sooner);

  before = lots (f);
  g_assert_cmpuint (before->len, ==, 2);
  g_assert_cmpstr (g_array_index (before, TallyLot, 0).transfer_id, ==, sooner);
  g_assert_cmpstr (g_array_index (before, TallyLot, 1).transfer_id, ==, later);

  spend (f, 40);
  after_first = lots (f);
  g_assert_cmpuint (after_first->len, ==, 1);
  g_assert_cmpstr (g_array_index (after_first, TallyLot, 0).transfer_id, ==, later);
  g_assert_cmpint (g_array_index (after_first, TallyLot, 0).remaining, ==, 40);
  g_assert_cmpint (g_array_index (after_first, TallyLot, 0).amount, ==, 50);
  g_assert_cmpint (g_array_index (after_first, TallyLot, 0).expires_at, ==, f->now + 10 * DAY);

  spend (f, 60);
  after_second = lots (f);
  g_assert_cmpuint (after_second->len, ==, 0);
  g_assert_cmpint (alice (f).credits_posted - alice (f).debits_posted, ==, 80);
  assert_check_clean (f);
}

/* At its time a lot's unspent rest expires, once, whatever runs again
 * and after a reopen. */
static void
test_expire_once (LedgerFixture *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char granted[TALLY_UUID_LEN], expiry_id[TALLY_UUID_LEN];
  TallyTransfer expiry;

  grant (f, 100, 1 * DAY, granted);
  grant (f, 25, 0, NULL);
  spend (f, 30);

  f->now += DAY - 1;
  g_assert_cmpuint (expire (f), ==, 0);
  f->now += 1;
  g_assert_cmpuint (expire (f), ==, 1);
  g_assert_cmpint (alice (f).credits_posted - alice (f).debits_posted, ==, 25);

  tally_uuid_derive ("lot-expiry", granted, expiry_id);
  g_assert_true (tally_ledger_lookup_transfer (f->ledger, expiry_id, &expiry, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expiry.kind, ==, TALLY_TRANSFER_KIND_EXPIRY);
  g_assert_cmpint (expiry.amount, ==, 70);
  g_assert_cmpstr (expiry.credit_account_id, ==,
                   tally_system_account_id (TALLY_SYSTEM_ACCOUNT_EXPIRED));
  g_assert_cmpstr (expiry.ref, ==, granted);

  g_assert_cmpuint (expire (f), ==, 0);
  g_clear_object (&f->ledger);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  tally_ledger_set_clock (f->ledger, fixture_clock, f);
  f->now += DAY;
  g_assert_cmpuint (expire (f), ==, 0);
  g_assert_cmpint (alice (f).credits_posted - alice (f).debits_posted, ==, 25);
  assert_check_clean (f);
}

/* A hold keeps what it holds: the expiry takes only what is available,
 * and the held credits, posted or given back, never expire. */
static void
test_hold_rule (LedgerFixture *f,
                gconstpointer  data)
{
  TallyTransfer hold, post;
  TallyAccount account;

  grant (f, 100, 1 * DAY, NULL);
  transfer_new (&hold, f->alice, consumption (), 80, TALLY_TRANSFER_KIND_CONSUMPTION);
  hold.flags = TALLY_TRANSFER_FLAG_PENDING;
  assert_result (f, &hold, TALLY_TRANSFER_OK);

  f->now += DAY;
  g_assert_cmpuint (expire (f), ==, 1);
  account = alice (f);
  g_assert_cmpint (tally_account_balance (&account), ==, 80);
  g_assert_cmpint (tally_account_available (&account), ==, 0);

  transfer_new (&post, NULL, NULL, 50, TALLY_TRANSFER_KIND_CONSUMPTION);
  post.debit_account_id[0] = post.credit_account_id[0] = '\0';
  post.flags = TALLY_TRANSFER_FLAG_POST_PENDING;
  tally_transfer_set_pending_id (&post, hold.id);
  assert_result (f, &post, TALLY_TRANSFER_OK);

  f->now += DAY;
  g_assert_cmpuint (expire (f), ==, 0);
  account = alice (f);
  /* The 30 the post gave back stay: they never expire. */
  g_assert_cmpint (tally_account_balance (&account), ==, 30);
  g_assert_cmpint (tally_account_available (&account), ==, 30);
  assert_check_clean (f);
}

/* Nothing left, or all of it held: the lot closes with no transfer. */
static void
test_nothing_to_expire (LedgerFixture *f,
                        gconstpointer  data)
{
  grant (f, 40, 1 * DAY, NULL);
  spend (f, 40);
  f->now += 2 * DAY;
  g_assert_cmpuint (expire (f), ==, 1);
  g_assert_cmpint (alice (f).credits_posted - alice (f).debits_posted, ==, 0);
  g_assert_cmpuint (expire (f), ==, 0);
  assert_check_clean (f);
}

static void
assert_refused (LedgerFixture *f,
                const char    *id,
                gint64         expires_at,
                gint           code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_ledger_set_expiry (f->ledger, id, expires_at, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, code);
}

static void
test_refusals (LedgerFixture *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *unknown = g_uuid_string_random ();
  TallyTransfer hold, to_system;
  char granted[TALLY_UUID_LEN], spent_after[TALLY_UUID_LEN];

  grant (f, 100, 0, granted);
  transfer_new (&to_system, f->alice, consumption (), 5, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &to_system, TALLY_TRANSFER_OK);
  transfer_new (&hold, f->grants, f->bob, 10, TALLY_TRANSFER_KIND_GRANT);
  hold.flags = TALLY_TRANSFER_FLAG_PENDING;
  assert_result (f, &hold, TALLY_TRANSFER_OK);

  assert_refused (f, unknown, f->now + DAY, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_refused (f, "not a uuid", f->now + DAY, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_refused (f, hold.id, f->now + DAY, TALLY_LEDGER_ERROR_INVALID);
  assert_refused (f, to_system.id, f->now + DAY, TALLY_LEDGER_ERROR_INVALID);
  /* Alice spent after the grant: too late to make it expire. */
  assert_refused (f, granted, f->now + DAY, TALLY_LEDGER_ERROR_INVALID);

  grant (f, 20, 0, spent_after);
  assert_refused (f, spent_after, f->now, TALLY_LEDGER_ERROR_INVALID);
  g_assert_true (tally_ledger_set_expiry (f->ledger, spent_after, f->now + DAY, &error));
  g_assert_no_error (error);
  g_assert_true (tally_ledger_set_expiry (f->ledger, spent_after, f->now + DAY, &error));
  g_assert_no_error (error);
  assert_refused (f, spent_after, f->now + 2 * DAY, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  assert_check_clean (f);
}

/* A linked chain that fails burns nothing. */
static void
test_failed_chain_burns_nothing (LedgerFixture *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *nobody = g_uuid_string_random ();
  TallyTransfer chain[2];
  TallyTransferResult results[2];

  grant (f, 50, DAY, NULL);
  transfer_new (&chain[0], f->alice, consumption (), 20, TALLY_TRANSFER_KIND_CONSUMPTION);
  chain[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&chain[1], f->alice, nobody, 1, TALLY_TRANSFER_KIND_CONSUMPTION);
  g_assert_true (tally_ledger_create_transfers (f->ledger, chain, 2, results, &error));
  g_assert_no_error (error);
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);

  after = lots (f);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpint (g_array_index (after, TallyLot, 0).remaining, ==, 50);
  assert_check_clean (f);
}

static void
exec_on_file (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static void
assert_check_breaks (LedgerFixture *f,
                     const char    *tamper)
{
  g_autoptr(GError) error = NULL;

  exec_on_file (f->path, tamper);
  g_assert_false (tally_ledger_check (f->ledger, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT);
  g_test_message ("%s → %s", tamper, error->message);
}

/* The check sees a lot that lost credits, or gained some, or expired
 * twice. */
static void
test_check_catches (LedgerFixture *f,
                    gconstpointer  data)
{
  grant (f, 100, DAY, NULL);
  spend (f, 10);
  assert_check_clean (f);

  assert_check_breaks (f, "UPDATE lots SET remaining = remaining - 1");
  exec_on_file (f->path, "UPDATE lots SET remaining = remaining + 1");
  assert_check_clean (f);
  assert_check_breaks (f, "DELETE FROM lot_burns");
}

static void
test_open_lots_within_balance (LedgerFixture *f,
                               gconstpointer  data)
{
  grant (f, 100, DAY, NULL);
  assert_check_clean (f);
  /* A burn row and a lot that agree, but more credits to expire than
   * the account holds. */
  assert_check_breaks (f, "UPDATE accounts SET credits_posted = credits_posted - 1 "
                          "WHERE kind = 0 AND credits_posted = 100; "
                          "UPDATE accounts SET debits_posted = debits_posted - 1 "
                          "WHERE debits_posted = 100");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/lots/burn-order", test_burn_order);
  ADD ("/lots/expire-once", test_expire_once);
  ADD ("/lots/hold-rule", test_hold_rule);
  ADD ("/lots/nothing-to-expire", test_nothing_to_expire);
  ADD ("/lots/refusals", test_refusals);
  ADD ("/lots/failed-chain-burns-nothing", test_failed_chain_burns_nothing);
  ADD ("/lots/check-catches", test_check_catches);
  ADD ("/lots/open-lots-within-balance", test_open_lots_within_balance);

  return g_test_run ();
}
