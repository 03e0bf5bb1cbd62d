/* test-ledger.c: every result code and every invariant of the ledger
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tally-test-util.h"

static gint64
balance_of (LedgerFixture *f,
            const char    *id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_ledger_lookup_account (f->ledger, id, &account, &error));
  g_assert_no_error (error);
  return tally_account_balance (&account);
}

static void
lookup (LedgerFixture *f,
        const char    *id,
        TallyAccount  *account)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_lookup_account (f->ledger, id, account, &error));
  g_assert_no_error (error);
}

static void
grant (LedgerFixture *f,
       const char    *to,
       gint64         amount)
{
  TallyTransfer t;

  transfer_new (&t, f->grants, to, amount, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
}

static void
hold (LedgerFixture *f,
      TallyTransfer *t,
      gint64         amount,
      guint32        timeout)
{
  transfer_new (t, f->alice, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                TALLY_TRANSFER_KIND_CONSUMPTION);
  t->flags = TALLY_TRANSFER_FLAG_PENDING;
  t->timeout = timeout;
  tally_transfer_set_tool_id (t, "image-resize");
  assert_result (f, t, TALLY_TRANSFER_OK);
}

static void
settle (TallyTransfer      *s,
        const TallyTransfer *pending,
        TallyTransferFlags  flag,
        gint64              amount)
{
  transfer_new (s, "", "", amount, pending->kind);
  s->flags = flag;
  tally_transfer_set_pending_id (s, pending->id);
}

static void
test_single_phase (LedgerFixture *f,
                   gconstpointer  data)
{
  TallyTransfer t;
  TallyAccount alice;

  transfer_new (&t, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (t.seq, ==, 1);
  g_assert_cmpint (t.created_at, ==, f->now);

  lookup (f, f->alice, &alice);
  g_assert_cmpint (alice.credits_posted, ==, 100);
  g_assert_cmpint (tally_account_balance (&alice), ==, 100);
  g_assert_cmpint (balance_of (f, f->grants), ==, -100);
  assert_check_clean (f);
}

static void
test_invalid_fields (LedgerFixture *f,
                     gconstpointer  data)
{
  TallyTransfer t;

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  g_strlcpy (t.id, "not-a-uuid", sizeof t.id);
  assert_result (f, &t, TALLY_TRANSFER_ID_INVALID);
  g_strlcpy (t.id, "00000000-0000-0000-0000-000000000000", sizeof t.id);
  assert_result (f, &t, TALLY_TRANSFER_ID_INVALID);

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  t.flags = 1 << 12;
  assert_result (f, &t, TALLY_TRANSFER_FLAGS_INVALID);

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  memset (t.description, 'x', sizeof t.description);
  assert_result (f, &t, TALLY_TRANSFER_FIELD_NOT_TERMINATED);

  transfer_new (&t, f->grants, f->alice, 1, 99);
  assert_result (f, &t, TALLY_TRANSFER_KIND_INVALID);

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  t.flags = TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING;
  assert_result (f, &t, TALLY_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE);

  transfer_new (&t, f->grants, f->alice, -5, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_AMOUNT_NEGATIVE);

  transfer_new (&t, f->grants, f->alice, 5, TALLY_TRANSFER_KIND_GRANT);
  t.units = -1;
  assert_result (f, &t, TALLY_TRANSFER_UNITS_NEGATIVE);

  transfer_new (&t, f->grants, f->alice, 0, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_AMOUNT_ZERO);

  transfer_new (&t, "", f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_ACCOUNT_ID_INVALID);
  transfer_new (&t, f->grants, "robert'); DROP TABLE accounts;--", 1, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_ACCOUNT_ID_INVALID);

  transfer_new (&t, f->alice, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_SAME_ACCOUNT);

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_pending_id (&t, f->bob);
  assert_result (f, &t, TALLY_TRANSFER_PENDING_ID_MUST_BE_EMPTY);

  transfer_new (&t, f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  t.timeout = 10;
  assert_result (f, &t, TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING);

  g_assert_cmpint (tally_ledger_get_last_seq (f->ledger), ==, 0);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  assert_check_clean (f);
}

static void
test_account_not_found (LedgerFixture *f,
                        gconstpointer  data)
{
  g_autofree char *nobody = g_uuid_string_random ();
  TallyTransfer t;

  transfer_new (&t, f->grants, nobody, 1, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_ACCOUNT_NOT_FOUND);
  transfer_new (&t, nobody, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_ACCOUNT_NOT_FOUND);
}

static void
test_idempotency (LedgerFixture *f,
                  gconstpointer  data)
{
  TallyTransfer t, again;

  transfer_new (&t, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&t, "Welcome credits");
  assert_result (f, &t, TALLY_TRANSFER_OK);

  f->now += G_USEC_PER_SEC;
  again = t;
  again.seq = again.created_at = 0;
  assert_result (f, &again, TALLY_TRANSFER_EXISTS);
  g_assert_cmpint (again.seq, ==, t.seq);
  g_assert_cmpint (again.created_at, ==, t.created_at);

  /* Upper-case is the same UUID. */
  again = t;
  for (char *c = again.id; *c; c++)
    *c = g_ascii_toupper (*c);
  assert_result (f, &again, TALLY_TRANSFER_EXISTS);

  again = t;
  again.amount = 101;
  assert_result (f, &again, TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  again = t;
  tally_transfer_set_description (&again, "Other words");
  assert_result (f, &again, TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  again = t;
  g_strlcpy (again.credit_account_id, f->bob, sizeof again.credit_account_id);
  assert_result (f, &again, TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);

  g_assert_cmpint (balance_of (f, f->alice), ==, 100);
  g_assert_cmpint (tally_ledger_get_last_seq (f->ledger), ==, 1);
  assert_check_clean (f);
}

static void
test_duplicate_in_batch (LedgerFixture *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer batch[3];
  TallyTransferResult results[3];

  transfer_new (&batch[0], f->grants, f->alice, 10, TALLY_TRANSFER_KIND_GRANT);
  batch[1] = batch[0];
  batch[2] = batch[0];
  batch[2].amount = 11;

  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 3, results, &error));
  g_assert_no_error (error);
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_EXISTS);
  g_assert_cmpint (results[2], ==, TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);
  g_assert_cmpint (balance_of (f, f->alice), ==, 10);
}

