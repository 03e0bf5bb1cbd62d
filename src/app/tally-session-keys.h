/* tally-session-keys.h: the session's calls for API keys
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-key.h"
#include "tally-session.h"

G_BEGIN_DECLS

/* GET /v1/me/api-keys: a GPtrArray of TallyApiKey, never with a key. */
void         tally_session_list_api_keys_async   (TallySession         *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray   *tally_session_list_api_keys_finish  (TallySession         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* POST /v1/me/api-keys: the new key, with the key itself. */
void         tally_session_create_api_key_async  (TallySession         *self,
                                                  const char           *name,
                                                  gboolean              can_run,
                                                  gint64                rate_limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
TallyApiKey *tally_session_create_api_key_finish (TallySession         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* DELETE /v1/me/api-keys/{id}. */
void         tally_session_revoke_api_key_async  (TallySession         *self,
                                                  const char           *key_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean     tally_session_revoke_api_key_finish (TallySession         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
