/* test-window-sums.c: the kept window sums against a scan of the transfers
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ledger that keeps its window sums (tally_ledger_keep_window_sums())
 * must answer tally_ledger_sum_consumption() exactly as a scan of the
 * window's transfers does, whatever happened: holds posted for less,
 * voided or expired, direct charges, a post of another kind than its
 * hold, transactions rolled back, linked chains that fail half-way, and
 * inside a transaction that is still open. Random steps, and after each
 * one every window asked of both ways.
 */

#include "config.h"

#include "tally-ledger-private.h"
#include "tally-test-util.h"

#define N_STEPS 1500
/* More than one step asks for (eight), fewer than a run of steps does: kept
 * sums last many steps, and are dropped and built again now and then. */
#define MAX_WINDOWS 40

typedef struct
{
  LedgerFixture  f;
  /* Ids of holds not settled yet, as far as the test knows. */
  GPtrArray     *holds;
  gint64         start;
} SumsFixture;

static const char *
consumption (void)
{
  return tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
}

static void
sums_set_up (SumsFixture   *s,
             gconstpointer  data)
{
  TallyTransfer grant;

  fixture_set_up (&s->f, data);
  tally_ledger_keep_window_sums (s->f.ledger, MAX_WINDOWS);
  s->holds = g_ptr_array_new_with_free_func (g_free);
  s->start = s->f.now;

  transfer_new (&grant, s->f.grants, s->f.alice, 1000000, TALLY_TRANSFER_KIND_GRANT);
  assert_result (&s->f, &grant, TALLY_TRANSFER_OK);
  transfer_new (&grant, s->f.grants, s->f.bob, 1000000, TALLY_TRANSFER_KIND_GRANT);
  assert_result (&s->f, &grant, TALLY_TRANSFER_OK);
}

static void
sums_tear_down (SumsFixture   *s,
                gconstpointer  data)
{
  g_ptr_array_unref (s->holds);
  fixture_tear_down (&s->f, data);
}

static const char *
some_user (SumsFixture *s)
{
  return g_test_rand_bit () ? s->f.alice : s->f.bob;
}

