/* tally-client.h: the app's side of the sync server's HTTP API
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define TALLY_CLIENT_ERROR (tally_client_error_quark ())

typedef enum
{
  /* The server could not be reached: the app is offline. */
  TALLY_CLIENT_ERROR_UNREACHABLE,
  /* The server answered with an error; the message is its own. */
  TALLY_CLIENT_ERROR_SERVER,
  /* The token is no longer valid: sign in again. */
  TALLY_CLIENT_ERROR_UNAUTHORIZED,
  TALLY_CLIENT_ERROR_INVALID_ADDRESS,
  TALLY_CLIENT_ERROR_INVALID_REPLY,
  /* Plain http to a server that is not on this computer, not allowed. */
  TALLY_CLIENT_ERROR_INSECURE_ADDRESS,
} TallyClientError;

#define TALLY_TYPE_CLIENT (tally_client_get_type ())

G_DECLARE_FINAL_TYPE (TallyClient, tally_client, TALLY, CLIENT, GObject)

GQuark       tally_client_error_quark     (void);
/* Sets @error to TALLY_CLIENT_ERROR_INVALID_REPLY with @message, and
 * returns NULL: a reply object that cannot be read. */
gpointer     tally_client_invalid_reply   (GError              **error,
                                           const char           *message);
TallyClient *tally_client_new             (const char           *server_url);
const char  *tally_client_get_server_url  (TallyClient          *self);
gboolean     tally_client_set_server_url  (TallyClient          *self,
                                           const char           *server_url,
                                           GError              **error);
/* Hosts that may be reached over plain http although they are not on this
 * computer (the "allow-insecure-servers" setting); NULL: none. */
void         tally_client_set_insecure_hosts (TallyClient       *self,
                                              const char * const *hosts);
const char  *tally_client_get_token       (TallyClient          *self);
void         tally_client_set_token       (TallyClient          *self,
                                           const char           *token);
/* One API call. @body may be NULL. The reply's JSON object, or an error
 * whose message a person can read, with the API's error code (e.g.
 * "insufficient_credits") when the server refused. */
void         tally_client_call_async      (TallyClient          *self,
                                           const char           *method,
                                           const char           *path,
                                           JsonObject           *body,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonObject  *tally_client_call_finish     (TallyClient          *self,
                                           GAsyncResult         *result,
                                           char                **error_code,
                                           GError              **error);
/* A GET whose answer is not JSON (a receipt's PDF): its body as is, or an
 * error in the same words as tally_client_call_async()'s. */
void         tally_client_fetch_async     (TallyClient          *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GBytes      *tally_client_fetch_finish    (TallyClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
/* Why the server refused the call: its "error" object, with the members
 * that come with the code ("limit", "available"...); NULL otherwise. */
JsonObject  *tally_client_call_get_problem (TallyClient         *self,
                                           GAsyncResult         *result);

/* The live event stream (GET /v1/events); "event" is emitted with each
 * message's JSON object. */
void         tally_client_connect_events  (TallyClient          *self);
void         tally_client_disconnect_events (TallyClient        *self);

G_END_DECLS
