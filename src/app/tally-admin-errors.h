/* tally-admin-errors.h: the Admin view's Errors pane
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ops-report.h"
#include "tally-admin-pane.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_ERRORS (tally_admin_errors_get_type ())

/* Action: errors.reload. */
G_DECLARE_FINAL_TYPE (TallyAdminErrors, tally_admin_errors, TALLY, ADMIN_ERRORS,
                      TallyAdminPane)

GtkWidget        *tally_admin_errors_new        (TallySession     *session);
/* The groups shown; NULL before the first answer or after an error. */
TallyErrorGroups *tally_admin_errors_get_groups (TallyAdminErrors *self);

G_END_DECLS
