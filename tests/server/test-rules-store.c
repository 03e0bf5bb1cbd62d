/* test-rules-store.c: what every TallyRulesStore must do, whatever its
 * storage
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules and the writer rely on these through the interface alone: the
 * error codes they branch on, a write undone alone inside a group, a
 * rollback that leaves nothing, durability handed to the syncer, and
 * sweeps in short transactions of their own. Each test takes its store
 * from tally-test-stores.c, once on SQLite and once on PostgreSQL (issue
 * 19); a test whose calls PostgreSQL lacks yet runs on SQLite alone.
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

/* The rules tell "missing" from "failed" by these answers alone. */
static void
test_not_found (StoreFixture  *fixture,
                gconstpointer  data)
{
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyTransfer transfer;
  TallyAccount account;
  TallyPayment payment;
  TallyUser user;
  TallyRun run;

  g_assert_false (tally_rules_store_lookup_account (fixture->store, unknown, &account, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (tally_rules_store_lookup_transfer (fixture->store, unknown, &transfer, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (tally_rules_store_find_run (fixture->store, unknown, &run, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Payments say "none" with no error at all. */
  g_assert_false (tally_rules_store_find_payment (fixture->store, unknown, &payment, &error));
  g_assert_no_error (error);

  g_assert_false (tally_rules_store_find_user_by_email (fixture->store, "nobody@example.com",
                                                        &user, NULL, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* And what is there is found. */
  g_assert_true (tally_rules_store_find_user_by_id (fixture->store, fixture->user.id, &user,
                                                    &error));
  g_assert_no_error (error);
  g_assert_cmpstr (user.account_id, ==, fixture->user.account_id);
}

/* Users are found by id, by address in any case, and by account; an
 * unknown one is NOT_FOUND. */
static void
test_users (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autofree char *hash = NULL;
  g_autoptr(GError) error = NULL;
  gboolean erased = TRUE;
  TallyUser user;

  g_assert_cmpstr (fixture->user.email, ==, "contract@example.com");
  g_assert_true (tally_rules_store_find_user_by_email (fixture->store, "CONTRACT@example.com",
                                                       &user, &hash, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (user.id, ==, fixture->user.id);
  g_assert_cmpstr (hash, ==, "not-a-hash");
  g_assert_cmpint (user.role, ==, TALLY_ROLE_MEMBER);
  g_assert_false (user.disabled);

  g_assert_true (tally_rules_store_find_user_by_account (fixture->store,
                                                         fixture->user.account_id, &user,
                                                         &error));
  g_assert_no_error (error);
  g_assert_cmpstr (user.id, ==, fixture->user.id);
  g_assert_cmpint (stores_balance (fixture), ==, 0);

  g_assert_true (tally_rules_store_user_is_erased (fixture->store, fixture->user.id, &erased,
                                                   &error));
  g_assert_no_error (error);
  g_assert_false (erased);

  g_assert_false (tally_rules_store_find_user_by_account (fixture->store, "' OR ''='", &user,
                                                          &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* The writer's group: a write undone alone, the others kept, and a
 * transaction rolled back leaves nothing. */
static void
test_group_writes (StoreFixture  *fixture,
                   gconstpointer  data)
{
  gint64 before = tally_rules_store_get_last_seq (fixture->store);
  gint64 kept_seq, undone_seq, last_seq;

  stores_begin (fixture);
  stores_begin_write (fixture);
  kept_seq = stores_grant (fixture, 100);
  stores_end_write (fixture);

  stores_begin_write (fixture);
  undone_seq = stores_grant (fixture, 40);
  g_assert_cmpint (stores_balance (fixture), ==, 140);
  tally_rules_store_undo_write (fixture->store);
  g_assert_cmpint (stores_balance (fixture), ==, 100);

  stores_begin_write (fixture);
  last_seq = stores_grant (fixture, 7);
  stores_end_write (fixture);
  stores_commit (fixture);

  g_assert_cmpint (kept_seq, >, before);
  g_assert_cmpint (undone_seq, >, kept_seq);
  g_assert_cmpint (stores_balance (fixture), ==, 107);
  g_assert_cmpint (tally_rules_store_get_last_seq (fixture->store), ==, last_seq);

  stores_begin (fixture);
  stores_grant (fixture, 5);
  tally_rules_store_rollback (fixture->store);
  g_assert_cmpint (stores_balance (fixture), ==, 107);
  g_assert_cmpint (tally_rules_store_get_last_seq (fixture->store), ==, last_seq);
  stores_assert_clean (fixture);
}

/* What grants, promotions, sync and live events read of the ledger
 * through the interface: an expiry set in the grant's own group, and the
 * transfers after a seq, all of them or an account's. */
static void
test_ledger_reads (StoreFixture  *fixture,
                   gconstpointer  data)
{
  const char *accounts[] = { "not-a-uuid", fixture->user.account_id, NULL };
  gint64 before = tally_rules_store_get_last_seq (fixture->store);
  gint64 expires_at = tally_rules_store_now (fixture->store) + G_GINT64_CONSTANT (3600000000);
  g_autoptr(GArray) since = NULL;
  g_autoptr(GArray) after = NULL;
  g_autoptr(GError) error = NULL;
  TallyTransfer *grant;
  gint64 seq, found;

  stores_begin (fixture);
  stores_begin_write (fixture);
  seq = stores_grant (fixture, 30);
  since = tally_rules_store_transfers_since (fixture->store, seq - 1, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (since->len, ==, 1);
  grant = &g_array_index (since, TallyTransfer, 0);
  g_assert_true (tally_rules_store_set_expiry (fixture->store, grant->id, expires_at, &error));
  g_assert_no_error (error);
  stores_end_write (fixture);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_lookup_expiry (fixture->store, grant->id, &found, &error));
  g_assert_cmpint (found, ==, expires_at);
  g_assert_false (tally_rules_store_set_expiry (fixture->store, grant->id, expires_at + 1,
                                                &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
  g_clear_error (&error);
  g_assert_false (tally_rules_store_lookup_expiry (fixture->store, "not-a-uuid", &found, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  after = tally_rules_store_transfers_after (fixture->store, accounts, before, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (g_array_index (after, TallyTransfer, 0).id, ==, grant->id);
  g_clear_pointer (&after, g_array_unref);
  after = tally_rules_store_transfers_since (fixture->store, seq, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 0);
  stores_assert_clean (fixture);
}

/* What a run is saved with is what it is found with; completing it
 * changes what the completion says and nothing else. */
static void
test_runs (StoreFixture  *fixture,
           gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_auto(TallyRun) found = { 0 };
  g_autoptr(GError) error = NULL;
  TallyRun run = { 0 };

  g_strlcpy (run.id, id, sizeof run.id);
  g_strlcpy (run.user_id, fixture->user.id, sizeof run.user_id);
  g_strlcpy (run.account_id, fixture->user.account_id, sizeof run.account_id);
  g_strlcpy (run.tool_id, "image-resize", sizeof run.tool_id);
  g_strlcpy (run.request_digest, "d1", sizeof run.request_digest);
  run.status = TALLY_RUN_STATUS_AUTHORIZED;
  run.held = 12;
  run.units = -1;
  run.authorize_status = 201;
  run.authorize_body = (char *) "{\"held\":12}";
  run.created_at = 1000;
  run.hold_expires_at = 5000;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_run (fixture->store, &run, "{}", &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_run (fixture->store, id, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.user_id, ==, fixture->user.id);
  g_assert_cmpint (found.status, ==, TALLY_RUN_STATUS_AUTHORIZED);
  g_assert_cmpint (found.held, ==, 12);
  g_assert_cmpint (found.hold_expires_at, ==, 5000);
  g_assert_cmpstr (found.authorize_body, ==, "{\"held\":12}");
  g_assert_null (found.complete_body);

  run.status = TALLY_RUN_STATUS_SUCCEEDED;
  run.charged = 9;
  run.units = 3;
  g_strlcpy (run.complete_digest, "d2", sizeof run.complete_digest);
  run.complete_status = 200;
  run.complete_body = (char *) "{\"charged\":9}";
  run.completed_at = 2000;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_complete_run (fixture->store, &run, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  tally_run_clear (&found);
  g_assert_true (tally_rules_store_find_run (fixture->store, id, &found, &error));
  g_assert_cmpint (found.status, ==, TALLY_RUN_STATUS_SUCCEEDED);
  g_assert_cmpint (found.charged, ==, 9);
  g_assert_cmpint (found.units, ==, 3);
  g_assert_cmpstr (found.complete_body, ==, "{\"charged\":9}");
  g_assert_cmpint (found.held, ==, 12);
}

/* A payment as a checkout makes it: found by id, then by its session
 * once it has one, and by its reference once paid; an update writes the
 * outcome and keeps what the checkout fixed. */
static void
test_payments (StoreFixture  *fixture,
               gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyPayment payment = { 0 };
  TallyPayment found;

  g_strlcpy (payment.id, id, sizeof payment.id);
  g_strlcpy (payment.user_id, fixture->user.id, sizeof payment.user_id);
  g_strlcpy (payment.account_id, fixture->user.account_id, sizeof payment.account_id);
  g_strlcpy (payment.pack_id, "pack-500", sizeof payment.pack_id);
  g_strlcpy (payment.currency, "kwd", sizeof payment.currency);
  g_strlcpy (payment.provider, "stripe", sizeof payment.provider);
  payment.credits = 500;
  payment.amount = 1250;
  payment.status = TALLY_PAYMENT_OPEN;
  payment.created_at = 1000;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_payment (fixture->store, &payment, &error));
  g_assert_true (tally_rules_store_set_payment_session (fixture->store, id, "cs_test_1", &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_payment_by_session (fixture->store, "cs_test_1", &found,
                                                           &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, id);
  g_assert_cmpint (found.credits, ==, 500);
  g_assert_cmpint (found.amount, ==, 1250);
  g_assert_cmpstr (found.currency, ==, "kwd");
  g_assert_cmpint (found.status, ==, TALLY_PAYMENT_OPEN);

  found.status = TALLY_PAYMENT_PAID;
  found.paid_at = 2000;
  g_strlcpy (found.payment_ref, "pi_test_1", sizeof found.payment_ref);
  /* Not written back: what the checkout fixed. */
  found.credits = 1;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_update_payment (fixture->store, &found, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_payment_by_ref (fixture->store, "pi_test_1", &payment,
                                                       &error));
  g_assert_no_error (error);
  g_assert_cmpstr (payment.id, ==, id);
  g_assert_cmpint (payment.status, ==, TALLY_PAYMENT_PAID);
  g_assert_cmpint (payment.paid_at, ==, 2000);
  g_assert_cmpint (payment.credits, ==, 500);
  g_assert_true (tally_rules_store_find_payment (fixture->store, id, &found, &error));
  g_assert_cmpstr (found.session_id, ==, "cs_test_1");
}

/* A device's row as saved, per user; a synced operation found by its id
 * with the digest and answer it was recorded with; a device with no
 * lease has none to release. */
static void
test_devices_and_ops (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *op_id = g_uuid_string_random ();
  g_auto(TallySyncOpRecord) record = { 0 };
  g_autoptr(GError) error = NULL;
  TallyDevice device = { 0 };
  TallyDevice found;
  gboolean released = TRUE;

  g_assert_false (tally_rules_store_find_device (fixture->store, fixture->user.id, "laptop",
                                                 &found, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_strlcpy (device.lease_account_id, fixture->user.account_id, sizeof device.lease_account_id);
  device.created_at = 1000;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_save_device (fixture->store, fixture->user.id, "laptop",
                                                &device, &error));
  g_assert_true (tally_rules_store_add_sync_op (fixture->store, op_id, fixture->user.id,
                                                "laptop", "digest-1", "{\"status\":\"applied\"}",
                                                &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_device (fixture->store, fixture->user.id, "laptop",
                                                &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.lease_account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (found.lease_id, ==, "");
  g_assert_cmpint (found.lease_expires_at, ==, 0);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_release_lease (fixture->store, fixture->user.id, "laptop",
                                                  &released, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_false (released);

  g_assert_true (tally_rules_store_find_sync_op (fixture->store, op_id, &record, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (record.user_id, ==, fixture->user.id);
  g_assert_cmpstr (record.digest, ==, "digest-1");
  g_assert_cmpstr (record.result, ==, "{\"status\":\"applied\"}");
}

/* The chain's ends: no head and a zero anchor on a new store; then the
 * newest record's link, and an anchor saved by retention read back. */
static void
test_audit_links (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  const guint8 zeros[TALLY_AUDIT_HASH_LEN] = { 0 };
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  g_autoptr(GError) error = NULL;
  TallyAuditRecord record = { 0 };
  gboolean found = TRUE;
  gint64 seq = -1;

  g_assert_true (tally_rules_store_audit_read_head (fixture->store, &found, &seq, hash, &error));
  g_assert_no_error (error);
  g_assert_false (found);
  g_assert_true (tally_rules_store_audit_read_anchor (fixture->store, &seq, hash, &error));
  g_assert_cmpint (seq, ==, 0);
  g_assert_cmpmem (hash, sizeof hash, zeros, sizeof zeros);

  record.seq = 1;
  g_strlcpy (record.id, id, sizeof record.id);
  record.time = 1000;
  record.actor = (char *) "system";
  record.action = (char *) "contract.test";
  record.outcome = (char *) "ok";
  record.details = (char *) "{}";
  record.format = 2;
  memset (record.hash, 0xab, sizeof record.hash);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_insert (fixture->store, &record, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_audit_read_head (fixture->store, &found, &seq, hash, &error));
  g_assert_true (found);
  g_assert_cmpint (seq, ==, 1);
  g_assert_cmpmem (hash, sizeof hash, record.hash, sizeof record.hash);

  memset (record.hash, 0xcd, sizeof record.hash);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_save_anchor (fixture->store, 1, record.hash, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_true (tally_rules_store_audit_read_anchor (fixture->store, &seq, hash, &error));
  g_assert_cmpint (seq, ==, 1);
  g_assert_cmpmem (hash, sizeof hash, record.hash, sizeof record.hash);
}

static void
count_commit (gpointer data)
{
  guint *commits = data;

  (*commits)++;
}

/* A store whose commits need an fdatasync names the file; the hook hears
 * of every commit until the writer gives durability back. */
static void
test_defer_sync (StoreFixture  *fixture,
                 gconstpointer  data)
{
  const char *path;
  guint commits = 0;

  /* A store whose commits are durable alone has nothing to defer. */
  path = tally_rules_store_defer_sync (fixture->store, count_commit, &commits);
  if (path == NULL)
    {
      g_assert_true (TALLY_IS_PG_STORE (fixture->store));
      stores_begin (fixture);
      stores_grant (fixture, 1);
      stores_commit (fixture);
      g_assert_cmpuint (commits, ==, 0);
      return;
    }
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  stores_begin (fixture);
  stores_grant (fixture, 1);
  stores_commit (fixture);
  g_assert_cmpuint (commits, ==, 1);

  tally_rules_store_end_deferred_sync (fixture->store);
  stores_begin (fixture);
  stores_grant (fixture, 1);
  stores_commit (fixture);
  g_assert_cmpuint (commits, ==, 1);
  g_assert_cmpint (stores_balance (fixture), ==, 2);
}

typedef struct
{
  guint      batches;
  guint      wanted;
  GMainLoop *loop;
  gboolean   ok;
  GError    *error;
} Sweep;

/* One batch a call, on the sweep's own store, until @wanted. */
static gboolean
sweep_batch (TallyRulesStore  *store,
             gpointer          data,
             gboolean         *more,
             GError          **error)
{
  Sweep *sweep = data;

  g_assert_true (TALLY_IS_RULES_STORE (store));
  sweep->batches++;
  *more = sweep->batches < sweep->wanted;
  return TRUE;
}

static void
sweep_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Sweep *sweep = data;

  sweep->ok = tally_rules_store_sweep_finish (TALLY_RULES_STORE (source), result, &sweep->error);
  g_main_loop_quit (sweep->loop);
}

static void
run_sweep (StoreFixture      *fixture,
           Sweep        *sweep,
           GCancellable *cancellable)
{
  sweep->loop = g_main_loop_new (NULL, FALSE);
  tally_rules_store_sweep_async (fixture->store, sweep_batch, sweep, NULL, cancellable,
                                 sweep_done, sweep);
  g_main_loop_run (sweep->loop);
  g_main_loop_unref (sweep->loop);
}

/* Batches until one says there is no more; a cancelled sweep says so. */
static void
test_sweep (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Sweep sweep = { .wanted = 3 };
  Sweep cancelled = { .wanted = 3 };

  run_sweep (fixture, &sweep, NULL);
  g_assert_no_error (sweep.error);
  g_assert_true (sweep.ok);
  g_assert_cmpuint (sweep.batches, ==, 3);

  g_cancellable_cancel (cancellable);
  run_sweep (fixture, &cancelled, cancellable);
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);
}

/* Every call of both interfaces is implemented: a store missing one
 * would crash the first request that makes it. */
static void
assert_vtable_complete (gconstpointer  vtable,
                        gsize          size,
                        const char    *name)
{
  const gpointer *calls = (const gpointer *) ((const GTypeInterface *) vtable + 1);
  gsize n = (size - sizeof (GTypeInterface)) / sizeof (gpointer);

  for (gsize i = 0; i < n; i++)
    if (calls[i] == NULL)
      g_error ("%s: call %" G_GSIZE_FORMAT " of the interface is not implemented", name, i);
}

static void
test_interfaces_complete (StoreFixture  *fixture,
                          gconstpointer  data)
{
  assert_vtable_complete (TALLY_RULES_STORE_GET_IFACE (fixture->store),
                          sizeof (TallyRulesStoreInterface), "TallyRulesStore");
  g_assert_true (TALLY_IS_API_STORE (fixture->store));
  assert_vtable_complete (TALLY_API_STORE_GET_IFACE (fixture->store),
                          sizeof (TallyApiStoreInterface), "TallyApiStore");
}

static gboolean
stop_waiting (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @n_heard is not 0, for 10 s at most. */
static void
wait_until_heard (const guint *n_heard)
{
  gboolean gave_up = FALSE;
  guint timeout = g_timeout_add_seconds (10, stop_waiting, &gave_up);

  while (*n_heard == 0 && !gave_up)
    g_main_context_iteration (NULL, TRUE);
  if (!gave_up)
    g_source_remove (timeout);
}

/* Another server's commit is told at once (PostgreSQL's NOTIFY); SQLite
 * has no such notice. */
static void
test_watch_commits (StoreFixture  *fixture,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TallyPgStore) other = NULL;
  g_autoptr(GError) error = NULL;
  TallyConsent consent = { .opt_in = TRUE, .changed_at = 1, .text_version = "1" };
  guint n_heard = 0;

  if (!tally_api_store_watch_commits (TALLY_API_STORE (fixture->store), count_commit, &n_heard,
                                      cancellable))
    {
      g_assert_null (fixture->pg_store);
      return;
    }

  /* The store's own commit needs no notice (test-pg checks that it is
   * left out); another server's is heard. */
  stores_begin (fixture);
  stores_grant (fixture, 10);
  stores_commit (fixture);

  other = tally_pg_store_connect (tally_pg_store_get_url (fixture->pg_store), &error);
  g_assert_no_error (error);
  g_assert_true (tally_rules_store_begin (TALLY_RULES_STORE (other), &error));
  g_assert_true (tally_api_store_save_consent (TALLY_API_STORE (other), fixture->user.id,
                                               &consent, &error));
  g_assert_true (tally_rules_store_commit (TALLY_RULES_STORE (other), &error));
  g_assert_no_error (error);

  wait_until_heard (&n_heard);
  g_assert_cmpuint (n_heard, ==, 1);

  /* Cancelling frees the watch and its connection. */
  g_cancellable_cancel (cancellable);
  g_assert_true (tally_rules_store_begin (TALLY_RULES_STORE (other), &error));
  g_assert_true (tally_api_store_save_consent (TALLY_API_STORE (other), fixture->user.id,
                                               &consent, &error));
  g_assert_true (tally_rules_store_commit (TALLY_RULES_STORE (other), &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (n_heard, ==, 1);
}

static char *
count_calls (const char *state,
             gpointer    data,
             gint64     *expires_at)
{
  gint64 calls = state != NULL ? g_ascii_strtoll (state, NULL, 10) : 0;

  *expires_at = *(gint64 *) data;
  return calls < 2 ? g_strdup_printf ("%" G_GINT64_FORMAT, calls + 1) : NULL;
}

/* Shared state: kept in the store's row on PostgreSQL, which the next
 * update reads and NULL deletes; SQLite's store is not shared. */
static void
test_shared_state (StoreFixture  *fixture,
                   gconstpointer  data)
{
  TallyApiStore *store = TALLY_API_STORE (fixture->store);
  g_autoptr(GError) error = NULL;
  gint64 expires_at = 1000;
  gint64 n = -1;

  if (!tally_api_store_update_shared_state (store, "k", count_calls, &expires_at, &error))
    {
      g_assert_no_error (error);
      g_assert_null (fixture->pg_store);
      g_assert_true (tally_api_store_delete_expired_state (store, 2000, 10, &n, &error));
      g_assert_cmpint (n, ==, 0);
      return;
    }
  g_assert_true (tally_api_store_update_shared_state (store, "other", count_calls, &expires_at,
                                                      &error));
  stores_exec (fixture, "UPDATE shared_state SET expires_at = 3000 WHERE key = 'other'");
  g_assert_true (tally_api_store_update_shared_state (store, "k", count_calls, &expires_at,
                                                      &error));
  g_assert_no_error (error);
  g_assert_cmpint (stores_count (fixture, "SELECT count(*) FROM shared_state "
                                          "WHERE key = 'k' AND state = '2'"), ==, 1);

  g_assert_true (tally_api_store_delete_expired_state (store, 2000, 10, &n, &error));
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (stores_count (fixture, "SELECT count(*) FROM shared_state"), ==, 1);

  /* The third call returns NULL: the row goes. */
  expires_at = 5000;
  g_assert_true (tally_api_store_update_shared_state (store, "other", count_calls, &expires_at,
                                                      &error));
  g_assert_true (tally_api_store_update_shared_state (store, "other", count_calls, &expires_at,
                                                      &error));
  g_assert_no_error (error);
  g_assert_cmpint (stores_count (fixture, "SELECT count(*) FROM shared_state"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("interfaces-complete", test_interfaces_complete);
  stores_add ("watch-commits", test_watch_commits);
  stores_add ("shared-state", test_shared_state);
  stores_add ("not-found", test_not_found);
  stores_add ("group-writes", test_group_writes);
  stores_add ("ledger-reads", test_ledger_reads);
  stores_add ("users", test_users);
  stores_add ("runs", test_runs);
  stores_add ("payments", test_payments);
  stores_add ("devices-and-ops", test_devices_and_ops);
  stores_add ("audit-links", test_audit_links);
  stores_add ("defer-sync", test_defer_sync);
  stores_add ("sweep", test_sweep);

  return stores_run ();
}
