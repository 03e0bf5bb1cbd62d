/* tally-admin-users-pane.h: the Admin view's users, and changing them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-admin-pane.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_USERS_PANE (tally_admin_users_pane_get_type ())

/* The users matching a search, a page at a time as the list scrolls, each
 * row with the user's role, balance and caps in force and the changes an
 * admin can make: their rows activate admin.grant, admin.set-ceilings,
 * admin.toggle-role, admin.toggle-disabled and admin.erase with the
 * user's id, which an ancestor (the Admin page) answers with the calls
 * below. Signal "changed": a change went through; the user's row shows
 * it in place (the list is not read again, so it keeps its length, its
 * scroll and the focus; an erased user's row goes). Reloading reads the
 * first page of the users the search matches; clearing forgets every
 * user shown and any page under way. */
G_DECLARE_FINAL_TYPE (TallyAdminUsersPane, tally_admin_users_pane, TALLY, ADMIN_USERS_PANE,
                      TallyAdminPane)

TallyAdminUsersPane *tally_admin_users_pane_new             (TallySession        *session);
/* Each asks first, about a user the list shows; nothing for another id. */
void                 tally_admin_users_pane_grant           (TallyAdminUsersPane *self,
                                                             const char          *user_id);
void                 tally_admin_users_pane_set_ceilings    (TallyAdminUsersPane *self,
                                                             const char          *user_id);
void                 tally_admin_users_pane_toggle_role     (TallyAdminUsersPane *self,
                                                             const char          *user_id);
void                 tally_admin_users_pane_toggle_disabled (TallyAdminUsersPane *self,
                                                             const char          *user_id);
void                 tally_admin_users_pane_erase           (TallyAdminUsersPane *self,
                                                             const char          *user_id);

G_END_DECLS
