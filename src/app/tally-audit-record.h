/* tally-audit-record.h: one record of the server's audit log
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_AUDIT_RECORD (tally_audit_record_get_type ())

/* An AuditRecord of GET /v1/admin/audit, as the server sent it. */
G_DECLARE_FINAL_TYPE (TallyAuditRecord, tally_audit_record, TALLY, AUDIT_RECORD, GObject)

/* NULL when @object lacks a member every record has. */
TallyAuditRecord *tally_audit_record_new          (JsonObject       *object);
gint64            tally_audit_record_get_seq      (TallyAuditRecord *self);
const char       *tally_audit_record_get_id       (TallyAuditRecord *self);
const char       *tally_audit_record_get_time     (TallyAuditRecord *self);
const char       *tally_audit_record_get_actor    (TallyAuditRecord *self);
/* NULL when the actor has none (system, anonymous, erased). */
const char       *tally_audit_record_get_actor_email (TallyAuditRecord *self);
const char       *tally_audit_record_get_action   (TallyAuditRecord *self);
/* NULL when the record is about nothing in particular. */
const char       *tally_audit_record_get_target   (TallyAuditRecord *self);
const char       *tally_audit_record_get_outcome  (TallyAuditRecord *self);
/* The details as JSON text, "{}" for none. */
char             *tally_audit_record_dup_details  (TallyAuditRecord *self);
/* Hex SHA-256 of the record and of the one before; NULL from a server
 * that does not list them. */
const char       *tally_audit_record_get_hash     (TallyAuditRecord *self);
const char       *tally_audit_record_get_prev_hash (TallyAuditRecord *self);

G_END_DECLS
