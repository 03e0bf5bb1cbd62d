/* tally-admin-audit-pane.h: the Admin view's audit log
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-admin-pane.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_AUDIT_PANE (tally_admin_audit_pane_get_type ())

/* The audit log with its search and filters; its buttons activate
 * admin.verify and admin.export, which an ancestor (the Admin page)
 * answers with the calls below. Property "verifying": a check of the
 * chain is under way. Reloading reads the first page of the log under
 * the filters shown; clearing forgets every record and the last check. */
G_DECLARE_FINAL_TYPE (TallyAdminAuditPane, tally_admin_audit_pane, TALLY, ADMIN_AUDIT_PANE,
                      TallyAdminPane)

TallyAdminAuditPane *tally_admin_audit_pane_new            (TallySession        *session);
/* The log as the list shows it (TallyAuditRecord). */
GListModel          *tally_admin_audit_pane_get_audit      (TallyAdminAuditPane *self);
/* Checks every link of the chain on the server and says how it went;
 * nothing while a check is under way. */
void                 tally_admin_audit_pane_verify         (TallyAdminAuditPane *self);
gboolean             tally_admin_audit_pane_get_verifying  (TallyAdminAuditPane *self);
/* Asks where, then exports as tally_admin_audit_pane_export_to() does. */
void                 tally_admin_audit_pane_choose_export  (TallyAdminAuditPane *self);
/* Writes the whole log as JSONL to @file; a toast says how it went. */
void                 tally_admin_audit_pane_export_to      (TallyAdminAuditPane *self,
                                                            GFile               *file);
/* Opens the detail window of @record; returns it. */
GtkWidget           *tally_admin_audit_pane_show_record    (TallyAdminAuditPane *self,
                                                            gpointer             record);

G_END_DECLS
