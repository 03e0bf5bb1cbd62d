/* tally-admin-page.h: the Admin view: the audit log and the users
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_PAGE (tally_admin_page_get_type ())

/* Actions: admin.verify, admin.export, admin.reload; on a user, by id:
 * admin.grant, admin.toggle-role, admin.toggle-disabled,
 * admin.set-ceilings, admin.erase, each asking first. */
G_DECLARE_FINAL_TYPE (TallyAdminPage, tally_admin_page, TALLY, ADMIN_PAGE, TallyPage)

TallyAdminPage *tally_admin_page_new          (TallySession   *session);
/* Adds the page to @stack as "admin", and to @stack's window the
 * action admin-view.show, enabled only while the session's user is an
 * admin (the main menu's Administration item hides when it is not). */
TallyAdminPage *tally_admin_page_add_to_stack (AdwViewStack   *stack,
                                               TallySession   *session);
/* Shows the section @name: "audit", "users", "analytics" or "errors". */
void            tally_admin_page_show_section (TallyAdminPage *self,
                                               const char     *name);
/* The audit log as the list shows it (TallyAuditRecord). */
GListModel     *tally_admin_page_get_audit    (TallyAdminPage *self);
/* Writes the whole log as JSONL to @file, as Export… does after its
 * file chooser; a toast says how it went. */
void            tally_admin_page_export_to    (TallyAdminPage *self,
                                               GFile          *file);
/* Opens the detail window of @record; returns it. */
GtkWidget      *tally_admin_page_show_record  (TallyAdminPage *self,
                                               gpointer        record);

G_END_DECLS
