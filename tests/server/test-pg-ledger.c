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

/* --- PostgreSQL only --- */

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
  add_on_postgres ("nested", test_pg_nested);
  add_on_postgres ("check-finds-tampering", test_pg_check_finds_tampering);
  add_on_postgres ("writers-race", test_pg_writers_race);
  add_on_postgres ("accounts-race", test_pg_accounts_race);

  cluster = tally_test_postgres_start ();
  status = g_test_run ();
  tally_test_postgres_free (cluster);
  return status;
}
