/* test-store-audit.c: the audit log's store (tally-store-audit.c) called
 * directly on a real ledger in a temporary folder: the links the chain's
 * rules read, the filters of a page, a subject's records and the rewrites
 * that upgrade and erasure make, and the holds about to expire
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-audit.h"
#include "tally-test-rig.h"

#define USER_ID    TEST_RIG_USER_ID
#define ACCOUNT_ID TEST_RIG_ACCOUNT_ID
#define EMAIL      "ada@example.com"

/* Record @seq at @time, its hashes and keys filled with bytes of its own
 * so that each can be told apart when read back. */
static void
add (TestRig    *rig,
     gint64      seq,
     gint64      time,
     const char *actor,
     const char *actor_email,
     const char *action,
     const char *target,
     const char *outcome,
     const char *details)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  TallyAuditRecord record = { 0 };

  record.seq = seq;
  g_strlcpy (record.id, id, sizeof record.id);
  record.time = time;
  record.actor = (char *) actor;
  record.actor_email = (char *) actor_email;
  record.action = (char *) action;
  record.target = (char *) target;
  record.outcome = (char *) outcome;
  record.details = (char *) details;
  memset (record.prev_hash, seq - 1, sizeof record.prev_hash);
  memset (record.hash, seq, sizeof record.hash);
  record.format = 2;
  memset (record.field_keys, 0x40 + seq, sizeof record.field_keys);
  memset (record.field_digests, 0x80 + seq, sizeof record.field_digests);

  g_assert_true (tally_store_audit_insert (rig->store, &record, &error));
  g_assert_no_error (error);
}

static void
add_plain (TestRig    *rig,
           gint64      seq,
           gint64      time,
           const char *action)
{
  add (rig, seq, time, "system", NULL, action, NULL, "ok", "{}");
}

static void
assert_filled (const guint8 *bytes,
               gsize         size,
               guint8        value)
{
  for (gsize i = 0; i < size; i++)
    g_assert_cmpuint (bytes[i], ==, value);
}

static void
assert_seqs (GArray       *records,
             const gint64 *seqs,
             guint         n_seqs)
{
  g_assert_nonnull (records);
  g_assert_cmpuint (records->len, ==, n_seqs);
  for (guint i = 0; i < n_seqs; i++)
    g_assert_cmpint (g_array_index (records, TallyAuditRecord, i).seq, ==, seqs[i]);
}

static void
test_store_audit_links (TestRig       *rig,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) left = NULL;
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gboolean found = TRUE;
  gint64 seq = -1;

  /* Nothing yet: no head, and the anchor of an empty chain. */
  g_assert_true (tally_store_audit_read_head (rig->store, &found, &seq, hash, &error));
  g_assert_false (found);
  g_assert_cmpint (seq, ==, -1);
  g_assert_true (tally_store_audit_read_anchor (rig->store, &seq, hash, &error));
  g_assert_cmpint (seq, ==, 0);
  assert_filled (hash, sizeof hash, 0);

  add_plain (rig, 1, 1000, "auth.login");
  add_plain (rig, 2, 2000, "auth.login");
  add_plain (rig, 3, 3000, "auth.logout");

  g_assert_true (tally_store_audit_read_head (rig->store, &found, &seq, hash, &error));
  g_assert_true (found);
  g_assert_cmpint (seq, ==, 3);
  assert_filled (hash, sizeof hash, 3);

  g_assert_true (tally_store_audit_find_link (rig->store, 2, &found, hash, &error));
  g_assert_true (found);
  assert_filled (hash, sizeof hash, 2);
  /* A seq that is not there leaves the hash as it was. */
  memset (hash, 0xee, sizeof hash);
  g_assert_true (tally_store_audit_find_link (rig->store, 9, &found, hash, &error));
  g_assert_false (found);
  assert_filled (hash, sizeof hash, 0xee);

  /* Strictly before: the record at 3000 is not older than 3000. */
  g_assert_true (tally_store_audit_find_link_before (rig->store, 3000, &found, &seq, hash,
                                                     &error));
  g_assert_true (found);
  g_assert_cmpint (seq, ==, 2);
  assert_filled (hash, sizeof hash, 2);
  g_assert_true (tally_store_audit_find_link_before (rig->store, 1000, &found, &seq, hash,
                                                     &error));
  g_assert_false (found);
  g_assert_no_error (error);

  /* Retention: delete through 2 and anchor the chain there. */
  g_assert_true (tally_store_audit_delete_through (rig->store, 2, &error));
  memset (hash, 2, sizeof hash);
  g_assert_true (tally_store_audit_save_anchor (rig->store, 2, hash, &error));
  memset (hash, 0, sizeof hash);
  g_assert_true (tally_store_audit_read_anchor (rig->store, &seq, hash, &error));
  g_assert_cmpint (seq, ==, 2);
  assert_filled (hash, sizeof hash, 2);
  g_assert_no_error (error);

  left = tally_store_audit_read_after (rig->store, 0, G_MAXINT64, 10, &error);
  g_assert_no_error (error);
  assert_seqs (left, (gint64[]) { 3 }, 1);
}

