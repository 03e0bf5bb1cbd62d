/* tally-pg-store-audit.c: the audit log's chain on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-private.h"
#include "tally-store-sql.h"

/* SQLite's lower() and LIKE fold ASCII letters only; PostgreSQL's fold
 * more, and by the database's locale (a Turkish one lowers "I" to a
 * dotless i). Folding the same 26 letters finds what SQLite finds. */
#define ASCII_LOWER(x) \
  "translate (" x ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"

/* A bytea of any other size (NULL, or damaged) reads as zeros, as on
 * SQLite. */
static void
copy_bytes (const PGresult *res,
            int             row,
            int             col,
            void           *dest,
            gsize           size)
{
  if (!tally_pg_get_bytes (res, row, col, dest, size))
    memset (dest, 0, size);
}

/* bytea's hex input for a value longer than TallyPgParams holds. */
static char *
bytea_hex (const void *bytes,
           gsize       size)
{
  const guint8 *in = bytes;
  GString *hex = g_string_sized_new (2 + 2 * size);

  g_string_append (hex, "\\x");
  for (gsize i = 0; i < size; i++)
    g_string_append_printf (hex, "%02x", in[i]);
  return g_string_free (hex, FALSE);
}

/* --- one writer of the chain at a time --- */

/* The chain is one total order across every server sharing the database:
 * a record's seq and prev_hash come from the head read in
 * pg_audit_read_head(), so from that read until the appending transaction
 * commits no other server may read the same head. Inside a transaction the
 * read therefore first takes the ledger's transaction-scoped advisory lock
 * (TALLY_PG_LEDGER_LOCK): an appender that waited for it reads the
 * head in a new statement, once the holder committed, and READ COMMITTED
 * gives that statement a snapshot that holds the holder's record. Locking
 * the head row (SELECT ... FOR UPDATE) would not do: an empty chain has no
 * row, and a waiter would get the row its snapshot had, the old head.
 *
 * The ledger's lock rather than one of the audit's own: a group of writes
 * posts transfers and audits in either order, and two locks taken in
 * either order by two servers would deadlock; one cannot. Groups take it
 * for their transfers anyway, so appending costs no extra turn. The calls
 * that change records already written (erasure, the format upgrade,
 * retention's sweep) take it before touching a row too, so no two of them
 * lock rows in opposite orders either. Outside a transaction nothing is
 * written after the read, and nothing is locked. */
static gboolean
lock_chain (TallyPg  *pg,
            GError  **error)
{
  if (!tally_pg_in_transaction (pg))
    return TRUE;

  return tally_pg_run_command (pg, TALLY_PG_LEDGER_LOCK, NULL, error);
}

/* --- links --- */

/* Runs a "SELECT seq, hash" that gives at most one row. */
static gboolean
fetch_link (TallyPg              *pg,
            const char           *sql,
            const TallyPgParams  *params,
            gboolean             *found,
            gint64               *seq,
            guint8                hash[TALLY_AUDIT_HASH_LEN],
            GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg, sql, params, error);

  if (res == NULL)
    return FALSE;
  *found = PQntuples (res) > 0;
  if (*found)
    {
      *seq = tally_pg_get_int64 (res, 0, 0);
      copy_bytes (res, 0, 1, hash, TALLY_AUDIT_HASH_LEN);
    }
  return TRUE;
}

static gboolean
pg_audit_read_anchor (TallyRulesStore  *rules,
                      gint64           *seq,
                      guint8            hash[TALLY_AUDIT_HASH_LEN],
                      GError          **error)
{
  gboolean found;

  *seq = 0;
  memset (hash, 0, TALLY_AUDIT_HASH_LEN);
  return fetch_link (tally_pg_store_pg (rules), TALLY_STORE_AUDIT_ANCHOR, NULL, &found, seq,
                     hash, error);
}

/* One row, id 1, which the first save inserts: the upsert decides
 * whether it is there, not a read before it. */
static gboolean
pg_audit_save_anchor (TallyRulesStore  *rules,
                      gint64            seq,
                      const guint8      hash[TALLY_AUDIT_HASH_LEN],
                      GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, seq);
  tally_pg_params_add_bytes (&params, hash, TALLY_AUDIT_HASH_LEN);
  return lock_chain (tally_pg_store_pg (rules), error) &&
         tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, $1, $2) "
                               "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, "
                               "hash = EXCLUDED.hash",
                               &params, error);
}

