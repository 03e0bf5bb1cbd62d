/* test-rules-store-audit.c: the audit log's calls of TallyRulesStore,
 * sweeps and the data version, on both stores
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What tally-audit.c and tally-events.c rely on: the chain's links and
 * anchor, records read back byte for byte (NULLs too), updates that
 * change only their fields, the filters, limits and order of the reads,
 * one unbroken chain when two connections append at once, a sweep's
 * batches in transactions of their own on a connection of their own, and
 * a data version that tells another connection's commit.
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

#define RACE_APPENDS 40

static void
record_init (TallyAuditRecord *record,
             gint64            seq,
             gint64            time,
             const char       *actor,
             const char       *action)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (record, 0, sizeof *record);
  record->seq = seq;
  g_strlcpy (record->id, id, sizeof record->id);
  record->time = time;
  record->actor = (char *) actor;
  record->action = (char *) action;
  record->outcome = (char *) "ok";
  record->details = (char *) "{}";
  record->format = 2;
  memset (record->prev_hash, seq - 1, sizeof record->prev_hash);
  memset (record->hash, seq, sizeof record->hash);
  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    {
      memset (record->field_keys[i], 0x10 * (i + 1) + seq, TALLY_AUDIT_HASH_LEN);
      memset (record->field_digests[i], 0x80 + i + seq, TALLY_AUDIT_HASH_LEN);
    }
}

static void
insert (StoreFixture           *fixture,
        const TallyAuditRecord *record)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_insert (fixture->store, record, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
assert_same_record (const TallyAuditRecord *got,
                    const TallyAuditRecord *want)
{
  g_assert_cmpint (got->seq, ==, want->seq);
  g_assert_cmpstr (got->id, ==, want->id);
  g_assert_cmpint (got->time, ==, want->time);
  g_assert_cmpstr (got->actor, ==, want->actor);
  g_assert_cmpstr (got->actor_email, ==, want->actor_email);
  g_assert_cmpstr (got->action, ==, want->action);
  g_assert_cmpstr (got->target, ==, want->target);
  g_assert_cmpstr (got->outcome, ==, want->outcome);
  g_assert_cmpstr (got->details, ==, want->details);
  g_assert_cmpmem (got->prev_hash, TALLY_AUDIT_HASH_LEN, want->prev_hash, TALLY_AUDIT_HASH_LEN);
  g_assert_cmpmem (got->hash, TALLY_AUDIT_HASH_LEN, want->hash, TALLY_AUDIT_HASH_LEN);
  g_assert_cmpint (got->format, ==, want->format);
  g_assert_cmpmem (got->field_keys, sizeof got->field_keys, want->field_keys,
                   sizeof want->field_keys);
  g_assert_cmpmem (got->field_digests, sizeof got->field_digests, want->field_digests,
                   sizeof want->field_digests);
}

static GArray *
read_after (StoreFixture *fixture,
            gint64        after_seq,
            gint64        last_seq,
            guint         limit)
{
  g_autoptr(GError) error = NULL;
  GArray *records;

  records = tally_rules_store_audit_read_after (fixture->store, after_seq, last_seq, limit,
                                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (records);
  return records;
}

static void
assert_seqs (GArray     *records,
             const char *want)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < records->len; i++)
    g_string_append_printf (got, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                            g_array_index (records, TallyAuditRecord, i).seq);
  g_assert_cmpstr (got->str, ==, want);
}

/* Records come back as written, NULLs as NULL; the links by seq and by
 * time; reads after a seq oldest first within their limits. */
