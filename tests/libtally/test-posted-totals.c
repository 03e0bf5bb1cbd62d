/* test-posted-totals.c: tally_ledger_posted_totals() against the history
 * it sums, and migration 2 that keeps its hourly sums
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tally-test-util.h"

#define MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR   (60 * MINUTE)

/* The kinds tally_ledger_posted_totals() sums. */
static const TallyTransferKind summed_kinds[] = {
  TALLY_TRANSFER_KIND_PURCHASE, TALLY_TRANSFER_KIND_CONSUMPTION, TALLY_TRANSFER_KIND_REFUND,
};

static const char * const tools[] = { "image-resize", "pdf-merge", "", "text-summary" };

typedef struct
{
  LedgerFixture  f;
  GRand         *rand;
  /* Holds not yet settled, by id. */
  GPtrArray     *open_holds;
  gint64         first_time;
} TotalsFixture;

static void
totals_set_up (TotalsFixture *t,
               gconstpointer  data)
{
  fixture_set_up (&t->f, data);
  t->rand = g_rand_new_with_seed (g_test_rand_int ());
  t->open_holds = g_ptr_array_new_with_free_func (g_free);
  t->first_time = t->f.now;
}

static void
totals_tear_down (TotalsFixture *t,
                  gconstpointer  data)
{
  g_ptr_array_unref (t->open_holds);
  g_rand_free (t->rand);
  fixture_tear_down (&t->f, data);
}

static void
submit_ok (TotalsFixture *t,
           TallyTransfer *transfer)
{
  assert_result (&t->f, transfer, TALLY_TRANSFER_OK);
}

static void
settle_some (TotalsFixture *t)
{
  guint i = g_rand_int_range (t->rand, 0, t->open_holds->len);
  const char *pending_id = g_ptr_array_index (t->open_holds, i);
  TallyTransfer transfer;
  TallyTransfer pending;
  gboolean post = g_rand_int_range (t->rand, 0, 4) != 0;

  g_assert_true (tally_ledger_lookup_transfer (t->f.ledger, pending_id, &pending, NULL));
  transfer_new (&transfer, "", "", post ? g_rand_int_range (t->rand, 1, pending.amount + 1) : 0,
                pending.kind);
  tally_transfer_set_pending_id (&transfer, pending_id);
  transfer.flags = post ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
  submit_ok (t, &transfer);
  g_ptr_array_remove_index_fast (t->open_holds, i);
}

/* One thing happening to @account: a purchase, a refund, a grant, a run
 * paid at once (an offline one) or a hold settled later, or left open. */
static void
one_event (TotalsFixture *t,
           const char    *account)
{
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
  const char *tool = tools[g_rand_int_range (t->rand, 0, G_N_ELEMENTS (tools))];
  TallyTransfer transfer;

  switch (g_rand_int_range (t->rand, 0, 8))
    {
    case 0:
      transfer_new (&transfer, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), account,
                    500, TALLY_TRANSFER_KIND_PURCHASE);
      break;
    case 1:
      transfer_new (&transfer, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS),
                    account, g_rand_int_range (t->rand, 1, 20), TALLY_TRANSFER_KIND_REFUND);
      break;
    case 2:
      transfer_new (&transfer, t->f.grants, account, 100, TALLY_TRANSFER_KIND_GRANT);
      break;
    case 3:
      transfer_new (&transfer, account, consumption, g_rand_int_range (t->rand, 1, 9),
                    TALLY_TRANSFER_KIND_CONSUMPTION);
      tally_transfer_set_tool_id (&transfer, tool);
      break;
    default:
      transfer_new (&transfer, account, consumption, g_rand_int_range (t->rand, 5, 30),
                    TALLY_TRANSFER_KIND_CONSUMPTION);
      tally_transfer_set_tool_id (&transfer, tool);
      transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
      g_ptr_array_add (t->open_holds, g_strdup (transfer.id));
      break;
    }

  submit_ok (t, &transfer);
}

/* Some days of two users' histories, events minutes apart at no round
 * time, holds settled up to hours after they were made. */
