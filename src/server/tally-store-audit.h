/* tally-store-audit.h: the audit log's tables, audit and audit_anchor
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

#define TALLY_AUDIT_HASH_LEN 32

typedef enum
{
  TALLY_AUDIT_FIELD_ACTOR_EMAIL,
  TALLY_AUDIT_FIELD_TARGET,
  TALLY_AUDIT_FIELD_DETAILS,
  TALLY_AUDIT_N_SEALED_FIELDS,
} TallyAuditSealedField;

/* One record as stored. Each record's hash is SHA-256 over the hash before
 * it and the record's fields (see tally_audit_record_hash()), so changing
 * or removing any record breaks every link after it. */
typedef struct
{
  gint64  seq;
  char    id[TALLY_UUID_LEN];
  gint64  time;
  char   *actor;
  char   *actor_email;
  char   *action;
  char   *target;
  char   *outcome;
  char   *details;
  guint8  prev_hash[TALLY_AUDIT_HASH_LEN];
  guint8  hash[TALLY_AUDIT_HASH_LEN];
  /* 1: the fields themselves are hashed; 2: their digests. */
  int     format;
  /* Format 2: all zeros once the field was pseudonymised. */
  guint8  field_keys[TALLY_AUDIT_N_SEALED_FIELDS][TALLY_AUDIT_HASH_LEN];
  guint8  field_digests[TALLY_AUDIT_N_SEALED_FIELDS][TALLY_AUDIT_HASH_LEN];
} TallyAuditRecord;

/* Whom erasure pseudonymises: what is replaced by @user_id in the records
 * that hold it. */
typedef struct
{
  const char *user_id;
  const char *account_id;
  const char *email;
  const char *name;
} TallyAuditSubject;

/* A page of GET /v1/admin/audit; NULL or 0 members filter nothing. */
typedef struct
{
  const char *actor;
  /* Ending with ".", a prefix: "run." is every run.* action. */
  const char *action;
  /* Literal text in the target, the details or the actor's email. */
  const char *search;
  /* "ok", "refused" or "failed". */
  const char *outcome;
  gint64      since;
  gint64      until;
  gint64      before_seq;
  guint       limit;
} TallyAuditQuery;

/* The links of the chain: a record's seq and hash. */

/* Where the chain starts: the last record deleted by retention, or seq 0
 * and a hash of zeros. */
gboolean tally_store_audit_read_anchor     (TallyStore              *self,
                                            gint64                  *seq,
                                            guint8                   hash[TALLY_AUDIT_HASH_LEN],
                                            GError                 **error);
gboolean tally_store_audit_save_anchor     (TallyStore              *self,
                                            gint64                   seq,
                                            const guint8             hash[TALLY_AUDIT_HASH_LEN],
                                            GError                 **error);
/* The newest record's link; *@found is FALSE (and the rest untouched)
 * when there is no record. */
gboolean tally_store_audit_read_head       (TallyStore              *self,
                                            gboolean                *found,
                                            gint64                  *seq,
                                            guint8                   hash[TALLY_AUDIT_HASH_LEN],
                                            GError                 **error);
/* The link of record @seq; *@found is FALSE (and @hash untouched) when
 * there is none. */
gboolean tally_store_audit_find_link       (TallyStore              *self,
                                            gint64                   seq,
                                            gboolean                *found,
                                            guint8                   hash[TALLY_AUDIT_HASH_LEN],
                                            GError                 **error);
/* The link of the newest record written before @time; the same when
 * there is none. */
gboolean tally_store_audit_find_link_before (TallyStore             *self,
                                            gint64                   time,
                                            gboolean                *found,
                                            gint64                  *seq,
                                            guint8                   hash[TALLY_AUDIT_HASH_LEN],
                                            GError                 **error);

/* Writing records. */
gboolean tally_store_audit_insert          (TallyStore              *self,
                                            const TallyAuditRecord  *record,
                                            GError                 **error);
/* Stores the record's format, keys, digests and both hashes. */
gboolean tally_store_audit_update_link     (TallyStore              *self,
                                            const TallyAuditRecord  *record,
                                            GError                 **error);
/* Stores the record's actor_email, target, details and keys. */
gboolean tally_store_audit_update_sealed   (TallyStore              *self,
                                            const TallyAuditRecord  *record,
                                            GError                 **error);
/* Deletes every record up to and including @seq. */
gboolean tally_store_audit_delete_through  (TallyStore              *self,
                                            gint64                   seq,
                                            GError                 **error);

/* Reading records: each a GArray of TallyAuditRecord that frees their
 * strings. */

/* How many records are still of format 1. */
gboolean tally_store_audit_count_legacy    (TallyStore              *self,
                                            gint64                  *count,
                                            GError                 **error);
/* Up to @limit records that match @query (its own limit unused), newest
 * first. */
GArray  *tally_store_audit_query           (TallyStore              *self,
                                            const TallyAuditQuery   *query,
                                            guint                    limit,
                                            GError                 **error);
/* Up to @limit records after @after_seq and up to @last_seq, oldest first. */
GArray  *tally_store_audit_read_after      (TallyStore              *self,
                                            gint64                   after_seq,
                                            gint64                   last_seq,
                                            guint                    limit,
                                            GError                 **error);
/* Records by @subject or with their id, account or email as target, oldest
 * first; with @search_text also every one whose target or details hold
 * their email, ASCII case ignored. */
GArray  *tally_store_audit_read_subject    (TallyStore              *self,
                                            const TallyAuditSubject *subject,
                                            gboolean                 search_text,
                                            GError                 **error);

G_END_DECLS
