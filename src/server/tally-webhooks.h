/* tally-webhooks.h: outgoing webhooks: URL checks, signing, and the
 * delivery worker that empties the outbox
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tally-store.h"
#include "tally-store-webhooks.h"

G_BEGIN_DECLS

typedef struct _TallyServer TallyServer;

#define TALLY_WEBHOOKS_ERROR (tally_webhooks_error_quark ())

typedef enum
{
  /* Not http(s), malformed, or on an address the server may not call. */
  TALLY_WEBHOOKS_ERROR_URL,
} TallyWebhooksError;

#define TALLY_TYPE_WEBHOOKS (tally_webhooks_get_type ())

/* Owned by the server. Every second (and after each commit that queued a
 * delivery) it sends the deliveries that are due, on the main loop with
 * an async SoupSession, and records each attempt through the writer. */
G_DECLARE_FINAL_TYPE (TallyWebhooks, tally_webhooks, TALLY, WEBHOOKS, GObject)

GQuark         tally_webhooks_error_quark       (void);
TallyWebhooks *tally_webhooks_new               (TallyServer          *server);

/* Whether the server may call @address: not loopback, link-local,
 * private, unspecified or multicast, unless @allow_private. */
gboolean       tally_webhook_address_is_allowed (GInetAddress         *address,
                                                 gboolean              allow_private);
/* Checks the scheme, then resolves the host: every address it has must
 * be allowed. */
void           tally_webhooks_check_url_async   (TallyWebhooks        *self,
                                                 const char           *url,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean       tally_webhooks_check_url_finish  (TallyWebhooks        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Inside a writer func, audited (webhook.created, webhook.deleted);
 * create sets @webhook's created_at. *@found is FALSE when @user has no
 * webhook @id. */
gboolean       tally_webhooks_create            (TallyWebhooks        *self,
                                                 const TallyUser      *user,
                                                 TallyWebhook         *webhook,
                                                 GError              **error);
gboolean       tally_webhooks_delete            (TallyWebhooks        *self,
                                                 const TallyUser      *user,
                                                 const char           *id,
                                                 gboolean             *found,
                                                 GError              **error);

/* "whsec_" and 32 random bytes. */
char          *tally_webhook_secret_new         (void);
/* "t=UNIX,v1=HEX": HMAC-SHA256 keyed with @secret over "t.body". */
char          *tally_webhook_signature          (const char           *secret,
                                                 gint64                unix_time,
                                                 const char           *body);

/* Queues {id, type, created_at, data} to each of the user's webhooks, in
 * the current transaction. */
gboolean       tally_webhooks_enqueue           (TallyWebhooks        *self,
                                                 const char           *user_id,
                                                 const char           *event_id,
                                                 const char           *type,
                                                 gint64                created_at,
                                                 JsonObject           *data,
                                                 GError              **error);
/* Looks for due deliveries soon, e.g. after a commit queued some. */
void           tally_webhooks_kick              (TallyWebhooks        *self);

G_END_DECLS