static void
fill (TotalsFixture *t,
      guint          n_events)
{
  TallyTransfer start;

  transfer_new (&start, t->f.grants, t->f.alice, 1000000, TALLY_TRANSFER_KIND_GRANT);
  submit_ok (t, &start);
  transfer_new (&start, t->f.grants, t->f.bob, 1000000, TALLY_TRANSFER_KIND_GRANT);
  submit_ok (t, &start);

  for (guint i = 0; i < n_events; i++)
    {
      t->f.now += (gint64) g_rand_int_range (t->rand, 1, 40 * 60) * G_USEC_PER_SEC + 123457;
      one_event (t, g_rand_boolean (t->rand) ? t->f.alice : t->f.bob);
      if (t->open_holds->len > 0 && g_rand_int_range (t->rand, 0, 3) == 0)
        settle_some (t);
    }
}

/* The same sums from the history itself: every posted item of the range,
 * page by page, as GET /v1/transactions lists them. */
static void
history_totals (LedgerFixture *f,
                const char    *account,
                gint64         since,
                gint64         until,
                gint64         amounts[G_N_ELEMENTS (summed_kinds)][G_N_ELEMENTS (tools)],
                gint64         items[G_N_ELEMENTS (summed_kinds)][G_N_ELEMENTS (tools)])
{
  TallyStatementQuery query = { 0 };
  g_autoptr(GError) error = NULL;

  g_strlcpy (query.account_id, account, sizeof query.account_id);
  query.since = since;
  query.until = until;
  query.limit = 500;

  do
    {
      g_autoptr(GArray) page = NULL;
      gint64 next = 0;

      page = tally_ledger_query_statement (f->ledger, &query, &next, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->len; i++)
        {
          const TallyStatementItem *item = &g_array_index (page, TallyStatementItem, i);

          if (item->status != TALLY_ITEM_STATUS_POSTED)
            continue;
          for (guint k = 0; k < G_N_ELEMENTS (summed_kinds); k++)
            for (guint j = 0; j < G_N_ELEMENTS (tools); j++)
              if (item->kind == summed_kinds[k] && g_str_equal (item->tool_id, tools[j]))
                {
                  amounts[k][j] += item->amount;
                  items[k][j]++;
                }
        }
      query.before_seq = next;
    }
  while (query.before_seq > 0);
}

static void
assert_totals (LedgerFixture *f,
               const char    *account,
               gint64         since,
               gint64         until)
{
  gint64 amounts[G_N_ELEMENTS (summed_kinds)][G_N_ELEMENTS (tools)] = { { 0 } };
  gint64 items[G_N_ELEMENTS (summed_kinds)][G_N_ELEMENTS (tools)] = { { 0 } };
  g_autoptr(GArray) totals = NULL;
  g_autoptr(GError) error = NULL;

  history_totals (f, account, since, until, amounts, items);
  totals = tally_ledger_posted_totals (f->ledger, account, since, until, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < totals->len; i++)
    {
      const TallyPostedTotal *total = &g_array_index (totals, TallyPostedTotal, i);
      gboolean known = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (summed_kinds); k++)
        for (guint j = 0; j < G_N_ELEMENTS (tools); j++)
          if (total->kind == summed_kinds[k] && g_str_equal (total->tool_id, tools[j]))
            {
              g_assert_cmpint (total->amount, ==, amounts[k][j]);
              g_assert_cmpint (total->items, ==, items[k][j]);
              /* Each pair once: what was checked is cleared. */
              amounts[k][j] = items[k][j] = 0;
              known = TRUE;
            }
      g_assert_true (known);
    }

  /* Nothing the history has is missing from the totals. */
  for (guint k = 0; k < G_N_ELEMENTS (summed_kinds); k++)
    for (guint j = 0; j < G_N_ELEMENTS (tools); j++)
      g_assert_cmpint (items[k][j], ==, 0);
}

/* Ranges of every shape: whole hours, parts of one hour, long and short,
 * before the first transfer and after the last. */
static void
assert_many_ranges (TotalsFixture *t)
{
  gint64 span = t->f.now - t->first_time + 2 * HOUR;

  for (guint i = 0; i < 150; i++)
    {
      gint64 since = t->first_time - HOUR + (gint64) (g_rand_double (t->rand) * span);
      gint64 until = since + (gint64) (g_rand_double (t->rand) * (i % 3 == 0 ? 3 * HOUR : span));

      if (i % 5 == 0)
        {
          since -= since % HOUR;
          until -= until % HOUR;
        }
      assert_totals (&t->f, i % 2 ? t->f.alice : t->f.bob, since, until);
    }

  assert_totals (&t->f, t->f.alice, 1, t->f.now + HOUR);
}

