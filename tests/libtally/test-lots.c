/* test-lots.c: credits that expire — the burn order, one expiry per lot,
 * the rule for holds, and the invariants that check them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A run that completes at the very instant its credits expire: whichever
 * the ledger sees first, the run is paid in full, nothing is taken twice,
 * and the balance is the same either way. */
static void
run_at_expiry (LedgerFixture *f,
               gboolean       post_first)
{
  TallyTransfer hold, post;
  TallyAccount account;

  grant (f, 100, DAY, NULL);
  transfer_new (&hold, f->alice, consumption (), 60, TALLY_TRANSFER_KIND_CONSUMPTION);
  hold.flags = TALLY_TRANSFER_FLAG_PENDING;
  assert_result (f, &hold, TALLY_TRANSFER_OK);

  f->now += DAY;
  transfer_new (&post, "", "", 45, TALLY_TRANSFER_KIND_CONSUMPTION);
  post.flags = TALLY_TRANSFER_FLAG_POST_PENDING;
  tally_transfer_set_pending_id (&post, hold.id);
  if (post_first)
    assert_result (f, &post, TALLY_TRANSFER_OK);
  g_assert_cmpuint (expire (f), ==, 1);
  if (!post_first)
    assert_result (f, &post, TALLY_TRANSFER_OK);

  account = alice (f);
  g_assert_cmpint (account.debits_pending, ==, 0);
  g_assert_cmpint (account.debits_posted, ==, post_first ? 100 : 85);
  /* Posted first, the run burned 45 and the other 55 expired; expired
   * first, the 40 not held went and the 15 the run gave back stay. */
  g_assert_cmpint (tally_account_balance (&account), ==, post_first ? 0 : 15);
  assert_check_clean (f);
}

static void
test_run_at_expiry_post_first (LedgerFixture *f,
                               gconstpointer  data)
{
  run_at_expiry (f, TRUE);
}

static void
test_run_at_expiry_expiry_first (LedgerFixture *f,
                                 gconstpointer  data)
{
  run_at_expiry (f, FALSE);
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
  assert_refused (f, spent_after, f->now + 2 * DAY,
                  TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);

  {
    gint64 expires_at = -1;

    g_assert_true (tally_ledger_lookup_expiry (f->ledger, spent_after, &expires_at, &error));
    g_assert_cmpint (expires_at, ==, f->now + DAY);
    g_assert_true (tally_ledger_lookup_expiry (f->ledger, granted, &expires_at, &error));
    g_assert_cmpint (expires_at, ==, 0);
    g_assert_false (tally_ledger_lookup_expiry (f->ledger, unknown, &expires_at, &error));
    g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  }
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

/* A chain that spent a lot whole and then failed gives the lot back: a
 * later debit of the same batch burns it. */
static void
test_failed_chain_then_debit (LedgerFixture *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *nobody = g_uuid_string_random ();
  TallyTransfer batch[4];
  TallyTransferResult results[4];

  grant (f, 100, 0, NULL);
  grant (f, 50, DAY, NULL);
  transfer_new (&batch[0], f->alice, consumption (), 50, TALLY_TRANSFER_KIND_CONSUMPTION);
  batch[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[1], f->alice, consumption (), 10, TALLY_TRANSFER_KIND_CONSUMPTION);
  batch[1].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[2], f->alice, nobody, 1, TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer_new (&batch[3], f->alice, consumption (), 20, TALLY_TRANSFER_KIND_CONSUMPTION);
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 4, results, &error));
  g_assert_no_error (error);
  g_assert_cmpint (results[2], ==, TALLY_TRANSFER_ACCOUNT_NOT_FOUND);
  g_assert_cmpint (results[3], ==, TALLY_TRANSFER_OK);

  after = lots (f);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpint (g_array_index (after, TallyLot, 0).remaining, ==, 30);
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

/* --- against a model written from docs/ledger.md --- */

typedef struct
{
  gint64   amount;
  gint64   remaining;
  gint64   expires_at;
  gboolean closed;
} ModelLot;

typedef struct
{
  char   id[TALLY_UUID_LEN];
  gint64 amount;
} ModelHold;

