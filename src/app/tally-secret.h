/* tally-secret.h: the session token in the keyring, never in a file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     tally_secret_store_async  (const char          *server_url,
                                    const char          *token,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean tally_secret_store_finish (GAsyncResult        *result,
                                    GError             **error);
void     tally_secret_lookup_async (const char          *server_url,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
/* NULL without an error when the keyring holds no token for the server. */
char    *tally_secret_lookup_finish (GAsyncResult       *result,
                                    GError             **error);
void     tally_secret_clear_async  (const char          *server_url,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean tally_secret_clear_finish (GAsyncResult        *result,
                                    GError             **error);

G_END_DECLS
