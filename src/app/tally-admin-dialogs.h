/* tally-admin-dialogs.h: what the panes of the Admin view say, ask and share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

/* A plain toast in the overlay of @widget's window, if it has one. */
void              tally_admin_toast      (GtkWidget             *widget,
                                          const char            *text);

/* The dim, wrapping status line under a pane's figures. */
GtkLabel         *tally_admin_status_new (void);

/* An empty boxed list, for a form or the users. */
GtkWidget        *tally_admin_form_new   (void);

typedef void (*TallyAdminConfirmFunc) (AdwMessageDialog *dialog,
                                       gpointer          data);

/* Asks before a change, in @widget's window: @heading and @body, then
 * Cancel and @confirm shown with @appearance (a destructive one is never
 * the default answer), with @form (nullable, e.g. a boxed list of
 * fields) below the body. Confirmed, @func runs with @data; @destroy
 * frees @data with the dialog. The dialog is presented and returned. */
AdwMessageDialog *tally_admin_confirm    (GtkWidget             *widget,
                                          const char            *heading,
                                          const char            *body,
                                          const char            *confirm,
                                          AdwResponseAppearance  appearance,
                                          GtkWidget             *form,
                                          TallyAdminConfirmFunc  func,
                                          gpointer               data,
                                          GDestroyNotify         destroy);

/* Runs @on_map (a handler of @pane's "map") when @pane is shown, and
 * @on_change with @pane whenever @session's role or user changes: each
 * pane reads when first shown and forgets what the last admin saw. */
void              tally_admin_follow_session    (GtkWidget     *pane,
                                                 TallySession  *session,
                                                 GCallback      on_map,
                                                 GCallback      on_change);
/* Cancels what *@cancellable was for and puts a new one in its place. */
void              tally_admin_renew_cancellable (GCancellable **cancellable);
/* @iso in local time by @format (see strftime(3)); @iso itself when it
 * is no time. */
char             *tally_admin_local_time        (const char    *iso,
                                                 const char    *format);

G_END_DECLS
