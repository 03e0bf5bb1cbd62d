/* tally-sync.h: keeps the local cache in step with the server, and knows
 * whether the app is online
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-cache.h"
#include "tally-client.h"

G_BEGIN_DECLS

#define TALLY_TYPE_SYNC (tally_sync_get_type ())

/* Sends the outbox and fetches what changed (POST /v1/sync) whenever
 * something may have changed: at start, after runs, on balance events, when
 * the network or the event stream comes back, and with a backoff while
 * the server cannot be reached. */
G_DECLARE_FINAL_TYPE (TallySync, tally_sync, TALLY, SYNC, GObject)

TallySync  *tally_sync_new            (TallyClient *client,
                                       TallyCache  *cache);
TallyCache *tally_sync_get_cache      (TallySync   *self);
/* Syncs now, or once more after the round in progress. */
void        tally_sync_now            (TallySync   *self);
gboolean    tally_sync_get_online     (TallySync   *self);
gboolean    tally_sync_get_syncing    (TallySync   *self);
/* What offline runs may still spend: the lease's remaining credits less
 * what the outbox has spent; 0 without a lease or once it expired. */
gint64      tally_sync_get_allowance  (TallySync   *self);
/* When the lease ends (microseconds since the epoch, UTC); 0 without one. */
gint64      tally_sync_get_lease_expiry (TallySync *self);

/* Teams' pools: after each round on the user's own account, the device
 * syncs with each pool it may spend from (@account_ids, from GET /v1/me)
 * and each the cache still has ops or a lease on, taking and renewing a
 * lease on it and sending the ops paid from it. */
void        tally_sync_set_pools      (TallySync          *self,
                                       const char * const *account_ids);
/* As tally_sync_get_allowance() and tally_sync_get_lease_expiry(), for
 * the lease on @account_id. The server never leases more than the
 * member's caps on the pool leave, so spending within it keeps within
 * them. */
gint64      tally_sync_get_pool_allowance (TallySync  *self,
                                       const char        *account_id);
gint64      tally_sync_get_pool_lease_expiry (TallySync *self,
                                       const char        *account_id);

G_END_DECLS