static void
test_limits (LedgerFixture *f,
             gconstpointer  data)
{
  g_autofree char *capped_id = g_uuid_string_random ();
  TallyTransfer t;
  TallyAccount capped;

  grant (f, f->alice, 50);
  transfer_new (&t, f->alice, f->bob, 51, TALLY_TRANSFER_KIND_ALLOCATION);
  assert_result (f, &t, TALLY_TRANSFER_EXCEEDS_CREDITS);
  transfer_new (&t, f->alice, f->bob, 50, TALLY_TRANSFER_KIND_ALLOCATION);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);

  /* A hold counts against what may still be spent. */
  grant (f, f->alice, 10);
  {
    TallyTransfer held;

    hold (f, &held, 8, 0);
    transfer_new (&t, f->alice, f->bob, 3, TALLY_TRANSFER_KIND_ALLOCATION);
    assert_result (f, &t, TALLY_TRANSFER_EXCEEDS_CREDITS);
  }

  tally_account_init (&capped, capped_id, TALLY_ACCOUNT_KIND_SYSTEM,
                      TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS, "Capped", NULL);
  g_assert_true (tally_ledger_create_account (f->ledger, &capped, NULL));
  transfer_new (&t, f->bob, capped_id, 1, TALLY_TRANSFER_KIND_ADJUSTMENT);
  assert_result (f, &t, TALLY_TRANSFER_EXCEEDS_DEBITS);
  assert_check_clean (f);
}

static void
test_overflow (LedgerFixture *f,
               gconstpointer  data)
{
  TallyTransfer t;
  const char *payments = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS);

  grant (f, f->alice, G_MAXINT64 - 10);
  transfer_new (&t, payments, f->alice, 11, TALLY_TRANSFER_KIND_PURCHASE);
  assert_result (f, &t, TALLY_TRANSFER_OVERFLOWS_CREDITS);
  transfer_new (&t, f->grants, f->bob, 11, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OVERFLOWS_DEBITS);
  transfer_new (&t, payments, f->alice, 10, TALLY_TRANSFER_KIND_PURCHASE);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, G_MAXINT64);

  /* A hold whose end cannot be represented. */
  f->now = G_MAXINT64 - 5;
  transfer_new (&t, f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  t.flags = TALLY_TRANSFER_FLAG_PENDING;
  t.timeout = 60;
  assert_result (f, &t, TALLY_TRANSFER_OVERFLOWS_TIMEOUT);
  assert_check_clean (f);
}