static void
test_store_audit_read_after (TestRig       *rig,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) page = NULL;
  g_autoptr(GArray) bounded = NULL;
  const TallyAuditRecord *record;

  add (rig, 1, 1000, USER_ID, EMAIL, "run.succeeded", "run-1", "ok", "{\"held\":5}");
  for (gint64 seq = 2; seq <= 6; seq++)
    add_plain (rig, seq, seq * 1000, "auth.login");

  /* Oldest first, after a seq, at most a limit. */
  page = tally_store_audit_read_after (rig->store, 1, G_MAXINT64, 3, &error);
  g_assert_no_error (error);
  assert_seqs (page, (gint64[]) { 2, 3, 4 }, 3);
  bounded = tally_store_audit_read_after (rig->store, 0, 2, 10, &error);
  g_assert_no_error (error);
  assert_seqs (bounded, (gint64[]) { 1, 2 }, 2);

  /* Every column comes back as it was written. */
  record = &g_array_index (bounded, TallyAuditRecord, 0);
  g_assert_cmpint (record->time, ==, 1000);
  g_assert_cmpstr (record->actor, ==, USER_ID);
  g_assert_cmpstr (record->actor_email, ==, EMAIL);
  g_assert_cmpstr (record->action, ==, "run.succeeded");
  g_assert_cmpstr (record->target, ==, "run-1");
  g_assert_cmpstr (record->outcome, ==, "ok");
  g_assert_cmpstr (record->details, ==, "{\"held\":5}");
  g_assert_cmpint (record->format, ==, 2);
  assert_filled (record->prev_hash, TALLY_AUDIT_HASH_LEN, 0);
  assert_filled (record->hash, TALLY_AUDIT_HASH_LEN, 1);
  assert_filled ((const guint8 *) record->field_keys, sizeof record->field_keys, 0x41);
  assert_filled ((const guint8 *) record->field_digests, sizeof record->field_digests, 0x81);
  g_assert_null (g_array_index (bounded, TallyAuditRecord, 1).target);
  g_assert_null (g_array_index (bounded, TallyAuditRecord, 1).actor_email);
}

static GArray *
query (TestRig               *rig,
       const TallyAuditQuery *filters,
       guint                  limit)
{
  g_autoptr(GError) error = NULL;
  GArray *records = tally_store_audit_query (rig->store, filters, limit, &error);

  g_assert_no_error (error);
  return records;
}