static void
test_matches_history (TotalsFixture *t,
                      gconstpointer  data)
{
  fill (t, 600);
  assert_many_ranges (t);
  assert_check_clean (&t->f);
}

static void
test_empty_range (TotalsFixture *t,
                  gconstpointer  data)
{
  g_autoptr(GArray) totals = NULL;
  g_autoptr(GError) error = NULL;

  fill (t, 50);
  totals = tally_ledger_posted_totals (t->f.ledger, t->f.alice, t->f.now, t->f.now - HOUR,
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (totals->len, ==, 0);

  g_assert_null (tally_ledger_posted_totals (t->f.ledger, "not-an-account", 1, t->f.now,
                                             &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
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

/* A file that version 1 left, with a history already in it: migration 2
 * sums the past, and the triggers go on from there. */
static void
test_migration_from_1 (TotalsFixture *t,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (tally_ledger_get_latest_schema_version (), >=, 2);
  fill (t, 400);
  g_clear_object (&t->f.ledger);
  /* Back to schema 1: without what migrations 2 and 3 make. */
  exec_on_file (t->f.path, "DROP TRIGGER posted_hours_direct; DROP TRIGGER posted_hours_settled; "
                           "DROP TABLE posted_hours; DROP TABLE lots; DROP TABLE lot_burns; "
                           "PRAGMA user_version = 1");

  t->f.ledger = tally_ledger_open (t->f.path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  tally_ledger_set_clock (t->f.ledger, fixture_clock, &t->f);
  g_assert_cmpint (tally_ledger_get_schema_version (t->f.ledger), ==,
                   tally_ledger_get_latest_schema_version ());
  assert_many_ranges (t);

  /* Holds made under version 1 and posted now count at their own hour. */
  fill (t, 200);
  assert_many_ranges (t);
  assert_check_clean (&t->f);
}

/* A mirror sums what it mirrors, and forgets it when cleared. */
static void
test_mirror (TotalsFixture *t,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->f.dir, "mirror.db", NULL);
  const char * const accounts[] = { t->f.alice, NULL };
  g_autoptr(TallyLedger) mirror = NULL;
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GArray) origin_totals = NULL;
  g_autoptr(GArray) mirror_totals = NULL;
  g_autoptr(GError) error = NULL;
  TallyAccount alice;

  fill (t, 300);
  mirror = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_lookup_account (t->f.ledger, t->f.alice, &alice, &error));
  g_assert_true (tally_ledger_mirror_account (mirror, &alice, &error));
  transfers = tally_ledger_transfers_after (t->f.ledger, accounts, 0, G_MAXUINT, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_mirror_transfers (mirror, (TallyTransfer *) transfers->data,
                                                transfers->len, &error));
  g_assert_no_error (error);

  origin_totals = tally_ledger_posted_totals (t->f.ledger, t->f.alice, 1, t->f.now + 1, &error);
  mirror_totals = tally_ledger_posted_totals (mirror, t->f.alice, 1, t->f.now + 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (origin_totals->len, >, 0);
  g_assert_cmpmem (origin_totals->data, origin_totals->len * sizeof (TallyPostedTotal),
                   mirror_totals->data, mirror_totals->len * sizeof (TallyPostedTotal));

  g_clear_pointer (&mirror_totals, g_array_unref);
  g_assert_true (tally_ledger_mirror_clear (mirror, &error));
  g_assert_true (tally_ledger_mirror_account (mirror, &alice, &error));
  mirror_totals = tally_ledger_posted_totals (mirror, t->f.alice, 1, t->f.now + 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mirror_totals->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, TotalsFixture, NULL, totals_set_up, func, totals_tear_down)
  ADD ("/posted-totals/matches-history", test_matches_history);
  ADD ("/posted-totals/empty-range", test_empty_range);
  ADD ("/posted-totals/migration-from-1", test_migration_from_1);
  ADD ("/posted-totals/mirror", test_mirror);
#undef ADD

  return g_test_run ();
}
