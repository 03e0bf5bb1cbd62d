/* test-statement-index.c: page starts and counts of a statement, against
 * paging through it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-util.h"

#define PAGE_SIZE 7

static const char * const tools[] = { "image-resize", "pdf-merge", "word-count" };

/* Grants, purchases, posted and voided runs, pending holds, and transfers
 * of Bob that Alice's statement must not show. */
static void
fill_ledger (LedgerFixture *f)
{
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
  TallyTransfer t, s;

  transfer_new (&t, f->grants, f->alice, 100000, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  transfer_new (&t, f->grants, f->bob, 100000, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);

  for (guint i = 0; i < 120; i++)
    {
      const char *user = i % 5 == 4 ? f->bob : f->alice;

      f->now += G_USEC_PER_SEC;
      transfer_new (&t, user, consumption, 1 + i % 9, TALLY_TRANSFER_KIND_CONSUMPTION);
      tally_transfer_set_tool_id (&t, tools[i % G_N_ELEMENTS (tools)]);
      tally_transfer_set_description (&t, i % 4 == 0 ? "Holiday photos" : "Reports");
      if (i % 3 == 0)
        t.flags = TALLY_TRANSFER_FLAG_PENDING;
      assert_result (f, &t, TALLY_TRANSFER_OK);

      /* Most holds settle; their post or void is not an item of its own. */
      if (i % 3 == 0 && i % 2 == 0)
        {
          transfer_new (&s, "", "", 0, TALLY_TRANSFER_KIND_CONSUMPTION);
          s.flags = i % 4 == 0 ? TALLY_TRANSFER_FLAG_VOID_PENDING
                               : TALLY_TRANSFER_FLAG_POST_PENDING;
          s.amount = s.flags == TALLY_TRANSFER_FLAG_POST_PENDING ? 1 : 0;
          tally_transfer_set_pending_id (&s, t.id);
          assert_result (f, &s, TALLY_TRANSFER_OK);
        }

      if (i % 11 == 0)
        {
          transfer_new (&t, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), f->alice,
                        500, TALLY_TRANSFER_KIND_PURCHASE);
          assert_result (f, &t, TALLY_TRANSFER_OK);
        }
    }
}

/* A device's lease as syncs keep it: taken, then voided and taken again
 * @n_renewals times. Alice's statement has 1 + @n_renewals lease items. */
static void
add_leases (LedgerFixture *f,
            guint          n_renewals)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device = g_uuid_string_random ();
  TallyAccount account;
  TallyTransfer lease, release;

  tally_account_init (&account, device, TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE,
                      "Offline lease", "UTC");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, &error));
  g_assert_no_error (error);

  for (guint i = 0; i <= n_renewals; i++)
    {
      if (i > 0)
        {
          transfer_new (&release, "", "", 0, TALLY_TRANSFER_KIND_LEASE);
          release.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
          tally_transfer_set_pending_id (&release, lease.id);
          assert_result (f, &release, TALLY_TRANSFER_OK);
        }

      f->now += G_USEC_PER_SEC;
      transfer_new (&lease, f->alice, device, 200, TALLY_TRANSFER_KIND_LEASE);
      lease.flags = TALLY_TRANSFER_FLAG_PENDING;
      lease.timeout = 3600;
      assert_result (f, &lease, TALLY_TRANSFER_OK);
    }
}

static guint
count_items (LedgerFixture             *f,
             const TallyStatementQuery *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) starts = NULL;
  guint n_items = G_MAXUINT;

  starts = tally_ledger_index_statement (f->ledger, q, PAGE_SIZE, &n_items, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (starts);
  g_assert_cmpuint (starts->len, ==, (n_items + PAGE_SIZE - 1) / PAGE_SIZE);
  return n_items;
}

