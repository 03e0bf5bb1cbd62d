/* tally-session-private.h: what the session's own files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-session.h"

G_BEGIN_DECLS

/* How one call's reply becomes the typed result its _finish() hands back. */
typedef struct
{
  /* The reply as a typed result, or NULL with @error. */
  gpointer        (*decode) (JsonObject    *reply,
                             GError       **error);
  GDestroyNotify    free;
  /* What the session does with the result once the server took it, or
   * NULL. */
  void            (*done)   (TallySession  *self,
                             gconstpointer  decoded);
} TallySessionDecoder;

/* tally-session-billing.c */
/* One request, its reply decoded by @decoder for
 * tally_session_call_finish(). */
void      tally_session_call        (TallySession              *self,
                                     const char                *method,
                                     const char                *path,
                                     JsonObject                *body,
                                     const TallySessionDecoder *decoder,
                                     gpointer                   source_tag,
                                     GCancellable              *cancellable,
                                     GAsyncReadyCallback        callback,
                                     gpointer                   user_data);
gpointer  tally_session_call_finish (TallySession              *self,
                                     GAsyncResult              *result,
                                     gpointer                   source_tag,
                                     GError                   **error);

/* tally-session-alerts.c */
/* The reply's "items", each decoded by @decode; NULL with @error when any
 * cannot be read. */
GPtrArray *tally_session_decode_items (JsonObject      *reply,
                                       gpointer       (*decode) (JsonObject *, GError **),
                                       GDestroyNotify   free_item,
                                       GError         **error);

/* tally-session-gifts.c */
/* Tells who gave the gift that brought @credits with @transfer_id, as
 * GET /v1/me/gifts says, as a notice. */
void      tally_session_tell_gift   (TallySession              *self,
                                     const char                *transfer_id,
                                     gint64                     credits);

/* tally-session-teams.c */
/* Gives the ops waiting on a team's pool without the team's name (queued
 * before cache migration 4) the name of the team as last listed. */
void      tally_session_name_queued_pool_ops (TallySession         *self);

/* tally-session.c */
/* A notice (toast, and a desktop notification when the window is not
 * focused). */
void      tally_session_notice      (TallySession              *self,
                                     const char                *text);
/* The settings as the server last answered them; notifies. */
void      tally_session_set_alert_settings (TallySession             *self,
                                            const TallyAlertSettings *settings);

G_END_DECLS