typedef struct
{
  LedgerFixture *f;
  GRand         *rand;
  /* In creation order, which breaks ties of expires_at. */
  GArray        *lots;
  GArray        *holds;
  gint64         balance;
  gint64         held;
} Model;

static void
model_burn (Model  *m,
            gint64  amount,
            gint    only)
{
  while (amount > 0)
    {
      gint best = -1;

      for (guint i = 0; i < m->lots->len; i++)
        {
          ModelLot *lot = &g_array_index (m->lots, ModelLot, i);

          if (lot->closed || lot->remaining == 0 || (only >= 0 && (gint) i != only))
            continue;
          if (best < 0 || lot->expires_at < g_array_index (m->lots, ModelLot, best).expires_at)
            best = i;
        }
      if (best < 0)
        return;

      {
        ModelLot *lot = &g_array_index (m->lots, ModelLot, best);
        gint64 take = MIN (lot->remaining, amount);

        lot->remaining -= take;
        amount -= take;
      }
    }
}

static void
model_grant (Model *m)
{
  gint64 amount = g_rand_int_range (m->rand, 1, 200);
  gboolean expiring = g_rand_boolean (m->rand);
  gint64 expires_in = g_rand_int_range (m->rand, 1, 10 * 24) * (DAY / 24);

  grant (m->f, amount, expiring ? expires_in : 0, NULL);
  m->balance += amount;
  if (expiring)
    {
      ModelLot lot = { amount, amount, m->f->now + expires_in, FALSE };

      g_array_append_val (m->lots, lot);
    }
}