static TallyTransferResult
create (SumsFixture   *s,
        TallyTransfer *transfers,
        guint          n)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult results[4];

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (results));
  g_assert_true (tally_ledger_create_transfers (s->f.ledger, transfers, n, results, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    if (results[i] != TALLY_TRANSFER_OK)
      return results[i];
  return TALLY_TRANSFER_OK;
}

static void
charge (SumsFixture *s,
        gboolean     as_hold)
{
  TallyTransfer t;

  transfer_new (&t, some_user (s), consumption (), g_test_rand_int_range (1, 40),
                TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&t, "text-statistics");
  if (as_hold)
    {
      t.flags = TALLY_TRANSFER_FLAG_PENDING;
      t.timeout = g_test_rand_bit () ? 0 : (guint) g_test_rand_int_range (60, 4 * 3600);
    }
  if (create (s, &t, 1) == TALLY_TRANSFER_OK && as_hold)
    g_ptr_array_add (s->holds, g_strdup (t.id));
}

/* A post (for its amount or less, now and then under another kind) or a
 * void of a hold; refused when it expired meanwhile, which is fine. */
static void
settle (SumsFixture *s)
{
  g_autofree char *id = NULL;
  TallyTransfer hold, t;
  g_autoptr(GError) error = NULL;

  if (s->holds->len == 0)
    return;
  id = g_ptr_array_steal_index_fast (s->holds,
                                     (guint) g_test_rand_int_range (0, (gint32) s->holds->len));
  /* Gone with a rolled-back transaction. */
  if (!tally_ledger_lookup_transfer (s->f.ledger, id, &hold, &error))
    return;

  transfer_new (&t, "", "", 0, g_test_rand_int_range (0, 8) == 0 ? TALLY_TRANSFER_KIND_ADJUSTMENT
                                                                  : TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_pending_id (&t, id);
  if (g_test_rand_bit ())
    {
      t.flags = TALLY_TRANSFER_FLAG_POST_PENDING;
      t.amount = g_test_rand_int_range (1, (gint32) hold.amount + 1);
    }
  else
    t.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
  create (s, &t, 1);
}

/* Two linked charges, the second one beyond any balance: both undone. */
static void
failed_chain (SumsFixture *s)
{
  TallyTransfer chain[2];

  transfer_new (&chain[0], s->f.alice, consumption (), 5, TALLY_TRANSFER_KIND_CONSUMPTION);
  chain[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&chain[1], s->f.alice, consumption (), 100000000, TALLY_TRANSFER_KIND_CONSUMPTION);
  g_assert_cmpint (create (s, chain, 2), !=, TALLY_TRANSFER_OK);
}

static void
expire (SumsFixture *s)
{
  g_autoptr(GError) error = NULL;
  guint n_expired = 0;

  g_assert_true (tally_ledger_expire_pending (s->f.ledger, s->f.now, &n_expired, &error));
  g_assert_no_error (error);
}

static void
assert_window (SumsFixture *s,
               const char  *account_id,
               gint64       since,
               gint64       until)
{
  g_autoptr(GError) error = NULL;
  gint64 kept = -1, scanned = -2;

  g_assert_true (tally_ledger_sum_consumption (s->f.ledger, account_id, since, until, &kept,
                                               &error));
  g_assert_no_error (error);
  g_assert_true (tally_ledger_sum_consumption_scan (s->f.ledger, account_id, since, until,
                                                    &scanned, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kept, ==, scanned);
}

/* Windows that start and end off the hour, a day from the start, the
 * hours around now, and everything. */
static void
assert_windows (SumsFixture *s)
{
  const char *accounts[] = { s->f.alice, s->f.bob };
  gint64 minute = 60 * G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      assert_window (s, accounts[i], 0, 0);
      assert_window (s, accounts[i], s->start + 37 * minute,
                     s->start + 37 * minute + 24 * 60 * minute);
      assert_window (s, accounts[i], s->f.now - 90 * minute, s->f.now + 90 * minute);
      assert_window (s, accounts[i], s->start + 1440 * minute, 0);
    }
}

static void
one_step (SumsFixture *s)
{
  switch (g_test_rand_int_range (0, 10))
    {
    case 0:
    case 1:
    case 2:
      charge (s, TRUE);
      break;
    case 3:
    case 4:
      settle (s);
      break;
    case 5:
      charge (s, FALSE);
      break;
    case 6:
      failed_chain (s);
      break;
    case 7:
      expire (s);
      break;
    default:
      s->f.now += (gint64) g_test_rand_int_range (0, 40 * 60) * G_USEC_PER_SEC;
      break;
    }
}

/* A transaction of a few steps, checked while it is open, then committed
 * or rolled back. The holds the test knows of may then name transfers
 * that are gone: settling one is refused, which is fine. */
static void
transaction (SumsFixture *s)
{
  g_autoptr(GError) error = NULL;
  guint n = (guint) g_test_rand_int_range (1, 5);

  g_assert_true (tally_ledger_begin (s->f.ledger, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      one_step (s);
      assert_windows (s);
    }
  if (g_test_rand_bit ())
    {
      g_assert_true (tally_ledger_commit (s->f.ledger, &error));
      g_assert_no_error (error);
    }
  else
    tally_ledger_rollback (s->f.ledger);
}

static void
test_kept_sums_match_the_scan (SumsFixture   *s,
                               gconstpointer  data)
{
  for (guint step = 0; step < N_STEPS; step++)
    {
      if (g_test_rand_int_range (0, 6) == 0)
        transaction (s);
      else
        one_step (s);
      assert_windows (s);
    }
  assert_check_clean (&s->f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/window-sums/kept-sums-match-the-scan", SumsFixture, NULL, sums_set_up,
              test_kept_sums_match_the_scan, sums_tear_down);

  return g_test_run ();
}