static void
test_store_audit_query (TestRig       *rig,
                        gconstpointer  data)
{
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) runs = NULL;
  g_autoptr(GArray) exact = NULL;
  g_autoptr(GArray) literal = NULL;
  g_autoptr(GArray) by_email = NULL;
  g_autoptr(GArray) failed = NULL;
  g_autoptr(GArray) window = NULL;
  g_autoptr(GArray) before = NULL;

  add (rig, 1, 1000, USER_ID, EMAIL, "run.succeeded", "run-1", "ok", "{\"note\":\"50% off\"}");
  add (rig, 2, 2000, USER_ID, EMAIL, "run.failed", "run-2", "failed", "{\"note\":\"500\"}");
  add (rig, 3, 3000, "system", NULL, "runner.started", NULL, "ok", "{}");
  add (rig, 4, 4000, "anonymous", NULL, "auth.login", "bob@example.com", "refused", "{}");

  /* No filter: newest first, up to the limit. */
  all = query (rig, &(TallyAuditQuery) { 0 }, 3);
  assert_seqs (all, (gint64[]) { 4, 3, 2 }, 3);
  /* "run." is a prefix: runner.started is not a run.* action. */
  runs = query (rig, &(TallyAuditQuery) { .action = "run." }, 10);
  assert_seqs (runs, (gint64[]) { 2, 1 }, 2);
  exact = query (rig, &(TallyAuditQuery) { .action = "run" }, 10);
  assert_seqs (exact, NULL, 0);
  /* The search is literal: "%" matches itself only. */
  literal = query (rig, &(TallyAuditQuery) { .search = "50%" }, 10);
  assert_seqs (literal, (gint64[]) { 1 }, 1);
  by_email = query (rig, &(TallyAuditQuery) { .search = "ada@", .actor = USER_ID }, 10);
  assert_seqs (by_email, (gint64[]) { 2, 1 }, 2);
  failed = query (rig, &(TallyAuditQuery) { .outcome = "failed" }, 10);
  assert_seqs (failed, (gint64[]) { 2 }, 1);
  /* since is inclusive, until exclusive. */
  window = query (rig, &(TallyAuditQuery) { .since = 2000, .until = 4000 }, 10);
  assert_seqs (window, (gint64[]) { 3, 2 }, 2);
  before = query (rig, &(TallyAuditQuery) { .before_seq = 3 }, 10);
  assert_seqs (before, (gint64[]) { 2, 1 }, 2);
}

static void
test_store_audit_subject (TestRig       *rig,
                          gconstpointer  data)
{
  const TallyAuditSubject subject = { USER_ID, ACCOUNT_ID, EMAIL, "Ada Lovelace" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) about = NULL;
  g_autoptr(GArray) everywhere = NULL;

  add (rig, 1, 1000, USER_ID, NULL, "auth.logout", NULL, "ok", "{}");
  add (rig, 2, 2000, "system", NULL, "account.granted", ACCOUNT_ID, "ok", "{}");
  add (rig, 3, 3000, "anonymous", NULL, "auth.login", "ADA@Example.com", "refused", "{}");
  add (rig, 4, 4000, "other", "Ada@EXAMPLE.com", "auth.login", NULL, "ok", "{}");
  add (rig, 5, 5000, "other", NULL, "team.invited", NULL, "ok",
       "{\"email\":\"Ada@Example.COM\"}");
  add (rig, 6, 6000, "other", NULL, "team.invited", "invite to ada@example.com", "ok", "{}");
  add (rig, 7, 7000, "other", NULL, "team.invited", "bob@example.com", "ok", "{}");

  /* By them, or with their id, account or email as the whole target; an
   * actor_email of theirs too, whatever its case. */
  about = tally_store_audit_read_subject (rig->store, &subject, FALSE, &error);
  g_assert_no_error (error);
  assert_seqs (about, (gint64[]) { 1, 2, 3, 4 }, 4);
  /* Searching the text adds their email anywhere in the details or target. */
  everywhere = tally_store_audit_read_subject (rig->store, &subject, TRUE, &error);
  g_assert_no_error (error);
  assert_seqs (everywhere, (gint64[]) { 1, 2, 3, 4, 5, 6 }, 6);
}

