/* tally-request.h: one HTTP request on its way through the server
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "tally-problem.h"
#include "tally-router.h"
#include "tally-store.h"
#include "tally-store-keys.h"

G_BEGIN_DECLS

typedef struct _TallyServer TallyServer;

TallyRequest     *tally_request_new            (TallyServer        *server,
                                                SoupServerMessage  *msg,
                                                GHashTable         *query);
TallyRequest     *tally_request_ref            (TallyRequest       *self);
void              tally_request_unref          (TallyRequest       *self);

TallyServer      *tally_request_get_server     (TallyRequest       *self);
SoupServerMessage *tally_request_get_message   (TallyRequest       *self);
const char       *tally_request_get_id         (TallyRequest       *self);
const char       *tally_request_get_method     (TallyRequest       *self);
const char       *tally_request_get_path       (TallyRequest       *self);
const char       *tally_request_get_remote_host (TallyRequest      *self);
/* When it arrived, on the monotonic clock. */
gint64            tally_request_get_started    (TallyRequest       *self);
const TallyRoute *tally_request_get_route      (TallyRequest       *self);
void              tally_request_set_route      (TallyRequest       *self,
                                                const TallyRoute   *route,
                                                GHashTable         *params);
const char       *tally_request_get_param      (TallyRequest       *self,
                                                const char         *name);
const char       *tally_request_get_query      (TallyRequest       *self,
                                                const char         *name);
/* The signed-in user; NULL on a public route without credentials. */
const TallyUser  *tally_request_get_user       (TallyRequest       *self);
void              tally_request_set_user       (TallyRequest       *self,
                                                const TallyUser    *user);
/* The API key the request came with, or NULL (a session token, or
 * none). */
const TallyApiKey *tally_request_get_api_key  (TallyRequest       *self);
void              tally_request_set_api_key    (TallyRequest       *self,
                                                const TallyApiKey  *key);
/* The bearer token as sent, or NULL. */
const char       *tally_request_get_token      (TallyRequest       *self);
guint             tally_request_get_language   (TallyRequest       *self);

/* The body as a JSON object, strictly; NULL with @problem set otherwise. */
JsonObject       *tally_request_parse_body     (TallyRequest       *self,
                                                TallyProblem       *problem);

/* Holds the response until tally_request_respond*() is called later, e.g.
 * after a group commit. */
void              tally_request_pause          (TallyRequest       *self);
gboolean          tally_request_has_responded  (TallyRequest       *self);
guint             tally_request_get_status     (TallyRequest       *self);
/* @body: (transfer full) (nullable) */
/* The code of the error answer given, or NULL (none yet, or not JSON). */
const char       *tally_request_get_error_code (TallyRequest       *self);
void              tally_request_respond        (TallyRequest       *self,
                                                guint               status,
                                                JsonNode           *body);
/* @text: (transfer full) */
void              tally_request_respond_text   (TallyRequest       *self,
                                                guint               status,
                                                const char         *content_type,
                                                char               *text);
/* A binary body (a receipt's PDF): copied. */
void              tally_request_respond_bytes  (TallyRequest       *self,
                                                guint               status,
                                                const char         *content_type,
                                                GBytes             *bytes);
void              tally_request_respond_object (TallyRequest       *self,
                                                guint               status,
                                                JsonObject         *object);
void              tally_request_respond_problem (TallyRequest      *self,
                                                const TallyProblem *problem);
/* 503 storage_unavailable with Retry-After: the database cannot be reached. */
void              tally_request_respond_store_unavailable (TallyRequest *self);
void              tally_request_respond_error  (TallyRequest       *self,
                                                guint               status,
                                                const char         *code,
                                                const char         *format,
                                                ...) G_GNUC_PRINTF (4, 5);
/* The client went away: responses are dropped. */
void              tally_request_detach         (TallyRequest       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyRequest, tally_request_unref)

G_END_DECLS
