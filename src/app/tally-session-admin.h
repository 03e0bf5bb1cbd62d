/* tally-session-admin.h: an admin's calls, for the Admin view
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ops-report.h"
#include "tally-session.h"

G_BEGIN_DECLS

/* TRUE when the signed-in user's role is admin, as /v1/me last said. */
gboolean    tally_session_is_admin                (TallySession        *self);

/* One call to an /v1/admin endpoint (@path includes its query); the
 * reply's object (an empty one for 204), or @error in words. */
void        tally_session_admin_call_async        (TallySession        *self,
                                                   const char          *method,
                                                   const char          *path,
                                                   JsonObject          *body,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
JsonObject *tally_session_admin_call_finish       (TallySession        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* GET /v1/admin/audit/export: the whole log as JSONL, written to
 * @destination as the server sent it. */
void        tally_session_export_audit_async      (TallySession        *self,
                                                   GFile               *destination,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean    tally_session_export_audit_finish     (TallySession        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* GET /v1/admin/analytics for [@since, @until) (ISO 8601, either NULL
 * for the server's default), typed; @error in words. */
void              tally_session_load_analytics_async    (TallySession        *self,
                                                         const char          *since,
                                                         const char          *until,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
TallyAnalytics   *tally_session_load_analytics_finish   (TallySession        *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* GET /v1/admin/errors: the error answers since the server started,
 * grouped; @error in words. */
void              tally_session_load_error_groups_async  (TallySession        *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
TallyErrorGroups *tally_session_load_error_groups_finish (TallySession        *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
