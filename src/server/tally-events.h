/* tally-events.h: GET /v1/events, the WebSocket that keeps apps live
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "tally-request.h"
#include "tally-store-gifts.h"

G_BEGIN_DECLS

#define TALLY_EVENTS_PATH "/v1/events"

#define TALLY_TYPE_EVENTS (tally_events_get_type ())

/* The WebSocket hub: after each group commit it reads the transfers it has
 * not seen yet and pushes, to the connections of the users they concern,
 * a "balance" message per changed account and a "run" message per run
 * that ended. */
G_DECLARE_FINAL_TYPE (TallyEvents, tally_events, TALLY, EVENTS, GObject)

/* Serves TALLY_EVENTS_PATH on @server's SoupServer (call it once the
 * SoupServer exists); @server keeps the hub for the rest of its life. */
TallyEvents *tally_events_attach               (TallyServer  *server);
/* Tells the account's apps that the payment of Checkout Session
 * @session_id failed: nothing reached the ledger, so no commit would. */
void         tally_events_push_payment_failed  (TallyServer  *server,
                                                const char   *account_id,
                                                const char   *session_id);
/* Tells the buyer's apps that the gift's payment (Checkout Session
 * @session_id) went through: its credits wait for the address, and no
 * transfer of the buyer's says so. */
void         tally_events_push_gift_sent       (TallyServer     *server,
                                                const char      *account_id,
                                                const char      *session_id,
                                                const TallyGift *gift);
/* Tells the apps of the user a gift waits for (@account_id, the
 * recipient's own) to sync: the sync brings it. */
void         tally_events_push_gift_waiting    (TallyServer     *server,
                                                const char      *account_id);
/* Closes, at once, the connections of @account_id's user whose session
 * has ended: call it after a commit that signs out or disables a user. */
/* Sends @message to every socket of @account_id. */
void         tally_events_push                 (TallyServer  *server,
                                                const char   *account_id,
                                                JsonObject   *message);
void         tally_events_end_sessions         (TallyServer  *server,
                                                const char   *account_id);
/* The answer to a GET of TALLY_EVENTS_PATH that asks for no upgrade. */
void         tally_events_handle_plain_request (TallyRequest *request);

G_END_DECLS
