/* tally-store-audit.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-audit.h"
#include "tally-store-private.h"

/* A blob of any other size (NULL, or damaged) reads as zeros. */
static void
copy_blob (sqlite3_stmt *stmt,
           int           column,
           void         *dest,
           gsize         size)
{
  const void *blob = sqlite3_column_blob (stmt, column);

  memset (dest, 0, size);
  if (blob != NULL && (gsize) sqlite3_column_bytes (stmt, column) == size)
    memcpy (dest, blob, size);
}

/* --- links --- */

/* Steps a "SELECT seq, hash" that gives at most one row. */
static gboolean
fetch_link (TallyStore    *self,
            sqlite3_stmt  *stmt,
            gboolean      *found,
            gint64        *seq,
            guint8         hash[TALLY_AUDIT_HASH_LEN],
            GError       **error)
{
  int rc = sqlite3_step (stmt);

  *found = rc == SQLITE_ROW;
  if (*found)
    {
      *seq = sqlite3_column_int64 (stmt, 0);
      copy_blob (stmt, 1, hash, TALLY_AUDIT_HASH_LEN);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return TRUE;
}

gboolean
tally_store_audit_read_anchor (TallyStore  *self,
                               gint64      *seq,
                               guint8       hash[TALLY_AUDIT_HASH_LEN],
                               GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_AUDIT_ANCHOR, error);
  gboolean found;

  *seq = 0;
  memset (hash, 0, TALLY_AUDIT_HASH_LEN);
  return stmt != NULL && fetch_link (self, stmt, &found, seq, hash, error);
}

gboolean
tally_store_audit_save_anchor (TallyStore    *self,
                               gint64         seq,
                               const guint8   hash[TALLY_AUDIT_HASH_LEN],
                               GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT OR REPLACE INTO audit_anchor (id, seq, hash) "
                                            "VALUES (1, ?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_blob (stmt, 2, hash, TALLY_AUDIT_HASH_LEN, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_audit_read_head (TallyStore  *self,
                             gboolean    *found,
                             gint64      *seq,
                             guint8       hash[TALLY_AUDIT_HASH_LEN],
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_AUDIT_HEAD, error);

  return stmt != NULL && fetch_link (self, stmt, found, seq, hash, error);
}

gboolean
tally_store_audit_find_link (TallyStore  *self,
                             gint64       seq,
                             gboolean    *found,
                             guint8       hash[TALLY_AUDIT_HASH_LEN],
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "SELECT seq, hash FROM audit WHERE seq = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  return fetch_link (self, stmt, found, &seq, hash, error);
}

gboolean
tally_store_audit_find_link_before (TallyStore  *self,
                                    gint64       time,
                                    gboolean    *found,
                                    gint64      *seq,
                                    guint8       hash[TALLY_AUDIT_HASH_LEN],
                                    GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT seq, hash FROM audit WHERE time < ? "
                                            "ORDER BY seq DESC LIMIT 1",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, time);
  return fetch_link (self, stmt, found, seq, hash, error);
}

/* --- writing --- */

