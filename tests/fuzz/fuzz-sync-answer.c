/* fuzz-sync-answer.c: the server's answer to POST /v1/sync, as the app's
 * local cache decodes and applies it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "tally-cache.h"
#include "tally-ledger-sqlite.h"

/* Every input starts from the same cache: a real first answer of the
 * server (tally-server, captured for tests/fuzz/corpus/sync-answer/
 * real-first-sync.json): a grant, a posted and an open run, and the
 * device's lease, cursor 5; and one op in the outbox, the one the seed
 * real-ops-and-void.json settles. Inputs can post or void the open holds,
 * repeat the transfers, settle the op. */
#define OP_ID "9c8b7a69-5847-4362-a514-0f1e2d3c4b5a"

static const char base_answer[] =
  "{\"cursor\": 5, \"results\": [], \"more\": false, \"accounts\": [{\"id\": \"c7f10625-ab03-4a18-81dc-b"
  "0f2b24bd138\", \"kind\": \"user\", \"name\": \"Ada\", \"balance\": 94, \"available\": 33, \"held\": 61}],"
  " \"transfers\": ["
  "{\"id\": \"f327e8be-6bde-4646-a017-966c73246217\", \"seq\": 1, \"kind\": \"grant\", \"debit_account_i"
  "d\": \"00000000-0000-4000-8000-000000000002\", \"credit_account_id\": \"c7f10625-ab03-4a18-81dc-"
  "b0f2b24bd138\", \"amount\": 100, \"pending_id\": null, \"flags\": {\"pending\": false, \"post_pendin"
  "g\": false, \"void_pending\": false}, \"tool\": null, \"units\": 0, \"ref\": \"\", \"description\": \"we"
  "lcome\", \"created_at\": \"2026-11-26T10:48:19.440273Z\"}, "
  "{\"id\": \"52fbb72e-249b-4305-9982-68aa04ec61c3\", \"seq\": 2, \"kind\": \"consumption\", \"debit_acc"
  "ount_id\": \"c7f10625-ab03-4a18-81dc-b0f2b24bd138\", \"credit_account_id\": \"00000000-0000-4000"
  "-8000-000000000004\", \"amount\": 11, \"pending_id\": null, \"flags\": {\"pending\": true, \"post_pe"
  "nding\": false, \"void_pending\": false}, \"tool\": \"image-convert\", \"units\": 0, \"ref\": \"52fbb7"
  "2e-249b-4305-9982-68aa04ec61c3\", \"description\": \"Convert image format\", \"created_at\": \"202"
  "6-11-26T10:48:19.629765Z\"}, "
  "{\"id\": \"2f18621a-2532-855c-89af-108ce335f00c\", \"seq\": 3, \"kind\": \"consumption\", \"debit_acc"
  "ount_id\": \"c7f10625-ab03-4a18-81dc-b0f2b24bd138\", \"credit_account_id\": \"00000000-0000-4000"
  "-8000-000000000004\", \"amount\": 6, \"pending_id\": \"52fbb72e-249b-4305-9982-68aa04ec61c3\", \"f"
  "lags\": {\"pending\": false, \"post_pending\": true, \"void_pending\": false}, \"tool\": \"image-con"
  "vert\", \"units\": 20, \"ref\": \"52fbb72e-249b-4305-9982-68aa04ec61c3\", \"description\": \"\", \"cre"
  "ated_at\": \"2026-11-26T10:48:19.643058Z\"}, "
  "{\"id\": \"0678865b-d0a7-4a21-9f36-1353422aa8b5\", \"seq\": 4, \"kind\": \"consumption\", \"debit_acc"
  "ount_id\": \"c7f10625-ab03-4a18-81dc-b0f2b24bd138\", \"credit_account_id\": \"00000000-0000-4000"
  "-8000-000000000004\", \"amount\": 11, \"pending_id\": null, \"flags\": {\"pending\": true, \"post_pe"
  "nding\": false, \"void_pending\": false}, \"tool\": \"image-convert\", \"units\": 0, \"ref\": \"067886"
  "5b-d0a7-4a21-9f36-1353422aa8b5\", \"description\": \"Convert image format\", \"created_at\": \"202"
  "6-11-26T10:48:19.796606Z\"}, "
  "{\"id\": \"8d49e97e-970d-4338-b9b5-9e81d216aaaf\", \"seq\": 5, \"kind\": \"lease\", \"debit_account_i"
  "d\": \"c7f10625-ab03-4a18-81dc-b0f2b24bd138\", \"credit_account_id\": \"c69b380a-45b8-4f46-b762-"
  "8a3cdbc4aa15\", \"amount\": 50, \"pending_id\": null, \"flags\": {\"pending\": true, \"post_pending\""
  ": false, \"void_pending\": false}, \"tool\": null, \"units\": 0, \"ref\": \"c69b380a-45b8-4f46-b762"
  "-8a3cdbc4aa15\", \"description\": \"Offline lease\", \"created_at\": \"2026-11-26T10:48:19.812365Z"
  "\"}"
  "], \"lease\": {\"id\": \"8d49e97e-970d-4338-b9b5-9e81d216aaaf\", \"amount\": 50, \"remaining\": 50, "
  "\"expires_at\": \"2026-12-03T10:48:19.812365Z\"}}";

static const char base_op[] =
  "{\"id\": \"" OP_ID "\", \"type\": \"run\", \"tool\": \"image-convert\", \"units\": 20,"
  " \"outcome\": \"succeeded\", \"cost\": 6, \"created_at\": \"2026-03-01T11:00:00Z\"}";