static void
test_two_phase (LedgerFixture *f,
                gconstpointer  data)
{
  TallyTransfer p, s, again;
  TallyAccount alice;
  TallyPendingState state;

  grant (f, f->alice, 100);
  hold (f, &p, 30, 600);
  lookup (f, f->alice, &alice);
  g_assert_cmpint (tally_account_held (&alice), ==, 30);
  g_assert_cmpint (tally_account_available (&alice), ==, 70);
  g_assert_cmpint (tally_account_balance (&alice), ==, 100);

  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 31);
  assert_result (f, &s, TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING);
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 0);
  assert_result (f, &s, TALLY_TRANSFER_AMOUNT_ZERO);
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 12);
  g_strlcpy (s.debit_account_id, f->bob, sizeof s.debit_account_id);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_DIFFERENT_DEBIT_ACCOUNT);
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 12);
  g_strlcpy (s.credit_account_id, f->bob, sizeof s.credit_account_id);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_DIFFERENT_CREDIT_ACCOUNT);

  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 12);
  s.units = 3;
  assert_result (f, &s, TALLY_TRANSFER_OK);
  g_assert_cmpstr (s.debit_account_id, ==, f->alice);

  lookup (f, f->alice, &alice);
  g_assert_cmpint (tally_account_held (&alice), ==, 0);
  g_assert_cmpint (tally_account_balance (&alice), ==, 88);
  g_assert_true (tally_ledger_lookup_pending_state (f->ledger, p.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_POSTED);

  /* The same post again is a no-op; another one is refused. */
  again = s;
  g_strlcpy (again.debit_account_id, "", sizeof again.debit_account_id);
  g_strlcpy (again.credit_account_id, "", sizeof again.credit_account_id);
  assert_result (f, &again, TALLY_TRANSFER_EXISTS);
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ALREADY_POSTED);
  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ALREADY_POSTED);
  assert_check_clean (f);
}

static void
test_void (LedgerFixture *f,
           gconstpointer  data)
{
  TallyTransfer p, s;

  grant (f, f->alice, 100);
  hold (f, &p, 40, 0);

  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 41);
  assert_result (f, &s, TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING);
  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 39);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_DIFFERENT_AMOUNT);
  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &s, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 100);

  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 40);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ALREADY_VOIDED);
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ALREADY_VOIDED);
  assert_check_clean (f);
}