static void
test_store_audit_rewrite (TestRig       *rig,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = NULL;
  TallyAuditRecord *record;
  gint64 legacy = -1;

  add (rig, 1, 1000, USER_ID, EMAIL, "auth.login", EMAIL, "ok", "{\"email\":\"" EMAIL "\"}");
  add_plain (rig, 2, 2000, "auth.logout");

  records = tally_store_audit_read_after (rig->store, 0, G_MAXINT64, 10, &error);
  g_assert_no_error (error);
  assert_seqs (records, (gint64[]) { 1, 2 }, 2);

  /* Erasure: new text in the sealed fields, the keys forgotten. */
  record = &g_array_index (records, TallyAuditRecord, 0);
  g_clear_pointer (&record->actor_email, g_free);
  g_free (record->target);
  record->target = g_strdup (USER_ID);
  g_free (record->details);
  record->details = g_strdup ("{\"email\":\"" USER_ID "\"}");
  memset (record->field_keys, 0, sizeof record->field_keys);
  g_assert_true (tally_store_audit_update_sealed (rig->store, record, &error));

  /* The upgrade: record 2 back to format 1, then relinked in format 2. */
  record = &g_array_index (records, TallyAuditRecord, 1);
  record->format = 1;
  g_assert_true (tally_store_audit_update_link (rig->store, record, &error));
  g_assert_true (tally_store_audit_count_legacy (rig->store, &legacy, &error));
  g_assert_cmpint (legacy, ==, 1);
  record->format = 2;
  memset (record->prev_hash, 0x11, sizeof record->prev_hash);
  memset (record->hash, 0x22, sizeof record->hash);
  memset (record->field_keys, 0x33, sizeof record->field_keys);
  memset (record->field_digests, 0x44, sizeof record->field_digests);
  g_assert_true (tally_store_audit_update_link (rig->store, record, &error));
  g_assert_true (tally_store_audit_count_legacy (rig->store, &legacy, &error));
  g_assert_cmpint (legacy, ==, 0);
  g_assert_no_error (error);

  g_clear_pointer (&records, g_array_unref);
  records = tally_store_audit_read_after (rig->store, 0, G_MAXINT64, 10, &error);
  g_assert_no_error (error);
  record = &g_array_index (records, TallyAuditRecord, 0);
  g_assert_null (record->actor_email);
  g_assert_cmpstr (record->target, ==, USER_ID);
  g_assert_cmpstr (record->details, ==, "{\"email\":\"" USER_ID "\"}");
  assert_filled ((const guint8 *) record->field_keys, sizeof record->field_keys, 0);
  /* The digests and the link are what erasure leaves alone. */
  assert_filled ((const guint8 *) record->field_digests, sizeof record->field_digests, 0x81);
  assert_filled (record->hash, TALLY_AUDIT_HASH_LEN, 1);

  record = &g_array_index (records, TallyAuditRecord, 1);
  g_assert_cmpint (record->format, ==, 2);
  assert_filled (record->prev_hash, TALLY_AUDIT_HASH_LEN, 0x11);
  assert_filled (record->hash, TALLY_AUDIT_HASH_LEN, 0x22);
  assert_filled ((const guint8 *) record->field_keys, sizeof record->field_keys, 0x33);
  assert_filled ((const guint8 *) record->field_digests, sizeof record->field_digests, 0x44);
}

static void
test_store_audit_expiring_runs (TestRig       *rig,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) runs = NULL;
  const TallyRun *run;

  test_rig_add_run (rig->store, "at-start", TALLY_RUN_STATUS_AUTHORIZED, 5, 1000);
  test_rig_add_run (rig->store, "inside", TALLY_RUN_STATUS_AUTHORIZED, 7, 1500);
  test_rig_add_run (rig->store, "at-end", TALLY_RUN_STATUS_AUTHORIZED, 9, 2000);
  test_rig_add_run (rig->store, "later", TALLY_RUN_STATUS_AUTHORIZED, 5, 2001);
  test_rig_add_run (rig->store, "nothing-held", TALLY_RUN_STATUS_AUTHORIZED, 0, 1500);
  test_rig_add_run (rig->store, "completed", TALLY_RUN_STATUS_SUCCEEDED, 5, 1500);

  /* After the last sweep (exclusive) up to now (inclusive). */
  runs = tally_store_list_expiring_runs (rig->store, 1000, 2000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (runs);
  g_assert_cmpuint (runs->len, ==, 2);
  for (guint i = 0; i < runs->len; i++)
    {
      run = &g_array_index (runs, TallyRun, i);
      g_assert_true (g_str_equal (run->id, "inside") || g_str_equal (run->id, "at-end"));
      g_assert_cmpint (run->held, ==, g_str_equal (run->id, "inside") ? 7 : 9);
      g_assert_cmpstr (run->user_id, ==, USER_ID);
      g_assert_cmpstr (run->tool_id, ==, "image-resize");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  test_rig_add ("/store-audit/links", test_store_audit_links);
  test_rig_add ("/store-audit/read-after", test_store_audit_read_after);
  test_rig_add ("/store-audit/query", test_store_audit_query);
  test_rig_add ("/store-audit/subject", test_store_audit_subject);
  test_rig_add ("/store-audit/rewrite", test_store_audit_rewrite);

  test_rig_add ("/store-audit/expiring-runs", test_store_audit_expiring_runs);

  return g_test_run ();
}
