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

/* The dim, wrapping status line under a pane's figures. */
GtkLabel         *tally_admin_status_new (void);

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

/* @iso in local time by @format (see strftime(3)); @iso itself when it
 * is no time. */
char             *tally_admin_local_time        (const char    *iso,
                                                 const char    *format);

G_END_DECLS