static void
test_settlement_errors (LedgerFixture *f,
                        gconstpointer  data)
{
  g_autofree char *nowhere = g_uuid_string_random ();
  TallyTransfer single, s;

  grant (f, f->alice, 10);
  transfer_new (&single, f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  assert_result (f, &single, TALLY_TRANSFER_OK);

  settle (&s, &single, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_NOT_PENDING);

  settle (&s, &single, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  tally_transfer_set_pending_id (&s, nowhere);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_NOT_FOUND);

  settle (&s, &single, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  tally_transfer_set_pending_id (&s, "");
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ID_REQUIRED);

  settle (&s, &single, TALLY_TRANSFER_FLAG_POST_PENDING, 1);
  tally_transfer_set_pending_id (&s, s.id);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_ID_SAME_AS_ID);

  settle (&s, &single, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  s.timeout = 5;
  assert_result (f, &s, TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING);

  settle (&s, &single, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  g_strlcpy (s.debit_account_id, "nope", sizeof s.debit_account_id);
  assert_result (f, &s, TALLY_TRANSFER_ACCOUNT_ID_INVALID);

  settle (&s, &single, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  g_strlcpy (s.debit_account_id, f->bob, sizeof s.debit_account_id);
  g_strlcpy (s.credit_account_id, f->bob, sizeof s.credit_account_id);
  assert_result (f, &s, TALLY_TRANSFER_SAME_ACCOUNT);
}

static void
test_expiry (LedgerFixture *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer p, q, s, expiry_void;
  TallyPendingState state;
  char expiry_id[TALLY_UUID_LEN];
  guint n = 0;

  grant (f, f->alice, 100);
  hold (f, &p, 20, 60);
  hold (f, &q, 30, 0);

  /* Past its timeout a hold can no longer be posted, swept or not. */
  f->now += G_GINT64_CONSTANT (60) * G_USEC_PER_SEC;
  settle (&s, &p, TALLY_TRANSFER_FLAG_POST_PENDING, 5);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_EXPIRED);

  g_assert_true (tally_ledger_expire_pending (f->ledger, f->now, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (tally_ledger_lookup_pending_state (f->ledger, p.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_EXPIRED);
  g_assert_true (tally_ledger_lookup_pending_state (f->ledger, q.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_PENDING);

  tally_uuid_derive ("expiry", p.id, expiry_id);
  g_assert_true (tally_ledger_lookup_transfer (f->ledger, expiry_id, &expiry_void, NULL));
  g_assert_cmpint (expiry_void.flags, ==, TALLY_TRANSFER_FLAG_VOID_PENDING);
  g_assert_cmpstr (expiry_void.pending_id, ==, p.id);

  settle (&s, &p, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &s, TALLY_TRANSFER_PENDING_EXPIRED);

  /* Nothing more is due; the hold without a timeout stays. */
  f->now += G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  g_assert_true (tally_ledger_expire_pending (f->ledger, f->now, &n, NULL));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (balance_of (f, f->alice), ==, 100);
  assert_check_clean (f);
}

/* A client that takes the id an expiry would use cannot pin a hold. */
static void
test_expiry_id_taken (LedgerFixture *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer p, squatter;
  TallyPendingState state;
  char expiry_id[TALLY_UUID_LEN];
  guint n = 0;

  grant (f, f->alice, 100);
  hold (f, &p, 20, 5);
  tally_uuid_derive ("expiry", p.id, expiry_id);
  transfer_new (&squatter, f->grants, f->bob, 1, TALLY_TRANSFER_KIND_GRANT);
  g_strlcpy (squatter.id, expiry_id, sizeof squatter.id);
  assert_result (f, &squatter, TALLY_TRANSFER_OK);

  f->now += G_GINT64_CONSTANT (6) * G_USEC_PER_SEC;
  g_assert_true (tally_ledger_expire_pending (f->ledger, f->now, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (tally_ledger_lookup_pending_state (f->ledger, p.id, &state, NULL));
  g_assert_cmpint (state, ==, TALLY_PENDING_STATE_EXPIRED);
  g_assert_cmpint (balance_of (f, f->alice), ==, 100);
  assert_check_clean (f);
}

static void
test_linked (LedgerFixture *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer batch[4];
  TallyTransferResult results[4];

  grant (f, f->alice, 10);

  /* A chain whose second transfer overdraws: neither happens. */
  transfer_new (&batch[0], f->alice, f->bob, 5, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[1], f->alice, f->bob, 6, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[1].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[2], f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  transfer_new (&batch[3], f->alice, f->bob, 2, TALLY_TRANSFER_KIND_ALLOCATION);

  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 4, results, &error));
  g_assert_no_error (error);
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_EXCEEDS_CREDITS);
  g_assert_cmpint (results[2], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);
  g_assert_cmpint (results[3], ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (batch[0].seq, ==, 0);
  g_assert_cmpint (batch[3].seq, ==, 2);
  g_assert_cmpint (balance_of (f, f->alice), ==, 8);

  /* A successful chain; then the same chain again answers exists. */
  transfer_new (&batch[0], f->alice, f->bob, 3, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[1], f->bob, f->alice, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 2, results, NULL));
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_OK);
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 2, results, NULL));
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_EXISTS);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_EXISTS);
  g_assert_cmpint (balance_of (f, f->alice), ==, 6);

  /* A chain left open at the end of the batch. */
  transfer_new (&batch[0], f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[1], f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[1].flags = TALLY_TRANSFER_FLAG_LINKED;
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 2, results, NULL));
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN);
  g_assert_cmpint (balance_of (f, f->alice), ==, 6);

  /* An open chain is not evaluated: its bad transfer says nothing. */
  transfer_new (&batch[0], f->alice, f->alice, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&batch[1], f->alice, f->bob, 1, TALLY_TRANSFER_KIND_ALLOCATION);
  batch[1].flags = TALLY_TRANSFER_FLAG_LINKED;
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, 2, results, NULL));
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN);
  g_assert_cmpint (tally_ledger_get_last_seq (f->ledger), ==, 4);
  assert_check_clean (f);
}

