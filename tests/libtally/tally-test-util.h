/* tally-test-util.h: what the libtally tests share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally.h"
#include "tally-test-common.h"

G_BEGIN_DECLS

/* A ledger on a fresh file in a temporary folder, with a clock the test
 * moves, two user accounts that cannot be overdrawn and the grants
 * account. */
typedef struct
{
  char        *dir;
  char        *path;
  TallyLedger *ledger;
  gint64       now;
  char         alice[TALLY_UUID_LEN];
  char         bob[TALLY_UUID_LEN];
  const char  *grants;
} LedgerFixture;

static inline gint64
fixture_clock (gpointer user_data)
{
  return ((LedgerFixture *) user_data)->now;
}

static inline void
fixture_add_user (LedgerFixture *f,
                  char           id[TALLY_UUID_LEN],
                  const char    *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  TallyAccount account;

  g_strlcpy (id, uuid, TALLY_UUID_LEN);
  tally_account_init (&account, id, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, name, "Europe/Paris");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, &error));
  g_assert_no_error (error);
}

static inline void
fixture_set_up (LedgerFixture *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tally-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "ledger.db", NULL);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  f->now = G_GINT64_CONSTANT (1785000000) * G_USEC_PER_SEC;
  tally_ledger_set_clock (f->ledger, fixture_clock, f);
  fixture_add_user (f, f->alice, "Alice");
  fixture_add_user (f, f->bob, "Bob");
  f->grants = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS);
}

static inline void
fixture_tear_down (LedgerFixture *f,
                   gconstpointer  data)
{
  g_clear_object (&f->ledger);
  test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static inline void
transfer_new (TallyTransfer     *t,
              const char        *debit,
              const char        *credit,
              gint64             amount,
              TallyTransferKind  kind)
{
  g_autofree char *id = g_uuid_string_random ();

  tally_transfer_init (t, id, debit, credit, amount, kind);
}

static inline TallyTransferResult
submit (LedgerFixture *f,
        TallyTransfer *t)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result = TALLY_N_TRANSFER_RESULTS;

  g_assert_true (tally_ledger_create_transfers (f->ledger, t, 1, &result, &error));
  g_assert_no_error (error);
  return result;
}

static inline void
assert_check_clean (LedgerFixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_check (f->ledger, &error));
  g_assert_no_error (error);
}

#define assert_result(f, t, expected) \
  g_assert_cmpstr (tally_transfer_result_to_string (submit ((f), (t))), ==, \
                   tally_transfer_result_to_string (expected))

G_END_DECLS
