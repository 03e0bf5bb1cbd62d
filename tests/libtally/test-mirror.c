/* test-mirror.c: a mirror of an origin ledger reads as the origin does for
 * the accounts it mirrors
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-sqlite.h"
#include "tally-test-util.h"

/* The origin is the fixture's ledger (Alice, Bob, grants); the mirror is a
 * second file that copies Alice's side of it. */
typedef struct
{
  LedgerFixture origin;
  char         *mirror_path;
  TallyLedger  *mirror;
} MirrorFixture;

static void
mirror_set_up (MirrorFixture *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_set_up (&f->origin, data);
  f->mirror_path = g_build_filename (f->origin.dir, "mirror.db", NULL);
  f->mirror = tally_ledger_open (f->mirror_path, TALLY_LEDGER_OPEN_MIRROR, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_is_mirror (f->mirror));
  g_assert_false (tally_ledger_is_mirror (f->origin.ledger));
}

static void
mirror_tear_down (MirrorFixture *f,
                  gconstpointer  data)
{
  g_clear_object (&f->mirror);
  g_free (f->mirror_path);
  fixture_tear_down (&f->origin, data);
}

static void
origin_submit (MirrorFixture *f,
               TallyTransfer *t)
{
  assert_result (&f->origin, t, TALLY_TRANSFER_OK);
  /* Each transfer a little later, as on a real server. */
  f->origin.now += G_USEC_PER_SEC;
}

static void
grant (MirrorFixture *f,
       const char    *to,
       gint64         amount)
{
  TallyTransfer t;

  transfer_new (&t, f->origin.grants, to, amount, TALLY_TRANSFER_KIND_GRANT);
  t.flags = TALLY_TRANSFER_FLAG_NONE;
  origin_submit (f, &t);
}

static void
hold (MirrorFixture *f,
      const char    *from,
      gint64         amount,
      TallyTransfer *t)
{
  transfer_new (t, from, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                TALLY_TRANSFER_KIND_CONSUMPTION);
  t->flags = TALLY_TRANSFER_FLAG_PENDING;
  t->timeout = 600;
  t->units = 3;
  tally_transfer_set_tool_id (t, "image-resize");
  tally_transfer_set_description (t, "Run of Image resize");
  origin_submit (f, t);
}

static void
settle (MirrorFixture       *f,
        const TallyTransfer *pending,
        TallyTransferFlags   flag,
        gint64               amount)
{
  TallyTransfer s;

  transfer_new (&s, "", "", amount, pending->kind);
  s.flags = flag;
  s.units = flag == TALLY_TRANSFER_FLAG_POST_PENDING ? 2 : 0;
  tally_transfer_set_pending_id (&s, pending->id);
  origin_submit (f, &s);
}

/* A history with Bob's transfers between Alice's, so the mirror's
 * sequence has gaps: grants, a run posted below its hold, a run voided, a
 * hold still pending. */
static void
make_history (MirrorFixture *f)
{
  TallyTransfer posted, voided, open;

  grant (f, f->origin.bob, 50);
  grant (f, f->origin.alice, 100);
  grant (f, f->origin.bob, 7);
  hold (f, f->origin.alice, 30, &posted);
  hold (f, f->origin.bob, 5, &voided);
  settle (f, &posted, TALLY_TRANSFER_FLAG_POST_PENDING, 12);
  hold (f, f->origin.alice, 20, &voided);
  settle (f, &voided, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  grant (f, f->origin.bob, 1);
  hold (f, f->origin.alice, 8, &open);
}

static GArray *
origin_transfers_of (MirrorFixture *f,
                     const char    *account_id,
                     gint64         after_seq)
{
  const char *ids[] = { account_id, NULL };
  g_autoptr(GError) error = NULL;
  GArray *transfers;

  transfers = tally_ledger_transfers_after (f->origin.ledger, ids, after_seq, 1000, &error);
  g_assert_no_error (error);
  return transfers;
}

static void
mirror_account_of (MirrorFixture *f,
                   const char    *id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_ledger_lookup_account (f->origin.ledger, id, &account, &error));
  g_assert_true (tally_ledger_mirror_account (f->mirror, &account, &error));
  g_assert_no_error (error);
}

static void
mirror_all (MirrorFixture *f,
            GArray        *transfers)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_mirror_transfers (f->mirror, (TallyTransfer *) transfers->data,
                                                transfers->len, &error));
  g_assert_no_error (error);
}

static void
assert_mirror_clean (MirrorFixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_check (f->mirror, &error));
  g_assert_no_error (error);
}