static void
test_accounts (LedgerFixture *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  for (guint i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    {
      lookup (f, tally_system_account_id (i), &account);
      g_assert_cmpint (account.kind, ==, TALLY_ACCOUNT_KIND_SYSTEM);
      g_assert_cmpstr (account.name, ==, tally_system_account_name (i));
    }

  lookup (f, f->alice, &account);
  account.debits_pending = account.debits_posted = 0;
  account.credits_pending = account.credits_posted = 0;
  g_assert_true (tally_ledger_create_account (f->ledger, &account, &error));
  g_assert_no_error (error);

  g_strlcpy (account.name, "Mallory", sizeof account.name);
  g_assert_false (tally_ledger_create_account (f->ledger, &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  g_clear_error (&error);

  tally_account_init (&account, "bad", TALLY_ACCOUNT_KIND_USER, 0, "X", NULL);
  g_assert_false (tally_ledger_create_account (f->ledger, &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (tally_ledger_lookup_account (f->ledger, "00000000-0000-4000-8000-0000000000ff",
                                               &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
}

/* Erasure renames an account; nothing else of it changes. */
static void
test_rename_account (LedgerFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (TALLY_NAME_MAX, 'x');
  TallyAccount before, after;

  grant (f, f->alice, 70);
  lookup (f, f->alice, &before);
  g_assert_true (tally_ledger_rename_account (f->ledger, f->alice, "Erased user", &error));
  g_assert_no_error (error);
  lookup (f, f->alice, &after);
  g_assert_cmpstr (after.name, ==, "Erased user");
  g_assert_cmpint (after.kind, ==, before.kind);
  g_assert_cmpint (after.flags, ==, before.flags);
  g_assert_cmpint (after.credits_posted, ==, before.credits_posted);
  g_assert_cmpint (after.debits_posted, ==, before.debits_posted);
  g_assert_true (tally_ledger_check (f->ledger, &error));

  g_assert_false (tally_ledger_rename_account (f->ledger, "00000000-0000-4000-8000-0000000000ff",
                                               "X", &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tally_ledger_rename_account (f->ledger, "bad", "X", &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tally_ledger_rename_account (f->ledger, f->alice, long_name, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
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
test_schema_too_new (LedgerFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) again = NULL;
  g_autofree char *before = NULL, *after = NULL;
  gsize len_before, len_after;

  g_clear_object (&f->ledger);
  exec_on_file (f->path, "PRAGMA user_version = 99");
  g_assert_true (g_file_get_contents (f->path, &before, &len_before, NULL));

  again = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_null (again);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_SCHEMA_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "99"));

  g_assert_true (g_file_get_contents (f->path, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
}

static void
test_foreign_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tally-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "other.db", NULL);
  g_autoptr(TallyLedger) ledger = NULL;

  exec_on_file (path, "PRAGMA application_id = 42; CREATE TABLE t (x)");
  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_null (ledger);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  test_remove_tree (dir);
}

static void
test_reopen (LedgerFixture *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  grant (f, f->alice, 42);
  g_clear_object (&f->ledger);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tally_ledger_get_schema_version (f->ledger), ==,
                   tally_ledger_get_latest_schema_version ());
  g_assert_cmpint (balance_of (f, f->alice), ==, 42);
  assert_check_clean (f);
}

/* Each invariant, broken behind the ledger's back, is reported. */
static const struct
{
  const char *name;
  const char *sql;
  const char *message;
} tamperings[] = {
  { "column", "UPDATE accounts SET credits_posted = credits_posted + 1 WHERE num = 7",
    "transfers add up" },
  { "negative", "PRAGMA ignore_check_constraints = ON;"
    "UPDATE accounts SET debits_pending = -1 WHERE num = 8",
    "integrity check" },
  { "flag", "UPDATE transfers SET amount = 1000 WHERE seq = 2;"
    "UPDATE accounts SET debits_posted = 1000 WHERE num = 7;"
    "UPDATE accounts SET credits_posted = credits_posted + 995 WHERE num = 8",
    "flag forbids" },
  { "account", "UPDATE transfers SET credit_account = 99 WHERE seq = 1",
    "does not exist" },
  { "gap", "DELETE FROM transfers WHERE seq = 1", "gaps" },
  { "time", "UPDATE transfers SET created_at = 0 WHERE seq = 2", "older" },
  { "pending", "DELETE FROM pending", "no state" },
  { "settled", "UPDATE pending SET state = 1", "state and its settlement" },
  { "usage-hours", "INSERT INTO posted_hours VALUES (7, 2, 0, '', -3, 1)",
    "hourly usage totals" },
};

static void
test_check_tampering (LedgerFixture *f,
                      gconstpointer  data)
{
  guint which = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  TallyTransfer p, t;

  grant (f, f->alice, 10);
  transfer_new (&t, f->alice, f->bob, 5, TALLY_TRANSFER_KIND_ALLOCATION);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  hold (f, &p, 2, 0);
  assert_check_clean (f);
  g_clear_object (&f->ledger);

  exec_on_file (f->path, tamperings[which].sql);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);

  g_assert_false (tally_ledger_check (f->ledger, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT);
  g_test_message ("%s: %s", tamperings[which].name, error->message);
  g_assert_nonnull (strstr (error->message, tamperings[which].message));
}

static void
test_result_strings (void)
{
  for (guint i = 0; i < TALLY_N_TRANSFER_RESULTS; i++)
    {
      const char *name = tally_transfer_result_to_string (i);

      g_assert_nonnull (name);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (name, !=, tally_transfer_result_to_string (j));
    }
}

/* A group commit's writes: one undone alone, the others commit, and the
 * balances say so. */
static void
test_group_writes (LedgerFixture *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer kept, undone, also_kept, again;

  g_assert_true (tally_ledger_begin (f->ledger, &error));
  g_assert_no_error (error);

  g_assert_true (tally_ledger_begin_write (f->ledger, &error));
  transfer_new (&kept, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &kept, TALLY_TRANSFER_OK);
  g_assert_true (tally_ledger_end_write (f->ledger, &error));

  g_assert_true (tally_ledger_begin_write (f->ledger, &error));
  transfer_new (&undone, f->grants, f->alice, 40, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &undone, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 140);
  tally_ledger_undo_write (f->ledger);
  g_assert_cmpint (balance_of (f, f->alice), ==, 100);

  g_assert_true (tally_ledger_begin_write (f->ledger, &error));
  transfer_new (&also_kept, f->grants, f->alice, 7, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &also_kept, TALLY_TRANSFER_OK);
  g_assert_true (tally_ledger_end_write (f->ledger, &error));
  g_assert_no_error (error);

  g_assert_true (tally_ledger_commit (f->ledger, &error));
  g_assert_no_error (error);
  g_assert_cmpint (balance_of (f, f->alice), ==, 107);

  /* The undone id was never used: it goes through now. */
  again = undone;
  again.seq = 0;
  assert_result (f, &again, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 147);
  /* Nothing failed on the connection: no disk to blame. */
  g_assert_cmpint (tally_ledger_get_last_failure (f->ledger), ==, TALLY_LEDGER_ERROR_STORAGE);
  assert_check_clean (f);
}

#define ADD(path, func) \
  g_test_add (path, LedgerFixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ledger/result-strings", test_result_strings);
  g_test_add_func ("/ledger/foreign-file", test_foreign_file);
  ADD ("/ledger/single-phase", test_single_phase);
  ADD ("/ledger/invalid-fields", test_invalid_fields);
  ADD ("/ledger/account-not-found", test_account_not_found);
  ADD ("/ledger/idempotency", test_idempotency);
  ADD ("/ledger/duplicate-in-batch", test_duplicate_in_batch);
  ADD ("/ledger/limits", test_limits);
  ADD ("/ledger/overflow", test_overflow);
  ADD ("/ledger/two-phase", test_two_phase);
  ADD ("/ledger/void", test_void);
  ADD ("/ledger/settlement-errors", test_settlement_errors);
  ADD ("/ledger/expiry", test_expiry);
  ADD ("/ledger/expiry-id-taken", test_expiry_id_taken);
  ADD ("/ledger/linked", test_linked);
  ADD ("/ledger/accounts", test_accounts);
  ADD ("/ledger/rename-account", test_rename_account);
  ADD ("/ledger/schema-too-new", test_schema_too_new);
  ADD ("/ledger/reopen", test_reopen);
  ADD ("/ledger/group-writes", test_group_writes);

  for (guint i = 0; i < G_N_ELEMENTS (tamperings); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ledger/check/%s", tamperings[i].name);

      g_test_add (path, LedgerFixture, GUINT_TO_POINTER (i), fixture_set_up,
                  test_check_tampering, fixture_tear_down);
    }

  return g_test_run ();
}