static void
test_records (StoreFixture  *fixture,
              gconstpointer  data)
{
  TallyAuditRecord records[3];
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) page = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gboolean found;
  gint64 seq;

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    record_init (&records[i], i + 1, 1000 * (i + 1), "system", "contract.test");
  records[1].actor_email = (char *) "Someone@Example.com";
  records[1].target = (char *) "a-target";
  records[1].details = (char *) "{\"amount\":5}";
  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    insert (fixture, &records[i]);

  all = read_after (fixture, 0, G_MAXINT64, 100);
  g_assert_cmpuint (all->len, ==, 3);
  for (guint i = 0; i < all->len; i++)
    assert_same_record (&g_array_index (all, TallyAuditRecord, i), &records[i]);
  g_assert_null (g_array_index (all, TallyAuditRecord, 0).actor_email);
  g_assert_null (g_array_index (all, TallyAuditRecord, 0).target);

  page = read_after (fixture, 1, G_MAXINT64, 1);
  assert_seqs (page, "2");
  g_clear_pointer (&page, g_array_unref);
  page = read_after (fixture, 0, 2, 100);
  assert_seqs (page, "1 2");
  none = read_after (fixture, 3, G_MAXINT64, 100);
  g_assert_cmpuint (none->len, ==, 0);

  g_assert_true (tally_rules_store_audit_find_link (fixture->store, 2, &found, hash, &error));
  g_assert_no_error (error);
  g_assert_true (found);
  g_assert_cmpmem (hash, sizeof hash, records[1].hash, sizeof records[1].hash);
  g_assert_true (tally_rules_store_audit_find_link (fixture->store, 9, &found, hash, &error));
  g_assert_false (found);

  /* The newest record strictly before the time. */
  g_assert_true (tally_rules_store_audit_find_link_before (fixture->store, 3000, &found, &seq,
                                                           hash, &error));
  g_assert_true (found);
  g_assert_cmpint (seq, ==, 2);
  g_assert_cmpmem (hash, sizeof hash, records[1].hash, sizeof records[1].hash);
  g_assert_true (tally_rules_store_audit_find_link_before (fixture->store, 1000, &found, &seq,
                                                           hash, &error));
  g_assert_no_error (error);
  g_assert_false (found);

  /* A second record at a seq is refused. */
  stores_begin (fixture);
  g_assert_false (tally_rules_store_audit_insert (fixture->store, &records[2], &error));
  g_assert_nonnull (error);
  tally_rules_store_rollback (fixture->store);
}

/* Each update writes its own fields and no other; format 1 is counted;
 * deleting through a seq leaves the rest, and the anchor is one row. */
