/* test-pg-ledger.c: the ledger's rules on both stores, and PostgreSQL's
 * writers racing
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "tally-ledger-engine.h"
#include "tally-pg-ledger.h"
#include "tally-test-postgres.h"
#include "tally.h"

/* One cluster for the whole run; each test gets a database of its own. */
static TallyTestPostgres *cluster;

typedef enum
{
  STORE_SQLITE,
  STORE_POSTGRES,
} Store;

typedef struct
{
  Store          store;
  char          *dir;
  char          *database_url;
  TallyLedger   *sqlite;
  TallyPgLedger *pg;
  gint64         now;
  char           alice[TALLY_UUID_LEN];
  char           bob[TALLY_UUID_LEN];
  const char    *grants;
  const char    *consumption;
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

/* --- the two stores behind one set of calls --- */

static gboolean
create_account (Fixture             *f,
                const TallyAccount  *account,
                GError             **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_create_account (f->sqlite, account, error);
  return tally_pg_ledger_create_account (f->pg, account, error);
}

static gboolean
lookup_account (Fixture       *f,
                const char    *id,
                TallyAccount  *account,
                GError       **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_lookup_account (f->sqlite, id, account, error);
  return tally_pg_ledger_lookup_account (f->pg, id, account, error);
}

static gboolean
create_transfers (Fixture              *f,
                  TallyTransfer        *transfers,
                  guint                 n,
                  TallyTransferResult  *results,
                  GError              **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_create_transfers (f->sqlite, transfers, n, results, error);
  return tally_pg_ledger_create_transfers (f->pg, transfers, n, results, error);
}

static gboolean
lookup_transfer (Fixture        *f,
                 const char     *id,
                 TallyTransfer  *transfer,
                 GError        **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_lookup_transfer (f->sqlite, id, transfer, error);
  return tally_pg_ledger_lookup_transfer (f->pg, id, transfer, error);
}

static TallyPendingState
pending_state (Fixture    *f,
               const char *id)
{
  g_autoptr(GError) error = NULL;
  TallyPendingState state = TALLY_PENDING_STATE_PENDING;
  gboolean ok;

  if (f->store == STORE_SQLITE)
    ok = tally_ledger_lookup_pending_state (f->sqlite, id, &state, &error);
  else
    ok = tally_pg_ledger_lookup_pending_state (f->pg, id, &state, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return state;
}

static guint
expire_pending (Fixture *f,
                gint64   now)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;
  gboolean ok;

  if (f->store == STORE_SQLITE)
    ok = tally_ledger_expire_pending (f->sqlite, now, &n, &error);
  else
    ok = tally_pg_ledger_expire_pending (f->pg, now, &n, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return n;
}

static gint64
last_seq (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = -1;

  if (f->store == STORE_SQLITE)
    return tally_ledger_get_last_seq (f->sqlite);
  g_assert_true (tally_pg_ledger_get_last_seq (f->pg, &seq, &error));
  g_assert_no_error (error);
  return seq;
}

static gboolean
begin (Fixture  *f,
       GError  **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_begin (f->sqlite, error);
  return tally_pg_ledger_begin (f->pg, error);
}

static gboolean
commit (Fixture  *f,
        GError  **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_commit (f->sqlite, error);
  return tally_pg_ledger_commit (f->pg, error);
}

static void
rollback (Fixture *f)
{
  if (f->store == STORE_SQLITE)
    tally_ledger_rollback (f->sqlite);
  else
    tally_pg_ledger_rollback (f->pg);
}

static gboolean
begin_write (Fixture  *f,
             GError  **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_begin_write (f->sqlite, error);
  return tally_pg_ledger_begin_write (f->pg, error);
}

static gboolean
end_write (Fixture  *f,
           GError  **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_end_write (f->sqlite, error);
  return tally_pg_ledger_end_write (f->pg, error);
}

static void
undo_write (Fixture *f)
{
  if (f->store == STORE_SQLITE)
    tally_ledger_undo_write (f->sqlite);
  else
    tally_pg_ledger_undo_write (f->pg);
}

static gboolean
in_transaction (Fixture *f)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_in_transaction (f->sqlite);
  return tally_pg_ledger_in_transaction (f->pg);
}

static gboolean
rename_account (Fixture     *f,
                const char  *id,
                const char  *name,
                GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_rename_account (f->sqlite, id, name, error);
  return tally_pg_ledger_rename_account (f->pg, id, name, error);
}

static gboolean
set_expiry (Fixture     *f,
            const char  *transfer_id,
            gint64       expires_at,
            GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_set_expiry (f->sqlite, transfer_id, expires_at, error);
  return tally_pg_ledger_set_expiry (f->pg, transfer_id, expires_at, error);
}

static gboolean
lookup_expiry (Fixture     *f,
               const char  *transfer_id,
               gint64      *expires_at,
               GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_lookup_expiry (f->sqlite, transfer_id, expires_at, error);
  return tally_pg_ledger_lookup_expiry (f->pg, transfer_id, expires_at, error);
}

static guint
expire_lots (Fixture *f,
             gint64   now)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;
  gboolean ok;

  if (f->store == STORE_SQLITE)
    ok = tally_ledger_expire_lots (f->sqlite, now, &n, &error);
  else
    ok = tally_pg_ledger_expire_lots (f->pg, now, &n, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return n;
}

static GArray *
list_lots (Fixture     *f,
           const char  *account_id,
           GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_list_lots (f->sqlite, account_id, error);
  return tally_pg_ledger_list_lots (f->pg, account_id, error);
}

static GArray *
transfers_since (Fixture  *f,
                 gint64    after_seq,
                 guint     limit,
                 GError  **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_transfers_since (f->sqlite, after_seq, limit, error);
  return tally_pg_ledger_transfers_since (f->pg, after_seq, limit, error);
}

static GArray *
transfers_after (Fixture             *f,
                 const char * const  *account_ids,
                 gint64               after_seq,
                 guint                limit,
                 GError             **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_transfers_after (f->sqlite, account_ids, after_seq, limit, error);
  return tally_pg_ledger_transfers_after (f->pg, account_ids, after_seq, limit, error);
}

static GArray *
query_statement (Fixture                    *f,
                 const TallyStatementQuery  *query,
                 gint64                     *next,
                 GError                    **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_query_statement (f->sqlite, query, next, error);
  return tally_pg_ledger_query_statement (f->pg, query, next, error);
}

static GArray *
posted_totals (Fixture     *f,
               const char  *account_id,
               gint64       since,
               gint64       until,
               GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_posted_totals (f->sqlite, account_id, since, until, error);
  return tally_pg_ledger_posted_totals (f->pg, account_id, since, until, error);
}

static GArray *
recent_run_costs (Fixture     *f,
                  const char  *account_id,
                  const char  *tool_id,
                  guint        limit,
                  GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_recent_run_costs (f->sqlite, account_id, tool_id, limit, error);
  return tally_pg_ledger_recent_run_costs (f->pg, account_id, tool_id, limit, error);
}

static gboolean
sum_consumption (Fixture     *f,
                 const char  *account_id,
                 gint64       since,
                 gint64       until,
                 gint64      *spent,
                 GError     **error)
{
  if (f->store == STORE_SQLITE)
    return tally_ledger_sum_consumption (f->sqlite, account_id, since, until, spent, error);
  return tally_pg_ledger_sum_consumption (f->pg, account_id, since, until, spent, error);
}

static void
assert_check_clean (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (f->store == STORE_SQLITE)
    ok = tally_ledger_check (f->sqlite, &error);
  else
    ok = tally_pg_ledger_check (f->pg, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* --- fixtures --- */

static TallyPg *
connect (const char *url)
{
  g_autoptr(GError) error = NULL;
  TallyPg *pg = tally_pg_connect (url, &error);

  g_assert_no_error (error);
  return pg;
}

static char *
create_database (void)
{
  static guint counter;
  g_autoptr(TallyPg) admin = connect (tally_test_postgres_get_url (cluster));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("ledger_%u", ++counter);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);

  g_assert_true (tally_pg_exec_command (admin, sql, 0, NULL, &error));
  g_assert_no_error (error);
  return tally_test_postgres_get_database_url (cluster, name);
}

static TallyPgLedger *
open_pg_ledger (const char *url)
{
  g_autoptr(TallyPg) pg = connect (url);
  g_autoptr(GError) error = NULL;
  TallyPgLedger *ledger = tally_pg_ledger_new (pg, &error);

  g_assert_no_error (error);
  return ledger;
}

static void
add_user (Fixture    *f,
          char        id[TALLY_UUID_LEN],
          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  TallyAccount account;

  g_strlcpy (id, uuid, TALLY_UUID_LEN);
  tally_account_init (&account, id, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, name, "Europe/Paris");
  g_assert_true (create_account (f, &account, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->store = GPOINTER_TO_INT (data);
  f->now = G_GINT64_CONSTANT (1785000000) * G_USEC_PER_SEC;
  if (f->store == STORE_SQLITE)
    {
      g_autofree char *path = NULL;

      f->dir = g_dir_make_tmp ("tally-pg-ledger-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (f->dir, "ledger.db", NULL);
      f->sqlite = tally_ledger_open (path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
      g_assert_no_error (error);
      tally_ledger_set_clock (f->sqlite, fixture_clock, f);
    }
  else
    {
      f->database_url = create_database ();
      f->pg = open_pg_ledger (f->database_url);
      tally_pg_ledger_set_clock (f->pg, fixture_clock, f);
    }

  add_user (f, f->alice, "Alice");
  add_user (f, f->bob, "Bob");
  f->grants = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS);
  f->consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->sqlite);
  g_clear_object (&f->pg);
  if (f->dir != NULL)
    remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->database_url);
}

/* --- helpers --- */

static void
transfer_new (TallyTransfer     *t,
              const char        *debit,
              const char        *credit,
              gint64             amount,
              TallyTransferKind  kind)
{
  g_autofree char *id = g_uuid_string_random ();

  tally_transfer_init (t, id, debit, credit, amount, kind);
}

static TallyTransferResult
submit (Fixture       *f,
        TallyTransfer *t)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result = TALLY_N_TRANSFER_RESULTS;

  create_transfers (f, t, 1, &result, &error);
  g_assert_no_error (error);
  return result;
}

#define assert_result(f, t, expected) \
  g_assert_cmpstr (tally_transfer_result_to_string (submit ((f), (t))), ==, \
                   tally_transfer_result_to_string (expected))

static gint64
balance_of (Fixture    *f,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (lookup_account (f, id, &account, &error));
  g_assert_no_error (error);
  return tally_account_balance (&account);
}

static void
grant (Fixture    *f,
       const char *to,
       gint64      amount)
{
  TallyTransfer t;

  transfer_new (&t, f->grants, to, amount, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
}

static void
hold (Fixture       *f,
      TallyTransfer *t,
      gint64         amount,
      guint32        timeout)
{
  transfer_new (t, f->alice, f->consumption, amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  t->flags = TALLY_TRANSFER_FLAG_PENDING;
  t->timeout = timeout;
  tally_transfer_set_tool_id (t, "image-resize");
  assert_result (f, t, TALLY_TRANSFER_OK);
}

static void
settle (TallyTransfer       *s,
        const TallyTransfer *pending,
        TallyTransferFlags   flag,
        gint64               amount)
{
  transfer_new (s, "", "", amount, pending->kind);
  s->flags = flag;
  tally_transfer_set_pending_id (s, pending->id);
}

/* --- the rules, on each store --- */

static void
test_accounts (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account, found;

  tally_account_init (&account, f->alice, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Alice", "Europe/Paris");
  g_assert_true (create_account (f, &account, &error));
  g_assert_no_error (error);

  g_strlcpy (account.name, "Mallory", sizeof account.name);
  g_assert_false (create_account (f, &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  g_clear_error (&error);

  g_strlcpy (account.id, "'; DROP TABLE accounts; --", sizeof account.id);
  g_assert_false (create_account (f, &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (lookup_account (f, "3f8e0a52-0d43-4a8e-9a59-0a0a0a0a0a0a", &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lookup_account (f, "not-a-uuid", &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (lookup_account (f, f->alice, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.name, ==, "Alice");
  g_assert_cmpstr (found.timezone, ==, "Europe/Paris");
  g_assert_cmpint (found.created_at, ==, f->now);
  g_assert_true (lookup_account (f, f->consumption, &found, &error));
  g_assert_cmpint (found.kind, ==, TALLY_ACCOUNT_KIND_SYSTEM);
  assert_check_clean (f);
}

static void
test_single_phase (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer t, again, spend, found;

  transfer_new (&t, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_ref (&t, "welcome");
  tally_transfer_set_description (&t, "A gift ' OR 1=1 --");
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (t.seq, ==, 1);
  g_assert_cmpint (t.created_at, ==, f->now);
  g_assert_cmpint (balance_of (f, f->alice), ==, 100);
  g_assert_cmpint (balance_of (f, f->grants), ==, -100);

  /* A retry is the same transfer; a reused id with other fields is not. */
  again = t;
  again.seq = again.created_at = 0;
  assert_result (f, &again, TALLY_TRANSFER_EXISTS);
  g_assert_cmpint (again.seq, ==, 1);
  again.amount = 99;
  assert_result (f, &again, TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS);

  transfer_new (&spend, f->alice, f->consumption, 101, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &spend, TALLY_TRANSFER_EXCEEDS_CREDITS);
  transfer_new (&spend, f->alice, "7b0c7c2e-1111-4222-8333-444455556666", 1,
                TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &spend, TALLY_TRANSFER_ACCOUNT_NOT_FOUND);
  transfer_new (&spend, f->alice, f->consumption, 100, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &spend, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f), ==, 2);

  g_assert_true (lookup_transfer (f, t.id, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.description, ==, "A gift ' OR 1=1 --");
  g_assert_cmpstr (found.ref, ==, "welcome");
  g_assert_cmpstr (found.tool_id, ==, "");
  g_assert_false (lookup_transfer (f, "00000000-0000-4000-8000-00000000ffff", &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_check_clean (f);
}

static void
test_two_phase (Fixture       *f,
                gconstpointer  data)
{
  TallyTransfer pending, post, void_, late, found;
  g_autoptr(GError) error = NULL;

  grant (f, f->alice, 50);
  hold (f, &pending, 30, 60);
  g_assert_cmpint (balance_of (f, f->alice), ==, 50);

  settle (&post, &pending, TALLY_TRANSFER_FLAG_POST_PENDING, 12);
  assert_result (f, &post, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 38);
  g_assert_cmpint (pending_state (f, pending.id), ==, TALLY_PENDING_STATE_POSTED);
  g_assert_true (lookup_transfer (f, post.id, &found, &error));
  g_assert_cmpstr (found.pending_id, ==, pending.id);
  g_assert_cmpstr (found.debit_account_id, ==, f->alice);

  settle (&void_, &pending, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &void_, TALLY_TRANSFER_PENDING_ALREADY_POSTED);

  /* A hold that times out is released once, however often expiry runs. */
  hold (f, &pending, 20, 60);
  g_assert_cmpuint (expire_pending (f, f->now + 59 * G_USEC_PER_SEC), ==, 0);
  f->now += 61 * G_USEC_PER_SEC;
  g_assert_cmpuint (expire_pending (f, f->now), ==, 1);
  g_assert_cmpuint (expire_pending (f, f->now), ==, 0);
  g_assert_cmpint (pending_state (f, pending.id), ==, TALLY_PENDING_STATE_EXPIRED);
  settle (&late, &pending, TALLY_TRANSFER_FLAG_POST_PENDING, 20);
  assert_result (f, &late, TALLY_TRANSFER_PENDING_EXPIRED);
  g_assert_cmpint (balance_of (f, f->alice), ==, 38);
  assert_check_clean (f);
}

static void
test_linked_chain (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer chain[3];
  TallyTransferResult results[3];

  grant (f, f->alice, 10);
  transfer_new (&chain[0], f->alice, f->bob, 5, TALLY_TRANSFER_KIND_ADJUSTMENT);
  chain[0].flags = TALLY_TRANSFER_FLAG_LINKED;
  transfer_new (&chain[1], f->alice, f->bob, 6, TALLY_TRANSFER_KIND_ADJUSTMENT);
  transfer_new (&chain[2], f->grants, f->bob, 1, TALLY_TRANSFER_KIND_GRANT);

  create_transfers (f, chain, 3, results, &error);
  g_assert_no_error (error);
  g_assert_cmpint (results[0], ==, TALLY_TRANSFER_LINKED_EVENT_FAILED);
  g_assert_cmpint (results[1], ==, TALLY_TRANSFER_EXCEEDS_CREDITS);
  g_assert_cmpint (results[2], ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (chain[2].seq, ==, 2);
  g_assert_cmpint (balance_of (f, f->alice), ==, 10);
  g_assert_cmpint (balance_of (f, f->bob), ==, 1);
  assert_check_clean (f);
}

/* A batch is one transaction: many transfers between a few accounts. */
static void
test_batch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree TallyTransfer *batch = g_new (TallyTransfer, 500);
  g_autofree TallyTransferResult *results = g_new (TallyTransferResult, 500);

  grant (f, f->alice, 250);
  for (guint i = 0; i < 500; i++)
    transfer_new (&batch[i], f->alice, f->consumption, 1, TALLY_TRANSFER_KIND_CONSUMPTION);

  create_transfers (f, batch, 500, results, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 500; i++)
    g_assert_cmpint (results[i], ==, i < 250 ? TALLY_TRANSFER_OK : TALLY_TRANSFER_EXCEEDS_CREDITS);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f), ==, 251);
  assert_check_clean (f);
}

/* --- the writer's transaction, names, lots and reads, on each store --- */

/* A group's transaction: a batch inside it nests, a write of it can be
 * undone alone, and a rollback takes all of it back. */
static void
test_transactions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer t, found;

  g_assert_false (in_transaction (f));
  g_assert_true (begin (f, &error));
  g_assert_no_error (error);
  g_assert_true (in_transaction (f));
  grant (f, f->alice, 5);
  rollback (f);
  g_assert_false (in_transaction (f));
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f), ==, 0);

  g_assert_true (begin (f, &error));
  grant (f, f->alice, 5);
  transfer_new (&t, f->alice, f->consumption, 6, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &t, TALLY_TRANSFER_EXCEEDS_CREDITS);
  g_assert_true (begin_write (f, &error));
  transfer_new (&t, f->grants, f->bob, 9, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  undo_write (f);
  g_assert_true (in_transaction (f));
  g_assert_true (begin_write (f, &error));
  grant (f, f->bob, 2);
  g_assert_true (end_write (f, &error));
  g_assert_no_error (error);
  g_assert_true (commit (f, &error));
  g_assert_no_error (error);
  g_assert_false (in_transaction (f));

  g_assert_cmpint (balance_of (f, f->alice), ==, 5);
  g_assert_cmpint (balance_of (f, f->bob), ==, 2);
  g_assert_cmpint (last_seq (f), ==, 2);
  g_assert_false (lookup_transfer (f, t.id, &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_check_clean (f);
}

static void
test_rename (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (TALLY_NAME_MAX, 'n');
  TallyAccount account;

  g_assert_true (rename_account (f, f->alice, "O'Brien'); DROP TABLE accounts; --", &error));
  g_assert_no_error (error);
  g_assert_true (lookup_account (f, f->alice, &account, &error));
  g_assert_cmpstr (account.name, ==, "O'Brien'); DROP TABLE accounts; --");
  g_assert_cmpstr (account.timezone, ==, "Europe/Paris");

  g_assert_false (rename_account (f, "3f8e0a52-0d43-4a8e-9a59-0a0a0a0a0a0a", "Eve", &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (rename_account (f, "not-a-uuid", "Eve", &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (rename_account (f, f->bob, long_name, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lookup_account (f, f->bob, &account, &error));
  g_assert_cmpstr (account.name, ==, "Bob");
  assert_check_clean (f);
}

static void
assert_expiry (Fixture    *f,
               const char *transfer_id,
               gint64      expected)
{
  g_autoptr(GError) error = NULL;
  gint64 expires_at = -1;

  g_assert_true (lookup_expiry (f, transfer_id, &expires_at, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expires_at, ==, expected);
}

static void
assert_expiry_refused (Fixture          *f,
                       const char       *transfer_id,
                       gint64            expires_at,
                       TallyLedgerError  code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (set_expiry (f, transfer_id, expires_at, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, (gint) code);
}

static void
assert_no_lots (Fixture    *f,
                const char *account_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) lots = list_lots (f, account_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (lots->len, ==, 0);
}

static void
test_lots (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) lots = NULL;
  gint64 expires_at = f->now + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  TallyTransfer gift, other, pending, void_, spend;
  TallyLot *lot;

  transfer_new (&gift, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &gift, TALLY_TRANSFER_OK);
  g_assert_true (set_expiry (f, gift.id, expires_at, &error));
  g_assert_no_error (error);
  g_assert_true (set_expiry (f, gift.id, expires_at, &error));
  assert_expiry_refused (f, gift.id, expires_at + 1,
                         TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  assert_expiry (f, gift.id, expires_at);

  /* Bad ids, an expiry before the credits came, a hold. */
  assert_expiry_refused (f, "not-a-uuid", expires_at, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_expiry_refused (f, "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", expires_at,
                         TALLY_LEDGER_ERROR_NOT_FOUND);
  g_assert_false (lookup_expiry (f, "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", &expires_at,
                                 &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  expires_at = f->now + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  transfer_new (&other, f->grants, f->alice, 10, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &other, TALLY_TRANSFER_OK);
  assert_expiry_refused (f, other.id, other.created_at, TALLY_LEDGER_ERROR_INVALID);
  assert_expiry_refused (f, other.id, other.created_at - 1, TALLY_LEDGER_ERROR_INVALID);
  assert_expiry (f, other.id, 0);
  hold (f, &pending, 5, 3600);
  assert_expiry_refused (f, pending.id, expires_at, TALLY_LEDGER_ERROR_INVALID);
  settle (&void_, &pending, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &void_, TALLY_TRANSFER_OK);

  /* Spending burns the lot; after it, no other credits may expire. */
  transfer_new (&spend, f->alice, f->consumption, 30, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &spend, TALLY_TRANSFER_OK);
  assert_expiry_refused (f, other.id, expires_at, TALLY_LEDGER_ERROR_INVALID);
  lots = list_lots (f, f->alice, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lots->len, ==, 1);
  lot = &g_array_index (lots, TallyLot, 0);
  g_assert_cmpstr (lot->transfer_id, ==, gift.id);
  g_assert_cmpint (lot->amount, ==, 100);
  g_assert_cmpint (lot->remaining, ==, 70);
  g_assert_cmpint (lot->expires_at, ==, expires_at);

  g_assert_cmpuint (expire_lots (f, expires_at - 1), ==, 0);
  g_assert_cmpuint (expire_lots (f, expires_at), ==, 1);
  g_assert_cmpuint (expire_lots (f, expires_at + 1), ==, 0);
  g_assert_cmpint (balance_of (f, f->alice), ==, 10);
  assert_no_lots (f, f->alice);
  assert_no_lots (f, f->bob);

  g_clear_pointer (&lots, g_array_unref);
  lots = list_lots (f, "not-a-uuid", &error);
  g_assert_null (lots);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  lots = list_lots (f, "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", &error);
  g_assert_null (lots);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_check_clean (f);
}

/* The seqs of an array of TallyTransfer, as "1,2,3". */
static char *
seqs_of (GArray *transfers)
{
  g_autoptr(GString) seqs = g_string_new (NULL);

  g_assert_nonnull (transfers);
  for (guint i = 0; i < transfers->len; i++)
    g_string_append_printf (seqs, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (transfers, TallyTransfer, i).seq);
  g_array_unref (transfers);
  return g_string_free (g_steal_pointer (&seqs), FALSE);
}

static char *
since_seqs (Fixture *f,
            gint64   after_seq,
            guint    limit)
{
  g_autoptr(GError) error = NULL;
  GArray *transfers = transfers_since (f, after_seq, limit, &error);

  g_assert_no_error (error);
  return seqs_of (transfers);
}

static char *
after_seqs (Fixture            *f,
            const char * const *account_ids,
            gint64              after_seq,
            guint               limit)
{
  g_autoptr(GError) error = NULL;
  GArray *transfers = transfers_after (f, account_ids, after_seq, limit, &error);

  g_assert_no_error (error);
  return seqs_of (transfers);
}

#define assert_seqs(call, expected) \
  G_STMT_START { \
    g_autofree char *seqs_ = (call); \
    g_assert_cmpstr (seqs_, ==, (expected)); \
  } G_STMT_END

static void
test_transfers_since_after (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) page = NULL;
  const char *bob[] = { f->bob, NULL };
  const char *both[] = { f->alice, f->bob, NULL };
  const char *alice_and_junk[] = { "not-a-uuid", f->alice,
                                   "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", NULL };
  const char *junk[] = { "not-a-uuid", "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", NULL };
  const char *none[] = { NULL };
  TallyTransfer move;
  TallyTransfer *read;

  grant (f, f->alice, 10);
  grant (f, f->bob, 20);
  transfer_new (&move, f->alice, f->bob, 3, TALLY_TRANSFER_KIND_ADJUSTMENT);
  tally_transfer_set_description (&move, "Back ' to Bob");
  assert_result (f, &move, TALLY_TRANSFER_OK);
  grant (f, f->alice, 1);

  assert_seqs (since_seqs (f, 0, 100), "1,2,3,4");
  assert_seqs (since_seqs (f, 1, 2), "2,3");
  assert_seqs (since_seqs (f, 4, 10), "");
  assert_seqs (since_seqs (f, 0, 0), "");
  assert_seqs (after_seqs (f, bob, 0, 100), "2,3");
  assert_seqs (after_seqs (f, both, 1, 2), "2,3");
  assert_seqs (after_seqs (f, alice_and_junk, 0, 100), "1,3,4");
  assert_seqs (after_seqs (f, alice_and_junk, 4, 100), "");
  assert_seqs (after_seqs (f, junk, 0, 100), "");
  assert_seqs (after_seqs (f, none, 0, 100), "");
  assert_seqs (after_seqs (f, both, 0, 0), "");

  page = transfers_after (f, bob, 2, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  read = &g_array_index (page, TallyTransfer, 0);
  g_assert_cmpstr (read->id, ==, move.id);
  g_assert_cmpstr (read->debit_account_id, ==, f->alice);
  g_assert_cmpstr (read->credit_account_id, ==, f->bob);
  g_assert_cmpstr (read->description, ==, "Back ' to Bob");
  g_assert_cmpint (read->amount, ==, 3);
  g_assert_cmpint (read->kind, ==, TALLY_TRANSFER_KIND_ADJUSTMENT);
  g_assert_cmpint (read->created_at, ==, f->now);
  assert_check_clean (f);
}

#define USEC_PER_MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)

static GArray *
statement_page (Fixture                   *f,
                const TallyStatementQuery *query,
                gint64                    *next)
{
  g_autoptr(GError) error = NULL;
  GArray *items = query_statement (f, query, next, &error);

  g_assert_no_error (error);
  g_assert_nonnull (items);
  return items;
}

static guint
count_items (Fixture                   *f,
             const TallyStatementQuery *query)
{
  g_autoptr(GArray) items = statement_page (f, query, NULL);

  return items->len;
}

static void
assert_item (const TallyStatementItem *item,
             const TallyTransfer      *transfer,
             TallyItemStatus           status,
             gint64                    amount,
             gint64                    held)
{
  g_assert_cmpstr (item->id, ==, transfer->id);
  g_assert_cmpint (item->seq, ==, transfer->seq);
  g_assert_cmpint (item->status, ==, status);
  g_assert_cmpint (item->amount, ==, amount);
  g_assert_cmpint (item->held, ==, held);
  g_assert_cmpint (item->kind, ==, transfer->kind);
  g_assert_cmpstr (item->tool_id, ==, transfer->tool_id);
  g_assert_cmpstr (item->description, ==, transfer->description);
  g_assert_cmpint (item->created_at, ==, transfer->created_at);
}

static void
test_statement (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (TallyStatementItem));
  TallyStatementQuery query = { 0 };
  TallyTransfer gift, posted, post, voided, void_, open, direct;
  GArray *items;
  gint64 next = -1;

  transfer_new (&gift, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&gift, "Welcome: 50%_off");
  assert_result (f, &gift, TALLY_TRANSFER_OK);
  f->now += USEC_PER_HOUR;
  hold (f, &posted, 10, 3600);
  settle (&post, &posted, TALLY_TRANSFER_FLAG_POST_PENDING, 7);
  assert_result (f, &post, TALLY_TRANSFER_OK);
  hold (f, &voided, 5, 3600);
  settle (&void_, &voided, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &void_, TALLY_TRANSFER_OK);
  hold (f, &open, 4, 3600);
  transfer_new (&direct, f->alice, f->consumption, 2, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&direct, "ocr");
  tally_transfer_set_description (&direct, "OCR page");
  assert_result (f, &direct, TALLY_TRANSFER_OK);

  /* Every page, two items at a time, newest first. */
  g_strlcpy (query.account_id, f->alice, sizeof query.account_id);
  query.limit = 2;
  do
    {
      items = statement_page (f, &query, &next);
      g_assert_cmpuint (items->len, <=, 2);
      g_array_append_vals (all, items->data, items->len);
      g_array_unref (items);
      query.before_seq = next;
    }
  while (next != 0);
  g_assert_cmpuint (all->len, ==, 5);
  assert_item (&g_array_index (all, TallyStatementItem, 0), &direct, TALLY_ITEM_STATUS_POSTED,
               -2, 0);
  assert_item (&g_array_index (all, TallyStatementItem, 1), &open, TALLY_ITEM_STATUS_PENDING,
               -4, 4);
  assert_item (&g_array_index (all, TallyStatementItem, 2), &voided, TALLY_ITEM_STATUS_VOIDED,
               0, 5);
  assert_item (&g_array_index (all, TallyStatementItem, 3), &posted, TALLY_ITEM_STATUS_POSTED,
               -7, 10);
  assert_item (&g_array_index (all, TallyStatementItem, 4), &gift, TALLY_ITEM_STATUS_POSTED,
               100, 0);
  g_assert_cmpstr (g_array_index (all, TallyStatementItem, 4).counterparty_id, ==, f->grants);
  g_assert_cmpstr (g_array_index (all, TallyStatementItem, 0).counterparty_id, ==,
                   f->consumption);

  /* Paging past the end is an empty last page. */
  query.before_seq = gift.seq;
  items = statement_page (f, &query, &next);
  g_assert_cmpuint (items->len, ==, 0);
  g_assert_cmpint (next, ==, 0);
  g_array_unref (items);

  /* Filters: kind, tool, search (case-insensitive, wildcards literal),
   * times. */
  query = (TallyStatementQuery) { .limit = 10 };
  g_strlcpy (query.account_id, f->alice, sizeof query.account_id);
  query.filter_kind = TRUE;
  query.kind = TALLY_TRANSFER_KIND_GRANT;
  g_assert_cmpuint (count_items (f, &query), ==, 1);
  query.filter_kind = FALSE;
  query.exclude_kinds = ~0u;
  g_assert_cmpuint (count_items (f, &query), ==, 0);
  query.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_GRANT);
  g_assert_cmpuint (count_items (f, &query), ==, 4);
  query.exclude_kinds = 0;
  query.tool_id = "ocr";
  g_assert_cmpuint (count_items (f, &query), ==, 1);
  query.tool_id = "image-resize";
  query.search = "";
  g_assert_cmpuint (count_items (f, &query), ==, 3);
  query.tool_id = NULL;
  query.search = "50%_OFF";
  g_assert_cmpuint (count_items (f, &query), ==, 1);
  query.search = "welcome";
  g_assert_cmpuint (count_items (f, &query), ==, 1);
  query.search = "50%off";
  g_assert_cmpuint (count_items (f, &query), ==, 0);
  query.search = "' OR 1=1 --";
  g_assert_cmpuint (count_items (f, &query), ==, 0);
  query.search = NULL;
  query.since = f->now;
  g_assert_cmpuint (count_items (f, &query), ==, 4);
  query.since = 0;
  query.until = f->now;
  g_assert_cmpuint (count_items (f, &query), ==, 1);

  /* Unknown and malformed accounts. */
  g_strlcpy (query.account_id, "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", sizeof query.account_id);
  g_assert_null (query_statement (f, &query, &next, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_strlcpy (query.account_id, "not-a-uuid", sizeof query.account_id);
  g_assert_null (query_statement (f, &query, &next, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_check_clean (f);
}

static gint64
spent_in (Fixture    *f,
          const char *account_id,
          gint64      since,
          gint64      until)
{
  g_autoptr(GError) error = NULL;
  gint64 spent = -1;

  g_assert_true (sum_consumption (f, account_id, since, until, &spent, &error));
  g_assert_no_error (error);
  return spent;
}

/* What @totals say of @kind and @tool: "amount/items", "" when absent. */
static char *
total_of (GArray            *totals,
          TallyTransferKind  kind,
          const char        *tool)
{
  for (guint i = 0; i < totals->len; i++)
    {
      TallyPostedTotal *total = &g_array_index (totals, TallyPostedTotal, i);

      if (total->kind == kind && g_str_equal (total->tool_id, tool))
        return g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, total->amount,
                                total->items);
    }
  return g_strdup ("");
}

#define assert_total(totals, kind, tool, expected) \
  G_STMT_START { \
    g_autofree char *total_ = total_of ((totals), (kind), (tool)); \
    g_assert_cmpstr (total_, ==, (expected)); \
  } G_STMT_END

static char *
costs_of (Fixture    *f,
          const char *tool_id,
          guint       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) costs = recent_run_costs (f, f->alice, tool_id, limit, &error);
  g_autoptr(GString) text = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < costs->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (costs, gint64, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Runs over several hours: whole hours and their edges, holds open,
 * posted and voided, and consumption credited to the account. SQLite
 * keeps its window sums, as the server has it. */
static void
test_spending (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) totals = NULL;
  gint64 h0 = (f->now / USEC_PER_HOUR + 1) * USEC_PER_HOUR;
  gint64 start = f->now;
  TallyTransfer t, post;
  gint64 spent;

  if (f->store == STORE_SQLITE)
    tally_ledger_keep_window_sums (f->sqlite, 16);

  transfer_new (&t, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), f->alice, 1000,
                TALLY_TRANSFER_KIND_PURCHASE);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  grant (f, f->bob, 9);
  f->now = h0 + 10 * USEC_PER_MINUTE;
  transfer_new (&t, f->alice, f->consumption, 50, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&t, "ocr");
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (spent_in (f, f->alice, h0, 0), ==, 50);
  f->now = h0 + USEC_PER_HOUR + 5 * USEC_PER_MINUTE;
  hold (f, &t, 30, 86400);
  settle (&post, &t, TALLY_TRANSFER_FLAG_POST_PENDING, 20);
  assert_result (f, &post, TALLY_TRANSFER_OK);
  f->now = h0 + 2 * USEC_PER_HOUR;
  hold (f, &t, 15, 86400);
  f->now = h0 + 2 * USEC_PER_HOUR + 30 * USEC_PER_MINUTE;
  hold (f, &t, 8, 86400);
  settle (&post, &t, TALLY_TRANSFER_FLAG_VOID_PENDING, 0);
  assert_result (f, &post, TALLY_TRANSFER_OK);
  f->now = h0 + 3 * USEC_PER_HOUR + USEC_PER_MINUTE;
  transfer_new (&t, f->bob, f->alice, 9, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  f->now = h0 + 3 * USEC_PER_HOUR + 20 * USEC_PER_MINUTE;
  transfer_new (&t, f->alice, f->consumption, 6, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &t, TALLY_TRANSFER_OK);

  /* 50 + 20 posted + 15 held + 0 voided + 6; the 9 came in. */
  g_assert_cmpint (spent_in (f, f->alice, h0, h0 + 4 * USEC_PER_HOUR), ==, 91);
  g_assert_cmpint (spent_in (f, f->alice, h0 + 5 * USEC_PER_MINUTE, 0), ==, 91);
  g_assert_cmpint (spent_in (f, f->alice, 0, 0), ==, 91);
  g_assert_cmpint (spent_in (f, f->alice, h0 + USEC_PER_HOUR + 6 * USEC_PER_MINUTE,
                             h0 + 3 * USEC_PER_HOUR + 10 * USEC_PER_MINUTE), ==, 15);
  g_assert_cmpint (spent_in (f, f->alice, h0 + USEC_PER_HOUR, h0 + 2 * USEC_PER_HOUR), ==, 20);
  g_assert_cmpint (spent_in (f, f->alice, h0 + 10 * USEC_PER_MINUTE,
                             h0 + 11 * USEC_PER_MINUTE), ==, 50);
  g_assert_cmpint (spent_in (f, f->alice, h0 + 11 * USEC_PER_MINUTE,
                             h0 + 12 * USEC_PER_MINUTE), ==, 0);
  g_assert_cmpint (spent_in (f, f->alice, h0 + 4 * USEC_PER_HOUR, 0), ==, 0);
  g_assert_cmpint (spent_in (f, f->bob, 0, 0), ==, 9);
  g_assert_false (sum_consumption (f, "not-a-uuid", 0, 0, &spent, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  totals = posted_totals (f, f->alice, start, h0 + 4 * USEC_PER_HOUR, &error);
  g_assert_no_error (error);
  assert_total (totals, TALLY_TRANSFER_KIND_PURCHASE, "", "1000/1");
  assert_total (totals, TALLY_TRANSFER_KIND_CONSUMPTION, "ocr", "-50/1");
  assert_total (totals, TALLY_TRANSFER_KIND_CONSUMPTION, "image-resize", "-20/1");
  assert_total (totals, TALLY_TRANSFER_KIND_CONSUMPTION, "", "3/2");
  g_assert_cmpuint (totals->len, ==, 4);
  g_clear_pointer (&totals, g_array_unref);
  totals = posted_totals (f, f->alice, h0 + 20 * USEC_PER_MINUTE,
                          h0 + 3 * USEC_PER_HOUR + 10 * USEC_PER_MINUTE, &error);
  assert_total (totals, TALLY_TRANSFER_KIND_CONSUMPTION, "image-resize", "-20/1");
  assert_total (totals, TALLY_TRANSFER_KIND_CONSUMPTION, "", "9/1");
  g_assert_cmpuint (totals->len, ==, 2);
  g_clear_pointer (&totals, g_array_unref);
  totals = posted_totals (f, f->alice, h0, h0, &error);
  g_assert_cmpuint (totals->len, ==, 0);
  g_clear_pointer (&totals, g_array_unref);
  totals = posted_totals (f, "6a0c0f1e-2b3c-4d5e-8f90-123456789abc", 0, h0, &error);
  g_assert_null (totals);
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  assert_seqs (costs_of (f, "image-resize", 10), "20");
  assert_seqs (costs_of (f, "ocr", 10), "50");
  assert_seqs (costs_of (f, "ocr", 0), "");
  assert_seqs (costs_of (f, "' OR 1=1 --", 10), "");
  g_assert_null (recent_run_costs (f, "not-a-uuid", "ocr", 10, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  assert_check_clean (f);
}

/* --- PostgreSQL only --- */

/* A writer group keeps exactly the writes it ended, and only from its
 * commit on does another server see them. */
static void
test_pg_writer_group (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TallyPgLedger) other = open_pg_ledger (f->database_url);
  g_autoptr(GError) error = NULL;
  TallyTransfer kept[2], undone, found;
  TallyAccount account;

  g_assert_true (tally_pg_ledger_begin (f->pg, &error));
  g_assert_true (tally_pg_ledger_begin_write (f->pg, &error));
  transfer_new (&kept[0], f->grants, f->alice, 10, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &kept[0], TALLY_TRANSFER_OK);
  g_assert_true (tally_pg_ledger_end_write (f->pg, &error));
  g_assert_true (tally_pg_ledger_begin_write (f->pg, &error));
  transfer_new (&undone, f->grants, f->alice, 20, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &undone, TALLY_TRANSFER_OK);
  g_assert_cmpint (balance_of (f, f->alice), ==, 30);
  tally_pg_ledger_undo_write (f->pg);
  g_assert_true (tally_pg_ledger_begin_write (f->pg, &error));
  transfer_new (&kept[1], f->grants, f->bob, 30, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &kept[1], TALLY_TRANSFER_OK);
  g_assert_true (tally_pg_ledger_end_write (f->pg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kept[1].seq, ==, 2);

  g_assert_true (tally_pg_ledger_lookup_account (other, f->alice, &account, &error));
  g_assert_cmpint (tally_account_balance (&account), ==, 0);
  g_assert_true (tally_pg_ledger_commit (f->pg, &error));
  g_assert_no_error (error);
  g_assert_false (tally_pg_ledger_in_transaction (f->pg));

  g_assert_true (tally_pg_ledger_lookup_account (other, f->alice, &account, &error));
  g_assert_cmpint (tally_account_balance (&account), ==, 10);
  g_assert_true (tally_pg_ledger_lookup_account (other, f->bob, &account, &error));
  g_assert_cmpint (tally_account_balance (&account), ==, 30);
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_assert_true (tally_pg_ledger_lookup_transfer (other, kept[i].id, &found, &error));
      g_assert_cmpint (found.seq, ==, i + 1);
    }
  g_assert_false (tally_pg_ledger_lookup_transfer (other, undone.id, &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_assert_cmpint (last_seq (f), ==, 2);
  assert_check_clean (f);
}

/* Inside a transaction the caller opened, a batch is a savepoint: undone
 * with the caller's transaction. */
static void
test_pg_nested (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPg *pg = tally_pg_ledger_get_pg (f->pg);
  TallyTransfer t;

  g_assert_true (tally_pg_begin (pg, &error));
  grant (f, f->alice, 7);
  g_assert_cmpint (balance_of (f, f->alice), ==, 7);
  g_assert_true (tally_pg_rollback (pg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f), ==, 0);

  transfer_new (&t, f->grants, f->alice, 3, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  g_assert_cmpint (t.seq, ==, 1);
  assert_check_clean (f);
}

/* A broken invariant is found by the same queries as on SQLite. */
static void
test_pg_check_finds_tampering (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPg *pg = tally_pg_ledger_get_pg (f->pg);
  const char *values[] = { f->alice };
  TallyTransfer spend;

  grant (f, f->alice, 40);
  g_assert_true (tally_pg_exec_command (pg, "UPDATE accounts SET credits_posted = 41 "
                                        "WHERE id = $1", 1, values, &error));
  g_assert_no_error (error);
  g_assert_false (tally_pg_ledger_check (f->pg, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT);
  g_assert_nonnull (strstr (error->message, "credits_posted 41"));
  g_clear_error (&error);

  g_assert_true (tally_pg_exec_command (pg, "UPDATE accounts SET credits_posted = 40 "
                                        "WHERE id = $1", 1, values, &error));
  assert_check_clean (f);

  /* A spend is counted in the hourly totals usage charts read. */
  transfer_new (&spend, f->alice, f->consumption, 5, TALLY_TRANSFER_KIND_CONSUMPTION);
  assert_result (f, &spend, TALLY_TRANSFER_OK);
  g_assert_true (tally_pg_exec_command (pg, "DELETE FROM posted_hours", 0, NULL, &error));
  g_assert_false (tally_pg_ledger_check (f->pg, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVARIANT);
  g_assert_nonnull (strstr (error->message, "hourly usage"));
}

typedef struct
{
  const char *url;
  const char *account;
  const char *consumption;
  guint       attempts;
  guint       spent;
} Spender;

/* One server's writer: its own connection, a credit at a time. */
static gpointer
spend_credits (gpointer data)
{
  Spender *spender = data;
  g_autoptr(TallyPgLedger) ledger = open_pg_ledger (spender->url);

  for (guint i = 0; i < spender->attempts; i++)
    {
      g_autoptr(GError) error = NULL;
      TallyTransferResult result;
      TallyTransfer t;

      transfer_new (&t, spender->account, spender->consumption, 1,
                    TALLY_TRANSFER_KIND_CONSUMPTION);
      g_assert_true (tally_pg_ledger_create_transfers (ledger, &t, 1, &result, &error));
      g_assert_no_error (error);
      if (result == TALLY_TRANSFER_OK)
        spender->spent++;
      else
        g_assert_cmpint (result, ==, TALLY_TRANSFER_EXCEEDS_CREDITS);
    }
  return NULL;
}

/* Four writers, as four servers would be, spend one account's credits at
 * once: exactly what it had is spent, never more, and the sequence stays
 * one gapless order. */
static void
test_pg_writers_race (Fixture       *f,
                      gconstpointer  data)
{
  Spender spenders[4];
  GThread *threads[4];
  guint spent = 0;

  grant (f, f->alice, 150);
  for (guint i = 0; i < G_N_ELEMENTS (spenders); i++)
    {
      spenders[i] = (Spender) { f->database_url, f->alice, f->consumption, 60, 0 };
      threads[i] = g_thread_new ("spender", spend_credits, &spenders[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (spenders); i++)
    {
      g_thread_join (threads[i]);
      spent += spenders[i].spent;
    }

  g_assert_cmpuint (spent, ==, 150);
  g_assert_cmpint (balance_of (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f), ==, 151);
  assert_check_clean (f);
}

/* Two servers creating the same account at once both succeed. */
static gpointer
create_same_account (gpointer data)
{
  const char *url = data;
  g_autoptr(TallyPgLedger) ledger = open_pg_ledger (url);
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  tally_account_init (&account, "5d9c1c1e-8f54-4a6b-9d0e-6a1f2b3c4d5e", TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Carol", "UTC");
  for (guint i = 0; i < 20; i++)
    {
      g_assert_true (tally_pg_ledger_create_account (ledger, &account, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_pg_accounts_race (Fixture       *f,
                       gconstpointer  data)
{
  GThread *a = g_thread_new ("creator", create_same_account, f->database_url);
  GThread *b = g_thread_new ("creator", create_same_account, f->database_url);

  g_thread_join (a);
  g_thread_join (b);
  g_assert_cmpint (balance_of (f, "5d9c1c1e-8f54-4a6b-9d0e-6a1f2b3c4d5e"), ==, 0);
  assert_check_clean (f);
}

static void
add_on_both (const char *name,
             void      (*func) (Fixture *, gconstpointer))
{
  static const char * const stores[] = { [STORE_SQLITE] = "sqlite", [STORE_POSTGRES] = "postgres" };

  for (guint s = 0; s < G_N_ELEMENTS (stores); s++)
    {
      g_autofree char *path = g_strdup_printf ("/ledger-stores/%s/%s", stores[s], name);

      g_test_add (path, Fixture, GINT_TO_POINTER (s), fixture_set_up, func, fixture_tear_down);
    }
}

static void
add_on_postgres (const char *name,
                 void      (*func) (Fixture *, gconstpointer))
{
  g_autofree char *path = g_strdup_printf ("/ledger-stores/postgres/%s", name);

  g_test_add (path, Fixture, GINT_TO_POINTER (STORE_POSTGRES), fixture_set_up, func,
              fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  add_on_both ("accounts", test_accounts);
  add_on_both ("single-phase", test_single_phase);
  add_on_both ("two-phase", test_two_phase);
  add_on_both ("linked-chain", test_linked_chain);
  add_on_both ("batch", test_batch);
  add_on_both ("transactions", test_transactions);
  add_on_both ("rename", test_rename);
  add_on_both ("lots", test_lots);
  add_on_both ("transfers-since-after", test_transfers_since_after);
  add_on_both ("statement", test_statement);
  add_on_both ("spending", test_spending);
  add_on_postgres ("nested", test_pg_nested);
  add_on_postgres ("writer-group", test_pg_writer_group);
  add_on_postgres ("check-finds-tampering", test_pg_check_finds_tampering);
  add_on_postgres ("writers-race", test_pg_writers_race);
  add_on_postgres ("accounts-race", test_pg_accounts_race);

  cluster = tally_test_postgres_start ();
  status = g_test_run ();
  tally_test_postgres_free (cluster);
  return status;
}