gboolean
tally_store_audit_insert (TallyStore              *self,
                          const TallyAuditRecord  *record,
                          GError                 **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO audit ("
                                            TALLY_STORE_AUDIT_COLUMNS ") "
                                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, record->seq);
  sqlite3_bind_text (stmt, 2, record->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, record->time);
  sqlite3_bind_text (stmt, 4, record->actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, record->actor_email, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, record->action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, record->target, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, record->outcome, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, record->details, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 10, record->prev_hash, TALLY_AUDIT_HASH_LEN, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 11, record->hash, TALLY_AUDIT_HASH_LEN, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 12, record->format);
  sqlite3_bind_blob (stmt, 13, record->field_keys, sizeof record->field_keys, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 14, record->field_digests, sizeof record->field_digests,
                     SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_audit_update_link (TallyStore              *self,
                               const TallyAuditRecord  *record,
                               GError                 **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE audit SET format = ?, field_keys = ?, "
                                            "field_digests = ?, prev_hash = ?, hash = ? "
                                            "WHERE seq = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, record->format);
  sqlite3_bind_blob (stmt, 2, record->field_keys, sizeof record->field_keys, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, record->field_digests, sizeof record->field_digests,
                     SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, record->prev_hash, TALLY_AUDIT_HASH_LEN, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 5, record->hash, TALLY_AUDIT_HASH_LEN, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, record->seq);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_audit_update_sealed (TallyStore              *self,
                                 const TallyAuditRecord  *record,
                                 GError                 **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE audit SET actor_email = ?, target = ?, "
                                            "details = ?, field_keys = ? WHERE seq = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->actor_email, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, record->target, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, record->details, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, record->field_keys, sizeof record->field_keys, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, record->seq);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_audit_delete_through (TallyStore  *self,
                                  gint64       seq,
                                  GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "DELETE FROM audit WHERE seq <= ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  return tally_store_step_done (self, stmt, error);
}

/* --- reading --- */

gboolean
tally_store_audit_count_legacy (TallyStore  *self,
                                gint64      *count,
                                GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_AUDIT_COUNT_LEGACY,
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *count = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return tally_store_sqlite_failed (self, error);
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

static void
read_record (sqlite3_stmt     *stmt,
             TallyAuditRecord *record)
{
  memset (record, 0, sizeof *record);
  record->seq = sqlite3_column_int64 (stmt, 0);
  tally_store_copy_text (stmt, 1, record->id, sizeof record->id);
  record->time = sqlite3_column_int64 (stmt, 2);
  record->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  record->actor_email = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  record->action = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  record->target = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  record->outcome = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  record->details = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  copy_blob (stmt, 9, record->prev_hash, TALLY_AUDIT_HASH_LEN);
  copy_blob (stmt, 10, record->hash, TALLY_AUDIT_HASH_LEN);
  record->format = sqlite3_column_int (stmt, 11);
  copy_blob (stmt, 12, record->field_keys, sizeof record->field_keys);
  copy_blob (stmt, 13, record->field_digests, sizeof record->field_digests);
}

/* Every row the statement gives, or NULL. */
static GArray *
read_records (TallyStore    *self,
              sqlite3_stmt  *stmt,
              GError       **error)
{
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (TallyAuditRecord));
  int rc;

  g_array_set_clear_func (records, record_clear);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyAuditRecord record;

      read_record (stmt, &record);
      g_array_append_val (records, record);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&records);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_number_or_null (sqlite3_stmt *stmt,
                     int           index,
                     gint64        number)
{
  if (number != 0)
    sqlite3_bind_int64 (stmt, index, number);
  else
    sqlite3_bind_null (stmt, index);
}

GArray *
tally_store_audit_query (TallyStore             *self,
                         const TallyAuditQuery  *query,
                         guint                   limit,
                         GError                **error)
{
  g_autofree char *pattern = NULL;
  gboolean prefix;
  sqlite3_stmt *stmt;

  /* One statement for every combination: an absent filter binds NULL. */
  stmt = tally_store_prepare (self,
                              "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                              "WHERE (?1 IS NULL OR actor = ?1) "
                              "AND (?2 IS NULL OR action = ?2 "
                              "     OR (?3 AND substr (action, 1, length (?2)) = ?2)) "
                              "AND (?4 IS NULL OR target LIKE ?4 ESCAPE '\\' "
                              "     OR details LIKE ?4 ESCAPE '\\' "
                              "     OR actor_email LIKE ?4 ESCAPE '\\') "
                              "AND (?5 IS NULL OR time >= ?5) "
                              "AND (?6 IS NULL OR time < ?6) "
                              "AND (?7 IS NULL OR seq < ?7) "
                              "AND (?9 IS NULL OR outcome = ?9) "
                              "ORDER BY seq DESC LIMIT ?8",
                              error);
  if (stmt == NULL)
    return NULL;

  prefix = query->action != NULL && g_str_has_suffix (query->action, ".");
  if (query->search != NULL)
    pattern = tally_store_like_pattern (query->search);
  bind_text_or_null (stmt, 1, query->actor);
  bind_text_or_null (stmt, 2, query->action);
  sqlite3_bind_int (stmt, 3, prefix ? 1 : 0);
  bind_text_or_null (stmt, 4, pattern);
  bind_number_or_null (stmt, 5, query->since);
  bind_number_or_null (stmt, 6, query->until);
  bind_number_or_null (stmt, 7, query->before_seq);
  sqlite3_bind_int64 (stmt, 8, limit);
  bind_text_or_null (stmt, 9, query->outcome);
  return read_records (self, stmt, error);
}

GArray *
tally_store_audit_read_after (TallyStore  *self,
                              gint64       after_seq,
                              gint64       last_seq,
                              guint        limit,
                              GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                                            "WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, last_seq);
  sqlite3_bind_int64 (stmt, 3, limit);
  return read_records (self, stmt, error);
}

/* A whole scan of the text when @search_text: an erasure is rare and must
 * miss nothing. */
GArray *
tally_store_audit_read_subject (TallyStore               *self,
                                const TallyAuditSubject  *subject,
                                gboolean                  search_text,
                                GError                  **error)
{
  g_autofree char *email = g_ascii_strdown (subject->email, -1);
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "SELECT " TALLY_STORE_AUDIT_COLUMNS "FROM audit "
                                            "WHERE actor = ?1 OR target = ?1 OR target = ?2 "
                                            "OR lower (target) = ?3 OR lower (actor_email) = ?3 "
                                            "OR (?4 AND instr (lower (details), ?3) > 0) "
                                            "OR (?4 AND instr (lower (target), ?3) > 0) "
                                            "ORDER BY seq",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, subject->user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, subject->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 4, search_text ? 1 : 0);
  return read_records (self, stmt, error);
}