static TallyCache *cache;
static char *cache_dir;

static JsonObject *
parse_object (const char *text,
              gssize      length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

/* The cache's folder goes when the fuzzer exits: the file, its -wal and
 * its -shm (SQLite's connection is gone or about to be; Linux lets the
 * files go either way). */
static void
remove_cache_dir (void)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (cache_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (cache_dir);
}

/* Once per process: a cache on a file of its own. Its commits need not
 * reach the disk. */
static TallyCache *
open_cache (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  TallyCache *opened;

  cache_dir = g_dir_make_tmp ("fuzz-sync-answer-XXXXXX", NULL);
  fuzz_require (cache_dir != NULL);
  atexit (remove_cache_dir);
  path = g_build_filename (cache_dir, "cache.db", NULL);
  opened = tally_cache_open (path, &error);
  fuzz_require (opened != NULL);
  fuzz_require (sqlite3_exec (tally_ledger_get_sqlite (tally_cache_get_ledger (opened)),
                              "PRAGMA synchronous = OFF", NULL, NULL, NULL) == SQLITE_OK);
  return opened;
}

static void
apply_text (const char *text)
{
  g_autoptr(JsonObject) answer = parse_object (text, -1);
  g_autoptr(GError) error = NULL;

  fuzz_require (answer != NULL);
  fuzz_require (tally_cache_apply_sync_answer (cache, answer, &error));
}

static void
reset_cache (void)
{
  g_autoptr(JsonObject) op = parse_object (base_op, -1);
  g_autoptr(GError) error = NULL;

  fuzz_require (tally_cache_reset_mirror (cache, &error));
  fuzz_require (tally_cache_get_cursor (cache) == 0);
  fuzz_require (tally_cache_dismiss_rejected (cache, OP_ID, &error));
  fuzz_require (tally_cache_outbox_add (cache, op, &error));
  fuzz_require (tally_cache_outbox_count (cache) == 1);
  apply_text (base_answer);
}

/* A digest of every row the cache has, app tables included. */
static char *
fingerprint (void)
{
  static const char * const queries[] = {
    "SELECT * FROM accounts ORDER BY num",
    "SELECT * FROM transfers ORDER BY seq",
    "SELECT * FROM pending ORDER BY seq",
    "SELECT * FROM sync_state",
    "SELECT * FROM outbox ORDER BY position",
    "SELECT * FROM rejected_ops ORDER BY id",
    "SELECT * FROM documents ORDER BY name",
  };
  sqlite3 *db = tally_ledger_get_sqlite (tally_cache_get_ledger (cache));
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = NULL;

      fuzz_require (sqlite3_prepare_v2 (db, queries[q], -1, &stmt, NULL) == SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              const guchar *value = sqlite3_column_text (stmt, c);

              g_checksum_update (checksum, value ? value : (const guchar *) "\1", -1);
              g_checksum_update (checksum, (const guchar *) "\0", 1);
            }
        }
      sqlite3_finalize (stmt);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

static void
require_ledger_clean (void)
{
  g_autoptr(GError) error = NULL;

  if (!tally_ledger_check (tally_cache_get_ledger (cache), &error))
    {
      g_printerr ("fuzz: the cache's ledger is broken: %s\n", error->message);
      abort ();
    }
}

/* A refused answer is named as one; SQLite refusing a write (a CHECK, an
 * overflow) would mean a bad answer got past the checks. */
static void
require_refused_cleanly (const GError          *error,
                         const char            *before,
                         gint64                 cursor,
                         const TallyCacheLease *lease)
{
  g_autofree char *after = fingerprint ();
  TallyCacheLease lease_after;

  fuzz_require (error != NULL);
  if (error->domain == TALLY_LEDGER_ERROR && error->code == TALLY_LEDGER_ERROR_STORAGE)
    {
      g_printerr ("fuzz: the answer reached SQLite: %s\n", error->message);
      abort ();
    }
  fuzz_require (error->domain == TALLY_CACHE_ERROR || error->domain == TALLY_LEDGER_ERROR);
  fuzz_touch_string (error->message);

  fuzz_require (g_str_equal (before, after));
  fuzz_require (tally_cache_get_cursor (cache) == cursor);
  tally_cache_get_lease (cache, &lease_after);
  fuzz_require (memcmp (lease, &lease_after, sizeof lease_after) == 0);
}

static void
require_applied (JsonObject *answer,
                 gint64      cursor)
{
  TallyCacheLease lease;

  /* Decoded, the cursor is a non-negative integer; it never goes back. */
  fuzz_require (tally_cache_get_cursor (cache) ==
                MAX (cursor, json_object_get_int_member (answer, "cursor")));
  tally_cache_get_lease (cache, &lease);
  fuzz_require (lease.id[0] == '\0' || g_uuid_string_is_valid (lease.id));
  fuzz_require (lease.amount >= 0 && lease.remaining >= 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  TallyCacheLease lease;
  gint64 cursor;

  if (cache == NULL)
    cache = open_cache ();

  answer = parse_object ((const char *) data, (gssize) size);
  if (answer == NULL)
    return 0;

  reset_cache ();
  before = fingerprint ();
  cursor = tally_cache_get_cursor (cache);
  tally_cache_get_lease (cache, &lease);

  if (tally_cache_apply_sync_answer (cache, answer, &error))
    require_applied (answer, cursor);
  else
    require_refused_cleanly (error, before, cursor, &lease);

  require_ledger_clean ();
  return 0;
}