/* The same starts and count as reading every page of @q. */
static void
assert_index_matches_pages (LedgerFixture       *f,
                            TallyStatementQuery *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) starts = NULL;
  gint64 next = 0;
  guint n_items = G_MAXUINT, counted = 0, n_pages = 0;

  starts = tally_ledger_index_statement (f->ledger, q, PAGE_SIZE, &n_items, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (starts);

  q->limit = PAGE_SIZE;
  q->before_seq = 0;
  do
    {
      g_autoptr(GArray) items = tally_ledger_query_statement (f->ledger, q, &next, &error);

      g_assert_no_error (error);
      if (items->len == 0)
        break;
      g_assert_cmpuint (n_pages, <, starts->len);
      g_assert_cmpint (g_array_index (starts, gint64, n_pages), ==,
                       g_array_index (items, TallyStatementItem, 0).seq);

      /* Opening page n from its start gives the same page. */
      {
        TallyStatementQuery direct = *q;
        g_autoptr(GArray) again = NULL;

        direct.before_seq = g_array_index (starts, gint64, n_pages) + 1;
        again = tally_ledger_query_statement (f->ledger, &direct, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (again->len, ==, items->len);
        g_assert_cmpint (g_array_index (again, TallyStatementItem, again->len - 1).seq, ==,
                         g_array_index (items, TallyStatementItem, items->len - 1).seq);
      }

      counted += items->len;
      n_pages++;
      q->before_seq = next;
    }
  while (next != 0);

  g_assert_cmpuint (n_items, ==, counted);
  g_assert_cmpuint (starts->len, ==, n_pages);
}

static void
test_index_matches_paging (LedgerFixture *f,
                           gconstpointer  data)
{
  TallyStatementQuery q = { 0 };

  fill_ledger (f);
  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  assert_index_matches_pages (f, &q);

  q.filter_kind = TRUE;
  q.kind = TALLY_TRANSFER_KIND_CONSUMPTION;
  assert_index_matches_pages (f, &q);

  q.kind = TALLY_TRANSFER_KIND_PURCHASE;
  assert_index_matches_pages (f, &q);

  q.filter_kind = FALSE;
  q.tool_id = "pdf-merge";
  assert_index_matches_pages (f, &q);

  q.tool_id = NULL;
  q.search = "holiday";
  assert_index_matches_pages (f, &q);

  q.search = NULL;
  q.since = G_GINT64_CONSTANT (1785000000) * G_USEC_PER_SEC + 30 * G_USEC_PER_SEC;
  q.until = q.since + 40 * G_USEC_PER_SEC;
  assert_index_matches_pages (f, &q);
}

static void
test_index_counts (LedgerFixture *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) starts = NULL;
  TallyStatementQuery q = { 0 };
  guint n_items = G_MAXUINT;

  /* Nothing yet but the account: no pages. */
  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  starts = tally_ledger_index_statement (f->ledger, &q, PAGE_SIZE, &n_items, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (starts->len, ==, 0);
  g_assert_cmpuint (n_items, ==, 0);
  g_clear_pointer (&starts, g_array_unref);

  /* Alice: the grant, 96 runs (settled ones count once), 11 purchases. */
  fill_ledger (f);
  starts = tally_ledger_index_statement (f->ledger, &q, PAGE_SIZE, &n_items, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_items, ==, 1 + 96 + 11);
  g_assert_cmpuint (starts->len, ==, (n_items + PAGE_SIZE - 1) / PAGE_SIZE);
  g_clear_pointer (&starts, g_array_unref);

  /* Only what came before a cursor. */
  q.before_seq = 5;
  starts = tally_ledger_index_statement (f->ledger, &q, PAGE_SIZE, &n_items, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_items, ==, 2);
}

static void
test_index_excludes_kinds (LedgerFixture *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = NULL;
  TallyStatementQuery q = { 0 };
  guint all;

  fill_ledger (f);
  add_leases (f, 4);
  fill_ledger (f);
  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);

  /* A query that does not opt out still lists the leases. */
  all = count_items (f, &q);
  g_assert_cmpuint (all, ==, 2 * (1 + 96 + 11) + 5);

  q.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
  g_assert_cmpuint (count_items (f, &q), ==, all - 5);
  assert_index_matches_pages (f, &q);
  q.before_seq = 0;
  q.limit = 1000;
  items = tally_ledger_query_statement (f->ledger, &q, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, all - 5);
  for (guint i = 0; i < items->len; i++)
    g_assert_cmpint (g_array_index (items, TallyStatementItem, i).kind, !=,
                     TALLY_TRANSFER_KIND_LEASE);
  g_clear_pointer (&items, g_array_unref);

  /* Several kinds at once, with the other filters. */
  q.exclude_kinds |= TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_PURCHASE);
  q.search = "holiday";
  assert_index_matches_pages (f, &q);
  q.search = NULL;
  q.limit = 0;
  g_assert_cmpuint (count_items (f, &q), ==, all - 5 - 2 * 11);

  /* Asked for by kind, the leases are there: a pending one and voided ones. */
  q.exclude_kinds = 0;
  q.filter_kind = TRUE;
  q.kind = TALLY_TRANSFER_KIND_LEASE;
  g_assert_cmpuint (count_items (f, &q), ==, 5);
  assert_index_matches_pages (f, &q);

  /* Excluding the kind asked for leaves nothing, and is no error. */
  q.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
  q.before_seq = 0;
  g_assert_cmpuint (count_items (f, &q), ==, 0);
  items = tally_ledger_query_statement (f->ledger, &q, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 0);
}

static void
test_index_errors (LedgerFixture *f,
                   gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) starts = NULL;
  TallyStatementQuery q = { 0 };

  fill_ledger (f);
  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  g_cancellable_cancel (cancellable);
  starts = tally_ledger_index_statement (f->ledger, &q, PAGE_SIZE, NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (starts);
  g_clear_error (&error);

  g_strlcpy (q.account_id, "0b0e8a8e-44f6-4a7f-9f3c-6c1e2f1d7a55", sizeof q.account_id);
  starts = tally_ledger_index_statement (f->ledger, &q, PAGE_SIZE, NULL, NULL, &error);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_assert_null (starts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/statement-index/matches-paging", LedgerFixture, NULL,
              fixture_set_up, test_index_matches_paging, fixture_tear_down);
  g_test_add ("/statement-index/counts", LedgerFixture, NULL,
              fixture_set_up, test_index_counts, fixture_tear_down);
  g_test_add ("/statement-index/excludes-kinds", LedgerFixture, NULL,
              fixture_set_up, test_index_excludes_kinds, fixture_tear_down);
  g_test_add ("/statement-index/errors", LedgerFixture, NULL,
              fixture_set_up, test_index_errors, fixture_tear_down);

  return g_test_run ();
}
