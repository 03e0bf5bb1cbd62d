/* tally-test-rig.c: a real ledger and store, or a whole TallyServer, on a
 * temporary SQLite file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tally-pg-store.h"
#include "tally-test-rig.h"

/* A folder named after the test program, so that one left behind by a
 * crash says whose it is. */
static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  g_autofree char *template = g_strconcat (program, "-XXXXXX", NULL);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
test_rig_setup (TestRig       *rig,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  rig->dir = make_dir ();
  rig->path = g_build_filename (rig->dir, "ledger.db", NULL);
  rig->ledger = tally_ledger_open (rig->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  rig->store = tally_store_new (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_setup_server (TestRig       *rig,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  rig->dir = make_dir ();
  rig->config = tally_config_new ();
  g_free (rig->config->data_dir);
  rig->config->data_dir = g_strdup (rig->dir);
  g_free (rig->config->tools_dir);
  rig->config->tools_dir = g_strdup (g_getenv ("TALLY_TOOLS_DIR"));

  rig->server = tally_server_new (rig->config, &error);
  g_assert_no_error (error);
  /* The server's default store: SQLite in @dir. */
  rig->store = g_object_ref (TALLY_STORE (tally_server_get_store (rig->server)));
  rig->ledger = g_object_ref (tally_store_get_ledger (rig->store));
}

void
test_rig_teardown (TestRig       *rig,
                   gconstpointer  data)
{
  g_clear_object (&rig->store);
  g_clear_object (&rig->ledger);
  g_clear_object (&rig->server);
  g_clear_pointer (&rig->config, tally_config_free);
  g_assert_true (test_remove_tree (rig->dir));
  g_clear_pointer (&rig->path, g_free);
  g_clear_pointer (&rig->dir, g_free);
}

void
test_rig_begin (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  tally_ledger_begin (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_commit (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  tally_ledger_commit (rig->ledger, &error);
  g_assert_no_error (error);
}

void
test_rig_user_new (TestRig    *rig,
                   const char *email,
                   TallyRole   role,
                   TallyUser  *user)
{
  g_autoptr(GError) error = NULL;

  test_rig_begin (rig);
  tally_store_create_user (rig->store, email, "Test", "not-a-hash", role, user, &error);
  g_assert_no_error (error);
  test_rig_commit (rig);
}

gint64
test_rig_available (TestRig    *rig,
                    const char *account_id)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  tally_ledger_lookup_account (rig->ledger, account_id, &account, &error);
  g_assert_no_error (error);
  return tally_account_available (&account);
}

void
test_rig_assert_clean (TestRig *rig)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_check (rig->ledger, &error));
  g_assert_no_error (error);
}

void
test_rig_add_run (TallyStore     *store,
                  const char     *id,
                  TallyRunStatus  status,
                  gint64          held,
                  gint64          hold_expires_at)
{
  g_autoptr(GError) error = NULL;
  TallyRun run = { 0 };

  g_strlcpy (run.id, id, sizeof run.id);
  g_strlcpy (run.user_id, TEST_RIG_USER_ID, sizeof run.user_id);
  g_strlcpy (run.account_id, TEST_RIG_ACCOUNT_ID, sizeof run.account_id);
  g_strlcpy (run.tool_id, "image-resize", sizeof run.tool_id);
  g_strlcpy (run.request_digest, "digest", sizeof run.request_digest);
  run.status = status;
  run.held = held;
  run.authorize_status = 201;
  run.authorize_body = (char *) "{}";
  run.created_at = 1;
  run.hold_expires_at = hold_expires_at;
  g_assert_true (tally_store_insert_run (store, &run, "{}", &error));
  g_assert_no_error (error);
}

/* The record at @select's row, as stored, but for its hashes; format 1
 * when @legacy. */
static void
read_audit_record (sqlite3_stmt     *select,
                   gboolean          legacy,
                   TallyAuditRecord *record)
{
  record->seq = sqlite3_column_int64 (select, 0);
  g_strlcpy (record->id, (const char *) sqlite3_column_text (select, 1), sizeof record->id);
  record->time = sqlite3_column_int64 (select, 2);
  record->actor = (char *) sqlite3_column_text (select, 3);
  record->actor_email = (char *) sqlite3_column_text (select, 4);
  record->action = (char *) sqlite3_column_text (select, 5);
  record->target = (char *) sqlite3_column_text (select, 6);
  record->outcome = (char *) sqlite3_column_text (select, 7);
  record->details = (char *) sqlite3_column_text (select, 8);
  record->format = legacy ? 1 : sqlite3_column_int (select, 9);
  if (!legacy && sqlite3_column_bytes (select, 10) == sizeof record->field_digests)
    memcpy (record->field_digests, sqlite3_column_blob (select, 10),
            sizeof record->field_digests);
}

void
test_rig_rehash_audit (const char *path,
                       gboolean    legacy)
{
  const char *rewrite = legacy ? "UPDATE audit SET prev_hash = ?, hash = ?, format = 1, "
                                 "field_keys = NULL, field_digests = NULL WHERE seq = ?"
                               : "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?";
  guint8 prev[TALLY_AUDIT_HASH_LEN] = { 0 };
  sqlite3_stmt *select = NULL, *update = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, id, time, actor, actor_email, action, "
                                       "target, outcome, details, format, field_digests "
                                       "FROM audit ORDER BY seq",
                                       -1, &select, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, rewrite, -1, &update, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  while (sqlite3_step (select) == SQLITE_ROW)
    {
      TallyAuditRecord record = { 0 };

      read_audit_record (select, legacy, &record);
      memcpy (record.prev_hash, prev, sizeof prev);
      tally_audit_record_hash (&record, record.hash);

      sqlite3_bind_blob (update, 1, record.prev_hash, TALLY_AUDIT_HASH_LEN, SQLITE_TRANSIENT);
      sqlite3_bind_blob (update, 2, record.hash, TALLY_AUDIT_HASH_LEN, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (update, 3, record.seq);
      g_assert_cmpint (sqlite3_step (update), ==, SQLITE_DONE);
      sqlite3_reset (update);
      memcpy (prev, record.hash, sizeof prev);
    }
  sqlite3_finalize (select);
  sqlite3_finalize (update);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

void
test_rig_rehash_audit_pg (const char *url)
{
  guint8 prev[TALLY_AUDIT_HASH_LEN] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPgStore) pg_store = tally_pg_store_connect (url, &error);
  TallyRulesStore *store = TALLY_RULES_STORE (pg_store);
  g_autoptr(GArray) records = NULL;

  g_assert_no_error (error);
  /* One transaction: thousands of records, one commit. */
  g_assert_true (tally_rules_store_begin (store, &error));
  records = tally_rules_store_audit_read_after (store, 0, G_MAXINT64, G_MAXUINT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    {
      TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);

      memcpy (record->prev_hash, prev, sizeof prev);
      tally_audit_record_hash (record, record->hash);
      g_assert_true (tally_rules_store_audit_update_link (store, record, &error));
      g_assert_no_error (error);
      memcpy (prev, record->hash, sizeof prev);
    }
  g_assert_true (tally_rules_store_commit (store, &error));
}