static void
test_updates (StoreFixture  *fixture,
              gconstpointer  data)
{
  TallyAuditRecord records[3], want;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 count = -1, seq;
  gboolean found;

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      record_init (&records[i], i + 1, 1000 * (i + 1), "system", "contract.test");
      records[i].format = 1;
      records[i].actor_email = (char *) "old@example.com";
      records[i].target = (char *) "old-target";
      insert (fixture, &records[i]);
    }
  g_assert_true (tally_rules_store_audit_count_legacy (fixture->store, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, 3);

  /* The link: format, keys, digests and both hashes. */
  want = records[0];
  want.format = 2;
  memset (want.field_keys, 0x5a, sizeof want.field_keys);
  memset (want.field_digests, 0x6b, sizeof want.field_digests);
  memset (want.prev_hash, 0x7c, sizeof want.prev_hash);
  memset (want.hash, 0x8d, sizeof want.hash);
  /* Not written by this update. */
  want.actor_email = (char *) "ignored@example.com";
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_update_link (fixture->store, &want, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  want.actor_email = records[0].actor_email;

  /* Sealed: email, target, details and keys; NULL clears. */
  records[1].actor_email = NULL;
  records[1].target = (char *) "user-id";
  records[1].details = (char *) "{\"email\":\"user-id\"}";
  memset (records[1].field_keys, 0, sizeof records[1].field_keys);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_update_sealed (fixture->store, &records[1], &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  all = read_after (fixture, 0, G_MAXINT64, 100);
  g_assert_cmpuint (all->len, ==, 3);
  assert_same_record (&g_array_index (all, TallyAuditRecord, 0), &want);
  assert_same_record (&g_array_index (all, TallyAuditRecord, 1), &records[1]);
  assert_same_record (&g_array_index (all, TallyAuditRecord, 2), &records[2]);
  g_assert_true (tally_rules_store_audit_count_legacy (fixture->store, &count, &error));
  g_assert_cmpint (count, ==, 2);

  /* Retention: through seq 2, then the anchor, saved twice. */
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_delete_through (fixture->store, 2, &error));
  g_assert_true (tally_rules_store_audit_save_anchor (fixture->store, 1, records[0].hash,
                                                      &error));
  g_assert_true (tally_rules_store_audit_save_anchor (fixture->store, 2, records[1].hash,
                                                      &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_clear_pointer (&all, g_array_unref);
  all = read_after (fixture, 0, G_MAXINT64, 100);
  assert_seqs (all, "3");
  g_assert_true (tally_rules_store_audit_read_anchor (fixture->store, &seq, hash, &error));
  g_assert_cmpint (seq, ==, 2);
  g_assert_cmpmem (hash, sizeof hash, records[1].hash, sizeof records[1].hash);
  g_assert_true (tally_rules_store_audit_read_head (fixture->store, &found, &seq, hash, &error));
  g_assert_true (found);
  g_assert_cmpint (seq, ==, 3);

  /* Everything: no head, the anchor stays. */
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_delete_through (fixture->store, 3, &error));
  stores_commit (fixture);
  g_assert_true (tally_rules_store_audit_read_head (fixture->store, &found, &seq, hash, &error));
  g_assert_no_error (error);
  g_assert_false (found);
}

static GArray *
query (StoreFixture          *fixture,
       const TallyAuditQuery *query,
       guint                  limit)
{
  g_autoptr(GError) error = NULL;
  GArray *records = tally_rules_store_audit_query (fixture->store, query, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (records);
  return records;
}

static void
assert_query (StoreFixture          *fixture,
              const TallyAuditQuery *filter,
              guint                  limit,
              const char            *want)
{
  g_autoptr(GArray) records = query (fixture, filter, limit);

  assert_seqs (records, want);
}

/* Each filter alone and together, newest first, within the limit; the
 * search is literal and ignores the case of ASCII letters only. */
static void
test_query (StoreFixture  *fixture,
            gconstpointer  data)
{
  static const struct
  {
    const char *actor;
    const char *action;
    const char *outcome;
    const char *target;
    const char *email;
    const char *details;
  } rows[] = {
    { "u1", "run.authorized", "ok", "Run-ABC", NULL, "{}" },
    { "u1", "run.completed", "ok", "run-def", "Alice@Example.com", "{\"note\":\"50%_off\"}" },
    { "u2", "grant.created", "refused", NULL, "bob@example.com", "{\"note\":\"50 off\"}" },
    { "u2", "runner.x", "failed", "ÄRGER", NULL, "{}" },
    { "system", "run.expired", "ok", "other", NULL, "{}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      TallyAuditRecord record;

      record_init (&record, i + 1, 1000 * (i + 1), rows[i].actor, rows[i].action);
      record.outcome = (char *) rows[i].outcome;
      record.target = (char *) rows[i].target;
      record.actor_email = (char *) rows[i].email;
      record.details = (char *) rows[i].details;
      insert (fixture, &record);
    }

  assert_query (fixture, &(TallyAuditQuery) { 0 }, 100, "5 4 3 2 1");
  assert_query (fixture, &(TallyAuditQuery) { 0 }, 2, "5 4");
  assert_query (fixture, &(TallyAuditQuery) { .actor = "u1" }, 100, "2 1");
  assert_query (fixture, &(TallyAuditQuery) { .actor = "nobody" }, 100, "");
  assert_query (fixture, &(TallyAuditQuery) { .action = "run.completed" }, 100, "2");
  /* A prefix ends with a dot: "run." is not "runner.". */
  assert_query (fixture, &(TallyAuditQuery) { .action = "run." }, 100, "5 2 1");
  assert_query (fixture, &(TallyAuditQuery) { .action = "run" }, 100, "");
  assert_query (fixture, &(TallyAuditQuery) { .outcome = "refused" }, 100, "3");
  assert_query (fixture, &(TallyAuditQuery) { .since = 2000, .until = 4000 }, 100, "3 2");
  assert_query (fixture, &(TallyAuditQuery) { .before_seq = 3 }, 100, "2 1");
  /* Target, details or email; ASCII case ignored. */
  assert_query (fixture, &(TallyAuditQuery) { .search = "run-abc" }, 100, "1");
  assert_query (fixture, &(TallyAuditQuery) { .search = "ALICE@" }, 100, "2");
  assert_query (fixture, &(TallyAuditQuery) { .search = "example.com" }, 100, "3 2");
  /* % and _ are literal. */
  assert_query (fixture, &(TallyAuditQuery) { .search = "50%_" }, 100, "2");
  assert_query (fixture, &(TallyAuditQuery) { .search = "50_" }, 100, "");
  /* SQLite folds ASCII letters only: "ärger" is not "ÄRGER". */
  assert_query (fixture, &(TallyAuditQuery) { .search = "ÄRGER" }, 100, "4");
  assert_query (fixture, &(TallyAuditQuery) { .search = "ärger" }, 100, "");
  assert_query (fixture, &(TallyAuditQuery) { .actor = "u1", .action = "run.", .search = "def",
                                              .outcome = "ok", .since = 1, .until = 9000,
                                              .before_seq = 5 }, 100, "2");
}

/* By the subject, with their id, account or email as target; with the
 * text, every record whose details or target hold the email. */
static void
test_subject (StoreFixture  *fixture,
              gconstpointer  data)
{
  static const struct
  {
    const char *actor;
    const char *target;
    const char *email;
    const char *details;
  } rows[] = {
    { "subject-id", NULL, NULL, "{}" },
    { "admin", "subject-id", NULL, "{}" },
    { "admin", "subject-account", NULL, "{}" },
    { "admin", "Carol@Example.COM", NULL, "{}" },
    { "someone", NULL, "CAROL@example.com", "{}" },
    { "admin", NULL, NULL, "{\"to\":\"x CAROL@EXAMPLE.com y\"}" },
    { "admin", "invite carol@example.com", NULL, "{}" },
    { "admin", "other", "dave@example.com", "{\"to\":\"dave@example.com\"}" },
  };
  TallyAuditSubject subject = { "subject-id", "subject-account", "Carol@example.com", "Carol" };
  g_autoptr(GArray) by = NULL;
  g_autoptr(GArray) text = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      TallyAuditRecord record;

      record_init (&record, i + 1, 1000 * (i + 1), rows[i].actor, "contract.test");
      record.target = (char *) rows[i].target;
      record.actor_email = (char *) rows[i].email;
      record.details = (char *) rows[i].details;
      insert (fixture, &record);
    }

  by = tally_rules_store_audit_read_subject (fixture->store, &subject, FALSE, &error);
  g_assert_no_error (error);
  assert_seqs (by, "1 2 3 4 5");
  text = tally_rules_store_audit_read_subject (fixture->store, &subject, TRUE, &error);
  g_assert_no_error (error);
  assert_seqs (text, "1 2 3 4 5 6 7");
}

/* The rules' own chain through the store: records appended, pseudonymised
 * and verified. */
static void
test_chain_verifies (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autoptr(TallyAudit) audit = tally_audit_new_reader (fixture->store);
  TallyAuditSubject subject = { fixture->user.id, fixture->user.account_id, fixture->user.email,
                                fixture->user.name };
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 n, broken_at, changed, legacy;

  stores_begin (fixture);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_true (tally_audit_record (audit, i % 2 ? &fixture->user : NULL, "contract.test",
                                         fixture->user.email, "ok",
                                         tally_audit_details ("s", "email", fixture->user.email),
                                         &error));
      g_assert_no_error (error);
    }
  stores_commit (fixture);

  stores_begin (fixture);
  g_assert_true (tally_audit_pseudonymise (audit, &subject, &changed, &legacy, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_cmpint (changed, ==, 5);
  g_assert_cmpint (legacy, ==, 0);

  g_assert_true (tally_audit_verify (audit, &n, &broken_at, &message, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (message, ==, NULL);
  g_assert_cmpint (broken_at, ==, 0);
  g_assert_cmpint (n, ==, 5);
  g_assert_cmpint (tally_audit_get_last_seq (audit), ==, 5);
}

/* A second connection to the fixture's store: a TallyStore on the same
 * file, or a TallyPgStore on the same database. */
static TallyRulesStore *
open_second (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = NULL;
  TallyStore *store;

  if (fixture->pg_store != NULL)
    {
      TallyPgStore *pg_store = tally_pg_store_new (tally_pg_store_get_url (fixture->pg_store),
                                                   &error);

      g_assert_no_error (error);
      return TALLY_RULES_STORE (pg_store);
    }

  ledger = tally_ledger_open (fixture->base.path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  store = tally_store_new (ledger, &error);
  g_assert_no_error (error);
  return TALLY_RULES_STORE (store);
}

/* Appends RACE_APPENDS records, each in a transaction of its own, on a
 * connection of its own, as a second server's writer would. */
static gpointer
append_records (gpointer data)
{
  TallyRulesStore *store = data;
  g_autoptr(TallyAudit) audit = tally_audit_new_reader (store);

  for (guint i = 0; i < RACE_APPENDS; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (tally_rules_store_begin (store, &error));
      g_assert_no_error (error);
      g_assert_true (tally_audit_record (audit, NULL, "contract.race", NULL, "ok", NULL, &error));
      g_assert_no_error (error);
      g_assert_true (tally_rules_store_commit (store, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

/* How many advisory locks the fixture's connection holds, seen from
 * another. */
static gint64
count_advisory_locks (StoreFixture    *fixture,
                      TallyRulesStore *other)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) pid = NULL;
  g_autoptr(PGresult) locks = NULL;
  const char *values[1];

  pid = tally_pg_exec (tally_pg_store_get_pg (fixture->pg_store), "SELECT pg_backend_pid ()", 0,
                       NULL, &error);
  g_assert_no_error (error);
  values[0] = PQgetvalue (pid, 0, 0);
  locks = tally_pg_exec (tally_pg_store_get_pg (TALLY_PG_STORE (other)),
                         "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                         "AND pid = $1::int AND granted", 1, values, &error);
  g_assert_no_error (error);
  return tally_pg_get_int64 (locks, 0, 0);
}

/* On PostgreSQL, an append and a ledger batch in one transaction hold one
 * lock, as does a change to a written record: two servers cannot take two
 * in opposite orders and deadlock. */
static void
assert_one_lock (StoreFixture    *fixture,
                 TallyRulesStore *other)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) first = NULL;
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gboolean found;
  gint64 seq;

  if (fixture->pg_store == NULL)
    return;

  g_assert_cmpint (count_advisory_locks (fixture, other), ==, 0);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_read_head (fixture->store, &found, &seq, hash, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_advisory_locks (fixture, other), ==, 1);
  stores_grant (fixture, 5);
  g_assert_cmpint (count_advisory_locks (fixture, other), ==, 1);
  stores_commit (fixture);
  g_assert_cmpint (count_advisory_locks (fixture, other), ==, 0);

  first = read_after (fixture, 0, 1, 1);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_update_sealed (fixture->store,
                                                        &g_array_index (first, TallyAuditRecord,
                                                                        0),
                                                        &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_advisory_locks (fixture, other), ==, 1);
  stores_commit (fixture);
}

/* Two connections append at once, from two threads: the chain is one
 * order, unbroken, with every record. */
static void
test_appends_race (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autoptr(TallyRulesStore) first = open_second (fixture);
  g_autoptr(TallyRulesStore) second = open_second (fixture);
  g_autoptr(TallyAudit) audit = tally_audit_new_reader (fixture->store);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GThread *threads[2];
  gint64 n, broken_at;

  threads[0] = g_thread_new ("append-1", append_records, first);
  threads[1] = g_thread_new ("append-2", append_records, second);
  g_thread_join (threads[0]);
  g_thread_join (threads[1]);

  g_assert_true (tally_audit_verify (audit, &n, &broken_at, &message, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (message, ==, NULL);
  g_assert_cmpint (broken_at, ==, 0);
  g_assert_cmpint (n, ==, 2 * RACE_APPENDS);
  g_assert_cmpint (tally_audit_get_last_seq (audit), ==, 2 * RACE_APPENDS);

  assert_one_lock (fixture, first);
}

typedef struct
{
  TallyRulesStore *fixture_store;
  guint            batches;
  gboolean         fail_third;
  GMainLoop       *loop;
  gboolean         ok;
  GError          *error;
} Sweep;

/* Inserts one record a batch through the sweep's store, then deletes the
 * first (as retention does); the third batch fails after its insert. */
static gboolean
sweep_batch (TallyRulesStore  *store,
             gpointer          data,
             gboolean         *more,
             GError          **error)
{
  Sweep *sweep = data;
  TallyAuditRecord record;

  g_assert_true (store != sweep->fixture_store);
  g_assert_false (g_main_context_is_owner (g_main_context_default ()));
  sweep->batches++;
  record_init (&record, sweep->batches, 1000, "system", "contract.sweep");
  if (!tally_rules_store_audit_insert (store, &record, error))
    return FALSE;
  if (sweep->fail_third && sweep->batches == 3)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The third batch fails");
      return FALSE;
    }
  *more = sweep->batches < 4;
  return sweep->batches < 4 || tally_rules_store_audit_delete_through (store, 1, error);
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
run_sweep (StoreFixture *fixture,
           Sweep        *sweep)
{
  sweep->fixture_store = fixture->store;
  sweep->loop = g_main_loop_new (NULL, FALSE);
  tally_rules_store_sweep_async (fixture->store, sweep_batch, sweep, NULL, NULL, sweep_done,
                                 sweep);
  g_main_loop_run (sweep->loop);
  g_main_loop_unref (sweep->loop);
}

/* Each batch commits alone on the sweep's own connection, off the main
 * thread: a failing one undoes only itself and ends the sweep. */
static void
test_sweep_batches (StoreFixture  *fixture,
                    gconstpointer  data)
{
  Sweep sweep = { 0 };
  Sweep failing = { .fail_third = TRUE };
  g_autoptr(GArray) records = NULL;

  run_sweep (fixture, &sweep);
  g_assert_no_error (sweep.error);
  g_assert_true (sweep.ok);
  g_assert_cmpuint (sweep.batches, ==, 4);
  records = read_after (fixture, 0, G_MAXINT64, 100);
  assert_seqs (records, "2 3 4");

  stores_begin (fixture);
  g_assert_true (tally_rules_store_audit_delete_through (fixture->store, 4, NULL));
  stores_commit (fixture);
  run_sweep (fixture, &failing);
  g_assert_false (failing.ok);
  g_assert_error (failing.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&failing.error);
  g_assert_cmpuint (failing.batches, ==, 3);
  g_clear_pointer (&records, g_array_unref);
  records = read_after (fixture, 0, G_MAXINT64, 100);
  assert_seqs (records, "1 2");
}

/* A retention sweep as tally-audit.c's: from the anchor, up to two records
 * a batch, of those before the cutoff; what each batch deleted is noted. */
typedef struct
{
  /* Both sweeps' worker threads add to it. */
  GMutex     mutex;
  GArray    *ranges;
  GMainLoop *loop;
  guint      running;
  GError    *error;
} Retention;

static gboolean
retention_batch (TallyRulesStore  *store,
                 gpointer          data,
                 gboolean         *more,
                 GError          **error)
{
  Retention *retention = data;
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 anchor, seq, range[2];
  gboolean found;

  if (!tally_rules_store_audit_read_anchor (store, &anchor, hash, error) ||
      !tally_rules_store_audit_find_link_before (store, 10000, &found, &seq, hash, error))
    return FALSE;
  if (!found)
    return TRUE;
  /* Long enough for the other sweep to read the same anchor, unless it
   * waits for this batch. */
  g_usleep (G_USEC_PER_SEC / 50);
  if (seq > anchor + 2)
    {
      seq = anchor + 2;
      *more = TRUE;
      if (!tally_rules_store_audit_find_link (store, seq, &found, hash, error))
        return FALSE;
    }
  if (!tally_rules_store_audit_delete_through (store, seq, error) ||
      !tally_rules_store_audit_save_anchor (store, seq, hash, error))
    return FALSE;

  range[0] = anchor + 1;
  range[1] = seq;
  g_mutex_lock (&retention->mutex);
  g_array_append_vals (retention->ranges, range, 1);
  g_mutex_unlock (&retention->mutex);
  return TRUE;
}

static void
retention_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Retention *retention = data;

  if (!tally_rules_store_sweep_finish (TALLY_RULES_STORE (source), result, &retention->error))
    g_assert_no_error (retention->error);
  if (--retention->running == 0)
    g_main_loop_quit (retention->loop);
}

static gint
compare_range (gconstpointer a,
               gconstpointer b)
{
  const gint64 *x = a, *y = b;

  return (*x > *y) - (*x < *y);
}

/* Two servers' retention sweeps at once take turns: between them they
 * delete every old record once, each batch from where the other left the
 * anchor, and no range is reported twice. */
static void
test_sweeps_take_turns (StoreFixture  *fixture,
                        gconstpointer  data)
{
  g_autoptr(TallyRulesStore) other = open_second (fixture);
  Retention retention = { 0 };
  g_autoptr(GArray) left = NULL;
  gint64 expected = 1;

  for (guint i = 1; i <= 9; i++)
    {
      TallyAuditRecord record;

      record_init (&record, i, i < 9 ? 1000 * i : 20000, "system", "contract.retention");
      insert (fixture, &record);
    }

  g_mutex_init (&retention.mutex);
  retention.ranges = g_array_new (FALSE, FALSE, 2 * sizeof (gint64));
  retention.loop = g_main_loop_new (NULL, FALSE);
  retention.running = 2;
  tally_rules_store_sweep_async (fixture->store, retention_batch, &retention, NULL, NULL,
                                 retention_done, &retention);
  tally_rules_store_sweep_async (other, retention_batch, &retention, NULL, NULL,
                                 retention_done, &retention);
  g_main_loop_run (retention.loop);
  g_main_loop_unref (retention.loop);

  g_array_sort (retention.ranges, compare_range);
  for (guint i = 0; i < retention.ranges->len; i++)
    {
      const gint64 *range = &g_array_index (retention.ranges, gint64, 2 * i);

      g_assert_cmpint (range[0], ==, expected);
      g_assert_cmpint (range[1], >=, range[0]);
      expected = range[1] + 1;
    }
  g_assert_cmpint (expected, ==, 9);
  g_array_unref (retention.ranges);
  g_mutex_clear (&retention.mutex);
  left = read_after (fixture, 0, G_MAXINT64, 100);
  assert_seqs (left, "9");
}

static gint64
data_version (TallyRulesStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 version = 0;

  g_assert_true (tally_rules_store_read_data_version (store, &version, &error));
  g_assert_no_error (error);
  return version;
}

/* Another connection's commit changes the version; reading alone does
 * not. */
static void
test_data_version (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autoptr(TallyRulesStore) other = open_second (fixture);
  g_autoptr(GError) error = NULL;
  TallyAuditRecord record;
  gint64 before, after;

  before = data_version (fixture->store);
  g_assert_cmpint (data_version (fixture->store), ==, before);

  record_init (&record, 1, 1000, "system", "contract.version");
  g_assert_true (tally_rules_store_begin (other, &error));
  g_assert_true (tally_rules_store_audit_insert (other, &record, &error));
  g_assert_true (tally_rules_store_commit (other, &error));
  g_assert_no_error (error);

  after = data_version (fixture->store);
  g_assert_cmpint (after, !=, before);
  g_assert_cmpint (data_version (fixture->store), ==, after);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("audit-records", test_records);
  stores_add ("audit-updates", test_updates);
  stores_add ("audit-query", test_query);
  stores_add ("audit-subject", test_subject);
  stores_add ("audit-chain-verifies", test_chain_verifies);
  stores_add ("audit-appends-race", test_appends_race);
  stores_add ("sweep-batches", test_sweep_batches);
  stores_add ("sweeps-take-turns", test_sweeps_take_turns);
  stores_add ("data-version", test_data_version);

  return stores_run ();
}
