/* tally-audit.h: the hash-chained audit log, in the ledger file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-rules-store.h"
#include "tally-store-audit.h"
#include "tally-store-runs.h"
#include "tally-writer.h"

G_BEGIN_DECLS

/* Records written since format 2 do not hash their personal fields
 * (actor_email, target, details) into the chain, but a keyed digest of
 * each: SHA-256 over a random key of the record's own and the text. Erasure
 * rewrites a field and forgets its key; the digest still links the chain,
 * and without the key nobody can test a guess against it (docs/privacy.md). */
#define TALLY_AUDIT_FORMAT 2

/* TallyAuditRecord, TallyAuditSubject and TallyAuditQuery are in
 * tally-store-audit.h, which reads and writes them. */

#define TALLY_TYPE_AUDIT (tally_audit_get_type ())

G_DECLARE_FINAL_TYPE (TallyAudit, tally_audit, TALLY, AUDIT, GObject)

TallyAudit  *tally_audit_new              (TallyRulesStore   *store,
                                           TallyWriter       *writer);
/* A worker thread's, through a store of its own (on SQLite, a reader on
 * a read-only connection): it reads, and never appends. */
TallyAudit  *tally_audit_new_reader       (TallyRulesStore   *store);

/* Appends a record inside the current transaction, so it commits (or is
 * undone) with what it describes: call it from a TallyWriteFunc. @actor
 * NULL is "system"; a user with an empty id is "anonymous". @details
 * (transfer full, nullable) must never hold a password, a token or a
 * request body. */
gboolean     tally_audit_record           (TallyAudit        *self,
                                           const TallyUser   *actor,
                                           const char        *action,
                                           const char        *target,
                                           const char        *outcome,
                                           JsonObject        *details,
                                           GError           **error);
/* The same for an event that writes nothing else (a refused sign-in):
 * queued to the writer as a small write of its own. */
void         tally_audit_submit           (TallyAudit        *self,
                                           const TallyUser   *actor,
                                           const char        *action,
                                           const char        *target,
                                           const char        *outcome,
                                           JsonObject        *details);

/* Details in one expression: @format has one character per key/value
 * pair, 's' a string (NULL gives null), 'i' a gint64, 'b' a gboolean. */
JsonObject  *tally_audit_details          (const char        *format,
                                           ...);
/* A JSON object's text (an answer that was given) as details; NULL when
 * @text is NULL or not an object. */
JsonObject  *tally_audit_details_json     (const char        *text);
/* "run.succeeded", ... and "ok" or "failed", for a run that ended. */
const char  *tally_audit_run_action       (TallyRunStatus     status);
const char  *tally_audit_run_outcome      (TallyRunStatus     status);

/* Records run.expired for each hold that the expiry sweep at @now is about
 * to release: call it in the same write, before the sweep. */
gboolean     tally_audit_record_expiring  (TallyAudit        *self,
                                           gint64             now,
                                           GError           **error);

/* Newest first; *@next_before_seq is 0 on the last page. */
GArray      *tally_audit_query            (TallyAudit        *self,
                                           const TallyAuditQuery *query,
                                           gint64            *next_before_seq,
                                           GError           **error);
/* Up to @limit records after @after_seq and up to @last_seq, oldest first. */
GArray      *tally_audit_read_after       (TallyAudit        *self,
                                           gint64             after_seq,
                                           gint64             last_seq,
                                           guint              limit,
                                           GError           **error);
gint64       tally_audit_get_last_seq     (TallyAudit        *self);
void         tally_audit_record_hash      (const TallyAuditRecord *record,
                                           guint8             hash[TALLY_AUDIT_HASH_LEN]);
/* A sealed field's digest under @key. */
void         tally_audit_field_digest     (const guint8       key[TALLY_AUDIT_HASH_LEN],
                                           const char        *text,
                                           guint8             digest[TALLY_AUDIT_HASH_LEN]);
const char  *tally_audit_sealed_text      (const TallyAuditRecord *record,
                                           TallyAuditSealedField field);

/* In the current transaction: every record that holds @subject's email
 * (its actor's email, target or details) or, in a record by or about them,
 * their name, has those replaced by their id and the key of each field it
 * changed forgotten. The chain still verifies. Records of format 1 cannot
 * be changed: *@n_legacy counts those that hold the email. */
gboolean     tally_audit_pseudonymise     (TallyAudit        *self,
                                           const TallyAuditSubject *subject,
                                           gint64            *n_changed,
                                           gint64            *n_legacy,
                                           GError           **error);
/* Records by @subject or about them (target their id, account or email),
 * oldest first. */
GArray      *tally_audit_about            (TallyAudit        *self,
                                           const TallyAuditSubject *subject,
                                           GError           **error);

/* Walks the chain from its anchor. TRUE when it could be read; then
 * *@broken_at is 0 when every link holds, else the first record that does
 * not, with @message saying why. */
gboolean     tally_audit_verify           (TallyAudit        *self,
                                           gint64            *n_records,
                                           gint64            *broken_at,
                                           char             **message,
                                           GError           **error);

/* Rewrites a chain that still holds records of format 1 (0.1.0) in format
 * 2, once, if it verifies, and records audit.upgraded with the head it
 * had; queued to the writer. */
void         tally_audit_start_upgrade    (TallyAudit        *self);

/* Deletes records older than @days (0 keeps them forever) once now and
 * then every day, keeping the hash of the last one deleted as the chain's
 * new anchor. The sweep runs on a worker thread with a connection of its
 * own, @batch records a transaction, so requests and their writes go on
 * meanwhile; audit.pruned records each batch once it ends. */
void         tally_audit_start_retention  (TallyAudit        *self,
                                           gint64             days,
                                           gint64             batch);
/* No more ticks; a sweep running stops after its current batch. */
void         tally_audit_stop_retention   (TallyAudit        *self);

G_END_DECLS