static void
assert_same_account (MirrorFixture *f,
                     const char    *id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount origin, mirror;

  g_assert_true (tally_ledger_lookup_account (f->origin.ledger, id, &origin, &error));
  g_assert_true (tally_ledger_lookup_account (f->mirror, id, &mirror, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mirror.debits_pending, ==, origin.debits_pending);
  g_assert_cmpint (mirror.debits_posted, ==, origin.debits_posted);
  g_assert_cmpint (mirror.credits_pending, ==, origin.credits_pending);
  g_assert_cmpint (mirror.credits_posted, ==, origin.credits_posted);
  g_assert_cmpstr (mirror.name, ==, origin.name);
  g_assert_cmpint (mirror.flags, ==, origin.flags);
}

static void
mirror_alice (MirrorFixture *f)
{
  g_autoptr(GArray) transfers = NULL;

  make_history (f);
  mirror_account_of (f, f->origin.alice);
  transfers = origin_transfers_of (f, f->origin.alice, 0);
  g_assert_cmpuint (transfers->len, ==, 6);
  mirror_all (f, transfers);
}

static void
test_balances (MirrorFixture *f,
               gconstpointer  data)
{
  TallyAccount alice;

  mirror_alice (f);
  assert_same_account (f, f->origin.alice);
  g_assert_true (tally_ledger_lookup_account (f->mirror, f->origin.alice, &alice, NULL));
  g_assert_cmpint (tally_account_balance (&alice), ==, 100 - 12);
  g_assert_cmpint (tally_account_held (&alice), ==, 8);
  g_assert_cmpint (tally_ledger_get_last_seq (f->mirror), ==,
                   tally_ledger_get_last_seq (f->origin.ledger));
  assert_mirror_clean (f);
}

static void
test_idempotent (MirrorFixture *f,
                 gconstpointer  data)
{
  g_autoptr(GArray) transfers = NULL;
  TallyAccount before, after;

  mirror_alice (f);
  g_assert_true (tally_ledger_lookup_account (f->mirror, f->origin.alice, &before, NULL));

  /* A retried answer: everything again, then only the tail again. */
  transfers = origin_transfers_of (f, f->origin.alice, 0);
  mirror_all (f, transfers);
  g_array_remove_range (transfers, 0, 3);
  mirror_all (f, transfers);

  g_assert_true (tally_ledger_lookup_account (f->mirror, f->origin.alice, &after, NULL));
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  assert_mirror_clean (f);
}

static void
test_same_id_other_fields (MirrorFixture *f,
                           gconstpointer  data)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;
  TallyTransfer changed;

  mirror_alice (f);
  transfers = origin_transfers_of (f, f->origin.alice, 0);
  changed = g_array_index (transfers, TallyTransfer, 0);
  changed.amount++;

  g_assert_false (tally_ledger_mirror_transfers (f->mirror, &changed, 1, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  assert_same_account (f, f->origin.alice);
}

static void
test_seq_must_increase (MirrorFixture *f,
                        gconstpointer  data)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer batch[2];

  make_history (f);
  mirror_account_of (f, f->origin.alice);
  transfers = origin_transfers_of (f, f->origin.alice, 0);

  /* The second grant of the batch comes after a later one: the whole
   * batch is refused, the first one too. */
  batch[0] = g_array_index (transfers, TallyTransfer, 1);
  batch[1] = g_array_index (transfers, TallyTransfer, 0);
  g_assert_false (tally_ledger_mirror_transfers (f->mirror, batch, 2, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_assert_cmpint (tally_ledger_get_last_seq (f->mirror), ==, 0);

  /* In order, then an older one alone: refused. */
  g_clear_error (&error);
  mirror_all (f, transfers);
  batch[0] = g_array_index (transfers, TallyTransfer, 5);
  g_strlcpy (batch[0].id, id, sizeof batch[0].id);
  batch[0].seq = 1;
  g_assert_false (tally_ledger_mirror_transfers (f->mirror, batch, 1, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  assert_same_account (f, f->origin.alice);
}

static void
test_settlement (MirrorFixture *f,
                 gconstpointer  data)
{
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  TallyTransfer pending;
  TallyPendingState state;

  mirror_alice (f);
  before = origin_transfers_of (f, f->origin.alice, 0);
  pending = g_array_index (before, TallyTransfer, before->len - 1);
  g_assert_true (pending.flags & TALLY_TRANSFER_FLAG_PENDING);
  g_assert_true (tally_ledger_lookup_pending_state (f->mirror, pending.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_PENDING);

  /* The origin posts the open hold later; the mirror follows. */
  grant (f, f->origin.bob, 2);
  settle (f, &pending, TALLY_TRANSFER_FLAG_POST_PENDING, 8);
  after = origin_transfers_of (f, f->origin.alice, pending.seq);
  g_assert_cmpuint (after->len, ==, 1);
  mirror_all (f, after);

  g_assert_true (tally_ledger_lookup_pending_state (f->mirror, pending.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_POSTED);
  assert_same_account (f, f->origin.alice);
  assert_mirror_clean (f);
}

static void
test_settle_twice_refused (MirrorFixture *f,
                           gconstpointer  data)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer again;

  mirror_alice (f);
  transfers = origin_transfers_of (f, f->origin.alice, 0);

  /* A second post of the hold that was posted: the mirror cannot hold it. */
  again = g_array_index (transfers, TallyTransfer, 2);
  g_assert_true (again.flags & TALLY_TRANSFER_FLAG_POST_PENDING);
  g_strlcpy (again.id, id, sizeof again.id);
  again.seq = tally_ledger_get_last_seq (f->mirror) + 5;
  g_assert_false (tally_ledger_mirror_transfers (f->mirror, &again, 1, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  assert_mirror_clean (f);
}

static GArray *
statement_of (TallyLedger *ledger,
              const char  *account_id,
              gint64       since,
              gint64       until)
{
  TallyStatementQuery query = { 0 };
  g_autoptr(GError) error = NULL;
  GArray *items;

  g_strlcpy (query.account_id, account_id, sizeof query.account_id);
  query.since = since;
  query.until = until;
  query.limit = 100;
  items = tally_ledger_query_statement (ledger, &query, NULL, &error);
  g_assert_no_error (error);
  return items;
}

static void
assert_same_items (GArray *a,
                   GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      TallyStatementItem *x = &g_array_index (a, TallyStatementItem, i);
      TallyStatementItem *y = &g_array_index (b, TallyStatementItem, i);

      g_assert_cmpmem (x, sizeof *x, y, sizeof *y);
    }
}

static void
test_statement (MirrorFixture *f,
                gconstpointer  data)
{
  g_autoptr(GArray) origin = NULL;
  g_autoptr(GArray) mirror = NULL;
  TallyStatementItem *run;
  gint64 start = G_GINT64_CONSTANT (1785000000) * G_USEC_PER_SEC;

  mirror_alice (f);
  origin = statement_of (f->origin.ledger, f->origin.alice, 0, 0);
  mirror = statement_of (f->mirror, f->origin.alice, 0, 0);
  assert_same_items (origin, mirror);

  /* Grant, posted run, voided run, open hold: four items, newest first. */
  g_assert_cmpuint (mirror->len, ==, 4);
  run = &g_array_index (mirror, TallyStatementItem, 2);
  g_assert_cmpint (run->status, ==, TALLY_ITEM_STATUS_POSTED);
  g_assert_true (run->two_phase);
  g_assert_cmpint (run->amount, ==, -12);
  g_assert_cmpint (run->held, ==, 30);
  g_assert_cmpint (run->units, ==, 2);
  g_assert_cmpstr (run->tool_id, ==, "image-resize");
  g_assert_cmpint (g_array_index (mirror, TallyStatementItem, 1).status, ==,
                   TALLY_ITEM_STATUS_VOIDED);
  g_assert_cmpint (g_array_index (mirror, TallyStatementItem, 0).status, ==,
                   TALLY_ITEM_STATUS_PENDING);

  /* Time ranges fall between the gaps the same way. */
  for (gint64 s = 0; s <= 11; s++)
    {
      g_autoptr(GArray) o = statement_of (f->origin.ledger, f->origin.alice,
                                          start + s * G_USEC_PER_SEC, start + 9 * G_USEC_PER_SEC);
      g_autoptr(GArray) m = statement_of (f->mirror, f->origin.alice,
                                          start + s * G_USEC_PER_SEC, start + 9 * G_USEC_PER_SEC);

      assert_same_items (o, m);
    }
}

static char *
export_of (TallyLedger *ledger,
           const char  *account_id)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  TallyStatementQuery query = { 0 };
  g_autoptr(GError) error = NULL;

  g_strlcpy (query.account_id, account_id, sizeof query.account_id);
  g_assert_true (tally_export_statement (ledger, &query, TALLY_EXPORT_FORMAT_CSV, out, NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
}

static void
test_export (MirrorFixture *f,
             gconstpointer  data)
{
  g_autofree char *origin = NULL;
  g_autofree char *mirror = NULL;

  mirror_alice (f);
  origin = export_of (f->origin.ledger, f->origin.alice);
  mirror = export_of (f->mirror, f->origin.alice);
  g_assert_cmpstr (mirror, ==, origin);
  g_assert_nonnull (strstr (mirror, "image-resize"));
}

static void
test_missing_account (MirrorFixture *f,
                      gconstpointer  data)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;

  make_history (f);
  transfers = origin_transfers_of (f, f->origin.alice, 0);
  g_assert_false (tally_ledger_mirror_transfers (f->mirror, (TallyTransfer *) transfers->data,
                                                 transfers->len, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_assert_cmpint (tally_ledger_get_last_seq (f->mirror), ==, 0);
}

static void
test_account_update (MirrorFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account, read;

  mirror_alice (f);
  g_assert_true (tally_ledger_lookup_account (f->origin.ledger, f->origin.alice, &account, NULL));
  g_strlcpy (account.name, "Alice Liddell", sizeof account.name);
  /* Balances given are ignored: the transfers keep them. */
  account.credits_posted = 1000000;
  g_assert_true (tally_ledger_mirror_account (f->mirror, &account, &error));
  g_assert_no_error (error);

  g_assert_true (tally_ledger_lookup_account (f->mirror, f->origin.alice, &read, NULL));
  g_assert_cmpstr (read.name, ==, "Alice Liddell");
  g_assert_cmpint (tally_account_balance (&read), ==, 88);
  assert_mirror_clean (f);
}

static void
test_mirror_only_mirrors (MirrorFixture *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) reopened = NULL;
  g_autoptr(TallyLedger) refused = NULL;
  TallyTransferResult result;
  TallyTransfer t;
  TallyAccount alice;
  guint n_expired;

  mirror_alice (f);

  /* A mirror takes no transfer of its own, nor expires holds. */
  transfer_new (&t, f->origin.grants, f->origin.alice, 5, TALLY_TRANSFER_KIND_GRANT);
  g_assert_false (tally_ledger_create_transfers (f->mirror, &t, 1, &result, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tally_ledger_expire_pending (f->mirror, G_MAXINT64, &n_expired, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);

  /* An origin refuses mirroring, and cannot become a mirror. */
  g_assert_true (tally_ledger_lookup_account (f->origin.ledger, f->origin.alice, &alice, NULL));
  g_assert_false (tally_ledger_mirror_account (f->origin.ledger, &alice, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  refused = tally_ledger_open (f->origin.path, TALLY_LEDGER_OPEN_MIRROR, &error);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_assert_null (refused);
  g_clear_error (&error);

  /* A mirror stays one when opened without the flag. */
  g_clear_object (&f->mirror);
  reopened = tally_ledger_open (f->mirror_path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (tally_ledger_is_mirror (reopened));
  g_assert_true (tally_ledger_check (reopened, &error));
  g_assert_no_error (error);
}

static void
mirrored_grant (TallyTransfer *t,
                MirrorFixture *f,
                gint64         seq,
                gint64         amount)
{
  transfer_new (t, f->origin.grants, f->origin.alice, amount, TALLY_TRANSFER_KIND_GRANT);
  t->seq = seq;
  t->created_at = f->origin.now + seq;
}

static void
test_overflow_refused (MirrorFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer grants[2];
  TallyAccount alice;

  mirror_account_of (f, f->origin.alice);
  mirrored_grant (&grants[0], f, 3, G_MAXINT64);
  mirrored_grant (&grants[1], f, 9, 1);
  g_assert_false (tally_ledger_mirror_transfers (f->mirror, grants, 2, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);

  g_assert_true (tally_ledger_lookup_account (f->mirror, f->origin.alice, &alice, NULL));
  g_assert_cmpint (alice.credits_posted, ==, 0);
  g_assert_cmpint (tally_ledger_get_last_seq (f->mirror), ==, 0);
}

static void
test_check_finds_broken_mirror (MirrorFixture *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  mirror_alice (f);
  db = tally_ledger_get_sqlite (f->mirror);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE transfers SET created_at = 1 WHERE seq = "
                                 "(SELECT max(seq) FROM transfers)", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_false (tally_ledger_check (f->mirror, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, MirrorFixture, NULL, mirror_set_up, func, mirror_tear_down)

  ADD ("/mirror/balances", test_balances);
  ADD ("/mirror/idempotent", test_idempotent);
  ADD ("/mirror/same-id-other-fields", test_same_id_other_fields);
  ADD ("/mirror/seq-must-increase", test_seq_must_increase);
  ADD ("/mirror/settlement", test_settlement);
  ADD ("/mirror/settle-twice-refused", test_settle_twice_refused);
  ADD ("/mirror/statement", test_statement);
  ADD ("/mirror/export", test_export);
  ADD ("/mirror/missing-account", test_missing_account);
  ADD ("/mirror/account-update", test_account_update);
  ADD ("/mirror/only-mirrors", test_mirror_only_mirrors);
  ADD ("/mirror/overflow-refused", test_overflow_refused);
  ADD ("/mirror/check-finds-broken", test_check_finds_broken_mirror);

#undef ADD

  return g_test_run ();
}