static gboolean
pg_audit_read_head (TallyRulesStore  *rules,
                    gboolean         *found,
                    gint64           *seq,
                    guint8            hash[TALLY_AUDIT_HASH_LEN],
                    GError          **error)
{
  TallyPg *pg = tally_pg_store_pg (rules);

  return lock_chain (pg, error) &&
         fetch_link (pg, TALLY_STORE_AUDIT_HEAD, NULL, found, seq, hash, error);
}

static gboolean
pg_audit_find_link (TallyRulesStore  *rules,
                    gint64            seq,
                    gboolean         *found,
                    guint8            hash[TALLY_AUDIT_HASH_LEN],
                    GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, seq);
  return fetch_link (tally_pg_store_pg (rules), "SELECT seq, hash FROM audit WHERE seq = $1",
                     &params, found, &seq, hash, error);
}

static gboolean
pg_audit_find_link_before (TallyRulesStore  *rules,
                           gint64            time,
                           gboolean         *found,
                           gint64           *seq,
                           guint8            hash[TALLY_AUDIT_HASH_LEN],
                           GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, time);
  return fetch_link (tally_pg_store_pg (rules),
                     "SELECT seq, hash FROM audit WHERE time < $1 ORDER BY seq DESC LIMIT 1",
                     &params, found, seq, hash, error);
}

/* --- writing --- */

/* The seq is the head's, read under the lock (see lock_chain()); the
 * primary key still refuses a second record at a seq, should a caller
 * have read the head outside a transaction. */
static gboolean
pg_audit_insert (TallyRulesStore         *rules,
                 const TallyAuditRecord  *record,
                 GError                 **error)
{
  g_autofree char *keys = bytea_hex (record->field_keys, sizeof record->field_keys);
  g_autofree char *digests = bytea_hex (record->field_digests, sizeof record->field_digests);
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, record->seq);
  tally_pg_params_add_text (&params, record->id);
  tally_pg_params_add_int64 (&params, record->time);
  tally_pg_params_add_text (&params, record->actor);
  tally_pg_params_add_text (&params, record->actor_email);
  tally_pg_params_add_text (&params, record->action);
  tally_pg_params_add_text (&params, record->target);
  tally_pg_params_add_text (&params, record->outcome);
  tally_pg_params_add_text (&params, record->details);
  tally_pg_params_add_bytes (&params, record->prev_hash, TALLY_AUDIT_HASH_LEN);
  tally_pg_params_add_bytes (&params, record->hash, TALLY_AUDIT_HASH_LEN);
  tally_pg_params_add_int64 (&params, record->format);
  tally_pg_params_add_text (&params, keys);
  tally_pg_params_add_text (&params, digests);
  return tally_pg_run_command (tally_pg_store_pg (rules),
                               "INSERT INTO audit (" TALLY_STORE_AUDIT_COLUMNS ") VALUES "
                               "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                               &params, error);
}

static gboolean
pg_audit_update_link (TallyRulesStore         *rules,
                      const TallyAuditRecord  *record,
                      GError                 **error)
{
  g_autofree char *keys = bytea_hex (record->field_keys, sizeof record->field_keys);
  g_autofree char *digests = bytea_hex (record->field_digests, sizeof record->field_digests);
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, record->format);
  tally_pg_params_add_text (&params, keys);
  tally_pg_params_add_text (&params, digests);
  tally_pg_params_add_bytes (&params, record->prev_hash, TALLY_AUDIT_HASH_LEN);
  tally_pg_params_add_bytes (&params, record->hash, TALLY_AUDIT_HASH_LEN);
  tally_pg_params_add_int64 (&params, record->seq);
  return lock_chain (tally_pg_store_pg (rules), error) &&
         tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE audit SET format = $1, field_keys = $2, "
                               "field_digests = $3, prev_hash = $4, hash = $5 WHERE seq = $6",
                               &params, error);
}

