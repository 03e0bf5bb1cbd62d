/* tally-audit-model.h: the server's audit log as a paged list
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tally-pager.h"
#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_AUDIT_MODEL_PAGE_SIZE 50

/* What GET /v1/admin/audit narrows the log to; NULL or "" for all. */
typedef struct
{
  char *actor;
  /* One action, or every action starting so when it ends with ".". */
  char *action;
  /* ISO 8601 times: from @since on, before @until. */
  char *since;
  char *until;
  /* Literal text in the target, the details or the actor's email. */
  char *search;
  /* "ok", "refused" or "failed". */
  char *outcome;
} TallyAuditQuery;

void tally_audit_query_clear (TallyAuditQuery *query);

#define TALLY_TYPE_AUDIT_MODEL (tally_audit_model_get_type ())

/* A GListModel of TallyAuditRecord, newest first, read a page at a time
 * from the server by its TallyPager, whose loading, complete and error
 * are the list's. */
G_DECLARE_FINAL_TYPE (TallyAuditModel, tally_audit_model, TALLY, AUDIT_MODEL, GObject)

TallyAuditModel *tally_audit_model_new       (TallySession          *session);
/* Empties the list and reads its first page under @query. */
void             tally_audit_model_set_query (TallyAuditModel       *self,
                                              const TallyAuditQuery *query);
void             tally_audit_model_reload    (TallyAuditModel       *self);
/* Forgets every record and any page under way, reading none. */
void             tally_audit_model_clear     (TallyAuditModel       *self);
TallyPager      *tally_audit_model_get_pager (TallyAuditModel       *self);

G_END_DECLS