static void
model_spend (Model *m)
{
  gint64 amount = g_rand_int_range (m->rand, 1, 150);
  TallyTransfer t;

  transfer_new (&t, m->f->alice, consumption (), amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  if (amount > m->balance - m->held)
    {
      assert_result (m->f, &t, TALLY_TRANSFER_EXCEEDS_CREDITS);
      return;
    }
  assert_result (m->f, &t, TALLY_TRANSFER_OK);
  m->balance -= amount;
  model_burn (m, amount, -1);
}

static void
model_hold (Model *m)
{
  ModelHold hold = { "", g_rand_int_range (m->rand, 1, 100) };
  TallyTransfer t;

  transfer_new (&t, m->f->alice, consumption (), hold.amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  t.flags = TALLY_TRANSFER_FLAG_PENDING;
  if (hold.amount > m->balance - m->held)
    {
      assert_result (m->f, &t, TALLY_TRANSFER_EXCEEDS_CREDITS);
      return;
    }
  assert_result (m->f, &t, TALLY_TRANSFER_OK);
  g_strlcpy (hold.id, t.id, sizeof hold.id);
  g_array_append_val (m->holds, hold);
  m->held += hold.amount;
}

/* Posts (part of) or voids a hold. */
static void
model_settle (Model *m)
{
  guint i;
  ModelHold hold;
  gboolean post = g_rand_boolean (m->rand);
  TallyTransfer t;

  if (m->holds->len == 0)
    return;
  i = g_rand_int_range (m->rand, 0, m->holds->len);
  hold = g_array_index (m->holds, ModelHold, i);
  g_array_remove_index (m->holds, i);

  transfer_new (&t, "", "", post ? g_rand_int_range (m->rand, 1, hold.amount + 1) : 0,
                TALLY_TRANSFER_KIND_CONSUMPTION);
  t.flags = post ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&t, hold.id);
  assert_result (m->f, &t, TALLY_TRANSFER_OK);
  m->held -= hold.amount;
  if (post)
    {
      m->balance -= t.amount;
      model_burn (m, t.amount, -1);
    }
}

/* The clock moves on, and the lots whose time came expire in order. */
static void
model_expire (Model *m)
{
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  guint expected = 0;

  m->f->now += g_rand_int_range (m->rand, 0, 3 * 24) * (DAY / 24);
  for (guint i = 0; i < m->lots->len; i++)
    {
      ModelLot *lot = &g_array_index (m->lots, ModelLot, i);
      guint at = 0;

      if (lot->closed || lot->expires_at > m->f->now)
        continue;
      while (at < order->len &&
             g_array_index (m->lots, ModelLot,
                            g_array_index (order, guint, at)).expires_at <= lot->expires_at)
        at++;
      g_array_insert_val (order, at, i);
    }

  for (guint k = 0; k < order->len; k++)
    {
      guint i = g_array_index (order, guint, k);
      ModelLot *lot = &g_array_index (m->lots, ModelLot, i);
      gint64 take = MIN (lot->remaining, MAX (m->balance - m->held, 0));

      m->balance -= take;
      model_burn (m, take, i);
      lot->closed = TRUE;
      expected++;
    }

  g_assert_cmpuint (expire (m->f), ==, expected);
}

static void
model_compare (Model *m)
{
  g_autoptr(GArray) real = lots (m->f);
  TallyAccount account = alice (m->f);
  guint n = 0;
  gint64 previous = G_MININT64;

  g_assert_cmpint (tally_account_balance (&account), ==, m->balance);
  g_assert_cmpint (account.debits_pending, ==, m->held);

  /* The open lots with credits left, soonest first (ties: oldest). */
  for (guint pass = 0; pass < m->lots->len; pass++)
    {
      const ModelLot *lot = &g_array_index (m->lots, ModelLot, pass);

      if (lot->closed || lot->remaining == 0)
        continue;
      n++;
    }
  g_assert_cmpuint (real->len, ==, n);
  for (guint i = 0; i < real->len; i++)
    {
      const TallyLot *lot = &g_array_index (real, TallyLot, i);
      gint64 model_remaining = -1;

      g_assert_cmpint (lot->expires_at, >=, previous);
      previous = lot->expires_at;
      for (guint j = 0; j < m->lots->len; j++)
        {
          const ModelLot *ml = &g_array_index (m->lots, ModelLot, j);

          if (!ml->closed && ml->remaining > 0 && ml->expires_at == lot->expires_at &&
              ml->amount == lot->amount && ml->remaining == lot->remaining)
            model_remaining = ml->remaining;
        }
      g_assert_cmpint (lot->remaining, ==, model_remaining);
    }
}

static void
test_model (LedgerFixture *f,
            gconstpointer  data)
{
  guint32 seed = g_test_rand_int ();
  Model m = { f, g_rand_new_with_seed (seed), g_array_new (FALSE, FALSE, sizeof (ModelLot)),
              g_array_new (FALSE, FALSE, sizeof (ModelHold)), 0, 0 };

  g_test_message ("seed %u", seed);
  for (guint op = 0; op < 1500; op++)
    {
      switch (g_rand_int_range (m.rand, 0, 6))
        {
        case 0:
        case 1:
          model_grant (&m);
          break;
        case 2:
          model_spend (&m);
          break;
        case 3:
          model_hold (&m);
          break;
        case 4:
          model_settle (&m);
          break;
        default:
          model_expire (&m);
          break;
        }
      model_compare (&m);
      if (op % 100 == 0)
        assert_check_clean (f);
    }
  assert_check_clean (f);

  g_array_unref (m.lots);
  g_array_unref (m.holds);
  g_rand_free (m.rand);
}

/* --- SIGKILL in the middle of an expiry sweep --- */

#define CRASH_LOTS   2500
#define CRASH_ROUNDS 8

static gint64
query_count (const char *path,
             const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static gint64
crash_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

/* A child sweeps in durable mode until it is killed or done. */
static void G_GNUC_NORETURN
sweep_in_child (const char *path,
                gint64      now)
{
  g_autoptr(GError) error = NULL;
  TallyLedger *ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);

  if (ledger == NULL)
    _exit (10);
  tally_ledger_set_clock (ledger, crash_clock, &now);
  if (!tally_ledger_expire_lots (ledger, now, NULL, &error))
    _exit (11);
  _exit (0);
}

/* Every transaction of the sweep is there whole or not at all; each lot
 * that closed has its one expiry, no other has any. */
static void
verify_after_crash (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL,
                                                     &error);
  gint64 closed, expiries;

  g_assert_no_error (error);
  g_assert_true (tally_ledger_check (ledger, &error));
  g_assert_no_error (error);
  g_clear_object (&ledger);

  closed = query_count (f->path, "SELECT count(*) FROM lots WHERE closed = 1");
  expiries = query_count (f->path, "SELECT count(*) FROM transfers WHERE kind = 5");
  g_test_message ("%" G_GINT64_FORMAT " lots closed, %" G_GINT64_FORMAT " expiries", closed,
                  expiries);
  g_assert_true (closed % 1000 == 0 || closed == CRASH_LOTS);
  /* A lot spent whole closes with nothing to expire. */
  g_assert_cmpint (expiries, ==, query_count (f->path, "SELECT count(*) FROM lots "
                                                       "WHERE expired_by IS NOT NULL"));
  g_assert_cmpint (query_count (f->path, "SELECT count(*) FROM lots WHERE closed = 1 "
                                         "AND expired_by IS NULL AND remaining > 0"), ==, 0);
  g_assert_cmpint (query_count (f->path, "SELECT count(*) FROM lots WHERE closed = 0 "
                                         "AND expired_by IS NOT NULL"), ==, 0);
}