static gboolean
pg_audit_update_sealed (TallyRulesStore         *rules,
                        const TallyAuditRecord  *record,
                        GError                 **error)
{
  g_autofree char *keys = bytea_hex (record->field_keys, sizeof record->field_keys);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, record->actor_email);
  tally_pg_params_add_text (&params, record->target);
  tally_pg_params_add_text (&params, record->details);
  tally_pg_params_add_text (&params, keys);
  tally_pg_params_add_int64 (&params, record->seq);
  return lock_chain (tally_pg_store_pg (rules), error) &&
         tally_pg_run_command (tally_pg_store_pg (rules),
                               "UPDATE audit SET actor_email = $1, target = $2, details = $3, "
                               "field_keys = $4 WHERE seq = $5",
                               &params, error);
}

static gboolean
pg_audit_delete_through (TallyRulesStore  *rules,
                         gint64            seq,
                         GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, seq);
  return lock_chain (tally_pg_store_pg (rules), error) &&
         tally_pg_run_command (tally_pg_store_pg (rules), "DELETE FROM audit WHERE seq <= $1",
                               &params, error);
}

/* --- reading --- */

static gboolean
pg_audit_count_legacy (TallyRulesStore  *rules,
                       gint64           *count,
                       GError          **error)
{
  g_autoptr(PGresult) res = tally_pg_run (tally_pg_store_pg (rules),
                                          TALLY_STORE_AUDIT_COUNT_LEGACY, NULL, error);

  *count = 0;
  if (res == NULL)
    return FALSE;
  *count = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

static void
record_clear (gpointer data)
{
  TallyAuditRecord *record = data;

  g_free (record->actor);
  g_free (record->actor_email);
  g_free (record->action);
  g_free (record->target);
  g_free (record->outcome);
  g_free (record->details);
}

/* NULL stays NULL: an absent email or target is not an empty one. */
static char *
dup_text (const PGresult *res,
          int             row,
          int             col)
{
  if (PQgetisnull (res, row, col))
    return NULL;
  return g_strdup (PQgetvalue (res, row, col));
}

static void
read_record (const PGresult   *res,
             int               row,
             TallyAuditRecord *record)
{
  memset (record, 0, sizeof *record);
  record->seq = tally_pg_get_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, record->id, sizeof record->id);
  record->time = tally_pg_get_int64 (res, row, 2);
  record->actor = dup_text (res, row, 3);
  record->actor_email = dup_text (res, row, 4);
  record->action = dup_text (res, row, 5);
  record->target = dup_text (res, row, 6);
  record->outcome = dup_text (res, row, 7);
  record->details = dup_text (res, row, 8);
  copy_bytes (res, row, 9, record->prev_hash, TALLY_AUDIT_HASH_LEN);
  copy_bytes (res, row, 10, record->hash, TALLY_AUDIT_HASH_LEN);
  record->format = (int) tally_pg_get_int64 (res, row, 11);
  copy_bytes (res, row, 12, record->field_keys, sizeof record->field_keys);
  copy_bytes (res, row, 13, record->field_digests, sizeof record->field_digests);
}

/* Every row the statement gives, or NULL. */
static GArray *
read_records (TallyPg              *pg,
              const char           *sql,
              const TallyPgParams  *params,
              GError              **error)
{
  g_autoptr(PGresult) res = tally_pg_run (pg, sql, params, error);
  GArray *records;
  int n;

  if (res == NULL)
    return NULL;

  n = PQntuples (res);
  records = g_array_sized_new (FALSE, TRUE, sizeof (TallyAuditRecord), n);
  g_array_set_clear_func (records, record_clear);
  g_array_set_size (records, n);
  for (int i = 0; i < n; i++)
    read_record (res, i, &g_array_index (records, TallyAuditRecord, i));
  return records;
}

/* 0 filters nothing, as on SQLite. */
static void
add_number_or_null (TallyPgParams *params,
                    gint64         number)
{
  if (number != 0)
    tally_pg_params_add_int64 (params, number);
  else
    tally_pg_params_add_text (params, NULL);
}

/* One statement for every combination: an absent filter is NULL. The
 * search is SQLite's LIKE, ASCII letters in any case, with the same
 * escaped pattern. */