static void
fill_lots (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_begin (f->ledger, &error));
  for (guint i = 0; i < CRASH_LOTS; i++)
    grant (f, 10 + i % 7, DAY + (i % 3) * 60 * G_USEC_PER_SEC, NULL);
  g_assert_true (tally_ledger_commit (f->ledger, &error));
  g_assert_no_error (error);
  spend (f, 1234);
}

/* How long a whole sweep takes here, on a copy of the file: the kills
 * land within it. In microseconds. */
static gint64
time_sweep (LedgerFixture *f,
            gint64         now)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) source = g_file_new_for_path (f->path);
  g_autofree char *copy_path = g_strconcat (f->path, ".timing", NULL);
  g_autoptr(GFile) copy = g_file_new_for_path (copy_path);
  gint64 start = g_get_monotonic_time ();
  int status;
  pid_t child;

  g_assert_true (g_file_copy (source, copy, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    sweep_in_child (copy_path, now);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return g_get_monotonic_time () - start;
}

static void
test_crash_during_expiry (LedgerFixture *f,
                          gconstpointer  data)
{
  gint64 now;
  gint64 remaining_before;
  gint64 duration;

  fill_lots (f);
  remaining_before = query_count (f->path, "SELECT SUM (remaining) FROM lots");
  g_clear_object (&f->ledger);
  now = f->now + 2 * DAY;
  duration = time_sweep (f, now);
  g_test_message ("a whole sweep takes %" G_GINT64_FORMAT " µs", duration);

  for (guint round = 0; round < CRASH_ROUNDS; round++)
    {
      int status;
      pid_t child = fork ();

      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        sweep_in_child (f->path, now);
      g_usleep (g_test_rand_int_range (0, (gint32) MIN (duration, G_MAXINT32)));
      kill (child, SIGKILL);
      g_assert_cmpint (waitpid (child, &status, 0), ==, child);
      g_assert_true ((WIFEXITED (status) && WEXITSTATUS (status) == 0) ||
                     (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL));
      verify_after_crash (f);
    }

  /* A last sweep finishes it: every lot expired once, for what was left. */
  {
    g_autoptr(GError) error = NULL;
    int status;
    pid_t child = fork ();

    g_assert_cmpint (child, >=, 0);
    if (child == 0)
      sweep_in_child (f->path, now);
    g_assert_cmpint (waitpid (child, &status, 0), ==, child);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    verify_after_crash (f);
    g_assert_cmpint (query_count (f->path, "SELECT count(*) FROM lots WHERE closed = 0"), ==, 0);
    g_assert_cmpint (query_count (f->path, "SELECT SUM (amount) FROM transfers WHERE kind = 5"),
                     ==, remaining_before);

    f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
    g_assert_no_error (error);
    tally_ledger_set_clock (f->ledger, fixture_clock, f);
  }
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
  ADD ("/lots/run-at-expiry/post-first", test_run_at_expiry_post_first);
  ADD ("/lots/run-at-expiry/expiry-first", test_run_at_expiry_expiry_first);
  ADD ("/lots/refusals", test_refusals);
  ADD ("/lots/failed-chain-burns-nothing", test_failed_chain_burns_nothing);
  ADD ("/lots/failed-chain-then-debit", test_failed_chain_then_debit);
  ADD ("/lots/check-catches", test_check_catches);
  ADD ("/lots/open-lots-within-balance", test_open_lots_within_balance);
  ADD ("/lots/model", test_model);
  ADD ("/lots/crash-during-expiry", test_crash_during_expiry);

  return g_test_run ();
}