static GArray *
pg_audit_query (TallyRulesStore        *rules,
                const TallyAuditQuery  *query,
                guint                   limit,
                GError                **error)
{
  g_autofree char *pattern = NULL;
  TallyPgParams params = { 0 };
  gboolean prefix;

  prefix = query->action != NULL && g_str_has_suffix (query->action, ".");
  if (query->search != NULL)
    pattern = tally_store_like_pattern (query->search);
  tally_pg_params_add_text (&params, query->actor);
  tally_pg_params_add_text (&params, query->action);
  tally_pg_params_add_int64 (&params, prefix ? 1 : 0);
  tally_pg_params_add_text (&params, pattern);
  add_number_or_null (&params, query->since);
  add_number_or_null (&params, query->until);
  add_number_or_null (&params, query->before_seq);
  tally_pg_params_add_int64 (&params, limit);
  tally_pg_params_add_text (&params, query->outcome);
  return read_records (tally_pg_store_pg (rules),
                       "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                       "WHERE ($1::text IS NULL OR actor = $1::text) "
                       "AND ($2::text IS NULL OR action = $2::text "
                       "     OR ($3::bigint = 1 "
                       "         AND substr (action, 1, length ($2::text)) = $2::text)) "
                       "AND ($4::text IS NULL "
                       "     OR " ASCII_LOWER ("target") " LIKE " ASCII_LOWER ("$4::text")
                       "        ESCAPE '\\' "
                       "     OR " ASCII_LOWER ("details") " LIKE " ASCII_LOWER ("$4::text")
                       "        ESCAPE '\\' "
                       "     OR " ASCII_LOWER ("actor_email") " LIKE " ASCII_LOWER ("$4::text")
                       "        ESCAPE '\\') "
                       "AND ($5::bigint IS NULL OR time >= $5::bigint) "
                       "AND ($6::bigint IS NULL OR time < $6::bigint) "
                       "AND ($7::bigint IS NULL OR seq < $7::bigint) "
                       "AND ($9::text IS NULL OR outcome = $9::text) "
                       "ORDER BY seq DESC LIMIT $8",
                       &params, error);
}

static GArray *
pg_audit_read_after (TallyRulesStore  *rules,
                     gint64            after_seq,
                     gint64            last_seq,
                     guint             limit,
                     GError          **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, after_seq);
  tally_pg_params_add_int64 (&params, last_seq);
  tally_pg_params_add_int64 (&params, limit);
  return read_records (tally_pg_store_pg (rules),
                       "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                       "WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
                       &params, error);
}

/* A whole scan of the text when @search_text: an erasure is rare and must
 * miss nothing. strpos() looks for the address literally, as SQLite's
 * instr(). */
static GArray *
pg_audit_read_subject (TallyRulesStore          *rules,
                       const TallyAuditSubject  *subject,
                       gboolean                  search_text,
                       GError                  **error)
{
  g_autofree char *email = g_ascii_strdown (subject->email, -1);
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, subject->user_id);
  tally_pg_params_add_text (&params, subject->account_id);
  tally_pg_params_add_text (&params, email);
  tally_pg_params_add_int64 (&params, search_text ? 1 : 0);
  return read_records (tally_pg_store_pg (rules),
                       "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                       "WHERE actor = $1 OR target = $1 OR target = $2 "
                       "OR " ASCII_LOWER ("target") " = $3 "
                       "OR " ASCII_LOWER ("actor_email") " = $3 "
                       "OR ($4 = 1 AND strpos (" ASCII_LOWER ("details") ", $3) > 0) "
                       "OR ($4 = 1 AND strpos (" ASCII_LOWER ("target") ", $3) > 0) "
                       "ORDER BY seq",
                       &params, error);
}

void
tally_pg_store_audit_init (TallyRulesStoreInterface *iface)
{
  iface->audit_read_head = pg_audit_read_head;
  iface->audit_read_anchor = pg_audit_read_anchor;
  iface->audit_save_anchor = pg_audit_save_anchor;
  iface->audit_insert = pg_audit_insert;
  iface->audit_find_link = pg_audit_find_link;
  iface->audit_find_link_before = pg_audit_find_link_before;
  iface->audit_update_link = pg_audit_update_link;
  iface->audit_update_sealed = pg_audit_update_sealed;
  iface->audit_delete_through = pg_audit_delete_through;
  iface->audit_count_legacy = pg_audit_count_legacy;
  iface->audit_query = pg_audit_query;
  iface->audit_read_after = pg_audit_read_after;
  iface->audit_read_subject = pg_audit_read_subject;
}
